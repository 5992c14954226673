/**
 * Loads in flight that later requests wait for and share the outcome of —
 * `merge`'s running_loads (keyed by name) and `idempotent`'s idem_hash
 * (keyed by inode) — on the merge core: the first request for a key leads,
 * the others join; the leader settles the flight when its syscall returns,
 * which forgets the key, so a later request is a fresh load. Waiting is
 * interruptible: a waiter whose signal arrives leaves, and the load goes on.
 */
import { MergeCore, type Flight } from '../../merge/index.js';
import type { Completion, Process, Waitable } from '../../sim/index.js';
import type { LoadRequest, PolicyHost } from '../policy.js';
import type { DetectionPoint } from '../stats.js';
import type { SyscallResult } from '../types.js';

type LoadFlight<K> = Flight<K, Process<unknown>, Completion>;

/** How a wait for a shared load ended. */
export type SharedWait = { readonly interrupted: true } | { readonly interrupted: false; readonly result: SyscallResult };

export class SharedLoads<K> {
  readonly #core = new MergeCore<K, Process<unknown>, Completion>();
  readonly #led = new WeakMap<LoadRequest, LoadFlight<K>>();

  constructor(
    readonly host: PolicyHost,
    readonly name: string,
  ) {}

  /** Whether a load for `key` is in flight. */
  inFlight(key: K): boolean {
    return this.#core.inFlight(key);
  }

  /** `req` leads the load for `key` (none may be in flight). */
  lead(req: LoadRequest, key: K): void {
    const flight = this.#core.lead(key);
    flight.data = this.host.sim.completion(`${this.name}:${String(key)}`);
    this.#led.set(req, flight);
  }

  /** `req` waits for the load in flight for `key`: its result, or that a signal ended the wait. */
  *wait(req: LoadRequest, key: K, point: DetectionPoint): Generator<Waitable<unknown>, SharedWait, unknown> {
    const flight = this.#core.flightOf(key);
    if (flight === undefined) throw new Error(`kernel: ${this.name} has no load in flight for ${String(key)}`);
    this.#core.join(flight, req.process);
    this.host.dedup(req, point, 'wait');
    const done = flight.data as Completion;
    const r = yield* done.wait({ interruptible: true });
    if (r === 'interrupted' && !flight.settled) {
      this.#core.leave(flight, req.process);
      return { interrupted: true };
    }
    const outcome = flight.outcome;
    if (outcome === undefined || !outcome.ok) throw new Error(`kernel: ${this.name} flight for ${String(key)} ended without a result`);
    return { interrupted: false, result: outcome.value as SyscallResult };
  }

  /** If `req` led a load, settles it with `result` and wakes its waiters; returns whether it did. */
  settle(req: LoadRequest, result: SyscallResult): boolean {
    const flight = this.#led.get(req);
    if (flight === undefined) return false;
    this.#led.delete(req);
    this.#core.settle(flight, { ok: true, value: result });
    (flight.data as Completion).completeAll();
    return true;
  }

  get stats(): ReturnType<MergeCore<K>['stats']> {
    return this.#core.stats();
  }
}
