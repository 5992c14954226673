/**
 * What a scheduled step is, typed: the tie chooser, traces and the model
 * checker read `kind` and `stage` instead of parsing the label text.
 *
 * Steps are interned and immutable, so an event carries one reference and
 * scheduling allocates nothing.
 */

/**
 * - 'start': a process's first step;
 * - 'delay': a `sim.delay` ran out — a bare scheduling point when 0 ns;
 * - 'cpu': a CPU slice ended;
 * - 'wake': a woken waiter re-checks its condition in its own turn (wake_up, complete);
 * - 'interrupt': a signal woke an interruptible waiter, which re-checks;
 * - 'timeout': a wait's timeout ran out;
 * - 'grant': a primitive decided the wait's result and hands it over (a mutex's
 *   ownership, a merged run's outcome, a joined process's end).
 */
export type StepKind = 'start' | 'delay' | 'cpu' | 'wake' | 'interrupt' | 'timeout' | 'grant';

export interface Step {
  readonly kind: StepKind;
  /** The step in traces and state keys: 'start', 'delay', 'stage:read', 'cpu', 'wake:moduleWq', 'lock:NAME', 'join', ... */
  readonly label: string;
  /** The kernel load stage the step stands for, when the model named one (`sim.delay(ns, stage)`, `cpus.run(ns, stage)`). */
  readonly stage: string | undefined;
}

const interned = new Map<string, Step>();

/** The step for `kind` with `label` (and `stage`): one shared object per distinct triple. */
export function step(kind: StepKind, label: string, stage?: string): Step {
  const id = stage === undefined ? `${kind} ${label}` : `${kind} ${label} ${stage}`;
  let s = interned.get(id);
  if (s === undefined) {
    s = Object.freeze({ kind, label, stage });
    interned.set(id, s);
  }
  return s;
}

export const START_STEP = step('start', 'start');
export const DELAY_STEP = step('delay', 'delay');
export const TIMEOUT_STEP = step('timeout', 'timeout');
export const INTERRUPT_STEP = step('interrupt', 'interrupt');
export const JOIN_STEP = step('grant', 'join');
