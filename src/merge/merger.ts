/**
 * The Promise front end over the merge core.
 *
 * `Merger.run(key, fn)` runs `fn` once for all concurrent callers of `key`.
 * Guarantees (each has its own test in test/merge):
 *
 * 1. Concurrent requests for one key share one run; each caller learns its
 *    `role`: `'lead'` (its call ran `fn`) or `'join'`.
 * 2. The entry is removed when the run completes — resolve, reject or a
 *    synchronous throw — so the next request runs `fn` again. Nothing is
 *    cached.
 * 3. Completion removes only its own entry.
 * 4. Every outcome reaches every caller still waiting; none can hang.
 * 5. A caller may leave by its own `signal` or `timeoutMs` without
 *    cancelling the run: it rejects (with the signal's reason, or an error
 *    named `TimeoutError`) while the run goes on for the others. With
 *    `abortWhenAbandoned`, the run's own signal aborts once every caller
 *    has left.
 * 6. A request for a key from inside that key's own run (same merger, same
 *    async context) rejects at once with an error whose `code` is
 *    `'EDEADLK'`, instead of waiting for itself forever.
 * 7. `mapJoin(outcome)` decides what joiners receive; the leader always gets
 *    the real outcome.
 * 8. The key is the caller's choice: anything a `Map` can key on.
 * 9. `stats()` counts runs, joins, leaves and keys in flight; nothing is
 *    retained per settled key.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { MergeCore, type Flight, type MergeStats, type Outcome } from './core.js';

export type { MergeStats, Outcome } from './core.js';

export interface MergerOptions<V> {
  /**
   * What joiners receive, from the leader's outcome. Return `{ ok: true,
   * value }` to resolve them or `{ ok: false, error }` to reject them.
   * Default: the leader's outcome unchanged.
   */
  mapJoin?: (outcome: Outcome<V>) => Outcome<V>;
  /** Abort the run's signal when every caller has left before it settled. */
  abortWhenAbandoned?: boolean;
}

export interface RunOptions {
  /** Leave when this signal aborts: this caller rejects with its reason; the run goes on. */
  signal?: AbortSignal;
  /** Leave after this many milliseconds, rejecting with an error named `TimeoutError`. */
  timeoutMs?: number;
}

export interface RunResult<V> {
  readonly value: V;
  readonly role: 'lead' | 'join';
}

/** Thrown (as a rejection) for a request made from inside its own key's run. */
export class MergeDeadlockError extends Error {
  readonly code = 'EDEADLK';
  constructor(readonly key: unknown) {
    super(`merge: request for key ${String(key)} from inside its own run would wait for itself (EDEADLK)`);
    this.name = 'MergeDeadlockError';
  }
}

