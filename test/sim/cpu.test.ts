import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/sim/index.js';

describe('CPU pool', () => {
  it('N jobs of t on c CPUs end at ceil(N/c)·t', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 10_000 }), (n, c, t) => {
        const sim = new Simulation();
        const cpus = sim.cpus(c);
        const ends: number[] = [];
        for (let i = 0; i < n; i++) {
          sim.spawn(`job${i}`, function* () {
            yield* cpus.run(t);
            ends.push(sim.now);
          });
        }
        sim.run();
        expect(sim.now).toBe(Math.ceil(n / c) * t);
        expect(ends).toHaveLength(n);
        expect(cpus.busy).toBe(0);
        expect(cpus.queued).toBe(0);
      }),
    );
  });

  it('serves waiters first come first served, and counts busy and queued', () => {
    const sim = new Simulation();
    const cpus = sim.cpus(2, 'boot');
    const started: [string, number][] = [];
    const lengths = [30, 10, 20, 5, 5];
    lengths.forEach((ns, i) => {
      sim.spawn(`job${i}`, function* () {
        yield* sim.delay(i); // arrive in index order
        const arrived = sim.now;
        yield* cpus.run(ns);
        started.push([`job${i}`, sim.now - ns]);
        expect(sim.now - ns).toBeGreaterThanOrEqual(arrived);
      });
    });
    sim.run({ until: 4 });
    expect(cpus.busy).toBe(2);
    expect(cpus.queued).toBe(3);
    sim.run();
    // job1's CPU frees first (11) and goes to job2; job0's (30) to job3, queued before job4; job2's (31) to job4.
    expect(Object.fromEntries(started)).toEqual({ job0: 0, job1: 1, job2: 11, job3: 30, job4: 31 });
  });

  it('labels its steps after the pool', () => {
    const labels: string[] = [];
    const sim = new Simulation({ trace: (r) => labels.push(r.what) });
    const named = sim.cpus(1, 'boot');
    const plain = sim.cpus(1);
    sim.spawn('p', function* () {
      yield* named.run(1);
      yield* plain.run(1);
    });
    sim.run();
    expect(labels).toEqual(['start', 'cpu:boot', 'cpu', 'exit']);
  });

  it('rejects a pool without CPUs and negative or fractional time', () => {
    const sim = new Simulation();
    expect(() => sim.cpus(0)).toThrow(RangeError);
    expect(() => sim.cpus(1).run(-1)).toThrow(RangeError);
    expect(() => sim.cpus(1).run(1.5)).toThrow(RangeError);
  });
});
