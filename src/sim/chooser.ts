/**
 * Tie choosers: which of the events ready at the same instant runs next.
 * The ready set is complete and in sequence order, so a chooser that
 * returns the same indices replays the same run — the model checker's hook.
 * The engine consults the chooser only when two or more steps are ready.
 */
import type { Process } from './process.js';
import { Random } from './random.js';
import type { StepKind } from './step.js';

export interface ReadyStep {
  /** Scheduling order: lower was scheduled first. */
  readonly seq: number;
  readonly process: Process<unknown>;
  /** What the step is (see StepKind): what the chooser should branch on. */
  readonly kind: StepKind;
  /** The step as traces show it: 'start', 'delay', 'stage:read', 'cpu', 'wake:moduleWq', 'lock:NAME', 'join', 'timeout', 'interrupt', ... */
  readonly label: string;
  /** The kernel load stage the step stands for, if the model named one. */
  readonly stage: string | undefined;
}

/** Returns an index into `ready`. */
export type TieChooser = (ready: readonly ReadyStep[]) => number;

/** First scheduled first (the default; the engine then never builds a ready set). */
export const fifoChooser: TieChooser = () => 0;

/** Picks uniformly among the ready steps, from its own seeded stream. */
export function randomChooser(seed: number): TieChooser {
  const random = new Random(seed, 'tie-chooser');
  return (ready) => random.int(0, ready.length);
}
