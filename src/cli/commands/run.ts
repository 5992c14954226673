/**
 * `modstorm run`: one coldplug storm — every CPU's uevents through udev,
 * kmod and the kernel loader — under one strategy, reported as a table
 * (first→last per module, settle, init calls, wasted vmalloc) or as the RunResult in JSON.
 *
 * Also the machine and strategy flags `compare` shares: a scenario file
 * first, then each flag on top, then validation.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { machineLine } from '../../report/document.js';
import { readScenarioFile, type ScenarioFile } from '../../scenario/load.js';
import { CPUFREQ_DRIVERS, MAX_MODALIAS_BYTES, cpuModaliasProblem } from '../../scenario/machine.js';
import type { RunResult } from '../../scenario/result.js';
import { DEFAULT_PROFILE, SHIPPED_PROFILES, isShippedProfile } from '../../scenario/profile.js';
import { runScenario } from '../../scenario/run.js';
import { INDEX_FILES } from '../../userspace/kmod/index.js';
import {
  DEFAULT_CPUS,
  DEFAULT_MEMORY_GIB,
  DEFAULT_SEED,
  MAX_CPUS,
  MAX_MEMORY_GIB,
  MAX_SEED,
  SCENARIO_FIELDS_HELP,
  TIE_ORDERS,
  type ScenarioInput,
} from '../../scenario/schema.js';
import { resolveScenario, scenarioInputWith, type Scenario } from '../../scenario/scenario.js';
import { DEFAULT_USERSPACE_KERNEL, STRATEGIES, USERSPACE_STRATEGIES, isKernelStrategy, strategyIds } from '../../scenario/strategy.js';
import { parseChoice, parseCount, parsePositive } from '../options.js';
import { addOutputOptions, emit, outputFormat, type OutputFlags } from '../output.js';

export interface MachineFlags {
  scenario?: string;
  cpus?: string;
  memoryGib?: string;
  cpuModalias?: string;
  cpufreqDriver?: string;
  modulesDir?: string;
  profile?: string;
  seed?: string;
  ties?: string;
}

export interface RunFlags extends MachineFlags, OutputFlags {
  strategy?: string;
  kernel?: string;
}

/** The flags that describe the machine and the module tree (shared with `compare`; `sweep` has its own --cpus). */
export function addMachineOptions(cmd: Command, withCpus = true): Command {
  cmd.option('--scenario <file>', 'a scenario file (YAML or JSON), checked as written; the flags below then override its fields');
  if (withCpus) cmd.option('--cpus <n>', `CPUs of the machine, 1-${MAX_CPUS} (default: ${DEFAULT_CPUS})`);
  return cmd
    .option(
      '--memory-gib <n>',
      `RAM in GiB, > 0 and at most ${MAX_MEMORY_GIB}; it only sets udev childrenMax (with the CPUs), and a run whose modules ` +
        `would not fit in it is refused — the model has no memory pressure (default: ${DEFAULT_MEMORY_GIB})`,
    )
    .option(
      '--cpu-modalias <file>',
      `a file holding the CPUs' MODALIAS, at most ${MAX_MODALIAS_BYTES} bytes; it picks the CPU-feature modules every CPU asks for ` +
        '(default: an Intel Xeon, family 6 model 0x55)',
    )
    .option(
      '--cpufreq-driver <driver>',
      `cpufreq driver registered before coldplug: ${CPUFREQ_DRIVERS.join(', ')}; intel_pstate and amd_pstate alike make ` +
        'acpi_cpufreq and pcc_cpufreq fail EEXIST at once, none lets acpi_cpufreq load and pcc_cpufreq fail ENODEV ' +
        '(warned when the CPU is of the other vendor; default: intel_pstate)',
    )
    .option('--modules-dir <dir>', 'a module tree: a directory with modules.dep, modules.alias, ... (default: the embedded Debian 6.1 tree)')
    .option(
      '--profile <name|file>',
      `cost profile: ${SHIPPED_PROFILES.join(' or ')}, or a profile file (YAML/JSON) whose missing fields come from ${DEFAULT_PROFILE} (default: ${DEFAULT_PROFILE}, calibrated on the 288-CPU server)`,
    )
    .option(
      '--ties <order>',
      'order of steps due at the same instant: fifo (as scheduled) or random (drawn from --seed): a check that the ' +
        "figures do not hang on tie order (counts, results and settle do not; a module's first→last may move by a worker step) (default: fifo)",
    )
    .option('--seed <n>', `seed of the run, 0-${MAX_SEED}; it draws the order in which a woken module_wq herd reaches module_mutex, and under --ties random the order of tied steps (default: ${DEFAULT_SEED})`);
}

/** The scenario file's content (or nothing), with the machine flags applied; not validated yet. */
export function machineInput(flags: MachineFlags): { input: ScenarioInput; file: ScenarioFile | undefined } {
  const file = flags.scenario === undefined ? undefined : readScenarioFile(flags.scenario);
  const base: unknown = file?.input ?? {};
  if (typeof base !== 'object' || base === null || Array.isArray(base)) {
    throw new UserError(`${flags.scenario}: a scenario must be a mapping of fields (machine, modules, strategy, ...)`);
  }
  // The file as written first: a flag must not hide a bad field (`machine: 4`, `cpus: "288"` under --cpus 4).
  if (file !== undefined) toScenario(base as ScenarioInput, file);
  const input = scenarioInputWith(base as ScenarioInput, {
    seed: flags.seed === undefined ? undefined : parseCount('--seed', flags.seed, 0, MAX_SEED),
    ties: flags.ties === undefined ? undefined : parseChoice('--ties', flags.ties, TIE_ORDERS),
    machine: {
      cpus: flags.cpus === undefined ? undefined : parseCount('--cpus', flags.cpus, 1, MAX_CPUS),
      memoryGiB: flags.memoryGib === undefined ? undefined : parsePositive('--memory-gib', flags.memoryGib, MAX_MEMORY_GIB),
      cpuModalias: flags.cpuModalias === undefined ? undefined : readModalias(flags.cpuModalias),
      cpufreqDriver:
        flags.cpufreqDriver === undefined ? undefined : parseChoice('--cpufreq-driver', flags.cpufreqDriver, CPUFREQ_DRIVERS),
    },
    modules: { dir: flags.modulesDir === undefined ? undefined : checkModulesDir(flags.modulesDir) },
    profile: flags.profile === undefined ? undefined : profileFlag(flags.profile),
  });
  return { input, file };
}

