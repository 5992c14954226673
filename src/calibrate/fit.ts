/**
 * `modstorm calibrate`'s fit: the free constants of a cost profile moved,
 * each inside its documented range, until the model's figures match a
 * target table; the fixed ones never move.
 *
 * Optimizer: Levenberg–Marquardt from ml-levenberg-marquardt (mljs; bounded
 * parameters, deterministic). Why it: the problem is least squares of a few
 * residuals (one per measured figure) over a few constants, where
 * Levenberg–Marquardt converges in a handful of iterations, and one
 * evaluation is a full storm per (machine, strategy) — a second or more
 * each — so an optimizer that needs n + 2 evaluations per iteration beats
 * Nelder–Mead (hundreds of evaluations in 4–6 dimensions) and CMA-ES (a
 * population of ~10 per generation). The Jacobian comes from forward
 * differences of a few per cent of each constant, wide enough to step over
 * the small jumps a discrete-event model has where two events swap order. (fmin, the
 * usual npm Nelder–Mead, was tried and rejected: its 0.0.4 build exports
 * nothing under Node's ESM loader and its shrink step assigns an undeclared
 * variable.)
 *
 * The constants are fitted as logarithms (every free constant is a positive
 * quantity spanning orders of magnitude), mapped smoothly into their
 * documented range (fromUnbounded), and residuals are ln(model / measured),
 * so a 10 % miss weighs the same on a 2 s figure as on a 45 s one.
 */
import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { basename } from 'node:path';
import { UserError } from '../errors.js';
import { PROFILE_CONSTANTS, type ProfileConstant } from '../scenario/profile-constants.js';
import { profileValue, withValues, type Profile } from '../scenario/profile.js';
import type { RunResult } from '../scenario/result.js';
import { runScenario } from '../scenario/run.js';
import { resolveScenario } from '../scenario/scenario.js';
import { measure, type Target, type TargetRow } from './target.js';

export interface CalibrateOptions {
  readonly target: Target;
  /** Where the fixed constants come from (and the free ones' start with `start: 'profile'`). */
  readonly profile: Profile;
  /** Paths of the constants to fit (default: every constant documented as free). */
  readonly free?: readonly string[] | undefined;
  /** Start the free constants at their range's geometric middle (default), or at the profile's values. */
  readonly start?: 'midpoint' | 'profile' | undefined;
  readonly maxIterations?: number | undefined;
  /** The runs' seed. */
  readonly seed?: number | undefined;
  readonly onProgress?: ((p: CalibrateProgress) => void) | undefined;
  /** How the fit was asked for, recorded in the profile (default: `modstorm calibrate --target FILE --seed N`). */
  readonly invocation?: string | undefined;
}

export interface CalibrateProgress {
  /** Model evaluations so far (each: one storm per machine and strategy of the target). */
  readonly evaluation: number;
  readonly rmsErrorPct: number;
  readonly bestRmsErrorPct: number;
}

export interface Residual {
  readonly row: TargetRow;
  /** The model's figure, seconds. */
  readonly model: number;
  /** (model − measured) / measured, in %. */
  readonly errorPct: number;
}

export interface Move {
  readonly constant: ProfileConstant;
  readonly start: number;
  readonly fitted: number;
  /** fitted / start. */
  readonly factor: number;
  /** The fit ended on the edge of the documented range: a sign the model lacks a mechanism. */
  readonly atBound: 'min' | 'max' | undefined;
}

export interface CalibrateResult {
  readonly profile: Profile;
  readonly residuals: readonly Residual[];
  /** Every free constant, most moved first (by |ln factor|). */
  readonly moves: readonly Move[];
  readonly rmsErrorPct: number;
  readonly evaluations: number;
  readonly iterations: number;
}

/** Step of the finite-difference Jacobian in the unbounded variable: ≈ 5–8 % of the constant in the middle of its range. */
const GRADIENT_STEP = 0.03;
/** Fitted values keep 3 significant digits: the measurements themselves are means of 5 boots. */
const SIGNIFICANT = 3;

