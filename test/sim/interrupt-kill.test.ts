import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/sim/index.js';

describe('interrupt', () => {
  it('ends an interruptible wait early with interrupted; a plain wait ignores the signal', () => {
    const sim = new Simulation();
    const wq = sim.waitQueue('moduleWq');
    const got: string[] = [];
    const soft = sim.spawn('soft', function* () {
      got.push(`soft ${yield* wq.waitEvent(() => false, { interruptible: true })} @${sim.now}`);
    });
    const hard = sim.spawn('hard', function* () {
      got.push(`hard ${yield* wq.waitEvent(() => false, { timeoutNs: 100 })} @${sim.now}`);
    });
    sim.spawn('sender', function* () {
      yield* sim.delay(10);
      soft.interrupt('SIGINT');
      hard.interrupt('SIGINT');
    });
    sim.run();
    expect(got).toEqual(['soft interrupted @10', 'hard timeout @100']);
    expect(wq.waiters).toBe(0);
    expect(soft.signalPending).toBe('SIGINT');
  });

  it('a pending signal ends every later interruptible wait at once, until cleared', () => {
    const sim = new Simulation();
    const c = sim.completion();
    const got: string[] = [];
    sim.spawn('p', function* (self) {
      self.interrupt('SIGTERM');
      got.push(yield* c.wait({ interruptible: true }));
      got.push(yield* sim.waitQueue().waitEvent(() => false, { interruptible: true }));
      self.clearSignal();
      expect(self.signalPending).toBeUndefined();
      got.push(yield* c.wait({ interruptible: true, timeoutNs: 5 }));
    });
    sim.run();
    expect(got).toEqual(['interrupted', 'interrupted', 'timeout']);
    expect(sim.now).toBe(5);
  });

  it('a condition that holds wins over a pending signal, as in the kernel', () => {
    const sim = new Simulation();
    const got: string[] = [];
    const c = sim.completion();
    c.complete();
    sim.spawn('p', function* (self) {
      self.interrupt();
      got.push(yield* sim.waitQueue().waitEvent(() => true, { interruptible: true }));
      got.push(yield* c.wait({ interruptible: true }));
    });
    sim.run();
    expect(got).toEqual(['ok', 'completed']);
  });

  it('a signal and a wake-up at the same instant: the woken waiter re-checks and succeeds', () => {
    const sim = new Simulation();
    const wq = sim.waitQueue();
    let ready = false;
    const got: string[] = [];
    const waiter = sim.spawn('waiter', function* () {
      got.push(yield* wq.waitEvent(() => ready, { interruptible: true }));
    });
    sim.spawn('both', function* () {
      yield* sim.delay(1);
      ready = true;
      wq.wakeUpAll();
      waiter.interrupt();
    });
    sim.run();
    expect(got).toEqual(['ok']);
  });
});

