/**
 * The HTML report: one self-contained file — inline style, charts already
 * rendered to SVG, no script, nothing fetched — that opens offline and
 * prints. The same result gives the same bytes.
 */
import type { TopLevelSpec } from 'vega-lite';
import { GUARANTEES } from '../check/guarantees.js';
import type { RunResult } from '../scenario/result.js';
import { GUARANTEE_TITLES } from './check.js';
import { burstChart, checkChart, durationsChart, memoryChart, sweepCharts, timelineChart } from './charts.js';
import type { BurstDocument, CheckDocument, RunsDocument, SweepDocument } from './document.js';
import { bytes, count, firstToLast, insertedText, metricValue, seconds, tally } from './format.js';
import { HEADLINE_MODULES, SWEEP_METRICS, requestedModules, resultName } from './metrics.js';
import { renderSvg } from './svg.js';
import { sizesLine, whyV53IsSlow } from './table.js';

// Exact and tiny: the five characters HTML text and attributes must not hold raw.
const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

const STYLE = `
body { font: 14px/1.45 sans-serif; color: #222; margin: 2em auto; max-width: 980px; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ddd; }
p.machine { color: #555; margin-top: 0; }
figure { margin: 1em 0; }
figcaption { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.8em 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; vertical-align: top; }
th { background: #f4f4f4; text-align: left; }
td.n { text-align: right; white-space: nowrap; }
td.holds { color: #2e7d32; }
td.violated { color: #c62828; font-weight: bold; }
td.incomplete { color: #8d6e00; }
`.trim();

type Cell = string | { n: string } | { cls: string; text: string };

