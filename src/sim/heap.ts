/**
 * The event heap: a 4-ary min-heap ordered by (time, seq).
 *
 * Hand-written because it is the engine's hot path: event records are owned
 * by their process and reused, each knows its own heap index (so a cancelled
 * timeout or a killed process's wake-up is removed in O(log n)), and nothing
 * is allocated per push or pop. The keys are kept beside the events in two
 * Float64Arrays, so sifting compares numbers in contiguous memory instead of
 * loading each event's boxed `_time`; four children per node halve the depth
 * of a binary heap, and comparisons are what is cheap here. An event earlier
 * than everything else waits in a front slot instead of being sifted to the
 * root: the next arrival, a short delay, is usually such an event, and it
 * then costs no sifting at all.
 */
import type { SimEvent } from './event.js';
import type { Ns } from './time.js';

/** `_index` of the event in the heap's front slot (the agenda's AT_NOW is -2, unscheduled -1). */
const FRONT = -3;
/** Children per node. */
const ARITY = 4;

export class EventHeap<E extends SimEvent = SimEvent> {
  #items: (E | undefined)[] = new Array<E | undefined>(64).fill(undefined);
  /** `_time` and `_seq` of `#items[i]` at index i (an event's key never changes while it is scheduled). */
  #times = new Float64Array(64);
  #seqs = new Float64Array(64);
  #n = 0;
  /** Earlier than every event in #items, when set. */
  #front: E | null = null;

  get size(): number {
    return this.#n + (this.#front === null ? 0 : 1);
  }

  /** The earliest event, without removing it. */
  top(): E | undefined {
    return this.#front ?? (this.#n === 0 ? undefined : this.#items[0]);
  }

  push(ev: E): void {
    const front = this.#front;
    if (front === null) {
      if (this.#n === 0 || earlier(ev._time, ev._seq, this.#times[0] as number, this.#seqs[0] as number)) {
        ev._index = FRONT;
        this.#front = ev;
        return;
      }
    } else if (earlier(ev._time, ev._seq, front._time, front._seq)) {
      this.#insert(front);
      ev._index = FRONT;
      this.#front = ev;
      return;
    }
    this.#insert(ev);
  }

  /** Removes and returns the earliest event; the heap must not be empty. */
  pop(): E {
    const front = this.#front;
    if (front !== null) {
      this.#front = null;
      front._index = -1;
      return front;
    }
    const top = this.#items[0] as E;
    this.#removeAt(0);
    return top;
  }

  /** Appends every event at time `t` (the earliest time) to `out`, in no particular order. */
  collect(t: Ns, out: E[]): void {
    if (this.#front !== null && this.#front._time === t) out.push(this.#front);
    const n = this.#n;
    if (n === 0) return;
    const times = this.#times;
    const stack = [0];
    while (stack.length > 0) {
      const i = stack.pop() as number;
      if (times[i] !== t) continue; // nothing below is earlier
      out.push(this.#items[i] as E);
      const first = ARITY * i + 1;
      const end = Math.min(first + ARITY, n);
      for (let c = first; c < end; c++) stack.push(c);
    }
  }

  /** Removes a scheduled event wherever it sits. */
  remove(ev: E): void {
    if (ev._index === FRONT) {
      this.#front = null;
      ev._index = -1;
      return;
    }
    this.#removeAt(ev._index);
  }

  #insert(ev: E): void {
    if (this.#n === this.#items.length) this.#grow();
    this.#up(this.#n++, ev, ev._time, ev._seq);
  }

  /** Takes out the event at `i`: the last one fills the hole and moves up or down. */
  #removeAt(i: number): void {
    const items = this.#items;
    (items[i] as E)._index = -1;
    const last = --this.#n;
    const ev = items[last] as E;
    items[last] = undefined;
    if (last === i) return;
    const t = this.#times[last] as number;
    const s = this.#seqs[last] as number;
    const parent = (i - 1) >> 2;
    if (i > 0 && earlier(t, s, this.#times[parent] as number, this.#seqs[parent] as number)) this.#up(i, ev, t, s);
    else this.#down(i, ev, t, s);
  }

  /** Places `ev` (key t, s) at hole `i`, moving later parents down. */
  #up(i: number, ev: E, t: number, s: number): void {
    const items = this.#items;
    const times = this.#times;
    const seqs = this.#seqs;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const pt = times[parent] as number;
      const ps = seqs[parent] as number;
      if (!earlier(t, s, pt, ps)) break;
      const p = items[parent] as E;
      items[i] = p;
      times[i] = pt;
      seqs[i] = ps;
      p._index = i;
      i = parent;
    }
    items[i] = ev;
    times[i] = t;
    seqs[i] = s;
    ev._index = i;
  }

  /** Places `ev` (key t, s) at hole `i`, moving the earliest child up while it is earlier. */
  #down(i: number, ev: E, t: number, s: number): void {
    const items = this.#items;
    const times = this.#times;
    const seqs = this.#seqs;
    const n = this.#n;
    for (;;) {
      const first = ARITY * i + 1;
      if (first >= n) break;
      let c = first;
      let ct = times[first] as number;
      let cs = seqs[first] as number;
      const end = first + ARITY < n ? first + ARITY : n;
      for (let k = first + 1; k < end; k++) {
        const kt = times[k] as number;
        if (kt < ct || (kt === ct && (seqs[k] as number) < cs)) {
          c = k;
          ct = kt;
          cs = seqs[k] as number;
        }
      }
      if (!earlier(ct, cs, t, s)) break;
      const child = items[c] as E;
      items[i] = child;
      times[i] = ct;
      seqs[i] = cs;
      child._index = i;
      i = c;
    }
    items[i] = ev;
    times[i] = t;
    seqs[i] = s;
    ev._index = i;
  }

  #grow(): void {
    const size = this.#items.length * 2;
    this.#items = this.#items.concat(new Array<E | undefined>(size - this.#items.length).fill(undefined));
    const times = new Float64Array(size);
    times.set(this.#times);
    this.#times = times;
    const seqs = new Float64Array(size);
    seqs.set(this.#seqs);
    this.#seqs = seqs;
  }
}

/** (t1, s1) before (t2, s2). */
function earlier(t1: number, s1: number, t2: number, s2: number): boolean {
  return t1 < t2 || (t1 === t2 && s1 < s2);
}
