import { describe, expect, it } from 'vitest';
import { bytes, count, seconds, tally } from '../../src/report/format.js';
import { compareTable, runTable, whyV53IsSlow } from '../../src/report/table.js';
import type { ModuleRunResult, RunResult } from '../../src/scenario/result.js';

function mod(requests: number, initCalls: number, firstToLastNs: number, results: Record<string, number>): ModuleRunResult {
  const insertedReturns = (results['0'] ?? 0) + (results.EEXIST ?? 0);
  return { requests, firstToLastNs, firstToLastInsertedNs: insertedReturns > 1 ? firstToLastNs : 0, insertedReturns, initCalls, fullLoads: initCalls, results };
}

function result(kernel: string, modules: Record<string, ModuleRunResult>, settleNs: number, userspace: string | null = null): RunResult {
  return {
    scenario: null,
    strategy: userspace === null ? kernel : `${userspace}@${kernel}`,
    kernel,
    userspace,
    cpus: 4,
    memoryGiB: 16,
    seed: 1,
    profile: 'server-288',
    settleNs,
    endNs: settleNs + 3e9,
    events: 8,
    eventsFailed: 0,
    childrenMax: 24,
    workersForked: 8,
    peakWorkers: 8,
    workerWarnings: 0,
    workerTimeouts: 3,
    workerKills: 0,
    droppedRequests: 0,
    requests: Object.values(modules).reduce((n, m) => n + m.requests, 0),
    initCalls: Object.values(modules).reduce((n, m) => n + m.initCalls, 0),
    fullLoads: Object.values(modules).reduce((n, m) => n + m.fullLoads, 0),
    results: { '0': 1, EEXIST: 4 },
    wasted: { kread: 0, decompress: 0, becoming: 1024, mod: 3 * 1024 * 1024, total: 3 * 1024 * 1024 + 1024 },
    peakModuleBytes: 5 * 1024 * 1024,
    allocationFailures: 0,
    moduleSizes: { sizesFile: true, fromSizesFile: 2, fromFiles: 0, defaulted: 0, defaultBytes: 65536 },
    insertCalls: { finit_module: 3, init_module: 0 },
    modules,
    ties: 'fifo',
    warnings: [],
  };
}

const v53 = result(
  'v5.3',
  {
    pcc_cpufreq: mod(4, 4, 45_000_000_000, { ENODEV: 4 }),
    acpi_cpufreq: mod(8, 8, 1_500_000_000, { EEXIST: 8 }),
    kvm: mod(4, 1, 1_000_000, { '0': 1, EEXIST: 3 }),
  },
  46_000_000_000,
);
const merge = result(
  'merge',
  {
    pcc_cpufreq: mod(4, 1, 2_011_000_000, { ENODEV: 1, EBUSY: 3 }),
    acpi_cpufreq: mod(8, 1, 1_400_000_000, { EEXIST: 1, EBUSY: 7 }),
    kvm: mod(4, 1, 1_000_000, { '0': 1, EEXIST: 3 }),
  },
  7_000_000_000,
);

describe('formats', () => {
  it('prints seconds to the millisecond, bytes in binary units, counts with separators', () => {
    expect(seconds(44_998_000_000)).toBe('44.998 s');
    expect(seconds(0)).toBe('0.000 s');
    expect(bytes(512)).toBe('512 B');
    expect(bytes(33_233)).toBe('32.5 KiB');
    expect(bytes(1008 * 1024 * 1024)).toBe('1008.0 MiB');
    expect(bytes(3 * 1024 ** 3)).toBe('3.0 GiB');
    expect(count(1234567)).toBe('1,234,567');
  });

  it('tallies results with success first, then errnos by name', () => {
    expect(tally({ ENODEV: 1, EBUSY: 287, '0': 2 })).toBe('ok 2, EBUSY 287, ENODEV 1');
    expect(tally({})).toBe('-');
  });
});

describe('runTable', () => {
  it("shows the run's figures and every requested module, most requested first", () => {
    const text = runTable(v53);
    expect(text).toContain('46.000 s');
    expect(text).toContain('3.0 MiB (kread 0 B, decompress 0 B, becoming 1.0 KiB, mod 3.0 MiB)');
    expect(text).toContain('0 warnings, 3 timeouts, 0 killed');
    const lines = text.split('\n');
    const row = (name: string) => lines.findIndex((l) => l.includes(` ${name} `));
    expect(row('acpi_cpufreq')).toBeLessThan(row('pcc_cpufreq'));
    // ENODEV is logged as "Failed to insert": no inserted return to time
    expect(lines[row('pcc_cpufreq')]).toMatch(/pcc_cpufreq\s+│\s+4 │\s+45\.000 s │\s+- │\s+4 │\s+4 │ ENODEV 4/);
  });

  it('names a userspace strategy with its kernel', () => {
    expect(runTable(result('v5.3', {}, 1e9, 'udev-flock'))).toContain('udev-flock on kernel v5.3');
  });
});

describe('compareTable and the v5.3 line', () => {
  it('puts strategies side by side with the cpufreq first-to-last times', () => {
    const text = compareTable([v53, merge]);
    const v53Row = text.split('\n').find((l) => l.includes('v5.3'));
    expect(v53Row).toMatch(/v5\.3\s+│\s+45\.000 s │\s+1\.500 s │\s+46\.000 s │\s+13 │/);
    expect(text).toContain('2.011 s');
  });

  it('explains the slowness from the figures: the module whose inits stretched its requests the most', () => {
    const line = whyV53IsSlow([merge, v53]);
    expect(line).toContain('4 pcc_cpufreq requests ran 4 inits one after another (1 under merge)');
    expect(line).toContain('first-to-last to 45.000 s (2.011 s under merge)');
    expect(line).toContain('settle to 46.000 s (7.000 s)');
  });

  it('says nothing without both runs, or when v5.3 ran no extra inits', () => {
    expect(whyV53IsSlow([v53])).toBeUndefined();
    expect(whyV53IsSlow([merge, { ...merge, kernel: 'v5.3', strategy: 'v5.3' }])).toBeUndefined();
  });
});
