/**
 * Plain text for a mailing-list reply: ASCII only, at most 72 columns, no
 * box drawing, so it survives being quoted ("> ") in an email. The figures
 * a reviewer wants come first, then the sentence saying why.
 */
import Table from 'cli-table3';
import wrapAnsi from 'wrap-ansi';
import type { CheckDocument, BurstDocument, RunsDocument, SweepDocument } from './document.js';
import { GUARANTEE_TITLES } from './check.js';
import { GUARANTEES } from '../check/guarantees.js';
import type { RunResult } from '../scenario/result.js';
import { NS_PER_MS } from '../sim/index.js';
import { bytes, count, firstToLast, insertedText, metricValue, seconds, tally } from './format.js';
import { HEADLINE_MODULES, SWEEP_METRICS, requestedModules, resultName } from './metrics.js';
import { insertRows, moduleSizesText, sizesLine, whyV53IsSlow } from './table.js';

/** The widest line the text format writes. */
export const TEXT_WIDTH = 72;

/** Columns separated by two spaces, no rules: cli-table3 with every border character empty. */
const BARE = {
  chars: {
    top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
    bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
    left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
  },
  style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
};

function columns(head: string[], rows: string[][], aligns: ('left' | 'right')[]): string[] {
  const table = new Table({ ...BARE, head, colAligns: aligns });
  for (const row of rows) table.push(row);
  return table.toString().split('\n').map((l) => l.trimEnd());
}

/** Non-ASCII characters the other reports use, in their ASCII spelling. */
const ASCII: readonly [RegExp, string][] = [
  [/→/g, '->'],
  [/×/g, 'x'],
  [/—/g, '-'],
  [/…/g, '...'],
  [/≥/g, '>='],
  [/≤/g, '<='],
  [/[^\x20-\x7e\n]/g, '?'],
];

/**
 * `text` wrapped to the width, ASCII only: the first line indented by
 * `indent` spaces, the lines after it by `indent + hang`.
 */
export function para(text: string, indent = 0, hang = 2): string[] {
  let ascii = text;
  for (const [from, to] of ASCII) ascii = ascii.replace(from, to);
  const lines = wrapAnsi(ascii, TEXT_WIDTH - indent - hang, { hard: true, trim: true }).split('\n');
  return lines.map((l, i) => `${' '.repeat(i === 0 ? indent : indent + hang)}${l}`);
}

/** `label  value` lines, the value wrapped under itself. */
function fields(rows: readonly [string, string][]): string[] {
  const w = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.flatMap(([k, v]) => para(`${k.padEnd(w)}${v}`, 0, w));
}

function finish(lines: readonly string[]): string {
  return `${lines.flatMap((l) => (l.length <= TEXT_WIDTH && /^[\x20-\x7e]*$/.test(l) ? [l] : para(l))).join('\n')}\n`;
}

function strategyName(r: RunResult): string {
  return r.userspace === null ? r.kernel : `${r.userspace} on kernel ${r.kernel}`;
}

function runFields(r: RunResult): [string, string][] {
  return [
    ['settle', seconds(r.settleNs)],
    ['load requests', `${count(r.requests)}${r.droppedRequests > 0 ? ` (${count(r.droppedRequests)} dropped by udev)` : ''}`],
    ['init calls', count(r.initCalls)],
    ['results', tally(r.results)],
    ['wasted vmalloc', `${bytes(r.wasted.total)} (kread ${bytes(r.wasted.kread)}, decompress ${bytes(r.wasted.decompress)}, becoming ${bytes(r.wasted.becoming)}, mod ${bytes(r.wasted.mod)})`],
    ['peak module mem', `${bytes(r.peakModuleBytes)}${r.allocationFailures > 0 ? ` (${count(r.allocationFailures)} allocation failures)` : ''}`],
    ['uevents', `${count(r.events)} (${count(r.eventsFailed)} failed), childrenMax ${count(r.childrenMax)}`],
    ['udev workers', `${count(r.workersForked)} forked, ${count(r.workerTimeouts)} timeouts, ${count(r.workerKills)} killed`],
    ['profile', r.profile],
    ['module sizes', moduleSizesText(r.moduleSizes)],
    ...insertRows(r),
  ];
}

