/**
 * A mutex handed over in FIFO order: `unlock()` gives ownership straight to
 * the first waiter, which resumes in its own turn already owning it — at
 * once, or `handOverNs` later (the cost of passing a contended lock on: the
 * waiter's wake-up and the lock's cache line moving to its CPU). An
 * uncontended lock and unlock cost nothing. The mutex keeps its own
 * bookkeeping: its owner holds it as a `Holding`, so a killed owner passes
 * it on.
 */
import { K_RESUME } from './event.js';
import { Wait, type Holding, type Process, type Scheduler } from './process.js';
import { ProcQueue } from './queue.js';
import { step, type Step } from './step.js';
import type { Ns } from './time.js';
import { PENDING, deadlockError, type Armed } from './waitable.js';

export interface MutexOptions {
  /** Virtual time from `unlock()` until the waiter it hands the mutex to resumes, owning it (default 0). */
  handOverNs?: Ns;
}

export class Mutex implements Holding {
  owner: Process<unknown> | null = null;
  readonly handOverNs: Ns;
  readonly #queue = new ProcQueue<Process<unknown>>();
  readonly #lockStep: Step;

  constructor(
    readonly sim: Scheduler,
    readonly name = 'mutex',
    options: MutexOptions = {},
  ) {
    const handOverNs = options.handOverNs ?? 0;
    if (!(Number.isInteger(handOverNs) && handOverNs >= 0)) {
      throw new RangeError(`sim: mutex ${name}: handOverNs must be a whole number of ns ≥ 0, got ${handOverNs}`);
    }
    this.handOverNs = handOverNs;
    this.#lockStep = step('grant', `lock:${name}`);
  }

  /** Processes waiting for the mutex. */
  get waiters(): number {
    return this.#queue.live;
  }

  lock(): Wait<void> {
    return new MutexLock(this);
  }

  /** Releases the mutex; the running process must own it. */
  unlock(): void {
    const owner = this.owner;
    if (owner === null) throw new Error(`sim: unlock of ${this.name}, which nobody holds`);
    const current = this.sim.current;
    if (current !== null && current !== owner) {
      throw new Error(`sim: ${current.name} unlocks ${this.name}, held by ${owner.name}`);
    }
    owner._let(this);
    this.#handOff();
  }

  /** @internal its owner was killed: the mutex passes on */
  _ownerKilled(): void {
    this.#handOff();
  }

  /** Gives the mutex to the next waiter, or frees it. */
  #handOff(): void {
    const next = this.#queue.shift();
    this.owner = next;
    if (next === null) return;
    next._hold(this);
    this._grant(next);
  }

  /**
   * @internal `owner` lets go, and the next waiter (returned) owns the mutex
   * — or nobody; the waiter's grant is the caller's to schedule (`_grant`).
   */
  _release(owner: Process<unknown>): Process<unknown> | null {
    owner._let(this);
    const next = this.#queue.shift();
    this.owner = next;
    if (next !== null) next._hold(this);
    return next;
  }

  /**
   * @internal `_release` for a herd run inline (locked-wait.ts): the next
   * waiter (returned) owns the mutex, but neither side's holdings are
   * touched — the caller records them for whoever still owns it when its
   * inline run ends, since no kill can come in between.
   */
  _pass(): Process<unknown> | null {
    const next = this.#queue.shift();
    this.owner = next;
    return next;
  }

  /** @internal schedules the grant to `next`, which owns the mutex: it resumes in its own turn, `handOverNs` from now */
  _grant(next: Process<unknown>): void {
    const kind = (next._wait as Wait<unknown>)._grantKind();
    if (this.handOverNs === 0) {
      if (kind === K_RESUME) this.sim._resume(next, undefined, this.#lockStep);
      else {
        next.state = 'ready';
        this.sim._schedule(next, this.sim.now, kind, this.#lockStep, undefined);
      }
    } else this.sim._schedule(next, this.sim.now + this.handOverNs, kind, this.#lockStep, undefined);
  }

  /** @internal a free mutex: `p` owns it now */
  _take(p: Process<unknown>): void {
    this.owner = p;
    p._hold(this);
  }

  /** @internal */
  _enqueue(p: Process<unknown>): void {
    this.#queue.push(p);
  }

  /** @internal a waiter leaves (it is killed) */
  _cancel(p: Process<unknown>): void {
    this.#queue.cancel(p);
  }
}

class MutexLock extends Wait<void> {
  constructor(readonly mutex: Mutex) {
    super();
  }

  override _arm(p: Process<unknown>): Armed<void> {
    const m = this.mutex;
    if (m.owner === null) {
      m._take(p);
      return undefined;
    }
    if (m.owner === p) return p.sim._throwNow(deadlockError(`${p.name} locks ${m.name}, which it already holds`));
    m._enqueue(p);
    return PENDING;
  }

  override _leave(p: Process<unknown>): void {
    this.mutex._cancel(p);
  }
}