function table(head: readonly string[], rows: readonly Cell[][]): string {
  const td = (c: Cell): string =>
    typeof c === 'string' ? `<td>${esc(c)}</td>` : 'n' in c ? `<td class="n">${esc(c.n)}</td>` : `<td class="${c.cls}">${esc(c.text)}</td>`;
  return [
    '<table>',
    `<thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((r) => `<tr>${r.map(td).join('')}</tr>`),
    '</tbody>',
    '</table>',
  ].join('\n');
}

async function figure(spec: TopLevelSpec | undefined, caption: string): Promise<string> {
  if (spec === undefined) return '';
  return `<figure>\n${await renderSvg(spec)}\n<figcaption>${esc(caption)}</figcaption>\n</figure>`;
}

function page(title: string, machine: string, body: readonly string[]): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>\n${STYLE}\n</style>`,
    '</head>',
    '<body>',
    `<h1>${esc(title)}</h1>`,
    `<p class="machine">${esc(machine)}</p>`,
    ...body.filter((b) => b !== ''),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const n = (s: string): { n: string } => ({ n: s });
const verdictClass = (v: string): string => (v === 'holds' || v === 'violated' ? v : 'incomplete');


function strategiesTable(results: readonly RunResult[]): string {
  return table(
    ['strategy', ...HEADLINE_MODULES.map((m) => `${m} first→last`), 'settle', 'init calls', 'results', 'wasted vmalloc', 'peak module mem', 'worker timeouts'],
    results.map((r) => [
      r.strategy,
      ...HEADLINE_MODULES.map((m) => n(firstToLast(r.modules[m]))),
      n(seconds(r.settleNs)),
      n(count(r.initCalls)),
      tally(r.results),
      n(bytes(r.wasted.total)),
      n(bytes(r.peakModuleBytes)),
      n(count(r.workerTimeouts)),
    ]),
  );
}

function modulesTable(r: RunResult): string {
  const entries = requestedModules(r);
  return table(
    ['module', 'requests', 'first→last request', 'first→last inserted', 'init calls', 'results'],
    entries.map(([name, m]) => [name, n(count(m.requests)), n(seconds(m.firstToLastNs)), n(insertedText(m)), n(count(m.initCalls)), tally(m.results)]),
  );
}

export async function runsHtml(d: RunsDocument): Promise<string> {
  const title = d.command === 'run' ? `modstorm run: ${(d.results[0] as RunResult).strategy}` : 'modstorm compare';
  const sizes = sizesLine(d);
  const body: string[] = sizes === undefined ? [] : [`<p class="machine">${esc(sizes)}</p>`];
  const why = whyV53IsSlow(d.results);
  if (why !== undefined) body.push(`<p>${esc(why)}</p>`);
  body.push('<h2>Strategies</h2>', strategiesTable(d.results));
  body.push(
    await figure(durationsChart(d.results), 'From the first to the last load request of each cpufreq driver, and until udev’s queue was empty (udevadm settle).'),
  );
  body.push(
    await figure(
      memoryChart(d.results),
      'Bytes in use, sampled at every module state change, init call and load syscall; each curve keeps the highest value in each 1/500 of its run.',
    ),
  );
  body.push('<h2>Loads per udev worker</h2>');
  for (const r of d.results) {
    body.push(
      await figure(
        timelineChart(r),
        'Each bar is one finit_module call, from request to return, on the worker that made it, coloured by what it returned; bars are at least 1/1000 of the run wide, and touching bars of one result are drawn as one.',
      ),
    );
  }
  for (const r of d.results) body.push(`<h2>Modules under ${esc(r.strategy)}</h2>`, modulesTable(r));
  return page(title, d.machine, body);
}

export async function burstHtml(d: BurstDocument): Promise<string> {
  const r = d.result;
  const init = r.module.init === '0' ? 'succeeds' : `fails with ${r.module.init}`;
  const machine = `${count(r.requests)} × finit_module(${r.module.name}, ${count(r.module.size)} bytes) on ${count(r.cpus)} CPUs; init ${init} after ${seconds(r.module.initNs)}`;
  const rows: [string, string][] = [
    ['init calls', count(r.initCalls)],
    ['last return', seconds(r.lastReturnNs)],
    ['wasted vmalloc', bytes(r.wasted.total)],
    ['peak module memory', bytes(r.peakModuleBytes)],
    ['allocation failures', count(r.allocationFailures)],
    ...Object.entries(r.duplicates)
      .filter(([, v]) => v > 0)
      .map(([point, v]): [string, string] => [`duplicates at ${point}`, count(v)]),
  ];
  if (r.retry !== undefined) rows.push(['retry after the burst', `${resultName(String(r.retry.result))}, ${r.retry.initCalls} init calls, ${seconds(r.retry.returnNs)}`]);
  return page(`modstorm burst: ${r.strategy}`, machine, [
    await figure(burstChart(r), 'Calls per return value.'),
    table(['counter', 'value'], rows.map(([k, v]) => [k, n(v)])),
  ]);
}

export async function checkHtml(d: CheckDocument): Promise<string> {
  const first = d.run.results[0]?.report;
  const machine =
    first === undefined
      ? ''
      : `${first.requests} requests, ${first.modules} module(s)${first.selfLoad ? ', self-loading module' : ''}; every interleaving, all costs zero`;
  const body = [
    table(
      ['strategy', ...GUARANTEES.map((g) => GUARANTEE_TITLES[g]), 'worst-case inits', 'states', 'runs'],
      d.run.results.map(({ report }) => [
        report.strategy,
        ...GUARANTEES.map((g) => ({ cls: verdictClass(report.invariants[g]), text: report.invariants[g] })),
        n(report.worstCaseInits === null ? '-' : String(report.worstCaseInits)),
        n(count(report.statesExplored)),
        n(count(report.runs)),
      ]),
    ),
    await figure(checkChart(d.run.results), 'States the checker explored before every interleaving was covered.'),
  ];
  const examples = d.run.results.flatMap(({ report }) => report.counterexamples.map((c) => ({ strategy: report.strategy, c })));
  if (examples.length > 0) {
    body.push(
      '<h2>Counter-examples</h2>',
      table(
        ['strategy', 'guarantee', 'configuration', 'steps', 'what happened', 'replay'],
        examples.map(({ strategy, c }) => [strategy, GUARANTEE_TITLES[c.invariant], c.config, n(String(c.steps)), c.message, `modstorm check --replay ${c.replay}`]),
      ),
    );
  }
  return page('modstorm check', machine, body);
}

export async function sweepHtml(d: SweepDocument): Promise<string> {
  const { sweep } = d;
  const body: string[] = [];
  for (const spec of sweepCharts(sweep)) body.push(await figure(spec, 'One line per strategy; the CPU axis is logarithmic (base 2).'));
  body.push(
    '<h2>Figures</h2>',
    table(
      ['CPUs', 'strategy', ...SWEEP_METRICS.map((m) => m.title)],
      sweep.cpus.flatMap((c, i) =>
        sweep.strategies.map((s, j) => {
          const r = sweep.runs[i * sweep.strategies.length + j] as RunResult;
          return [n(count(c)), s, ...SWEEP_METRICS.map((m) => n(metricValue(m, m.value(r))))];
        }),
      ),
    ),
  );
  return page(`modstorm sweep: ${sweep.strategies.join(', ')}`, d.machine, body);
}
