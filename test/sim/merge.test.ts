import { describe, expect, it } from 'vitest';
import { LeaderKilledError, SimMerger, Simulation, type Process, type SimMergerOptions, type SimRunOptions } from '../../src/sim/index.js';

interface Caller {
  name: string;
  at: number;
  key?: string;
  options?: SimRunOptions;
}

/** Callers request `key` at their times; the body takes 100 ns (or throws `fail`) and counts its runs. */
function scenario(callers: Caller[], opts: { fail?: Error; merger?: SimMergerOptions<string> } = {}) {
  const sim = new Simulation();
  const merger = new SimMerger<string, string>(sim, opts.merger);
  const log: string[] = [];
  let bodies = 0;
  const procs = new Map<string, Process<unknown>>();
  for (const c of callers) {
    const p = sim.spawn(
      c.name,
      function* (self) {
        try {
          const r = yield* merger.run(
            self,
            c.key ?? 'acpi_cpufreq',
            function* () {
              bodies++;
              yield* sim.delay(100);
              if (opts.fail !== undefined) throw opts.fail;
              return `loaded by ${c.name}`;
            },
            c.options,
          );
          log.push(r.interrupted !== undefined ? `${c.name} ${r.role} interrupted(${String(r.interrupted)}) @${sim.now}` : `${c.name} ${r.role} ${r.value} @${sim.now}`);
        } catch (error) {
          log.push(`${c.name} threw ${(error as Error).message} @${sim.now}`);
        }
      },
      { at: c.at },
    );
    procs.set(c.name, p);
  }
  return { sim, merger, log, procs, bodies: () => bodies };
}

