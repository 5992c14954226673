/**
 * `modstorm check`: the model checker. Explores every interleaving of a
 * small configuration under one strategy (or all), prints a verdict per
 * SPEC §5 guarantee with the shortest counter-example found, and replays a
 * counter-example from its token.
 */
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { checkStrategy, replayToken, type ReplayReport, type StrategyReport } from '../../check/checker.js';
import { MAX_REQUESTS } from '../../check/config.js';
import { GUARANTEES } from '../../check/guarantees.js';
import { renderTrace } from '../../check/trace.js';
import { STRATEGIES, type StrategyId } from '../../kernel/index.js';
import { DEFAULT_USERSPACE_KERNEL, USERSPACE_STRATEGIES, type UserspaceStrategy } from '../../scenario/strategy.js';
import { UserError } from '../../errors.js';
import { parseChoice, parseCount } from '../options.js';

interface CheckFlags {
  strategy?: string;
  kernel?: string;
  requests: string;
  modules: string;
  selfLoad?: boolean;
  json?: boolean;
  replay?: string;
  prune: boolean;
  maxSteps: string;
  maxRuns: string;
}

type Out = (line: string) => void;

const GUARANTEE_TITLES: Record<(typeof GUARANTEES)[number], string> = {
  noFalseSuccess: 'no false success',
  freshRetry: 'fresh retry',
  uniqueness: 'uniqueness',
  liveness: 'liveness',
  agreement: 'agreement',
};

