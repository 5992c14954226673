/**
 * The kernel's real locking, wake-ups and teardown, one test per mechanism,
 * each of which fails without it: module_mutex held across free_module()'s
 * grace period, module_wq woken only at the end of a load (a wake at GOING
 * would break the v5.2 and v6.2 cases), one queue for every name (the
 * herd), two grace periods after COMING and one before, a grace period that
 * grows with the CPU count, x86's region frees, and request_module()'s
 * killable wait.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_COSTS, gracePeriodNs, jiffiesTillFirstFqs, regionFreeNs, resolveCosts, sigkill, type CostOverrides } from '../../src/kernel/index.js';
import { shippedProfile } from '../../src/scenario/profile.js';
import { runBurst } from '../../src/scenario/burst.js';
import { NS_PER_MS, NS_PER_S } from '../../src/sim/index.js';
import { load, machine, moduleFile, tally } from './helpers.js';

const failing = (name = 'pcc_cpufreq') => moduleFile(name, { init: { result: 'ENODEV', ns: 20 * NS_PER_MS } });

describe('module_wq is woken only once a failed module is gone', () => {
  it('v5.2: waiters asleep through a failing init wake when it is gone, and each loads again (one init per request)', () => {
    const r = runBurst({ strategy: 'v5.2', requests: 16, cpus: 16, init: 'ENODEV' });
    // A wake at GOING would tell every waiter EEXIST (the false success) after one init.
    expect(r.initCalls).toBe(16);
    expect(r.results).toEqual({ ENODEV: 16 });
  });

  for (const strategy of ['v6.2', 'v6.4'] as const) {
    it(`${strategy}: the waiters of a failing load return EBUSY only after its whole teardown`, () => {
      const file = failing();
      const m = machine(strategy, [file]);
      let unlinkedAt = -1;
      let initEndedAt = -1;
      m.kernel.observe({
        transition: (e) => void (e.to === undefined && (unlinkedAt = e.time)),
        init: (e) => void (e.result !== undefined && (initEndedAt = e.time)),
      });
      const calls = Array.from({ length: 4 }, () => load(m, file));
      m.sim.run();
      expect(tally(calls)).toEqual({ EBUSY: 3, ENODEV: 1 });
      const gp = gracePeriodNs(DEFAULT_COSTS, 8);
      for (const c of calls.filter((c) => c.result === 'EBUSY')) {
        // Woken after grace period #1, the notifiers, free_module()'s grace period #2 and the region frees.
        expect(c.returnedAt).toBeGreaterThan(unlinkedAt + gp);
        expect(c.returnedAt).toBeGreaterThan(initEndedAt + 2 * gp + DEFAULT_COSTS.teardownNs);
      }
    });
  }

  it('one queue for every name: a load of A ending wakes a waiter for B, which re-checks under module_mutex', () => {
    const a = moduleFile('mod_a', { init: { result: 0, ns: 1 * NS_PER_MS } });
    const b = moduleFile('mod_b', { init: { result: 0, ns: 50 * NS_PER_MS } });
    const m = machine('v6.2', [a, b]);
    load(m, b);
    load(m, b, 1 * NS_PER_MS); // waits for B while B's init runs
    m.sim.run({ until: 10 * NS_PER_MS });
    const before = m.kernel.sync.rechecks;
    load(m, a, 10 * NS_PER_MS);
    m.sim.run({ until: 30 * NS_PER_MS });
    // A's read and load (its own duplicate check is no wait) end in one wake-up: B's waiter re-checks once, finds B COMING, sleeps.
    expect(m.kernel.sync.rechecks - before).toBe(1);
    m.sim.run();
    expect(m.kernel.initstate('mod_b')).toBe('live');
  });
});

describe('module_mutex', () => {
  it('is held across free_module()’s grace period: an unrelated load waits for it at add_unformed_module', () => {
    const a = failing('mod_a');
    const b = moduleFile('mod_b', { init: { result: 0, ns: 0 } });
    const gp = 1 * NS_PER_S;
    const m = machine('v6.2', [a, b], 8, { gracePeriodNs: gp });
    let unlinkedAt = -1;
    let bFormedAt = -1;
    m.kernel.observe({
      transition: (e) => {
        if (e.module === 'mod_a' && e.to === undefined) unlinkedAt = e.time;
        if (e.module === 'mod_b' && e.to === 'UNFORMED' && e.from === undefined) bFormedAt = e.time;
      },
    });
    load(m, a);
    // B reaches add_unformed_module while A is in grace period #2 (A: ~4.4 ms read, 20 ms init, 1 s GP #1).
    load(m, b, gp + 100 * NS_PER_MS);
    m.sim.run();
    expect(unlinkedAt).toBeGreaterThan(0);
    expect(bFormedAt).toBeGreaterThanOrEqual(unlinkedAt + gp);
  });

  it('costs time per acquisition and per re-check: a herd of waiters pays for both', () => {
    const base = runBurst({ strategy: 'v5.3', requests: 32, cpus: 32, init: 'ENODEV' });
    const dear = runBurst({ strategy: 'v5.3', requests: 32, cpus: 32, init: 'ENODEV', costs: resolveCosts({ moduleMutexNs: 50_000, recheckNs: 50_000 }, shippedProfile('qemu-8vcpu').kernel) });
    // Each of the 32 serial loads ends in a wake-up of every remaining waiter, each taking the mutex twice.
    expect(dear.lastReturnNs - base.lastReturnNs).toBeGreaterThan(32 * 15 * 100_000);
  });
});

describe('teardown', () => {
  /** How long one request takes with grace periods of 0 and of 1 s: the difference counts its grace periods. */
  function gracePeriods(setup: (costs: CostOverrides) => { run: () => number }): number {
    const at = (gp: number) => setup({ gracePeriodNs: gp }).run();
    return (at(NS_PER_S) - at(0)) / NS_PER_S;
  }

  it('a failed init (after COMING) waits out two grace periods', () => {
    const n = gracePeriods((costs) => {
      const file = failing();
      const m = machine('v6.2', [file], 8, costs);
      const c = load(m, file);
      return { run: () => (m.sim.run(), c.returnedAt as number) };
    });
    expect(n).toBe(2);
  });

  it('a failure before COMING (Unknown symbol) waits out one, under module_mutex', () => {
    const n = gracePeriods((costs) => {
      const file = moduleFile('importer', { imports: ['missing_symbol'] });
      const m = machine('v6.2', [file], 8, costs);
      const c = load(m, file);
      return { run: () => (m.sim.run(), c.returnedAt as number) };
    });
    expect(n).toBe(1);
  });

  it('a duplicate rejected at add_unformed_module waits out none', () => {
    const n = gracePeriods((costs) => {
      const file = moduleFile('dummy', { init: { result: 0, ns: 0 } });
      const m = machine('v6.2', [file], 8, costs);
      load(m, file);
      const dup = load(m, file, 100 * NS_PER_MS);
      return { run: () => (m.sim.run(), (dup.returnedAt as number) - 100 * NS_PER_MS) };
    });
    expect(n).toBe(0);
  });

  it('the grace period grows with the CPU count: Tree RCU’s first FQS scan after 1 + (HZ > 250) + (HZ > 500) + nr_cpu_ids/256 jiffies', () => {
    expect(jiffiesTillFirstFqs(250, 8)).toBe(1);
    expect(jiffiesTillFirstFqs(250, 288)).toBe(2);
    expect(jiffiesTillFirstFqs(1000, 8192)).toBe(35);
    const extra = DEFAULT_COSTS.rcuGraceExtraNs;
    expect(gracePeriodNs(DEFAULT_COSTS, 8)).toBe(4 * NS_PER_MS + extra);
    expect(gracePeriodNs(DEFAULT_COSTS, 8192)).toBe(33 * 4 * NS_PER_MS + extra);
    // One failing load: its two grace periods are 4 ms each at 8 CPUs and 12 ms each at 512.
    const one = (cpus: number) => runBurst({ strategy: 'v6.2', requests: 1, cpus, init: 'ENODEV' }).lastReturnNs;
    expect(one(512) - one(8)).toBeGreaterThanOrEqual(2 * 8 * NS_PER_MS);
  });
});

