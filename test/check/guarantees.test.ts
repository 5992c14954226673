import { describe, expect, it } from 'vitest';
import type { CheckEvent } from '../../src/check/events.js';
import { GuaranteeMonitor, type Guarantee } from '../../src/check/guarantees.js';
import { Hash64 } from '../../src/check/hash.js';
import type { SyscallResult } from '../../src/kernel/types.js';

const M = 'mod_a';

function judge(events: CheckEvent[], stuck: string[] = []): Guarantee[] {
  const m = new GuaranteeMonitor();
  for (const e of events) m.observe(e);
  m.end(stuck, false);
  return m.violations.map((v) => v.guarantee);
}

/** A complete load by process `p`: lead, form, init, LIVE or failure. */
function load(p: number, result: 0 | 'ENODEV'): CheckEvent[] {
  const tail: CheckEvent[] =
    result === 0
      ? [{ type: 'state', module: M, state: 'live' }]
      : [
          { type: 'state', module: M, state: 'going' },
          { type: 'state', module: M, state: 'gone' },
        ];
  return [
    { type: 'dedup', call: p, module: M, decision: 'lead' },
    { type: 'formed', call: p, module: M },
    { type: 'state', module: M, state: 'coming' },
    { type: 'init', call: p, module: M },
    ...tail,
  ];
}

const enter = (call: number): CheckEvent => ({ type: 'enter', call, module: M, who: `req${call}` });
const ret = (call: number, result: SyscallResult): CheckEvent => ({
  type: 'return',
  call,
  module: M,
  result,
});
const wait = (call: number, leader?: number): CheckEvent => ({ type: 'dedup', call, module: M, decision: 'wait', leader });

