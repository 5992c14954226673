/**
 * The full coldplug storm's cost in wall time and memory: every strategy on
 * the headline machine (288 CPUs) and grown to 1,536 and 8,192 (Linux's
 * NR_CPUS maximum), each run in a child process of its own
 * (bench/storm/child.mjs, on dist/, built first) so that its peak RSS is its
 * own. The target is a ratio in the same run: every strategy within 1.5× of
 * `merge`'s wall time at the same size (and ≤ 2 s at 8,192 CPUs on the
 * 2-core reference machine). A run that passes LIMIT_MS is stopped and
 * reported as such.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Table from 'cli-table3';
import { strategyIds } from '../../src/scenario/strategy.js';

const CPUS = [288, 1536, 8192];
const LIMIT_MS = 120_000;
const CHILD = join(import.meta.dirname, 'child.mjs');

interface StormRun {
  cpus: number;
  strategy: string;
  node: string;
  /** Undefined when the run passed LIMIT_MS and was stopped. */
  wallMs?: number;
  simSteps?: number;
  peakRssMiB?: number;
  events?: number;
  settleS?: number;
  initCalls?: number;
  acquisitions?: number;
  rechecks?: number;
  wakeUps?: number;
  ratioToMerge?: number;
  stoppedAfterMs?: number;
}

function measure(cpus: number, strategy: string): StormRun {
  const started = performance.now();
  const child = spawnSync(process.execPath, [CHILD, String(cpus), strategy], { encoding: 'utf8', timeout: LIMIT_MS });
  if (child.error !== undefined || child.status !== 0) {
    if (child.signal === 'SIGTERM') return { cpus, strategy, node: process.version, stoppedAfterMs: Math.round(performance.now() - started) };
    throw new Error(`bench storm: ${cpus} CPUs ${strategy} failed: ${child.stderr || String(child.error)}`);
  }
  return JSON.parse(child.stdout) as StormRun;
}

export default async function bench(): Promise<object> {
  // The storm is measured as built (dist/, what the modstorm command runs), so build it first.
  const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit', timeout: 300_000 });
  if (build.status !== 0) throw new Error('bench storm: npm run build failed');
  const runs: StormRun[] = [];
  for (const cpus of CPUS) {
    const here = strategyIds().map((strategy) => measure(cpus, strategy));
    const merge = here.find((r) => r.strategy === 'merge')?.wallMs;
    for (const r of here) {
      if (r.wallMs !== undefined && merge !== undefined) r.ratioToMerge = Math.round((r.wallMs / merge) * 100) / 100;
      console.log(`${cpus} ${r.strategy}: ${r.wallMs === undefined ? `stopped after ${r.stoppedAfterMs} ms` : `${r.wallMs} ms`}`);
    }
    runs.push(...here);
  }
  const table = new Table({
    head: ['CPUs', 'strategy', 'wall', '× merge', 'sim steps', 'peak RSS', 'uevents', 'settle (virtual)', 'inits', 'mutex acq.', 're-checks'],
    style: { head: [], border: [] },
  });
  for (const r of runs) {
    table.push(
      r.wallMs === undefined
        ? [r.cpus, r.strategy, `> ${LIMIT_MS / 1000} s (stopped)`, '', '', '', '', '', '', '', '']
        : [
            r.cpus,
            r.strategy,
            `${r.wallMs} ms`,
            r.ratioToMerge?.toFixed(2) ?? '',
            r.simSteps,
            `${r.peakRssMiB} MiB`,
            r.events,
            `${r.settleS?.toFixed(3)} s`,
            r.initCalls,
            r.acquisitions,
            r.rechecks,
          ],
    );
  }
  console.log(table.toString());
  return { node: process.version, limitMs: LIMIT_MS, runs };
}
