/**
 * A simulated process: a generator body driven by the engine.
 *
 * Fields starting with `_` belong to the engine and its waitables.
 */
import { SimEvent } from './heap.js';
import { ProcQueue } from './queue.js';
import { PENDING, Wait, deadlockError, type Armed, type ProcessBody } from './waitable.js';
import type { Simulation } from './simulation.js';
import type { CpuPool } from './cpu.js';
import type { Mutex } from './mutex.js';
import { START_STEP, type Step } from './step.js';

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
  tev: SimEvent | null = null;
  /** mutexes it owns */
  held: Mutex[] | null = null;
  /** processes joining it */
  joiners: ProcQueue | null = null;
  /** run when killed (e.g. a merge leader settles its run) */
  onKill: (() => void)[] | null = null;
  signal: unknown = undefined;
  hasSignal = false;
}

/** @internal what joiners of a killed process get */
export const KILLED_RESULT: JoinResult<never> = Object.freeze({ killed: true });

export class Process<T = unknown> extends SimEvent {
  state: ProcessState = 'ready';
  /** The body's return value, once done. */
  result: T | undefined = undefined;

  /** @internal */ _gen: ProcessBody<T> | null;
  /** @internal what it waits on right now */ _wait: Wait<unknown> | null = null;
  /** @internal whether that wait ends early on a signal */ _interruptible = false;
  /** @internal the queue it is in, if any */ _queue: ProcQueue | null = null;
  /** @internal bumped whenever it leaves a queue, so its old entry goes stale */ _epoch = 0;
  /** @internal the CPU pool it holds or queues for */ _cpu: CpuPool | null = null;
  /** @internal the CPU time it asked for */ _cpuNs = 0;
  /** @internal the step its CPU slice will be */ _cpuStep: Step = START_STEP;
  /** @internal the rarely used rest (timeout, mutexes, joiners, hooks, signal), made on first use */ _x: ProcessExtras | null = null;
  /** @internal live-process list links */ _prev: Process<unknown> | null = null;
  /** @internal */ _next: Process<unknown> | null = null;

  constructor(
    readonly sim: Simulation,
    readonly id: number,
    readonly name: string,
    body: (self: Process<T>) => ProcessBody<T>,
  ) {
    super(null);
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
   * (not even `finally` blocks); its CPU, mutexes and queue entries are
   * released; joiners get `{ killed: true }`.
   */
  kill(): void {
    this.sim._kill(this as Process<unknown>);
  }

  /** @internal the timeout event, made on first use */
  _timeoutEvent(): SimEvent {
    const x = this._extras();
    return (x.tev ??= new SimEvent(this as Process<unknown>));
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
    (target._extras().joiners ??= new ProcQueue()).push(p);
    return PENDING;
  }
}
