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
 * - Joiners get `mapJoin(outcome)`, computed at most once per run; a
 *   `mapJoin` that throws becomes a failure carrying what it threw, so a
 *   joiner is always told something (the leader always gets the real
 *   outcome). `settle` tells every registered waiter through `deliver`:
 *   delivery lives here, so no front end can forget the capture.
 *
 * A front end keeps its per-run state on the flight itself, by giving the
 * core its own `Flight` subclass (`newFlight`): one object per run.
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

/** A flight's rarely needed state, kept aside so that the common run (no waiters, no `mapJoin`, never forgotten) stays small. */
interface FlightAside<W, V> {
  waiters: Set<W> | undefined;
  joinOutcome: Outcome<V> | undefined;
  forgotten: boolean;
}

/**
 * One run in flight for one key. The object itself is the token that
 * `settle` and `leave` take, which is what makes "delete only your own
 * entry" hold without sequence numbers.
 */
export class Flight<K, W, V = unknown> {
  // Fields assigned in the constructor rather than initialised in place: an ES2022 field is a
  // define per field and per run, which shows on workloads of one short run per key. The rare
  // state lives in `#aside`, made on first need: every word of a run that is in flight is copied
  // by each scavenge while it lives, and workloads of many short runs pay that per run.
  #aside: FlightAside<W, V> | undefined;
  /** Callers (leader included) still waiting for this run: not left, not yet told. */
  declare present: number;
  /** Set once by `settle`. */
  declare outcome: Outcome<V> | undefined;
  declare readonly key: K;
  /** Sequence number of this run under the core, for traces. */
  declare readonly seq: number;

  constructor(key: K, seq: number) {
    this.#aside = undefined;
    this.present = 1;
    this.outcome = undefined;
    this.key = key;
    this.seq = seq;
  }

  get settled(): boolean {
    return this.outcome !== undefined;
  }

  /** What joiners get: `mapJoin(outcome)`, set by the core on first need after `settle` (see `MergeCore.joined`). */
  get joinOutcome(): Outcome<V> | undefined {
    return this.#aside?.joinOutcome;
  }

  set joinOutcome(outcome: Outcome<V> | undefined) {
    this.#sideState().joinOutcome = outcome;
  }

  /** Whether `forget` dropped this run's entry before it settled. */
  get forgotten(): boolean {
    return this.#aside?.forgotten ?? false;
  }

  set forgotten(forgotten: boolean) {
    this.#sideState().forgotten = forgotten;
  }

  /** Waiters registered by `begin(key, waiter)` that have neither left nor been returned by `settle`. */
  get waiters(): ReadonlySet<W> {
    return this.#aside?.waiters ?? noWaiters;
  }

  #sideState(): FlightAside<W, V> {
    return (this.#aside ??= { waiters: undefined, joinOutcome: undefined, forgotten: false });
  }

