/**
 * A calibration target: measured figures of real machines, one row each
 * (machine, strategy, module — `-` for a machine-wide metric —, metric,
 * value in seconds), and the scenario
 * that describes each machine. YAML or JSON:
 *
 * ```yaml
 * source: where the figures come from
 * machines:
 *   server-288:
 *     description: 288 CPUs, ... (becomes the fitted profile's `machine`)
 *     scenario: { machine: { cpus: 288 } }     # any scenario field but strategy, kernel, profile
 * rows:
 *   - { machine: server-288, strategy: v5.3, module: pcc_cpufreq, metric: first-to-last-inserted, value: 44.998 }
 * ```
 *
 * The shipped default is data/targets/server-288.yaml: the 288-CPU
 * server's table.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { parseScenarioText } from '../scenario/load.js';
import { problemError, schemaProblems, type Problem, type ScenarioOrigin } from '../scenario/problems.js';
import type { ModuleRunResult, RunResult } from '../scenario/result.js';
import type { ScenarioInput } from '../scenario/schema.js';
import { strategyIds } from '../scenario/strategy.js';

/** What a row measures per module, each in seconds. */
const MODULE_METRICS = {
  /** From the first to the last return udev logged as "Inserted module" (0 and EEXIST). */
  'first-to-last-inserted': (m: ModuleRunResult) => m.firstToLastInsertedNs,
  /** From the first to the last load request. */
  'first-to-last-request': (m: ModuleRunResult) => m.firstToLastNs,
} as const satisfies Record<string, (m: ModuleRunResult) => number>;
/** Machine-wide metrics (the row's module is `-`). */
const RUN_METRICS = {
  /** Until udev's queue was empty (what `udevadm settle` waits for). */
  settle: (r: RunResult) => r.settleNs,
} as const satisfies Record<string, (r: RunResult) => number>;
export type Metric = keyof typeof MODULE_METRICS | keyof typeof RUN_METRICS;
const METRIC_NAMES = [...Object.keys(MODULE_METRICS), ...Object.keys(RUN_METRICS)] as [Metric, ...Metric[]];
const isRunMetric = (m: Metric): m is keyof typeof RUN_METRICS => m in RUN_METRICS;

export const DEFAULT_TARGET_FILE = fileURLToPath(new URL('../../data/targets/server-288.yaml', import.meta.url));

export interface TargetRow {
  readonly machine: string;
  readonly strategy: string;
  readonly module: string;
  readonly metric: Metric;
  /** Seconds. */
  readonly value: number;
}

export interface TargetMachine {
  readonly description: string;
  readonly scenario: ScenarioInput;
}

export interface Target {
  readonly file: string;
  readonly source: string | undefined;
  readonly machines: Readonly<Record<string, TargetMachine>>;
  readonly rows: readonly TargetRow[];
}

const text = (what: string) => z.string({ error: `must be ${what}` }).min(1, { error: `must be ${what}` });

const targetSchema = z.strictObject({
  source: text('a note on where the figures come from').optional(),
  machines: z.record(
    text('a machine name'),
    z.strictObject({
      description: text('a description of the machine'),
      scenario: z.record(z.string(), z.unknown(), { error: 'must be scenario fields (machine, modules, udev, ...)' }).default({}),
    }),
    { error: 'must map machine names to { description, scenario }' },
  ),
  rows: z
    .array(
      z.strictObject({
        machine: text('a machine name from `machines`'),
        strategy: text('a strategy id'),
        module: text('a module name'),
        metric: z.enum(METRIC_NAMES, { error: `must be one of ${METRIC_NAMES.join(', ')}` }),
        value: z.number({ error: 'must be a number of seconds > 0' }).positive({ error: 'must be a number of seconds > 0' }),
      }),
      { error: 'must be a list of { machine, strategy, module, metric, value }' },
    )
    .min(1, { error: 'must hold at least one row' }),
});

/** Reads and checks a target file; every bad field is named with its line. */
export function readTarget(file: string = DEFAULT_TARGET_FILE): Target {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`${file}: cannot read the calibration target (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const { input, origin } = parseScenarioText(content, file);
  return resolveTarget(input, origin, file);
}

export function resolveTarget(input: unknown, origin: ScenarioOrigin, file: string): Target {
  const parsed = targetSchema.safeParse(input);
  if (!parsed.success) throw problemError(schemaProblems(parsed.error.issues), origin, 'target');
  const t = parsed.data;
  const problems: Problem[] = [];
  t.rows.forEach((row, i) => {
    if (!(row.machine in t.machines)) {
      problems.push({ path: ['rows', i, 'machine'], message: `must be one of the machines defined (${Object.keys(t.machines).join(', ')})` });
    }
    if (isRunMetric(row.metric) !== (row.module === '-')) {
      problems.push({
        path: ['rows', i, 'module'],
        message: isRunMetric(row.metric) ? `must be - (${row.metric} is a machine-wide metric)` : `must be a module name (${row.metric} is per module)`,
      });
    }
    if (!strategyIds().includes(row.strategy)) {
      problems.push({ path: ['rows', i, 'strategy'], message: `must be one of ${strategyIds().join(', ')}` });
    }
  });
  for (const [name, m] of Object.entries(t.machines)) {
    for (const key of ['strategy', 'kernel', 'profile']) {
      if (key in m.scenario) {
        problems.push({ path: ['machines', name, 'scenario', key], message: 'is set by calibrate (each row names its strategy; the profile is what is fitted)' });
      }
    }
  }
  if (problems.length > 0) throw problemError(problems, origin, 'target');
  return {
    file,
    source: t.source,
    machines: Object.fromEntries(
      Object.entries(t.machines).map(([k, m]) => [k, { description: m.description, scenario: m.scenario as ScenarioInput }]),
    ),
    rows: t.rows.map((r) => ({ ...r, module: r.module === '-' ? r.module : r.module.replaceAll('-', '_') })),
  };
}

/** The value of `row`'s metric in a run's result, seconds (0 when the module was never asked for). */
export function measure(row: TargetRow, result: RunResult): number {
  const metric = row.metric;
  if (isRunMetric(metric)) return RUN_METRICS[metric](result) / 1e9;
  const m = result.modules[row.module];
  return m === undefined ? 0 : MODULE_METRICS[metric](m) / 1e9;
}
