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
import type { ScenarioInput } from '../../scenario/schema.js';
import type { Scenario } from '../../scenario/scenario.js';
import { strategyIds } from '../../scenario/strategy.js';
import { addOutputOptions, emit, outputFormat, type OutputFlags } from '../output.js';
import { addMachineOptions, machineInput, toScenario, type MachineFlags } from './run.js';

export interface CompareFlags extends MachineFlags, OutputFlags {}

/** Every strategy a comparison runs, in table order. */
export const COMPARED_STRATEGIES: readonly string[] = strategyIds();

export async function compareCommand(flags: CompareFlags, out: (text: string) => void): Promise<RunResult[]> {
  const format = outputFormat(flags);
  const { input, file } = machineInput(flags);
  const { kernel: _k, strategy: _s, ...machineOnly } = input;
  const scenarios = COMPARED_STRATEGIES.map((strategy) => toScenario({ ...machineOnly, strategy } as ScenarioInput, file));
  const results = scenarios.map((s) => runScenario(s, { timeline: format === 'html' }));
  await emit({ kind: 'runs', command: 'compare', machine: machineLine(scenarios[0] as Scenario), results }, flags, out);
  return results;
}

export function registerCompare(program: Command): void {
  const cmd = program
    .command('compare')
    .description(
      `the headline: one coldplug storm under every strategy (${COMPARED_STRATEGIES.join(', ')}; ` +
        'the userspace ones on kernel v5.3), side by side',
    );
  addOutputOptions(addMachineOptions(cmd)).action(async (flags: CompareFlags) => {
    await compareCommand(flags, (text) => process.stdout.write(text));
  });
}
