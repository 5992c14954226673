/**
 * A completion, as the kernel's `struct completion`: `done` counts
 * completions not yet consumed. `complete()` adds one and wakes the first
 * waiter; `completeAll()` makes it complete for good and wakes everyone. A
 * waiter consumes one count (none after `completeAll`). Woken waiters
 * re-check `done` in their own turn, so a count is never lost or used twice.
 */
import { Wait, type Process, type Scheduler } from './process.js';
import { ProcQueue } from './queue.js';
import { step, type Step } from './step.js';
import type { Ns } from './time.js';
import { PENDING, type Armed } from './waitable.js';
import type { WaitOptions } from './wait-queue.js';

export type CompletionResult = 'completed' | 'interrupted' | 'timeout';

export class Completion {
  /** Completions not yet consumed; Infinity after `completeAll()`. */
  done = 0;
  /** @internal */ readonly _queue = new ProcQueue<Process<unknown>>();
  /** @internal */ readonly _wakeStep: Step;

  constructor(
    readonly sim: Scheduler,
    readonly name = 'completion',
  ) {
    this._wakeStep = step('wake', `complete:${name}`);
  }

  /** Sleepers waiting right now. */
  get waiters(): number {
    return this._queue.live;
  }

  wait(options?: WaitOptions): Wait<CompletionResult> {
    return new CompletionWait(this, options?.interruptible ?? false, options?.timeoutNs);
  }

  /** One more completion: the first waiter wakes and consumes it. */
  complete(): void {
    if (this.done !== Infinity) this.done++;
    this._wakeOne();
  }

  /** Complete for good: every waiter, now and later, passes. */
  completeAll(): void {
    this.done = Infinity;
    const queue = this._queue;
    for (let p = queue.shift(); p !== null; p = queue.shift()) this.sim._wake(p, this._wakeStep);
  }

  /** Back to not done (the kernel's reinit_completion); waiters stay. */
  reinit(): void {
    this.done = 0;
  }

  /** @internal */
  _wakeOne(): void {
    const p = this._queue.shift();
    if (p !== null) this.sim._wake(p, this._wakeStep);
  }

  /** @internal takes one completion if there is one */
  _consume(): boolean {
    if (this.done === 0) return false;
    if (this.done !== Infinity) this.done--;
    return true;
  }
}

class CompletionWait extends Wait<CompletionResult> {
  constructor(
    readonly completion: Completion,
    readonly interruptible: boolean,
    readonly timeoutNs: Ns | undefined,
  ) {
    super();
  }

  override _arm(p: Process<unknown>): Armed<CompletionResult> {
    if (this.completion._consume()) return 'completed';
    if (this.interruptible && p._hasSignal) return 'interrupted';
    const timeout = this.timeoutNs;
    if (timeout !== undefined) {
      if (timeout <= 0) return 'timeout';
      p._armTimeout(timeout);
    }
    p._interruptible = this.interruptible;
    this.completion._queue.push(p);
    return PENDING;
  }

  override _recheck(p: Process<unknown>): Armed<CompletionResult> {
    if (this.completion._consume()) return 'completed';
    if (this.interruptible && p._hasSignal) return 'interrupted';
    this.completion._queue.push(p);
    return PENDING;
  }

  override _timeout(): CompletionResult {
    return this.completion._consume() ? 'completed' : 'timeout';
  }

  override _leave(p: Process<unknown>): void {
    this.completion._queue.cancel(p);
  }

  override _onKill(_p: Process<unknown>, wakePending: boolean): void {
    // complete() woke this waiter alone; if it dies before consuming, the next one gets the chance.
    if (wakePending && this.completion.done > 0) this.completion._wakeOne();
  }
}
