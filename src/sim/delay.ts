import { K_RESUME } from './event.js';
import { Wait, type Process } from './process.js';
import type { Step } from './step.js';
import type { Ns } from './time.js';
import { PENDING } from './waitable.js';

/** `sim.delay(ns, stage)`: resumes the process `ns` later; `step` is what the tie chooser and traces see. */
export class Delay extends Wait<void> {
  // Assigned, not parameter properties (which are field initialisers): see SimEvent.
  declare readonly ns: Ns;
  declare readonly step: Step;

  constructor(ns: Ns, step: Step) {
    super();
    this.ns = ns;
    this.step = step;
  }

  override _arm(p: Process<unknown>): typeof PENDING {
    const sim = p.sim;
    sim._schedule(p, sim.now + this.ns, K_RESUME, this.step, undefined);
    return PENDING;
  }
}