/** Every requested module: first->last, requests and inits in columns, results on the line below. */
function moduleLines(r: RunResult): string[] {
  const entries = requestedModules(r);
  const head = ['module', 'requests', 'first->last', 'inserted', 'inits'];
  const rows = entries.map(([name, m]) => [name, count(m.requests), seconds(m.firstToLastNs), insertedText(m), count(m.initCalls)]);
  const lines = columns(head, rows, ['left', 'right', 'right', 'right', 'right']);
  const out = [lines[0] as string, '(inserted: first->last of the returns udev logs as "Inserted module")'];
  entries.forEach(([, m], i) => {
    out.push(lines[i + 1] as string, ...para(tally(m.results), 4));
  });
  return out;
}

export function runsText(d: RunsDocument): string {
  if (d.command === 'run') {
    const r = d.results[0] as RunResult;
    return finish([...para(`modstorm run: ${strategyName(r)}; ${d.machine}`), '', ...fields(runFields(r)), '', ...moduleLines(r)]);
  }
  const sizes = sizesLine(d);
  const lines = [...para(`modstorm compare: ${d.machine}`), ...(sizes === undefined ? [] : para(sizes)), ''];
  lines.push(
    ...columns(
      ['strategy', ...HEADLINE_MODULES.map((m) => m), 'settle', 'inits'],
      d.results.map((r) => [
        r.strategy,
        ...HEADLINE_MODULES.map((m) => firstToLast(r.modules[m])),
        seconds(r.settleNs),
        count(r.initCalls),
      ]),
      ['left', 'right', 'right', 'right', 'right'],
    ),
  );
  lines.push('(first->last: from the first to the last load request of the module)', '');
  lines.push(
    ...columns(
      ['strategy', 'wasted vmalloc', 'peak module mem', 'worker timeouts'],
      d.results.map((r) => [r.strategy, bytes(r.wasted.total), bytes(r.peakModuleBytes), count(r.workerTimeouts)]),
      ['left', 'right', 'right', 'right'],
    ),
  );
  lines.push('', 'results');
  const w = Math.max(...d.results.map((r) => r.strategy.length)) + 2;
  for (const r of d.results) lines.push(...para(`${r.strategy.padEnd(w)}${tally(r.results)}`, 2, w));
  const why = whyV53IsSlow(d.results);
  if (why !== undefined) lines.push('', ...para(why, 0, 0));
  return finish(lines);
}

export function burstText(d: BurstDocument): string {
  const r = d.result;
  const ms = (ns: number): string => `${(ns / NS_PER_MS).toFixed(3)} ms`;
  const init = r.module.init === '0' ? 'succeeds' : `fails with ${r.module.init}`;
  const lines = para(
    `modstorm burst: ${r.requests} x finit_module(${r.module.name}, ${count(r.module.size)} bytes) on ${r.cpus} CPUs, ` +
      `strategy ${r.strategy}; init ${init} after ${ms(r.module.initNs)}`,
  );
  const rows: [string, string][] = [
    ['results', `${tally(r.results)}${r.hung > 0 ? `, never returned ${count(r.hung)}` : ''}`],
    ['init calls', count(r.initCalls)],
    ['last return', ms(r.lastReturnNs)],
    ['wasted vmalloc', `${count(r.wasted.total)} bytes (kread ${count(r.wasted.kread)}, decompress ${count(r.wasted.decompress)}, becoming ${count(r.wasted.becoming)}, mod ${count(r.wasted.mod)})`],
    ['peak module mem', `${count(r.peakModuleBytes)} bytes`],
    ['alloc failures', count(r.allocationFailures)],
  ];
  for (const [point, n] of Object.entries(r.duplicates)) if (n > 0) rows.push([`dups at ${point}`, count(n)]);
  if (r.retry !== undefined) {
    rows.push(['retry', `${resultName(String(r.retry.result))}, init calls ${r.retry.initCalls}, returned after ${ms(r.retry.returnNs)}`]);
  }
  return finish([...lines, '', ...fields(rows)]);
}

