/**
 * `npm run bench -- merge`: the Merger against a hand-written `Map`
 * coalescer (the baseline) and its npm peers, on three workloads whose body
 * resolves on a microtask, so the coalescing overhead is what is measured.
 *
 * Each contender × workload runs in a fresh Node process (measure.ts) with
 * `--expose-gc`: warm-up repetitions, then timed ones whose median is taken.
 * This is done in several rounds, the contenders' order rotated each round,
 * and the best round is reported: on a shared machine, other work only ever
 * slows a round down, so the best round is the least disturbed one, and the
 * rotation keeps drift from favouring whoever runs first.
 *
 * Separate processes matter: the Merger's opt-in full EDEADLK detection
 * (`detectDeadlock: 'full'`) uses AsyncLocalStorage, which in Node 20 and 22
 * turns on promise hooks for the whole process while a run is in flight (on
 * Node >= 24 it is built on AsyncContextFrame instead). In one process,
 * every contender measured after it would pay that tax too. The default is
 * the synchronous check on every Node. Extra rows size what detection
 * costs: `Merger detectDeadlock:false` (none), `Merger detectDeadlock:full`
 * (the opt-in) and `baseline+hooks` (the baseline with an AsyncLocalStorage
 * active).
 *
 * Peers are the libraries that do the Merger's job: coalesce concurrent
 * same-key calls and keep nothing once they settle. DataLoader is measured
 * and shown but is not one (see `notComparable`), so the verdict "ahead of
 * every peer" does not count it and each verdict prints its ratio beside.
 *
 * The Merger is the built one (dist/merge, what the package exports; the
 * bench builds it first), not the sources through tsx (see contenders.ts).
 *
 * The Node that runs the bench runs every contender (process.execPath): for
 * Node 24, `npx -p node@24 node node_modules/tsx/dist/cli.mjs bench/run.ts merge`
 * (the README quotes such a run kept as bench/results/merge-node24.json).
 *
 * Environment: MERGE_BENCH_ROUNDS (default 3), MERGE_BENCH_REPS (11),
 * MERGE_BENCH_WARMUP (3).
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { Merger, asyncContextFrameInUse } from '../../src/merge/index.js';
import { contenderNames, type ContenderName } from './contenders.js';
import type { Measurement } from './measure.js';
import { workloadNames, workloads, type WorkloadName } from './workloads.js';

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = join(here, '..', '..');
/** The like-for-like peers: libraries that coalesce concurrent same-key calls and keep nothing after. */
const peers: ContenderName[] = ['promise-coalesce', 'p-memoize', '@zcong/singleflight'];
/**
 * Measured and shown, but not a peer: what it does is not the Merger's job, so "ahead of every
 * peer" does not count it (its rows say why, and its ratio is printed beside each verdict).
 */
const notComparable: Partial<Record<ContenderName, string>> = {
  dataloader:
    'not comparable: a batcher; with cache:false it shares nothing between same-key calls (body runs = calls) ' +
    'and delays every call to one batch per tick, with its cache it keeps every value (a memo)',
};

interface Row extends Measurement {
  /** The best round's median ops/s. */
  opsPerSec: number;
  /** Each round's median ops/s. */
  rounds: number[];
  /** opsPerSec over the baseline's. */
  ratio: number;
}

function measure(contender: ContenderName, workload: WorkloadName, reps: number, warmup: number): Measurement {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(here, 'measure.ts'), contender, workload, String(reps), String(warmup)],
    { cwd: projectRoot, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  if (child.status !== 0 || !line.startsWith('{')) {
    throw new Error(`bench merge: ${contender} on ${workload} failed (exit ${child.status}):\n${child.stderr}`);
  }
  return JSON.parse(line) as Measurement;
}

