/**
 * Exhaustive exploration of a simulation's interleavings through the
 * engine's tie chooser.
 *
 * A simulation cannot be cloned, so the search is stateless: every run
 * starts from scratch and replays a prefix of choices (the index picked at
 * each choice point, i.e. each step where two or more events were ready),
 * then takes the first ready step at every new choice point while recording
 * how many there were. Backtracking bumps the deepest choice that has an
 * untried sibling — a depth-first walk over choice sequences.
 *
 * Pruning: at every new choice point the run's state key (the model's own
 * key plus the ready steps) is hashed; a run that reaches a state already
 * reached by an earlier run, in as few steps, stops there — everything
 * after it was or is being explored from the first visit.
 *
 * Reduction (a persistent-set partial-order reduction, judged after the
 * fact): when the step taken at a choice point turns out to be a process
 * starting or resuming from a bare scheduling point ('delay') that changed
 * nothing others can see (the model's visible fingerprint is unchanged),
 * which ran alone and left the process ready at its next 'delay', then it
 * commutes with every other step and stays enabled, so trying the other
 * ready steps first there would only reorder it: that choice point gets
 * no alternatives. This is what keeps "every stage is a scheduling point"
 * affordable: a request reading or verifying its file costs no branching,
 * yet every order of the steps that matter is still tried.
 */
import type { ReadyStep, Simulation, TieChooser } from '../sim/index.js';
import { Hash64 } from './hash.js';

/** A bare scheduling point: the end of a `sim.delay`, plain or standing for a kernel load stage. */
function isSchedulingPoint(step: ReadyStep): boolean {
  return step.kind === 'delay';
}

/** One execution of the model, built fresh for every run. */
export interface ExploredRun {
  readonly sim: Simulation;
  /**
   * The state at a choice point for pruning, hashed with `h` (reset it
   * first): equal keys must mean equal futures, up to symmetry. `ready` is
   * the ready set, which is part of the state.
   */
  stateKey(h: Hash64, ready: readonly ReadyStep[]): number;
  /**
   * Everything other processes could observe, as a value compared with
   * `===` (e.g. a count of the model's events plus its shared tables).
   * Without it no choice point is reduced.
   */
  visibleFingerprint?(): unknown;
}

export interface ExploreModel<R extends ExploredRun> {
  /** A fresh run whose simulation breaks ties with `chooser`; nothing has run yet. */
  start(chooser: TieChooser): R;
}

/**
 * How a run ended: 'complete' — no event left; 'pruned' — it reached a state
 * explored before; 'stepBound' — it took `maxSteps` steps and still had events.
 */
export type RunStatus = 'complete' | 'pruned' | 'stepBound';

export interface RunInfo {
  readonly status: RunStatus;
  /** The index chosen at each choice point: with the model's configuration, the run's identity. */
  readonly choices: readonly number[];
}

export interface ExploreProgress {
  runs: number;
  states: number;
  /** Fraction of the choice tree done, estimated from the open choices at the top levels. */
  done: number;
}

export interface ExploreOptions<R extends ExploredRun> {
  /** Skip states seen before (default true). */
  prune?: boolean;
  /** Give no alternatives at a choice point whose step proved invisible (default true; needs `visibleFingerprint`). */
  reduce?: boolean;
  /** Steps per run before it counts as not terminating (default 10,000). */
  maxSteps?: number;
  /** Stop the whole exploration after this many runs (default: no limit). */
  maxRuns?: number;
  /** Called after every run with the run itself (its simulation as the run left it). */
  onRun?: (run: R, info: RunInfo) => void;
  /** Called every `progressEvery` runs (default 256). */
  onProgress?: (progress: ExploreProgress) => void;
  progressEvery?: number;
}

export interface ExploreResult {
  /** Executions from the start (each replays a prefix). */
  runs: number;
  /** Distinct states seen at choice points (with pruning off: choice points visited). */
  states: number;
  /** Runs cut short at a state seen before. */
  pruned: number;
  /** Choice points left without alternatives because their step proved invisible. */
  reduced: number;
  /** Runs that hit `maxSteps`. */
  stepBoundRuns: number;
  /** Whether every interleaving was covered (false when `maxRuns` stopped it). */
  complete: boolean;
  /** The most choice points in one run. */
  maxChoices: number;
}

/** Thrown from the chooser to abandon a run at a revisited state. */
class PruneSignal {}
const PRUNE = new PruneSignal();

