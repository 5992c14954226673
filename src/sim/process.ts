/**
 * Processes and what they wait on — the engine's events layer.
 *
 * A process is a generator body driven by the engine; it yields a `Wait`
 * each time it has to wait. A wait owns its own bookkeeping: the queue it
 * put the process in, the CPU it holds, what to give back when the process
 * leaves early. The engine calls the `_` hooks below at the right moments
 * and knows nothing else of any primitive, so a new primitive (a counting
 * mutex, an rwsem) is one new file: a class with a `Wait` subclass.
 *
 * Fields and methods starting with `_` belong to the engine and the waits.
 */
import { K_RESUME, K_TIMEOUT, SimEvent } from './event.js';
import { TIMEOUT_STEP, type Step } from './step.js';
import type { Ns } from './time.js';
import { PENDING, THROW, deadlockError, type Armed, type ProcessBody, type Waitable } from './waitable.js';

/**
 * What processes and waits need from the engine: the clock and scheduling.
 * `Engine` (engine.ts) implements it; the interface lives here so that this
 * layer does not import the engine that drives it.
 */
export interface Scheduler {
  /** The virtual clock, in integer nanoseconds. */
  readonly now: Ns;
  /** The process whose body is running, if any. */
  readonly current: Process<unknown> | null;
  /** @internal schedules `ev` at `time` (≥ now) to do `kind` (K_*), as step `s`, with `value` */
  _schedule(ev: SimEvent<Process<unknown>>, time: Ns, kind: number, s: Step, value: unknown): void;
  /** @internal takes a scheduled step back */
  _unschedule(ev: SimEvent<Process<unknown>>): void;
  /** @internal resumes `p` now with a decided result */
  _resume(p: Process<unknown>, value: unknown, s: Step): void;
  /** @internal throws `error` into `p` now */
  _throwInto(p: Process<unknown>, error: unknown, s: Step): void;
  /** @internal wakes `p` to let its wait decide in its own turn (`_recheck`) */
  _wake(p: Process<unknown>, s: Step): void;
  /** @internal `_wake` for each of `ps` (off their queue), in order */
  _wakeAll(ps: Process<unknown>[], s: Step): void;
  /** @internal schedules `p`'s wait to decide at `time` (`_recheck`): a CPU slice's end */
  _wakeAt(p: Process<unknown>, time: Ns, s: Step): void;
  /** @internal for `_arm`/`_recheck`: make the process throw `error` at once */
  _throwNow(error: unknown): typeof THROW;
  /** @internal a signal reached `p`, waiting interruptibly and not yet woken */
  _wakeForSignal(p: Process<unknown>): void;
  /** @internal ends `p` at once */
  _kill(p: Process<unknown>): void;
  /**
   * @internal a step at a time before this one may run inline, without being
   * scheduled: it is then the step the engine would take next (-Infinity
   * when steps must go through the agenda: a tie chooser, a trace, a step
   * limit or an end time)
   */
  _inlineLimit(): Ns;
  /** @internal the clock moves to `time` (below `_inlineLimit()`) for a step run inline */
  _advance(time: Ns): void;
}

/**
 * Something a process holds past the end of one wait (a mutex it owns):
 * told when its holder is killed, so it passes on instead of staying held.
 */
export interface Holding {
  _ownerKilled(owner: Process<unknown>): void;
}

/**
 * 'ready': a step for it is scheduled (start, or its wait is decided);
 * 'waiting': suspended in a yield (delay, queue, CPU, lock, join);
 * 'done': its body returned; 'killed': ended by `kill()`.
 */
export type ProcessState = 'ready' | 'waiting' | 'done' | 'killed';

export type JoinResult<T> = { readonly killed: false; readonly value: T } | { readonly killed: true };

/** @internal A process's rarely used state, kept apart so that a process stays small. */
export class ProcessExtras {
  /** its wait's timeout */
  tev: SimEvent<Process<unknown>> | null = null;
  /** what it holds (mutexes it owns) */
  holds: Holding[] | null = null;
  /** processes joining it, in arrival order */
  joiners: Process<unknown>[] | null = null;
  /** run when killed (e.g. a merge leader settles its run) */
  onKill: (() => void)[] | null = null;
  signal: unknown = undefined;
  hasSignal = false;
}

/** @internal what joiners of a killed process get */
export const KILLED_RESULT: JoinResult<never> = Object.freeze({ killed: true });

