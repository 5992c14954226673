/**
 * No lost wake-up: under every order of simultaneous steps, consumers
 * sleeping on a wait queue see every item producers add. A control model
 * that checks and sleeps in two steps must be caught hanging, which shows
 * the exploration reaches the orders that matter.
 */
import { describe, expect, it } from 'vitest';
import { Simulation, type TieChooser } from '../../src/sim/index.js';
import { exploreAll } from './explore.js';

interface Model {
  sim: Simulation;
  consumed: () => number;
}

/** `producers` each add one item; `consumers` each take one. */
function producerConsumer(chooser: TieChooser, producers: number, consumers: number, racy: boolean): Model {
  const sim = new Simulation({ chooser });
  const wq = sim.waitQueue('itemsWq');
  let items = 0;
  let wakeups = 0;
  let consumed = 0;
  for (let i = 0; i < consumers; i++) {
    sim.spawn(`consumer${i}`, function* () {
      if (racy) {
        // Checks, is preempted, then sleeps on a stale view: the classic lost wake-up.
        while (items === 0) {
          yield* sim.delay(0);
          const seen = wakeups;
          yield* wq.waitEvent(() => wakeups !== seen);
        }
      } else {
        yield* wq.waitEvent(() => items > 0);
      }
      items--;
      consumed++;
    });
  }
  for (let i = 0; i < producers; i++) {
    sim.spawn(`producer${i}`, function* () {
      yield* sim.delay(0);
      items++;
      wakeups++;
      wq.wakeUpAll();
    });
  }
  return { sim, consumed: () => consumed };
}

function explore(producers: number, consumers: number, racy: boolean): { runs: number; hung: number } {
  let hung = 0;
  const models = new WeakMap<Simulation, Model>();
  const { runs } = exploreAll(
    (chooser) => {
      const m = producerConsumer(chooser, producers, consumers, racy);
      models.set(m.sim, m);
      return m.sim;
    },
    (sim) => {
      const m = models.get(sim) as Model;
      if (sim.blocked().length > 0) {
        hung++;
        return;
      }
      expect(m.consumed()).toBe(consumers);
      expect(sim.liveCount).toBe(0);
    },
  );
  return { runs, hung };
}

describe('wait queue: no lost wake-up under every tie order', () => {
  it.each([
    [1, 1],
    [2, 1],
    [2, 2],
    [3, 2],
  ])('%i producers, %i consumers: every order ends with every item consumed', (producers, consumers) => {
    const { runs, hung } = explore(producers, consumers, false);
    expect(hung).toBe(0);
    expect(runs).toBeGreaterThan(1); // there really were ties to explore
  });

  it('surplus consumers are left blocked (and reported), never woken without an item', () => {
    let checked = 0;
    exploreAll(
      (chooser) => producerConsumer(chooser, 1, 2, false).sim,
      (sim) => {
        expect(sim.blocked()).toHaveLength(1);
        checked++;
      },
    );
    expect(checked).toBeGreaterThan(1);
  });

  it('the control model that sleeps on a stale check hangs in some order, and only in some', () => {
    const { runs, hung } = explore(1, 1, true);
    expect(hung).toBeGreaterThan(0);
    expect(hung).toBeLessThan(runs);
  });
});

describe('wakeUpAll with a race', () => {
  const order = (seed: number, race: boolean): string[] => {
    const sim = new Simulation({ seed });
    const wq = sim.waitQueue('herd');
    const ran: string[] = [];
    let go = false;
    for (let i = 0; i < 8; i++) {
      sim.spawn(`s${i}`, function* () {
        yield* wq.waitEvent(() => go);
        ran.push(`s${i}`);
      });
    }
    sim.spawn('waker', function* () {
      yield* sim.delay(1);
      go = true;
      wq.wakeUpAll(race ? sim.random('herd') : undefined);
    });
    sim.run();
    return ran;
  };

  it('wakes in queue order without one, and in an order drawn from the seed with one: every sleeper once', () => {
    const queued = order(1, false);
    expect(queued).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7']);
    const raced = order(1, true);
    expect([...raced].sort()).toEqual(queued);
    expect(raced).not.toEqual(queued);
    expect(order(1, true)).toEqual(raced);
    expect(order(2, true)).not.toEqual(raced);
  });
});
