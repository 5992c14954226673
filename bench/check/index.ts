/**
 * `npm run bench -- check`: the model checker's cost. For every kernel
 * strategy (and the two udev-side ones on their default kernel), the time to explore 3 requests × 2 modules completely (every
 * configuration a verdict covers: three init outcomes, plain, with a
 * delete_module, with a signal) — the target is under 60 s each on the
 * project's 2-core machine — and the states per second that took. Then what
 * each reduction buys, on one configuration small enough to enumerate
 * without any: pruning revisited states, the partial-order reduction of
 * invisible steps, and merging symmetric states.
 *
 * Wall time is the only measure; on a shared machine other work slows a
 * run down, so each strategy runs CHECK_BENCH_ROUNDS times (default 1) and
 * the fastest is kept.
 */
import Table from 'cli-table3';
import { checkStrategy, type CheckOptions, type StrategyReport } from '../../src/check/checker.js';
import { everyStrategy, type StrategyId, type UserspaceStrategy } from '../../src/scenario/strategy.js';

const rounds = Math.max(1, Number(process.env.CHECK_BENCH_ROUNDS ?? 1));
const TARGET_SECONDS = 60;

function timed(options: CheckOptions): { report: StrategyReport; seconds: number } {
  let best: { report: StrategyReport; seconds: number } | undefined;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const report = checkStrategy(options);
    const seconds = (performance.now() - started) / 1000;
    if (best === undefined || seconds < best.seconds) best = { report, seconds };
  }
  return best as { report: StrategyReport; seconds: number };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export default async function bench(): Promise<object> {
  const full = new Table({
    head: ['strategy', 'verdicts (nfs/fresh/uniq/live/agree)', 'worst-case inits', 'states', 'runs', 'seconds', 'states/s', `< ${TARGET_SECONDS} s`],
    style: { head: [], border: [] },
  });
  const strategies: object[] = [];
  const all: { strategy: StrategyId; userspace?: UserspaceStrategy }[] = everyStrategy().map((s) =>
    s.userspace === undefined ? { strategy: s.kernel } : { strategy: s.kernel, userspace: s.userspace },
  );
  for (const which of all) {
    const { report, seconds } = timed({ ...which, requests: 3, modules: 2 });
    const strategy = report.strategy;
    const verdicts = Object.values(report.invariants)
      .map((v) => (v === 'holds' ? 'ok' : v === 'violated' ? 'X' : '?'))
      .join('/');
    full.push([
      strategy,
      verdicts,
      String(report.worstCaseInits),
      String(report.statesExplored),
      String(report.runs),
      seconds.toFixed(1),
      String(Math.round(report.statesExplored / seconds)),
      seconds < TARGET_SECONDS ? 'yes' : 'NO',
    ]);
    strategies.push({
      strategy,
      requests: 3,
      modules: 2,
      complete: report.complete,
      invariants: report.invariants,
      worstCaseInits: report.worstCaseInits,
      statesExplored: report.statesExplored,
      runs: report.runs,
      seconds: round3(seconds),
      statesPerSecond: Math.round(report.statesExplored / seconds),
      runsPerSecond: Math.round(report.runs / seconds),
      withinTarget: seconds < TARGET_SECONDS,
    });
  }
  console.log('3 requests x 2 modules, every configuration, explored completely:');
  console.log(full.toString());

  // What each reduction buys, on 2 requests x 1 module under v6.2 (every configuration).
  const ablation = new Table({ head: ['v6.2, 2x1', 'states', 'runs', 'seconds', 'same verdicts'], style: { head: [], border: [] } });
  const variants: [string, Partial<CheckOptions>][] = [
    ['no reduction at all', { prune: false, reduce: false, symmetry: false }],
    ['pruning revisited states', { prune: true, reduce: false, symmetry: false }],
    ['+ invisible-step reduction', { prune: true, reduce: true, symmetry: false }],
    ['+ symmetric states merged', { prune: true, reduce: true, symmetry: true }],
  ];
  const reductions: object[] = [];
  let reference: string | undefined;
  for (const [name, options] of variants) {
    const { report, seconds } = timed({ strategy: 'v6.2', requests: 2, modules: 1, ...options });
    const verdicts = `${JSON.stringify(report.invariants)} ${report.worstCaseInits}`;
    reference ??= verdicts;
    ablation.push([name, String(report.statesExplored), String(report.runs), seconds.toFixed(2), verdicts === reference ? 'yes' : 'NO']);
    reductions.push({
      variant: name,
      ...options,
      statesExplored: report.statesExplored,
      runs: report.runs,
      seconds: round3(seconds),
      sameVerdicts: verdicts === reference,
    });
  }
  console.log(ablation.toString());
  return { rounds, targetSeconds: TARGET_SECONDS, strategies, reductions };
}
