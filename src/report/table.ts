/**
 * Terminal tables of runs: one run's figures, and strategies side
 * by side. Pure functions of RunResult; plain text without colours, so the
 * output pastes into a mailing-list reply.
 */
import Table from 'cli-table3';
import type { ModuleRunResult, RunResult } from '../scenario/result.js';
import type { SweepResult } from '../scenario/sweep.js';
import type { RunsDocument } from './document.js';
import type { ModuleSizes } from '../scenario/tree.js';
import { bytes, count, firstToLast, insertedText, metricValue, seconds, tally } from './format.js';
import { HEADLINE_MODULES, SWEEP_METRICS, requestedModules } from './metrics.js';

const PLAIN = { head: [], border: [] };
/** No rule between rows: for tables whose rows are one line each. */
const NO_ROW_RULES = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };


/** One run: its figures, then every module that was asked for. */
export function runTable(r: RunResult): string {
  const summary = new Table({ style: PLAIN, chars: NO_ROW_RULES });
  const rows: [string, string][] = [
    ['strategy', r.userspace === null ? r.kernel : `${r.userspace} on kernel ${r.kernel}`],
    ['machine', `${count(r.cpus)} CPUs, ${r.memoryGiB} GiB, seed ${r.seed}${r.ties === 'random' ? ' (random ties)' : ''}`],
    ['uevents', `${count(r.events)} (${count(r.eventsFailed)} failed), childrenMax ${count(r.childrenMax)}, ${count(r.workersForked)} workers forked`],
    ['settle', seconds(r.settleNs)],
    ['load requests', `${count(r.requests)}${r.droppedRequests > 0 ? ` (${count(r.droppedRequests)} dropped by udev)` : ''}`],
    ['init calls', count(r.initCalls)],
    ['full loads', count(r.fullLoads)],
    ['results', tally(r.results)],
    ['wasted vmalloc', wastedText(r)],
    ['peak module memory', `${bytes(r.peakModuleBytes)}${r.allocationFailures > 0 ? ` (${count(r.allocationFailures)} allocation failures)` : ''}`],
    ['udev workers', `${count(r.workerWarnings)} warnings, ${count(r.workerTimeouts)} timeouts, ${count(r.workerKills)} killed`],
    ['module sizes', moduleSizesText(r.moduleSizes)],
    ...insertRows(r),
  ];
  for (const row of rows) summary.push(row);

  const modules = new Table({
    // "inserted": the returns udev logs as "Inserted module" (0 and EEXIST), what a udev debug log times
    head: ['module', 'requests', 'first→last request', 'first→last inserted', 'init calls', 'full loads', 'results'],
    style: PLAIN,
    chars: NO_ROW_RULES,
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'left'],
  });
  const entries = requestedModules(r);
  for (const [name, m] of entries) {
    modules.push([name, count(m.requests), seconds(m.firstToLastNs), insertedText(m), count(m.initCalls), count(m.fullLoads), tally(m.results)]);
  }
  return `${summary.toString()}\n${modules.toString()}`;
}

/** Where the module sizes came from: a tree without modules.sizes.tsv changes every memory figure, so say it. */
/** A row only when kmod decompressed files itself: then init_module bypassed any idempotent check. */
export function insertRows(r: RunResult): [string, string][] {
  const c = r.insertCalls;
  return c.init_module === 0 ? [] : [['module inserts', `${count(c.finit_module)} finit_module, ${count(c.init_module)} init_module (kmod decompressed)`]];
}

export function moduleSizesText(s: ModuleSizes): string {
  const fallback = `${count(s.defaulted)} at the default ${bytes(s.defaultBytes)}`;
  if (s.sizesFile) {
    return s.defaulted === 0 ? `from modules.sizes.tsv (${count(s.fromSizesFile)})` : `${count(s.fromSizesFile)} from modules.sizes.tsv, ${fallback} (not listed)`;
  }
  if (s.fromFiles === 0) return `no modules.sizes.tsv and no .ko files: all ${fallback}`;
  return `no modules.sizes.tsv: ${count(s.fromFiles)} from the .ko files' sizes${s.defaulted > 0 ? `, ${fallback} (file missing)` : ''}`;
}

