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
 *
 * A herd's round trips through the mutex are also run inline (`#runHerd`):
 * a member's grant, hold end or walk end that falls strictly before every
 * scheduled step is the step the engine would take next, so it is taken at
 * once — clock moved, step counted — without entering the agenda, for as
 * long as each is one of the plain herd steps (a false condition, a relock,
 * a walk that waits again). The first that is not is scheduled as usual:
 * nothing ran between its would-be scheduling and now, so its place among
 * the scheduled steps (its sequence number) is the one it would have had.
 */
import { K_RECHECK } from './event.js';
import type { Mutex } from './mutex.js';
import type { ProcQueue } from './queue.js';
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
  /**
   * Without side effects: whether `decide()` would return undefined now. Lets
   * a herd's walk run inline (without it, every walk's end is scheduled).
   */
  readonly waitsAgain?: () => boolean;
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
  // The options, kept on the wait itself (a herd's inline loop reads them for every member: one object to touch, not three).
  readonly #mutex: Mutex;
  readonly #sleepers: ProcQueue<Process<unknown>>;
  readonly #cond: () => boolean;
  readonly #wakeCount: () => number;
  readonly #onLocked: () => void;
  readonly #holdNs: Ns;
  readonly #interruptible: boolean;
  readonly #waitsAgain: (() => boolean) | undefined;
  /** Whether this wait's steps can run inline: each has a step of its own (a zero hold or hand-over would share one). */
  readonly #inlinable: boolean;

  constructor(
    readonly o: LockedWaitOptions,
    readonly settle?: LockedWaitSettle<R>,
  ) {
    super();
    this.#holdStep = step('delay', `stage:${o.holdStage}`, o.holdStage);
    this.#settleStep = settle === undefined ? undefined : step('delay', `stage:${settle.holdStage}`, settle.holdStage);
    this.#mutex = o.mutex;
    this.#sleepers = o.wq._queue;
    this.#cond = o.cond;
    this.#wakeCount = o.wakeCount;
    this.#onLocked = o.onLocked;
    this.#holdNs = o.holdNs;
    this.#interruptible = o.interruptible;
    this.#waitsAgain = settle?.waitsAgain;
    this.#inlinable = o.mutex.handOverNs > 0 && o.holdNs > 0 && (settle === undefined || settle.holdNs > 0);
  }

  override _arm(p: Process<unknown>): Armed<LockedWaitResult | R> {
    this.#seen = this.#wakeCount();
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
        if (this.#wakeCount() === this.#seen && !(this.#interruptible && p._hasSignal)) {
          this.#sleepers.push(p); // a spurious wake-up: back to sleep
          return PENDING;
        }
        p._interruptible = false;
        this.#seen = this.#wakeCount();
        return this.#lock(p);
      }
    }
  }

  /** A grant of the mutex goes to `_recheck`, not to the caller's generator. */
  override _grantKind(): number {
    return K_RECHECK;
  }

  override _leave(p: Process<unknown>): void {
    this.#sleepers.cancel(p);
    this.#mutex._cancel(p);
  }

  /** mutex_lock() for a check (LOCKING) or, settle only, for the walk once the condition held (RELOCKING). */
  #acquire(p: Process<unknown>, phase: typeof LOCKING | typeof RELOCKING): Armed<LockedWaitResult | R> {
    const m = this.#mutex;
    this.#phase = phase;
    if (m.owner !== null) {
      m._enqueue(p);
      return PENDING;
    }
    m._take(p);
    return phase === LOCKING ? this.#locked(p) : this.#relocked(p);
  }

  #lock(p: Process<unknown>): Armed<LockedWaitResult | R> {
    return this.#acquire(p, LOCKING);
  }

  #locked(p: Process<unknown>): Armed<LockedWaitResult | R> {
    this.#onLocked();
    if (this.#holdNs === 0) return this.#checked(p);
    this.#phase = HOLDING;
    this.#due(p, p.sim.now + this.#holdNs, this.#holdStep);
    return PENDING;
  }

  /** `p`'s hold or walk ends at `t`. */
  #due(p: Process<unknown>, t: Ns, s: Step): void {
    p.sim._schedule(p, t, K_RECHECK, s, undefined);
  }

  #checked(p: Process<unknown>): Armed<LockedWaitResult | R> {
    const done = this.#cond();
    const next = this.#mutex._release(p);
    const out = this.#afterCheck(p, done);
    this.#handOn(next, out);
    return out;
  }

  /** What a waiter does after its evaluation, the mutex dropped. */
  #afterCheck(p: Process<unknown>, done: boolean): Armed<LockedWaitResult | R> {
    if (done) return this.settle === undefined ? 'ok' : this.#acquire(p, RELOCKING);
    if (this.#interruptible && p._hasSignal) return 'interrupted';
    return this.#sleepUnlessWoken(p) ? PENDING : this.#lock(p);
  }

  /** After a false check: to sleep on the wait queue — or, woken while it checked, true to check again at once. */
  #sleepUnlessWoken(p: Process<unknown>): boolean {
    const wakeUps = this.#wakeCount();
    if (wakeUps !== this.#seen) {
      this.#seen = wakeUps;
      return false;
    }
    this.#phase = SLEEPING;
    p._interruptible = this.#interruptible;
    this.#sleepers.push(p);
    return true;
  }

  /**
   * The mutex went to `next` when this waiter let go: its grant, scheduled
   * after this waiter's own bookkeeping (which schedules nothing while the
   * mutex is taken), or run inline when nothing else is to run first.
   */
  #handOn(next: Process<unknown> | null, out: Armed<LockedWaitResult | R>): void {
    if (next === null) return;
    if (out === PENDING && next._wait instanceof LockedWaitEvent) LockedWaitEvent.#runHerd(next, next.sim.now + this.#mutex.handOverNs);
    else this.#mutex._grant(next);
  }

  #relocked(p: Process<unknown>): Armed<LockedWaitResult | R> {
    const settle = this.settle as LockedWaitSettle<R>;
    settle.onLocked();
    if (settle.holdNs === 0) return this.#walked(p);
    this.#phase = WALKING;
    this.#due(p, p.sim.now + settle.holdNs, this.#settleStep as Step);
    return PENDING;
  }

  #walked(p: Process<unknown>): Armed<LockedWaitResult | R> {
    const verdict = (this.settle as LockedWaitSettle<R>).decide();
    if (verdict !== undefined) return verdict; // the mutex stays held, as after the generator's own lock
    const next = this.#mutex._release(p);
    // A new wait_event(): the count is read afresh and the condition checked first, under the mutex.
    this.#seen = this.#wakeCount();
    const out = this.#lock(p);
    this.#handOn(next, out);
    return out;
  }

  /**
   * The herd's steps inline (see the file's comment). `first`, a waiter in
   * this wait, owns the mutex and its grant is due at `grantAt`; the waiter
   * whose step handed it over has done all it does in that step.
   */
  static #runHerd(first: Process<unknown>, grantAt: Ns): void {
    const sim = first.sim;
    // Plain steps schedule nothing (the loop ends where one would), so the next scheduled step stays put.
    const limit = sim._inlineLimit();
    let p = first;
    // `+` makes t a number to the optimising compiler (a parameter is of any type): as such the clock stays an
    // unboxed double through the loop, where a phi of any type would box a new heap number at every step.
    let t = +grantAt;
    // Whether p's ownership is recorded in its holdings: hand-overs inside the loop skip that (Mutex._pass), and
    // whoever owns the mutex when the loop ends gets it recorded — nothing can kill a member in between.
    let held = true;
    for (;;) {
      const w = p._wait as LockedWaitEvent<unknown>;
      const phase = w.#phase;
      let plain = t < limit && w.#inlinable;
      let done = false;
      if (plain && phase === HOLDING) {
        done = w.#cond();
        plain = done ? w.settle !== undefined : !(w.#interruptible && p._hasSignal);
      } else if (plain && phase === WALKING) plain = w.#waitsAgain?.() === true;
      const m = w.#mutex;
      if (!plain) {
        if (!held) p._hold(m);
        w.#schedule(p, t);
        return;
      }
      sim._advance(t);
      if (phase === LOCKING) {
        w.#onLocked();
        w.#phase = HOLDING;
        t += w.#holdNs;
        continue;
      }
      if (phase === RELOCKING) {
        const settle = w.settle as LockedWaitSettle<unknown>;
        settle.onLocked();
        w.#phase = WALKING;
        t += settle.holdNs;
        continue;
      }
      if (phase === WALKING && (w.settle as LockedWaitSettle<unknown>).decide() !== undefined) {
        throw new Error('sim: a locked wait settled after waitsAgain() said it would wait again');
      }
      // The end of a false check (it sleeps, or checks again if woken meanwhile), of a true one (it relocks
      // for the walk), or of a walk that waits again (a new wait: the count read afresh, the check first).
      if (held) p._let(m);
      const next = m._pass();
      if (phase === HOLDING && !done) {
        if (!w.#sleepUnlessWoken(p)) w.#phase = LOCKING;
      } else if (phase === HOLDING) w.#phase = RELOCKING;
      else {
        w.#seen = w.#wakeCount();
        w.#phase = LOCKING;
      }
      if (w.#phase !== SLEEPING) {
        if (next === null) {
          // The mutex is free: p takes it back at once, and its hold or walk is the herd's next step.
          m.owner = p;
          held = false;
          if (w.#phase === LOCKING) {
            w.#onLocked();
            w.#phase = HOLDING;
            t = sim.now + w.#holdNs;
          } else {
            const settle = w.settle as LockedWaitSettle<unknown>;
            settle.onLocked();
            w.#phase = WALKING;
            t = sim.now + settle.holdNs;
          }
          continue;
        }
        m._enqueue(p);
      }
      if (next === null) return;
      if (!(next._wait instanceof LockedWaitEvent)) {
        next._hold(m);
        m._grant(next);
        return;
      }
      p = next;
      held = false;
      t = sim.now + m.handOverNs;
    }
  }

  /** Schedules `p`'s next step, due at `t`: its grant, or the end of its hold or walk. */
  #schedule(p: Process<unknown>, t: Ns): void {
    switch (this.#phase) {
      case LOCKING:
      case RELOCKING:
        this.#mutex._grant(p);
        return;
      case HOLDING:
        p.sim._schedule(p, t, K_RECHECK, this.#holdStep, undefined);
        return;
      case WALKING:
        p.sim._schedule(p, t, K_RECHECK, this.#settleStep as Step, undefined);
        return;
      default:
        throw new Error('sim: a sleeping herd waiter has no step to schedule');
    }
  }
}
