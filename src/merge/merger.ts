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
 * 3. Completion removes only its own entry: a run that was abandoned and
 *    forgotten (see 5) never removes the newer run for its key.
 * 4. Every outcome reaches every caller still waiting, exactly once; none
 *    can hang while the run's body settles.
 * 5. A caller may leave by its own `signal` or `timeoutMs` without
 *    cancelling the run: it rejects (with the signal's reason, or an error
 *    named `TimeoutError`) while the run goes on for the others. With
 *    `abortWhenAbandoned`, once every caller has left, the run's own signal
 *    aborts (with the last leaver's reason) and the run is forgotten, so the
 *    next request starts afresh instead of joining an aborted run. Without
 *    it, a run nobody waits for goes on and later callers still join it.
 * 6. A request for a key from inside that key's own run (same merger, same
 *    async context, directly or through nested runs, while that run is in
 *    flight) rejects at once with an error whose `code` is `'EDEADLK'`,
 *    instead of waiting for itself. A call from a context the run has
 *    outlived (a timer set in its body) is an ordinary request. Holds
 *    unless the merger was built with `detectDeadlock: false`.
 * 7. `mapJoin(outcome)` decides what joiners receive, once per run; the
 *    leader always gets the real outcome. If `mapJoin` throws, joiners
 *    reject with what it threw.
 * 8. The key is the caller's choice: anything a `Map` can key on (so
 *    objects by identity; build a string for name + arguments).
 * 9. `stats()` counts runs, joins, leaves and keys in flight; nothing is
 *    retained per settled key. A body that takes a signal gets one of its
 *    own, so listeners it leaves on it go with the run.
 *
 * Calls rejected before they reach the core (an already aborted signal, a
 * bad `timeoutMs`, EDEADLK) count as neither run nor join.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Flight, MergeCore, describeKey, type MergeStats, type Outcome } from './core.js';

export type { MergeStats, Outcome } from './core.js';

export interface MergerOptions<V> {
  /**
   * What joiners receive, from the leader's outcome. Return `{ ok: true,
   * value }` to resolve them or `{ ok: false, error }` to reject them.
   * Default: the leader's outcome unchanged.
   */
  mapJoin?: (outcome: Outcome<V>) => Outcome<V>;
  /** Abort the run's signal, and forget the run, when every caller has left before it settled. */
  abortWhenAbandoned?: boolean;
  /**
   * Reject a request made from inside its own key's run with EDEADLK
   * (guarantee 6). Default true. It needs async context: on Node 20,
   * AsyncLocalStorage turns on promise hooks process-wide while a run is in
   * flight, which slows every promise (see bench/results/merge.json). Pass
   * false only if no body can ask for its own key: such a request would
   * then wait for itself forever, as in Go's singleflight.
   */
  detectDeadlock?: boolean;
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
    super(`merge: request for key ${describeKey(key)} from inside its own run would wait for itself (EDEADLK)`);
    this.name = 'MergeDeadlockError';
  }
}

/** Thrown (as a rejection) for a caller whose `timeoutMs` ran out before its run settled. */
export class MergeTimeoutError extends Error {
  constructor(
    readonly key: unknown,
    readonly timeoutMs: number,
  ) {
    super(`merge: gave up waiting for key ${describeKey(key)} after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/** The longest delay `setTimeout` honours; a longer one would fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

type Body<V> = (signal: AbortSignal) => V | PromiseLike<V>;
type Deliver<V> = (outcome: Outcome<V>) => void;

/** What the async context carries inside a run's body: the chain of runs it was started from. */
interface Frame {
  readonly settled: boolean;
  readonly parent: Frame | undefined;
}

/** A run: the core's flight plus this front end's state for it; also its body's context frame. */
class Run<K, V> extends Flight<K, Deliver<V>, V> implements Frame {
  /** The run's own signal, for a body that takes one; see `#begin`. */
  controller: AbortController | undefined = undefined;
  /** The innermost run in flight whose body started this one, for EDEADLK detection. */
  parent: Frame | undefined = undefined;
  /** One promise shared by every joiner without a signal or timeout, settled by `#finish`. */
  joined: Promise<RunResult<V>> | undefined = undefined;
  resolveJoined: ((result: RunResult<V>) => void) | undefined = undefined;
  rejectJoined: ((error: unknown) => void) | undefined = undefined;
  /** The leader's delivery when it may leave (signal or timeout); cleared once it has left or been told. */
  leader: Deliver<V> | undefined = undefined;
}

// Node 20's AsyncLocalStorage turns on promise hooks process-wide, which slows every promise;
// so it is enabled only while some framed run is in flight (in any Merger), disabled when none is.
const bodyContext = new AsyncLocalStorage<Frame>();
let runsInFlight = 0;

/** A signal that never aborts, shared by bodies that declare no parameter (so cannot see it). */
const neverAborted = new AbortController().signal;

export class Merger<K, V> {
  readonly #core: MergeCore<K, Deliver<V>, V, Run<K, V>>;
  readonly #abortWhenAbandoned: boolean;
  readonly #detectDeadlock: boolean;

  constructor(options: MergerOptions<V> = {}) {
    this.#abortWhenAbandoned = options.abortWhenAbandoned ?? false;
    this.#detectDeadlock = options.detectDeadlock ?? true;
    this.#core = new MergeCore<K, Deliver<V>, V, Run<K, V>>({
      newFlight: (key, seq) => new Run<K, V>(key, seq),
      mapJoin: options.mapJoin,
      onSettle: (run) => this.#settled(run),
      deliver: (deliver, joined) => deliver(joined),
    });
  }

