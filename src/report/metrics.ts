/**
 * The figures every report shows, defined once: what a run's row holds and
 * what a sweep plots. Values are numbers in the result's own units (ns,
 * bytes, counts); each format decides how to print them.
 */
import type { ModuleRunResult, RunResult } from '../scenario/result.js';

/** The modules the headline is about: the cpufreq drivers every CPU asks for. */
export const HEADLINE_MODULES = ['pcc_cpufreq', 'acpi_cpufreq'] as const;

export type Unit = 'ns' | 'bytes' | 'count';

export interface Metric {
  /** Column name in CSV and JSON: snake_case with its unit. */
  readonly id: string;
  /** Heading in tables and charts. */
  readonly title: string;
  readonly unit: Unit;
  /** Undefined when the run has no such figure (a module nobody asked for). */
  readonly value: (r: RunResult) => number | undefined;
}

/** A module's first→last request time; undefined when nobody asked for it. */
export function firstToLastNs(m: ModuleRunResult | undefined): number | undefined {
  return m === undefined || m.requests === 0 ? undefined : m.firstToLastNs;
}

/** Every module that was asked for, most requests first, then the longest first→last, then by name. */
export function requestedModules(r: RunResult): [string, ModuleRunResult][] {
  const entries = Object.entries(r.modules).filter(([, m]) => m.requests > 0);
  return entries.sort(([a, ma], [b, mb]) => mb.requests - ma.requests || mb.firstToLastNs - ma.firstToLastNs || (a < b ? -1 : 1));
}

/** What a sweep plots against the CPU count, per strategy. */
export const SWEEP_METRICS: readonly Metric[] = [
  ...HEADLINE_MODULES.map(
    (name): Metric => ({ id: `${name}_first_to_last_ns`, title: `${name} first→last`, unit: 'ns', value: (r) => firstToLastNs(r.modules[name]) }),
  ),
  { id: 'settle_ns', title: 'settle', unit: 'ns', value: (r) => r.settleNs },
  { id: 'init_calls', title: 'init calls', unit: 'count', value: (r) => r.initCalls },
  { id: 'wasted_bytes', title: 'wasted vmalloc', unit: 'bytes', value: (r) => r.wasted.total },
];

/** Result name as people read it: success is `ok`, an errno its name. */
export function resultName(key: string): string {
  return key === '0' ? 'ok' : key;
}
