/**
 * A wait queue with the kernel's `wait_event` semantics: the condition is
 * checked before sleeping; `wakeUpAll()` takes every sleeper off the queue
 * and each re-checks the condition in its own turn, sleeping again if it is
 * still false. A wake-up between the check and the sleep cannot be lost,
 * because checking and queueing happen in one step.
 */
import { Wait, type Process, type Scheduler } from './process.js';
import { ProcQueue } from './queue.js';
import type { Random } from './random.js';
import { step, type Step } from './step.js';
import type { Ns } from './time.js';
import { PENDING, type Armed } from './waitable.js';

export interface WaitOptions {
  /** End early with 'interrupted' when the process has a signal pending. */
  interruptible?: boolean;
  /** End with 'timeout' after this many ns (the condition is checked once more then, as the kernel does). */
  timeoutNs?: Ns;
}

export type WaitEventResult = 'ok' | 'interrupted' | 'timeout';

export class WaitQueue {
  /** @internal */ readonly _queue = new ProcQueue<Process<unknown>>();
  readonly #wakeStep: Step;

  constructor(
    readonly sim: Scheduler,
    readonly name = 'waitQueue',
  ) {
    this.#wakeStep = step('wake', `wake:${name}`);
  }

  /** Sleepers on the queue right now (woken ones awaiting their turn excluded). */
  get waiters(): number {
    return this._queue.live;
  }

  /** Sleeps until `cond()` holds (it is checked first, and by each wake-up). */
  waitEvent(cond: () => boolean, options?: WaitOptions): Wait<WaitEventResult> {
    return new WaitEvent(this, cond, options?.interruptible ?? false, options?.timeoutNs);
  }

  /**
   * Wakes every sleeper; each re-checks its condition in its own turn — in
   * queue order, or in an order drawn from `race` (sleepers on many CPUs
   * that race for what comes next: the first to run wins, not the first
   * queued).
   */
  wakeUpAll(race?: Random): void {
    const queue = this._queue;
    if (race === undefined || queue.live < 2) {
      for (let p = queue.shift(); p !== null; p = queue.shift()) this.sim._wake(p, this.#wakeStep);
      return;
    }
    // Sized once (`live` is exactly what the shifts return): a storm's herd is thousands of sleepers per wake-up.
    const woken = new Array<Process<unknown>>(queue.live);
    let n = 0;
    for (let p = queue.shift(); p !== null; p = queue.shift()) woken[n++] = p;
    // Fisher–Yates over the seeded stream: the same seed, the same order.
    for (let i = woken.length - 1; i > 0; i--) {
      const j = race.int(0, i + 1);
      const t = woken[i] as Process<unknown>;
      woken[i] = woken[j] as Process<unknown>;
      woken[j] = t;
    }
    this.sim._wakeAll(woken, this.#wakeStep);
  }
}

class WaitEvent extends Wait<WaitEventResult> {
  constructor(
    readonly wq: WaitQueue,
    readonly cond: () => boolean,
    readonly interruptible: boolean,
    readonly timeoutNs: Ns | undefined,
  ) {
    super();
  }

  override _arm(p: Process<unknown>): Armed<WaitEventResult> {
    if (this.cond()) return 'ok';
    if (this.interruptible && p._hasSignal) return 'interrupted';
    const timeout = this.timeoutNs;
    if (timeout !== undefined) {
      if (timeout <= 0) return 'timeout';
      p._armTimeout(timeout);
    }
    p._interruptible = this.interruptible;
    this.wq._queue.push(p);
    return PENDING;
  }

  override _recheck(p: Process<unknown>): Armed<WaitEventResult> {
    if (this.cond()) return 'ok';
    if (this.interruptible && p._hasSignal) return 'interrupted';
    this.wq._queue.push(p);
    return PENDING;
  }

  override _timeout(): WaitEventResult {
    return this.cond() ? 'ok' : 'timeout';
  }

  override _leave(p: Process<unknown>): void {
    this.wq._queue.cancel(p);
  }
}
