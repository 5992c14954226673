import { K_RESUME } from './heap.js';
import type { Process } from './process.js';
import type { Ns } from './time.js';
import { PENDING, Wait } from './waitable.js';

/** `sim.delay(ns, label)`: resumes the process `ns` later; `label` names the step for the tie chooser and traces. */
export class Delay extends Wait<void> {
  constructor(
    readonly ns: Ns,
    readonly label: string,
  ) {
    super();
  }

  override _arm(p: Process<unknown>): typeof PENDING {
    const sim = p.sim;
    sim._schedule(p, sim.now + this.ns, K_RESUME, this.label, undefined);
    return PENDING;
  }
}
