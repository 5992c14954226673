/**
 * The synchronous merge core (SPEC §4.10: the state machine both front ends
 * drive). No promises or timers here: every step is a plain call.
 */
import { describe, expect, it } from 'vitest';
import { Flight, MergeCore, describeKey } from '../../src/merge/core.js';

describe('MergeCore', () => {
  it('leads the first begin for a key and joins the next ones while it is in flight', () => {
    const core = new MergeCore<string, string>();
    const lead = core.begin('k');
    const join = core.begin('k', 'w1');
    expect(lead.role).toBe('lead');
    expect(join).toEqual({ role: 'join', flight: lead.flight });
    expect(core.begin('other').role).toBe('lead');
    expect(core.stats()).toEqual({ runs: 2, joins: 1, leaves: 0, inFlight: 2 });
  });

  it('settle returns every registered waiter exactly once, forgets the key, and the next begin leads again', () => {
    const core = new MergeCore<string, string>();
    const { flight } = core.begin('k');
    core.begin('k', 'w1');
    core.begin('k'); // present, but listening by other means
    core.begin('k', 'w2');
    expect(flight.present).toBe(4);
    expect(core.settle(flight, { ok: true, value: 1 })).toEqual(['w1', 'w2']);
    expect(flight.settled).toBe(true);
    expect(flight.waiters.size).toBe(0);
    expect(core.inFlight('k')).toBe(false);
    expect(core.size).toBe(0);
    const again = core.begin('k');
    expect(again.role).toBe('lead');
    expect(again.flight).not.toBe(flight);
    expect(again.flight.seq).toBe(2);
  });

  it('settling a flight twice is a caller bug and throws', () => {
    const core = new MergeCore<string>();
    const { flight } = core.begin('k');
    core.settle(flight, { ok: false, error: new Error('x') });
    expect(() => core.settle(flight, { ok: true, value: 1 })).toThrow(/settled twice/);
  });

  it('leave: a waiter that left is not woken; the last one out makes the run abandoned', () => {
    const core = new MergeCore<string, string>();
    const { flight } = core.begin('k');
    core.begin('k', 'w1');
    core.begin('k', 'w2');
    expect(core.leave(flight, 'w1')).toBe(false);
    expect(core.leave(flight, 'w1')).toBe(false); // twice: no-op
    expect(core.leave(flight, 'stranger')).toBe(false); // never joined: no-op
    expect(core.leave(flight)).toBe(false); // the leader
    expect(core.stats().leaves).toBe(2);
    expect(core.leave(flight, 'w2')).toBe(true); // nobody left
    expect(core.stats().leaves).toBe(3);
    expect(core.inFlight('k')).toBe(true); // abandoned, not cancelled: the run goes on
    expect(core.settle(flight, { ok: true, value: 1 })).toEqual([]);
  });

  it('leaving a settled flight is a no-op and is not counted', () => {
    const core = new MergeCore<string, string>();
    const { flight } = core.begin('k');
    core.begin('k', 'w');
    core.settle(flight, { ok: true, value: 1 });
    expect(core.leave(flight, 'w')).toBe(false);
    expect(core.leave(flight)).toBe(false);
    expect(core.stats().leaves).toBe(0);
  });

  it('forget drops the entry; the old flight settling later removes nothing newer (own entry only)', () => {
    const core = new MergeCore<string, string>();
    const old = core.begin('k').flight;
    expect(core.forget(old)).toBe(true);
    expect(old.forgotten).toBe(true);
    expect(core.inFlight('k')).toBe(false);
    const fresh = core.begin('k');
    expect(fresh.role).toBe('lead');
    expect(core.forget(old)).toBe(false); // not its entry any more
    core.settle(old, { ok: true, value: 'old' });
    expect(core.flightOf('k')).toBe(fresh.flight);
    expect(core.begin('k', 'w')).toEqual({ role: 'join', flight: fresh.flight });
  });

  it('lead and join are begin split in two, and refuse what begin would not do', () => {
    const core = new MergeCore<string, string>();
    const flight = core.lead('k');
    expect(() => core.lead('k')).toThrow(/already has a run in flight/);
    core.join(flight, 'w');
    expect(core.stats()).toEqual({ runs: 1, joins: 1, leaves: 0, inFlight: 1 });
    expect(core.settle(flight, { ok: true, value: 0 })).toEqual(['w']);
    expect(() => core.join(flight)).toThrow(/no longer in flight/);
    const forgotten = core.lead('k');
    core.forget(forgotten);
    expect(() => core.join(forgotten)).toThrow(/no longer in flight/);
  });

  it('keeps nothing per settled key: 100k keys begun and settled leave an empty map', () => {
    const core = new MergeCore<number, number>();
    for (let key = 0; key < 100_000; key++) {
      const { flight } = core.begin(key);
      core.begin(key, key);
      core.settle(flight, { ok: true, value: key });
    }
    expect(core.size).toBe(0);
    expect(core.stats()).toEqual({ runs: 100_000, joins: 100_000, leaves: 0, inFlight: 0 });
  });

  it('lets a front end keep its per-run state on its own flight class', () => {
    class LoadFlight extends Flight<string, string> {
      leader = 'cpu0';
    }
    const custom = new MergeCore<string, string, unknown, LoadFlight>({ newFlight: (key, seq) => new LoadFlight(key, seq) });
    const lead = custom.begin('k');
    expect(lead.flight).toBeInstanceOf(LoadFlight);
    expect(lead.flight.seq).toBe(1);
    expect(custom.begin('k').flight.leader).toBe('cpu0');
  });

  it('settle calls onSettle first, then delivers mapJoin(outcome) to each waiter; mapJoin runs once per run', () => {
    const told: string[] = [];
    let mapped = 0;
    const core = new MergeCore<string, string, number>({
      mapJoin: (o) => {
        mapped++;
        return o.ok ? { ok: true, value: o.value * 10 } : o;
      },
      onSettle: (flight) => told.push(`settled ${String(flight.outcome?.ok)}`),
      deliver: (waiter, joined) => told.push(`${waiter} ${joined.ok ? joined.value : 'failed'}`),
    });
    const { flight } = core.begin('k');
    core.begin('k', 'w1');
    core.begin('k', 'w2');
    core.settle(flight, { ok: true, value: 4 });
    expect(told).toEqual(['settled true', 'w1 40', 'w2 40']);
    expect(core.joined(flight)).toEqual({ ok: true, value: 40 });
    expect(mapped).toBe(1);
    const lone = core.begin('alone').flight;
    core.settle(lone, { ok: true, value: 1 });
    expect(mapped).toBe(1); // nobody joined: not called
  });

  it('a throwing mapJoin becomes a failure for the joiners, not an exception out of settle', () => {
    const oops = new Error('mapJoin oops');
    const got: unknown[] = [];
    const core = new MergeCore<string, string, number>({
      mapJoin: () => {
        throw oops;
      },
      deliver: (_waiter, joined) => got.push(joined),
    });
    const { flight } = core.begin('k');
    core.begin('k', 'w');
    expect(() => core.settle(flight, { ok: true, value: 1 })).not.toThrow();
    expect(got).toEqual([{ ok: false, error: oops }]);
    expect(flight.outcome).toEqual({ ok: true, value: 1 }); // the leader's own outcome is untouched
  });

  it('describes keys for messages without throwing', () => {
    expect(describeKey('pcc_cpufreq')).toBe('"pcc_cpufreq"');
    expect(describeKey(42)).toBe('42');
    expect(describeKey(Symbol('s'))).toBe('Symbol(s)');
    expect(describeKey(Object.create(null))).toBe('[object Object]');
  });
});
