/**
 * The report formats on real runs: text stays ASCII within 72 columns, CSV
 * parses back to the figures it was made from, HTML of one result is the
 * same bytes every time, and `success` reads `ok`.
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { burstCommand } from '../../src/cli/commands/burst.js';
import { COUNT_COLUMNS, RUN_COLUMNS, TOTAL_COLUMNS } from '../../src/report/csv.js';
import type { ReportDocument, RunsDocument } from '../../src/report/document.js';
import { machineLine } from '../../src/report/document.js';
import { FORMATS, render } from '../../src/report/formats.js';
import { TEXT_WIDTH } from '../../src/report/text.js';
import { runScenario } from '../../src/scenario/run.js';
import { resolveScenario } from '../../src/scenario/scenario.js';
import { everyStrategy } from '../../src/scenario/strategy.js';
import { renderBurstAndCheck } from './html-fixtures.js';
import { checkStrategy } from '../../src/check/checker.js';

const scenario = (strategy: string, cpus = 6) => resolveScenario({ machine: { cpus }, strategy });

function compareDoc(timeline = false): RunsDocument {
  const scenarios = everyStrategy().map((s) => scenario(s.userspace ?? s.kernel));
  return { kind: 'runs', command: 'compare', machine: machineLine(scenarios[0]!), results: scenarios.map((s) => runScenario(s, { timeline })) };
}

const compare = compareDoc();
const runDoc: RunsDocument = { ...compare, command: 'run', results: [compare.results[1]!] };
const burst: ReportDocument = { kind: 'burst', result: burstCommand({ strategy: 'v5.3', requests: '8', cpus: '4', init: 'ok', initMs: '5', size: '33233', thenRetry: true }) };
const check: ReportDocument = {
  kind: 'check',
  run: { results: [{ report: checkStrategy({ strategy: 'v5.2', requests: 2, modules: 1 }), seconds: 0.5 }], detailed: true, withTraces: true },
  all: false,
  timings: false,
};

describe('text', () => {
  for (const [name, doc] of [['run', runDoc], ['compare', compare], ['burst', burst], ['check', check]] as const) {
    it(`${name}: plain ASCII, at most ${TEXT_WIDTH} columns, no box drawing`, async () => {
      const text = await render(doc, 'text');
      for (const line of text.split('\n')) {
        expect(line.length, line).toBeLessThanOrEqual(TEXT_WIDTH);
        expect(line, line).toMatch(/^[\x20-\x7e]*$/);
      }
      // still readable once quoted in a reply
      expect(Math.max(...text.split('\n').map((l) => `> ${l}`.length))).toBeLessThanOrEqual(TEXT_WIDTH + 2);
    });
  }

  it('puts the reviewer figures first and the why line last', async () => {
    const text = await render(compare, 'text');
    expect(text).toMatch(/^modstorm compare: 6 CPUs/);
    expect(text).toMatch(/strategy\s+pcc_cpufreq\s+acpi_cpufreq\s+settle\s+inits/);
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/\)\.$/);
    expect(text).toContain('v5.3 is slow because');
  });
});

describe('success reads ok', () => {
  it('in the table, text, CSV and HTML of a run', async () => {
    for (const format of ['table', 'text', 'html'] as const) {
      const out = await render(runDoc, format);
      expect(out, format).toMatch(/ok 30/);
      expect(out, format).not.toMatch(/\b0 30\b/);
    }
    expect((await render(runDoc, 'csv')).split('\r\n')[0]).toContain('result_ok');
    // JSON keeps the model's own key: "0" is success, as the kernel returns it
    expect(JSON.parse(await render(runDoc, 'json')).results['0']).toBe(30);
  });
});

describe('CSV', () => {
  it('parses back, one row per (strategy, module) and a total per run, in the documented columns', async () => {
    const text = await render(compare, 'csv');
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    const header = Object.keys(rows[0]!);
    expect(header.slice(0, RUN_COLUMNS.length + COUNT_COLUMNS.length + TOTAL_COLUMNS.length)).toEqual([
      ...RUN_COLUMNS,
      ...COUNT_COLUMNS,
      ...TOTAL_COLUMNS,
    ]);
    expect(header.filter((h) => h.startsWith('result_'))[0]).toBe('result_ok');
    for (const r of compare.results) {
      const mine = rows.filter((row) => row.strategy === r.strategy);
      const modules = Object.entries(r.modules).filter(([, m]) => m.requests > 0 || m.initCalls > 0);
      expect(mine.filter((row) => row.row === 'module')).toHaveLength(modules.length);
      for (const [name, m] of modules) {
        const row = mine.find((x) => x.module === name)!;
        expect(Number(row.requests)).toBe(m.requests);
        expect(Number(row.first_to_last_ns)).toBe(m.firstToLastNs);
        expect(Number(row.init_calls)).toBe(m.initCalls);
        for (const [k, v] of Object.entries(m.results)) expect(Number(row[`result_${k === '0' ? 'ok' : k}`])).toBe(v);
      }
      const total = mine.find((x) => x.row === 'total')!;
      expect(Number(total.settle_ns)).toBe(r.settleNs);
      expect(Number(total.wasted_bytes)).toBe(r.wasted.total);
      expect(Number(total.peak_module_bytes)).toBe(r.peakModuleBytes);
      expect(total.userspace).toBe(r.userspace ?? '');
    }
  });

  it('quotes what needs quoting (RFC 4180)', async () => {
    const quirky = { ...runDoc, results: [{ ...runDoc.results[0]!, strategy: 'a "quoted", strategy' }] };
    const rows = parse(await render(quirky, 'csv'), { columns: true }) as Record<string, string>[];
    expect(rows[0]!.strategy).toBe('a "quoted", strategy');
  });

  it('burst and check are one row each', async () => {
    const b = parse(await render(burst, 'csv'), { columns: true }) as Record<string, string>[];
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ strategy: 'v5.3', init: 'ok', result_ok: '1', retry_result: 'EEXIST' });
    const c = parse(await render(check, 'csv'), { columns: true }) as Record<string, string>[];
    expect(c[0]).toMatchObject({ strategy: 'v5.2', noFalseSuccess: 'violated', liveness: 'holds', self_load: 'false' });
  });
});

describe('HTML', () => {
  it('is the same bytes for the same result, and for a second run of the same scenario', async () => {
    const a = compareDoc(true);
    const first = await render(a, 'html');
    expect(await render(a, 'html')).toBe(first);
    expect(await render(compareDoc(true), 'html')).toBe(first);
  });

  it('is one file: no script, no external reference, every chart inline SVG', async () => {
    const html = await render(compareDoc(true), 'html');
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\(/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/)/);
    expect((html.match(/<figure>\n<svg/g) ?? []).length).toBe(2 + compare.results.length);
    const { burst: b, check: c } = await renderBurstAndCheck();
    expect(b).toContain('<svg');
    expect(c).toContain('<svg');
  });
});

describe('every format renders every document', () => {
  it('run, compare, burst, check', async () => {
    for (const format of FORMATS) {
      for (const doc of [runDoc, compare, burst, check]) expect((await render(doc, format)).endsWith('\n')).toBe(true);
    }
  });
});
