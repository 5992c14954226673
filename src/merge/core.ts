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
 *   older flight never removes a newer one under the same key.
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

/**
 * One run in flight for one key. The object itself is the token that
 * `settle` and `leave` take, which is what makes "delete only your own
 * entry" hold without sequence numbers.
 */
export class Flight<K, W> {
  /** Waiters registered by `begin(key, waiter)` that have not left. */
  readonly waiters = new Set<W>();
  /** Callers (leader included) still waiting for this run: not left, not yet told. */
  present = 1;
  /** Set once by `settle`. */
  outcome: Outcome<unknown> | undefined = undefined;

  constructor(
    readonly key: K,
    /** Sequence number of this run under the core, for traces. */
    readonly seq: number,
  ) {}

  get settled(): boolean {
    return this.outcome !== undefined;
  }
}

export type Begin<K, W> =
  | { readonly role: 'lead'; readonly flight: Flight<K, W> }
  | { readonly role: 'join'; readonly flight: Flight<K, W> };

export class MergeCore<K, W = unknown> {
  readonly #flights = new Map<K, Flight<K, W>>();
  #runs = 0;
  #joins = 0;
  #leaves = 0;

  /**
   * Leads a new run for `key`, or joins the one in flight. A joiner that
   * passes `waiter` gets it back from `settle`; one that does not is still
   * counted as present (it listens by other means, e.g. a shared promise).
   */
  begin(key: K, waiter?: W): Begin<K, W> {
    const flight = this.#flights.get(key);
    if (flight !== undefined) {
      this.#joins++;
      flight.present++;
      if (waiter !== undefined) flight.waiters.add(waiter);
      return { role: 'join', flight };
    }
    const fresh = new Flight<K, W>(key, ++this.#runs);
    this.#flights.set(key, fresh);
    return { role: 'lead', flight: fresh };
  }

  /**
   * Ends `flight` with `outcome`: removes its entry (only if it is still the
   * entry for its key) and returns the waiters to wake, each exactly once.
   * Settling a flight twice is a bug in the caller and throws.
   */
  settle(flight: Flight<K, W>, outcome: Outcome<unknown>): W[] {
    if (flight.outcome !== undefined) throw new Error(`merge: run #${flight.seq} for ${String(flight.key)} settled twice`);
    flight.outcome = outcome;
    if (this.#flights.get(flight.key) === flight) this.#flights.delete(flight.key);
    const woken = [...flight.waiters];
    flight.waiters.clear();
    flight.present = 0;
    return woken;
  }

  /**
   * A caller leaves `flight` before it settles (its signal fired, it timed
   * out, it was interrupted). The run goes on. Returns true when this was
   * the last caller present: the run is abandoned, and a front end may
   * abort it if asked to. Leaving a settled flight is a no-op.
   */
  leave(flight: Flight<K, W>, waiter?: W): boolean {
    if (flight.outcome !== undefined) return false;
    if (waiter !== undefined && !flight.waiters.delete(waiter)) return false;
    this.#leaves++;
    flight.present--;
    return flight.present === 0;
  }

  /** The run in flight for `key`, if any. */
  flightOf(key: K): Flight<K, W> | undefined {
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
