/**
 * A FIFO of waiting processes (wait queue, completion, mutex, CPU pool,
 * joiners). Entries are (process, epoch) pairs in a ring buffer: a waiter
 * that leaves early (timeout, signal, kill) just bumps its epoch, and its
 * stale entry is skipped when reached — removal is O(1) and no entry object
 * is allocated per wait.
 */
import type { Process } from './process.js';

export class ProcQueue {
  #procs: (Process<unknown> | undefined)[] = new Array<Process<unknown> | undefined>(4);
  #epochs: number[] = [0, 0, 0, 0];
  #head = 0;
  /** Entries in the ring, stale ones included. */
  #length = 0;
  /** Waiters really queued (stale entries excluded). */
  live = 0;

  /** Queues `p`; it stays queued until shifted or cancelled (`cancelQueued`). */
  push(p: Process<unknown>): void {
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
  shift(): Process<unknown> | null {
    const procs = this.#procs;
    const mask = procs.length - 1;
    while (this.#length > 0) {
      const at = this.#head;
      const p = procs[at] as Process<unknown>;
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

  /** Waiters still queued, in order, without removing them. */
  list(): Process<unknown>[] {
    const out: Process<unknown>[] = [];
    const mask = this.#procs.length - 1;
    for (let k = 0; k < this.#length; k++) {
      const at = (this.#head + k) & mask;
      const p = this.#procs[at] as Process<unknown>;
      if (p._queue === this && p._epoch === this.#epochs[at]) out.push(p);
    }
    return out;
  }

  /** Copies the live entries, in order, into fresh arrays of `size` slots (a power of two). */
  #resize(size: number): void {
    const mask = this.#procs.length - 1;
    const procs = new Array<Process<unknown> | undefined>(size);
    const epochs = new Array<number>(size).fill(0);
    let n = 0;
    for (let k = 0; k < this.#length; k++) {
      const at = (this.#head + k) & mask;
      const p = this.#procs[at] as Process<unknown>;
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

/** Takes `p` out of whatever queue it waits in (its entry goes stale). */
export function cancelQueued(p: Process<unknown>): void {
  const q = p._queue;
  if (q !== null) {
    q.live--;
    p._queue = null;
    p._epoch++;
  }
}