export function calibrate(options: CalibrateOptions): CalibrateResult {
  const { target, profile } = options;
  const free = freeConstants(options.free);
  const seed = options.seed ?? 1;
  const startValues = free.map((c) => (options.start === 'profile' ? Math.max(profileValue(profile, c.path), fitMin(c)) : Math.sqrt(fitMin(c) * c.max)));

  const rows = target.rows;
  const groups = groupRows(rows);
  const cache = new Map<string, number[]>();
  let evaluations = 0;
  let best = Infinity;
  /** ln(model / measured) per row for constants `values`. */
  const residualsAt = (values: readonly number[]): number[] => {
    const key = values.join(',');
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const candidate = withValues(profile, new Map(free.map((c, i) => [c.path, values[i] as number])));
    const model = modelFigures(target, groups, candidate, seed);
    const r = rows.map((row, i) => Math.log(Math.max(model[i] as number, 1e-6) / row.value));
    cache.set(key, r);
    evaluations++;
    const rms = rmsPct(r);
    best = Math.min(best, rms);
    options.onProgress?.({ evaluation: evaluations, rmsErrorPct: rms, bestRmsErrorPct: best });
    return r;
  };
  // Whole ns where the profile wants them: a rounding far below the difference step.
  const toValues = (zs: readonly number[]): number[] =>
    zs.map((z, i) => {
      const c = free[i] as ProfileConstant;
      const v = clampTo(c, Math.exp(fromUnbounded(c, z)));
      return c.unit === 'ns' || c.unit === 'bytes' ? Math.round(v) : v;
    });

  // The library wants at least 3 points: a target of 1 or 2 rows is given each row the same number of times.
  const points = rows.length * Math.ceil(3 / rows.length);
  const fit = levenbergMarquardt(
    { x: Array.from({ length: points }, (_, i) => i), y: new Array<number>(points).fill(0) },
    (zs: number[]) => {
      const r = residualsAt(toValues(zs));
      return (i: number) => r[i % rows.length] as number;
    },
    {
      initialValues: startValues.map((v, i) => toUnbounded(free[i] as ProfileConstant, Math.log(v))),
      gradientDifference: GRADIENT_STEP,
      maxIterations: options.maxIterations ?? 20,
      errorTolerance: 1e-4,
      damping: 1e-2,
    },
  );

  const fitted = toValues(fit.parameterValues).map((v, i) => roundConstant(free[i] as ProfileConstant, v));
  const final = residualsAt(fitted);
  const values = new Map(free.map((c, i) => [c.path, fitted[i] as number]));
  const rms = rmsPct(final);
  const machineNames = Object.keys(target.machines);
  const first = target.machines[machineNames[0] as string];
  const fittedProfile: Profile = {
    ...withValues(profile, values),
    name: machineNames.length === 1 ? (machineNames[0] as string) : profile.name,
    machine: first?.description ?? profile.machine,
    calibration:
      `${options.invocation ?? `modstorm calibrate --target ${basename(target.file)} --seed ${seed}`}: ${free.length} constants fitted ` +
      `(Levenberg-Marquardt, ml-levenberg-marquardt, ln residuals) in ${fit.iterations} iterations; rms error ${rms.toFixed(1)} %`,
  };
  return {
    profile: fittedProfile,
    residuals: rows.map((row, i) => ({ row, model: row.value * Math.exp(final[i] as number), errorPct: (Math.exp(final[i] as number) - 1) * 100 })),
    moves: free
      .map((c, i): Move => {
        const start = startValues[i] as number;
        const v = fitted[i] as number;
        return { constant: c, start, fitted: v, factor: v / start, atBound: v <= c.min * 1.001 ? 'min' : v >= c.max * 0.999 ? 'max' : undefined };
      })
      .sort((a, b) => Math.abs(Math.log(b.factor)) - Math.abs(Math.log(a.factor)) || (a.constant.path < b.constant.path ? -1 : 1)),
    rmsErrorPct: rms,
    evaluations,
    iterations: fit.iterations,
  };
}

