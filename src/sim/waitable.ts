/**
 * Waitables: what a process yields to wait for something.
 *
 * Every waitable is its own iterator, so `const r = yield* w` is typed and
 * costs no extra generator; a plain `yield w` works too (the result is then
 * `unknown`). `yield*` always calls `[Symbol.iterator]()` and the first
 * `next()` back to back, which is why one object can serve several
 * processes waiting on it at once.
 */
import type { Process } from './process.js';

export interface Waitable<T> {
  [Symbol.iterator](): Generator<Waitable<unknown>, T, unknown>;
}

/** What a process body is: a generator yielding waitables, returning T. */
export type ProcessBody<T> = Generator<Waitable<unknown>, T, unknown>;

/** Returned by `arm`/`recheck`: the process sleeps until an event resumes it. */
export const PENDING: unique symbol = Symbol('pending');
/** Returned by `arm`/`recheck`: throw `process.sim._thrown` into the process at once. */
export const THROW: unique symbol = Symbol('throw');
export type Armed<T> = T | typeof PENDING | typeof THROW;

/** Base of every engine waitable. The `_` methods are the engine's protocol. */
export abstract class Wait<T> implements Waitable<T> {
  #step = 0;

  [Symbol.iterator](): Generator<Waitable<unknown>, T, unknown> {
    this.#step = 0;
    return this as unknown as Generator<Waitable<unknown>, T, unknown>;
  }

  next(received?: unknown): IteratorResult<Waitable<unknown>, T> {
    if (this.#step === 0) {
      this.#step = 1;
      return { done: false, value: this };
    }
    return { done: true, value: received as T };
  }

  throw(error: unknown): never {
    throw error;
  }

  return(value: T): IteratorResult<Waitable<unknown>, T> {
    return { done: true, value };
  }

  /**
   * Starts waiting: returns the result at once (the process goes on in the
   * same step), or PENDING after arranging for an event to resume it.
   */
  abstract _arm(p: Process<unknown>): Armed<T>;

  /** A woken waiter's own turn: the result, or PENDING after re-queueing. */
  _recheck(_p: Process<unknown>): Armed<T> {
    throw new Error(`sim: ${this.constructor.name} cannot be re-checked`);
  }

  /** The waiter's timeout ran out (it has already left its queue). */
  _timeout(_p: Process<unknown>): Armed<T> {
    throw new Error(`sim: ${this.constructor.name} has no timeout`);
  }

  /**
   * The waiter is killed in this wait (already out of any ProcQueue).
   * `wakePending`: a step to resume it was scheduled and is now dropped —
   * a waitable that woke this waiter alone (a completion's `complete`)
   * passes the wake-up on.
   */
  _onKill(_p: Process<unknown>, _wakePending: boolean): void {}
}

/** An error with the errno-style code 'EDEADLK': a wait that could only end by itself. */
export function deadlockError(message: string): Error & { code: 'EDEADLK' } {
  return Object.assign(new Error(`sim: ${message} (EDEADLK)`), { code: 'EDEADLK' as const });
}
