/**
 * `modstorm sweep`: the storm at several CPU counts under several
 * strategies — the plot of how first→last, settle, init calls and wasted
 * vmalloc grow with the machine. Points run in parallel on worker threads;
 * the output is in plan order, the same for any --jobs.
 */
import { availableParallelism } from 'node:os';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { machineLine } from '../../report/document.js';
import { MAX_CPUS, type ScenarioInput } from '../../scenario/schema.js';
import { scenarioInputWith, type Scenario } from '../../scenario/scenario.js';
import { STRATEGIES, isKernelStrategy, strategyIds } from '../../scenario/strategy.js';
import { runSweep, type SweepResult } from '../../scenario/sweep.js';
import { parseChoice, parseCount } from '../options.js';
import { addOutputOptions, emit, outputFormat, type OutputFlags } from '../output.js';
import { addMachineOptions, machineInput, toScenario, type MachineFlags } from './run.js';

export interface SweepFlags extends Omit<MachineFlags, 'cpus'>, OutputFlags {
  cpus: string;
  strategies: string;
  kernel?: string;
  jobs?: string;
}

/** Most points one sweep runs: each is a whole storm. */
export const MAX_SWEEP_POINTS = 64;

/**
 * `64,128,256`, a range `64..2048x2` (64, 128, … up to 2048, each twice the
 * last), or both mixed: the CPU counts in ascending order, each once.
 */
export function parseCpuList(raw: string): number[] {
  const values: number[] = [];
  for (const item of raw.split(',').map((s) => s.trim())) {
    const range = /^(\d+)\.\.(\d+)x(\d+)$/.exec(item);
    if (range !== null) {
      const [from, to, factor] = [range[1], range[2], range[3]].map((v) => Number(v)) as [number, number, number];
      if (from < 1 || to < from || factor < 2) {
        throw new UserError(`--cpus: in '${item}' the range must go up from at least 1 (FROM..TOxFACTOR, FROM <= TO, FACTOR >= 2)`);
      }
      for (let c = from; c <= to && values.length <= MAX_SWEEP_POINTS; c *= factor) values.push(c);
    } else if (/^\d+$/.test(item)) {
      values.push(Number(item));
    } else {
      throw new UserError(`--cpus takes CPU counts (64,128,256) or a range (64..2048x2); got '${item}'`);
    }
  }
  for (const c of values) if (c < 1 || c > MAX_CPUS) throw new UserError(`--cpus: every CPU count must be between 1 and ${MAX_CPUS}, got ${c}`);
  const sorted = [...values].sort((a, b) => a - b);
  const twice = sorted.find((c, i) => sorted[i + 1] === c);
  if (twice !== undefined) throw new UserError(`--cpus names ${twice} twice`);
  if (sorted.length > MAX_SWEEP_POINTS) throw new UserError(`--cpus: at most ${MAX_SWEEP_POINTS} CPU counts, got ${sorted.length}`);
  return sorted;
}

/** `v5.3,merge,mainline` or `all`: strategy ids in the order given. */
export function parseStrategies(raw: string): string[] {
  if (raw.trim() === 'all') return strategyIds();
  const ids = raw.split(',').map((s) => parseChoice('--strategies', s.trim(), [...strategyIds(), 'all']));
  if (ids.includes('all')) throw new UserError("--strategies: 'all' stands alone");
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) throw new UserError(`--strategies names ${twice} twice`);
  return ids;
}

/** The plan: one scenario per (CPU count, strategy), CPU-major. */
export function sweepPlan(flags: SweepFlags): { plan: Scenario[]; cpus: number[] } {
  const cpus = parseCpuList(flags.cpus);
  const strategies = parseStrategies(flags.strategies);
  const kernel = flags.kernel === undefined ? undefined : parseChoice('--kernel', flags.kernel, STRATEGIES);
  if (kernel !== undefined && strategies.every(isKernelStrategy)) {
    throw new UserError('--kernel applies only to a userspace strategy (udev-flock, add-once); --strategies names none');
  }
  const { input, file } = machineInput({ ...flags, cpus: undefined });
  const { kernel: _k, strategy: _s, ...machineOnly } = input;
  const plan = cpus.flatMap((c) =>
    strategies.map((strategy) => {
      const base = { ...machineOnly, strategy, ...(kernel !== undefined && !isKernelStrategy(strategy) ? { kernel } : {}) } as ScenarioInput;
      return toScenario(scenarioInputWith(base, { machine: { cpus: c } }), file);
    }),
  );
  return { plan, cpus };
}

export async function sweepCommand(flags: SweepFlags, out: (text: string) => void, progress = progressBar()): Promise<SweepResult> {
  outputFormat(flags);
  const jobs = flags.jobs === undefined ? availableParallelism() : parseCount('--jobs', flags.jobs, 1, 256);
  const { plan, cpus } = sweepPlan(flags);
  const first = plan[0] as Scenario;
  const strategies = plan.slice(0, plan.length / cpus.length).map((s) => s.strategy.label);
  progress?.start(plan.length, 0);
  let runs;
  try {
    runs = await runSweep(plan, { jobs, onPoint: (done) => progress?.update(done) });
  } finally {
    progress?.stop();
  }
  const sweep: SweepResult = { cpus, strategies, runs };
  // The machine line without its CPU count and childrenMax, which the sweep varies.
  const machine = machineLine(first).replace(/^\d+ CPUs, /, '').replace(/, udev childrenMax \d+/, '');
  await emit({ kind: 'sweep', machine, sweep }, flags, out);
  return sweep;
}

/** A bar on stderr, only when a person is watching. */
function progressBar(): SingleBar | undefined {
  if (process.stderr.isTTY !== true) return undefined;
  return new SingleBar({
    stream: process.stderr,
    format: 'sweep [{bar}] {value}/{total} storms | {duration_formatted}',
    hideCursor: true,
    clearOnComplete: true,
  });
}

export function registerSweep(program: Command): void {
  const cmd = program
    .command('sweep')
    .description('the storm at several CPU counts under several strategies: first→last, settle, init calls and wasted vmalloc against CPUs')
    .option('--cpus <list>', 'CPU counts: 64,128,256 or a range 64..2048x2 (each twice the last)', '64..1024x2')
    .option('--strategies <list>', `comma-separated strategies, or all (${strategyIds().join(', ')})`, 'all')
    .option('--kernel <id>', 'the kernel policy under the userspace strategies (default: v5.3)')
    .option('--jobs <n>', 'storms run at once, each on a worker thread (default: one per core)');
  addOutputOptions(addMachineOptions(cmd, false))
    .addHelpText(
      'after',
      `
Examples:
  modstorm sweep --cpus 64..1024x2 --strategies v5.3,merge,mainline
  modstorm sweep --cpus 64,288,1024 --strategies all --format csv -o sweep.csv
  modstorm sweep --cpus 64..1024x2 --strategies v5.3,merge,mainline --format html -o sweep.html`,
    )
    .action(async (flags: SweepFlags) => {
      await sweepCommand(flags, (text) => process.stdout.write(text));
    });
}
