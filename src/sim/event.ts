/**
 * A scheduled step, as the agenda orders it: (time, seq), where it sits in
 * the agenda, what processing it does, and the process it belongs to.
 */
import { START_STEP, type Step } from './step.js';
import type { Ns } from './time.js';

/** What an event does when it is processed. */
export const K_RESUME = 0; // resume the process with `value` (start, delay, grant, join)
export const K_THROW = 1; // throw `value` into the process
export const K_RECHECK = 2; // the process's wait decides in its turn: a woken waiter re-checks, an ended CPU slice is given back
export const K_TIMEOUT = 3; // the waiter's timeout ran out
export const K_WAKE_ALL = 4; // `value` (processes woken at once, in order) re-check their waits one after the other

/** `_index` of an event in the engine's FIFO of steps at the current instant (not in the heap). */
export const AT_NOW = -2;

/**
 * A scheduled step. A process is itself the event for its main step (start,
 * delay, wake-up, grant, CPU end): one allocation fewer per process; only a
 * timeout gets an event object of its own. `P` is the owner's type (the
 * engine's Process), kept generic so that this file needs no import of it.
 *
 * Its fields (and those of `Process` and the waits built per call) are
 * `declare`d and assigned in the constructor: an ES2022 field declaration
 * is a define per field on every construction, and a million processes
 * measurably pay for it (about a tenth of the M/M/c bench's time on Node 20).
 */
export class SimEvent<P = unknown> {
  /** @internal */ declare _time: Ns;
  /** @internal */ declare _seq: number;
  /** @internal position in the heap; AT_NOW in the engine's queue of steps at the current instant; -1 when not scheduled */ declare _index: number;
  /** @internal what processing it does (K_*) */ declare _kind: number;
  /** @internal what the step is, for the tie chooser and the trace */ declare _step: Step;
  /** @internal */ declare _value: unknown;
  /** @internal the process it resumes */ declare readonly _proc: P;

  /** `proc` null: the event is its own owner (a Process is its own main event). */
  constructor(proc: P | null) {
    this._time = 0;
    this._seq = 0;
    this._index = -1;
    this._kind = K_RESUME;
    this._step = START_STEP;
    this._value = undefined;
    this._proc = proc ?? (this as unknown as P);
  }
}
