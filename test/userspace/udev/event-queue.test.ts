import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../../src/userspace/udev/event-queue.js';
import { ancestors, devpathsConflict } from '../../../src/userspace/udev/devpath.js';

interface Ev {
  seqnum: number;
  devpath: string;
}

function queueOf(devpaths: string[]): { q: EventQueue<Ev>; evs: Ev[] } {
  const q = new EventQueue<Ev>();
  const evs = devpaths.map((devpath, i) => ({ seqnum: 100 + i, devpath }));
  for (const e of evs) q.push(e);
  return { q, evs };
}

/** Takes every event that can run now, in dispatch order. */
function drainReady(q: EventQueue<Ev>): number[] {
  const out: number[] = [];
  for (let e = q.next(); e !== undefined; e = q.next()) out.push(e.seqnum);
  return out;
}

describe('devpath relation', () => {
  it('lists proper ancestors nearest first', () => {
    expect(ancestors('/devices/system/cpu/cpu3')).toEqual(['/devices/system/cpu', '/devices/system', '/devices']);
  });

  it('relates same and parent/child paths, not siblings or name prefixes', () => {
    expect(devpathsConflict('/devices/system/cpu', '/devices/system/cpu/cpu1')).toBe(true);
    expect(devpathsConflict('/devices/system/cpu/cpu1', '/devices/system/cpu')).toBe(true);
    expect(devpathsConflict('/devices/system/cpu/cpu1', '/devices/system/cpu/cpu1')).toBe(true);
    expect(devpathsConflict('/devices/system/cpu/cpu1', '/devices/system/cpu/cpu2')).toBe(false);
    // cpu1 is not the parent of cpu10 although it is a string prefix
    expect(devpathsConflict('/devices/system/cpu/cpu1', '/devices/system/cpu/cpu10')).toBe(false);
  });
});

describe('EventQueue', () => {
  it('runs siblings in parallel, in SEQNUM order', () => {
    const { q } = queueOf(['/devices/system/cpu/cpu0', '/devices/system/cpu/cpu1', '/devices/system/cpu/cpu10']);
    expect(drainReady(q)).toEqual([100, 101, 102]);
    expect(q.running).toBe(3);
  });

  it('holds an event behind an earlier one with the same devpath until it finishes', () => {
    const { q, evs } = queueOf(['/devices/a/x', '/devices/a/x', '/devices/a/y']);
    expect(drainReady(q)).toEqual([100, 102]);
    expect(q.isBlocked(evs[1] as Ev)).toBe(true);
    q.finish(evs[0] as Ev);
    expect(drainReady(q)).toEqual([101]);
  });

  it('holds a child behind its parent and a parent behind its child', () => {
    const { q, evs } = queueOf(['/devices/p', '/devices/p/c', '/devices/q/c', '/devices/q', '/devices/r']);
    // /devices/p/c waits for /devices/p; /devices/q waits for its earlier child /devices/q/c
    expect(drainReady(q)).toEqual([100, 102, 104]);
    q.finish(evs[2] as Ev);
    expect(drainReady(q)).toEqual([103]);
    q.finish(evs[0] as Ev);
    expect(drainReady(q)).toEqual([101]);
  });

  it('waits for every earlier conflicting event, queued ones included', () => {
    const { q, evs } = queueOf(['/devices/p', '/devices/p/c', '/devices/p/c/d']);
    expect(drainReady(q)).toEqual([100]);
    q.finish(evs[0] as Ev);
    // d also conflicts with /devices/p/c, which has not run yet
    expect(drainReady(q)).toEqual([101]);
    q.finish(evs[1] as Ev);
    expect(drainReady(q)).toEqual([102]);
    q.finish(evs[2] as Ev);
    expect(q.empty).toBe(true);
  });

  it('dispatches the lowest ready SEQNUM first even when it became ready late', () => {
    const { q, evs } = queueOf(['/devices/a', '/devices/a', '/devices/b', '/devices/c']);
    expect(q.next()?.seqnum).toBe(100);
    q.finish(evs[0] as Ev);
    // 101 became ready after 102 and 103, and still goes first
    expect(drainReady(q)).toEqual([101, 102, 103]);
  });

  it('rejects SEQNUMs that do not increase and finishing an event that is not running', () => {
    const q = new EventQueue<Ev>();
    q.push({ seqnum: 5, devpath: '/devices/a' });
    expect(() => q.push({ seqnum: 5, devpath: '/devices/b' })).toThrow(/SEQNUM 5/);
    expect(() => q.finish({ seqnum: 9, devpath: '/devices/z' })).toThrow(/not running/);
  });
});
