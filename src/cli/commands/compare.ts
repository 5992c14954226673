/**
 * `modstorm compare`: the headline. One machine (the embedded default: 288
 * CPUs, intel_pstate active), every strategy — each kernel policy, and the
 * userspace ones on the kernel they were proposed against — side by side,
 * with a line that says from the figures why v5.3 is the slow one.
 */
import type { Command } from 'commander';
import { machineLine } from '../../report/document.js';
import type { RunResult } from '../../scenario/result.js';
import { runScenario } from '../../scenario/run.js';
import { SCENARIO_FIELDS_HELP, type ScenarioInput } from '../../scenario/schema.js';
import type { Scenario } from '../../scenario/scenario.js';
import { isUserspaceStrategy, strategyIds } from '../../scenario/strategy.js';
import { addOutputOptions, emit, outputFormat, type OutputFlags } from '../output.js';
import { addMachineOptions, machineInput, stderrWarn, toScenario, type MachineFlags, type Warn } from './run.js';

export interface CompareFlags extends MachineFlags, OutputFlags {}

/** Every strategy a comparison runs, in table order. */
export const COMPARED_STRATEGIES: readonly string[] = strategyIds();

export async function compareCommand(flags: CompareFlags, out: (text: string) => void, warn: Warn = stderrWarn): Promise<RunResult[]> {
  const format = outputFormat(flags);
  const { input, file } = machineInput(flags);
  const { kernel, strategy, ...machineOnly } = input;
  // The file's `kernel` is what its userspace strategy runs on: the userspace rows use it too.
  const scenarios = COMPARED_STRATEGIES.map((s) =>
    toScenario({ ...machineOnly, strategy: s, ...(isUserspaceStrategy(s) && kernel !== undefined ? { kernel } : {}) } as ScenarioInput, file),
  );
  const results = scenarios.map((s) => runScenario(s, { timeline: format === 'html' }));
  if (strategy !== undefined) warn(`${file?.origin.file ?? 'scenario'}: strategy ${strategy} is not used: compare runs every strategy`);
  for (const w of new Set(results.flatMap((r) => r.warnings))) warn(w);
  await emit({ kind: 'runs', command: 'compare', machine: machineLine(scenarios[0] as Scenario), results }, flags, out);
  return results;
}

export function registerCompare(program: Command): void {
  const cmd = program
    .command('compare')
    .description(
      `the headline: one coldplug storm under every strategy (${COMPARED_STRATEGIES.join(', ')}; ` +
        "the userspace ones on kernel v5.3, or on the scenario file's `kernel`), side by side",
    );
  addOutputOptions(addMachineOptions(cmd))
    .addHelpText('after', SCENARIO_FIELDS_HELP)
    .action(async (flags: CompareFlags) => {
    await compareCommand(flags, (text) => process.stdout.write(text));
  });
}