describe('kill', () => {
  it('ends the process at once: no further body code, not even finally; joiners see killed', () => {
    const sim = new Simulation();
    const ran: string[] = [];
    const victim = sim.spawn('victim', function* () {
      try {
        yield* sim.delay(100);
        ran.push('after delay');
      } finally {
        ran.push('finally');
      }
    });
    let joined: unknown;
    sim.spawn('joiner', function* () {
      joined = yield* victim.join();
    });
    sim.spawn('killer', function* () {
      yield* sim.delay(10);
      victim.kill();
    });
    sim.run();
    expect(ran).toEqual([]);
    expect(victim.state).toBe('killed');
    expect(joined).toEqual({ killed: true });
    expect(sim.now).toBe(10); // its delay event is gone
    expect(sim.liveCount).toBe(0);
  });

  it('hands a held mutex to the next waiter, and drops a queued waiter from the mutex', () => {
    const sim = new Simulation();
    const m = sim.mutex('module_mutex');
    const got: string[] = [];
    const owner = sim.spawn('owner', function* () {
      yield* m.lock();
      yield* sim.delay(1000);
      m.unlock();
    });
    const queued = sim.spawn('queued', function* () {
      yield* m.lock();
      got.push('queued got it');
    });
    sim.spawn('next', function* () {
      yield* m.lock();
      got.push(`next got it @${sim.now}`);
      m.unlock();
    });
    sim.spawn('killer', function* () {
      yield* sim.delay(5);
      queued.kill();
      expect(m.waiters).toBe(1);
      owner.kill();
    });
    sim.run();
    expect(got).toEqual(['next got it @5']);
    expect(m.owner).toBeNull();
  });

  it('frees a held CPU for the next in line, and takes a queued process out of the CPU queue', () => {
    const sim = new Simulation();
    const cpus = sim.cpus(1);
    const got: string[] = [];
    const holder = sim.spawn('holder', function* () {
      yield* cpus.run(1000);
    });
    const queued = sim.spawn('queued', function* () {
      yield* cpus.run(10);
      got.push('queued ran');
    });
    sim.spawn('next', function* () {
      yield* cpus.run(10);
      got.push(`next ran until ${sim.now}`);
    });
    sim.spawn('killer', function* () {
      yield* sim.delay(5);
      queued.kill();
      expect(cpus.queued).toBe(1);
      holder.kill();
      expect(cpus.busy).toBe(1);
      expect(cpus.queued).toBe(0);
    });
    sim.run();
    expect(got).toEqual(['next ran until 15']);
    expect(cpus.busy).toBe(0);
  });

  it('removes a wait-queue entry: the queue shrinks and wakeUpAll wakes only the living', () => {
    const sim = new Simulation();
    const wq = sim.waitQueue('moduleWq');
    let ready = false;
    const got: string[] = [];
    const victims = [0, 1, 2].map((i) =>
      sim.spawn(`w${i}`, function* () {
        yield* wq.waitEvent(() => ready, { timeoutNs: 1000 });
        got.push(`w${i}`);
      }),
    );
    sim.spawn('killer', function* () {
      yield* sim.delay(5);
      victims[1]?.kill();
      expect(wq.waiters).toBe(2);
      ready = true;
      wq.wakeUpAll();
    });
    sim.run();
    expect(got).toEqual(['w0', 'w2']);
    expect(sim.now).toBe(5); // the killed waiter's timeout went with it
  });

  it('removes a completion waiter; a count meant for a killed waiter passes to the next one', () => {
    const sim = new Simulation();
    const c = sim.completion();
    const got: string[] = [];
    const ws = [0, 1, 2].map((i) =>
      sim.spawn(`w${i}`, function* () {
        got.push(`w${i} ${yield* c.wait()} @${sim.now}`);
      }),
    );
    sim.spawn('killer', function* () {
      yield* sim.delay(5);
      ws[0]?.kill(); // queued: just gone
      expect(c.waiters).toBe(2);
      c.complete(); // wakes w1...
      ws[1]?.kill(); // ...which dies before its turn: the count goes on to w2
    });
    sim.run();
    expect(got).toEqual(['w2 completed @5']);
    expect(c.done).toBe(0);
    expect(sim.blocked()).toEqual([]);
  });

  it('runs onKill hooks, and a process that kills itself stops at its next yield', () => {
    const sim = new Simulation();
    const got: string[] = [];
    sim.spawn('self', function* (self) {
      self.onKill(() => got.push('hook'));
      self.kill();
      got.push('same step');
      yield* sim.delay(1);
      got.push('never');
    });
    sim.run();
    expect(got).toEqual(['hook', 'same step']);
    expect(sim.pending).toBe(0);
  });

  it('a process that kills itself and then throws is just killed, and the others run on', () => {
    const sim = new Simulation();
    let otherRan = false;
    sim.spawn('self', function* (self) {
      yield* sim.delay(1);
      self.kill();
      throw new Error('after kill');
    });
    sim.spawn('other', function* () {
      yield* sim.delay(2);
      otherRan = true;
    });
    sim.run();
    expect(otherRan).toBe(true);
    expect(sim.liveCount).toBe(0);
    expect(sim.live()).toEqual([]);
  });

  it('kill on an ended process does nothing', () => {
    const sim = new Simulation();
    const p = sim.spawn('quick', function* () {
      yield* sim.delay(1);
      return 1;
    });
    sim.run();
    p.kill();
    expect(p.state).toBe('done');
    expect(p.result).toBe(1);
  });
});
