import { describe, expect, it } from 'vitest';
import { ProcessCrash, Simulation, type ReadyStep } from '../../src/sim/index.js';

/** Spawns `n` waiters on `c.wait(...)` and records each result with its time. */
function waiters(sim: Simulation, n: number, wait: () => Generator<never, string, unknown> | Iterable<unknown>) {
  const got: string[] = [];
  for (let i = 0; i < n; i++) {
    sim.spawn(`w${i}`, function* () {
      const r = yield* wait() as Generator<never, string, unknown>;
      got.push(`w${i} ${r} @${sim.now}`);
    });
  }
  return got;
}

describe('completion', () => {
  it('complete() lets exactly one waiter through per call, first come first served', () => {
    const sim = new Simulation();
    const c = sim.completion('firmware');
    const got = waiters(sim, 3, () => c.wait());
    sim.spawn('completer', function* () {
      yield* sim.delay(10);
      c.complete();
      yield* sim.delay(10);
      c.complete();
    });
    sim.run();
    expect(got).toEqual(['w0 completed @10', 'w1 completed @20']);
    expect(c.waiters).toBe(1);
    expect(c.done).toBe(0);
    expect(sim.blocked().map((p) => p.name)).toEqual(['w2']);
  });

  it('completeAll() wakes every waiter and lets later ones through at once', () => {
    const sim = new Simulation();
    const c = sim.completion();
    const got = waiters(sim, 3, () => c.wait());
    sim.spawn('completer', function* () {
      yield* sim.delay(5);
      c.completeAll();
    });
    sim.spawn('late', function* () {
      yield* sim.delay(7);
      got.push(`late ${yield* c.wait()} @${sim.now}`);
    });
    sim.run();
    expect(got).toEqual(['w0 completed @5', 'w1 completed @5', 'w2 completed @5', 'late completed @7']);
    expect(c.done).toBe(Infinity);
  });

  it('counts completions made before anyone waits, and reinit() forgets them', () => {
    const sim = new Simulation();
    const c = sim.completion();
    c.complete();
    c.complete();
    expect(c.done).toBe(2);
    const got = waiters(sim, 3, () => c.wait({ timeoutNs: 100 }));
    sim.run();
    expect(got).toEqual(['w0 completed @0', 'w1 completed @0', 'w2 timeout @100']);
    c.completeAll();
    c.reinit();
    expect(c.done).toBe(0);
  });

  it('a woken waiter that lost its count to a newcomer sleeps again', () => {
    // At t=10: the completer first, then the newcomer, then the woken w0's own turn.
    const rank = ['completer', 'newcomer', 'w0'];
    const sim = new Simulation({
      chooser: (ready: readonly ReadyStep[]) => {
        const ranks = ready.map((s) => rank.indexOf(s.process.name));
        return ranks.indexOf(Math.min(...ranks));
      },
    });
    const c = sim.completion();
    const got = waiters(sim, 1, () => c.wait({ timeoutNs: 50 }));
    sim.spawn('completer', function* () {
      yield* sim.delay(10);
      c.complete();
    });
    sim.spawn('newcomer', function* () {
      yield* sim.delay(10);
      got.push(`newcomer ${yield* c.wait()} @${sim.now}`);
    });
    sim.run();
    expect(got).toEqual(['newcomer completed @10', 'w0 timeout @50']);
  });
});

