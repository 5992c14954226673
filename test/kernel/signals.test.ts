/**
 * Signals and SIGKILL during a load: interruptible waits end with EINTR
 * while the load goes on, and a killed caller's syscall still runs to its
 * end in the kernel (no module is left UNFORMED or COMING forever).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_COSTS, STRATEGIES, layoutBytes, sigkill } from '../../src/kernel/index.js';
import { NS_PER_MS } from '../../src/sim/index.js';
import { load, machine, moduleFile, tally } from './helpers.js';

describe("a waiter's signal", () => {
  it('idempotent: the signalled waiter leaves with EINTR at once; the load goes on for the others', () => {
    const file = moduleFile('pcc_cpufreq', { init: { result: 'ENODEV', ns: 20 * NS_PER_MS } });
    const m = machine('idempotent', [file]);
    const calls = [load(m, file), load(m, file), load(m, file)];
    m.sim.spawn('kill -INT', function* () {
      yield* m.sim.delay(5 * NS_PER_MS);
      calls[1]?.process.interrupt('SIGINT');
    });
    m.sim.run();
    expect(calls[1]?.result).toBe('EINTR');
    expect(calls[1]?.returnedAt).toBe(5 * NS_PER_MS);
    expect(tally(calls)).toEqual({ EINTR: 1, ENODEV: 2 });
    expect(m.kernel.stats.fullLoads).toBe(1);
  });

  for (const strategy of ['merge', 'v5.3', 'v6.2', 'v6.4'] as const) {
    it(`${strategy}: a waiter at the dedup point returns EINTR; the load finishes`, () => {
      const file = moduleFile('pcc_cpufreq', { init: { result: 0, ns: 20 * NS_PER_MS } });
      const m = machine(strategy, [file]);
      const leader = load(m, file);
      const waiter = load(m, file, 1 * NS_PER_MS);
      m.sim.spawn('kill -INT', function* () {
        yield* m.sim.delay(15 * NS_PER_MS);
        waiter.process.interrupt('SIGINT');
      });
      m.sim.run();
      expect(waiter.result).toBe('EINTR');
      // At once, but for re-taking module_mutex and (after allocation) freeing the image's regions: µs.
      expect(waiter.returnedAt).toBeGreaterThanOrEqual(15 * NS_PER_MS);
      expect(waiter.returnedAt).toBeLessThan(15.1 * NS_PER_MS);
      expect(leader.result).toBe(0);
      expect(m.kernel.initstate('pcc_cpufreq')).toBe('live');
    });
  }
});

describe('SIGKILL of a process in finit_module', () => {
  for (const strategy of STRATEGIES) {
    it(`${strategy}: the killed loader's syscall still ends; waiters get their results; memory is returned`, () => {
      const file = moduleFile('pcc_cpufreq', { init: { result: 0, ns: 20 * NS_PER_MS } });
      const m = machine(strategy, [file]);
      const leader = load(m, file);
      const others = [load(m, file, 1 * NS_PER_MS), load(m, file, 2 * NS_PER_MS)];
      m.sim.spawn('udevd', function* () {
        yield* m.sim.delay(10 * NS_PER_MS); // during the leader's init
        sigkill(leader.process);
      });
      m.sim.run();
      expect(leader.result).toBeUndefined();
      expect(m.kernel.initstate('pcc_cpufreq')).toBe('live');
      for (const c of others) expect([0, 'EEXIST']).toContain(c.result);
      expect(m.sim.blocked()).toEqual([]);
      expect(m.kernel.stats.vmallocBytes).toBe(0);
      // Only the LIVE module's image is left in the module area.
      expect(m.kernel.stats.moduleAreaBytes).toBe(layoutBytes(DEFAULT_COSTS, file.size));
    });
  }

  it('v5.3: a killed waiter gives its allocation back (its wait ends as if signalled)', () => {
    const file = moduleFile('pcc_cpufreq', { init: { result: 'ENODEV', ns: 20 * NS_PER_MS } });
    const m = machine('v5.3', [file]);
    load(m, file);
    const waiter = load(m, file);
    m.sim.spawn('udevd', function* () {
      yield* m.sim.delay(10 * NS_PER_MS);
      sigkill(waiter.process);
    });
    m.sim.run();
    expect(waiter.process.state).toBe('killed');
    expect(m.kernel.stats.results.get('EINTR')).toBe(1);
    expect(m.kernel.stats.moduleAreaBytes).toBe(0);
    // Both got past allocation; only the leader ran init.
    expect(m.kernel.stats.fullLoads).toBe(2);
    expect(m.kernel.stats.initFailures).toBe(1);
  });
});

describe('an init that asks for its own load (request_module of its own alias)', () => {
  for (const strategy of STRATEGIES) {
    it(`${strategy}: the init waits for a modprobe that waits for the init — both hang`, () => {
      const file = moduleFile('selfish', { init: { result: 0, ns: 1 * NS_PER_MS, requestsOwnLoad: true } });
      const m = machine(strategy, [file]);
      const call = load(m, file);
      m.sim.run();
      expect(call.result).toBeUndefined();
      const hung = m.sim.blocked().map((p) => p.name).sort();
      expect(hung).toEqual(['insmod selfish', 'modprobe selfish']);
      expect(m.kernel.initstate('selfish')).toBe('coming');
    });
  }
});
