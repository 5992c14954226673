/**
 * The event heap: a binary min-heap ordered by (time, seq).
 *
 * Hand-written because it is the engine's hot path: event records are owned
 * by their process and reused, each knows its own heap index (so a cancelled
 * timeout or a killed process's wake-up is removed in O(log n)), and nothing
 * is allocated per push or pop. An event earlier than everything else waits
 * in a front slot instead of being sifted to the root: the next arrival, a
 * short delay, is usually such an event, and it then costs no sifting at all.
 */
import type { SimEvent } from './event.js';
import type { Ns } from './time.js';

/** `_index` of the event in the heap's front slot (the agenda's AT_NOW is -2, unscheduled -1). */
const FRONT = -3;

function before(a: SimEvent, b: SimEvent): boolean {
  return a._time < b._time || (a._time === b._time && a._seq < b._seq);
}

export class EventHeap<E extends SimEvent = SimEvent> {
  readonly #items: E[] = [];
  /** Earlier than every event in #items, when set. */
  #front: E | null = null;

  get size(): number {
    return this.#items.length + (this.#front === null ? 0 : 1);
  }

  /** The earliest event, without removing it. */
  top(): E | undefined {
    return this.#front ?? this.#items[0];
  }

  push(ev: E): void {
    const front = this.#front;
    if (front === null) {
      const root = this.#items[0];
      if (root === undefined || before(ev, root)) {
        ev._index = FRONT;
        this.#front = ev;
        return;
      }
    } else if (before(ev, front)) {
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
    const items = this.#items;
    const top = items[0] as E;
    const last = items.pop() as E;
    if (last !== top) {
      items[0] = last;
      last._index = 0;
      this.#down(0);
    }
    top._index = -1;
    return top;
  }

  /** Appends every event at time `t` (the earliest time) to `out`, in no particular order. */
  collect(t: Ns, out: E[]): void {
    if (this.#front !== null && this.#front._time === t) out.push(this.#front);
    const items = this.#items;
    const n = items.length;
    if (n === 0) return;
    const stack = [0];
    while (stack.length > 0) {
      const i = stack.pop() as number;
      const ev = items[i] as E;
      if (ev._time !== t) continue; // nothing below is earlier
      out.push(ev);
      const c = 2 * i + 1;
      if (c < n) stack.push(c);
      if (c + 1 < n) stack.push(c + 1);
    }
  }

  #insert(ev: E): void {
    const items = this.#items;
    ev._index = items.length;
    items.push(ev);
    this.#up(ev._index);
  }

  /** Removes a scheduled event wherever it sits. */
  remove(ev: E): void {
    if (ev._index === FRONT) {
      this.#front = null;
      ev._index = -1;
      return;
    }
    const items = this.#items;
    const i = ev._index;
    const last = items.pop() as E;
    ev._index = -1;
    if (last === ev) return;
    items[i] = last;
    last._index = i;
    if (i > 0 && before(last, items[(i - 1) >> 1] as E)) this.#up(i);
    else this.#down(i);
  }

  #up(i: number): void {
    const items = this.#items;
    const ev = items[i] as E;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = items[parentIndex] as E;
      if (!before(ev, parent)) break;
      items[i] = parent;
      parent._index = i;
      i = parentIndex;
    }
    items[i] = ev;
    ev._index = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const ev = items[i] as E;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && before(items[right] as E, items[child] as E)) child = right;
      const c = items[child] as E;
      if (!before(c, ev)) break;
      items[i] = c;
      c._index = i;
      i = child;
    }
    items[i] = ev;
    ev._index = i;
  }
}
