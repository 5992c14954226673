/**
 * The bug 6e6de3dee51a fixed: under 5.2, a second request for A
 * that arrives while A's failing load is in flight is told EEXIST; modprobe
 * then loads B, which needs A's symbols, and B fails with "Unknown symbol".
 * Since 5.3 no caller is told A loaded unless A is LIVE.
 */
import { describe, expect, it } from 'vitest';
import { STRATEGIES, type SyscallResult } from '../../src/kernel/index.js';
import { NS_PER_MS } from '../../src/sim/index.js';
import { machine, moduleFile } from './helpers.js';

/**
 * Request 1 loads A; request 2 (as modprobe B) loads A, then B if A "loaded".
 * Request 2 reaches add_unformed_module() (after its ~4.4 ms read and
 * signature check) at `at` + 4.4 ms; A's init runs from ~4.4 ms to ~24.4 ms,
 * then A is GOING through grace period #1 (4 ms at 8 CPUs).
 */
function scenario(strategy: (typeof STRATEGIES)[number], at = 22 * NS_PER_MS) {
  const a = moduleFile('edac_mce_amd', { exports: ['amd_register_ecc_decoder'], init: { result: 'ENODEV', ns: 20 * NS_PER_MS } });
  const b = moduleFile('amd64_edac_mod', { imports: ['amd_register_ecc_decoder'] });
  const m = machine(strategy, [a, b]);
  const toldLoaded: { result: SyscallResult; state: string | undefined }[] = [];
  m.kernel.observe({
    syscallReturn: (e) => {
      if (e.call === 'finit_module' && e.module === a.name && (e.result === 0 || e.result === 'EEXIST')) {
        toldLoaded.push({ result: e.result, state: m.kernel.initstate(a.name) });
      }
    },
  });
  const got: { a2?: SyscallResult; b?: SyscallResult } = {};
  m.sim.spawn('modprobe A', (self) => m.kernel.finitModule(self, a.path)[Symbol.iterator]());
  m.sim.spawn(
    'modprobe B',
    function* (self) {
      got.a2 = yield* m.kernel.finitModule(self, a.path);
      // kmod: EEXIST counts as success, so the dependent module is loaded next.
      if (got.a2 === 0 || got.a2 === 'EEXIST') got.b = yield* m.kernel.finitModule(self, b.path);
    },
    { at },
  );
  m.sim.run();
  return { got, toldLoaded, m };
}

describe('a request for A while its failing load is in flight', () => {
  it('v5.2: arriving while A is GOING, is told EEXIST, and B then fails with Unknown symbol (ENOENT)', () => {
    const { got, toldLoaded } = scenario('v5.2');
    expect(got.a2).toBe('EEXIST');
    expect(got.b).toBe('ENOENT');
    expect(toldLoaded).toEqual([{ result: 'EEXIST', state: 'going' }]);
  });

  for (const strategy of STRATEGIES.filter((s) => s !== 'v5.2')) {
    it(`${strategy}: is never told A loaded, so B is not loaded`, () => {
      const { got, toldLoaded } = scenario(strategy);
      expect(toldLoaded).toEqual([]);
      expect(['ENODEV', 'EBUSY']).toContain(got.a2);
      expect(got.b).toBeUndefined();
    });
  }

  it('v5.3: loads A again itself once the failed one is gone (a second init)', () => {
    const { got, m } = scenario('v5.3');
    expect(got.a2).toBe('ENODEV');
    expect(m.kernel.stats.initFailures).toBe(2);
  });

  it('v5.2: asleep through A\'s init, is not woken at GOING: it finds A gone and loads it again', () => {
    // Arrives during init (COMING): module_wq is woken only once the failed A is freed.
    const { got, toldLoaded, m } = scenario('v5.2', 5 * NS_PER_MS);
    expect(toldLoaded).toEqual([]);
    expect(got.a2).toBe('ENODEV');
    expect(m.kernel.stats.initFailures).toBe(2);
  });
});
