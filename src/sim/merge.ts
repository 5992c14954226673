/**
 * The merge core's simulation front end: concurrent same-key requests from
 * simulated processes share one run, in virtual time.
 *
 * `yield* merger.run(self, key, () => body)` either leads — runs `body` (a
 * generator) inside the caller's own process and settles the run with its
 * outcome — or joins the run in flight and sleeps until it settles. The
 * lead/join/leave decisions are MergeCore's; this file only maps them onto
 * processes. Guarantees, as the Promise front end's:
 *
 * - Concurrent requests for one key share one run; each learns its role.
 * - A settled run is forgotten at once; the next request leads a new one.
 * - A leader whose body throws settles the run as a failure and gets the
 *   error thrown; joiners get `mapJoin(outcome)` — the value, or its error
 *   thrown into them (a `mapJoin` that throws: what it threw; MergeCore
 *   applies it and captures the throw).
 * - An interruptible joiner whose process gets a signal leaves the run
 *   (`core.leave`) and gets `{ role: 'join', interrupted: reason }`; the run
 *   goes on. A pending signal makes it return so before joining at all.
 * - A request for a key from the process leading that key's run throws an
 *   error with code 'EDEADLK' at once, instead of waiting for itself.
 * - A killed leader settles its run as a failure (a LeaderKilledError), so
 *   joiners never hang; a killed joiner leaves.
 */
import { Flight, MergeCore, type MergeStats, type Outcome } from '../merge/core.js';
import { Wait, type Process } from './process.js';
import type { Simulation } from './simulation.js';
import { step, type Step } from './step.js';
import { PENDING, deadlockError, type Armed, type ProcessBody } from './waitable.js';

export interface SimMergerOptions<V> {
  /** What joiners receive, from the leader's outcome (default: the outcome unchanged). */
  mapJoin?: (outcome: Outcome<V>) => Outcome<V>;
  /** Names the merger in step labels: 'merge:NAME' (default 'merge'). */
  name?: string;
}

export interface SimRunOptions {
  /** Leave when the process gets a signal (joiners only: a leader runs its body to the end). */
  interruptible?: boolean;
}

export type SimRunResult<V> =
  | { readonly role: 'lead' | 'join'; readonly value: V; readonly interrupted?: undefined }
  | { readonly role: 'join'; readonly interrupted: unknown; readonly value?: undefined };

/** What joiners of a run get when its leader's process was killed (before mapJoin). */
export class LeaderKilledError extends Error {
  readonly code = 'ESRCH';
  constructor(
    readonly key: unknown,
    readonly leader: string,
  ) {
    super(`merge: ${leader}, leading the run for ${String(key)}, was killed`);
    this.name = 'LeaderKilledError';
  }
}

/** A run, with the process leading it (whose body runs it). */
class SimFlight<K, V> extends Flight<K, Process<unknown>, V> {
  leader: Process<unknown> | null = null;
}

export class SimMerger<K, V> {
  readonly #core: MergeCore<K, Process<unknown>, V, SimFlight<K, V>>;
  readonly #step: Step;

  constructor(
    readonly sim: Simulation,
    options: SimMergerOptions<V> = {},
  ) {
    this.#step = step('grant', options.name === undefined ? 'merge' : `merge:${options.name}`);
    this.#core = new MergeCore<K, Process<unknown>, V, SimFlight<K, V>>({
      newFlight: (key, seq) => new SimFlight<K, V>(key, seq),
      mapJoin: options.mapJoin,
      deliver: (p, joined) => this.#tell(p, joined),
    });
  }

  /** Leads a run of `body` for `key` in `self`, or joins the one in flight. */
  *run(self: Process<unknown>, key: K, body: () => ProcessBody<V>, options: SimRunOptions = {}): ProcessBody<SimRunResult<V>> {
    const interruptible = options.interruptible ?? false;
    const existing = this.#core.flightOf(key);
    if (existing !== undefined) {
      if (existing.leader === self) {
        throw deadlockError(`${self.name} requests ${String(key)} from inside its own run`);
      }
      if (interruptible && self.signalPending !== undefined) return { role: 'join', interrupted: self.signalPending };
    }
    const begun = this.#core.begin(key, self);
    if (begun.role === 'join') return yield* new MergeJoin<K, V>(this.#core, begun.flight, interruptible);
    return yield* this.#lead(self, key, begun.flight, body);
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

  *#lead(self: Process<unknown>, key: K, flight: SimFlight<K, V>, body: () => ProcessBody<V>): ProcessBody<SimRunResult<V>> {
    flight.leader = self;
    const stopWatching = self.onKill(() => this.#settle(flight, { ok: false, error: new LeaderKilledError(key, self.name) }));
    let outcome: Outcome<V>;
    try {
      outcome = { ok: true, value: yield* body() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    stopWatching();
    this.#settle(flight, outcome);
    if (!outcome.ok) throw outcome.error;
    return { role: 'lead', value: outcome.value };
  }

  #settle(flight: SimFlight<K, V>, outcome: Outcome<V>): void {
    flight.leader = null;
    this.#core.settle(flight, outcome);
  }

  /** The core's delivery to one joiner: resumed with the value, or the failure thrown into it. */
  #tell(p: Process<unknown>, joined: Outcome<V>): void {
    // A joiner signalled at this instant has not left yet (its own turn comes later): the result wins, as a true condition does.
    if (p._index !== -1) this.sim._unschedule(p);
    if (joined.ok) this.sim._resume(p, { role: 'join', value: joined.value }, this.#step);
    else this.sim._throwInto(p, joined.error, this.#step);
  }
}

/** A joiner's wait: resumed (or thrown into) by the leader's settle. */
class MergeJoin<K, V> extends Wait<SimRunResult<V>> {
  constructor(
    readonly core: MergeCore<K, Process<unknown>, V, SimFlight<K, V>>,
    readonly flight: SimFlight<K, V>,
    readonly interruptible: boolean,
  ) {
    super();
  }

  override _arm(p: Process<unknown>): Armed<SimRunResult<V>> {
    p._interruptible = this.interruptible;
    return PENDING;
  }

  /** Only a signal wakes a joiner without a result: it leaves, and the run goes on. */
  override _recheck(p: Process<unknown>): Armed<SimRunResult<V>> {
    this.core.leave(this.flight, p);
    return { role: 'join', interrupted: p.signalPending };
  }

  override _onKill(p: Process<unknown>): void {
    this.core.leave(this.flight, p); // a no-op once the run has settled
  }
}
