/**
 * The agenda: every scheduled step, and which one runs next.
 *
 * Steps for a later instant live in the (time, seq) heap. Steps scheduled
 * for the current instant — most wake-ups, grants and starts — skip the heap
 * and go to a FIFO: heap steps at the current instant were all scheduled
 * before the clock got there, so they come first, then the FIFO in order.
 * FIFO entries are (event, seq) pairs; one whose event was unscheduled or
 * rescheduled since is stale and skipped, so removal is O(1).
 */
import { AT_NOW, type SimEvent } from './event.js';
import { EventHeap } from './heap.js';
import type { Ns } from './time.js';

export class Agenda<E extends SimEvent = SimEvent> {
  readonly #heap = new EventHeap<E>();
  #nowEvents: (E | undefined)[] = new Array<E | undefined>(64).fill(undefined);
  #nowSeqs: number[] = new Array<number>(64).fill(0);
  #nowHead = 0;
  #nowTail = 0;
  #nowLive = 0;

  /** Steps scheduled and not yet taken. */
  get size(): number {
    return this.#heap.size + this.#nowLive;
  }

  /** Adds `ev` (its `_time` and `_seq` set); `now` is the clock. */
  add(ev: E, now: Ns): void {
    if (ev._time !== now) {
      this.#heap.push(ev);
      return;
    }
    ev._index = AT_NOW;
    if (this.#nowTail === this.#nowEvents.length) this.#growNow();
    this.#nowEvents[this.#nowTail] = ev;
    this.#nowSeqs[this.#nowTail++] = ev._seq;
    this.#nowLive++;
  }

  /** Takes a scheduled step back. */
  remove(ev: E): void {
    if (ev._index === AT_NOW) {
      ev._index = -1; // its FIFO slot goes stale
      this.#nowLive--;
    } else if (ev._index !== -1) this.#heap.remove(ev);
  }

  /** Whether a step is due at or before `until` (the clock being `now` ≤ `until`). */
  hasDue(until: Ns): boolean {
    const top = this.#heap.top();
    return this.#nowLive > 0 || (top !== undefined && top._time <= until);
  }

  /** The instant of the next step (`now` while steps for it are left), or Infinity if none. */
  nextTime(now: Ns): Ns {
    if (this.#nowLive > 0) return now;
    const top = this.#heap.top();
    return top === undefined ? Infinity : top._time;
  }

  /** The next step in (time, seq) order, or null if none is due by `until`. */
  takeNext(now: Ns, until: Ns): E | null {
    const heap = this.#heap;
    const top = heap.top();
    if (top !== undefined && top._time === now) return heap.pop();
    if (this.#nowLive > 0) return this.#shiftNow();
    if (top === undefined || top._time > until) return null;
    this.#clearNow();
    return heap.pop();
  }

  /**
   * Every step at the earliest instant (≤ `until`), in seq order — heap
   * steps first, then the FIFO — or an empty list. Taking one is `remove`.
   */
  ready(now: Ns, until: Ns): E[] {
    let t: Ns;
    if (this.#nowLive > 0) t = now;
    else {
      const top = this.#heap.top();
      if (top === undefined || top._time > until) return [];
      this.#clearNow();
      t = top._time;
    }
    const ready: E[] = [];
    this.#heap.collect(t, ready);
    ready.sort((a, b) => a._seq - b._seq);
    const events = this.#nowEvents;
    for (let i = this.#nowHead; i < this.#nowTail; i++) {
      const ev = events[i] as E;
      if (ev._index === AT_NOW && ev._seq === this.#nowSeqs[i]) ready.push(ev);
    }
    return ready;
  }

  /** The first live FIFO step (there must be one). */
  #shiftNow(): E {
    const events = this.#nowEvents;
    const seqs = this.#nowSeqs;
    for (;;) {
      const i = this.#nowHead++;
      const ev = events[i] as E;
      events[i] = undefined;
      if (ev._index === AT_NOW && ev._seq === seqs[i]) {
        ev._index = -1;
        if (--this.#nowLive === 0) this.#clearNow();
        return ev;
      }
    }
  }

  /** Empties the FIFO (only stale entries may be left); its arrays are kept for reuse. */
  #clearNow(): void {
    const events = this.#nowEvents;
    for (let i = this.#nowHead; i < this.#nowTail; i++) events[i] = undefined;
    this.#nowHead = 0;
    this.#nowTail = 0;
  }

  /** Makes room at the FIFO's tail: slides the live part down, or doubles the arrays. */
  #growNow(): void {
    const head = this.#nowHead;
    const tail = this.#nowTail;
    const count = tail - head;
    const events = this.#nowEvents;
    const seqs = this.#nowSeqs;
    if (head > events.length >> 1) {
      events.copyWithin(0, head, tail);
      seqs.copyWithin(0, head, tail);
      events.fill(undefined, count, tail);
    } else {
      const size = events.length * 2;
      this.#nowEvents = events.slice(head, tail).concat(new Array<E | undefined>(size - count).fill(undefined));
      this.#nowSeqs = seqs.slice(head, tail).concat(new Array<number>(size - count).fill(0));
    }
    this.#nowHead = 0;
    this.#nowTail = count;
  }
}
