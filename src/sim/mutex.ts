/**
 * A mutex handed over in FIFO order: `unlock()` gives ownership straight to
 * the first waiter, which resumes in its own turn already owning it.
 */
import type { Process } from './process.js';
import { ProcQueue } from './queue.js';
import type { Simulation } from './simulation.js';
import { step, type Step } from './step.js';
import { PENDING, Wait, deadlockError, type Armed } from './waitable.js';

export class Mutex {
  owner: Process<unknown> | null = null;
  /** @internal */ readonly _queue = new ProcQueue();
  readonly #lockStep: Step;

  constructor(
    readonly sim: Simulation,
    readonly name = 'mutex',
  ) {
    this.#lockStep = step('grant', `lock:${name}`);
  }

  /** Processes waiting for the mutex. */
  get waiters(): number {
    return this._queue.live;
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
    const held = owner._extras().held as Mutex[];
    held.splice(held.indexOf(this), 1);
    this._handOff();
  }

  /** @internal gives the mutex to the next waiter, or frees it */
  _handOff(): void {
    const next = this._queue.shift();
    this.owner = next;
    if (next === null) return;
    (next._extras().held ??= []).push(this);
    this.sim._resume(next, undefined, this.#lockStep);
  }

  /** @internal */
  _take(p: Process<unknown>): void {
    this.owner = p;
    (p._extras().held ??= []).push(this);
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
    m._queue.push(p);
    return PENDING;
  }
}
