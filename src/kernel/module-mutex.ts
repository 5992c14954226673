/**
 * module_mutex and module_wq (kernel/module/main.c), as the kernel uses
 * them. One global mutex guards the module list: the duplicate checks, the
 * running-load list of `merge`, symbol resolution, complete_formation(), the
 * success tail of do_init_module() and free_module() (which holds it across
 * a grace period). One wait queue serves every module name, and it is woken
 * at four places only — the end of a successful do_init_module(), the end
 * of a failed one after the module is freed, load_module()'s unlink error
 * path, the end of delete_module() — never at a bare state change. Every
 * wake-up wakes every sleeper, and each re-checks its condition under the
 * mutex (finished_loading() takes it): a thundering herd that costs each
 * sleeper a mutex acquisition and a list walk.
 */
import { LockedWaitEvent, type LockedWaitOptions, type Mutex, type Random, type Simulation, type WaitQueue, type Waitable } from '../sim/index.js';
import type { CostProfile } from './costs.js';

type Step<T> = Generator<Waitable<unknown>, T, unknown>;

export interface WaitOnModuleWq {
  /** wait_event_interruptible(): a signal ends the wait. */
  readonly interruptible: boolean;
  /** wait_event_*_timeout(): the condition is checked once more when it runs out. */
  readonly timeoutNs?: number;
}

/** How a wait on module_wq ended. */
export type ModuleWqWait = 'ok' | 'interrupted' | 'timeout';

export class ModuleSync {
  readonly mutex: Mutex;
  readonly wq: WaitQueue;
  /** wake_up_all(&module_wq) calls so far: a sleeper sleeps until this moves. */
  wakeUps = 0;
  /** Acquisitions of module_mutex, and those that re-checked a wait's condition. */
  acquisitions = 0;
  rechecks = 0;
  /** The order a woken herd reaches module_mutex in, when it is a race (see wakeUpAll). */
  readonly #race: Random | undefined;

  constructor(
    readonly sim: Simulation,
    readonly costs: CostProfile,
    options: { herdRace?: boolean } = {},
  ) {
    this.#race = options.herdRace === true ? sim.random('module_wq herd') : undefined;
    // A contended acquisition costs the hand-over (the waiter's wake-up and switch); an uncontended one nothing.
    this.mutex = sim.mutex('module_mutex', { handOverNs: costs.moduleMutexNs });
    this.wq = sim.waitQueue('module_wq');
  }

  /** mutex_lock(&module_mutex). */
  *lock(): Step<void> {
    yield* this.mutex.lock();
    this.acquisitions++;
  }

  /**
   * mutex_unlock(&module_mutex) by the running process, if it holds it (a
   * process killed outright has already passed it on).
   */
  unlock(): void {
    if (this.mutex.owner !== null && this.mutex.owner === this.sim.current) this.mutex.unlock();
  }

  /** Holds module_mutex (already taken) for `ns` of work: a list walk, a grace period. */
  *hold(ns: number, stage: string): Step<void> {
    if (ns > 0) yield* this.sim.delay(ns, stage);
  }

