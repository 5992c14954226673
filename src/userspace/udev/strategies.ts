/**
 * The userspace de-duplication strategies proposed in 2022 (SPEC §2), as
 * gates around the kmod builtin's load of one module name.
 */
import type { Mutex, ProcessBody, Simulation } from '../../sim/index.js';
import type { UEvent, Worker } from './udevd.js';

export const USERSPACE_STRATEGIES = ['udev-flock', 'add-once'] as const;
export type UserspaceStrategy = (typeof USERSPACE_STRATEGIES)[number];

export interface LoadGate {
  /** Runs `load` (kmod's probe of `name` for `event`), or not, as the strategy says. */
  load(worker: Worker, event: UEvent, name: string, load: () => ProcessBody<unknown>): ProcessBody<void>;
  /** Requests the gate dropped without asking the kernel. */
  readonly dropped: number;
}

/** No gate: every event's kmod load asks for every module (udev as shipped). */
export class OpenGate implements LoadGate {
  readonly dropped = 0;

  *load(_worker: Worker, _event: UEvent, _name: string, load: () => ProcessBody<unknown>): ProcessBody<void> {
    yield* load();
  }
}

/**
 * `udev-flock`: an exclusive lock per module name around the load. A waiter
 * gets the lock after the holder's load returned and probes again: a LIVE
 * module is skipped, but one whose init failed is not LIVE, so every
 * waiter loads it again, one after another.
 */
export class FlockGate implements LoadGate {
  readonly dropped = 0;
  readonly #sim: Simulation;
  readonly #locks = new Map<string, Mutex>();

  constructor(sim: Simulation) {
    this.#sim = sim;
  }

  /** Workers waiting for the lock of `name` right now. */
  waiters(name: string): number {
    return this.#locks.get(name)?.waiters ?? 0;
  }

  *load(worker: Worker, _event: UEvent, name: string, load: () => ProcessBody<unknown>): ProcessBody<void> {
    let lock = this.#locks.get(name);
    if (lock === undefined) this.#locks.set(name, (lock = this.#sim.mutex(`flock:${name}`)));
    yield* lock.lock();
    try {
      yield* load();
    } finally {
      // A worker killed outside the kernel ends without this; the sim frees its locks, as closing the fd does.
      if (lock.owner === worker.proc) lock.unlock();
    }
  }
}

/**
 * `add-once`: the first event of a coldplug trigger that resolves to a
 * driver asks for its load; the trigger's later events for it are dropped.
 * Another trigger, or an event the kernel sends on its own, asks again, so
 * a retry after the storm really loads.
 */
export class AddOnceGate implements LoadGate {
  dropped = 0;
  readonly #asked = new Set<string>();

  *load(_worker: Worker, event: UEvent, name: string, load: () => ProcessBody<unknown>): ProcessBody<void> {
    if (event.trigger !== undefined) {
      const key = `${event.trigger}\0${name}`;
      if (this.#asked.has(key)) {
        this.dropped++;
        return;
      }
      this.#asked.add(key);
    }
    yield* load();
  }
}

export function loadGate(sim: Simulation, strategy: UserspaceStrategy | undefined): LoadGate {
  switch (strategy) {
    case undefined:
      return new OpenGate();
    case 'udev-flock':
      return new FlockGate(sim);
    case 'add-once':
      return new AddOnceGate();
  }
}