describe('timeouts', () => {
  it('a wait-queue wait times out, unless its condition holds at the deadline', () => {
    const sim = new Simulation();
    const wq = sim.waitQueue();
    let flag = false;
    const got: string[] = [];
    sim.spawn('a', function* () {
      got.push(`a ${yield* wq.waitEvent(() => flag, { timeoutNs: 100 })} @${sim.now}`);
    });
    sim.spawn('b', function* () {
      got.push(`b ${yield* wq.waitEvent(() => flag, { timeoutNs: 300 })} @${sim.now}`);
    });
    sim.spawn('setter', function* () {
      yield* sim.delay(200);
      flag = true; // no wake-up: only b's deadline finds it true
    });
    sim.run();
    expect(got).toEqual(['a timeout @100', 'b ok @300']);
  });

  it('a wake-up before the deadline cancels the timeout event', () => {
    const sim = new Simulation();
    const wq = sim.waitQueue();
    let flag = false;
    const got: string[] = [];
    sim.spawn('a', function* () {
      got.push(`${yield* wq.waitEvent(() => flag, { timeoutNs: 1000 })} @${sim.now}`);
    });
    sim.spawn('setter', function* () {
      yield* sim.delay(10);
      flag = true;
      wq.wakeUpAll();
    });
    sim.run({ until: 20 });
    expect(got).toEqual(['ok @10']);
    expect(sim.pending).toBe(0);
  });

  it('a timeout that overtakes a pending wake-up at the same instant: the waiter runs once, then goes on', () => {
    const what: string[] = [];
    const sim = new Simulation({ trace: (r) => what.push(`${r.time} ${r.process} ${r.what}`) });
    const wq = sim.waitQueue('moduleWq');
    let flag = false;
    sim.spawn('waker', function* () {
      yield* sim.delay(100); // scheduled before the waiter's timeout: runs first at 100
      flag = true;
      wq.wakeUpAll();
    });
    sim.spawn('waiter', function* () {
      const r = yield* wq.waitEvent(() => flag, { timeoutNs: 100 });
      sim.trace('waiter', r);
      yield* sim.delay(0); // rescheduled at the instant its dropped wake-up was queued
      sim.trace('waiter', 'after');
    });
    sim.run();
    expect(what).toEqual([
      '0 waker start',
      '0 waiter start',
      '100 waker delay',
      '100 waker exit',
      '100 waiter timeout', // older than the wake-up, which it cancels; the condition holds: 'ok'
      '100 waiter ok',
      '100 waiter delay',
      '100 waiter after',
      '100 waiter exit',
    ]);
  });

  it('timeoutNs 0 returns at once without sleeping', () => {
    const sim = new Simulation();
    const got: string[] = [];
    sim.spawn('a', function* () {
      got.push(yield* sim.waitQueue().waitEvent(() => false, { timeoutNs: 0 }));
      got.push(yield* sim.completion().wait({ timeoutNs: 0 }));
    });
    sim.run();
    expect(got).toEqual(['timeout', 'timeout']);
    expect(sim.steps).toBe(1);
  });
});

describe('join', () => {
  it('returns the value to joiners waiting and to joiners after the end', () => {
    const sim = new Simulation();
    const worker = sim.spawn('worker', function* () {
      yield* sim.delay(5);
      return 'loaded';
    });
    const got: string[] = [];
    for (const at of [0, 10]) {
      sim.spawn(`joiner@${at}`, function* () {
        yield* sim.delay(at);
        const r = yield* worker.join();
        got.push(`${r.killed ? 'killed' : r.value} @${sim.now}`);
      });
    }
    sim.run();
    expect(got).toEqual(['loaded @5', 'loaded @10']);
    expect(worker.state).toBe('done');
    expect(worker.result).toBe('loaded');
  });

  it('joining itself throws EDEADLK into the process', () => {
    const sim = new Simulation();
    let code: unknown;
    sim.spawn('selfish', function* (self) {
      try {
        yield* self.join();
      } catch (error) {
        code = (error as { code?: unknown }).code;
      }
    });
    sim.run();
    expect(code).toBe('EDEADLK');
  });
});