describe('freeing module memory on x86', () => {
  /** A failing load's return time, with region frees made expensive. */
  const teardown = (strategy: 'v6.2' | 'v6.4', cpus: number) => {
    const file = failing();
    const m = machine(strategy, [file], cpus, { regionFreeNs: 1 * NS_PER_MS, tlbFlushNsPerCpu: 10_000 });
    const c = load(m, file);
    m.sim.run();
    return c.returnedAt as number;
  };

  it('costs an IPI to every CPU per region: more CPUs, longer frees', () => {
    const costs = { ...DEFAULT_COSTS, regionFreeNs: 1 * NS_PER_MS, tlbFlushNsPerCpu: 10_000 };
    expect(regionFreeNs(costs, 100)).toBe(2 * NS_PER_MS);
    // 2 regions before 6.4, each 1 ms + 10 µs per CPU; same grace periods at 8 and 200 CPUs (< 256).
    expect(teardown('v6.2', 200) - teardown('v6.2', 8)).toBe(2 * 192 * 10_000);
  });

  it('frees 2 regions before 6.4 and struct module_memory’s from 6.4', () => {
    const extra = DEFAULT_COSTS.moduleMemoryRegions - 2;
    // (v6.4's early check adds one list walk under module_mutex, taken uncontended.)
    const earlyCheck = DEFAULT_COSTS.recheckNs;
    expect(teardown('v6.4', 8) - teardown('v6.2', 8)).toBe(extra * (1 * NS_PER_MS + 8 * 10_000) + earlyCheck);
  });

  it('vmap_purge_lock serialises the frees of concurrent duplicates', () => {
    const file = moduleFile('dummy', { init: { result: 0, ns: 0 } });
    const m = machine('v6.2', [file], 64, { regionFreeNs: 1 * NS_PER_MS, tlbFlushNsPerCpu: 0 });
    load(m, file);
    const dups = Array.from({ length: 8 }, () => load(m, file, 100 * NS_PER_MS));
    m.sim.run();
    const last = Math.max(...dups.map((d) => d.returnedAt as number));
    // Eight duplicates rejected at once (after a ~4.4 ms read each, side by side), two 1 ms frees each, one at a time.
    expect(last - 100 * NS_PER_MS).toBeGreaterThanOrEqual(16 * NS_PER_MS);
  });
});

