/**
 * SPEC §4, one `describe` per required semantic of the merge primitive,
 * through its Promise front end (`Merger`). §4.10 (one core, two front ends)
 * is covered by cases.ts with cases.promise.test.ts and the sim's runner,
 * and by core.test.ts for the core itself.
 */
import { AsyncResource } from 'node:async_hooks';
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Merger, MergeDeadlockError, asyncContextFrameInUse, type Outcome, type RunResult } from '../../src/merge/index.js';
import { deferred, flush, observe } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('§4.1 concurrent requests for one key share one run; each caller learns its role', () => {
  it('runs the body once for five concurrent callers and tells the first it led', async () => {
    const merger = new Merger<string, string>();
    const gate = deferred<string>();
    let bodyRuns = 0;
    const body = (): Promise<string> => {
      bodyRuns++;
      return gate.promise;
    };
    const calls = [1, 2, 3, 4, 5].map(() => merger.run('acpi_cpufreq', body));
    expect(bodyRuns).toBe(1);
    gate.resolve('loaded');
    const results = await Promise.all(calls);
    expect(results.map((r) => r.role)).toEqual(['lead', 'join', 'join', 'join', 'join']);
    expect(results.every((r) => r.value === 'loaded')).toBe(true);
    expect(bodyRuns).toBe(1);
  });

  it('gives different keys runs of their own', async () => {
    const merger = new Merger<string, string>();
    const seen: string[] = [];
    const [a, b] = await Promise.all([
      merger.run('kvm', async () => (seen.push('kvm'), 'kvm done')),
      merger.run('kvm_intel', async () => (seen.push('kvm_intel'), 'kvm_intel done')),
    ]);
    expect(seen.sort()).toEqual(['kvm', 'kvm_intel']);
    expect(a).toEqual({ value: 'kvm done', role: 'lead' });
    expect(b).toEqual({ value: 'kvm_intel done', role: 'lead' });
  });
});

describe('§4.2 the entry is removed when the run completes, so the next request runs again', () => {
  it('after a success', async () => {
    const merger = new Merger<string, number>();
    let bodyRuns = 0;
    const body = async (): Promise<number> => ++bodyRuns;
    await expect(merger.run('k', body)).resolves.toEqual({ value: 1, role: 'lead' });
    expect(merger.inFlight('k')).toBe(false);
    expect(merger.size).toBe(0);
    await expect(merger.run('k', body)).resolves.toEqual({ value: 2, role: 'lead' });
  });

  it('after a rejection: the next request is a fresh run, not a replay of the failure', async () => {
    const merger = new Merger<string, string>();
    const failure = new Error('ENODEV');
    await expect(merger.run('k', () => Promise.reject(failure))).rejects.toBe(failure);
    expect(merger.size).toBe(0);
    await expect(merger.run('k', async () => 'ok')).resolves.toEqual({ value: 'ok', role: 'lead' });
  });

  it('after a synchronous throw, which becomes a rejection and leaves no entry even for a moment after run() returns', async () => {
    const merger = new Merger<string, string>();
    const failure = new Error('thrown synchronously');
    const first = merger.run('k', () => {
      throw failure;
    });
    expect(merger.inFlight('k')).toBe(false);
    const second = merger.run('k', async () => 'ran again');
    await expect(first).rejects.toBe(failure);
    await expect(second).resolves.toEqual({ value: 'ran again', role: 'lead' });
  });

  it('is gone by the time any caller hears the outcome', async () => {
    const merger = new Merger<string, string>();
    const gate = deferred<string>();
    const seenByLeader = merger.run('k', () => gate.promise).then(() => merger.inFlight('k'));
    const seenByJoiner = merger.run('k', () => gate.promise).then(() => merger.inFlight('k'));
    gate.resolve('v');
    expect(await seenByLeader).toBe(false);
    expect(await seenByJoiner).toBe(false);
  });

  it('is gone when the body settles, even though a caller that left is never told', async () => {
    const merger = new Merger<string, string>();
    const gate = deferred<string>();
    const leaving = new AbortController();
    const leader = observe(merger.run('k', () => gate.promise, { signal: leaving.signal }));
    leaving.abort(new Error('gone'));
    await flush();
    expect(merger.inFlight('k')).toBe(true); // nobody waits, but the run goes on
    gate.resolve('v');
    await flush();
    expect(merger.size).toBe(0);
    expect(leader.current.state).toBe('rejected');
  });
});

