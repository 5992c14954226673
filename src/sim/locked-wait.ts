/**
 * wait_event() whose condition is evaluated under a mutex, the way the
 * kernel's module loader waits on module_wq (kernel/module/main.c:
 * finished_loading() takes module_mutex for each evaluation; wait_event's
 * ___wait_event() loop re-evaluates at every wake-up):
 *
 *   for (;;) { seen = wakeCount(); lock; hold holdNs; done = cond(); unlock;
 *              if (done) return 'ok'; if (signal) return 'interrupted';
 *              sleep on wq until wakeCount() != seen }
 *
 * Written as one wait rather than a generator loop because a thundering
 * herd runs this loop for every sleeper at every wake-up: each round is the
 * same three steps a generator would take (the mutex's grant, the hold's
 * end, the wake-up), scheduled at the same instants in the same order with
 * the same step labels, but none of them resumes the caller's generator
 * (whose `yield*` chain is a dozen frames deep in a load syscall) until the
 * wait is over. No timeout: a wait with one uses the generator form.
 *
 * With `settle`, the wait goes on past the condition the way
 * add_unformed_module()'s `goto again` does before 6.2: once the condition
 * holds the waiter retakes the mutex, holds it for a list walk and asks
 * `settle.decide()`; a verdict ends the wait with the mutex held, none
 * drops the mutex and waits again —
 *
 *   ... if (done) { lock; hold settle.holdNs; v = decide();
 *                   if (v !== undefined) return v; unlock; seen = wakeCount(); lock; ... }
 *
 * again with the steps a generator would take, so that a herd's relock and
 * walk resume no generator either.
 */
import { K_RECHECK } from './event.js';
import type { Mutex } from './mutex.js';
import { Wait, type Process } from './process.js';
import { step, type Step } from './step.js';
import type { Ns } from './time.js';
import type { WaitQueue } from './wait-queue.js';
import { PENDING, type Armed } from './waitable.js';

export interface LockedWaitOptions {
  readonly mutex: Mutex;
  readonly wq: WaitQueue;
  /** How long each evaluation holds the mutex (0: no step of its own). */
  readonly holdNs: Ns;
  /** What the hold stands for: its step is the one `sim.delay(holdNs, holdStage)` schedules. */
  readonly holdStage: string;
  /** The wake-ups so far: a sleeper sleeps until this moves (wake_up_all bumps it). */
  readonly wakeCount: () => number;
  /** Each time the mutex is taken for an evaluation (counters). */
  readonly onLocked: () => void;
  readonly cond: () => boolean;
  readonly interruptible: boolean;
}

/** What a waiter does once the condition holds, before it may wait again (see the file's comment). */
export interface LockedWaitSettle<R> {
  /** How long the walk after the relock holds the mutex (0: no step of its own). */
  readonly holdNs: Ns;
  readonly holdStage: string;
  /** Each relock (counters). */
  readonly onLocked: () => void;
  /** With the mutex held, after the walk: the wait's verdict, or undefined to drop the mutex and wait again. */
  readonly decide: () => R | undefined;
}

const LOCKING = 0;
const HOLDING = 1;
const SLEEPING = 2;
const RELOCKING = 3;
const WALKING = 4;

export type LockedWaitResult = 'ok' | 'interrupted';

export class LockedWaitEvent<R = never> extends Wait<LockedWaitResult | R> {
  #phase = LOCKING;
  #seen = 0;
  readonly #holdStep: Step;
  readonly #settleStep: Step | undefined;

  constructor(
    readonly o: LockedWaitOptions,
    readonly settle?: LockedWaitSettle<R>,
  ) {
    super();
    this.#holdStep = step('delay', `stage:${o.holdStage}`, o.holdStage);
    this.#settleStep = settle === undefined ? undefined : step('delay', `stage:${settle.holdStage}`, settle.holdStage);
  }

  override _arm(p: Process<unknown>): Armed<LockedWaitResult | R> {
    this.#seen = this.o.wakeCount();
    return this.#lock(p);
  }

  override _recheck(p: Process<unknown>): Armed<LockedWaitResult | R> {
    switch (this.#phase) {
      case LOCKING:
        return this.#locked(p); // the mutex was handed over: p owns it
      case HOLDING:
        return this.#checked(p);
      case RELOCKING:
        return this.#relocked(p);
      case WALKING:
        return this.#walked(p);
      default: {
        // Woken (by wake_up_all or a signal): the wait's own condition, as WaitQueue's waitEvent checks it.
        const o = this.o;
        if (o.wakeCount() === this.#seen && !(o.interruptible && p._hasSignal)) {
          o.wq._queue.push(p); // a spurious wake-up: back to sleep
          return PENDING;
        }
        p._interruptible = false;
        this.#seen = o.wakeCount();
        return this.#lock(p);
      }
    }
  }

  /** A grant of the mutex goes to `_recheck`, not to the caller's generator. */
  override _grantKind(): number {
    return K_RECHECK;
  }

  override _leave(p: Process<unknown>): void {
    this.o.wq._queue.cancel(p);
    this.o.mutex._cancel(p);
  }

  #lock(p: Process<unknown>): Armed<LockedWaitResult | R> {
    const m = this.o.mutex;
    this.#phase = LOCKING;
    if (m.owner !== null) {
      m._enqueue(p);
      return PENDING;
    }
    m._take(p);
    return this.#locked(p);
  }

  #locked(p: Process<unknown>): Armed<LockedWaitResult | R> {
    const o = this.o;
    o.onLocked();
    if (o.holdNs === 0) return this.#checked(p);
    this.#phase = HOLDING;
    p.sim._schedule(p, p.sim.now + o.holdNs, K_RECHECK, this.#holdStep, undefined);
    return PENDING;
  }

  #checked(p: Process<unknown>): Armed<LockedWaitResult | R> {
    const o = this.o;
    const done = o.cond();
    o.mutex.unlock();
    if (done) return this.settle === undefined ? 'ok' : this.#relock(p);
    if (o.interruptible && p._hasSignal) return 'interrupted';
    if (o.wakeCount() !== this.#seen) {
      // Woken while it checked: check again at once.
      this.#seen = o.wakeCount();
      return this.#lock(p);
    }
    this.#phase = SLEEPING;
    p._interruptible = o.interruptible;
    o.wq._queue.push(p);
    return PENDING;
  }

  /** The condition held: mutex_lock() again for the walk (settle only). */
  #relock(p: Process<unknown>): Armed<LockedWaitResult | R> {
    const m = this.o.mutex;
    this.#phase = RELOCKING;
    if (m.owner !== null) {
      m._enqueue(p);
      return PENDING;
    }
    m._take(p);
    return this.#relocked(p);
  }

  #relocked(p: Process<unknown>): Armed<LockedWaitResult | R> {
    const settle = this.settle as LockedWaitSettle<R>;
    settle.onLocked();
    if (settle.holdNs === 0) return this.#walked(p);
    this.#phase = WALKING;
    p.sim._schedule(p, p.sim.now + settle.holdNs, K_RECHECK, this.#settleStep as Step, undefined);
    return PENDING;
  }

  #walked(p: Process<unknown>): Armed<LockedWaitResult | R> {
    const verdict = (this.settle as LockedWaitSettle<R>).decide();
    if (verdict !== undefined) return verdict; // the mutex stays held, as after the generator's own lock
    this.o.mutex.unlock();
    // A new wait_event(): the count is read afresh and the condition checked first, under the mutex.
    this.#seen = this.o.wakeCount();
    return this.#lock(p);
  }
}