/** The constants to fit: named ones must be documented and positive-ranged; default the documented free ones. */
function freeConstants(paths: readonly string[] | undefined): ProfileConstant[] {
  if (paths === undefined) return PROFILE_CONSTANTS.filter((c) => c.free);
  return paths.map((p) => {
    const c = PROFILE_CONSTANTS.find((k) => k.path === p);
    if (c === undefined) {
      throw new UserError(`--free: ${p} is not a profile constant; known: ${PROFILE_CONSTANTS.filter((k) => k.unit !== 'flag').map((k) => k.path).join(', ')}`);
    }
    if (c.unit === 'flag' || !(c.min > 0) || c.min === c.max) {
      throw new UserError(`--free: ${p} cannot be fitted (its documented range is ${c.min}–${c.max} ${c.unit}: a fit needs a positive range)`);
    }
    return c;
  });
}

/** Rows by (machine, strategy): each group is one storm per evaluation. */
function groupRows(rows: readonly TargetRow[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const key = `${row.machine}\0${row.strategy}`;
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [i]);
    else list.push(i);
  });
  return groups;
}

/** The model's figure for every row under `profile`. */
export function modelFigures(target: Target, groups: Map<string, number[]>, profile: Profile, seed: number): number[] {
  const out: number[] = new Array<number>(target.rows.length).fill(0);
  for (const indices of groups.values()) {
    const first = target.rows[indices[0] as number] as TargetRow;
    const result = runRow(target, first, profile, seed);
    for (const i of indices) out[i] = measure(target.rows[i] as TargetRow, result);
  }
  return out;
}

/** The storm a row describes: its machine's scenario under its strategy. */
export function runRow(target: Target, row: TargetRow, profile: Profile, seed: number): RunResult {
  const machine = target.machines[row.machine];
  if (machine === undefined) throw new Error(`calibrate: row names an unknown machine ${row.machine}`);
  const scenario = resolveScenario({ ...machine.scenario, strategy: row.strategy, seed }, { file: target.file }, { profile });
  return runScenario(scenario);
}

/** The model's residuals for `profile` as it is (no fit): what README's table shows. */
export function residualsOf(target: Target, profile: Profile, seed = 1): Residual[] {
  const figures = modelFigures(target, groupRows(target.rows), profile, seed);
  return target.rows.map((row, i) => ({ row, model: figures[i] as number, errorPct: ((figures[i] as number) / row.value - 1) * 100 }));
}

/**
 * The bounds as a smooth map: the optimizer moves z over all reals, the constant's logarithm is
 * ln min + (ln max − ln min)·sigmoid(z). Clamping instead would give a constant sitting on its
 * bound a zero finite difference, and the fit could never bring it back.
 */
function fromUnbounded(c: ProfileConstant, z: number): number {
  const [lo, hi] = [Math.log(fitMin(c)), Math.log(c.max)];
  return lo + (hi - lo) / (1 + Math.exp(-z));
}

function toUnbounded(c: ProfileConstant, u: number): number {
  const [lo, hi] = [Math.log(fitMin(c)), Math.log(c.max)];
  const s = Math.min(1 - 1e-9, Math.max(1e-9, (u - lo) / (hi - lo)));
  return Math.log(s / (1 - s));
}

/** The fit works on logarithms: a range that starts at 0 ("off") is searched from a ten-thousandth of its top. */
function fitMin(c: ProfileConstant): number {
  return c.min > 0 ? c.min : c.max / 1e4;
}

function rmsPct(logResiduals: readonly number[]): number {
  const meanSquare = logResiduals.reduce((s, r) => s + r * r, 0) / logResiduals.length;
  return (Math.exp(Math.sqrt(meanSquare)) - 1) * 100;
}

function clampTo(c: ProfileConstant, v: number): number {
  return Math.min(c.max, Math.max(c.min, v));
}

function roundConstant(c: ProfileConstant, v: number): number {
  const r = Number(clampTo(c, v).toPrecision(SIGNIFICANT));
  return c.unit === 'ns' || c.unit === 'bytes' ? Math.round(r) : r;
}
