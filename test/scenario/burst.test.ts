/**
 * Bursts of concurrent finit_module calls for one module: what each
 * strategy returns, how many inits run, and the measurements of the kernel's own selftest on a
 * real 6.1 kernel.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_COSTS, STRATEGIES, gracePeriodNs, layoutBytes, regionFreeNs, stageNs } from '../../src/kernel/index.js';
import { runBurst } from '../../src/scenario/burst.js';
import { NS_PER_MS } from '../../src/sim/index.js';

describe('a burst whose init succeeds', () => {
  it('merge: one caller gets 0, the others EEXIST, one init', () => {
    const r = runBurst({ strategy: 'merge', requests: 64, cpus: 64, init: 0 });
    expect(r.results).toEqual({ '0': 1, EEXIST: 63 });
    expect(r.initCalls).toBe(1);
  });

  it('idempotent: every caller gets 0, one init', () => {
    const r = runBurst({ strategy: 'idempotent', requests: 64, cpus: 64, init: 0 });
    expect(r.results).toEqual({ '0': 64 });
    expect(r.initCalls).toBe(1);
    // The waiters never read the file: nothing was wasted.
    expect(r.wasted.total).toBe(0);
  });
});

describe('a burst whose init fails with ENODEV', () => {
  it('merge: one ENODEV, the rest EBUSY, one init', () => {
    const r = runBurst({ strategy: 'merge', requests: 64, cpus: 64, init: 'ENODEV' });
    expect(r.results).toEqual({ EBUSY: 63, ENODEV: 1 });
    expect(r.initCalls).toBe(1);
    expect(r.duplicates.afterHeader).toBe(63);
  });

  it('v6.2: one ENODEV, the overlapping rest EBUSY', () => {
    const r = runBurst({ strategy: 'v6.2', requests: 64, cpus: 64, init: 'ENODEV' });
    expect(r.results).toEqual({ EBUSY: 63, ENODEV: 1 });
    expect(r.initCalls).toBe(1);
  });

  it('v5.3: every caller runs init, one after the other', () => {
    const n = 64;
    const r = runBurst({ strategy: 'v5.3', requests: n, cpus: 64, init: 'ENODEV' });
    expect(r.results).toEqual({ ENODEV: n });
    expect(r.initCalls).toBe(n);
    // With a CPU each, all read at once; then the loads run serially, each living init + teardown
    // (two grace periods, the notifiers, two region frees); the herd's re-checks add well under 1 %.
    const oneLoad = 20 * NS_PER_MS + 2 * gracePeriodNs(DEFAULT_COSTS, 64) + DEFAULT_COSTS.teardownNs + 2 * regionFreeNs(DEFAULT_COSTS, 64);
    const read = stageNs(DEFAULT_COSTS.read, 33233) + stageNs(DEFAULT_COSTS.checkSignature, 33233);
    const ratio = r.lastReturnNs / (n * oneLoad);
    expect(ratio).toBeGreaterThanOrEqual(1);
    expect(ratio).toBeLessThanOrEqual(1 + read / (n * oneLoad) + 0.01);
    // merge under the same burst returns after one read and one load.
    const merged = runBurst({ strategy: 'merge', requests: n, cpus: 64, init: 'ENODEV' });
    const expected = (read + n * oneLoad) / (read + oneLoad);
    expect(Math.abs(r.lastReturnNs / merged.lastReturnNs / expected - 1)).toBeLessThan(0.02);
  });
});

describe("Debian's 6.1 kernel (v6.2) under QEMU with 8 vCPUs", () => {
  const rows = [
    { module: 'pcc-cpufreq', size: 33233, init: 'ENODEV' as const, n: 2, results: { EBUSY: 1, ENODEV: 1 }, formed: 1 },
    { module: 'pcc-cpufreq', size: 33233, init: 'ENODEV' as const, n: 32, results: { EBUSY: 31, ENODEV: 1 }, formed: 1 },
    { module: 'pcc-cpufreq', size: 33233, init: 'ENODEV' as const, n: 64, results: { EBUSY: 62, ENODEV: 2 }, formed: 2 },
    { module: 'dummy', size: 17497, init: 0 as const, n: 8, results: { '0': 1, EEXIST: 7 }, formed: 1 },
    { module: 'dummy', size: 17497, init: 0 as const, n: 64, results: { '0': 1, EEXIST: 63 }, formed: 1 },
  ];
  for (const row of rows) {
    it(`${row.module}, N = ${row.n}: ${JSON.stringify(row.results)}, formed ${row.formed}`, () => {
      const r = runBurst({ strategy: 'v6.2', requests: row.n, cpus: 8, init: row.init, size: row.size });
      expect(r.results).toEqual(row.results);
      expect(r.initCalls).toBe(row.formed);
    });
  }

  it('time to the last return grows with N: every duplicate still reads and verifies the file', () => {
    const t = [8, 32, 64].map((n) => runBurst({ strategy: 'v6.2', requests: n, cpus: 8, init: 0, size: 17497 }).lastReturnNs);
    expect(t[1]).toBeGreaterThan(t[0] as number);
    expect(t[2]).toBeGreaterThan(t[1] as number);
  });

  it('idempotent forms one load at N = 64, where v6.2 forms two', () => {
    const r = runBurst({ strategy: 'idempotent', requests: 64, cpus: 8, init: 'ENODEV' });
    expect(r.results).toEqual({ ENODEV: 64 });
    expect(r.fullLoads).toBe(1);
  });
});

describe('a retry after the burst settled', () => {
  for (const strategy of STRATEGIES) {
    it(`${strategy}: is a fresh load (init runs again)`, () => {
      const r = runBurst({ strategy, requests: 16, cpus: 16, init: 'ENODEV', thenRetry: true });
      expect(r.retry).toEqual({ result: 'ENODEV', initCalls: 1, returnNs: expect.any(Number) as number });
    });
  }
});

describe('many overlapping duplicates of a 2.5 MB module', () => {
  const size = 2_500_000;
  const fits = Math.floor(DEFAULT_COSTS.moduleAreaBytes / layoutBytes(DEFAULT_COSTS, size));

  it('v6.2: fill the module area, and the loads past it get ENOMEM', () => {
    expect(fits).toBeLessThan(500);
    const r = runBurst({ strategy: 'v6.2', requests: 500, cpus: 500, init: 'ENODEV', size });
    expect(r.allocationFailures).toBe(500 - fits);
    expect(r.results.ENOMEM).toBe(500 - fits);
    expect(r.peakModuleBytes).toBe(fits * layoutBytes(DEFAULT_COSTS, size));
    expect(r.peakModuleBytes).toBeLessThanOrEqual(DEFAULT_COSTS.moduleAreaBytes);
  });

  it('idempotent: only the first load allocates, so none fails', () => {
    const r = runBurst({ strategy: 'idempotent', requests: 500, cpus: 500, init: 'ENODEV', size });
    expect(r.allocationFailures).toBe(0);
    expect(r.results).toEqual({ ENODEV: 500 });
    expect(r.peakModuleBytes).toBe(layoutBytes(DEFAULT_COSTS, size));
  });
});
