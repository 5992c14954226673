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
 * 6. A request for a key from inside that key's own run (same merger,
 *    directly or through nested runs, while that run is in flight) rejects
 *    at once with an error whose `code` is `'EDEADLK'`, instead of waiting
 *    for itself. How far this reaches is `detectDeadlock`'s choice:
 *    - `'sync'`: a request made in the synchronous part of the body (before
 *      its first `await`), or of a body it started synchronously. Costs a
 *      variable set and restored around each body call.
 *    - `'full'` (opt-in): also after any `await`, through
 *      AsyncLocalStorage (the run is the body's async context). A call from
 *      a context the run has outlived (a timer set in its body) is an
 *      ordinary request. On Node 20 and 22 AsyncLocalStorage turns promise
 *      hooks on process-wide while a run is in flight (every promise in the
 *      process then costs 2–3×); on Node ≥ 24 it is built on
 *      AsyncContextFrame, which costs no hooks but a new context frame per
 *      run (the README's bench table gives both costs).
 *    - `true` (the default): `'sync'`, on every Node. `Merger.detection`
 *      says which one a merger got.
 *    - `false`: none; a request for its own key then waits for itself
 *      forever, as in Go's singleflight.
 * 7. `mapJoin(outcome)` decides what joiners receive, once per run; the
 *    leader always gets the real outcome. If `mapJoin` throws, joiners
 *    reject with what it threw. Joiners without a signal or timeout share
 *    one promise per run, so they get one result object, frozen (none can
 *    change what the others see) or one rejection; a joiner with a signal
 *    or timeout has a promise of its own, since it may leave alone.
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
   * (guarantee 6): `'sync'` (and `true`, the default) catches a request made
   * before the body's first `await` and costs a variable set per body call;
   * `'full'` catches it after any `await` too, through AsyncLocalStorage,
   * which on Node 20 and 22 slows every promise in the process while a run
   * is in flight and on Node ≥ 24 costs a context frame per run; `false`
   * turns detection off.
   */
  detectDeadlock?: boolean | 'sync' | 'full';
}

/** What a merger detects (guarantee 6): see `MergerOptions.detectDeadlock`. */
export type DeadlockDetection = 'none' | 'sync' | 'full';

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

/** A run's state for callers that may leave and bodies that take a signal: most runs need none of it. */
interface RunAside<V> {
  controller: AbortController | undefined;
  leader: Deliver<V> | undefined;
  onSettled: (() => void) | undefined;
}

/** A run: the core's flight plus this front end's state for it; also its body's context frame. */
class Run<K, V> extends Flight<K, Deliver<V>, V> implements Frame {
  // Fields assigned in the constructor rather than initialised in place (an ES2022 field is a
  // define per field and per run); the rare state in `#aside`, made on first need, because every
  // word of a run in flight is copied by each scavenge while it lives (see Flight).
  #aside: RunAside<V> | undefined;
  /** The innermost run in flight whose body started this one, for EDEADLK detection. */
  declare parent: Frame | undefined;
  /** One promise shared by every joiner without a signal or timeout, chained off the leader's. */
  declare joined: Promise<RunResult<V>> | undefined;
  /** The leader's promise (a leader without signal or timeout), for `joined` to chain off. */
  declare led: Promise<RunResult<V>> | undefined;
  /** The merger's core, for the promise handlers bound to this run (see `leadFulfilled`). */
  declare readonly core: MergeCore<K, Deliver<V>, V, Run<K, V>>;

  constructor(key: K, seq: number, core: MergeCore<K, Deliver<V>, V, Run<K, V>>) {
    super(key, seq);
    this.#aside = undefined;
    this.core = core;
    this.parent = undefined;
    this.joined = undefined;
    this.led = undefined;
  }

  #sideState(): RunAside<V> {
    return (this.#aside ??= { controller: undefined, leader: undefined, onSettled: undefined });
  }

  /** The run's own signal, for a body that takes one; see `#begin`. */
  get controller(): AbortController | undefined {
    return this.#aside?.controller;
  }

  set controller(controller: AbortController | undefined) {
    this.#sideState().controller = controller;
  }

  /** The leader's delivery when it may leave (signal or timeout); cleared once it has left or been told. */
  get leader(): Deliver<V> | undefined {
    return this.#aside?.leader;
  }

  set leader(leader: Deliver<V> | undefined) {
    this.#sideState().leader = leader;
  }

  /** Settles the joiners' promise when there is no `led` to chain it off (see `#joinedPromise`). */
  get onSettled(): (() => void) | undefined {
    return this.#aside?.onSettled;
  }

  set onSettled(onSettled: (() => void) | undefined) {
    this.#sideState().onSettled = onSettled;
  }
}

// The promise handlers of a run, bound to it (`fn.bind(run)`) rather than written as closures:
// a bound function is one object, two closures are three with their context, and on workloads of
// many short runs every object kept per run until it settles is what the scavenger copies.

/** The leader's body fulfilled: settle the run (the core tells every other caller), then the leader. */
function leadFulfilled<K, V>(this: Run<K, V>, value: V): RunResult<V> {
  this.core.settle(this, { ok: true, value });
  return { value, role: 'lead' };
}

/** The leader's body rejected: settle the run, then reject the leader with what the body threw. */
function leadRejected<K, V>(this: Run<K, V>, error: unknown): never {
  this.core.settle(this, { ok: false, error });
  throw error;
}

/** A body whose leader may leave (signal or timeout) fulfilled: the core tells every caller, the leader too. */
function bodyFulfilled<K, V>(this: Run<K, V>, value: V): void {
  this.core.settle(this, { ok: true, value });
}

function bodyRejected<K, V>(this: Run<K, V>, error: unknown): void {
  this.core.settle(this, { ok: false, error });
}

/** What the joiners sharing one promise get: `mapJoin`'s outcome, as a join. */
function tellJoiners<K, V>(this: Run<K, V>): RunResult<V> {
  const joined = this.core.joined(this);
  if (joined.ok) return Object.freeze({ value: joined.value, role: 'join' });
  throw joined.error;
}

/**
 * The same without `mapJoin`, chained off the leader's promise: joiners get the leader's outcome
 * unchanged (a rejection passes through untouched), so no handler per run is needed.
 */
function joinOfLead<V>(led: RunResult<V>): RunResult<V> {
  return Object.freeze({ value: led.value, role: 'join' });
}

// Node 20's AsyncLocalStorage turns on promise hooks process-wide, which slows every promise;
// so it is enabled only while some framed run is in flight (in any Merger), disabled when none is.
const bodyContext = new AsyncLocalStorage<Frame>();
let runsInFlight = 0;

/** The run whose body is running synchronously right now (any detecting merger), for `'sync'` detection. */
let syncFrame: Frame | undefined;

/**
 * Whether AsyncLocalStorage is built on AsyncContextFrame here (Node ≥ 24 by default, opt-out by
 * `--no-async-context-frame`; Node 22 only with `--experimental-async-context-frame`): then
 * `'full'` detection costs no promise hooks, only a context frame per run. It is what decides the
 * cost of `'full'`, not the default, which is `'sync'` everywhere.
 */
export function asyncContextFrameInUse(): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 24) return !flags.includes('--no-async-context-frame');
  return major === 22 && flags.includes('--experimental-async-context-frame');
}