/** `--strategy` and `--kernel` on top of the input. */
export function withStrategyFlags(input: ScenarioInput, flags: Pick<RunFlags, 'strategy' | 'kernel'>): ScenarioInput {
  const strategy = flags.strategy === undefined ? undefined : parseChoice('--strategy', flags.strategy, strategyIds());
  const kernel = flags.kernel === undefined ? undefined : parseChoice('--kernel', flags.kernel, STRATEGIES);
  if (strategy !== undefined && isKernelStrategy(strategy)) {
    if (kernel !== undefined) {
      throw new UserError(
        `--kernel applies only to a userspace strategy (${USERSPACE_STRATEGIES.join(', ')}); --strategy ${strategy} is itself a kernel policy`,
      );
    }
    // A kernel policy named on the command line replaces the file's strategy, its `kernel` included.
    const { kernel: _dropped, ...rest } = input;
    return { ...rest, strategy };
  }
  return scenarioInputWith(input, { strategy, kernel });
}

/** Validates; a bad field names the scenario file and line when it came from one. */
export function toScenario(input: ScenarioInput, file: ScenarioFile | undefined): Scenario {
  return resolveScenario(input, file?.origin ?? { file: 'flags' });
}

/** Warnings go to stderr as `modstorm: warning: ...`, one a line; the JSON result lists them too. */
export type Warn = (line: string) => void;
export const stderrWarn: Warn = (line) => void process.stderr.write(`modstorm: warning: ${line}\n`);

export async function runCommand(flags: RunFlags, out: (text: string) => void, warn: Warn = stderrWarn): Promise<RunResult> {
  const format = outputFormat(flags);
  const { input, file } = machineInput(flags);
  const scenario = toScenario(withStrategyFlags(input, flags), file);
  const result = runScenario(scenario, { timeline: format === 'html' });
  for (const w of result.warnings) warn(w);
  await emit({ kind: 'runs', command: 'run', machine: machineLine(scenario), results: [result] }, flags, out);
  return result;
}

export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description('one coldplug storm (udev → kmod → kernel loader) under one strategy, as a table of its figures')
    .option(
      '--strategy <id>',
      `a kernel policy (${STRATEGIES.join(', ')}) or a userspace strategy (${USERSPACE_STRATEGIES.join(', ')}) (default: v5.3)`,
    )
    .option(
      '--kernel <id>',
      `with a userspace strategy: the kernel policy under it (default: ${DEFAULT_USERSPACE_KERNEL}, the kernel both were proposed against)`,
    );
  addOutputOptions(addMachineOptions(cmd))
    .addHelpText(
      'after',
      `
Examples:
  modstorm run --cpus 288 --strategy v5.3
  modstorm run --strategy merge --json
  modstorm run --strategy v5.3 --format html -o v5.3.html
  modstorm run --strategy udev-flock                # udev-side lock, on kernel ${DEFAULT_USERSPACE_KERNEL}
  modstorm run --strategy add-once --kernel v6.2    # a userspace strategy on another kernel
${SCENARIO_FIELDS_HELP}`,
    )
    .action(async (flags: RunFlags) => {
      await runCommand(flags, (text) => process.stdout.write(text));
    });
}

function readModalias(path: string): string {
  let text: string;
  try {
    // One page more than a MODALIAS can be is enough to tell it is too long.
    text = readPrefix(path, 2 * MAX_MODALIAS_BYTES).trim();
  } catch (error) {
    throw new UserError(`--cpu-modalias: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const problem = cpuModaliasProblem(text);
  if (problem !== undefined) throw new UserError(`--cpu-modalias: ${path}: ${problem}`);
  return text;
}

/** A shipped profile's name as it is, a file as an absolute path (a scenario resolves relative ones against itself). */
function profileFlag(value: string): string {
  if (isShippedProfile(value)) return value;
  if (!existsSync(value) || !statSync(value).isFile()) {
    throw new UserError(`--profile: ${value} is neither a file nor a shipped profile (${SHIPPED_PROFILES.join(', ')})`);
  }
  return resolve(value);
}

/** The first `max` bytes of a file as UTF-8: a 1 GB file named by mistake is not read whole. */
function readPrefix(path: string, max: number): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(max);
    return buf.toString('utf8', 0, readSync(fd, buf, 0, max, 0));
  } finally {
    closeSync(fd);
  }
}

function checkModulesDir(dir: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`--modules-dir: ${dir} is not a directory`);
  for (const index of INDEX_FILES) {
    if (!existsSync(join(dir, index))) {
      throw new UserError(`--modules-dir: ${dir} has no ${index} (run depmod, or name a /lib/modules/VERSION directory)`);
    }
  }
  return resolve(dir);
}
