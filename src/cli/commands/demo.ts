/**
 * `modstorm demo`: the merge primitive on real timers. 10,000 concurrent
 * requests to load one module whose init fails share one run; a retry after
 * it settled runs fresh.
 */
import type { Command } from 'commander';
import { Merger, type Outcome } from '../../merge/index.js';
import { parseCount } from '../options.js';

/** 1,000,000 requests take 1.5 s and 330 MB here; Promise.all itself refuses more than 2^21 - 1 elements. */
export const DEMO_MAX_REQUESTS = 1_000_000;
/** One hour, as `burst --init-ms`; setTimeout would silently turn anything past 2^31 - 1 ms into 1 ms. */
export const DEMO_MAX_INIT_MS = 3_600_000;

/** Kernel `merge` mapping: joiners of a success get EEXIST, of a failure EBUSY. */
function kernelMergeMapping(outcome: Outcome<string>): Outcome<string> {
  return { ok: true, value: outcome.ok && outcome.value === '0' ? 'EEXIST' : 'EBUSY' };
}

export async function runDemo(requests: number, initMs: number, out: (line: string) => void): Promise<void> {
  const loads = new Merger<string, string>({ mapJoin: kernelMergeMapping });
  let inits = 0;
  // The module's init: runs on a real timer and fails as pcc_cpufreq does when intel_pstate is active.
  const init = async (): Promise<string> => {
    inits++;
    await new Promise((resolve) => setTimeout(resolve, initMs));
    return 'ENODEV';
  };
  const tally = async (n: number): Promise<Map<string, number>> => {
    const results = await Promise.all(Array.from({ length: n }, () => loads.run('pcc_cpufreq', init)));
    const counts = new Map<string, number>();
    for (const r of results) counts.set(`${r.role}:${r.value}`, (counts.get(`${r.role}:${r.value}`) ?? 0) + 1);
    return counts;
  };
  const show = (counts: Map<string, number>): string =>
    [...counts].sort().map(([k, v]) => `${v} x ${k}`).join(', ');

  out(`${requests} concurrent requests to load pcc_cpufreq (init fails with ENODEV after ${initMs} ms):`);
  const burst = await tally(requests);
  const s = loads.stats();
  out(`  results: ${show(burst)}`);
  out(`  runs: ${s.runs}, joins: ${s.joins}, init calls: ${inits}, in flight after: ${loads.size}`);
  out('a retry after the burst settled (the user fixed the cause):');
  const retry = await tally(1);
  const r = loads.stats();
  out(`  results: ${show(retry)}`);
  out(`  runs: ${r.runs}, joins: ${r.joins}, init calls: ${inits} (the retry ran init again: nothing was cached)`);
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the merge primitive on real timers: one failing module load shared by many requests, then a fresh retry')
    .option('--requests <n>', `concurrent requests (1-${DEMO_MAX_REQUESTS.toLocaleString('en-US')})`, '10000')
    .option('--init-ms <ms>', `how long the failing init takes, real time (0-${DEMO_MAX_INIT_MS.toLocaleString('en-US')})`, '50')
    .action(async (opts: { requests: string; initMs: string }) => {
      const requests = parseCount('--requests', opts.requests, 1, DEMO_MAX_REQUESTS);
      const initMs = parseCount('--init-ms', opts.initMs, 0, DEMO_MAX_INIT_MS);
      await runDemo(requests, initMs, (l) => process.stdout.write(`${l}\n`));
    });
}
