/**
 * What `modstorm calibrate` does (registered in calibrate.ts, which loads
 * this file when the command runs: the fit's numerical library is loaded by
 * no other command).
 */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { calibrate, residualsOf, type CalibrateResult, type Residual } from '../../calibrate/fit.js';
import { DEFAULT_TARGET_FILE, readTarget, type Target } from '../../calibrate/target.js';
import { UserError } from '../../errors.js';
import { movesTable, residualTable, type TableFormat } from '../../report/calibrate.js';
import { DEFAULT_PROFILE, loadProfile, profileToYaml } from '../../scenario/profile.js';
import { parseChoice, parseCount } from '../options.js';

export interface CalibrateFlags {
  target?: string;
  profile?: string;
  free?: string;
  strategies?: string;
  start?: string;
  maxIterations?: string;
  seed?: string;
  out?: string;
  residualsOnly?: boolean;
  markdown?: boolean;
  json?: boolean;
}

export interface CalibrateOutput {
  readonly residuals: readonly Residual[];
  readonly fit: CalibrateResult | undefined;
}

export function calibrateCommand(
  flags: CalibrateFlags,
  out: (text: string) => void,
  progress: (line: string) => void = (line) => void process.stderr.write(`${line}\n`),
): CalibrateOutput {
  const target = onlyStrategies(readTarget(flags.target ?? DEFAULT_TARGET_FILE), flags.strategies);
  const profile = loadProfile(flags.profile ?? DEFAULT_PROFILE);
  const seed = flags.seed === undefined ? 1 : parseCount('--seed', flags.seed, 0, 2 ** 31 - 1);
  const format: TableFormat = flags.markdown === true ? 'markdown' : 'text';
  if (flags.residualsOnly === true) {
    if (flags.out !== undefined || flags.free !== undefined || flags.start !== undefined || flags.maxIterations !== undefined) {
      throw new UserError('--residuals-only runs the profile as it is: --out, --free, --start and --max-iterations do not apply');
    }
    const residuals = residualsOf(target, profile, seed);
    out(flags.json === true ? JSON.stringify({ profile: profile.name, residuals }, null, 2) : residualTable(residuals, format));
    return { residuals, fit: undefined };
  }
  const fit = calibrate({
    target,
    profile,
    free: flags.free === undefined ? undefined : flags.free.split(',').map((s) => s.trim()).filter((s) => s !== ''),
    start: flags.start === undefined ? 'midpoint' : parseChoice('--start', flags.start, ['midpoint', 'profile'] as const),
    maxIterations: flags.maxIterations === undefined ? undefined : parseCount('--max-iterations', flags.maxIterations, 1, 1000),
    seed,
    invocation: [
      'modstorm calibrate',
      `--target ${basename(target.file)}`,
      flags.profile === undefined ? '' : `--profile ${basename(flags.profile)}`,
      flags.strategies === undefined ? '' : `--strategies ${flags.strategies}`,
      flags.free === undefined ? '' : `--free ${flags.free}`,
      flags.start === undefined ? '' : `--start ${flags.start}`,
      flags.maxIterations === undefined ? '' : `--max-iterations ${flags.maxIterations}`,
      `--seed ${seed}`,
    ]
      .filter((s) => s !== '')
      .join(' '),
    onProgress: (p) =>
      progress(`calibrate: evaluation ${p.evaluation}: rms error ${p.rmsErrorPct.toFixed(1)} % (best so far ${p.bestRmsErrorPct.toFixed(1)} %)`),
  });
  const yaml = profileToYaml(fit.profile);
  if (flags.out !== undefined) {
    try {
      writeFileSync(flags.out, yaml);
    } catch (error) {
      throw new UserError(`--out: cannot write ${flags.out} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  if (flags.json === true) {
    out(JSON.stringify({ profile: fit.profile, residuals: fit.residuals, moves: fit.moves, rmsErrorPct: fit.rmsErrorPct, iterations: fit.iterations, evaluations: fit.evaluations }, null, 2));
  } else {
    out(residualTable(fit.residuals, format));
    out(`rms error ${fit.rmsErrorPct.toFixed(1)} % after ${fit.iterations} iterations (${fit.evaluations} evaluations)`);
    out(movesTable(fit.moves, format));
    if (flags.out === undefined) out(yaml.trimEnd());
    else out(`profile written to ${flags.out}`);
  }
  return { residuals: fit.residuals, fit };
}

/** `--strategies v5.3,merge`: only the target's rows of those strategies (a fit of the mechanisms they depend on). */
function onlyStrategies(target: Target, raw: string | undefined): Target {
  if (raw === undefined) return target;
  const wanted = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const present = [...new Set(target.rows.map((r) => r.strategy))];
  for (const s of wanted) {
    if (!present.includes(s)) throw new UserError(`--strategies: ${target.file} has no row for '${s}' (it has ${present.join(', ')})`);
  }
  return { ...target, rows: target.rows.filter((r) => wanted.includes(r.strategy)) };
}
