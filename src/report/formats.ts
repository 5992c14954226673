/**
 * Every output format, and which file renders it. Adding a format is one
 * file in this folder with a renderer for each document kind, and one line
 * in RENDERERS.
 */
import { burstTable } from './burst.js';
import { checkJson, checkTable } from './check.js';
import { burstCsv, checkCsv, runsCsv, sweepCsv } from './csv.js';
import type { BurstDocument, CheckDocument, ReportDocument, RunsDocument, SweepDocument } from './document.js';
import { compareTable, runTable, sizesLine, sweepTable, whyV53IsSlow } from './table.js';
import { burstText, checkText, runsText, sweepText } from './text.js';

export const FORMATS = ['table', 'text', 'json', 'csv', 'html'] as const;
export type Format = (typeof FORMATS)[number];

type Rendered = string | Promise<string>;

/** One format: a function per document kind, each returning the whole output (ending in a newline). */
export interface Renderer {
  runs(d: RunsDocument): Rendered;
  burst(d: BurstDocument): Rendered;
  check(d: CheckDocument): Rendered;
  sweep(d: SweepDocument): Rendered;
}

// Vega and Vega-Lite take a second to load: only an HTML report pays for them.
const html = (): Promise<typeof import('./html.js')> => import('./html.js');

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;


export const RENDERERS: Readonly<Record<Format, Renderer>> = {
  table: {
    runs: (d) =>
      d.command === 'run'
        ? `${runTable(d.results[0] as (typeof d.results)[number])}\n`
        : `${[d.machine, sizesLine(d), compareTable(d.results), whyV53IsSlow(d.results)].filter((l) => l !== undefined).join('\n')}\n`,
    burst: (d) => burstTable(d.result),
    check: (d) => checkTable(d.run),
    sweep: (d) => `${d.machine}\n${sweepTable(d.sweep)}\n`,
  },
  text: { runs: runsText, burst: burstText, check: checkText, sweep: sweepText },
  json: {
    runs: (d) => json(d.command === 'run' ? d.results[0] : d.results),
    burst: (d) => json(d.result),
    check: (d) => {
      const all = d.run.results.map((r) => checkJson(r, d.timings));
      return json(d.all ? all : all[0]);
    },
    sweep: (d) => json(d.sweep),
  },
  csv: { runs: runsCsv, burst: burstCsv, check: checkCsv, sweep: sweepCsv },
  html: {
    runs: async (d) => (await html()).runsHtml(d),
    burst: async (d) => (await html()).burstHtml(d),
    check: async (d) => (await html()).checkHtml(d),
    sweep: async (d) => (await html()).sweepHtml(d),
  },
};

/** The document in `format`. */
export async function render(doc: ReportDocument, format: Format): Promise<string> {
  const r = RENDERERS[format];
  switch (doc.kind) {
    case 'runs':
      return r.runs(doc);
    case 'burst':
      return r.burst(doc);
    case 'check':
      return r.check(doc);
    case 'sweep':
      return r.sweep(doc);
  }
}