describe('mutex', () => {
  it('hands over in FIFO order, one owner at a time', () => {
    const sim = new Simulation();
    const m = sim.mutex('module_mutex');
    const held: string[] = [];
    for (let i = 0; i < 3; i++) {
      sim.spawn(`p${i}`, function* (self) {
        yield* m.lock();
        expect(m.owner).toBe(self);
        held.push(`p${i} @${sim.now}`);
        yield* sim.delay(10);
        m.unlock();
      });
    }
    sim.run();
    expect(held).toEqual(['p0 @0', 'p1 @10', 'p2 @20']);
    expect(m.owner).toBeNull();
  });

  it('charges handOverNs when ownership passes to a waiter, not for an uncontended lock; a killed waiter passes it on', () => {
    const sim = new Simulation();
    const m = sim.mutex('module_mutex', { handOverNs: 3 });
    const held: string[] = [];
    for (const name of ['p0', 'p1', 'doomed', 'p2']) {
      sim.spawn(name, function* (self) {
        yield* m.lock();
        expect(m.owner).toBe(self);
        held.push(`${name} @${sim.now}`);
        yield* sim.delay(10);
        m.unlock();
      });
    }
    sim.spawn('killer', function* () {
      yield* sim.delay(21); // p1 unlocked at 23; doomed owns the mutex during its hand-over, 23–26
      yield* sim.delay(3);
      const doomed = sim.live().find((p) => p.name === 'doomed');
      doomed?.kill();
    });
    sim.run();
    // p0 at once; p1 10 + 3; doomed would resume at 26 but is killed at 24; p2 gets it at 24 + 3.
    expect(held).toEqual(['p0 @0', 'p1 @13', 'p2 @27']);
    expect(m.owner).toBeNull();
    expect(() => sim.mutex('bad', { handOverNs: -1 })).toThrow(/handOverNs/);
  });

  it('refuses to be unlocked by another process, or when free, and throws EDEADLK on a recursive lock', () => {
    const sim = new Simulation();
    const m = sim.mutex();
    expect(() => m.unlock()).toThrow(/nobody holds/);
    const errors: string[] = [];
    sim.spawn('owner', function* () {
      yield* m.lock();
      try {
        yield* m.lock();
      } catch (error) {
        errors.push((error as { code: string }).code);
      }
      yield* sim.delay(10);
    });
    sim.spawn('thief', function* () {
      yield* sim.delay(1);
      try {
        m.unlock();
      } catch (error) {
        errors.push((error as Error).message);
      }
    });
    sim.run();
    expect(errors).toEqual(['EDEADLK', 'sim: thief unlocks mutex, held by owner']);
  });

  it('an ABBA deadlock leaves both processes blocked', () => {
    const sim = new Simulation();
    const a = sim.mutex('a');
    const b = sim.mutex('b');
    sim.spawn('ab', function* () {
      yield* a.lock();
      yield* sim.delay(1);
      yield* b.lock();
    });
    sim.spawn('ba', function* () {
      yield* b.lock();
      yield* sim.delay(1);
      yield* a.lock();
    });
    sim.run();
    expect(sim.blocked().map((p) => p.name)).toEqual(['ab', 'ba']);
  });
});

describe('engine', () => {
  it('delivers a body exception as ProcessCrash from run()', () => {
    const sim = new Simulation();
    const boom = new Error('boom');
    sim.spawn('bad', function* () {
      yield* sim.delay(3);
      throw boom;
    });
    let caught: unknown;
    try {
      sim.run();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProcessCrash);
    expect((caught as ProcessCrash).cause).toBe(boom);
    expect((caught as ProcessCrash).process.name).toBe('bad');
  });

  it('throws a TypeError into a process that yields something that is not a waitable', () => {
    const sim = new Simulation();
    let message = '';
    sim.spawn('confused', function* () {
      try {
        yield 42 as never;
      } catch (error) {
        message = (error as TypeError).message;
      }
    });
    sim.run();
    expect(message).toMatch(/confused yielded 42/);
  });

  it('a plain `yield` of a waitable works like `yield*`', () => {
    const sim = new Simulation();
    let got: unknown;
    sim.spawn('plain', function* () {
      yield sim.delay(4);
      got = yield sim.waitQueue().waitEvent(() => true);
    });
    sim.run();
    expect(got).toBe('ok');
    expect(sim.now).toBe(4);
  });

  it('stops at until (the clock reads until) and after maxSteps, and resumes later', () => {
    const sim = new Simulation();
    const seen: number[] = [];
    sim.spawn('ticker', function* () {
      for (let i = 0; i < 5; i++) {
        yield* sim.delay(10);
        seen.push(sim.now);
      }
    });
    sim.run({ until: 25 });
    expect(seen).toEqual([10, 20]);
    expect(sim.now).toBe(25);
    sim.run({ maxSteps: 1 });
    expect(seen).toEqual([10, 20, 30]);
    sim.run();
    expect(seen).toEqual([10, 20, 30, 40, 50]);
    expect(sim.steps).toBe(6);
  });

  it('starts a process at a given time, never in the past; refuses run() from inside', () => {
    const sim = new Simulation();
    let startedAt = -1;
    let inner: unknown;
    sim.spawn(
      'later',
      function* () {
        startedAt = sim.now;
        try {
          sim.run();
        } catch (error) {
          inner = error;
        }
        yield* sim.delay(0);
      },
      { at: 500 },
    );
    sim.run();
    expect(startedAt).toBe(500);
    expect(inner).toBeInstanceOf(Error);
    expect(() => sim.spawn('past', function* () {}, { at: 10 })).toThrow(RangeError);
  });

  it('rejects a negative or fractional delay', () => {
    const sim = new Simulation();
    expect(() => sim.delay(-1)).toThrow(RangeError);
    expect(() => sim.delay(0.5)).toThrow(RangeError);
  });
});
