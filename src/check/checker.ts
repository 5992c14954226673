/**
 * The model checker's front: explores every configuration a verdict
 * covers, judges the five guarantees (guarantees.ts) on every run, keeps the shortest
 * counter-example per guarantee, and reports the worst-case-inits figure.
 */
import { UserError } from '../errors.js';
import type { StrategyId } from '../kernel/index.js';
import type { UserspaceStrategy } from '../userspace/udev/index.js';
import { describeConfig, decodeToken, encodeToken, isPlain, scenarios, strategyLabel, type CheckConfig } from './config.js';
import { ReplayDiverged, explore, replayChooser, type ExploreResult } from './explorer.js';
import { GUARANTEES, type Guarantee, type Violation } from './guarantees.js';
import { startKernelRun, type KernelRun } from './kernel-run.js';
import type { TraceLine } from './trace.js';

/**
 * 'incomplete: step bound' — liveness only: some run was cut at the step
 * bound, and a run cut short cannot show whether it would have ended.
 */
export type Verdict = 'holds' | 'violated' | 'incomplete: step bound';
export const STEP_BOUND_VERDICT = 'incomplete: step bound';

export interface Counterexample {
  readonly invariant: Guarantee;
  readonly message: string;
  /** The configuration it was found in, e.g. `v5.3 2x1 failure`. */
  readonly config: string;
  /** `modstorm check --replay TOKEN` reruns exactly this run. */
  readonly replay: string;
  /** Engine steps up to the violation: what "shortest" means. */
  readonly steps: number;
  readonly trace: readonly TraceLine[];
}

export interface ScenarioReport {
  readonly config: string;
  readonly states: number;
  readonly runs: number;
  readonly complete: boolean;
  readonly stepBoundRuns: number;
  readonly violated: readonly Guarantee[];
  /** Largest init count of a burst (plain configurations only). */
  readonly worstCaseInits: number | null;
  /** The distinct ways the runs ended (each call's result, requests unnamed), at most MAX_OUTCOMES of them. */
  readonly outcomes: readonly string[];
  /** Distinct outcomes beyond those listed. */
  readonly moreOutcomes: number;
}

const MAX_OUTCOMES = 12;

export interface StrategyReport {
  /** The kernel policy, or `udev-flock@v5.3` for a userspace strategy on its kernel. */
  readonly strategy: string;
  readonly requests: number;
  readonly modules: 1 | 2;
  readonly selfLoad: boolean;
  readonly invariants: Record<Guarantee, Verdict>;
  /** Over every interleaving of N requests that all enter while the first load is in flight, the most init calls. */
  readonly worstCaseInits: number | null;
  readonly statesExplored: number;
  readonly runs: number;
  /** False when the run bound stopped the exploration early or a run hit the step bound: a "holds" is then only "not seen broken". */
  readonly complete: boolean;
  readonly boundsHit: readonly string[];
  readonly counterexamples: readonly Counterexample[];
  readonly scenarios: readonly ScenarioReport[];
}

export interface CheckOptions {
  /** The kernel policy (under a userspace strategy: the kernel it runs on). */
  readonly strategy: StrategyId;
  readonly userspace?: UserspaceStrategy | undefined;
  readonly requests: number;
  readonly modules: 1 | 2;
  readonly selfLoad?: boolean;
  /** Skip revisited states (default true). */
  readonly prune?: boolean;
  /** Partial-order reduction of invisible steps (default true). */
  readonly reduce?: boolean;
  /** Merge states that differ only by swapping alike requests (default true). */
  readonly symmetry?: boolean;
  /** Steps per run before it counts as never ending (default 5,000). */
  readonly maxSteps?: number;
  /** Runs per configuration before giving up on completeness (default 2,000,000). */
  readonly maxRuns?: number;
  /** Fraction done (0–1) and states so far, now and then. */
  readonly onProgress?: (done: number, states: number) => void;
}

interface Candidate {
  violation: Violation;
  config: CheckConfig;
  choices: readonly number[];
  steps: number;
}

