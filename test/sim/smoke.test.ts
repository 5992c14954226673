import { describe, expect, it } from 'vitest';
import { Simulation, type Process } from '../../src/sim/index.js';

describe('sim smoke', () => {
  it('runs delays, a CPU pool, a wait queue, a mutex, a completion and join together', () => {
    const sim = new Simulation({ seed: 1 });
    const cpus = sim.cpus(1);
    const wq = sim.waitQueue('moduleWq');
    const lock = sim.mutex('module_mutex');
    const done = sim.completion('done');
    let ready = false;
    const log: string[] = [];

    const worker = sim.spawn('worker', function* () {
      yield* cpus.run(100);
      yield* lock.lock();
      yield* sim.delay(50);
      ready = true;
      wq.wakeUpAll();
      lock.unlock();
      done.complete();
      return 42;
    });
    sim.spawn('waiter', function* () {
      const r = yield* wq.waitEvent(() => ready);
      log.push(`wq ${r} at ${sim.now}`);
      yield* lock.lock();
      log.push(`lock at ${sim.now}`);
      lock.unlock();
    });
    sim.spawn('joiner', function* () {
      const c = yield* done.wait();
      const j = yield* worker.join();
      log.push(`${c} ${JSON.stringify(j)} at ${sim.now}`);
    });
    sim.run();
    expect(log).toEqual(['wq ok at 150', 'lock at 150', 'completed {"killed":false,"value":42} at 150']);
    expect(sim.blocked()).toEqual([]);
    expect(sim.liveCount).toBe(0);
  });

  it('reports a process blocked forever', () => {
    const sim = new Simulation();
    const wq = sim.waitQueue();
    const p: Process<void> = sim.spawn('stuck', function* () {
      yield* wq.waitEvent(() => false);
    });
    sim.run();
    expect(sim.blocked()).toEqual([p]);
  });
});