export class Process<T = unknown> extends SimEvent<Process<unknown>> {
  // Fields assigned in the constructor, not initialised in place: see SimEvent.
  declare state: ProcessState;
  /** The body's return value, once done. */
  declare result: T | undefined;
  declare readonly sim: Scheduler;
  declare readonly id: number;
  declare readonly name: string;

  /** @internal */ declare _gen: ProcessBody<T> | null;
  /** @internal what it waits on right now */ declare _wait: Wait<unknown> | null;
  /** @internal whether that wait ends early on a signal */ declare _interruptible: boolean;
  /** @internal the wait list it is in, if any: owned by ProcQueue (queue.ts) */ declare _queue: object | null;
  /** @internal bumped whenever it leaves a wait list, so its old entry goes stale: owned by ProcQueue */ declare _epoch: number;
  /** @internal the rarely used rest (timeout, holdings, joiners, hooks, signal), made on first use */ declare _x: ProcessExtras | null;
  /** @internal live-process list links */ declare _prev: Process<unknown> | null;
  /** @internal */ declare _next: Process<unknown> | null;

  constructor(sim: Scheduler, id: number, name: string, body: (self: Process<T>) => ProcessBody<T>) {
    super(null);
    this.state = 'ready';
    this.result = undefined;
    this.sim = sim;
    this.id = id;
    this.name = name;
    this._gen = null;
    this._wait = null;
    this._interruptible = false;
    this._queue = null;
    this._epoch = 0;
    this._x = null;
    this._prev = null;
    this._next = null;
    this._gen = body(this);
  }

  /** Waits for this process to end: its return value, or `{ killed: true }`. */
  join(): Wait<JoinResult<T>> {
    return new JoinWait(this);
  }

  /**
   * Sends a signal: it stays pending until `clearSignal()`. An interruptible
   * wait in progress ends with 'interrupted' (after re-checking its
   * condition in its own turn, as the kernel does); later interruptible
   * waits return 'interrupted' at once while it is pending.
   */
  interrupt(reason: unknown = 'signal'): void {
    if (this.state === 'done' || this.state === 'killed') return;
    const x = this._extras();
    x.signal = reason;
    x.hasSignal = true;
    if (this.state === 'waiting' && this._interruptible && this._index === -1) this.sim._wakeForSignal(this);
  }

  clearSignal(): void {
    const x = this._x;
    if (x === null) return;
    x.signal = undefined;
    x.hasSignal = false;
  }

  /** The pending signal's reason, or undefined. */
  get signalPending(): unknown {
    const x = this._x;
    return x !== null && x.hasSignal ? x.signal : undefined;
  }

  /** @internal */
  get _hasSignal(): boolean {
    return this._x !== null && this._x.hasSignal;
  }

  /** @internal */
  _extras(): ProcessExtras {
    return (this._x ??= new ProcessExtras());
  }

  /**
   * Ends the process at once (udev's SIGKILL): its body does not run again
   * (not even `finally` blocks); its wait gives back what it took (CPU,
   * queue place), what it holds passes on (mutexes); joiners get `{ killed: true }`.
   */
  kill(): void {
    this.sim._kill(this as Process<unknown>);
  }

  /** @internal the timeout event, made on first use */
  _timeoutEvent(): SimEvent<Process<unknown>> {
    const x = this._extras();
    return (x.tev ??= new SimEvent<Process<unknown>>(this as Process<unknown>));
  }

  /** @internal schedules this process's wait to time out `ns` from now (`Wait._timeout` then decides) */
  _armTimeout(ns: Ns): void {
    this.sim._schedule(this._timeoutEvent(), this.sim.now + ns, K_TIMEOUT, TIMEOUT_STEP, undefined);
  }

  /** @internal `h` is held by this process until `_let(h)`; a kill tells it */
  _hold(h: Holding): void {
    (this._extras().holds ??= []).push(h);
  }

  /** @internal this process no longer holds `h` */
  _let(h: Holding): void {
    const holds = this._x?.holds;
    if (holds === null || holds === undefined) return;
    // Locks are mostly let go in the reverse order of taking them: the last one, without a search.
    if (holds[holds.length - 1] === h) {
      holds.pop();
      return;
    }
    const i = holds.indexOf(h);
    if (i >= 0) holds.splice(i, 1);
  }

  /** Runs `fn` if the process is killed (not when it ends normally); the returned function cancels that. */
  onKill(fn: () => void): () => void {
    const x = this._extras();
    const hooks = (x.onKill ??= []);
    hooks.push(fn);
    return () => {
      const i = hooks.indexOf(fn);
      if (i >= 0) hooks.splice(i, 1);
    };
  }
}

