/**
 * A pool of CPUs: `run(ns)` holds one CPU for `ns` of virtual time. When
 * every CPU is busy the caller queues, first come first served, and the
 * CPU passes straight to the next in line when a slice ends.
 */
import { K_CPU } from './heap.js';
import { step, type Step } from './step.js';
import type { Process } from './process.js';
import { ProcQueue } from './queue.js';
import type { Simulation } from './simulation.js';
import type { Ns } from './time.js';
import { PENDING, Wait } from './waitable.js';

export class CpuPool {
  /** CPUs held right now. */
  busy = 0;
  readonly #queue = new ProcQueue();
  readonly #label: string;
  /** The step of a slice, per stage it stands for ('' for none). */
  readonly #steps = new Map<string, Step>();

  constructor(
    readonly sim: Simulation,
    readonly count: number,
    readonly name = 'cpu',
  ) {
    if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`sim: a CPU pool needs a whole number ≥ 1 of CPUs, got ${count}`);
    this.#label = name === 'cpu' ? 'cpu' : `cpu:${name}`;
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
    const key = stage ?? '';
    let s = this.#steps.get(key);
    if (s === undefined) {
      s = step('cpu', this.#label, stage);
      this.#steps.set(key, s);
    }
    return new CpuRun(this, ns, s);
  }

  /** @internal */
  _request(p: Process<unknown>, ns: Ns, s: Step): void {
    p._cpu = this;
    if (this.busy < this.count) {
      this.busy++;
      this.sim._schedule(p, this.sim.now + ns, K_CPU, s, undefined);
    } else {
      p._cpuNs = ns;
      p._cpuStep = s;
      this.#queue.push(p);
    }
  }

  /** @internal a slice ended or its holder was killed: the CPU goes to the next in line */
  _release(): void {
    const next = this.#queue.shift();
    if (next === null) this.busy--;
    else this.sim._schedule(next, this.sim.now + next._cpuNs, K_CPU, next._cpuStep, undefined);
  }
}

class CpuRun extends Wait<void> {
  constructor(
    readonly pool: CpuPool,
    readonly ns: Ns,
    readonly step: Step,
  ) {
    super();
  }

  override _arm(p: Process<unknown>): typeof PENDING {
    this.pool._request(p, this.ns, this.step);
    return PENDING;
  }
}
