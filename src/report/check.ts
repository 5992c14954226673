/**
 * The model checker's reports: a verdict table per strategy, the
 * configurations explored, counter-examples with their traces and replay
 * tokens, a replayed run. Pure functions of the checker's result objects
 * (check/checker.ts); the CLI only times the runs and prints.
 */
import Table from 'cli-table3';
import type { ReplayReport, StrategyReport } from '../check/checker.js';
import { GUARANTEES, type Guarantee } from '../check/guarantees.js';
import { renderTrace } from '../check/trace.js';

/** One strategy's exploration and the wall time it took. */
export interface TimedCheck {
  readonly report: StrategyReport;
  readonly seconds: number;
}

/** What `check` shows: the runs, and whether each comes with its configurations and traces. */
export interface CheckRun {
  readonly results: readonly TimedCheck[];
  /** Print each strategy's configurations (one strategy, or a self-loading module). */
  readonly detailed: boolean;
  /** Print each counter-example's whole trace (one strategy only). */
  readonly withTraces: boolean;
}

export const GUARANTEE_TITLES: Readonly<Record<Guarantee, string>> = {
  noFalseSuccess: 'no false success',
  freshRetry: 'fresh retry',
  uniqueness: 'uniqueness',
  liveness: 'liveness',
  agreement: 'agreement',
};

/**
 * One strategy's report as JSON: a function of the exploration alone, so
 * identical runs print identical bytes. `seconds` (wall time) only when
 * asked for (`check --timings`).
 */
export function checkJson(r: TimedCheck, withSeconds = false): object {
  const { report, seconds } = r;
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
    ...(withSeconds ? { seconds: Math.round(seconds * 1000) / 1000 } : {}),
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

/** The configuration line above the table: requests, modules, what was explored. */
export function checkHeadline(first: StrategyReport): string {
  return (
    `modstorm check: ${first.requests} request${first.requests === 1 ? '' : 's'}, ${first.modules} module${first.modules === 1 ? '' : 's'}` +
    `${first.selfLoad ? ', self-loading module' : ''}; every interleaving, all costs zero`
  );
}

/** The whole check report as terminal text: the verdict table, then configurations and counter-examples. */
export function checkTable(run: CheckRun): string {
  const lines: string[] = [];
  const first = run.results[0]?.report;
  if (first === undefined) return '';
  lines.push(checkHeadline(first));
  const table = new Table({
    head: ['strategy', ...GUARANTEES.map((g) => GUARANTEE_TITLES[g]), 'worst-case inits', 'states', 'runs', 'time'],
    style: { head: [], border: [] },
  });
  for (const { report, seconds } of run.results) table.push(verdictRow(report, seconds));
  lines.push(table.toString());
  lines.push(...boundLines(run.results));
  for (const { report } of run.results) {
    if (run.detailed) lines.push(...scenarioLines(report));
    lines.push(...counterexampleLines(report, run.withTraces));
  }
  return `${lines.join('\n')}\n`;
}

/** One strategy's row of the verdict table. */
export function verdictRow(report: StrategyReport, seconds: number): string[] {
  return [
    report.strategy,
    ...GUARANTEES.map((g) => report.invariants[g]),
    report.worstCaseInits === null ? '-' : String(report.worstCaseInits),
    String(report.statesExplored),
    String(report.runs),
    `${seconds.toFixed(1)} s`,
  ];
}

export function boundLines(results: readonly TimedCheck[]): string[] {
  return results.flatMap(({ report }) =>
    report.boundsHit.map((b) => `bound hit (${report.strategy}): ${b} — "holds" means only "not seen broken"`),
  );
}

/** Per configuration: its size and how its runs ended. */
export function scenarioLines(report: StrategyReport): string[] {
  const lines = ['', `${report.strategy}: configurations explored`];
  for (const sc of report.scenarios) {
    const wci = sc.worstCaseInits === null ? '' : `, worst-case inits ${sc.worstCaseInits}`;
    const broken = sc.violated.length === 0 ? '' : `, violated: ${sc.violated.map((g) => GUARANTEE_TITLES[g]).join(', ')}`;
    lines.push(`  ${sc.config}: ${sc.states} states, ${sc.runs} runs${wci}${broken}${sc.complete ? '' : ' (incomplete)'}`);
    for (const o of sc.outcomes) lines.push(`    ends: ${o}`);
    if (sc.moreOutcomes > 0) lines.push(`    … and ${sc.moreOutcomes} more ways to end`);
  }
  return lines;
}

export function counterexampleLines(report: StrategyReport, withTrace: boolean): string[] {
  const lines: string[] = [];
  for (const c of report.counterexamples) {
    lines.push('', `${report.strategy}: ${GUARANTEE_TITLES[c.invariant]} violated in ${c.config} (${c.steps} steps)`);
    lines.push(`  ${c.message}`, `  replay: modstorm check --replay ${c.replay}`);
    if (withTrace) for (const line of renderTrace(c.trace)) lines.push(`  ${line}`);
  }
  return lines;
}

export function replayJson(r: ReplayReport): object {
  return { config: r.configName, violations: r.violations, stepBoundHit: r.stepBoundHit, results: r.results, trace: r.trace };
}

export function replayText(r: ReplayReport): string {
  const lines = [`replay of ${r.configName}`, ...renderTrace(r.trace).map((line) => `  ${line}`), `results: ${r.results.join('; ')}`];
  if (r.stepBoundHit) lines.push('incomplete: step bound — the run was cut short, so whether it would have ended is not judged');
  if (r.violations.length === 0) lines.push(r.stepBoundHit ? 'no guarantee seen violated before the cut' : 'no guarantee violated in this run');
  for (const v of r.violations) lines.push(`violated: ${GUARANTEE_TITLES[v.guarantee]} — ${v.message}`);
  return `${lines.join('\n')}\n`;
}
