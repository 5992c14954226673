/**
 * The userspace de-duplication strategies proposed in 2022 on linux-modules (README's strategy table), as
 * gates around the kmod builtin's load of one module name.
 */
import type { Mutex, Process, ProcessBody, Simulation } from '../../sim/index.js';
import type { UEvent } from './udevd.js';

export const USERSPACE_STRATEGIES = ['udev-flock', 'add-once'] as const;
export type UserspaceStrategy = (typeof USERSPACE_STRATEGIES)[number];

/** What a gate returns for a load it did not let run. */
export const DROPPED = 'dropped';

export interface LoadGate {
  /**
   * Runs `load` (kmod's probe of `name` for `event`, in `proc`), or not, as
   * the strategy says: the load's own value, or DROPPED.
   */
  load<T>(proc: Process<unknown>, event: UEvent, name: string, load: () => ProcessBody<T>): ProcessBody<T | typeof DROPPED>;
  /** Requests the gate dropped without asking the kernel. */
  readonly dropped: number;
}

/** No gate: every event's kmod load asks for every module (udev as shipped). */
export class OpenGate implements LoadGate {
  readonly dropped = 0;

  // The load's own generator, not one around it: every module of every uevent goes through here.
  load<T>(_proc: Process<unknown>, _event: UEvent, _name: string, load: () => ProcessBody<T>): ProcessBody<T> {
    return load();
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

  *load<T>(proc: Process<unknown>, _event: UEvent, name: string, load: () => ProcessBody<T>): ProcessBody<T> {
    let lock = this.#locks.get(name);
    if (lock === undefined) this.#locks.set(name, (lock = this.#sim.mutex(`flock:${name}`)));
    yield* lock.lock();
    try {
      return yield* load();
    } finally {
      // A killed worker ends without this; the sim frees its locks, as closing the fd does.
      if (lock.owner === proc) lock.unlock();
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

  *load<T>(_proc: Process<unknown>, event: UEvent, name: string, load: () => ProcessBody<T>): ProcessBody<T | typeof DROPPED> {
    if (event.trigger !== undefined) {
      const key = `${event.trigger}\0${name}`;
      if (this.#asked.has(key)) {
        this.dropped++;
        return DROPPED;
      }
      this.#asked.add(key);
    }
    return yield* load();
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
