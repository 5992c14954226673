/**
 * The merge core: a plain synchronous state machine that decides, per key,
 * whether a caller leads a new run or joins the one in flight.
 *
 * It holds no timers and no promises, so one set of semantics serves both
 * real code (the Promise front end in `merger.ts`) and simulated time (the
 * simulation front end in `src/sim`). Guarantees:
 *
 * - Concurrent requests for one key share one run: `begin` returns `lead`
 *   for the first and `join` for every request made while that run is in
 *   flight.
 * - A settled run is forgotten at once: `settle` deletes the entry, so the
 *   next `begin` for that key leads a fresh run. Nothing is cached.
 * - `settle` deletes only its own entry: a flight is its own token, and an
 *   older flight never removes a newer one under the same key (a newer one
 *   exists once the older was `forget`-ten).
 * - `settle` returns every waiter still present, exactly once; a waiter that
 *   left is not returned.
 * - The core keeps no memory per settled key: its map holds in-flight keys
 *   only, and counters are plain numbers.
 */

/** The outcome of one run: what the leader's body produced. */
export type Outcome<V> = { readonly ok: true; readonly value: V } | { readonly ok: false; readonly error: unknown };

/** Counters over the core's lifetime (inFlight is the current number of keys with a run). */
export interface MergeStats {
  /** Runs started: one per `lead`. */
  runs: number;
  /** Requests that joined a run in flight. */
  joins: number;
  /** Callers (leader or joiner) that left before their run settled. */
  leaves: number;
  /** Keys with a run in flight right now. */
  inFlight: number;
}

const noWaiters: ReadonlySet<never> = new Set<never>();
const noneToWake: readonly never[] = Object.freeze([]);

/**
 * One run in flight for one key. The object itself is the token that
 * `settle` and `leave` take, which is what makes "delete only your own
 * entry" hold without sequence numbers.
 */
export class Flight<K, W, D = unknown> {
  // Created on the first registered waiter: most runs have none, and a Set per run shows in benchmarks.
  #waiters: Set<W> | undefined = undefined;
  /** Callers (leader included) still waiting for this run: not left, not yet told. */
  present = 1;
  /** Set once by `settle`. */
  outcome: Outcome<unknown> | undefined = undefined;
  /** Whether `forget` dropped this run's entry before it settled. */
  forgotten = false;
  /** Free for the user's own per-run state (e.g. a completion to wake waiters); the core never reads it. */
  data: D | undefined = undefined;

  constructor(
    readonly key: K,
    /** Sequence number of this run under the core, for traces. */
    readonly seq: number,
  ) {}

  get settled(): boolean {
    return this.outcome !== undefined;
  }

  /** Waiters registered by `begin(key, waiter)` that have neither left nor been returned by `settle`. */
  get waiters(): ReadonlySet<W> {
    return this.#waiters ?? noWaiters;
  }

  /** @internal used by MergeCore only. */
  addWaiter(waiter: W): void {
    (this.#waiters ??= new Set<W>()).add(waiter);
  }

  /** @internal used by MergeCore only. */
  removeWaiter(waiter: W): boolean {
    return this.#waiters?.delete(waiter) ?? false;
  }

  /** @internal used by MergeCore only: hands over the waiters and forgets them. */
  takeWaiters(): readonly W[] {
    const waiters = this.#waiters;
    this.#waiters = undefined;
    return waiters === undefined ? noneToWake : Array.from(waiters);
  }
}

export type Begin<K, W, D = unknown, F extends Flight<K, W, D> = Flight<K, W, D>> =
  | { readonly role: 'lead'; readonly flight: F }
  | { readonly role: 'join'; readonly flight: F };

/**
 * `K` keys runs; `W` is what a waiting joiner registers; `D` types each
 * flight's free `data` slot; `F` is the flight class, which a front end may
 * extend instead to carry its per-run state (one object per run, not two).
 */
export class MergeCore<K, W = unknown, D = unknown, F extends Flight<K, W, D> = Flight<K, W, D>> {
  readonly #flights = new Map<K, F>();
  readonly #newFlight: (key: K, seq: number) => F;
  #runs = 0;
  #joins = 0;
  #leaves = 0;

