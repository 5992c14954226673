/**
 * The engine's part of a state key: every live process and whether it is
 * ready, waiting, or has a signal pending, and the steps ready to run.
 * Processes are named, not numbered, so that `rename` can map a state onto
 * its symmetric twin (two requests doing the same thing, swapped). Where a
 * waiting process waits is left to the model's own key — the engine offers
 * no public view of its queues, and a process's own history says where it
 * stands.
 */
import type { ReadyStep, Simulation } from '../sim/index.js';
import type { Hash64 } from './hash.js';

/** Maps a process name onto the one it plays in a symmetric state. */
export type Rename = (name: string) => string;

export const sameName: Rename = (name) => name;

export function hashSimState(sim: Simulation, h: Hash64, rename: Rename = sameName): void {
  h.number(sim.now);
  const entries = sim.live().map((p) => `${rename(p.name)}:${p.state}:${p.signalPending === undefined ? 0 : 1}`);
  for (const e of entries.sort()) h.string(e);
}

/** The ready steps as a set: the order in which equal events were scheduled does not matter. */
export function hashReady(ready: readonly ReadyStep[], h: Hash64, rename: Rename = sameName): void {
  const entries = ready.map((r) => `${rename(r.process.name)}>${r.label}`);
  for (const e of entries.sort()) h.string(e);
  h.number(ready.length);
}
