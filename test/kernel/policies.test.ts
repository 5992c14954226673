/** Where each strategy detects a duplicate, and what that costs or returns. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_COSTS, POLICIES, STRATEGIES, layoutBytes, type SyscallResult } from '../../src/kernel/index.js';
import { NS_PER_MS } from '../../src/sim/index.js';
import { load, machine, moduleFile } from './helpers.js';

describe('the registry', () => {
  it('has a policy for every strategy, and nothing else', () => {
    expect(Object.keys(POLICIES).sort()).toEqual([...STRATEGIES].sort());
  });
});

describe('v6.4 checks before allocating', () => {
  const file = moduleFile('big', { size: 1_000_000, init: { result: 0, ns: 20 * NS_PER_MS } });
  const image = layoutBytes(DEFAULT_COSTS, file.size);

  for (const [strategy, peakImages, point] of [
    ['v6.2', 2, 'addUnformed'],
    ['v6.4', 1, 'earlyCheck'],
  ] as const) {
    it(`${strategy}: a request arriving during the first load's init is answered at ${point}`, () => {
      const m = machine(strategy, [file]);
      load(m, file);
      const late = load(m, file, 10 * NS_PER_MS);
      m.sim.run();
      expect(late.result).toBe('EEXIST');
      expect(m.kernel.stats.duplicates[point]).toBe(1);
      expect(m.kernel.stats.peakModuleAreaBytes).toBe(peakImages * image);
    });
  }
});

describe('merge against a module already in the list', () => {
  it('LIVE → EEXIST at once; an old one GOING (being unloaded) → EBUSY', () => {
    const file = moduleFile('m', { init: { result: 0, ns: 0 } });
    const m = machine('merge', [file], 8, { unloadNs: 50 * NS_PER_MS });
    load(m, file);
    m.sim.run();
    const live = load(m, file, m.sim.now);
    m.sim.run();
    expect(live.result).toBe('EEXIST');
    expect(m.kernel.stats.duplicates.afterHeader).toBe(1);
    const t = m.sim.now;
    m.sim.spawn('rmmod', (self) => m.kernel.deleteModule(self, 'm')[Symbol.iterator]());
    const going = load(m, file, t + 1 * NS_PER_MS);
    m.sim.run();
    expect(going.result).toBe('EBUSY');
    // The unload finished; a request now is a fresh load.
    const fresh = load(m, file, m.sim.now);
    m.sim.run();
    expect(fresh.result).toBe(0);
    expect(m.kernel.stats.fullLoads).toBe(2);
  });
});

describe('init_module (from a user buffer)', () => {
  it('bypasses the idempotent entry check: the second call is caught at step 5 instead', () => {
    const file = moduleFile('m', { init: { result: 0, ns: 20 * NS_PER_MS } });
    for (const [call, expected] of [
      ['finitModule', { atEntry: 1, addUnformed: 0 }],
      ['initModule', { atEntry: 0, addUnformed: 1 }],
    ] as const) {
      const m = machine('idempotent', [file]);
      const results: SyscallResult[] = [];
      for (let i = 0; i < 2; i++) {
        m.sim.spawn(`p${i}`, function* (self) {
          results.push(yield* m.kernel[call](self, file.path));
        });
      }
      m.sim.run();
      expect(results.sort()).toEqual(call === 'finitModule' ? [0, 0] : [0, 'EEXIST']);
      expect(m.kernel.stats.duplicates).toMatchObject(expected);
    }
  });

  it('does not read the file: it returns earlier than finit_module by the read time', () => {
    const file = moduleFile('m', { init: { result: 0, ns: 0 } });
    const ends: number[] = [];
    for (const call of ['finitModule', 'initModule'] as const) {
      const m = machine('mainline', [file]);
      m.sim.spawn('p', function* (self) {
        yield* m.kernel[call](self, file.path);
        ends.push(m.sim.now);
      });
      m.sim.run();
    }
    const read = Math.round(DEFAULT_COSTS.read.fixedNs + DEFAULT_COSTS.read.perByteNs * file.size);
    expect((ends[0] as number) - (ends[1] as number)).toBe(read);
  });
});

describe('a path with no module file', () => {
  it('fails with ENOENT', () => {
    const m = machine('mainline', []);
    let r: SyscallResult | undefined;
    m.sim.spawn('p', function* (self) {
      r = yield* m.kernel.finitModule(self, '/lib/modules/nope.ko');
    });
    m.sim.run();
    expect(r).toBe('ENOENT');
  });
});

describe('an init whose outcome changes between calls (InitBehaviour.results)', () => {
  it('fails on the first load and succeeds on the retry, in every strategy', () => {
    for (const strategy of STRATEGIES) {
      const file = moduleFile('flaky', { init: { result: 'ENODEV', results: ['ENODEV', 0], ns: NS_PER_MS } });
      const m = machine(strategy, [file]);
      const first = load(m, file);
      m.sim.run();
      const retry = load(m, file, m.sim.now);
      m.sim.run();
      const again = load(m, file, m.sim.now);
      m.sim.run();
      expect([first.result, retry.result, again.result], strategy).toEqual(['ENODEV', 0, 'EEXIST']);
      expect(m.kernel.initCallsByPath.get(file.path), strategy).toBe(2);
    }
  });
});