describe('§4.3 completion removes only its own entry', () => {
  it('an abandoned, forgotten run that settles late leaves the newer run for its key alone', async () => {
    const merger = new Merger<string, string>({ abortWhenAbandoned: true });
    const oldGate = deferred<string>();
    const newGate = deferred<string>();
    const controller = new AbortController();
    const abandoned = merger.run('k', () => oldGate.promise, { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(abandoned).rejects.toThrow('caller gave up');

    const fresh = merger.run('k', () => newGate.promise);
    expect(merger.stats().runs).toBe(2);
    oldGate.resolve('old'); // the old body finishes after all
    await flush();
    expect(merger.inFlight('k')).toBe(true);
    const joiner = merger.run('k', () => Promise.resolve('must not run'));
    newGate.resolve('new');
    await expect(fresh).resolves.toEqual({ value: 'new', role: 'lead' });
    await expect(joiner).resolves.toEqual({ value: 'new', role: 'join' });
    expect(merger.size).toBe(0);
  });
});

describe('§4.4 every outcome reaches every waiter; none hangs', () => {
  async function everyoneHears(outcome: 'resolve' | 'reject'): Promise<void> {
    const merger = new Merger<string, string>();
    const gate = deferred<string>();
    const failure = new Error('EINTR');
    const keepSignal = new AbortController();
    const callers = [
      merger.run('k', () => gate.promise),
      merger.run('k', () => gate.promise),
      merger.run('k', () => gate.promise, { signal: keepSignal.signal }),
      merger.run('k', () => gate.promise, { timeoutMs: 60_000 }),
      merger.run('k', () => gate.promise, { signal: keepSignal.signal, timeoutMs: 60_000 }),
    ].map(observe);
    await flush();
    expect(callers.every((c) => c.current.state === 'pending')).toBe(true);
    if (outcome === 'resolve') gate.resolve('v');
    else gate.reject(failure);
    await flush();
    for (const caller of callers) {
      if (outcome === 'resolve') expect(caller.current).toMatchObject({ state: 'fulfilled', value: { value: 'v' } });
      else expect(caller.current).toEqual({ state: 'rejected', error: failure });
    }
  }

  it('a success reaches the leader and every kind of joiner', () => everyoneHears('resolve'));
  it('a rejection reaches the leader and every kind of joiner, as the same error', () => everyoneHears('reject'));

  it('a synchronous throw reaches a caller that joined while the body was still starting', async () => {
    const merger = new Merger<string, string>({ detectDeadlock: 'full' });
    const outside = new AsyncResource('outside-the-run'); // another async context: not a self-request
    const failure = new Error('init failed');
    let joined: Promise<RunResult<string>> | undefined;
    const leader = merger.run('k', () => {
      joined = outside.runInAsyncScope(() => merger.run('k', () => 'never runs'));
      throw failure;
    });
    await expect(leader).rejects.toBe(failure);
    await expect(joined).rejects.toBe(failure);
    expect(merger.stats()).toMatchObject({ runs: 1, joins: 1, inFlight: 0 });
  });

  it('leaves no abort listener and no timer behind once told', async () => {
    vi.useFakeTimers();
    const merger = new Merger<string, string>();
    const gate = deferred<string>();
    const controller = new AbortController();
    const lead = merger.run('k', () => gate.promise, { signal: controller.signal, timeoutMs: 1_000 });
    const join = merger.run('k', () => gate.promise, { signal: controller.signal, timeoutMs: 1_000 });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(2);
    gate.resolve('v');
    await expect(Promise.all([lead, join])).resolves.toHaveLength(2);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('§4.5 a waiter may leave without cancelling the run', () => {
  it('a joiner with a signal leaves alone while the plain joiners, sharing one frozen result, get the value', async () => {
    const merger = new Merger<string, string>();
    const gate = deferred<string>();
    const leader = merger.run('k', () => gate.promise);
    const plainA = merger.run('k', () => gate.promise);
    const controller = new AbortController();
    const leaving = merger.run('k', () => gate.promise, { signal: controller.signal });
    const plainB = merger.run('k', () => gate.promise);
    expect(plainB).toBe(plainA); // one promise per run for joiners without signal or timeout
    expect(leaving).not.toBe(plainA);
    controller.abort('gone');
    await expect(leaving).rejects.toBe('gone');
    gate.resolve('v');
    const [lead, a, b] = await Promise.all([leader, plainA, plainB]);
    expect(lead).toEqual({ value: 'v', role: 'lead' });
    expect(a).toBe(b);
    expect(a).toEqual({ value: 'v', role: 'join' });
    expect(Object.isFrozen(a)).toBe(true);
    expect(merger.stats()).toEqual({ runs: 1, joins: 3, leaves: 1, inFlight: 0 });
  });

  it('a joiner leaves by its AbortSignal and rejects with the signal’s reason; the others still get the value', async () => {
    const merger = new Merger<string, string>();
    const gate = deferred<string>();
    let runSignal: AbortSignal | undefined;
    const leader = merger.run('k', (signal) => ((runSignal = signal), gate.promise));
    const controller = new AbortController();
    const leaving = merger.run('k', () => gate.promise, { signal: controller.signal });
    const staying = merger.run('k', () => gate.promise);
    const reason = new Error('udev worker killed');
    controller.abort(reason);
    await expect(leaving).rejects.toBe(reason);
    expect(runSignal?.aborted).toBe(false);
    gate.resolve('v');
    await expect(leader).resolves.toEqual({ value: 'v', role: 'lead' });
    await expect(staying).resolves.toEqual({ value: 'v', role: 'join' });
    expect(merger.stats()).toEqual({ runs: 1, joins: 2, leaves: 1, inFlight: 0 });
  });

  it('the leader may leave too: the run goes on for its joiners', async () => {
    const merger = new Merger<string, string>();
    const gate = deferred<string>();
    const controller = new AbortController();
    const leader = merger.run('k', () => gate.promise, { signal: controller.signal });
    const joiner = merger.run('k', () => gate.promise);
    controller.abort('leader left');
    await expect(leader).rejects.toBe('leader left');
    expect(merger.inFlight('k')).toBe(true);
    gate.resolve('v');
    await expect(joiner).resolves.toEqual({ value: 'v', role: 'join' });
  });

  it('timeoutMs: the caller rejects with an error named TimeoutError; the run goes on', async () => {
    vi.useFakeTimers();
    const merger = new Merger<string, string>();
    const gate = deferred<string>();
    const leader = merger.run('k', () => gate.promise);
    const impatient = observe(merger.run('k', () => gate.promise, { timeoutMs: 180 }));
    await vi.advanceTimersByTimeAsync(179);
    expect(impatient.current.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(impatient.current).toMatchObject({ state: 'rejected', error: { name: 'TimeoutError' } });
    expect(merger.inFlight('k')).toBe(true);
    gate.resolve('v');
    await expect(leader).resolves.toEqual({ value: 'v', role: 'lead' });
    expect(merger.stats().leaves).toBe(1);
  });

  it('a signal already aborted rejects at once, starts nothing and counts nothing', async () => {
    const merger = new Merger<string, string>();
    let bodyRuns = 0;
    const reason = new Error('too late');
    await expect(merger.run('k', async () => (bodyRuns++, 'v'), { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(bodyRuns).toBe(0);
    expect(merger.stats()).toEqual({ runs: 0, joins: 0, leaves: 0, inFlight: 0 });
  });

  it.each([-1, Number.NaN, 2 ** 31])('rejects timeoutMs %s with a RangeError', async (timeoutMs) => {
    const merger = new Merger<string, string>();
    await expect(merger.run('k', async () => 'v', { timeoutMs })).rejects.toBeInstanceOf(RangeError);
    expect(merger.stats().runs).toBe(0);
  });

  describe('abortWhenAbandoned', () => {
    it('aborts the run’s signal only when the last caller has left, with that caller’s reason', async () => {
      const merger = new Merger<string, string>({ abortWhenAbandoned: true });
      const gate = deferred<string>();
      let runSignal: AbortSignal | undefined;
      const first = new AbortController();
      const second = new AbortController();
      const a = merger.run('k', (signal) => ((runSignal = signal), gate.promise), { signal: first.signal });
      const b = merger.run('k', () => gate.promise, { signal: second.signal });
      first.abort(new Error('first left'));
      await expect(a).rejects.toThrow('first left');
      expect(runSignal?.aborted).toBe(false);
      second.abort(new Error('second left'));
      await expect(b).rejects.toThrow('second left');
      expect(runSignal?.aborted).toBe(true);
      expect(runSignal?.reason).toEqual(new Error('second left'));
      expect(merger.stats()).toEqual({ runs: 1, joins: 1, leaves: 2, inFlight: 0 });
    });

    it('forgets the abandoned run: the next request starts afresh instead of joining an aborted run', async () => {
      const merger = new Merger<string, string>({ abortWhenAbandoned: true });
      const controller = new AbortController();
      const gone = merger.run('k', (signal) => new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), {
        signal: controller.signal,
      });
      controller.abort(new Error('left'));
      await expect(gone).rejects.toThrow('left');
      await expect(merger.run('k', async () => 'fresh')).resolves.toEqual({ value: 'fresh', role: 'lead' });
    });

    it('never aborts while a caller without signal or timeout is still there', async () => {
      const merger = new Merger<string, string>({ abortWhenAbandoned: true });
      const gate = deferred<string>();
      let runSignal: AbortSignal | undefined;
      const controller = new AbortController();
      const leader = merger.run('k', (signal) => ((runSignal = signal), gate.promise), { signal: controller.signal });
      const steady = merger.run('k', () => gate.promise);
      controller.abort('bye');
      await expect(leader).rejects.toBe('bye');
      expect(runSignal?.aborted).toBe(false);
      gate.resolve('v');
      await expect(steady).resolves.toEqual({ value: 'v', role: 'join' });
    });

    it('without the option, a run nobody waits for goes on and a later caller joins it', async () => {
      const merger = new Merger<string, string>();
      const gate = deferred<string>();
      let runSignal: AbortSignal | undefined;
      const controller = new AbortController();
      const leader = merger.run('k', (signal) => ((runSignal = signal), gate.promise), { signal: controller.signal });
      controller.abort('bye');
      await expect(leader).rejects.toBe('bye');
      expect(runSignal?.aborted).toBe(false);
      const late = merger.run('k', () => Promise.resolve('must not run'));
      gate.resolve('v');
      await expect(late).resolves.toEqual({ value: 'v', role: 'join' });
    });
  });
});

// A regression here is a hang: fail in seconds, not at the suite's 60 s limit.
describe('§4.6 a request for a key from inside its own run fails at once with EDEADLK', { timeout: 5_000 }, () => {
  it('after an await inside the body, under full detection', async () => {
    const merger = new Merger<string, string>({ detectDeadlock: 'full' });
    expect(merger.detection).toBe('full');
    const result = await merger.run('pcc_cpufreq', async () => {
      await flush();
      const self = observe(merger.run('pcc_cpufreq', async () => 'never'));
      await Promise.resolve();
      expect(self.current).toMatchObject({ state: 'rejected', error: { code: 'EDEADLK' } });
      return 'outer finished';
    });
    expect(result).toEqual({ value: 'outer finished', role: 'lead' });
  });

  it('synchronously inside the body, also with signal and timeout options', async () => {
    const merger = new Merger<string, string>();
    let plain: Promise<RunResult<string>> | undefined;
    let withOptions: Promise<RunResult<string>> | undefined;
    await merger.run('k', async () => {
      plain = merger.run('k', async () => 'never');
      withOptions = merger.run('k', async () => 'never', { signal: new AbortController().signal, timeoutMs: 10 });
      return 'v';
    });
    await expect(plain).rejects.toBeInstanceOf(MergeDeadlockError);
    await expect(withOptions).rejects.toMatchObject({ code: 'EDEADLK', key: 'k' });
    expect(merger.stats()).toEqual({ runs: 1, joins: 0, leaves: 0, inFlight: 0 });
  });

  it('through a nested run of another key (a → b → a), under full detection', async () => {
    const merger = new Merger<string, string>({ detectDeadlock: 'full' });
    const outer = merger.run('a', async () => {
      const inner = await merger.run('b', async () => {
        await flush();
        return (await merger.run('a', async () => 'never')).value;
      });
      return inner.value;
    });
    await expect(outer).rejects.toMatchObject({ code: 'EDEADLK' });
  });

  it('is not raised for another merger, another key, or a call made after the run settled', async () => {
    const loads = new Merger<string, string>();
    const other = new Merger<string, string>();
    const timerFired = deferred<void>();
    let late: Promise<RunResult<string>> | undefined;
    const result = await loads.run('k', async () => {
      const sameKeyElsewhere = await other.run('k', async () => 'other merger');
      const otherKey = await loads.run('k2', async () => 'other key');
      setTimeout(() => {
        late = loads.run('k', async () => 'fresh run'); // still in this body's async context
        timerFired.resolve();
      }, 0);
      return `${sameKeyElsewhere.value} + ${otherKey.value}`;
    });
    expect(result.value).toBe('other merger + other key');
    await timerFired.promise;
    await expect(late).resolves.toEqual({ value: 'fresh run', role: 'lead' });
  });

  it('a key that describes badly (null prototype) still gets a clear message', async () => {
    const merger = new Merger<object, string>();
    const key = Object.create(null) as object;
    const error = await merger
      .run(key, async () => {
        await merger.run(key, async () => 'never');
        return 'v';
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MergeDeadlockError);
    expect((error as Error).message).toContain('EDEADLK');
  });

  it('by default: sync on every Node (full is opt-in, whatever AsyncLocalStorage is built on)', () => {
    expect(new Merger().detection).toBe('sync');
    expect(new Merger({ detectDeadlock: 'full' }).detection).toBe('full');
    expect(new Merger({ detectDeadlock: true }).detection).toBe(new Merger().detection);
    expect(new Merger({ detectDeadlock: 'sync' }).detection).toBe('sync');
    expect(new Merger({ detectDeadlock: false }).detection).toBe('none');
    expect(asyncContextFrameInUse()).toBe(Number(process.versions.node.split('.')[0]) >= 24 && !process.execArgv.includes('--no-async-context-frame'));
    expect(() => new Merger({ detectDeadlock: 'yes' as unknown as boolean })).toThrow(TypeError);
  });

  for (const detectDeadlock of [undefined, 'sync', 'full'] as const) {
    it(`synchronously inside the body, and through a synchronous a → b → a, with detectDeadlock ${String(detectDeadlock)} (on every Node)`, async () => {
      const merger = new Merger<string, string>({ detectDeadlock });
      let direct: Promise<RunResult<string>> | undefined;
      let nested: Promise<RunResult<string>> | undefined;
      const a = merger.run('a', async () => {
        direct = merger.run('a', async () => 'never');
        void merger.run('b', () => {
          nested = merger.run('a', async () => 'never');
          return Promise.resolve('b');
        });
        return 'a';
      });
      await expect(a).resolves.toEqual({ value: 'a', role: 'lead' });
      await expect(direct).rejects.toMatchObject({ code: 'EDEADLK', key: 'a' });
      await expect(nested).rejects.toMatchObject({ code: 'EDEADLK', key: 'a' });
      // The synchronous frame is restored however a body returns: a later request from outside is an ordinary one.
      await expect(merger.run('a', async () => 'again')).resolves.toEqual({ value: 'again', role: 'lead' });
    });
  }

  it("under 'sync' detection a request after the body's first await is an ordinary join (what 'full' adds)", async () => {
    const merger = new Merger<string, string>({ detectDeadlock: 'sync' });
    let inner: Promise<RunResult<string>> | undefined;
    const outer = await merger.run('k', async () => {
      await flush();
      inner = merger.run('k', async () => 'never');
      return 'v';
    });
    expect(outer.value).toBe('v');
    await expect(inner).resolves.toEqual({ value: 'v', role: 'join' });
  });

  it('with detectDeadlock: false the check is off: the inner request joins its own run', async () => {
    const merger = new Merger<string, string>({ detectDeadlock: false });
    let inner: Promise<RunResult<string>> | undefined;
    const outer = await merger.run('k', async () => {
      inner = merger.run('k', async () => 'never');
      return 'v';
    });
    expect(outer.value).toBe('v');
    await expect(inner).resolves.toEqual({ value: 'v', role: 'join' });
  });
});

describe('§4.7 mapJoin decides what joiners receive; the leader gets the real outcome', () => {
  it('two plain joiners of one run get the same frozen result object, role join, mapped once', async () => {
    let maps = 0;
    const merger = new Merger<string, string>({
      mapJoin: (outcome) => (maps++, outcome.ok ? { ok: true, value: `${outcome.value} (joined)` } : outcome),
    });
    const gate = deferred<string>();
    const leader = merger.run('k', () => gate.promise);
    const first = merger.run('k', () => gate.promise);
    const second = merger.run('k', () => gate.promise);
    gate.resolve('v');
    const [lead, a, b] = await Promise.all([leader, first, second]);
    expect(lead).toEqual({ value: 'v', role: 'lead' });
    expect(a).toBe(b);
    expect(a).toEqual({ value: 'v (joined)', role: 'join' });
    expect(Object.isFrozen(a)).toBe(true);
    expect(maps).toBe(1);
  });

  it('two plain joiners of one run without mapJoin get the same frozen result object', async () => {
    const merger = new Merger<string, string>();
    const [lead, a, b] = await Promise.all(['lead', 'a', 'b'].map(() => merger.run('k', async () => 'v')));
    expect(lead).toEqual({ value: 'v', role: 'lead' });
    expect(a).toBe(b);
    expect(a).toEqual({ value: 'v', role: 'join' });
    expect(Object.isFrozen(a)).toBe(true);
  });

  // The kernel's `merge` policy: a joiner learns -EEXIST if the load it waited for succeeded, else -EBUSY.
  const kernelMerge = (o: Outcome<string>): Outcome<string> => ({ ok: true, value: o.ok && o.value === '0' ? 'EEXIST' : 'EBUSY' });

  async function loadStorm(mapJoin: (o: Outcome<string>) => Outcome<string>, body: () => Promise<string>) {
    const merger = new Merger<string, string>({ mapJoin });
    const callers = [0, 1, 2].map(() => merger.run('acpi_cpufreq', body));
    return Promise.allSettled(callers);
  }

  it('kernel merge mapping, success: the leader gets 0, joiners EEXIST', async () => {
    const [lead, ...joins] = await loadStorm(kernelMerge, async () => '0');
    expect(lead).toEqual({ status: 'fulfilled', value: { value: '0', role: 'lead' } });
    for (const join of joins) expect(join).toEqual({ status: 'fulfilled', value: { value: 'EEXIST', role: 'join' } });
  });

  it('kernel merge mapping, failure: the leader gets ENODEV, joiners EBUSY', async () => {
    const [lead, ...joins] = await loadStorm(kernelMerge, async () => 'ENODEV');
    expect(lead).toEqual({ status: 'fulfilled', value: { value: 'ENODEV', role: 'lead' } });
    for (const join of joins) expect(join).toEqual({ status: 'fulfilled', value: { value: 'EBUSY', role: 'join' } });
  });

  it('kernel merge mapping, rejected body: the leader rejects, joiners get EBUSY', async () => {
    const failure = new Error('ENOMEM');
    const [lead, ...joins] = await loadStorm(kernelMerge, () => Promise.reject(failure));
    expect(lead).toEqual({ status: 'rejected', reason: failure });
    for (const join of joins) expect(join).toEqual({ status: 'fulfilled', value: { value: 'EBUSY', role: 'join' } });
  });

  it('identity mapping (the idempotent policy): joiners get exactly the leader’s outcome', async () => {
    const identity = (o: Outcome<string>): Outcome<string> => o;
    const ok = await loadStorm(identity, async () => '0');
    expect(ok.map((s) => s.status === 'fulfilled' && s.value.value)).toEqual(['0', '0', '0']);
    const failure = new Error('EEXIST from init');
    const failed = await loadStorm(identity, () => Promise.reject(failure));
    expect(failed).toEqual([0, 1, 2].map(() => ({ status: 'rejected', reason: failure })));
  });

  it('may turn a success into a rejection for joiners only', async () => {
    const busy = new Error('EBUSY');
    const [lead, join] = await loadStorm(() => ({ ok: false, error: busy }), async () => '0');
    expect(lead).toEqual({ status: 'fulfilled', value: { value: '0', role: 'lead' } });
    expect(join).toEqual({ status: 'rejected', reason: busy });
  });

  it('is called once per run, whatever the number and kind of joiners, and not at all without joiners', async () => {
    const mapJoin = vi.fn((o: Outcome<string>): Outcome<string> => o);
    const merger = new Merger<string, string>({ mapJoin });
    const gate = deferred<string>();
    const callers = [
      merger.run('k', () => gate.promise),
      merger.run('k', () => gate.promise),
      merger.run('k', () => gate.promise, { signal: new AbortController().signal }),
      merger.run('k', () => gate.promise, { timeoutMs: 60_000 }),
    ];
    gate.resolve('v');
    await Promise.all(callers);
    expect(mapJoin).toHaveBeenCalledTimes(1);
    expect(mapJoin).toHaveBeenCalledWith({ ok: true, value: 'v' });
    await merger.run('alone', async () => 'v');
    expect(mapJoin).toHaveBeenCalledTimes(1);
  });

  it('a mapJoin that throws rejects the joiners with what it threw; the leader is unaffected', async () => {
    const broken = new Error('mapJoin bug');
    const [lead, join] = await loadStorm(() => {
      throw broken;
    }, async () => '0');
    expect(lead).toEqual({ status: 'fulfilled', value: { value: '0', role: 'lead' } });
    expect(join).toEqual({ status: 'rejected', reason: broken });
  });
});

describe('§4.8 the key is the caller’s choice', () => {
  it('module names', async () => {
    const merger = new Merger<string, string>();
    const runs: string[] = [];
    const load = (name: string) => merger.run(name, async () => (runs.push(name), name));
    await Promise.all([load('acpi_cpufreq'), load('pcc_cpufreq'), load('acpi_cpufreq')]);
    expect(runs).toEqual(['acpi_cpufreq', 'pcc_cpufreq']);
  });

  it('inode numbers: two paths to one file share a run; a number and its string are different keys', async () => {
    const merger = new Merger<number | string, string>();
    const runs: Array<number | string> = [];
    const load = (inode: number | string) => merger.run(inode, async () => (runs.push(inode), 'v'));
    await Promise.all([load(1_048_577), load(1_048_577), load('1048577')]);
    expect(runs).toEqual([1_048_577, '1048577']);
  });

  it('name + arguments, as a string built from a tuple', async () => {
    const merger = new Merger<string, string>();
    const runs: string[] = [];
    const key = (name: string, args: string) => JSON.stringify([name, args]);
    const load = (name: string, args: string) => merger.run(key(name, args), async () => (runs.push(`${name} ${args}`), 'v'));
    const calls = [load('kvm_intel', 'nested=1'), load('kvm_intel', 'nested=1'), load('kvm_intel', 'nested=0'), load('kvm', 'nested=1')];
    const roles = (await Promise.all(calls)).map((r) => r.role);
    expect(roles).toEqual(['lead', 'join', 'lead', 'lead']);
    expect(runs).toEqual(['kvm_intel nested=1', 'kvm_intel nested=0', 'kvm nested=1']);
  });

  it('objects key by identity, as in a Map', async () => {
    const merger = new Merger<object, string>();
    const a = { name: 'kvm' };
    const lookalike = { name: 'kvm' };
    const roles = (await Promise.all([merger.run(a, async () => 'v'), merger.run(a, async () => 'v'), merger.run(lookalike, async () => 'v')])).map(
      (r) => r.role,
    );
    expect(roles).toEqual(['lead', 'join', 'lead']);
  });

  it('NaN is one key (SameValueZero), as in a Map', async () => {
    const merger = new Merger<number, string>();
    const roles = (await Promise.all([merger.run(Number.NaN, async () => 'v'), merger.run(Number.NaN, async () => 'v')])).map((r) => r.role);
    expect(roles).toEqual(['lead', 'join']);
  });
});

describe('§4.9 counters, and no memory kept per settled key', () => {
  it('counts runs, joins, leaves and keys in flight as they happen', async () => {
    const merger = new Merger<string, string>();
    const gates = { a: deferred<string>(), b: deferred<string>() };
    const leaving = new AbortController();
    const calls = [
      merger.run('a', () => gates.a.promise),
      merger.run('a', () => gates.a.promise),
      merger.run('a', () => gates.a.promise, { signal: leaving.signal }),
      merger.run('b', () => gates.b.promise),
    ].map(observe);
    expect(merger.stats()).toEqual({ runs: 2, joins: 2, leaves: 0, inFlight: 2 });
    leaving.abort('bye');
    await flush();
    expect(merger.stats()).toEqual({ runs: 2, joins: 2, leaves: 1, inFlight: 2 });
    gates.a.resolve('a');
    await flush();
    expect(merger.stats()).toEqual({ runs: 2, joins: 2, leaves: 1, inFlight: 1 });
    gates.b.reject(new Error('b failed'));
    await flush();
    expect(merger.stats()).toEqual({ runs: 2, joins: 2, leaves: 1, inFlight: 0 });
    expect(calls.map((c) => c.current.state)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
  });

  it('holds nothing once 100k distinct keys have settled, however they ended', async () => {
    const merger = new Merger<number, number>();
    const n = 100_000;
    const calls: Promise<unknown>[] = [];
    for (let key = 0; key < n; key++) {
      const call =
        key % 3 === 0
          ? merger.run(key, async () => key)
          : key % 3 === 1
            ? merger.run(key, () => Promise.reject(new Error(String(key))))
            : merger.run(key, () => {
                throw new Error(String(key));
              });
      calls.push(call.catch(() => undefined));
    }
    expect(merger.size).toBe(n - Math.floor(n / 3)); // synchronous throws never stay in flight
    await Promise.all(calls);
    expect(merger.size).toBe(0);
    expect(merger.stats()).toEqual({ runs: n, joins: 0, leaves: 0, inFlight: 0 });
  });

  it('gives each body that takes a signal its own, so listeners it never removes die with the run', async () => {
    const merger = new Merger<number, number>();
    const signals = new Set<AbortSignal>();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const calls: Promise<unknown>[] = [];
      for (let key = 0; key < 20; key++) {
        calls.push(
          merger.run(key, (signal) => {
            signals.add(signal);
            signal.addEventListener('abort', () => undefined); // never removed
            return flush().then(() => key);
          }),
        );
      }
      await Promise.all(calls);
      await flush();
    } finally {
      process.off('warning', onWarning);
    }
    expect(signals.size).toBe(20);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  const gc = (globalThis as { gc?: () => void }).gc;
  it.runIf(gc !== undefined)('keeps the heap flat across 100k settled keys (only with --expose-gc)', async () => {
    const merger = new Merger<number, { payload: number[] }>();
    const round = async (from: number) => {
      const calls: Promise<unknown>[] = [];
      for (let key = from; key < from + 100_000; key++) calls.push(merger.run(key, async () => ({ payload: [key, key, key, key] })));
      await Promise.all(calls);
    };
    await round(0);
    gc?.();
    const before = process.memoryUsage().heapUsed;
    await round(100_000);
    gc?.();
    const grown = process.memoryUsage().heapUsed - before;
    // 100k retained entries with their values would be well over 10 MB.
    expect(grown).toBeLessThan(2 * 2 ** 20);
  });
});
