/**
 * CSV (RFC 4180: a header row, CRLF line ends, fields quoted when they hold
 * a comma, a quote or a line break) that loads into a spreadsheet or
 * `pandas.read_csv` unchanged. Times are whole nanoseconds and sizes whole
 * bytes, as the model counts them; the columns are listed in docs/csv.md.
 */
import { stringify } from 'csv-stringify/sync';
import { compareResults } from '../kernel/index.js';
import { GUARANTEES } from '../check/guarantees.js';
import type { RunResult } from '../scenario/result.js';
import type { BurstDocument, CheckDocument, RunsDocument, SweepDocument } from './document.js';
import { SWEEP_METRICS, resultName } from './metrics.js';

type Cell = string | number | boolean | null;

function csv(header: readonly string[], rows: readonly Cell[][]): string {
  return stringify([header as string[], ...rows], { record_delimiter: 'windows', cast: { boolean: (b) => String(b) } });
}

/** `result_ok`, `result_EBUSY`, …: one column per result any of the tallies has, success first. */
function resultColumns(tallies: readonly Readonly<Record<string, number>>[]): string[] {
  const keys = new Set(tallies.flatMap((t) => Object.keys(t)));
  return [...keys].sort(compareResults);
}

function resultCells(keys: readonly string[], t: Readonly<Record<string, number>>): number[] {
  return keys.map((k) => t[k] ?? 0);
}

/** Columns every run row starts with: which run it is. */
export const RUN_COLUMNS = ['strategy', 'kernel', 'userspace', 'profile', 'cpus', 'memory_gib', 'seed', 'row', 'module'] as const;
/** Then what the row counts (a module's requests, or the run's over every module). */
export const COUNT_COLUMNS = ['requests', 'first_to_last_ns', 'first_to_last_inserted_ns', 'inserted_returns', 'init_calls'] as const;
/** Then figures of the whole run: empty on module rows. */
export const TOTAL_COLUMNS = [
  'settle_ns',
  'end_ns',
  'events',
  'events_failed',
  'children_max',
  'workers_forked',
  'worker_timeouts',
  'worker_kills',
  'dropped_requests',
  'full_loads',
  'wasted_bytes',
  'wasted_kread_bytes',
  'wasted_decompress_bytes',
  'wasted_becoming_bytes',
  'wasted_mod_bytes',
  'peak_module_bytes',
  'allocation_failures',
] as const;

/** One row per (strategy, module) that was asked for, then one `total` row per run. */
export function runsCsv(d: RunsDocument): string {
  const results = resultColumns(d.results.flatMap((r) => [r.results, ...Object.values(r.modules).map((m) => m.results)]));
  const header = [...RUN_COLUMNS, ...COUNT_COLUMNS, ...TOTAL_COLUMNS, ...results.map((k) => `result_${resultName(k)}`)];
  const rows: Cell[][] = [];
  for (const r of d.results) {
    const run = (row: string, module: string): Cell[] => [r.strategy, r.kernel, r.userspace ?? '', r.profile, r.cpus, r.memoryGiB, r.seed, row, module];
    const blanks = TOTAL_COLUMNS.map(() => '');
    for (const [name, m] of Object.entries(r.modules)) {
      if (m.requests === 0 && m.initCalls === 0) continue;
      rows.push([...run('module', name), m.requests, m.firstToLastNs, m.firstToLastInsertedNs, m.insertedReturns, m.initCalls, ...blanks, ...resultCells(results, m.results)]);
    }
    rows.push([...run('total', ''), r.requests, '', '', '', r.initCalls, ...totals(r), ...resultCells(results, r.results)]);
  }
  return csv(header, rows);
}

function totals(r: RunResult): Cell[] {
  const w = r.wasted;
  return [
    r.settleNs,
    r.endNs,
    r.events,
    r.eventsFailed,
    r.childrenMax,
    r.workersForked,
    r.workerTimeouts,
    r.workerKills,
    r.droppedRequests,
    r.fullLoads,
    w.total,
    w.kread,
    w.decompress,
    w.becoming,
    w.mod,
    r.peakModuleBytes,
    r.allocationFailures,
  ];
}

export function burstCsv(d: BurstDocument): string {
  const r = d.result;
  const results = resultColumns([r.results]);
  const header = [
    'strategy',
    'requests',
    'cpus',
    'module',
    'size_bytes',
    'init',
    'init_ns',
    'init_calls',
    'full_loads',
    'last_return_ns',
    'hung',
    'wasted_bytes',
    'peak_module_bytes',
    'allocation_failures',
    'retry_result',
    'retry_init_calls',
    'retry_return_ns',
    ...results.map((k) => `result_${resultName(k)}`),
  ];
  const retry = r.retry;
  return csv(header, [
    [
      r.strategy,
      r.requests,
      r.cpus,
      r.module.name,
      r.module.size,
      resultName(r.module.init),
      r.module.initNs,
      r.initCalls,
      r.fullLoads,
      r.lastReturnNs,
      r.hung,
      r.wasted.total,
      r.peakModuleBytes,
      r.allocationFailures,
      retry === undefined ? '' : resultName(String(retry.result)),
      retry?.initCalls ?? '',
      retry?.returnNs ?? '',
      ...resultCells(results, r.results),
    ],
  ]);
}

/** One row per strategy: the five verdicts and the size of the exploration (and its wall time with --timings). */
export function checkCsv(d: CheckDocument): string {
  const header = ['strategy', 'requests', 'modules', 'self_load', ...GUARANTEES, 'worst_case_inits', 'states', 'runs', 'complete'];
  if (d.timings) header.push('seconds');
  const rows = d.run.results.map(({ report: r, seconds }): Cell[] => [
    r.strategy,
    r.requests,
    r.modules,
    r.selfLoad,
    ...GUARANTEES.map((g) => r.invariants[g]),
    r.worstCaseInits ?? '',
    r.statesExplored,
    r.runs,
    r.complete,
    ...(d.timings ? [Math.round(seconds * 1000) / 1000] : []),
  ]);
  return csv(header, rows);
}

/** One row per (CPU count, strategy), the plotted figures as columns. */
export function sweepCsv(d: SweepDocument): string {
  const { cpus, strategies, runs } = d.sweep;
  const header = ['cpus', 'strategy', ...SWEEP_METRICS.map((m) => m.id), 'peak_module_bytes'];
  const rows: Cell[][] = [];
  cpus.forEach((c, i) =>
    strategies.forEach((s, j) => {
      const r = runs[i * strategies.length + j] as RunResult;
      rows.push([c, s, ...SWEEP_METRICS.map((m) => m.value(r) ?? ''), r.peakModuleBytes]);
    }),
  );
  return csv(header, rows);
}
