/**
 * The counters of kernel/module/stats.c, and memory accounting: they must
 * add up whatever the strategy.
 */
import { describe, expect, it } from 'vitest';
import { DETECTION_POINTS, STRATEGIES, type StrategyId } from '../../src/kernel/index.js';
import { NS_PER_MS } from '../../src/sim/index.js';
import { load, machine, moduleFile } from './helpers.js';

function burst(strategy: StrategyId, compressed: boolean) {
  const size = 40_000;
  const file = moduleFile('m', { size, compressed, init: { result: 'ENODEV', ns: 20 * NS_PER_MS } });
  const m = machine(strategy, [file], 8);
  // Two waves: one overlapping the first load, one arriving around its end.
  for (let i = 0; i < 24; i++) load(m, file, i < 16 ? 0 : 22 * NS_PER_MS);
  m.sim.run();
  return { stats: m.kernel.stats.snapshot(), size, len: compressed ? size * m.kernel.costs.decompressedSizeFactor : size, m };
}

describe('counters add up', () => {
  for (const strategy of STRATEGIES) {
    for (const compressed of [false, true]) {
      it(`${strategy}${compressed ? ', compressed' : ''}`, () => {
        const { stats, size, len, m } = burst(strategy, compressed);
        const returned = Object.values(stats.results).reduce((a, b) => a + b, 0);
        expect(returned).toBe(24);
        expect(stats.loadsAttempted).toBe(24);
        const answered = DETECTION_POINTS.reduce((n, p) => n + stats.duplicates[p], 0);
        // Every request either was answered at a detection point or ran init (no ENOMEM, no symbol here).
        expect(answered + stats.initFailures).toBe(24);
        // A full load got past layout_and_allocate(): every request but those answered before it.
        expect(stats.fullLoads).toBe(24 - stats.duplicates.atEntry - stats.duplicates.afterHeader - stats.duplicates.earlyCheck);
        expect(stats.results.ENODEV ?? 0).toBeGreaterThanOrEqual(1);
        // stats.c: becoming = len (+ compressed len) per failure, mod = 2·len (+ compressed len).
        const extra = compressed ? size : 0;
        expect(stats.invalidBecomingBytes).toBe(stats.failedBecoming * (len + extra));
        expect(stats.invalidModBytes).toBe(stats.failedLoadModules * (2 * len + extra));
        expect(stats.virtualMemoryWasted).toBe(
          stats.invalidKreadBytes + stats.invalidDecompressBytes + stats.invalidBecomingBytes + stats.invalidModBytes,
        );
        // Requests answered before allocation wasted their read ("becoming"); after it, read and image ("mod").
        const beforeAllocation = stats.duplicates.afterHeader + stats.duplicates.earlyCheck;
        expect(stats.failedBecoming).toBe(beforeAllocation);
        expect(stats.failedLoadModules).toBe(stats.duplicates.addUnformed);
        // Everything was given back.
        expect(stats.vmallocBytes).toBe(0);
        expect(stats.moduleAreaBytes).toBe(0);
        expect(stats.peakVmallocBytes).toBeGreaterThan(0);
        expect(m.kernel.procModules()).toBe('');
      });
    }
  }

  it('a successful load keeps its image and is counted as loaded', () => {
    const file = moduleFile('ok', { init: { result: 0, ns: 0 } });
    const m = machine('mainline', [file]);
    load(m, file);
    m.sim.run();
    const s = m.kernel.stats.snapshot();
    expect(s).toMatchObject({ loadsAttempted: 1, fullLoads: 1, modulesLoaded: 1, initFailures: 0, results: { '0': 1 }, failedLoads: {} });
    expect(s.moduleAreaBytes).toBeGreaterThanOrEqual(file.size);
    expect(s.vmallocBytes).toBe(0);
    expect(s.virtualMemoryWasted).toBe(0);
  });
});

describe('observers', () => {
  it('see every syscall entry and return, init call, and dedup decision', () => {
    const file = moduleFile('m', { init: { result: 'ENODEV', ns: 5 * NS_PER_MS } });
    const m = machine('merge', [file]);
    const log: string[] = [];
    m.kernel.observe({
      syscallEntry: (e) => log.push(`enter ${e.request} ${e.call} ${e.module}`),
      syscallReturn: (e) => log.push(`return ${e.request} ${e.result}`),
      init: (e) => log.push(e.result === undefined ? `init ${e.request}` : `init ${e.request} -> ${e.result}`),
      dedup: (e) => log.push(`dedup ${e.request} ${e.point} ${e.decision}${e.result === undefined ? '' : ` ${e.result}`}`),
    });
    load(m, file);
    load(m, file);
    m.sim.run();
    expect(log).toEqual([
      'enter 1 finit_module m',
      'enter 2 finit_module m',
      'dedup 1 afterHeader lead',
      'dedup 2 afterHeader wait',
      'init 1',
      'init 1 -> ENODEV',
      'return 1 ENODEV',
      'dedup 2 afterHeader return EBUSY',
      'return 2 EBUSY',
    ]);
  });

  it('can be detached', () => {
    const file = moduleFile('m', { init: { result: 0, ns: 0 } });
    const m = machine('v6.2', [file]);
    let seen = 0;
    const off = m.kernel.observe({ syscallEntry: () => seen++ });
    load(m, file);
    m.sim.run();
    off();
    load(m, file, m.sim.now);
    m.sim.run();
    expect(seen).toBe(1);
  });
});