const YIELDED: { done: false; value: unknown } = { done: false, value: undefined };
const RETURNED: { done: true; value: unknown } = { done: true, value: undefined };

/**
 * Base of every engine waitable. Every waitable is its own iterator, so
 * `const r = yield* w` is typed and costs no extra generator; a plain
 * `yield w` works too (the result is then `unknown`). `yield*` always calls
 * `[Symbol.iterator]()` and the first `next()` back to back, which is why
 * one object can serve several processes waiting on it at once.
 *
 * The `_` methods are the engine's protocol: a wait keeps its own
 * bookkeeping and gives it back in `_leave` / `_onKill`.
 */
export abstract class Wait<T> implements Waitable<T> {
  /** @internal where `yield*` is in this wait: 0 before its first `next()`, 1 after (assigned, not a field initialiser: see SimEvent) */
  declare _yielded: number;

  constructor() {
    this._yielded = 0;
  }

  [Symbol.iterator](): Generator<Waitable<unknown>, T, unknown> {
    this._yielded = 0;
    return this as unknown as Generator<Waitable<unknown>, T, unknown>;
  }

  next(received?: unknown): IteratorResult<Waitable<unknown>, T> {
    // `yield*` reads a result's fields at once and keeps nothing, so two shared objects serve every wait:
    // two allocations fewer per wait on the engine's hottest path.
    if (this._yielded === 0) {
      this._yielded = 1;
      YIELDED.value = this;
      return YIELDED as IteratorYieldResult<Waitable<unknown>>;
    }
    RETURNED.value = received;
    return RETURNED as IteratorReturnResult<T>;
  }

  throw(error: unknown): never {
    throw error;
  }

  return(value: T): IteratorResult<Waitable<unknown>, T> {
    return { done: true, value };
  }

  /**
   * Starts waiting: returns the result at once (the process goes on in the
   * same step), or PENDING after arranging for an event to resume it.
   */
  abstract _arm(p: Process<unknown>): Armed<T>;

  /** The process's turn after a wake-up (`_wake`, `_wakeAt`): the result, or PENDING after re-queueing. */
  _recheck(_p: Process<unknown>): Armed<T> {
    throw new Error(`sim: ${this.constructor.name} cannot be re-checked`);
  }

  /** The waiter's timeout ran out (it has already left its queue). */
  _timeout(_p: Process<unknown>): Armed<T> {
    throw new Error(`sim: ${this.constructor.name} has no timeout`);
  }

  /**
   * The process leaves this wait early — a signal woke it, its timeout ran
   * out, or it is killed: take it out of any queue this wait put it in (a
   * no-op if a wake-up already took it out).
   */
  _leave(_p: Process<unknown>): void {}

  /**
   * The waiter is killed in this wait (after `_leave`): give back what the
   * wait took. `wakePending`: a step to resume it was scheduled and is now
   * dropped — a CPU slice in progress, or a wake-up a completion meant for
   * this waiter alone, which it passes on.
   */
  _onKill(_p: Process<unknown>, _wakePending: boolean): void {}

  /**
   * How a mutex handed to this waiter reaches it: K_RESUME resumes its body
   * (the lock is all it waited for); a wait that goes on by itself once it
   * owns the mutex (LockedWaitEvent) takes it in `_recheck` (K_RECHECK).
   */
  _grantKind(): number {
    return K_RESUME;
  }

  /** Whether the wait ends without any other process acting (a CPU queue always drains): not a hang. */
  _alwaysEnds(): boolean {
    return false;
  }
}

/** `process.join()`: resumes the joiner when the target ends. */
class JoinWait<T> extends Wait<JoinResult<T>> {
  constructor(readonly target: Process<T>) {
    super();
  }

  override _arm(p: Process<unknown>): Armed<JoinResult<T>> {
    const target = this.target;
    if (target.state === 'done') return { killed: false, value: target.result as T };
    if (target.state === 'killed') return KILLED_RESULT;
    if (target === (p as unknown)) return p.sim._throwNow(deadlockError(`${p.name} joins itself`));
    (target._extras().joiners ??= []).push(p);
    return PENDING;
  }

  override _leave(p: Process<unknown>): void {
    const joiners = this.target._x?.joiners;
    if (joiners === null || joiners === undefined) return;
    const i = joiners.indexOf(p);
    if (i >= 0) joiners.splice(i, 1);
  }
}
