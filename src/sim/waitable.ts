/**
 * Waitables: what a process yields to wait for something. The engine's own
 * base class for them is `Wait` (process.ts); this file holds the types and
 * markers every layer shares.
 */

export interface Waitable<T> {
  [Symbol.iterator](): Generator<Waitable<unknown>, T, unknown>;
}

/** What a process body is: a generator yielding waitables, returning T. */
export type ProcessBody<T> = Generator<Waitable<unknown>, T, unknown>;

/** Returned by `arm`/`recheck`: the process sleeps until an event resumes it. */
export const PENDING: unique symbol = Symbol('pending');
/** Returned by `arm`/`recheck`: throw the engine's pending error (`_throwNow`) into the process at once. */
export const THROW: unique symbol = Symbol('throw');
export type Armed<T> = T | typeof PENDING | typeof THROW;

/** An error with the errno-style code 'EDEADLK': a wait that could only end by itself. */
export function deadlockError(message: string): Error & { code: 'EDEADLK' } {
  return Object.assign(new Error(`sim: ${message} (EDEADLK)`), { code: 'EDEADLK' as const });
}
