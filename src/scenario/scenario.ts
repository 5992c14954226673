/**
 * A validated scenario: everything one run needs, with every default
 * filled in. `resolveScenario` is the only way to make one, from a file's
 * content, from CLI flags, or from nothing (the headline machine).
 */
import { isAbsolute, resolve } from 'node:path';
import { resolveCosts, type CostOverrides, type CostProfile, type SyscallResult } from '../kernel/index.js';
import { NS_PER_MS, NS_PER_S, type Ns } from '../sim/index.js';
import type { Compression } from '../userspace/kmod/index.js';
import { defaultChildrenMax, type UdevCosts } from '../userspace/udev/index.js';
import {
  cpufreqDriverProblem,
  defaultDeviceCounts,
  defaultMemoryBlocks,
  duplicateDevpaths,
  memoryBlockBytesFor,
  memoryBytes,
  type Machine,
} from './machine.js';
import { scaleMachine } from './scale.js';
import { problemError, problemLine, schemaProblems, type Problem, type ScenarioOrigin } from './problems.js';
import { DEFAULT_PROFILE, isShippedProfile, loadProfile, type Profile } from './profile.js';
import { scenarioSchema, type ScenarioInput, type TieOrder } from './schema.js';
import {
  isKernelStrategy,
  isUserspaceStrategy,
  strategyIds,
  strategySpec,
  STRATEGIES,
  type StrategySpec,
} from './strategy.js';

export type { ScenarioOrigin } from './problems.js';

export interface InitOverride {
  readonly result: SyscallResult | undefined;
  readonly initNs: Ns | undefined;
  readonly selfLoad?: boolean | undefined;
}

export interface ModulesSpec {
  /** Directory of text indexes, absolute; undefined for the embedded Debian 6.1 tree. */
  readonly dir: string | undefined;
  readonly defaultSizeBytes: number;
  readonly init: Readonly<Record<string, InitOverride>>;
  /** The compression the kernel undoes itself (/sys/module/compression), or 'none'. */
  readonly kernelDecompress: Compression | 'none';
}

export interface UdevSpec {
  readonly childrenMax: number;
  /** Whether childrenMax came from udevd's formula (not set by the scenario). */
  readonly childrenMaxDefault: boolean;
  readonly eventTimeoutNs: Ns;
  /** From the event timeout to SIGKILL (0: systemd 252). */
  readonly killDelayNs: Ns;
  /** udevd's costs: the profile's, with the scenario's overrides. */
  readonly costs: Readonly<UdevCosts>;
  /** The libkmod udevd is linked with: from 31 on it hands compressed files to a kernel that can undo them. */
  readonly kmodVersion: number;
}

export interface Scenario {
  readonly name: string | undefined;
  readonly machine: Machine;
  readonly modules: ModulesSpec;
  /** The cost profile the run uses (its kernel and udev parts with the scenario's overrides are `costs` and `udev.costs`). */
  readonly profile: Profile;
  /** The kernel's costs: the profile's, with the scenario's overrides. */
  readonly costs: CostProfile;
  readonly udev: UdevSpec;
  readonly strategy: StrategySpec;
  readonly seed: number;
  /** Order of simultaneous events: `fifo` (as scheduled) or `random` (drawn from the seed). */
  readonly ties: TieOrder;
  /** What the scenario asks for that the kernel or udev would only warn about, each naming file and field. */
  readonly warnings: readonly string[];
  /** Where it came from: problems found later (against the module tree) name the same file and line. */
  readonly origin: ScenarioOrigin;
}

export interface ResolveOptions {
  /** Use this profile instead of the one the scenario names (calibrate runs candidate profiles this way). */
  readonly profile?: Profile | undefined;
}