  /**
   * wake_up_all(&module_wq): every sleeper, whatever module it waits for.
   * wake_up_all() walks the list in order, but each sleeper then runs on its
   * own CPU after its wake-up IPI and idle exit, and the first to get there
   * takes module_mutex (kernel/locking/mutex.c lets a running task's
   * optimistic spin beat queued waiters): with `herdRace` the herd reaches
   * the mutex in a seeded random order instead of queue order.
   */
  wakeUpAll(): void {
    this.wakeUps++;
    this.wq.wakeUpAll(this.#race);
  }

  /**
   * wait_event_interruptible(module_wq, cond) by the running process, where
   * `cond` is evaluated under module_mutex (finished_loading(),
   * resolve_symbol()), called without the mutex held. Each evaluation takes the mutex and walks the list; a
   * wake-up between the evaluation and the sleep is not lost (the kernel's
   * prepare_to_wait comes first; here the sleep's own check sees the count
   * of wake-ups moved). As ___wait_event() does, the condition is checked
   * first on every round, then a pending signal ends the wait.
   */
  *waitEvent(cond: () => boolean, options: WaitOnModuleWq): Step<ModuleWqWait> {
    // The herd's hot path: the same loop as one wait that resumes the caller only at its end. Its steps are
    // the loop's own, so it is used only where nothing looks at them one by one: FIFO ties, no trace.
    if (options.timeoutNs === undefined && this.sim.fifoTies && !this.sim.tracing) {
      return yield* new LockedWaitEvent(this.#lockedWait(cond, options.interruptible));
    }
    const deadline = options.timeoutNs === undefined ? undefined : this.sim.now + options.timeoutNs;
    for (;;) {
      const seen = this.wakeUps;
      if (yield* this.#check(cond)) return 'ok';
      if (options.interruptible && this.sim.current?.signalPending !== undefined) return 'interrupted';
      const timeoutNs = deadline === undefined ? undefined : deadline - this.sim.now;
      if (timeoutNs !== undefined && timeoutNs <= 0) return 'timeout';
      const r = yield* this.wq.waitEvent(() => this.wakeUps !== seen, {
        interruptible: options.interruptible,
        ...(timeoutNs === undefined ? {} : { timeoutNs }),
      });
      if (r === 'timeout') return (yield* this.#check(cond)) ? 'ok' : 'timeout';
    }
  }

  /**
   * The `goto again` of add_unformed_module() before 6.2, from the sleep on:
   * waitEvent(cond), then mutex_lock() and a list walk (`recheckNs`) whose
   * outcome `walk.decide()` reads with the mutex held — a verdict (returned
   * with the mutex held) or undefined, after which the mutex is dropped and
   * the wait starts over (`walk.waitsAgain()` says which, without acting). 'interrupted': a signal ended a wait (mutex not held).
   * Called without the mutex held.
   */
  *waitThenWalk<R>(
    cond: () => boolean,
    walk: { readonly decide: () => R | undefined; readonly waitsAgain: () => boolean },
    options: { readonly interruptible: boolean },
  ): Step<R | 'interrupted'> {
    const decide = walk.decide;
    if (this.sim.fifoTies && !this.sim.tracing) {
      // The herd's hot path again: relock and walk inside the one wait (LockedWaitEvent's settle).
      const r = yield* new LockedWaitEvent<R>(this.#lockedWait(cond, options.interruptible), {
        holdNs: this.costs.recheckNs,
        holdStage: 'recheck',
        onLocked: this.#onRelock,
        decide,
        waitsAgain: walk.waitsAgain,
      });
      return r as R | 'interrupted'; // with settle the wait ends in a verdict or 'interrupted', never 'ok'
    }
    for (;;) {
      if ((yield* this.waitEvent(cond, options)) !== 'ok') return 'interrupted';
      yield* this.lock();
      yield* this.hold(this.costs.recheckNs, 'recheck');
      const verdict = decide();
      if (verdict !== undefined) return verdict;
      this.unlock();
    }
  }

  #lockedWait(cond: () => boolean, interruptible: boolean): LockedWaitOptions {
    return {
      mutex: this.mutex,
      wq: this.wq,
      holdNs: this.costs.recheckNs,
      holdStage: 'recheck',
      wakeCount: this.#wakeCount,
      onLocked: this.#onRecheck,
      cond,
      interruptible,
    };
  }

  readonly #onRelock = (): void => {
    this.acquisitions++;
  };
  readonly #wakeCount = (): number => this.wakeUps;
  readonly #onRecheck = (): void => {
    this.acquisitions++;
    this.rechecks++;
  };

  *#check(cond: () => boolean): Step<boolean> {
    yield* this.lock();
    this.rechecks++;
    yield* this.hold(this.costs.recheckNs, 'recheck');
    const done = cond();
    this.unlock();
    return done;
  }
}
