import { K_RESUME } from './heap.js';
import type { Process } from './process.js';
import type { Ns } from './time.js';
import { PENDING, Wait } from './waitable.js';

/** `sim.delay(ns)`: resumes the process `ns` later. */
export class Delay extends Wait<void> {
  constructor(readonly ns: Ns) {
    super();
  }

  override _arm(p: Process<unknown>): typeof PENDING {
    const sim = p.sim;
    sim._schedule(p, sim.now + this.ns, K_RESUME, 'delay', undefined);
    return PENDING;
  }
}
