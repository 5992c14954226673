import { describe, expect, it } from 'vitest';
import { Simulation, type ReadyStep, type TieChooser } from '../../src/sim/index.js';
import { explore, replayChooser, type ExploredRun } from '../../src/check/explorer.js';
import { hashReady, hashSimState } from '../../src/check/sim-state.js';
import type { Hash64 } from '../../src/check/hash.js';

/** k processes, each taking `steps` scheduling points (start included), touching nothing shared. */
function independent(k: number, steps: number) {
  return {
    start(chooser: TieChooser): ExploredRun & { order: string[] } {
      const sim = new Simulation({ chooser });
      const order: string[] = [];
      const done = new Array<number>(k).fill(0);
      for (let i = 0; i < k; i++) {
        sim.spawn(`p${i}`, function* () {
          for (let s = 0; s < steps; s++) {
            if (s > 0) yield* sim.delay(0);
            order.push(`p${i}`);
            done[i] = s + 1;
          }
        });
      }
      return {
        sim,
        order,
        stateKey(h: Hash64, ready: readonly ReadyStep[]) {
          h.reset();
          hashSimState(sim, h);
          hashReady(ready, h);
          for (const d of done) h.number(d);
          return h.value();
        },
      };
    },
  };
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1);
}

/**
 * A waiter and a waker sharing a flag, plus `noise` processes that step
 * around them. The buggy waiter checks the flag and sleeps in two steps, so
 * a wake-up between them is lost; the fixed one checks and sleeps at once.
 */
function wakeUpModel(buggy: boolean, noise = 0) {
  return {
    start(chooser: TieChooser) {
      const sim = new Simulation({ chooser });
      const wq = sim.waitQueue('flagWq');
      const done = sim.completion('flagDone');
      const shared = { ready: false, sleepers: 0 };
      const progress: number[] = [0, 0, ...new Array<number>(noise).fill(0)];
      sim.spawn('waiter', function* () {
        if (buggy) {
          if (!shared.ready) {
            progress[0] = 1;
            yield* sim.delay(0);
            progress[0] = 2;
            shared.sleepers++;
            yield* done.wait();
          }
        } else {
          yield* wq.waitEvent(() => shared.ready);
        }
        progress[0] = 3;
      });
      sim.spawn('waker', function* () {
        yield* sim.delay(0);
        shared.ready = true;
        if (shared.sleepers > 0) done.complete();
        wq.wakeUpAll();
        progress[1] = 1;
      });
      for (let i = 0; i < noise; i++) {
        sim.spawn(`noise${i}`, function* () {
          for (let s = 1; s <= 3; s++) {
            yield* sim.delay(0);
            progress[2 + i] = s;
          }
        });
      }
      return {
        sim,
        stateKey(h: Hash64, ready: readonly ReadyStep[]) {
          h.reset();
          hashSimState(sim, h);
          hashReady(ready, h);
          h.number(shared.ready ? 1 : 0);
          h.number(shared.sleepers);
          for (const p of progress) h.number(p);
          return h.value();
        },
      };
    },
  };
}

