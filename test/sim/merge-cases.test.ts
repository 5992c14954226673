/**
 * The shared merge case table (test/merge/cases.ts) through the simulation
 * front end: a tick is 1 µs of virtual time, each caller is a process that
 * arrives at its tick, a leaver is an interruptible joiner whose process is
 * signalled at `leaveAt`. Same roles, results, counters and body runs as the
 * Promise front end, or the two front ends have drifted apart.
 */
import { describe, expect, it } from 'vitest';
import { SimMerger, Simulation, type ProcessBody } from '../../src/sim/index.js';
import { joinMappings, mergeCases, validateCase, type BodySpec, type CallerResult, type MergeCase } from '../merge/cases.js';

const NS_PER_TICK = 1_000;

interface Seen {
  role?: 'lead' | 'join';
  result?: CallerResult;
}

function runCase(mergeCase: MergeCase) {
  const sim = new Simulation();
  const merger = new SimMerger<string, string>(sim, mergeCase.mapJoin === undefined ? {} : { mapJoin: joinMappings[mergeCase.mapJoin] });
  const bodyRuns: Record<string, number> = {};
  const seen = new Map<string, Seen>();

  function* body(spec: BodySpec): ProcessBody<string> {
    if (spec.settle === 'throw') throw new Error(spec.error); // before its first yield: in the leader's own step
    yield* sim.delay(spec.after * NS_PER_TICK);
    if (spec.settle === 'reject') throw new Error(spec.error);
    return spec.value;
  }

  for (const caller of mergeCase.callers) {
    const record: Seen = {};
    seen.set(caller.id, record);
    const reason = `${caller.id} left`;
    const p = sim.spawn(
      caller.id,
      function* (self) {
        let led = false;
        try {
          const r = yield* merger.run(
            self,
            caller.key,
            () => {
              led = true;
              bodyRuns[caller.key] = (bodyRuns[caller.key] ?? 0) + 1;
              return body(caller.body);
            },
            { interruptible: caller.leaveAt !== undefined },
          );
          record.role = r.role;
          record.result = r.interrupted === reason ? { left: true } : { ok: true, value: r.value as string };
        } catch (error) {
          record.role = led ? 'lead' : 'join';
          record.result = { ok: false, error: (error as Error).message };
        }
      },
      { at: caller.at * NS_PER_TICK },
    );
    const leaveAt = caller.leaveAt;
    if (leaveAt !== undefined) {
      sim.spawn(`${caller.id} leaves`, function* () {
        yield* sim.delay(leaveAt * NS_PER_TICK);
        p.interrupt(reason); // a no-op once the caller has its result
      });
    }
  }
  sim.run();
  return { sim, merger, bodyRuns, seen };
}

describe('shared merge cases through the simulation front end (SPEC §4.10)', () => {
  it('the table is well formed', () => {
    expect(mergeCases.length).toBeGreaterThan(0);
    for (const mergeCase of mergeCases) expect(validateCase(mergeCase), mergeCase.name).toEqual([]);
  });

  it.each(mergeCases)('$name', (mergeCase) => {
    const { sim, merger, bodyRuns, seen } = runCase(mergeCase);
    for (const caller of mergeCase.callers) {
      const record = seen.get(caller.id);
      expect(record?.role, `${caller.id}'s role`).toBe(caller.expected.role);
      expect(record?.result, `${caller.id}'s result`).toEqual(caller.expected.result);
    }
    expect(merger.stats()).toEqual(mergeCase.expected.stats);
    expect(merger.size).toBe(0);
    expect(bodyRuns).toEqual(mergeCase.expected.bodyRuns);
    expect(sim.blocked()).toEqual([]);
    expect(sim.liveCount).toBe(0);
  });
});