describe('SimMerger', () => {
  it('concurrent requests share one run; a request after it settles leads a new one', () => {
    const s = scenario([
      { name: 'a', at: 0 },
      { name: 'b', at: 10 },
      { name: 'c', at: 100 },
      { name: 'd', at: 150 },
    ]);
    s.sim.run();
    expect(s.log).toEqual([
      'a lead loaded by a @100',
      'b join loaded by a @100',
      'c join loaded by a @100',
      'd lead loaded by d @250',
    ]);
    expect(s.bodies()).toBe(2);
    expect(s.merger.stats()).toEqual({ runs: 2, joins: 2, leaves: 0, inFlight: 0 });
    expect(s.sim.blocked()).toEqual([]);
  });

  it('keys are independent', () => {
    const s = scenario([
      { name: 'a', at: 0, key: 'kvm' },
      { name: 'b', at: 0, key: 'kvm_intel' },
    ]);
    s.sim.run();
    expect(s.log).toEqual(['a lead loaded by a @100', 'b lead loaded by b @100']);
  });

  it('a body that throws fails the run: the leader and every joiner get the error', () => {
    const s = scenario(
      [
        { name: 'a', at: 0 },
        { name: 'b', at: 50 },
      ],
      { fail: new Error('ENODEV') },
    );
    s.sim.run();
    expect(s.log).toEqual(['a threw ENODEV @100', 'b threw ENODEV @100']);
    expect(s.merger.inFlight('acpi_cpufreq')).toBe(false);
  });

  it('mapJoin decides what joiners get; the leader keeps the real outcome', () => {
    const s = scenario(
      [
        { name: 'a', at: 0 },
        { name: 'b', at: 1 },
      ],
      { merger: { mapJoin: (o) => (o.ok ? { ok: false, error: new Error('EEXIST') } : o) } },
    );
    s.sim.run();
    expect(s.log).toEqual(['a lead loaded by a @100', 'b threw EEXIST @100']);
  });

  it('an interruptible joiner with a signal leaves; the run goes on for the others', () => {
    const s = scenario([
      { name: 'a', at: 0 },
      { name: 'b', at: 1, options: { interruptible: true } },
      { name: 'c', at: 2 },
      { name: 'd', at: 3, options: { interruptible: false } },
    ]);
    s.sim.spawn('sender', function* () {
      yield* s.sim.delay(40);
      s.procs.get('b')?.interrupt('SIGTERM');
      s.procs.get('d')?.interrupt('SIGTERM');
    });
    s.sim.run();
    expect(s.log).toEqual([
      'b join interrupted(SIGTERM) @40',
      'a lead loaded by a @100',
      'c join loaded by a @100',
      'd join loaded by a @100',
    ]);
    expect(s.merger.stats()).toEqual({ runs: 1, joins: 3, leaves: 1, inFlight: 0 });
  });

  it('a signal and the settle at the same instant, signal first: the joiner still gets the result', () => {
    const s = scenario([
      { name: 'a', at: 0 },
      { name: 'b', at: 1, options: { interruptible: true } },
    ]);
    // Its start is scheduled now, before the run begins, so at 100 it comes before the body's delay.
    s.sim.spawn(
      'sender',
      function* () {
        s.procs.get('b')?.interrupt('SIGTERM');
        yield* s.sim.delay(0);
      },
      { at: 100 },
    );
    s.sim.run();
    expect(s.log).toEqual(['a lead loaded by a @100', 'b join loaded by a @100']);
    expect(s.merger.stats()).toEqual({ runs: 1, joins: 1, leaves: 0, inFlight: 0 });
  });

  it('a pending signal: an interruptible request returns at once without joining; a leader still leads', () => {
    const s = scenario([
      { name: 'a', at: 5, options: { interruptible: true } },
      { name: 'b', at: 10, options: { interruptible: true } },
    ]);
    s.procs.get('a')?.interrupt('SIGINT');
    s.procs.get('b')?.interrupt('SIGINT');
    s.sim.run();
    expect(s.log).toEqual(['b join interrupted(SIGINT) @10', 'a lead loaded by a @105']);
    expect(s.merger.stats()).toEqual({ runs: 1, joins: 0, leaves: 0, inFlight: 0 });
  });

  it('a request for its own key from inside the leader fails at once with EDEADLK; other keys nest', () => {
    const sim = new Simulation();
    const merger = new SimMerger<string, string>(sim);
    const got: string[] = [];
    sim.spawn('leader', function* (self) {
      const r = yield* merger.run(self, 'outer', function* () {
        try {
          yield* merger.run(self, 'outer', function* () {
            yield* sim.delay(1);
            return 'never';
          });
        } catch (error) {
          got.push(`${(error as { code: string }).code} @${sim.now}`);
        }
        const inner = yield* merger.run(self, 'inner', function* () {
          yield* sim.delay(5);
          return 'inner value';
        });
        return `outer after ${inner.value}`;
      });
      got.push(`${r.role} ${r.value} @${sim.now}`);
    });
    sim.run();
    expect(got).toEqual(['EDEADLK @0', 'lead outer after inner value @5']);
  });

  it('a killed leader fails its run for the joiners, and the key is free again', () => {
    const s = scenario([
      { name: 'a', at: 0 },
      { name: 'b', at: 10 },
      { name: 'c', at: 60 },
    ]);
    let error: unknown;
    s.sim.spawn('killer', function* () {
      yield* s.sim.delay(50);
      s.procs.get('a')?.kill();
    });
    s.sim.spawn('prober', function* (self) {
      yield* s.sim.delay(20);
      try {
        yield* s.merger.run(self, 'acpi_cpufreq', function* () {
          yield* s.sim.delay(1);
          return 'unused';
        });
      } catch (e) {
        error = e;
      }
    });
    s.sim.run();
    expect(s.log).toEqual(['b threw merge: a, leading the run for acpi_cpufreq, was killed @50', 'c lead loaded by c @160']);
    expect(error).toBeInstanceOf(LeaderKilledError);
    expect((error as LeaderKilledError).code).toBe('ESRCH');
    expect(s.sim.blocked()).toEqual([]);
  });

  it('a killed joiner leaves the run', () => {
    const s = scenario([
      { name: 'a', at: 0 },
      { name: 'b', at: 10 },
      { name: 'c', at: 20 },
    ]);
    s.sim.spawn('killer', function* () {
      yield* s.sim.delay(50);
      s.procs.get('b')?.kill();
    });
    s.sim.run();
    expect(s.log).toEqual(['a lead loaded by a @100', 'c join loaded by a @100']);
    expect(s.merger.stats()).toEqual({ runs: 1, joins: 2, leaves: 1, inFlight: 0 });
  });
});
