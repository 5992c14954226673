/**
 * Loads in flight that later requests wait for and share the outcome of —
 * `merge`'s running_loads (keyed by name) and `idempotent`'s idem_hash
 * (keyed by inode) — on the merge core: the first request for a key leads,
 * the others join; the leader settles the flight when its syscall returns,
 * which forgets the key, so a later request is a fresh load. Waiting is
 * interruptible (a waiter whose signal arrives leaves, and the load goes
 * on) or, as idempotent loads were in 6.5–6.10, uninterruptible.
 */
import { Flight, MergeCore } from '../../merge/index.js';
import type { Completion, Process, Waitable } from '../../sim/index.js';
import type { LoadRequest, PolicyHost } from '../policy.js';
import type { DetectionPoint } from '../stats.js';
import type { SyscallResult } from '../types.js';

/** A load in flight: the request leading it, and the completion its waiters sleep on (complete_all() when it returns). */
class LoadFlight<K> extends Flight<K, Process<unknown>, SyscallResult> {
  leader: LoadRequest | undefined = undefined;
  done: Completion | undefined = undefined;
}

/** Whether a signal ends a waiter's wait. */
export type WaitMode = 'interruptible' | 'uninterruptible';

/** How a wait for a shared load ended. */
export type SharedWait = { readonly interrupted: true } | { readonly interrupted: false; readonly result: SyscallResult };

export class SharedLoads<K> {
  readonly #core = new MergeCore<K, Process<unknown>, SyscallResult, LoadFlight<K>>({
    newFlight: (key, seq) => new LoadFlight<K>(key, seq),
    // The waiters sleep on the flight's completion, as the kernel's do: complete_all() wakes them all.
    onSettle: (flight) => (flight.done as Completion).completeAll(),
  });

  constructor(
    readonly host: PolicyHost,
    readonly name: string,
    /** The key a request's load is shared under (its module's name, its file's inode). */
    readonly keyOf: (req: LoadRequest) => K,
  ) {}

  /** Whether a load for `key` is in flight. */
  inFlight(key: K): boolean {
    return this.#core.inFlight(key);
  }

  /** `req` leads the load for its key (none may be in flight). */
  lead(req: LoadRequest): void {
    const key = this.keyOf(req);
    const flight = this.#core.lead(key);
    flight.leader = req;
    flight.done = this.host.sim.completion(`${this.name}:${String(key)}`);
  }

  /** `req` waits for the load in flight for its key: its result, or that a signal ended the wait. */
  *wait(req: LoadRequest, point: DetectionPoint, mode: WaitMode): Generator<Waitable<unknown>, SharedWait, unknown> {
    const key = this.keyOf(req);
    const flight = this.#core.flightOf(key);
    if (flight === undefined) throw new Error(`kernel: ${this.name} has no load in flight for ${String(key)}`);
    this.#core.join(flight, req.process);
    this.host.dedup(req, point, 'wait');
    const r = yield* (flight.done as Completion).wait({ interruptible: mode === 'interruptible' });
    if (r === 'interrupted' && !flight.settled) {
      this.#core.leave(flight, req.process);
      return { interrupted: true };
    }
    const outcome = this.#core.joined(flight);
    if (!outcome.ok) throw new Error(`kernel: ${this.name} flight for ${String(key)} ended without a result`);
    return { interrupted: false, result: outcome.value };
  }

  /** If `req` leads a load, settles it with `result` and wakes its waiters; returns whether it did. */
  settle(req: LoadRequest, result: SyscallResult): boolean {
    const flight = this.#core.flightOf(this.keyOf(req));
    if (flight === undefined || flight.leader !== req) return false;
    this.#core.settle(flight, { ok: true, value: result });
    return true;
  }

  get stats(): ReturnType<MergeCore<K>['stats']> {
    return this.#core.stats();
  }
}