  /**
   * Runs `fn` for `key`, or joins the run already in flight for it. The
   * leader's promise settles with `fn`'s outcome; joiners' with
   * `mapJoin(outcome)`. `fn` gets the run's own signal, aborted only when
   * every caller has left and `abortWhenAbandoned` is set (a body declaring
   * no parameter gets a shared signal that never aborts). Never throws:
   * every failure is a rejection.
   */
  run(key: K, fn: Body<V>, options?: RunOptions): Promise<RunResult<V>> {
    // Kept tiny so that engines inline it into the caller: the plain join is the hottest path.
    if (options !== undefined) return this.#runWithOptions(key, fn, options);
    const run = this.#core.flightOf(key);
    return run === undefined ? this.#lead(key, fn) : this.#join(key, run);
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

  /** A leader without signal or timeout: its promise is the body's, one `then` away. */
  #lead(key: K, fn: Body<V>): Promise<RunResult<V>> {
    const run = this.#begin(key, fn);
    let produced: V | PromiseLike<V>;
    try {
      produced = this.#startBody(run, fn);
    } catch (error) {
      this.#finish(run, { ok: false, error });
      return Promise.reject(error);
    }
    return Promise.resolve(produced).then(
      (value) => {
        this.#finish(run, { ok: true, value });
        return { value, role: 'lead' as const };
      },
      (error: unknown) => {
        this.#finish(run, { ok: false, error });
        throw error;
      },
    );
  }

  /** A joiner without signal or timeout: it never leaves, so one promise, settled by `#finish`, serves all such. */
  #join(key: K, run: Run<K, V>): Promise<RunResult<V>> {
    if (this.#detectDeadlock && insideRunOf(run)) return Promise.reject(new MergeDeadlockError(key));
    this.#core.join(run);
    return (run.joined ??= new Promise<RunResult<V>>((resolve, reject) => {
      run.resolveJoined = resolve;
      run.rejectJoined = reject;
    }));
  }

