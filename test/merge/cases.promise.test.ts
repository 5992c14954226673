/**
 * Runs the shared case table (cases.ts) through the Promise front end, on a
 * manual clock: each tick's event fires, then every consequence settles
 * (microtasks drained) before the next tick. The sim front end runs the same
 * table in test/sim/merge-cases.test.ts (SPEC §4.10).
 */
import { describe, expect, it } from 'vitest';
import { Merger } from '../../src/merge/index.js';
import { joinMappings, mergeCases, validateCase, type BodySpec, type Caller, type CallerResult, type MergeCase } from './cases.js';
import { deferred, flush } from './helpers.js';

interface Seen {
  role?: 'lead' | 'join';
  result?: CallerResult;
  /** The role the resolved value reported, to check against `role`. */
  reportedRole?: 'lead' | 'join';
}

async function runCase(mergeCase: MergeCase) {
  const merger = new Merger<string, string>(mergeCase.mapJoin === undefined ? {} : { mapJoin: joinMappings[mergeCase.mapJoin] });
  const events: Array<{ tick: number; fire: () => void }> = [];
  const bodyRuns: Record<string, number> = {};
  const seen = new Map<string, Seen>();
  const leaveBy = new Map<string, () => void>();
  let now = 0;

  const startBody = (body: BodySpec): Promise<string> => {
    if (body.settle === 'throw') throw new Error(body.error);
    const gate = deferred<string>();
    const tick = now + body.after;
    events.push({ tick, fire: () => (body.settle === 'resolve' ? gate.resolve(body.value) : gate.reject(new Error(body.error))) });
    return gate.promise;
  };

  const arrive = (caller: Caller): void => {
    const record: Seen = {};
    seen.set(caller.id, record);
    const controller = new AbortController();
    const reason = new Error(`${caller.id} left`);
    leaveBy.set(caller.id, () => controller.abort(reason));
    let led = false;
    const call = merger.run(
      caller.key,
      () => {
        led = true;
        bodyRuns[caller.key] = (bodyRuns[caller.key] ?? 0) + 1;
        return startBody(caller.body);
      },
      caller.leaveAt === undefined ? undefined : { signal: controller.signal },
    );
    record.role = led ? 'lead' : 'join'; // a leader's body starts inside run(), synchronously
    call.then(
      (r) => {
        record.result = { ok: true, value: r.value };
        record.reportedRole = r.role;
      },
      (error: unknown) => {
        record.result = error === reason ? { left: true } : { ok: false, error: (error as Error).message };
      },
    );
  };

  for (const caller of mergeCase.callers) {
    events.push({ tick: caller.at, fire: () => arrive(caller) });
    if (caller.leaveAt !== undefined) events.push({ tick: caller.leaveAt, fire: () => leaveBy.get(caller.id)?.() });
  }
  while (events.length > 0) {
    events.sort((a, b) => a.tick - b.tick);
    const next = events.shift() as { tick: number; fire: () => void };
    now = next.tick;
    next.fire();
    await flush();
  }
  return { merger, bodyRuns, seen };
}

describe('shared merge cases through the Promise front end (SPEC §4.10)', () => {
  it('the table is well formed and covers every semantic a table can express', () => {
    for (const mergeCase of mergeCases) expect(validateCase(mergeCase), mergeCase.name).toEqual([]);
    const covered = new Set(mergeCases.flatMap((c) => c.covers));
    expect([...covered].sort((a, b) => a - b)).toEqual([1, 2, 4, 5, 7, 8, 9]);
  });

  it.each(mergeCases)('$name', async (mergeCase) => {
    const { merger, bodyRuns, seen } = await runCase(mergeCase);
    for (const caller of mergeCase.callers) {
      const record = seen.get(caller.id);
      expect(record?.role, `${caller.id}'s role`).toBe(caller.expected.role);
      expect(record?.result, `${caller.id}'s result`).toEqual(caller.expected.result);
      if (record?.reportedRole !== undefined) expect(record.reportedRole, `${caller.id}'s reported role`).toBe(caller.expected.role);
    }
    expect(merger.stats()).toEqual(mergeCase.expected.stats);
    expect(merger.size).toBe(0);
    expect(bodyRuns).toEqual(mergeCase.expected.bodyRuns);
  });
});
