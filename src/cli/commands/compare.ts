/**
 * `modstorm compare`: the headline. One machine (the embedded default: 288
 * CPUs, intel_pstate active), every strategy — each kernel policy, and the
 * userspace ones on the kernel they were proposed against — side by side,
 * with a line that says from the figures why v5.3 is the slow one.
 */
import type { Command } from 'commander';
import { compareTable, moduleSizesText, whyV53IsSlow } from '../../report/table.js';
import type { RunResult } from '../../scenario/result.js';
import { runScenario } from '../../scenario/run.js';
import type { ScenarioInput } from '../../scenario/schema.js';
import { strategyIds } from '../../scenario/strategy.js';
import { addMachineOptions, machineInput, toScenario, type MachineFlags } from './run.js';

export interface CompareFlags extends MachineFlags {
  json?: boolean;
}

/** Every strategy a comparison runs, in table order. */
export const COMPARED_STRATEGIES: readonly string[] = strategyIds();

export function compareCommand(flags: CompareFlags, out: (text: string) => void): RunResult[] {
  const { input, file } = machineInput(flags);
  const { kernel: _k, strategy: _s, ...machineOnly } = input;
  const scenarios = COMPARED_STRATEGIES.map((strategy) => toScenario({ ...machineOnly, strategy } as ScenarioInput, file));
  const results = scenarios.map((s) => runScenario(s));
  if (flags.json === true) {
    out(JSON.stringify(results, null, 2));
    return results;
  }
  const first = scenarios[0];
  if (first !== undefined) {
    const m = first.machine;
    const driver = m.cpufreqDriver === 'none' ? 'no cpufreq driver active' : `${m.cpufreqDriver} active`;
    out(`${m.cpus} CPUs, ${m.memoryGiB} GiB, ${driver}, udev childrenMax ${first.udev.childrenMax}, seed ${first.seed}`);
  }
  const sizes = results[0]?.moduleSizes;
  if (sizes !== undefined) out(`module sizes: ${moduleSizesText(sizes)}`);
  out(compareTable(results));
  const why = whyV53IsSlow(results);
  if (why !== undefined) out(why);
  return results;
}

export function registerCompare(program: Command): void {
  const cmd = program
    .command('compare')
    .description(
      `the headline: one coldplug storm under every strategy (${COMPARED_STRATEGIES.join(', ')}; ` +
        'the userspace ones on kernel v5.3), side by side',
    );
  addMachineOptions(cmd)
    .option('--json', 'print the RunResults as a JSON array instead of the table')
    .action((flags: CompareFlags) => {
      compareCommand(flags, (text) => process.stdout.write(`${text}\n`));
    });
}
