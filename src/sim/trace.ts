import type { StepKind } from './step.js';
import type { Ns } from './time.js';

/** A step's kind, or what else a record reports: a process's end ('exit', 'killed') or a model's own note (`sim.trace`). */
export type TraceKind = StepKind | 'exit' | 'killed' | 'note';

/** One trace line: a step the engine ran (`what` is its label), a process end, or a model's own note. */
export interface TraceRecord {
  /** Steps processed so far (equal for records made within one step). */
  readonly step: number;
  readonly time: Ns;
  readonly process: string;
  /** The step's label ('delay', 'stage:read', 'wake:moduleWq', ...), 'exit', 'killed', or the note's text. */
  readonly what: string;
  readonly kind: TraceKind;
  /** The kernel load stage the step stood for, if the model named one. */
  readonly stage: string | undefined;
}

/** A stable one-line form, e.g. for hashing a trace. */
export function formatTrace(r: TraceRecord): string {
  return `${r.step} ${r.time} ${r.process} ${r.what}`;
}
