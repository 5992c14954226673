/**
 * A herd on a mutex-guarded wait (LockedWaitEvent with a settle stage, as
 * module_wq's sleepers re-check under module_mutex) runs its plain steps
 * inline and wakes a herd with one step, but only in the plain loop. The
 * generic loop (a step limit) schedules every step, so the two must give
 * the same run: the same results at the same instants in the same order,
 * the same counts, the same number of steps. Small whole-ns constants make
 * ties at one instant common; sleepers are killed and signalled, and other
 * processes take the mutex in between.
 */
import { describe, expect, it } from 'vitest';
import { LockedWaitEvent, Simulation, type Process } from '../../src/sim/index.js';

type State = 'busy' | 'live' | 'gone';

function herd(seed: number, limitSteps: boolean): string[] {
  const sim = new Simulation({ seed });
  const rnd = sim.random('model');
  const mutex = sim.mutex('m', { handOverNs: 3 });
  const wq = sim.waitQueue('wq');
  const race = sim.random('race');
  const log: string[] = [];
  let wakeUps = 0;
  let acquisitions = 0;
  let rechecks = 0;
  const names = ['a', 'b', 'c'];
  const state = new Map<string, State>(names.map((n) => [n, 'busy']));
  const wakeAll = (): void => {
    wakeUps++;
    wq.wakeUpAll(race);
  };
  const waiters: Process<unknown>[] = [];

  for (let i = 0; i < 24; i++) {
    const name = names[i % names.length] as string;
    waiters.push(
      sim.spawn(
        `w${i}`,
        function* () {
          const r = yield* new LockedWaitEvent<'proceed' | 'exists'>(
            {
              mutex,
              wq,
              holdNs: 2,
              holdStage: 'recheck',
              wakeCount: () => wakeUps,
              onLocked: () => {
                acquisitions++;
                rechecks++;
              },
              cond: () => state.get(name) !== 'busy',
              interruptible: true,
            },
            {
              holdNs: 2,
              holdStage: 'walk',
              onLocked: () => acquisitions++,
              decide: () => {
                const s = state.get(name);
                return s === 'gone' ? 'proceed' : s === 'live' ? 'exists' : undefined;
              },
              waitsAgain: () => state.get(name) === 'busy',
            },
          );
          log.push(`${sim.now} w${i} ${name} ${r}`);
          if (r === 'interrupted') return;
          if (r === 'proceed') {
            state.set(name, 'busy'); // inserted under the mutex it holds
            yield* sim.delay(4);
            mutex.unlock();
            yield* sim.delay(rnd.int(1, 20));
            state.set(name, rnd.int(0, 2) === 0 ? 'live' : 'gone'); // outside the mutex, as LIVE is set
            yield* mutex.lock();
            yield* sim.delay(1);
            mutex.unlock();
            wakeAll();
          } else mutex.unlock();
        },
        { at: rnd.int(0, 6) },
      ),
    );
  }
  // Loads that end at their own times, each waking every sleeper.
  for (let k = 0; k < 10; k++) {
    const name = names[k % names.length] as string;
    sim.spawn(
      `load${k}`,
      function* () {
        yield* mutex.lock();
        yield* sim.delay(rnd.int(1, 4));
        mutex.unlock();
        if (rnd.int(0, 3) === 0) state.set(name, 'live');
        else if (rnd.int(0, 2) === 0) state.set(name, 'gone');
        wakeAll();
        log.push(`${sim.now} load${k}`);
      },
      { at: rnd.int(5, 200) },
    );
  }
  // udev's SIGKILL and a signal, at instants that often tie with the herd's.
  sim.spawn(
    'killer',
    function* () {
      for (let k = 0; k < 4; k++) {
        yield* sim.delay(rnd.int(10, 40));
        (waiters[rnd.int(0, waiters.length)] as Process<unknown>).kill();
        (waiters[rnd.int(0, waiters.length)] as Process<unknown>).interrupt('SIGTERM');
        log.push(`${sim.now} kill/signal`);
      }
    },
    { at: 0 },
  );
  sim.run(limitSteps ? { maxSteps: 1e9 } : {});
  log.push(`end ${sim.now} steps ${sim.steps} acquisitions ${acquisitions} rechecks ${rechecks} wakeUps ${wakeUps}`);
  return log;
}

describe('a herd run inline is the herd run step by step', () => {
  it.each(Array.from({ length: 30 }, (_, i) => i))('seed %i', (seed) => {
    const inline = herd(seed, false);
    expect(inline).toEqual(herd(seed, true));
    // Not a trivial run: several rounds of re-checks by many sleepers.
    expect(Number(/rechecks (\d+)/.exec(inline.at(-1) as string)?.[1])).toBeGreaterThan(30);
  });
});
