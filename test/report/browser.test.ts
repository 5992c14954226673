/**
 * The HTML reports in a real browser: Debian's chromium, headless, driven
 * by playwright-core. Every chart must have rendered (an <svg> with a
 * non-zero size and marks in it), the page must log no error and ask for
 * nothing over the network, and a screenshot of each lands in the test's
 * temp dir (docs/report.png is one of them).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareCommand } from '../../src/cli/commands/compare.js';
import { sweepCommand } from '../../src/cli/commands/sweep.js';
import { renderBurstAndCheck } from './html-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const dir = mkdtempSync(join(tmpdir(), 'modstorm-browser-'));
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});

afterAll(async () => {
  await browser?.close();
  process.stdout.write(`browser test screenshots: ${dir}\n`);
});

interface PageCheck {
  charts: { width: number; height: number; marks: number }[];
  errors: string[];
  requests: string[];
}

/** Opens `file`, collects console errors and every request but the page itself, measures each chart, takes a screenshot. */
async function open(file: string, screenshot: string): Promise<PageCheck> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 1500 } });
  const url = pathToFileURL(file).href;
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  const charts = await page.$$eval('figure > svg', (svgs) =>
    svgs.map((svg) => {
      const box = svg.getBoundingClientRect();
      return { width: box.width, height: box.height, marks: svg.querySelectorAll('g.mark-rect path, g.mark-line path, g.mark-symbol path').length };
    }),
  );
  await page.screenshot({ path: join(dir, screenshot), fullPage: true });
  // The top of the page as well: what a reader sees first (docs/report.png is this one of the compare report).
  await page.screenshot({ path: join(dir, screenshot.replace(/\.png$/, '-top.png')) });
  await page.close();
  return { charts, errors, requests };
}

function expectRendered(check: PageCheck, charts: number): void {
  expect(check.errors).toEqual([]);
  expect(check.requests).toEqual([]);
  expect(check.charts).toHaveLength(charts);
  for (const c of check.charts) {
    expect(c.width).toBeGreaterThan(100);
    expect(c.height).toBeGreaterThan(50);
    expect(c.marks).toBeGreaterThan(0);
  }
}

describe('HTML reports in chromium', () => {
  it('compare on the default 288-CPU machine: strategy bars, memory, a timeline per strategy', { timeout: 240_000 }, async () => {
    const file = join(dir, 'report.html');
    const results = await compareCommand({ format: 'html', output: file }, () => {});
    const check = await open(file, 'report.png');
    // first->last and settle, memory, then one timeline per strategy
    expectRendered(check, 2 + results.length);
    expect(existsSync(join(dir, 'report.png'))).toBe(true);
  });

  it('sweep: one line chart per figure against CPUs', { timeout: 120_000 }, async () => {
    const file = join(dir, 'sweep.html');
    await sweepCommand({ cpus: '8..32x2', strategies: 'v5.3,merge,mainline', format: 'html', output: file, jobs: '2' }, () => {}, undefined);
    const check = await open(file, 'sweep.png');
    expectRendered(check, 5);
  });

  it('burst and check reports render too', { timeout: 120_000 }, async () => {
    const { burst, check } = await renderBurstAndCheck();
    writeFileSync(join(dir, 'burst.html'), burst);
    writeFileSync(join(dir, 'check.html'), check);
    expectRendered(await open(join(dir, 'burst.html'), 'burst.png'), 1);
    expectRendered(await open(join(dir, 'check.html'), 'check.png'), 1);
  });
});
