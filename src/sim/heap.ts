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
import type { Ns } from './time.js';
import type { Process } from './process.js';
import { START_STEP, type Step } from './step.js';

/** What an event does when it is processed. */
export const K_RESUME = 0; // resume the process with `value` (start, delay, grant, join)
export const K_THROW = 1; // throw `value` into the process
export const K_RECHECK = 2; // a woken waiter re-checks its condition in its own turn
export const K_TIMEOUT = 3; // the waiter's timeout ran out
export const K_CPU = 4; // the process's CPU slice ended

/** `_index` of an event in the engine's FIFO of steps at the current instant (not in the heap). */
export const AT_NOW = -2;
/** `_index` of the event in the heap's front slot. */
const FRONT = -3;

/**
 * A scheduled step. A process is itself the event for its main step (start,
 * delay, wake-up, grant, CPU end): one allocation fewer per process; only a
 * timeout gets an event object of its own.
 */
export class SimEvent {
  /** @internal */ _time: Ns = 0;
  /** @internal */ _seq = 0;
  /** @internal position in the heap; AT_NOW in the engine's queue of steps at the current instant; -1 when not scheduled */ _index = -1;
  /** @internal what processing it does (K_*) */ _kind = K_RESUME;
  /** @internal what the step is, for the tie chooser and the trace */ _step: Step = START_STEP;
  /** @internal */ _value: unknown = undefined;
  /** @internal the process it resumes */ readonly _proc: Process<unknown>;

  constructor(proc: Process<unknown> | null) {
    this._proc = proc ?? (this as unknown as Process<unknown>);
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a._time < b._time || (a._time === b._time && a._seq < b._seq);
}

export class EventHeap {
  readonly #items: SimEvent[] = [];
  /** Earlier than every event in #items, when set. */
  #front: SimEvent | null = null;

  get size(): number {
    return this.#items.length + (this.#front === null ? 0 : 1);
  }

  /** The earliest event, without removing it. */
  top(): SimEvent | undefined {
    return this.#front ?? this.#items[0];
  }

  push(ev: SimEvent): void {
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
  pop(): SimEvent {
    const front = this.#front;
    if (front !== null) {
      this.#front = null;
      front._index = -1;
      return front;
    }
    const items = this.#items;
    const top = items[0] as SimEvent;
    const last = items.pop() as SimEvent;
    if (last !== top) {
      items[0] = last;
      last._index = 0;
      this.#down(0);
    }
    top._index = -1;
    return top;
  }

  /** Appends every event at time `t` (the earliest time) to `out`, in no particular order. */
  collect(t: Ns, out: SimEvent[]): void {
    if (this.#front !== null && this.#front._time === t) out.push(this.#front);
    const items = this.#items;
    const n = items.length;
    if (n === 0) return;
    const stack = [0];
    while (stack.length > 0) {
      const i = stack.pop() as number;
      const ev = items[i] as SimEvent;
      if (ev._time !== t) continue; // nothing below is earlier
      out.push(ev);
      const c = 2 * i + 1;
      if (c < n) stack.push(c);
      if (c + 1 < n) stack.push(c + 1);
    }
  }

  #insert(ev: SimEvent): void {
    const items = this.#items;
    ev._index = items.length;
    items.push(ev);
    this.#up(ev._index);
  }

  /** Removes a scheduled event wherever it sits. */
  remove(ev: SimEvent): void {
    if (ev._index === FRONT) {
      this.#front = null;
      ev._index = -1;
      return;
    }
    const items = this.#items;
    const i = ev._index;
    const last = items.pop() as SimEvent;
    ev._index = -1;
    if (last === ev) return;
    items[i] = last;
    last._index = i;
    if (i > 0 && before(last, items[(i - 1) >> 1] as SimEvent)) this.#up(i);
    else this.#down(i);
  }

  #up(i: number): void {
    const items = this.#items;
    const ev = items[i] as SimEvent;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = items[parentIndex] as SimEvent;
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
    const ev = items[i] as SimEvent;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && before(items[right] as SimEvent, items[child] as SimEvent)) child = right;
      const c = items[child] as SimEvent;
      if (!before(c, ev)) break;
      items[i] = c;
      c._index = i;
      i = child;
    }
    items[i] = ev;
    ev._index = i;
  }
}