export default async function mergeBench(): Promise<object> {
  // The Merger is measured as built (dist/merge, what `modstorm/merge` exports; see contenders.ts), so build it first.
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: projectRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`bench merge: npm run build failed:\n${build.stdout}${build.stderr}`);
  const rounds = Number(process.env.MERGE_BENCH_ROUNDS ?? 3);
  const reps = Number(process.env.MERGE_BENCH_REPS ?? 11);
  const warmup = Number(process.env.MERGE_BENCH_WARMUP ?? 3);
  const table = new Table({
    head: ['workload', 'contender', 'ops/s', '× baseline', 'body runs', 'heap after (MB)', 'heap growth (KB)'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [] }, // no colour codes: the table is pasted into reports
  });
  const results: Record<string, object> = {};
  const verdicts: string[] = [];
  let gcExposed = true;

  for (const workloadName of workloadNames) {
    const workload = workloads[workloadName];
    const measured = new Map<ContenderName, Measurement[]>(contenderNames.map((c) => [c, []]));
    for (let round = 0; round < rounds; round++) {
      const order = contenderNames.map((_, i) => contenderNames[(i + round) % contenderNames.length] as ContenderName);
      for (const contender of order) {
        process.stdout.write(`  ${workload.title}, round ${round + 1}/${rounds}: ${contender}\n`);
        measured.get(contender)?.push(measure(contender, workloadName, reps, warmup));
      }
    }

    const rows: Partial<Record<ContenderName, Row>> = {};
    const baselineOps = Math.max(...(measured.get('baseline') ?? []).map((m) => m.opsPerSec));
    for (const contender of contenderNames) {
      const all = measured.get(contender) ?? [];
      const last = all.at(-1) as Measurement;
      const perRound = all.map((m) => m.opsPerSec);
      const opsPerSec = Math.max(...perRound);
      const row: Row = { ...last, opsPerSec, rounds: perRound, ratio: opsPerSec / baselineOps };
      gcExposed &&= last.gcExposed;
      rows[contender] = row;
      table.push([
        workload.title,
        notComparable[contender] === undefined ? contender : `${contender} (not comparable, see below)`,
        opsPerSec.toLocaleString('en-US'),
        `${row.ratio.toFixed(2)}×`,
        last.bodyRuns.toLocaleString('en-US'),
        (last.heapUsedAfter / 2 ** 20).toFixed(1),
        (last.retained / 2 ** 10).toFixed(0),
      ]);
    }
    results[workloadName] = { title: workload.title, callsPerRepetition: workload.calls, contenders: rows };

    const merger = rows.Merger?.ratio ?? 0;
    const bestPeer = peers.reduce((best, p) => ((rows[p]?.ratio ?? 0) > (rows[best]?.ratio ?? 0) ? p : best));
    const bestRatio = rows[bestPeer]?.ratio ?? 0;
    const others = Object.keys(notComparable) as ContenderName[];
    verdicts.push(
      `${workload.title}: Merger ${merger.toFixed(2)}× baseline${merger >= 1 ? '' : ' (below 1.0)'}, ` +
        `best peer ${bestPeer} ${bestRatio.toFixed(2)}× (${merger > bestRatio ? 'Merger ahead' : 'Merger NOT ahead'}); ` +
        `without EDEADLK detection ${(rows['Merger detectDeadlock:false']?.ratio ?? 0).toFixed(2)}×; ` +
        `not comparable: ${others.map((c) => `${c} ${(rows[c]?.ratio ?? 0).toFixed(2)}×`).join(', ')}`,
    );
  }

  console.log(table.toString());
  for (const verdict of verdicts) console.log(verdict);
  for (const [contender, why] of Object.entries(notComparable)) console.log(`${contender}: ${why}`);
  if (!gcExposed) console.log('note: gc was not exposed; heap figures are as measured, without a full collection');

  return {
    node: process.version,
    /** What `new Merger()` detects (guarantee 6 in src/merge/merger.ts): the Merger rows measure it. */
    mergerDefaultDetection: new Merger().detection,
    /** Whether AsyncLocalStorage runs on AsyncContextFrame here (what opt-in 'full' detection would cost). */
    asyncContextFrame: asyncContextFrameInUse(),
    peers,
    notComparable,
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    measuredAt: new Date().toISOString(),
    method:
      `each contender × workload in a fresh process; ${warmup} warm-up + ${reps} timed repetitions, median; ` +
      `${rounds} rounds in rotated order, best round; heap after a full gc: ${gcExposed}; ` +
      'heap growth = heap after the timed repetitions minus heap before them, both after a full gc (noise is a few hundred KB either way)',
    workloads: results,
    verdicts,
  };
}