describe('explorer', () => {
  it('runs every interleaving of independent processes exactly once with pruning off', () => {
    for (const [k, steps] of [
      [2, 3],
      [3, 2],
      [3, 3],
    ] as const) {
      const seen = new Set<string>();
      const model = independent(k, steps);
      const r = explore(model, {
        prune: false,
        onRun: (run) => seen.add(run.order.join(',')),
      });
      const expected = factorial(k * steps) / factorial(steps) ** k;
      expect(r.runs).toBe(expected);
      expect(seen.size).toBe(expected);
      expect(r.complete).toBe(true);
      expect(r.pruned).toBe(0);
    }
  });

  it('with pruning visits each combination of progress once', () => {
    const r = explore(independent(3, 3), { prune: true });
    // Choice points are the progress vectors with at least two processes unfinished.
    let points = 0;
    for (let a = 0; a <= 3; a++)
      for (let b = 0; b <= 3; b++)
        for (let c = 0; c <= 3; c++) if ([a, b, c].filter((x) => x < 3).length >= 2) points++;
    expect(r.states).toBe(points);
    expect(r.runs).toBeLessThan(factorial(9) / 6 ** 3);
    expect(r.pruned).toBeGreaterThan(0);
  });

  it('finds the planted lost wake-up, and its choices replay the hang', () => {
    const hangs: number[][] = [];
    const model = wakeUpModel(true);
    explore(model, {
      prune: false,
      onRun: (run, info) => {
        if (info.status === 'complete' && run.sim.blocked().length > 0) hangs.push([...info.choices]);
      },
    });
    expect(hangs.length).toBeGreaterThan(0);
    const replay = model.start(replayChooser(hangs[0] as number[]));
    replay.sim.run();
    expect(replay.sim.blocked().map((p) => p.name)).toEqual(['waiter']);
    // The first-ready-step run (no choices) does not hang: the bug needs a particular order.
    const plain = model.start(replayChooser([]));
    plain.sim.run();
    expect(plain.sim.blocked()).toEqual([]);
  });

  it('passes the fixed waiter in every interleaving', () => {
    let runs = 0;
    let hangs = 0;
    explore(wakeUpModel(false, 1), {
      prune: false,
      onRun: (run, info) => {
        runs++;
        if (info.status !== 'complete' || run.sim.blocked().length > 0) hangs++;
      },
    });
    expect(runs).toBeGreaterThan(10);
    expect(hangs).toBe(0);
  });

  it('pruning explores fewer states and still finds the planted race', () => {
    const count = (prune: boolean) => {
      let hangs = 0;
      const r = explore(wakeUpModel(true, 1), {
        prune,
        onRun: (run, info) => {
          if (info.status === 'complete' && run.sim.blocked().length > 0) hangs++;
        },
      });
      return { ...r, hangs };
    };
    const off = count(false);
    const on = count(true);
    expect(on.states).toBeLessThan(off.states);
    expect(on.runs).toBeLessThan(off.runs);
    expect(off.hangs).toBeGreaterThan(0);
    expect(on.hangs).toBeGreaterThan(0);
  });

  it('reduction skips the orders of invisible steps and keeps every order of the visible ones', () => {
    // Each process takes local steps around two visible ones (appending to a shared log).
    const model = {
      start(chooser: TieChooser) {
        const sim = new Simulation({ chooser });
        const log: string[] = [];
        const pos = [0, 0];
        for (let i = 0; i < 2; i++) {
          sim.spawn(`p${i}`, function* () {
            for (let s = 0; s < 6; s++) {
              yield* sim.delay(0);
              pos[i] = s + 1;
              if (s === 2 || s === 5) log.push(`p${i}`);
            }
          });
        }
        return {
          sim,
          log,
          stateKey(h: Hash64, ready: readonly ReadyStep[]) {
            h.reset();
            hashSimState(sim, h);
            hashReady(ready, h);
            for (const p of pos) h.number(p);
            h.string(log.join(','));
            return h.value();
          },
          visibleFingerprint: () => log.length,
        };
      },
    };
    const orders = (reduce: boolean) => {
      const seen = new Set<string>();
      const r = explore(model, { prune: false, reduce, onRun: (run) => seen.add(run.log.join(',')) });
      return { ...r, seen };
    };
    const full = orders(false);
    const reduced = orders(true);
    // 4 visible steps, 2 per process in order: 4!/(2!·2!) orders; every interleaving: 14!/(7!·7!) runs.
    expect(full.runs).toBe(3432);
    expect(full.seen.size).toBe(6);
    expect(reduced.seen).toEqual(full.seen);
    expect(reduced.reduced).toBeGreaterThan(0);
    expect(reduced.runs).toBeLessThan(full.runs / 20);
  });

  it('stops at maxRuns and says the exploration is incomplete', () => {
    const r = explore(independent(3, 3), { prune: false, maxRuns: 10 });
    expect(r.runs).toBe(10);
    expect(r.complete).toBe(false);
  });

  it('flags a run that never ends as hitting the step bound', () => {
    const statuses: string[] = [];
    explore(
      {
        start(chooser: TieChooser) {
          const sim = new Simulation({ chooser });
          sim.spawn('spinner', function* () {
            for (;;) yield* sim.delay(0);
          });
          sim.spawn('once', function* () {
            yield* sim.delay(0);
          });
          return { sim, stateKey: () => 0 };
        },
      },
      { prune: false, maxSteps: 20, onRun: (_run, info) => statuses.push(info.status) },
    );
    expect(statuses.length).toBeGreaterThan(1);
    expect(new Set(statuses)).toEqual(new Set(['stepBound']));
  });
});