export function checkStrategy(options: CheckOptions): StrategyReport {
  const configs = scenarios(options.strategy, options.userspace, options.requests, options.modules, options.selfLoad ?? false);
  const maxSteps = options.maxSteps ?? 5_000;
  const best = new Map<Guarantee, Candidate>();
  const reports: ScenarioReport[] = [];
  let worst: number | null = null;
  let states = 0;
  let runs = 0;
  let stepBoundRuns = 0;
  const boundsHit: string[] = [];

  configs.forEach((config, index) => {
    const violated = new Set<Guarantee>();
    const outcomes = new Set<string>();
    let scenarioWorst: number | null = null;
    const plain = isPlain(config);
    const result: ExploreResult = explore(
      { start: (chooser) => startKernelRun(config, chooser, { symmetry: options.symmetry ?? true }) },
      {
        prune: options.prune ?? true,
        reduce: options.reduce ?? true,
        maxSteps,
        maxRuns: options.maxRuns ?? 2_000_000,
        onRun: (run: KernelRun, info) => {
          if (info.status !== 'pruned') {
            run.finish(info.status === 'stepBound');
            // Requests alike are interchangeable (the explorer merges their swapped states): name none of them.
            outcomes.add(
              run
                .results()
                .map((r) => r.replace(/^req\d+: /, 'req: '))
                .sort()
                .join('; '),
            );
          }
          for (const v of run.monitor.violations) {
            violated.add(v.guarantee);
            const steps = run.violationStep(v.guarantee);
            const old = best.get(v.guarantee);
            if (old === undefined || steps < old.steps || (steps === old.steps && info.choices.length < old.choices.length)) {
              best.set(v.guarantee, { violation: v, config, choices: info.choices, steps });
            }
          }
          if (plain && info.status === 'complete') {
            const b = run.monitor.burstInits();
            if (b !== undefined) scenarioWorst = Math.max(scenarioWorst ?? 0, b);
          }
        },
        onProgress:
          options.onProgress === undefined
            ? undefined
            : (p) => options.onProgress?.((index + p.done) / configs.length, states + p.states),
      },
    );
    states += result.states;
    runs += result.runs;
    stepBoundRuns += result.stepBoundRuns;
    if (!result.complete) boundsHit.push(`${describeConfig(config)}: stopped after ${result.runs} runs`);
    if (result.stepBoundRuns > 0) {
      boundsHit.push(`${describeConfig(config)}: ${result.stepBoundRuns} runs hit the step bound (${maxSteps} steps)`);
    }
    if (scenarioWorst !== null) worst = Math.max(worst ?? 0, scenarioWorst);
    reports.push({
      config: describeConfig(config),
      states: result.states,
      runs: result.runs,
      complete: result.complete,
      stepBoundRuns: result.stepBoundRuns,
      violated: GUARANTEES.filter((g) => violated.has(g)),
      worstCaseInits: scenarioWorst,
      outcomes: [...outcomes].sort().slice(0, MAX_OUTCOMES),
      moreOutcomes: Math.max(0, outcomes.size - MAX_OUTCOMES),
    });
  });
  options.onProgress?.(1, states);

  const verdict = (g: Guarantee): Verdict =>
    best.has(g) ? 'violated' : g === 'liveness' && stepBoundRuns > 0 ? STEP_BOUND_VERDICT : 'holds';
  const invariants = Object.fromEntries(GUARANTEES.map((g) => [g, verdict(g)])) as Record<Guarantee, Verdict>;
  const counterexamples = GUARANTEES.flatMap((g) => {
    const c = best.get(g);
    if (c === undefined) return [];
    const replay = encodeToken(c.config, c.choices);
    return [
      {
        invariant: g,
        message: c.violation.message,
        config: describeConfig(c.config),
        replay,
        steps: c.steps,
        trace: replayRun(c.config, c.choices, maxSteps).trace,
      },
    ];
  });
  return {
    strategy: strategyLabel(options),
    requests: options.requests,
    modules: options.modules,
    selfLoad: options.selfLoad ?? false,
    invariants,
    worstCaseInits: worst,
    statesExplored: states,
    runs,
    complete: boundsHit.length === 0,
    boundsHit,
    counterexamples,
    scenarios: reports,
  };
}

export interface ReplayReport {
  readonly config: CheckConfig;
  readonly configName: string;
  readonly violations: readonly Violation[];
  /** The run was cut at the step bound: liveness is not judged. */
  readonly stepBoundHit: boolean;
  /** Each load call's result, e.g. `req1 mod_a → EBUSY`. */
  readonly results: readonly string[];
  readonly trace: readonly TraceLine[];
}

/** Reruns one run with tracing on. */
export function replayRun(config: CheckConfig, choices: readonly number[], maxSteps = 5_000): ReplayReport {
  return replayWith(replayChooser(choices), config, maxSteps);
}

function replayWith(chooser: ReturnType<typeof replayChooser>, config: CheckConfig, maxSteps: number): ReplayReport {
  const run = startKernelRun(config, chooser, { trace: true });
  run.sim.run({ maxSteps });
  const stepBoundHit = run.sim.pending > 0;
  run.finish(stepBoundHit);
  return {
    config,
    configName: describeConfig(config),
    violations: run.monitor.violations,
    stepBoundHit,
    results: run.results(),
    trace: run.trace(),
  };
}

/**
 * `--replay TOKEN`: decodes and reruns. A token whose choices do not fit
 * the run (a step that is not there, or choices left over at its end) was
 * made on a different model: refused, not replayed as some other run.
 */
export function replayToken(token: string, maxSteps = 5_000): ReplayReport {
  const { config, choices } = decodeToken(token);
  const chooser = replayChooser(choices);
  let report: ReplayReport;
  try {
    report = replayWith(chooser, config, maxSteps);
  } catch (error) {
    if (!(error instanceof ReplayDiverged)) throw error;
    throw new UserError(
      `--replay: the token's choice ${error.choice} at choice point ${error.point + 1} is out of range (${error.ready} steps are ready there): it was not made by this modstorm's model`,
    );
  }
  if (chooser.met() < choices.length) {
    throw new UserError(
      `--replay: the token has ${choices.length} choices but its run meets only ${chooser.met()} choice points within ${maxSteps} steps: it was not made by this modstorm's model, or with a larger --max-steps`,
    );
  }
  return report;
}