function wastedText(r: RunResult): string {
  const w = r.wasted;
  return `${bytes(w.total)} (kread ${bytes(w.kread)}, decompress ${bytes(w.decompress)}, becoming ${bytes(w.becoming)}, mod ${bytes(w.mod)})`;
}


/** Strategies side by side, one row each. */
export function compareTable(results: readonly RunResult[]): string {
  const table = new Table({
    head: [
      'strategy',
      ...HEADLINE_MODULES.map((m) => `${m}\nfirst→last`),
      'settle',
      'init\ncalls',
      'full\nloads',
      'results',
      'wasted\nvmalloc',
      'peak\nmodule mem',
      'worker\ntimeouts',
    ],
    style: PLAIN,
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'left', 'right', 'right', 'right'],
  });
  for (const r of results) {
    table.push([
      r.strategy,
      ...HEADLINE_MODULES.map((m) => firstToLast(r.modules[m])),
      seconds(r.settleNs),
      count(r.initCalls),
      count(r.fullLoads),
      tally(r.results).replaceAll(', ', '\n'),
      bytes(r.wasted.total),
      bytes(r.peakModuleBytes),
      count(r.workerTimeouts),
    ]);
  }
  return table.toString();
}

/**
 * Why v5.3 is the slow one, from the figures: the module whose init ran
 * most often under v5.3 compared with merge, and what that did to its
 * first-to-last time. Undefined when either run is missing or nothing differs.
 */
export function whyV53IsSlow(results: readonly RunResult[]): string | undefined {
  const v53 = results.find((r) => r.kernel === 'v5.3' && r.userspace === null);
  const merge = results.find((r) => r.kernel === 'merge' && r.userspace === null);
  if (v53 === undefined || merge === undefined) return undefined;
  // The module that ran init more often under v5.3 and whose requests got spread out the most by it.
  let worst: { name: string; a: ModuleRunResult; b: ModuleRunResult | undefined; stretch: number } | undefined;
  for (const [name, a] of Object.entries(v53.modules)) {
    const b = merge.modules[name];
    if (a.initCalls <= (b?.initCalls ?? 0)) continue;
    const stretch = a.firstToLastNs - (b?.firstToLastNs ?? 0);
    if (worst === undefined || stretch > worst.stretch) worst = { name, a, b, stretch };
  }
  if (worst === undefined) return undefined;
  const { name, a, b } = worst;
  return (
    `v5.3 is slow because a duplicate load waits until the previous one is gone, then loads again itself: ` +
    `${count(a.requests)} ${name} requests ran ${count(a.initCalls)} inits one after another ` +
    `(${count(b?.initCalls ?? 0)} under merge), stretching its first-to-last to ${seconds(a.firstToLastNs)} ` +
    `(${firstToLast(b)} under merge) and settle to ${seconds(v53.settleNs)} (${seconds(merge.settleNs)}).`
  );
}

/** A sweep: one row per (CPU count, strategy), the plotted figures as columns. */
export function sweepTable(sweep: SweepResult): string {
  const table = new Table({
    head: ['CPUs', 'strategy', ...SWEEP_METRICS.map((m) => m.title.replace(' first→last', '\nfirst→last'))],
    style: PLAIN,
    chars: NO_ROW_RULES,
    colAligns: ['right', 'left', ...SWEEP_METRICS.map(() => 'right' as const)],
  });
  sweep.cpus.forEach((c, i) =>
    sweep.strategies.forEach((s, j) => {
      const r = sweep.runs[i * sweep.strategies.length + j] as RunResult;
      table.push([count(c), s, ...SWEEP_METRICS.map((m) => metricValue(m, m.value(r)))]);
    }),
  );
  return table.toString();
}

/** Where the module sizes came from, said once for all the strategies (they share the tree). */
export function sizesLine(d: Pick<RunsDocument, 'results'>): string | undefined {
  const sizes = d.results[0]?.moduleSizes;
  return sizes === undefined ? undefined : `module sizes: ${moduleSizesText(sizes)}`;
}
