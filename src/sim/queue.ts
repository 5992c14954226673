/**
 * A FIFO of waiting processes (wait queue, completion, mutex, CPU pool).
 * Entries are (process, epoch) pairs in a ring buffer: a waiter that leaves
 * early (timeout, signal, kill) just bumps its epoch, and its stale entry is
 * skipped when reached — removal is O(1) and no entry object is allocated
 * per wait. The two fields it keeps on each process (`_queue`, `_epoch`)
 * are this file's alone.
 */

/** What the queue keeps on each waiter. */
export interface Queued {
  _queue: object | null;
  _epoch: number;
}

export class ProcQueue<P extends Queued> {
  #procs: (P | undefined)[] = new Array<P | undefined>(4);
  #epochs: number[] = [0, 0, 0, 0];
  #head = 0;
  /** Entries in the ring, stale ones included. */
  #length = 0;
  /** Waiters really queued (stale entries excluded). */
  live = 0;

  /** Queues `p`; it stays queued until shifted or cancelled. */
  push(p: P): void {
    let cap = this.#procs.length;
    if (this.#length === cap) {
      // Mostly stale (waiters that left and were never reached): compact instead of growing.
      this.#resize(this.live * 2 < cap ? cap : cap * 2);
      cap = this.#procs.length;
    }
    const at = (this.#head + this.#length) & (cap - 1);
    this.#procs[at] = p;
    this.#epochs[at] = p._epoch;
    this.#length++;
    this.live++;
    p._queue = this;
  }

  /** Takes the first waiter still queued, or null. */
  shift(): P | null {
    const procs = this.#procs;
    const mask = procs.length - 1;
    while (this.#length > 0) {
      const at = this.#head;
      const p = procs[at] as P;
      const epoch = this.#epochs[at];
      procs[at] = undefined;
      this.#head = (at + 1) & mask;
      this.#length--;
      if (p._queue === this && p._epoch === epoch) {
        p._queue = null;
        p._epoch++;
        this.live--;
        return p;
      }
    }
    return null;
  }

  /** Takes `p` out if it is queued here (its entry goes stale); a no-op otherwise. */
  cancel(p: P): void {
    if (p._queue !== this) return;
    this.live--;
    p._queue = null;
    p._epoch++;
  }

  /** Waiters still queued, in order, without removing them. */
  list(): P[] {
    const out: P[] = [];
    const mask = this.#procs.length - 1;
    for (let k = 0; k < this.#length; k++) {
      const at = (this.#head + k) & mask;
      const p = this.#procs[at] as P;
      if (p._queue === this && p._epoch === this.#epochs[at]) out.push(p);
    }
    return out;
  }

  /** Copies the live entries, in order, into fresh arrays of `size` slots (a power of two). */
  #resize(size: number): void {
    const mask = this.#procs.length - 1;
    const procs = new Array<P | undefined>(size);
    const epochs = new Array<number>(size).fill(0);
    let n = 0;
    for (let k = 0; k < this.#length; k++) {
      const at = (this.#head + k) & mask;
      const p = this.#procs[at] as P;
      const epoch = this.#epochs[at] as number;
      if (p._queue === this && p._epoch === epoch) {
        procs[n] = p;
        epochs[n++] = epoch;
      }
    }
    this.#procs = procs;
    this.#epochs = epochs;
    this.#head = 0;
    this.#length = n;
  }
}
