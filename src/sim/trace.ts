import type { Ns } from './time.js';

/** One trace line: a step the engine ran (`what` is its label), a process end, or a model's own note. */
export interface TraceRecord {
  /** Steps processed so far (equal for records made within one step). */
  readonly step: number;
  readonly time: Ns;
  readonly process: string;
  readonly what: string;
}

/** A stable one-line form, e.g. for hashing a trace. */
export function formatTrace(r: TraceRecord): string {
  return `${r.step} ${r.time} ${r.process} ${r.what}`;
}
