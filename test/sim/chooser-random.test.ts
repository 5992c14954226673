import { describe, expect, it } from 'vitest';
import { Random, Simulation, randomChooser, type ReadyStep } from '../../src/sim/index.js';

describe('tie chooser', () => {
  it('sees every step ready at the instant, in scheduling order, including ones scheduled during it', () => {
    const seen: string[][] = [];
    const sim = new Simulation({
      chooser: (ready: readonly ReadyStep[]) => {
        expect(ready.map((s) => s.seq)).toEqual([...ready.map((s) => s.seq)].sort((a, b) => a - b));
        seen.push(ready.map((s) => `${s.process.name}:${s.label}`));
        return ready.length - 1; // last scheduled first
      },
    });
    const wq = sim.waitQueue('moduleWq');
    let go = false;
    sim.spawn('sleeper', function* () {
      yield* wq.waitEvent(() => go);
    });
    sim.spawn('waker', function* () {
      go = true;
      wq.wakeUpAll();
      yield* sim.delay(0);
    });
    sim.run();
    expect(seen).toEqual([
      ['sleeper:start', 'waker:start'],
      ['sleeper:start', 'waker:delay'],
    ]);
    expect(sim.blocked()).toEqual([]);
  });

  it('shows timeouts, wake-ups, lock hand-overs and joins by label and by kind', () => {
    const labels = new Set<string>();
    const sim = new Simulation({
      chooser: (ready) => {
        for (const s of ready) labels.add(`${s.kind} ${s.label}`);
        return 0;
      },
    });
    const wq = sim.waitQueue('moduleWq');
    const m = sim.mutex('module_mutex');
    const first = sim.spawn('first', function* () {
      yield* m.lock();
      yield* sim.delay(10);
      m.unlock();
      wq.wakeUpAll();
    });
    sim.spawn('second', function* () {
      yield* m.lock(); // handed over at 10
      m.unlock();
    });
    sim.spawn('sleeper', function* () {
      yield* wq.waitEvent(() => false, { timeoutNs: 10 }); // woken at 10, timeout also at 10
    });
    sim.spawn('joiner', function* () {
      yield* first.join();
    });
    sim.run();
    expect([...labels].sort()).toEqual([
      'delay delay',
      'grant join',
      'grant lock:module_mutex',
      'start start',
      'timeout timeout',
      'wake wake:moduleWq',
    ]);
  });

  it('carries the stage a delay or a CPU slice stands for, in ready steps and trace records', () => {
    const ready: string[] = [];
    const records: string[] = [];
    const sim = new Simulation({
      chooser: (steps) => {
        for (const s of steps) ready.push(`${s.process.name} ${s.kind} ${s.label} ${s.stage ?? '-'}`);
        return 0;
      },
      trace: (r) => records.push(`${r.process} ${r.kind} ${r.what} ${r.stage ?? '-'}`),
    });
    const cpus = sim.cpus(2);
    for (const name of ['a', 'b']) {
      sim.spawn(name, function* () {
        yield* cpus.run(5, 'decompress');
        yield* sim.delay(0, 'verify');
      });
    }
    sim.run();
    expect([...new Set(ready)].sort()).toEqual([
      'a cpu cpu decompress',
      'a delay stage:verify verify',
      'a start start -',
      'b cpu cpu decompress',
      'b delay stage:verify verify',
      'b start start -',
    ]);
    expect(records).toContain('a cpu cpu decompress');
    expect(records).toContain('b delay stage:verify verify');
    expect(records).toContain('a exit exit -');
  });

  it('rejects an index outside the ready set', () => {
    const sim = new Simulation({ chooser: () => 5 });
    sim.spawn('a', function* () {});
    sim.spawn('b', function* () {});
    expect(() => sim.run()).toThrow(/tie chooser returned 5 for 2/);
  });

  it('the random chooser is reproducible from its seed and varies across seeds', () => {
    const startOrder = (seed: number): string => {
      const names: string[] = [];
      const sim = new Simulation({ chooser: randomChooser(seed), trace: (r) => r.what === 'start' && names.push(r.process) });
      for (let i = 0; i < 8; i++) sim.spawn(`p${i}`, function* () {});
      sim.run();
      return names.join(',');
    };
    expect(startOrder(1)).toBe(startOrder(1));
    expect(new Set([1, 2, 3, 4, 5].map(startOrder)).size).toBeGreaterThan(1);
    expect(startOrder(1)).not.toBe('p0,p1,p2,p3,p4,p5,p6,p7');
  });
});

describe('random streams', () => {
  it('one name gives one sequence per seed; names and seeds are independent', () => {
    const draw = (r: Random) => Array.from({ length: 5 }, () => r.next());
    expect(draw(new Random(1, 'arrivals'))).toEqual(draw(new Random(1, 'arrivals')));
    expect(draw(new Random(1, 'arrivals'))).not.toEqual(draw(new Random(1, 'service')));
    expect(draw(new Random(1, 'arrivals'))).not.toEqual(draw(new Random(2, 'arrivals')));
  });

  it('sim.random(name) is one continuing stream, unaffected by draws from another', () => {
    const a = new Simulation({ seed: 3 });
    const b = new Simulation({ seed: 3 });
    b.random('noise').next();
    b.random('noise').next();
    expect([a.random('x').next(), a.random('x').next()]).toEqual([b.random('x').next(), b.random('x').next()]);
  });

  it('next() is in [0,1), int(lo, hi) in [lo, hi) hitting both ends, exponential() has its mean', () => {
    const r = new Random(42, 'check');
    let min = Infinity;
    let max = -Infinity;
    const ints = new Set<number>();
    let sum = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      min = Math.min(min, x);
      max = Math.max(max, x);
      ints.add(r.int(-2, 3));
      sum += r.exponential(250);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect([...ints].sort((x, y) => x - y)).toEqual([-2, -1, 0, 1, 2]);
    expect(sum / n).toBeGreaterThan(240);
    expect(sum / n).toBeLessThan(260);
    expect(() => r.int(3, 3)).toThrow(RangeError);
  });
});