/** `write` receives the output (stdout by default; tests pass their own). */
export function registerCheck(program: Command, write: (text: string) => void = (t) => process.stdout.write(t)): void {
  program
    .command('check')
    .description("explore every interleaving of a small configuration and judge SPEC §5's guarantees")
    .option('--strategy <id>', `one of ${[...STRATEGIES, ...USERSPACE_STRATEGIES, 'all'].join(', ')}`)
    .option('--kernel <id>', `the kernel policy under a userspace strategy (default ${DEFAULT_USERSPACE_KERNEL})`)
    .option('--requests <n>', `concurrent requests (1-${MAX_REQUESTS})`, '3')
    .option('--modules <n>', '1 (module A) or 2 (B imports a symbol of A)', '1')
    .option('--self-load', "A's init asks for A's own load through an alias")
    .option('--json', 'print the reports as JSON')
    .option('--replay <token>', 'rerun one counter-example from its replay token and print its trace')
    .option('--no-prune', 'do not skip revisited states (slower; for cross-checking)')
    .option('--max-steps <n>', 'steps per run before it counts as never ending', '5000')
    .option('--max-runs <n>', 'runs per configuration before giving up on completeness', '2000000')
    .action((flags: CheckFlags) => {
      const out: Out = (line) => write(`${line}\n`);
      const maxSteps = parseCount('--max-steps', flags.maxSteps, 10);
      if (flags.replay !== undefined) {
        if (flags.strategy !== undefined) throw new UserError('--replay takes the strategy from its token; drop --strategy');
        const report = replayToken(flags.replay.trim(), maxSteps);
        if (flags.json === true) out(JSON.stringify(replayJson(report), null, 2));
        else printReplay(report, out);
        return;
      }
      if (flags.strategy === undefined) throw new UserError('--strategy is required (or --replay TOKEN)');
      const chosen = parseChoice('--strategy', flags.strategy, [...STRATEGIES, ...USERSPACE_STRATEGIES, 'all'] as const);
      const kernel: StrategyId =
        flags.kernel === undefined ? DEFAULT_USERSPACE_KERNEL : parseChoice('--kernel', flags.kernel, STRATEGIES);
      if (flags.kernel !== undefined && (STRATEGIES as readonly string[]).includes(chosen)) {
        throw new UserError(`--kernel goes with a userspace strategy (${USERSPACE_STRATEGIES.join(', ')}); --strategy ${chosen} is the kernel's own`);
      }
      const userspace = (u: UserspaceStrategy): { strategy: StrategyId; userspace: UserspaceStrategy } => ({ strategy: kernel, userspace: u });
      const strategies: { strategy: StrategyId; userspace?: UserspaceStrategy }[] =
        chosen === 'all'
          ? [...STRATEGIES.map((strategy) => ({ strategy })), ...USERSPACE_STRATEGIES.map(userspace)]
          : (USERSPACE_STRATEGIES as readonly string[]).includes(chosen)
            ? [userspace(chosen as UserspaceStrategy)]
            : [{ strategy: chosen as StrategyId }];
      const requests = parseCount('--requests', flags.requests, 1, MAX_REQUESTS);
      const modules = parseChoice('--modules', flags.modules, ['1', '2'] as const) === '1' ? 1 : 2;
      const maxRuns = parseCount('--max-runs', flags.maxRuns, 1);

      const results: { report: StrategyReport; seconds: number }[] = [];
      for (const strategy of strategies) {
        const bar = progressBar(strategy.userspace === undefined ? strategy.strategy : `${strategy.userspace}@${strategy.strategy}`);
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
      if (flags.json === true) {
        const json = results.map(({ report, seconds }) => reportJson(report, seconds));
        out(JSON.stringify(chosen === 'all' ? json : json[0], null, 2));
        return;
      }
      printSummary(results, out);
      const detailed = strategies.length === 1 || flags.selfLoad === true;
      for (const { report } of results) {
        if (detailed) printScenarios(report, out);
        printCounterexamples(report, out, strategies.length === 1);
      }
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

function reportJson(report: StrategyReport, seconds: number): object {
  return {
    strategy: report.strategy,
    requests: report.requests,
    modules: report.modules,
    selfLoad: report.selfLoad,
    invariants: report.invariants,
    worstCaseInits: report.worstCaseInits,
    statesExplored: report.statesExplored,
    runs: report.runs,
    complete: report.complete,
    boundsHit: report.boundsHit,
    seconds: Math.round(seconds * 1000) / 1000,
    counterexamples: report.counterexamples.map((c) => ({
      invariant: c.invariant,
      message: c.message,
      config: c.config,
      replay: c.replay,
      steps: c.steps,
      trace: c.trace,
    })),
    scenarios: report.scenarios,
  };
}

function printSummary(results: readonly { report: StrategyReport; seconds: number }[], out: Out): void {
  const first = results[0]?.report;
  if (first === undefined) return;
  out(
    `modstorm check: ${first.requests} request${first.requests === 1 ? '' : 's'}, ${first.modules} module${first.modules === 1 ? '' : 's'}` +
      `${first.selfLoad ? ', self-loading module' : ''}; every interleaving, all costs zero`,
  );
  const table = new Table({
    head: ['strategy', ...GUARANTEES.map((g) => GUARANTEE_TITLES[g]), 'worst-case inits', 'states', 'runs', 'time'],
    style: { head: [], border: [] },
  });
  for (const { report, seconds } of results) {
    table.push([
      report.strategy,
      ...GUARANTEES.map((g) => report.invariants[g]),
      report.worstCaseInits === null ? '-' : String(report.worstCaseInits),
      String(report.statesExplored),
      String(report.runs),
      `${seconds.toFixed(1)} s`,
    ]);
  }
  out(table.toString());
  for (const { report } of results) {
    for (const b of report.boundsHit) out(`bound hit (${report.strategy}): ${b} — "holds" means only "not seen broken"`);
  }
}

/** Per configuration: its size and how its runs ended. */
function printScenarios(report: StrategyReport, out: Out): void {
  out('');
  out(`${report.strategy}: configurations explored`);
  for (const sc of report.scenarios) {
    const wci = sc.worstCaseInits === null ? '' : `, worst-case inits ${sc.worstCaseInits}`;
    const broken = sc.violated.length === 0 ? '' : `, violated: ${sc.violated.map((g) => GUARANTEE_TITLES[g]).join(', ')}`;
    out(`  ${sc.config}: ${sc.states} states, ${sc.runs} runs${wci}${broken}${sc.complete ? '' : ' (incomplete)'}`);
    for (const o of sc.outcomes) out(`    ends: ${o}`);
    if (sc.moreOutcomes > 0) out(`    … and ${sc.moreOutcomes} more ways to end`);
  }
}

function printCounterexamples(report: StrategyReport, out: Out, withTrace: boolean): void {
  for (const c of report.counterexamples) {
    out('');
    out(`${report.strategy}: ${GUARANTEE_TITLES[c.invariant]} violated in ${c.config} (${c.steps} steps)`);
    out(`  ${c.message}`);
    out(`  replay: modstorm check --replay ${c.replay}`);
    if (withTrace) for (const line of renderTrace(c.trace)) out(`  ${line}`);
  }
}

function replayJson(r: ReplayReport): object {
  return { config: r.configName, violations: r.violations, results: r.results, trace: r.trace };
}

function printReplay(r: ReplayReport, out: Out): void {
  out(`replay of ${r.configName}`);
  for (const line of renderTrace(r.trace)) out(`  ${line}`);
  out(`results: ${r.results.join('; ')}`);
  if (r.violations.length === 0) out('no guarantee violated in this run');
  for (const v of r.violations) out(`violated: ${GUARANTEE_TITLES[v.guarantee]} — ${v.message}`);
}