export function checkText(d: CheckDocument): string {
  const { results } = d.run;
  const first = results[0]?.report;
  if (first === undefined) return '';
  const lines = para(
    `modstorm check: ${first.requests} request(s), ${first.modules} module(s)${first.selfLoad ? ', self-loading module' : ''}; ` +
      'every interleaving, all costs zero',
  );
  for (const { report, seconds: s } of results) {
    const broken = GUARANTEES.filter((g) => report.invariants[g] === 'violated').map((g) => GUARANTEE_TITLES[g]);
    const unsure = GUARANTEES.filter((g) => !['holds', 'violated'].includes(report.invariants[g])).map((g) => `${GUARANTEE_TITLES[g]} ${report.invariants[g]}`);
    const verdict = [broken.length > 0 ? `violated: ${broken.join(', ')}` : '', ...unsure].filter((v) => v !== '').join('; ') || 'every guarantee holds';
    lines.push('', ...para(`${report.strategy}: ${verdict}`));
    lines.push(
      ...para(
        `worst-case inits ${report.worstCaseInits ?? '-'}, ${count(report.statesExplored)} states, ${count(report.runs)} runs, ${s.toFixed(1)} s${report.complete ? '' : ' (incomplete)'}`,
        2,
      ),
    );
    for (const b of report.boundsHit) lines.push(...para(`bound hit: ${b}; "holds" means only "not seen broken"`, 2));
    for (const c of report.counterexamples) {
      lines.push(...para(`${GUARANTEE_TITLES[c.invariant]}: ${c.config}, ${c.steps} steps: ${c.message}`, 2));
      lines.push('    replay with: modstorm check --replay TOKEN, TOKEN being', `    ${c.replay}`);
      if (d.run.withTraces) {
        for (const t of c.trace) {
          lines.push(...para(`${t.step} ${t.time} ns ${t.process}: ${t.what}`, 4, 4));
          lines.push(...para(`table: ${t.table}`, 8));
          if (t.violation !== undefined) lines.push(...para(`^^ ${t.violation}`, 8, 3));
        }
      }
    }
  }
  return finish(lines);
}

export function sweepText(d: SweepDocument): string {
  const { cpus, strategies, runs } = d.sweep;
  const lines = para(`modstorm sweep: ${d.machine}; CPUs ${cpus.join(', ')}`);
  for (const m of SWEEP_METRICS) {
    // One table per metric, CPUs down and strategies across; more strategies than fit go to a second table.
    const cells = strategies.map((name, j) => [name, ...cpus.map((_, i) => metricValue(m, m.value(runs[i * strategies.length + j] as RunResult)))]);
    let from = 0;
    while (from < strategies.length) {
      let width = Math.max('CPUs'.length, ...cpus.map((c) => String(c).length));
      let to = from;
      while (to < strategies.length) {
        const w = Math.max(...(cells[to] as string[]).map((c) => c.length)) + 2;
        if (to > from && width + w > TEXT_WIDTH) break;
        width += w;
        to++;
      }
      const chunk = cells.slice(from, to);
      const rows = cpus.map((c, i) => [String(c), ...chunk.map((col) => col[i + 1] as string)]);
      lines.push('', m.title);
      lines.push(...columns(['CPUs', ...chunk.map((col) => col[0] as string)], rows, ['right', ...chunk.map(() => 'right' as const)]));
      from = to;
    }
  }
  return finish(lines);
}