  /** `newFlight` makes the flight for each new run; by default a plain `Flight`. */
  constructor(newFlight?: (key: K, seq: number) => F) {
    this.#newFlight = newFlight ?? ((key, seq) => new Flight<K, W, D>(key, seq) as F);
  }

  /**
   * Leads a new run for `key`, or joins the one in flight. A joiner that
   * passes `waiter` gets it back from `settle`; one that does not is still
   * counted as present (it listens by other means, e.g. a shared promise).
   * A leader's `waiter` is ignored: the leader learns the outcome from its
   * own body.
   */
  begin(key: K, waiter?: W): Begin<K, W, D, F> {
    const flight = this.#flights.get(key);
    if (flight !== undefined) {
      this.join(flight, waiter);
      return { role: 'join', flight };
    }
    return { role: 'lead', flight: this.#start(key) };
  }

  /**
   * `begin` for a key known to have no run in flight (`flightOf(key)` is
   * undefined): starts and returns its run. Throws if one is in flight.
   */
  lead(key: K): F {
    if (this.#flights.has(key)) throw new Error(`merge: key ${describeKey(key)} already has a run in flight`);
    return this.#start(key);
  }

  #start(key: K): F {
    const flight = this.#newFlight(key, ++this.#runs);
    this.#flights.set(key, flight);
    return flight;
  }

  /**
   * `begin` for a key whose run in flight is `flight` (from `flightOf`):
   * joins it, with `waiter` as in `begin`. Throws if `flight` has settled
   * or was forgotten, since joining it would wait for nothing.
   */
  join(flight: F, waiter?: W): void {
    if (flight.outcome !== undefined || flight.forgotten) {
      throw new Error(`merge: run #${flight.seq} for key ${describeKey(flight.key)} is no longer in flight`);
    }
    this.#joins++;
    flight.present++;
    if (waiter !== undefined) flight.addWaiter(waiter);
  }

  /**
   * Ends `flight` with `outcome`: removes its entry (only if it is still the
   * entry for its key) and returns the waiters to wake, each exactly once.
   * Settling a flight twice is a bug in the caller and throws.
   */
  settle(flight: F, outcome: Outcome<unknown>): readonly W[] {
    if (flight.outcome !== undefined) {
      throw new Error(`merge: run #${flight.seq} for key ${describeKey(flight.key)} settled twice`);
    }
    flight.outcome = outcome;
    if (this.#flights.get(flight.key) === flight) this.#flights.delete(flight.key);
    flight.present = 0;
    return flight.takeWaiters();
  }

  /**
   * A caller leaves `flight` before it settles (its signal fired, it timed
   * out, it was interrupted). The run goes on. Pass the `waiter` it joined
   * with, or none for the leader or a joiner that registered none. Returns
   * true when this was the last caller present: the run is abandoned, and a
   * front end may abort it (and `forget` it) if asked to. Leaving a settled
   * flight, or leaving twice with the same waiter, is a no-op.
   */
  leave(flight: F, waiter?: W): boolean {
    if (flight.outcome !== undefined || flight.present === 0) return false;
    if (waiter !== undefined && !flight.removeWaiter(waiter)) return false;
    this.#leaves++;
    flight.present--;
    return flight.present === 0;
  }

  /**
   * Drops `flight`'s entry before it settles, so the next `begin` for its
   * key leads a fresh run (as Go singleflight's `Forget`). The run itself
   * still settles later, and its `settle` then removes nothing. Returns
   * whether the entry was this flight's.
   */
  forget(flight: F): boolean {
    if (this.#flights.get(flight.key) !== flight) return false;
    this.#flights.delete(flight.key);
    flight.forgotten = true;
    return true;
  }

  /** The run in flight for `key`, if any. */
  flightOf(key: K): F | undefined {
    return this.#flights.get(key);
  }

  inFlight(key: K): boolean {
    return this.#flights.has(key);
  }

  /** Keys with a run in flight. */
  get size(): number {
    return this.#flights.size;
  }

  stats(): MergeStats {
    return { runs: this.#runs, joins: this.#joins, leaves: this.#leaves, inFlight: this.#flights.size };
  }
}

/** A key for a message: `String(key)` throws for some objects (null prototype) and symbols print fine. */
export function describeKey(key: unknown): string {
  try {
    return typeof key === 'string' ? JSON.stringify(key) : String(key);
  } catch {
    return Object.prototype.toString.call(key);
  }
}