export function explore<R extends ExploredRun>(model: ExploreModel<R>, options: ExploreOptions<R> = {}): ExploreResult {
  const prune = options.prune ?? true;
  const maxSteps = options.maxSteps ?? 10_000;
  const maxRuns = options.maxRuns ?? Infinity;
  const progressEvery = options.progressEvery ?? 256;
  // State hash → fewest steps at which it was reached: a later, shorter path is explored again,
  // so the counter-examples found stay short.
  const visited = new Map<number, number>();
  const hash = new Hash64();
  // The current path: at each choice point, the position tried in the exploration order, the
  // number of positions to try, the ready steps seen (replays must see the same), and which
  // index goes first (a 'delay' or 'start' step, likely invisible, so that reduction can apply).
  const positions: number[] = [];
  const widths: number[] = [];
  const readyCounts: number[] = [];
  const firsts: number[] = [];
  const reduce = options.reduce ?? true;
  const result: ExploreResult = {
    runs: 0,
    states: 0,
    pruned: 0,
    reduced: 0,
    stepBoundRuns: 0,
    complete: true,
    maxChoices: 0,
  };
  /** The ready index tried at position `pos` when `first` goes first: first, then the others in order. */
  const indexAt = (pos: number, first: number): number => (pos === 0 ? first : pos <= first ? pos - 1 : pos);

  for (;;) {
    if (result.runs >= maxRuns) {
      result.complete = false;
      break;
    }
    const prefix = positions.length;
    let depth = 0;
    // The run being built: the chooser is called from inside it, once it exists.
    const current: { run?: R } = {};
    // The step taken at the last new choice point, to judge after the fact whether it was invisible.
    let lastDepth = -1;
    let lastSteps = 0;
    let lastProcess: unknown = undefined;
    let lastFingerprint: unknown = undefined;
    const chooser: TieChooser = (ready: readonly ReadyStep[]) => {
      const d = depth++;
      if (d < prefix) {
        if (readyCounts[d] !== ready.length) {
          throw new Error(`check: the model is not deterministic: choice point ${d} had ${readyCounts[d]} ready steps, now ${ready.length}`);
        }
        return indexAt(positions[d] as number, firsts[d] as number);
      }
      const r = current.run as R;
      const sim = r.sim;
      const fingerprint = reduce ? r.visibleFingerprint?.() : undefined;
      if (
        lastDepth === d - 1 &&
        lastDepth >= 0 &&
        sim.steps === lastSteps + 1 &&
        fingerprint !== undefined &&
        fingerprint === lastFingerprint &&
        ready.some((s) => s.process === lastProcess && isSchedulingPoint(s))
      ) {
        widths[lastDepth] = 1;
        result.reduced++;
      }
      if (prune) {
        const key = r.stateKey(hash, ready);
        const seenAt = visited.get(key);
        if (seenAt !== undefined && seenAt <= sim.steps) throw PRUNE;
        if (seenAt === undefined) result.states++;
        visited.set(key, sim.steps);
      } else result.states++;
      // A process starting goes first, then one resuming from a scheduling point: either may prove invisible.
      let first = reduce ? ready.findIndex((s) => s.kind === 'start') : 0;
      if (first < 0) first = reduce ? ready.findIndex(isSchedulingPoint) : 0;
      if (first < 0) first = 0;
      positions.push(0);
      widths.push(ready.length);
      readyCounts.push(ready.length);
      firsts.push(first);
      const taken = ready[first] as ReadyStep;
      if (isSchedulingPoint(taken) || taken.kind === 'start') {
        lastDepth = d;
        lastSteps = sim.steps;
        lastProcess = taken.process;
        lastFingerprint = fingerprint;
      } else lastDepth = -1;
      return first;
    };
    const run = model.start(chooser);
    current.run = run;
    let status: RunStatus;
    try {
      run.sim.run({ maxSteps });
      status = run.sim.pending > 0 ? 'stepBound' : 'complete';
    } catch (error) {
      if (error !== PRUNE) throw error;
      status = 'pruned';
    }
    result.runs++;
    if (status === 'pruned') result.pruned++;
    if (status === 'stepBound') result.stepBoundRuns++;
    if (positions.length > result.maxChoices) result.maxChoices = positions.length;
    const choices = positions.map((pos, d) => indexAt(pos, firsts[d] as number));
    options.onRun?.(run, { status, choices });
    if (options.onProgress !== undefined && result.runs % progressEvery === 0) {
      options.onProgress({ runs: result.runs, states: result.states, done: doneFraction(positions, widths) });
    }
    // Backtrack: the deepest choice point with an untried sibling.
    let i = positions.length - 1;
    while (i >= 0 && (positions[i] as number) + 1 >= (widths[i] as number)) i--;
    if (i < 0) break;
    positions.length = i + 1;
    widths.length = i + 1;
    readyCounts.length = i + 1;
    firsts.length = i + 1;
    positions[i] = (positions[i] as number) + 1;
  }
  return result;
}

/** How much of the tree lies left of the current path, counting each level's siblings as equal shares. */
function doneFraction(chosen: readonly number[], widths: readonly number[]): number {
  let done = 0;
  let share = 1;
  for (let d = 0; d < chosen.length && d < 12; d++) {
    const w = widths[d] as number;
    share /= w;
    done += (chosen[d] as number) * share;
  }
  return done;
}

/** A replayed choice that does not exist in the run: the choices were made on a different model. */
export class ReplayDiverged extends Error {
  constructor(
    /** The choice point (from 0) where it happened. */
    readonly point: number,
    readonly choice: number,
    /** Steps ready there. */
    readonly ready: number,
  ) {
    super(`check: replay chose step ${choice} of ${ready} at choice point ${point}`);
    this.name = 'ReplayDiverged';
  }
}

/** A chooser that replays `choices` and then takes the first ready step; counts the choice points it met. */
export function replayChooser(choices: readonly number[]): TieChooser & { readonly met: () => number } {
  let depth = 0;
  const chooser = (ready: readonly ReadyStep[]): number => {
    const d = depth++;
    const c = d < choices.length ? (choices[d] as number) : 0;
    if (c >= ready.length) throw new ReplayDiverged(d, c, ready.length);
    return c;
  };
  return Object.assign(chooser, { met: () => depth });
}