function detectionOf(option: MergerOptions<unknown>['detectDeadlock']): DeadlockDetection {
  if (option === false) return 'none';
  if (option === 'sync' || option === 'full') return option;
  if (option === undefined || option === true) return 'sync';
  throw new TypeError(`merge: detectDeadlock must be true, false, 'sync' or 'full', got ${String(option)}`);
}

/** A signal that never aborts, shared by bodies that declare no parameter (so cannot see it). */
const neverAborted = new AbortController().signal;

export class Merger<K, V> {
  readonly #core: MergeCore<K, Deliver<V>, V, Run<K, V>>;
  readonly #abortWhenAbandoned: boolean;
  readonly #mapsJoin: boolean;
  readonly #detectDeadlock: boolean;
  readonly #full: boolean;
  /** What this merger detects (guarantee 6): `'full'`, `'sync'` or `'none'`. */
  readonly detection: DeadlockDetection;

  constructor(options: MergerOptions<V> = {}) {
    this.#abortWhenAbandoned = options.abortWhenAbandoned ?? false;
    this.#mapsJoin = options.mapJoin !== undefined;
    this.detection = detectionOf(options.detectDeadlock);
    this.#detectDeadlock = this.detection !== 'none';
    this.#full = this.detection === 'full';
    this.#core = new MergeCore<K, Deliver<V>, V, Run<K, V>>({
      newFlight: (key, seq) => new Run<K, V>(key, seq, this.#core),
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
    // A joiner may have joined synchronously inside the body (no detection): it waits on `onSettled`.
    const led = Promise.resolve(produced).then((leadFulfilled<K, V>).bind(run), (leadRejected<K, V>).bind(run));
    run.led = led;
    return led;
  }

  /**
   * A joiner without signal or timeout: it never leaves, so one promise serves all such. It is
   * chained off the leader's (no executor, no resolvers kept): the leader hears first, the joiners
   * one microtask later, with `mapJoin`'s outcome.
   */
  #join(key: K, run: Run<K, V>): Promise<RunResult<V>> {
    // Under 'sync' detection a caller outside every body (syncFrame unset) is never inside its run.
    if (this.#detectDeadlock && (this.#full || syncFrame !== undefined) && this.#insideRunOf(run)) {
      return Promise.reject(new MergeDeadlockError(key));
    }
    this.#core.join(run);
    return run.joined ?? (run.joined = this.#joinedPromise(run));
  }

  #joinedPromise(run: Run<K, V>): Promise<RunResult<V>> {
    // The leader's promise exists once the body has returned; a join made synchronously inside the
    // body (detection off), or into a run whose leader may leave, comes before it or without it,
    // and then waits for the settle through a deferred.
    const led = run.led;
    if (led !== undefined && !this.#mapsJoin) return led.then(joinOfLead);
    const tell = (tellJoiners<K, V>).bind(run);
    if (led !== undefined) return led.then(tell, tell);
    return new Promise<void>((resolve) => {
      run.onSettled = resolve;
    }).then(tell);
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
      if (this.#detectDeadlock && this.#insideRunOf(inFlight)) return Promise.reject(new MergeDeadlockError(key));
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
      void Promise.resolve(produced).then((bodyFulfilled<K, V>).bind(run), (bodyRejected<K, V>).bind(run));
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
    if (this.#detectDeadlock) run.parent = liveFrame(this.#full ? bodyContext.getStore() : syncFrame);
    return run;
  }

  /**
   * Calls the body, marked as this run when deadlocks are detected: for its synchronous part
   * (`syncFrame`, restored however the body returns) and, under full detection, as its async context.
   */
  #startBody(run: Run<K, V>, fn: Body<V>): V | PromiseLike<V> {
    const signal = run.controller?.signal ?? neverAborted;
    if (!this.#detectDeadlock) return fn(signal);
    const outer = syncFrame;
    syncFrame = run;
    try {
      if (!this.#full) return fn(signal);
      runsInFlight++;
      return bodyContext.run(run, fn, signal);
    } finally {
      syncFrame = outer;
    }
  }

  /** Whether the caller is inside the body of `run` (directly or through nested runs), as far as this merger detects. */
  #insideRunOf(run: Frame): boolean {
    for (let frame = this.#full ? bodyContext.getStore() : syncFrame; frame !== undefined; frame = frame.parent) {
      if (frame === run) return true;
    }
    return false;
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

  /** The core's `onSettle`: the leader first, then the joiners sharing one promise (see `#joinedPromise`); registered waiters come after. */
  #settled(run: Run<K, V>): void {
    // Every body of a fully detecting merger ran in its context (#startBody is the only way a body starts).
    if (this.#full && --runsInFlight === 0) bodyContext.disable();
    const leader = run.leader;
    if (leader !== undefined) {
      run.leader = undefined;
      leader(run.outcome as Outcome<V>);
    }
    run.onSettled?.();
  }
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