/** Validates `input` (the content of a scenario file) and fills every default. */
export function resolveScenario(input: unknown = {}, origin: ScenarioOrigin = {}, options: ResolveOptions = {}): Scenario {
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) {
    // Report a bad strategy along with the schema's problems, not in a second round.
    const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    const strategy = typeof raw.strategy === 'string' ? raw.strategy : undefined;
    const kernel = typeof raw.kernel === 'string' ? raw.kernel : undefined;
    throw problemError([...schemaProblems(parsed.error.issues), ...strategyProblems(strategy, kernel)], origin);
  }
  const s = parsed.data;
  const problems: Problem[] = strategyProblems(s.strategy, s.kernel);
  for (const name of Object.keys(s.modules.init)) {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) {
      problems.push({ path: ['modules', 'init', name], message: 'must be a module name (letters, digits, _ and -)' });
    }
  }
  const memoryBlockBytes = s.machine.memoryBlockBytes ?? memoryBlockBytesFor(s.machine.memoryGiB);
  const machine: Machine = {
    cpus: s.machine.cpus,
    memoryGiB: s.machine.memoryGiB,
    cpuModalias: s.machine.cpuModalias,
    acpiProcessorDevices: s.machine.acpiProcessorDevices ?? s.machine.cpus,
    acpiProcessorHid: s.machine.acpiProcessorHid,
    cpufreqDriver: s.machine.cpufreqDriver,
    acpiProcessorParent: s.machine.acpiProcessorParent,
    memoryBlocks: s.machine.memoryBlocks ?? defaultMemoryBlocks(s.machine.memoryGiB, memoryBlockBytes),
    memoryBlockBytes,
    deviceCounts: { ...defaultDeviceCounts(s.machine.cpus), ...definedOnly(s.machine.deviceCounts) },
    devices: s.machine.devices,
  };
  for (const d of duplicateDevpaths(machine)) problems.push({ path: ['machine', 'devices', d.index, 'devpath'], message: d.message });
  if (problems.length > 0) throw problemError(problems, origin);

  const warnings: Problem[] = [];
  const driver = cpufreqDriverProblem(machine.cpufreqDriver, machine.cpuModalias);
  if (driver !== undefined) warnings.push({ path: ['machine', 'cpufreqDriver'], message: driver });
  if (machine.acpiProcessorDevices > machine.cpus) {
    warnings.push({
      path: ['machine', 'acpiProcessorDevices'],
      message:
        `${machine.acpiProcessorDevices} ACPI processor devices for ${machine.cpus} CPUs: the extra ones stand for CPUs ` +
        'that are not present (hot-plug slots); each still sends a uevent and asks for acpi_cpufreq and pcc_cpufreq',
    });
  }
  const init: Record<string, InitOverride> = {};
  for (const [name, o] of Object.entries(s.modules.init)) {
    init[name.replaceAll('-', '_')] = {
      result: o.result === undefined ? undefined : o.result === '0' ? 0 : (o.result as SyscallResult),
      initNs: o.initMs === undefined ? undefined : Math.round(o.initMs * NS_PER_MS),
      ...(o.selfLoad === true ? { selfLoad: true } : {}),
    };
  }
  const dir = s.modules.dir;
  const profile = options.profile ?? loadProfile(profilePath(s.profile, origin));
  return {
    name: s.name,
    machine,
    modules: {
      dir: dir === undefined ? undefined : isAbsolute(dir) ? dir : resolve(origin.baseDir ?? process.cwd(), dir),
      defaultSizeBytes: s.modules.defaultSizeBytes,
      init,
      kernelDecompress: s.modules.kernelDecompress,
    },
    profile,
    costs: resolveCosts(s.costs as CostOverrides, profile.kernel),
    udev: {
      childrenMax: s.udev.childrenMax ?? defaultChildrenMax(machine.cpus, memoryBytes(machine)),
      childrenMaxDefault: s.udev.childrenMax === undefined,
      eventTimeoutNs: Math.round(s.udev.eventTimeoutS * NS_PER_S),
      killDelayNs: Math.round(s.udev.killDelayS * NS_PER_S),
      costs: { ...profile.udev, ...s.udev.costs },
      kmodVersion: s.udev.kmodVersion,
    },
    strategy: strategySpec(
      s.strategy as Parameters<typeof strategySpec>[0],
      s.kernel as Parameters<typeof strategySpec>[1],
    ),
    seed: s.seed,
    ties: s.ties,
    warnings: warnings.map((w) => problemLine(w, origin)),
    origin,
  };
}

/** The same scenario with some fields replaced (as CLI flags do), validated again. */
export function scenarioInputWith(base: ScenarioInput, patch: ScenarioPatch): ScenarioInput {
  return {
    ...base,
    ...(patch.strategy !== undefined ? { strategy: patch.strategy } : {}),
    ...(patch.kernel !== undefined ? { kernel: patch.kernel } : {}),
    ...(patch.seed !== undefined ? { seed: patch.seed } : {}),
    ...(patch.profile !== undefined ? { profile: patch.profile } : {}),
    ...(patch.ties !== undefined ? { ties: patch.ties } : {}),
    machine: scaledMachine(base.machine ?? {}, patch.machine ?? {}),
    modules: { ...base.modules, ...definedOnly(patch.modules ?? {}) },
  };
}

export interface ScenarioPatch {
  strategy?: string | undefined;
  kernel?: string | undefined;
  seed?: number | undefined;
  profile?: string | undefined;
  ties?: TieOrder | undefined;
  machine?: Partial<NonNullable<ScenarioInput['machine']>> | undefined;
  modules?: Partial<NonNullable<ScenarioInput['modules']>> | undefined;
}

/** Flags on top of the file's machine: `cpus` and `memoryGiB` scale the devices that follow them (scale.ts). */
function scaledMachine(base: NonNullable<ScenarioInput['machine']>, patch: NonNullable<ScenarioPatch['machine']>): NonNullable<ScenarioInput['machine']> {
  const { cpus, memoryGiB, ...rest } = definedOnly(patch);
  return { ...scaleMachine(base, { cpus, memoryGiB }), ...rest };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function strategyProblems(strategy: string | undefined, kernel: string | undefined): Problem[] {
  const problems: Problem[] = [];
  if (strategy !== undefined && !isKernelStrategy(strategy) && !isUserspaceStrategy(strategy)) {
    problems.push({ path: ['strategy'], message: `must be one of ${strategyIds().join(', ')}; got '${strategy}'` });
  }
  if (kernel !== undefined) {
    if (!isKernelStrategy(kernel)) {
      problems.push({ path: ['kernel'], message: `must be one of ${STRATEGIES.join(', ')}; got '${kernel}'` });
    } else if (strategy === undefined || isKernelStrategy(strategy)) {
      problems.push({
        path: ['kernel'],
        message: `only applies to a userspace strategy (udev-flock, add-once); strategy '${strategy ?? 'v5.3'}' is itself the kernel policy`,
      });
    }
  }
  return problems;
}

/** A scenario's `profile:` field: a shipped profile's name, or a file relative to the scenario file. */
function profilePath(name: string | undefined, origin: ScenarioOrigin): string {
  if (name === undefined) return DEFAULT_PROFILE;
  if (isShippedProfile(name) || isAbsolute(name)) return name;
  return resolve(origin.baseDir ?? process.cwd(), name);
}
