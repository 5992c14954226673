/**
 * A pool of CPUs: `run(ns)` holds one CPU for `ns` of virtual time. When
 * every CPU is busy the caller queues, first come first served, and the
 * CPU passes straight to the next in line when a slice ends. The pool and
 * each slice's wait keep all the bookkeeping; a killed holder gives its
 * CPU back through the wait's `_onKill`.
 */
import { Wait, type Process, type Scheduler } from './process.js';
import { ProcQueue } from './queue.js';
import { step, type Step } from './step.js';
import type { Ns } from './time.js';
import { PENDING } from './waitable.js';

export class CpuPool {
  /** CPUs held right now. */
  busy = 0;
  readonly #queue = new ProcQueue<Process<unknown>>();
  readonly #label: string;
  /** The step of a slice, per stage it stands for ('' for none). */
  readonly #steps = new Map<string, Step>();
  readonly #plain: Step;

  constructor(
    readonly sim: Scheduler,
    readonly count: number,
    readonly name = 'cpu',
  ) {
    if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`sim: a CPU pool needs a whole number ≥ 1 of CPUs, got ${count}`);
    this.#label = name === 'cpu' ? 'cpu' : `cpu:${name}`;
    this.#plain = step('cpu', this.#label);
  }

  /** Processes waiting for a CPU. */
  get queued(): number {
    return this.#queue.live;
  }

  /**
   * Holds one CPU for `ns` (after queueing if all are busy). `stage` names
   * what the slice stands for (a kernel load stage): the step's kind is
   * 'cpu' and its `stage` this name; the label stays 'cpu' (or 'cpu:NAME').
   */
  run(ns: Ns, stage?: string): Wait<void> {
    if (!(Number.isInteger(ns) && ns >= 0)) throw new RangeError(`sim: CPU time must be a whole number of ns ≥ 0, got ${ns}`);
    return new CpuSlice(this, ns, stage === undefined ? this.#plain : this.#stageStep(stage));
  }

  #stageStep(stage: string): Step {
    let s = this.#steps.get(stage);
    if (s === undefined) {
      s = step('cpu', this.#label, stage);
      this.#steps.set(stage, s);
    }
    return s;
  }

  /** @internal a slice asks for a CPU: it runs now, or queues */
  _request(p: Process<unknown>, slice: CpuSlice): void {
    if (this.busy < this.count) {
      this.busy++;
      this.sim._wakeAt(p, this.sim.now + slice.ns, slice.step);
    } else this.#queue.push(p);
  }

  /** @internal a slice ended or its holder was killed: the CPU goes to the next in line */
  _release(): void {
    const next = this.#queue.shift();
    if (next === null) this.busy--;
    else {
      const slice = next._wait as CpuSlice;
      this.sim._wakeAt(next, this.sim.now + slice.ns, slice.step);
    }
  }

  /** @internal a queued waiter leaves (it is killed) */
  _cancel(p: Process<unknown>): void {
    this.#queue.cancel(p);
  }
}

/** One `run(ns)`: queued, then holding a CPU until its slice's step, which gives the CPU back. */
class CpuSlice extends Wait<void> {
  // Assigned, not parameter properties (which are field initialisers): see SimEvent.
  declare readonly pool: CpuPool;
  declare readonly ns: Ns;
  declare readonly step: Step;

  constructor(pool: CpuPool, ns: Ns, step: Step) {
    super();
    this.pool = pool;
    this.ns = ns;
    this.step = step;
  }

  override _arm(p: Process<unknown>): typeof PENDING {
    this.pool._request(p, this);
    return PENDING;
  }

  /** The slice ended. */
  override _recheck(): void {
    this.pool._release();
  }

  override _leave(p: Process<unknown>): void {
    this.pool._cancel(p);
  }

  /** Killed while holding the CPU (its slice's step was scheduled): the CPU goes to the next in line. */
  override _onKill(_p: Process<unknown>, wakePending: boolean): void {
    if (wakePending) this.pool._release();
  }

  override _alwaysEnds(): boolean {
    return true;
  }
}
