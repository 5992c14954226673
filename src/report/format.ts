/** Number formats shared by the reports: seconds, bytes, result tallies. */
import { compareResults } from '../kernel/index.js';
import type { ModuleRunResult } from '../scenario/result.js';
import { firstToLastNs, resultName, type Metric } from './metrics.js';

const NS_PER_S = 1e9;

/** Virtual ns as seconds with millisecond precision: `44.998 s`. */
export function seconds(ns: number): string {
  return `${(ns / NS_PER_S).toFixed(3)} s`;
}

/** Bytes in the largest binary unit that keeps the figure ≥ 1: `2.4 MiB`. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** A whole number with thousands separators, fixed to en-US so output does not depend on the locale. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Result tally, success first then errnos by name: `ok 20, EEXIST 576, ENODEV 288`. */
export function tally(results: Readonly<Record<string, number>>): string {
  const keys = Object.keys(results).sort(compareResults);
  return keys.length === 0 ? '-' : keys.map((k) => `${resultName(k)} ${count(results[k] ?? 0)}`).join(', ');
}

/** A metric's value in its unit's format; `-` when the run has none. */
export function metricValue(m: Metric, v: number | undefined): string {
  if (v === undefined) return '-';
  return m.unit === 'ns' ? seconds(v) : m.unit === 'bytes' ? bytes(v) : count(v);
}

/** A module's first→last request time in seconds, `-` when nobody asked for it. */
export function firstToLast(m: ModuleRunResult | undefined): string {
  const ns = firstToLastNs(m);
  return ns === undefined ? '-' : seconds(ns);
}

/** From the first to the last return udev logs as "Inserted module", `-` when there was none. */
export function insertedText(m: ModuleRunResult): string {
  return m.insertedReturns === 0 ? '-' : seconds(m.firstToLastInsertedNs);
}