describe('request_module() of a module’s own alias', () => {
  it('waits killably: SIGKILL of the loader ends the wait, init goes on, and the inner request returns', () => {
    const file = moduleFile('selfish', { init: { result: 0, ns: 1 * NS_PER_MS, requestsOwnLoad: true } });
    const m = machine('v6.2', [file]);
    const outer = load(m, file);
    const returned = new Map<string, { result: unknown; time: number }>();
    m.kernel.observe({ syscallReturn: (e) => void returned.set(e.process.name, { result: e.result, time: e.time }) });
    m.sim.spawn('udevd', function* () {
      yield* m.sim.delay(180 * NS_PER_S);
      sigkill(outer.process);
    });
    m.sim.run();
    // The killed loader's call ends with 0 (it dies on its way back to user space), after the kill.
    expect(returned.get('insmod selfish')?.result).toBe(0);
    expect(returned.get('insmod selfish')?.time).toBeGreaterThan(180 * NS_PER_S);
    expect(outer.process.state).toBe('killed');
    expect(returned.get('modprobe selfish')?.result).toBe('EEXIST');
    expect(m.kernel.initstate('selfish')).toBe('live');
    expect(m.sim.blocked()).toEqual([]);
  });

  it('a non-fatal signal does not end it', () => {
    const file = moduleFile('selfish', { init: { result: 0, ns: 1 * NS_PER_MS, requestsOwnLoad: true } });
    const m = machine('v6.2', [file]);
    const outer = load(m, file);
    m.sim.spawn('kill -INT', function* () {
      yield* m.sim.delay(10 * NS_PER_MS);
      outer.process.interrupt('SIGINT');
    });
    m.sim.run();
    expect(outer.result).toBeUndefined();
    expect(m.kernel.initstate('selfish')).toBe('coming');
  });
});

describe('idempotent waits, by version', () => {
  for (const [strategy, expected] of [
    ['mainline', 'EINTR'],
    ['v6.5', 'ENODEV'],
  ] as const) {
    // SIGKILL: the killed waiter's call still returns in the kernel (the process then dies).
    it(`${strategy}: a signalled waiter ${expected === 'EINTR' ? 'leaves with EINTR' : 'sleeps on (uninterruptible) and gets the first caller’s result'}`, () => {
      const file = failing();
      const m = machine(strategy, [file]);
      load(m, file);
      const waiter = load(m, file, 1 * NS_PER_MS, 'waiter');
      let got: unknown;
      let at = -1;
      m.kernel.observe({ syscallReturn: (e) => void (e.process.name === 'waiter' && ((got = e.result), (at = e.time))) });
      m.sim.spawn('kill', function* () {
        yield* m.sim.delay(10 * NS_PER_MS);
        sigkill(waiter.process);
      });
      m.sim.run();
      expect(got).toBe(expected);
      // Interruptible: at once; uninterruptible: only when the first caller's load has returned.
      if (expected === 'EINTR') expect(at).toBe(10 * NS_PER_MS);
      else expect(at).toBeGreaterThan(24 * NS_PER_MS);
    });
  }
});

describe('counters', () => {
  it('fullLoads counts loads past layout_and_allocate(); init calls are apart', () => {
    const run = (strategy: 'v6.2' | 'v6.4') => {
      const file = moduleFile('dummy', { init: { result: 0, ns: 20 * NS_PER_MS } });
      const m = machine(strategy, [file]);
      load(m, file);
      for (let i = 0; i < 7; i++) load(m, file, 1 * NS_PER_MS);
      m.sim.run();
      return m.kernel.stats;
    };
    // v6.2 rejects duplicates at add_unformed_module, after allocation: 8 full loads, 1 init.
    expect(run('v6.2').fullLoads).toBe(8);
    expect(run('v6.2').modulesLoaded + run('v6.2').initFailures).toBe(1);
    // v6.4 finds the first one COMING at its early check, before allocation.
    expect(run('v6.4').fullLoads).toBe(1);
  });
});
