/**
 * The burst's report: N concurrent finit_module calls for one module, the
 * results per return value and the kernel's counters. A pure function of
 * the BurstResult (scenario/burst.ts).
 */
import Table from 'cli-table3';
import type { BurstResult } from '../scenario/burst.js';
import { NS_PER_MS } from '../sim/index.js';
import { resultName } from './metrics.js';

// No colours: the output goes into files and mailing-list replies.
const PLAIN = { head: [], border: [] };
const ms = (ns: number): string => `${(ns / NS_PER_MS).toFixed(3)} ms`;
const bytes = (n: number): string => n.toLocaleString('en-US');

/** The burst as a readable table. */
export function burstTable(r: BurstResult): string {
  const init = r.module.init === '0' ? 'succeeds' : `fails with ${r.module.init}`;
  const head =
    `${r.requests} × finit_module(${r.module.name}, ${bytes(r.module.size)} bytes) on ${r.cpus} CPUs, ` +
    `strategy ${r.strategy}; init ${init} after ${ms(r.module.initNs)}\n`;
  const results = new Table({ head: ['result', 'calls'], style: PLAIN });
  for (const [k, v] of Object.entries(r.results)) results.push([resultName(k), v]);
  if (r.hung > 0) results.push(['(never returned)', r.hung]);
  const counters = new Table({ head: ['counter', 'value'], style: PLAIN });
  counters.push(
    ['init calls (formed)', r.initCalls],
    ['full loads (past allocation)', r.fullLoads],
    ['last return', ms(r.lastReturnNs)],
    ['wasted kread bytes', bytes(r.wasted.kread)],
    ['wasted decompress bytes', bytes(r.wasted.decompress)],
    ['wasted becoming bytes', bytes(r.wasted.becoming)],
    ['wasted mod bytes', bytes(r.wasted.mod)],
    ['virtual memory wasted', bytes(r.wasted.total)],
    ['peak module area bytes', bytes(r.peakModuleBytes)],
    ['allocation failures', r.allocationFailures],
  );
  for (const [point, n] of Object.entries(r.duplicates)) if (n > 0) counters.push([`duplicates at ${point}`, n]);
  let out = `${head}${results.toString()}\n${counters.toString()}\n`;
  if (r.retry !== undefined) {
    const { result, initCalls, returnNs } = r.retry;
    out += `retry after the burst settled: ${resultName(String(result))}, init calls ${initCalls}, returned after ${ms(returnNs)}\n`;
  }
  return out;
}