/** Thrown (as a rejection) for a caller whose `timeoutMs` ran out before its run settled. */
export class MergeTimeoutError extends Error {
  constructor(readonly key: unknown, readonly timeoutMs: number) {
    super(`merge: gave up waiting for key ${String(key)} after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/** One frame per run on the async call stack: which merger is running which key. */
interface RunFrame {
  readonly merger: object;
  readonly key: unknown;
  readonly parent: RunFrame | undefined;
}

const runStack = new AsyncLocalStorage<RunFrame>();

/** A signal that never aborts, shared by runs that do not ask for abandonment. */
const neverAborted = new AbortController().signal;

type Deliver = (outcome: Outcome<unknown>) => void;

/** Per-run state the front end keeps beside the core's flight. */
interface Run<V> {
  readonly flight: Flight<unknown, Deliver>;
  /** Settles with the leader's outcome; never rejects. */
  readonly outcome: Promise<Outcome<V>>;
  /** Shared by every joiner without a signal or timeout: one promise, not one each. */
  joined: Promise<RunResult<V>> | undefined;
  readonly controller: AbortController | undefined;
}

export class Merger<K, V> {
  readonly #core = new MergeCore<unknown, Deliver>();
  readonly #runs = new Map<K, Run<V>>();
  readonly #mapJoin: ((outcome: Outcome<V>) => Outcome<V>) | undefined;
  readonly #abortWhenAbandoned: boolean;

  constructor(options: MergerOptions<V> = {}) {
    this.#mapJoin = options.mapJoin;
    this.#abortWhenAbandoned = options.abortWhenAbandoned ?? false;
  }

  /**
   * Runs `fn` for `key`, or joins the run already in flight for it. The
   * leader's promise settles with `fn`'s outcome; joiners' with
   * `mapJoin(outcome)`. `fn` gets the run's signal (aborted only when every
   * caller left and `abortWhenAbandoned` is set).
   */
  run(key: K, fn: (signal: AbortSignal) => V | PromiseLike<V>, options: RunOptions = {}): Promise<RunResult<V>> {
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#insideOwnRun(key)) return Promise.reject(new MergeDeadlockError(key));

    const existing = this.#runs.get(key);
    if (existing !== undefined) {
      if (signal === undefined && timeoutMs === undefined) {
        this.#core.begin(key);
        existing.joined ??= existing.outcome.then((o) => this.#joinResult(o));
        return existing.joined;
      }
      return this.#waitLeaving(key, existing, 'join', signal, timeoutMs);
    }

    const begun = this.#core.begin(key);
    const controller = this.#abortWhenAbandoned ? new AbortController() : undefined;
    const outcome = this.#start(key, begun.flight, fn, controller?.signal ?? neverAborted);
    const run: Run<V> = { flight: begun.flight, outcome, joined: undefined, controller };
    // A synchronous throw settles before we get here: then the entry is already gone.
    if (!begun.flight.settled) this.#runs.set(key, run);
    if (signal === undefined && timeoutMs === undefined) {
      return outcome.then(leaderResult);
    }
    return this.#waitLeaving(key, run, 'lead', signal, timeoutMs);
  }

  /** Whether a run for `key` is in flight. */
  inFlight(key: K): boolean {
    return this.#core.inFlight(key);
  }

  /** Keys with a run in flight. */
  get size(): number {
    return this.#core.size;
  }

  stats(): MergeStats {
    return this.#core.stats();
  }

  /** Starts the leader's body inside a frame that marks `key` as running here. */
  #start(
    key: K,
    flight: Flight<unknown, Deliver>,
    fn: (signal: AbortSignal) => V | PromiseLike<V>,
    signal: AbortSignal,
  ): Promise<Outcome<V>> {
    let produced: V | PromiseLike<V>;
    try {
      produced = runStack.run({ merger: this, key, parent: runStack.getStore() }, fn, signal);
    } catch (error) {
      const failed: Outcome<V> = { ok: false, error };
      this.#finish(key, flight, failed);
      return Promise.resolve(failed);
    }
    return Promise.resolve(produced).then(
      (value) => this.#finish(key, flight, { ok: true, value }),
      (error: unknown) => this.#finish(key, flight, { ok: false, error }),
    );
  }

  /** Settles this run's own flight; a newer run under the same key is left alone. */
  #finish(key: K, flight: Flight<unknown, Deliver>, outcome: Outcome<V>): Outcome<V> {
    const woken = this.#core.settle(flight, outcome);
    if (this.#runs.get(key)?.flight === flight) this.#runs.delete(key);
    for (const deliver of woken) deliver(outcome);
    return outcome;
  }

  #joinResult(outcome: Outcome<V>): RunResult<V> {
    const mapped = this.#mapJoin ? this.#mapJoin(outcome) : outcome;
    if (!mapped.ok) throw mapped.error;
    return { value: mapped.value, role: 'join' };
  }

  /** A caller (leader or joiner) that may leave by signal or timeout before the run settles. */
  #waitLeaving(
    key: K,
    run: Run<V>,
    role: 'lead' | 'join',
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
  ): Promise<RunResult<V>> {
    return new Promise<RunResult<V>>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const deliver: Deliver = (o) => {
        cleanup();
        try {
          resolve(role === 'lead' ? leaderResult(o as Outcome<V>) : this.#joinResult(o as Outcome<V>));
        } catch (error) {
          reject(error);
        }
      };
      const leave = (reason: unknown): void => {
        cleanup();
        // The leader is present without a waiter entry; joiners leave through theirs.
        const abandoned = this.#core.leave(run.flight, role === 'join' ? deliver : undefined);
        if (abandoned && run.controller !== undefined) run.controller.abort(reason);
        reject(reason);
      };
      const onAbort = (): void => leave(signal?.reason);

      if (run.flight.settled) {
        // A synchronous throw already settled the leader's run.
        void run.outcome.then(deliver);
        return;
      }
      if (role === 'join') this.#core.begin(key, deliver);
      else void run.outcome.then(deliver);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => leave(new MergeTimeoutError(key, timeoutMs)), timeoutMs);
      }
    });
  }

  #insideOwnRun(key: K): boolean {
    for (let frame = runStack.getStore(); frame !== undefined; frame = frame.parent) {
      if (frame.merger === this && Object.is(frame.key, key)) return true;
    }
    return false;
  }
}

function leaderResult<V>(outcome: Outcome<V>): RunResult<V> {
  if (!outcome.ok) throw outcome.error;
  return { value: outcome.value, role: 'lead' };
}