describe('guarantee monitor', () => {
  it('accepts a merged burst: one load, the waiter told EEXIST while LIVE', () => {
    expect(judge([enter(1), enter(2), ...load(1, 0), wait(2, 1), ret(1, 0), ret(2, 'EEXIST')])).toEqual([]);
  });

  it('no false success: EEXIST while the first load is GOING (the 5.2 bug)', () => {
    const events: CheckEvent[] = [
      enter(1),
      enter(2),
      { type: 'dedup', call: 1, module: M, decision: 'lead' },
      { type: 'formed', call: 1, module: M },
      { type: 'state', module: M, state: 'coming' },
      wait(2),
      { type: 'init', call: 1, module: M },
      { type: 'state', module: M, state: 'going' },
      ret(2, 'EEXIST'),
      { type: 'state', module: M, state: 'gone' },
      ret(1, 'ENODEV'),
    ];
    const v = judge(events);
    expect(v).toContain('noFalseSuccess');
    // The waiter reported success for a load that failed.
    expect(v).toContain('agreement');
  });

  it('no false success: a success that delete_module undid meanwhile is fine', () => {
    const events: CheckEvent[] = [
      enter(1),
      enter(2),
      ...load(1, 0),
      wait(2, 1),
      ret(1, 0),
      { type: 'state', module: M, state: 'going', byDelete: true },
      { type: 'state', module: M, state: 'gone' },
      ret(2, 'EEXIST'),
    ];
    expect(judge(events)).toEqual([]);
  });

  it('uniqueness: a waiter that loads again after the first load failed (the 5.3 serialisation)', () => {
    const events: CheckEvent[] = [
      enter(1),
      enter(2),
      { type: 'dedup', call: 1, module: M, decision: 'lead' },
      { type: 'formed', call: 1, module: M },
      { type: 'state', module: M, state: 'coming' },
      wait(2),
      { type: 'init', call: 1, module: M },
      { type: 'state', module: M, state: 'going' },
      { type: 'state', module: M, state: 'gone' },
      ret(1, 'ENODEV'),
      ...load(2, 'ENODEV'),
      ret(2, 'ENODEV'),
    ];
    expect(judge(events)).toEqual(['uniqueness']);
  });

  it('uniqueness: a second call passing the dedup point while a load is in flight', () => {
    const events: CheckEvent[] = [
      enter(1),
      enter(2),
      { type: 'dedup', call: 1, module: M, decision: 'lead' },
      { type: 'dedup', call: 2, module: M, decision: 'lead' },
    ];
    const m = new GuaranteeMonitor();
    for (const e of events) m.observe(e);
    expect(m.violations.map((v) => v.guarantee)).toEqual(['uniqueness']);
  });

  it('a request still reading when the first load ended may load again (merge, v6.2): no violation', () => {
    const events: CheckEvent[] = [
      enter(1),
      enter(2),
      ...load(1, 'ENODEV'),
      ret(1, 'ENODEV'),
      ...load(2, 'ENODEV'),
      ret(2, 'ENODEV'),
    ];
    const m = new GuaranteeMonitor();
    for (const e of events) m.observe(e);
    m.end([], false);
    expect(m.violations).toEqual([]);
    expect(m.burstInits()).toBe(2);
  });

  it('worst-case inits only counts runs where every request entered while the first was in flight', () => {
    const m = new GuaranteeMonitor();
    for (const e of [enter(1), ...load(1, 'ENODEV'), ret(1, 'ENODEV'), enter(2), ...load(2, 'ENODEV'), ret(2, 'ENODEV')]) {
      m.observe(e);
    }
    expect(m.burstInits()).toBeUndefined();
  });

  it('fresh retry: a request after the failed load completed must not get the old failure back', () => {
    const replayed = [enter(1), ...load(1, 'ENODEV'), ret(1, 'ENODEV'), enter(2), ret(2, 'ENODEV')];
    expect(judge(replayed)).toEqual(['freshRetry']);
    const cachedBusy = [enter(1), ...load(1, 'ENODEV'), ret(1, 'ENODEV'), enter(2), ret(2, 'EBUSY')];
    expect(judge(cachedBusy)).toEqual(['freshRetry']);
    const reloaded = [enter(1), ...load(1, 'ENODEV'), ret(1, 'ENODEV'), enter(2), ...load(2, 0), ret(2, 0)];
    expect(judge(reloaded)).toEqual([]);
  });

  it('agreement: a joiner of a failed run must get its error or EBUSY, judged even if it returns first', () => {
    const base: CheckEvent[] = [
      enter(1),
      enter(2),
      { type: 'dedup', call: 1, module: M, decision: 'lead' },
      wait(2, 1),
      { type: 'formed', call: 1, module: M },
      { type: 'state', module: M, state: 'coming' },
      { type: 'init', call: 1, module: M },
      { type: 'state', module: M, state: 'going' },
      { type: 'state', module: M, state: 'gone' },
    ];
    expect(judge([...base, ret(2, 'EBUSY'), ret(1, 'ENODEV')])).toEqual([]);
    expect(judge([...base, ret(2, 'ENODEV'), ret(1, 'ENODEV')])).toEqual([]);
    expect(judge([...base, ret(2, 'ENOMEM'), ret(1, 'ENODEV')])).toEqual(['agreement']);
    // An interrupted waiter may leave with EINTR — only if it was signalled.
    expect(judge([...base, { type: 'signal', call: 2 }, ret(2, 'EINTR'), ret(1, 'ENODEV')])).toEqual([]);
    expect(judge([...base, ret(2, 'EINTR'), ret(1, 'ENODEV')])).toEqual(['agreement']);
  });

  it('agreement: a waiter of a failed load may report EEXIST once a newer load made the module LIVE', () => {
    const events: CheckEvent[] = [
      enter(1),
      enter(2),
      enter(3),
      { type: 'dedup', call: 1, module: M, decision: 'lead' },
      { type: 'formed', call: 1, module: M },
      { type: 'state', module: M, state: 'coming' },
      wait(2),
      { type: 'init', call: 1, module: M },
      { type: 'state', module: M, state: 'going' },
      { type: 'state', module: M, state: 'gone' },
      ret(1, 'ENODEV'),
      ...load(3, 0),
      ret(2, 'EEXIST'),
      ret(3, 0),
    ];
    expect(judge(events)).toEqual([]);
  });

  it('uniqueness: loading again is a new load once delete_module removed what the waiter found', () => {
    const events: CheckEvent[] = [
      enter(1),
      enter(2),
      { type: 'dedup', call: 1, module: M, decision: 'lead' },
      { type: 'formed', call: 1, module: M },
      { type: 'state', module: M, state: 'coming' },
      wait(2),
      { type: 'init', call: 1, module: M },
      { type: 'state', module: M, state: 'live' },
      ret(1, 0),
      { type: 'state', module: M, state: 'going', byDelete: true },
      { type: 'state', module: M, state: 'gone' },
      ...load(2, 0),
      ret(2, 0),
    ];
    expect(judge(events)).toEqual([]);
  });

  it('liveness: a call that never returns, or blocked processes', () => {
    expect(judge([enter(1), ...load(1, 0)])).toEqual(['liveness']);
    expect(judge([enter(1), ...load(1, 0), ret(1, 0)], ['req0'])).toEqual(['liveness']);
    // A run cut at the step bound is not judged: it might have ended a step later.
    const m = new GuaranteeMonitor();
    for (const e of [enter(1), ...load(1, 0)]) m.observe(e);
    m.end(['req0'], true);
    expect(m.violations).toEqual([]);
  });

  it('keys equal situations reached in another order equally, and different ones differently', () => {
    const key = (events: CheckEvent[]): number => {
      const m = new GuaranteeMonitor();
      for (const e of events) m.observe(e);
      const h = new Hash64();
      m.stateKey(h);
      return h.value();
    };
    expect(key([enter(1), enter(2)])).toBe(key([enter(2), enter(1)]));
    expect(key([enter(1), enter(2), wait(2)])).not.toBe(key([enter(1), enter(2)]));
    expect(key([enter(1), ...load(1, 0)])).not.toBe(key([enter(1), ...load(1, 'ENODEV')]));
  });
});