  /** @internal used by MergeCore only. */
  addWaiter(waiter: W): void {
    (this.#sideState().waiters ??= new Set<W>()).add(waiter);
  }

  /** @internal used by MergeCore only. */
  removeWaiter(waiter: W): boolean {
    return this.#aside?.waiters?.delete(waiter) ?? false;
  }

  /** @internal used by MergeCore only: hands over the waiters and forgets them. */
  takeWaiters(): readonly W[] {
    const aside = this.#aside;
    const waiters = aside?.waiters;
    if (waiters === undefined) return noneToWake;
    (aside as FlightAside<W, V>).waiters = undefined;
    return Array.from(waiters);
  }
}

export type Begin<K, W, V = unknown, F extends Flight<K, W, V> = Flight<K, W, V>> =
  | { readonly role: 'lead'; readonly flight: F }
  | { readonly role: 'join'; readonly flight: F };

export interface MergeCoreOptions<K, W, V, F extends Flight<K, W, V>> {
  /** Makes the flight for each new run: a front end's subclass carries its per-run state. Default: a plain `Flight`. */
  newFlight?: (key: K, seq: number) => F;
  /** What joiners receive, from the leader's outcome. Default: the outcome unchanged. A throw becomes `{ ok: false, error }`. */
  mapJoin?: (outcome: Outcome<V>) => Outcome<V>;
  /**
   * Called by `settle` once the outcome is recorded and the entry removed,
   * before any waiter is told: for the callers a front end tells by other
   * means (the leader, joiners sharing one promise), in that order.
   */
  onSettle?: (flight: F) => void;
  /** Tells one registered waiter what it gets (`joined`, the mapped outcome); called by `settle`, once per waiter. */
  deliver?: (waiter: W, joined: Outcome<V>, flight: F) => void;
}

/**
 * `K` keys runs; `W` is what a waiting joiner registers; `V` is a run's
 * value; `F` is the flight class (see `MergeCoreOptions.newFlight`).
 */
export class MergeCore<K, W = unknown, V = unknown, F extends Flight<K, W, V> = Flight<K, W, V>> {
  readonly #flights = new Map<K, F>();
  readonly #newFlight: (key: K, seq: number) => F;
  readonly #mapJoin: ((outcome: Outcome<V>) => Outcome<V>) | undefined;
  readonly #onSettle: ((flight: F) => void) | undefined;
  readonly #deliver: ((waiter: W, joined: Outcome<V>, flight: F) => void) | undefined;
  #runs = 0;
  #joins = 0;
  #leaves = 0;

  constructor(options: MergeCoreOptions<K, W, V, F> = {}) {
    this.#newFlight = options.newFlight ?? ((key, seq) => new Flight<K, W, V>(key, seq) as F);
    this.#mapJoin = options.mapJoin;
    this.#onSettle = options.onSettle;
    this.#deliver = options.deliver;
  }

  /**
   * Leads a new run for `key`, or joins the one in flight. A joiner that
   * passes `waiter` gets it back from `settle`; one that does not is still
   * counted as present (it listens by other means, e.g. a shared promise).
   * A leader's `waiter` is ignored: the leader learns the outcome from its
   * own body.
   */
  begin(key: K, waiter?: W): Begin<K, W, V, F> {
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
   * entry for its key), calls `onSettle`, then tells every registered waiter
   * still present, exactly once, what joiners get (`deliver`). Returns those
   * waiters. Settling a flight twice is a bug in the caller and throws.
   */
  settle(flight: F, outcome: Outcome<V>): readonly W[] {
    if (flight.outcome !== undefined) {
      throw new Error(`merge: run #${flight.seq} for key ${describeKey(flight.key)} settled twice`);
    }
    flight.outcome = outcome;
    if (this.#flights.get(flight.key) === flight) this.#flights.delete(flight.key);
    flight.present = 0;
    const waiters = flight.takeWaiters();
    this.#onSettle?.(flight);
    const deliver = this.#deliver;
    if (deliver !== undefined && waiters.length > 0) {
      const joined = this.joined(flight);
      for (const waiter of waiters) deliver(waiter, joined, flight);
    }
    return waiters;
  }

  /**
   * What the joiners of settled `flight` get: `mapJoin(outcome)`, computed
   * on first call and kept on the flight (so `mapJoin` runs at most once
   * per run, and not at all for a run nobody joined); a throw becomes a
   * failure with what was thrown.
   */
  joined(flight: F): Outcome<V> {
    const known = flight.joinOutcome;
    if (known !== undefined) return known;
    const outcome = flight.outcome;
    if (outcome === undefined) throw new Error(`merge: run #${flight.seq} for key ${describeKey(flight.key)} has not settled`);
    const mapJoin = this.#mapJoin;
    let joined: Outcome<V>;
    if (mapJoin === undefined) joined = outcome;
    else {
      try {
        joined = mapJoin(outcome);
      } catch (error) {
        joined = { ok: false, error };
      }
    }
    flight.joinOutcome = joined;
    return joined;
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
