/**
 * `Simulation`: the engine core (engine.ts) with factories for the
 * primitives built on it — the shape models use (`sim.cpus(64)`,
 * `sim.waitQueue('module_wq')`). The core knows none of these; a new
 * primitive needs no line here (`new RwSem(sim)` works as well), a factory
 * is only a convenience.
 */
import { Completion } from './completion.js';
import { CpuPool } from './cpu.js';
import { Engine } from './engine.js';
import { Mutex, type MutexOptions } from './mutex.js';
import { WaitQueue } from './wait-queue.js';

export { ProcessCrash, type RunOptions, type SimulationOptions, type SpawnOptions } from './engine.js';

export class Simulation extends Engine {
  cpus(count: number, name?: string): CpuPool {
    return new CpuPool(this, count, name);
  }

  waitQueue(name?: string): WaitQueue {
    return new WaitQueue(this, name);
  }

  completion(name?: string): Completion {
    return new Completion(this, name);
  }

  mutex(name?: string, options?: MutexOptions): Mutex {
    return new Mutex(this, name, options);
  }
}
