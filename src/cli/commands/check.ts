/**
 * `modstorm check`: the model checker. Explores every interleaving of a
 * small configuration under one strategy (or all), prints a verdict per
 * guarantee (no false success, fresh retry, uniqueness, liveness, agreement) with the shortest counter-example found, and replays a
 * counter-example from its token.
 */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { checkStrategy, replayToken } from '../../check/checker.js';
import { MAX_REQUESTS } from '../../check/config.js';
import { replayJson, replayText, type TimedCheck } from '../../report/check.js';
import type { Format } from '../../report/formats.js';
import {
  DEFAULT_USERSPACE_KERNEL,
  STRATEGIES,
  USERSPACE_STRATEGIES,
  everyStrategy,
  strategyLabel,
  type StrategyId,
  type UserspaceStrategy,
} from '../../scenario/strategy.js';
import { UserError } from '../../errors.js';
import { parseChoice, parseCount } from '../options.js';
import { addOutputOptions, emit, outputFormat, type OutputFlags } from '../output.js';

/** A replay is one trace: text or JSON. */
const REPLAY_FORMATS: readonly Format[] = ['table', 'text', 'json'];

interface CheckFlags extends OutputFlags {
  strategy?: string;
  kernel?: string;
  requests: string;
  modules: string;
  selfLoad?: boolean;
  replay?: string;
  prune: boolean;
  maxSteps: string;
  maxRuns: string;
  timings?: boolean;
}

/** Flags that choose what to explore: a replay takes all of that from its token. */
const EXPLORATION_FLAGS: readonly string[] = ['strategy', 'kernel', 'requests', 'modules', 'selfLoad', 'maxRuns', 'prune', 'timings'];

/** The exploration flags given on the command line (defaults do not count), as typed: `--requests`, `--no-prune`. */
function explorationFlagsGiven(command: Command): string[] {
  return command.options
    .filter((o) => EXPLORATION_FLAGS.includes(o.attributeName()) && command.getOptionValueSource(o.attributeName()) === 'cli')
    .map((o) => o.long ?? o.flags);
}

/** `write` receives the output (stdout by default; tests pass their own). */
export function registerCheck(program: Command, write: (text: string) => void = (t) => process.stdout.write(t)): void {
  const cmd = program
    .command('check')
    .description("explore every interleaving of a small configuration and judge the five guarantees")
    .option('--strategy <id>', `one of ${[...STRATEGIES, ...USERSPACE_STRATEGIES, 'all'].join(', ')}`)
    .option('--kernel <id>', `the kernel policy under a userspace strategy (default ${DEFAULT_USERSPACE_KERNEL})`)
    .option('--requests <n>', `concurrent requests (1-${MAX_REQUESTS})`, '3')
    .option('--modules <n>', '1 (module A) or 2 (B imports a symbol of A)', '1')
    .option('--self-load', "A's init asks for A's own load through an alias")
    .option('--timings', "add each strategy's wall time in seconds to the JSON (which then differs between runs)")
    .option('--replay <token>', 'rerun one counter-example from its replay token and print its trace')
    .option('--no-prune', 'do not skip revisited states (slower; for cross-checking)')
    .option('--max-steps <n>', 'steps per run before it is cut short (reported as "incomplete: step bound", never as a violation)', '5000')
    .option('--max-runs <n>', 'runs per configuration before giving up on completeness', '2000000');
  addOutputOptions(cmd).action(async (flags: CheckFlags, command: Command) => {
    const format = outputFormat(flags);
    const maxSteps = parseCount('--max-steps', flags.maxSteps, 10);
    if (flags.replay !== undefined) {
      const given = explorationFlagsGiven(command);
      if (given.length > 0) throw new UserError(`--replay reruns the configuration in its token; drop ${given.join(', ')}`);
      const replayFormat = outputFormat(flags, REPLAY_FORMATS);
      const report = replayToken(flags.replay.trim(), maxSteps);
      write(replayFormat === 'json' ? `${JSON.stringify(replayJson(report), null, 2)}\n` : replayText(report));
      return;
    }
    if (flags.strategy === undefined) throw new UserError('--strategy is required (or --replay TOKEN)');
    if (flags.timings === true && format !== 'json') throw new UserError('--timings goes with --json (the table always has a time column)');
    const chosen = parseChoice('--strategy', flags.strategy, [...STRATEGIES, ...USERSPACE_STRATEGIES, 'all'] as const);
    const kernel: StrategyId =
      flags.kernel === undefined ? DEFAULT_USERSPACE_KERNEL : parseChoice('--kernel', flags.kernel, STRATEGIES);
    if (flags.kernel !== undefined && (STRATEGIES as readonly string[]).includes(chosen)) {
      throw new UserError(`--kernel goes with a userspace strategy (${USERSPACE_STRATEGIES.join(', ')}); --strategy ${chosen} is the kernel's own`);
    }
    const strategies: { strategy: StrategyId; userspace?: UserspaceStrategy }[] =
      chosen === 'all'
        ? everyStrategy(kernel).map((s) => (s.userspace === undefined ? { strategy: s.kernel } : { strategy: s.kernel, userspace: s.userspace }))
        : (USERSPACE_STRATEGIES as readonly string[]).includes(chosen)
          ? [{ strategy: kernel, userspace: chosen as UserspaceStrategy }]
          : [{ strategy: chosen as StrategyId }];
    const requests = parseCount('--requests', flags.requests, 1, MAX_REQUESTS);
    const modules = parseChoice('--modules', flags.modules, ['1', '2'] as const) === '1' ? 1 : 2;
    const maxRuns = parseCount('--max-runs', flags.maxRuns, 1);

    const results: TimedCheck[] = [];
    for (const strategy of strategies) {
      const bar = progressBar(strategyLabel(strategy.strategy, strategy.userspace));
      const started = performance.now();
      const report = checkStrategy({
        ...strategy,
        requests,
        modules,
        selfLoad: flags.selfLoad === true,
        prune: flags.prune,
        maxSteps,
        maxRuns,
        onProgress: bar === undefined ? undefined : (done, states) => bar.update(Math.floor(done * 1000), { states }),
      });
      bar?.stop();
      results.push({ report, seconds: (performance.now() - started) / 1000 });
    }
    const run = { results, detailed: strategies.length === 1 || flags.selfLoad === true, withTraces: strategies.length === 1 };
    await emit({ kind: 'check', run, all: chosen === 'all', timings: flags.timings === true }, { ...flags, format }, write);
  });
}

/** A bar on stderr, only when a person is watching. */
function progressBar(strategy: string): SingleBar | undefined {
  if (process.stderr.isTTY !== true) return undefined;
  const bar = new SingleBar({
    stream: process.stderr,
    format: `check ${strategy.padEnd(10)} [{bar}] {percentage}% | {states} states`,
    hideCursor: true,
    clearOnComplete: true,
  });
  bar.start(1000, 0, { states: 0 });
  return bar;
}