  #runWithOptions(key: K, fn: Body<V>, { signal, timeoutMs }: RunOptions): Promise<RunResult<V>> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (timeoutMs !== undefined && !(timeoutMs >= 0 && timeoutMs <= MAX_TIMEOUT_MS)) {
      return Promise.reject(new RangeError(`merge: timeoutMs must be between 0 and ${MAX_TIMEOUT_MS}, got ${timeoutMs}`));
    }
    const inFlight = this.#core.flightOf(key);
    if (signal === undefined && timeoutMs === undefined) {
      return inFlight === undefined ? this.#lead(key, fn) : this.#join(key, inFlight);
    }
    if (inFlight !== undefined) {
      if (this.#detectDeadlock && insideRunOf(inFlight)) return Promise.reject(new MergeDeadlockError(key));
      return this.#waitLeaving(key, inFlight, 'join', signal, timeoutMs, undefined);
    }
    const run = this.#begin(key, fn);
    return this.#waitLeaving(key, run, 'lead', signal, timeoutMs, () => {
      let produced: V | PromiseLike<V>;
      try {
        produced = this.#startBody(run, fn);
      } catch (error) {
        this.#finish(run, { ok: false, error });
        return;
      }
      void Promise.resolve(produced).then(
        (value) => this.#finish(run, { ok: true, value }),
        (error: unknown) => this.#finish(run, { ok: false, error }),
      );
    });
  }

  /** Starts a run for `key`, which has none in flight. */
  #begin(key: K, fn: Body<V>): Run<K, V> {
    // Entered in the core before the body starts, so a join from inside it (even synchronous) finds it.
    const run = this.#core.lead(key);
    // A body that declares no parameter cannot listen to its signal, so it gets the shared one: an
    // AbortController costs microseconds in Node 20. One that does gets its own, so listeners it
    // never removes die with the run instead of piling up on a shared signal.
    if (fn.length > 0) run.controller = new AbortController();
    if (this.#detectDeadlock) run.parent = liveFrame(bodyContext.getStore());
    return run;
  }

  /** Calls the body, inside a context frame that marks this run when deadlocks are detected. */
  #startBody(run: Run<K, V>, fn: Body<V>): V | PromiseLike<V> {
    const signal = run.controller?.signal ?? neverAborted;
    if (!this.#detectDeadlock) return fn(signal);
    runsInFlight++;
    return bodyContext.run(run, fn, signal);
  }

  /**
   * A caller (leader or joiner) that may leave by signal or timeout before
   * the run settles. A leader passes `start`, which starts the body once
   * its delivery is in place (a synchronous throw then reaches it at once).
   */
  #waitLeaving(
    key: K,
    run: Run<K, V>,
    role: 'lead' | 'join',
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    start: (() => void) | undefined,
  ): Promise<RunResult<V>> {
    return new Promise<RunResult<V>>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stopListening = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const deliver: Deliver<V> = (outcome) => {
        stopListening();
        if (outcome.ok) resolve({ value: outcome.value, role });
        else reject(outcome.error);
      };
      const leave = (reason: unknown): void => {
        stopListening();
        let abandoned: boolean;
        if (role === 'lead') {
          run.leader = undefined;
          abandoned = this.#core.leave(run);
        } else {
          abandoned = this.#core.leave(run, deliver);
        }
        reject(reason);
        if (abandoned && this.#abortWhenAbandoned) {
          // Forget first: code reacting to the abort may ask for the key again and must get a fresh run.
          this.#core.forget(run);
          run.controller?.abort(reason);
        }
      };
      const onAbort = (): void => leave(signal?.reason);

      if (role === 'join') {
        this.#core.join(run, deliver);
      } else {
        run.leader = deliver;
        start?.();
        if (run.settled) return; // a synchronous throw, already delivered
        if (signal?.aborted) return leave(signal.reason); // the body aborted its own caller's signal
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => leave(new MergeTimeoutError(key, timeoutMs)), timeoutMs);
      }
    });
  }

  /** Settles the run (its entry only: a newer run under the same key is left alone); the core then tells every caller still present. */
  #finish(run: Run<K, V>, outcome: Outcome<V>): void {
    this.#core.settle(run, outcome);
  }

  /** The core's `onSettle`: the leader first, then the joiners sharing one promise; registered waiters come after. */
  #settled(run: Run<K, V>): void {
    // Every body of a detecting merger ran framed (#startBody is the only way a body starts).
    if (this.#detectDeadlock && --runsInFlight === 0) bodyContext.disable();
    const outcome = run.outcome as Outcome<V>;
    const leader = run.leader;
    if (leader !== undefined) {
      run.leader = undefined;
      leader(outcome);
    }
    if (run.joined === undefined) return;
    const joined = this.#core.joined(run);
    if (joined.ok) run.resolveJoined?.({ value: joined.value, role: 'join' });
    else run.rejectJoined?.(joined.error);
  }
}

/** Whether the current async context is inside the body of `run` (directly or through nested runs). */
function insideRunOf(run: Frame): boolean {
  for (let frame = bodyContext.getStore(); frame !== undefined; frame = frame.parent) {
    if (frame === run) return true;
  }
  return false;
}

/**
 * The innermost frame whose run is still in flight. A context can outlive its run (a timer set
 * in a body fires later); linking only live frames keeps a chain of runs, each started from the
 * last one's leftover context, from growing without bound.
 */
function liveFrame(frame: Frame | undefined): Frame | undefined {
  while (frame !== undefined && frame.settled) frame = frame.parent;
  return frame;
}
