/**
 * Loading one module the way kmod_module_probe_insert_module does (kmod 30),
 * written as a generator over an abstract kernel port so it runs in
 * simulated time without knowing the simulator: each finit_module is
 * `yield* port.insertModule(path, args)`, and whatever the port yields (sim
 * waitables) passes straight through.
 *
 * Order: for each modules.dep dependency, deepest first, its softdeps `pre:`,
 * the dependency, its softdeps `post:`; then the module's own `pre:`, the
 * module, its `post:`. A softdep is looked up like any name (aliases
 * allowed) and brings its own dependencies; a module reached again through a
 * softdep's own list is listed again, as in kmod. A module that is LIVE or
 * builtin is skipped; EEXIST from the kernel counts as success; failures of
 * softdeps are ignored; the first failing dependency or the module itself
 * ends the probe.
 */
import type { ModuleIndex } from './module-index.js';
import { moduleName } from './names.js';
import type { Initstate, SyscallResult } from './types.js';

/** The kernel as kmod sees it; the caller wires it to the kernel model. */
export interface KernelPort<Y> {
  /** /sys/module/NAME/initstate; undefined when the module is not loaded. */
  initstate(name: string): Initstate | undefined;
  isBuiltin(name: string): boolean;
  /** kmod_module_insert_module(): finit_module, or init_module after decompressing in userspace (insert.ts). */
  insertModule(path: string, args: string): Generator<Y, SyscallResult, unknown>;
  /**
   * Runs a modprobe.d `install` command. Without it the command is recorded
   * as run and successful (the simulation has no shell).
   */
  runInstall?(name: string, command: string, args: string): Generator<Y, SyscallResult, unknown>;
}

export interface ProbeOptions {
  /** The alias the module was found through (modprobe.d `options` may name it). */
  alias?: string;
  /** Arguments appended to the module's own (not its dependencies'). */
  extraArgs?: string;
  /** KMOD_PROBE_IGNORE_LOADED: do not skip LIVE modules (modprobe --show-depends). */
  ignoreLoaded?: boolean;
}

export type ProbeAction =
  | 'finit' // finit_module was called
  | 'install' // a modprobe.d install command ran instead
  | 'live' // skipped: already LIVE
  | 'builtin' // skipped: built into the kernel
  | 'missing'; // not in modules.dep: ENOENT without a syscall

export interface ProbeStep {
  module: string;
  /** modules.dep path given to insertModule. */
  path: string | undefined;
  args: string;
  /** The module asked for or one of its modules.dep dependencies; failures of others are ignored. */
  required: boolean;
  action: ProbeAction;
  command?: string;
  result: SyscallResult;
}

export interface ProbeResult {
  module: string;
  /** 0, or the failure of the module or a dependency (EEXIST counts as 0). */
  result: SyscallResult;
  /** ENODEV and ENOENT: failed, but udev logs them at debug level, not as errors. */
  quiet: boolean;
  steps: ProbeStep[];
}

interface ListEntry {
  module: string;
  /** kmod skips a module's install command when it has softdeps. */
  ignoreCommand: boolean;
}

/** kmod's probe list: every module to try, in order (pure; no kernel state). */
export function probeList(index: ModuleIndex, name: string): ListEntry[] {
  const list: ListEntry[] = [];
  const visited = new Set<string>();
  const lookupAll = (names: string[]): string[] => names.flatMap((n) => index.lookup(n).modules.map((m) => m.name));
  const fillSoftdep = (module: string): void => {
    const soft = index.softdeps(module);
    const pre = lookupAll(soft.pre);
    const post = lookupAll(soft.post);
    for (const m of pre) getProbeList(m);
    list.push({ module, ignoreCommand: pre.length > 0 || post.length > 0 });
    for (const m of post) getProbeList(m);
  };
  const getProbeList = (module: string): void => {
    if (visited.has(module)) return;
    visited.add(module);
    for (const dep of index.dependencies(module)) fillSoftdep(dep);
    fillSoftdep(module);
  };
  getProbeList(moduleName(name));
  return list;
}

/**
 * kmod's module_options_concat: configured options, then a space, then the
 * extra ones. The space comes even when there are no extra options, so what
 * reaches finit_module ends in one (the kernel skips it).
 */
function concatArgs(configured: string, extra: string | undefined): string {
  return configured === '' ? (extra ?? '') : `${configured} ${extra ?? ''}`;
}

/** One module of a probe, with everything about it the index decides (pure: the same for every probe of the name). */
interface PlanEntry {
  readonly module: string;
  readonly path: string | undefined;
  readonly args: string;
  readonly required: boolean;
  /** The modprobe.d install command kmod would run instead (undefined when none, or ignored for softdeps). */
  readonly command: string | undefined;
  readonly builtinInIndex: boolean;
}

interface ProbePlan {
  readonly targetBuiltinInIndex: boolean;
  readonly targetPath: string | undefined;
  readonly entries: readonly PlanEntry[];
}

/**
 * Plans by index, then by target, alias and extra arguments. A storm probes
 * the same few names tens of thousands of times and an index never changes
 * once built, so the list, the options and the commands are worked out once.
 */
const plans = new WeakMap<ModuleIndex, Map<string, ProbePlan>>();

function probePlan(index: ModuleIndex, target: string, options: ProbeOptions): ProbePlan {
  let byKey = plans.get(index);
  if (byKey === undefined) plans.set(index, (byKey = new Map()));
  const key =
    options.alias === undefined && options.extraArgs === undefined
      ? target
      : `${target}\0${options.alias ?? ''}\0${options.extraArgs ?? ''}`;
  let plan = byKey.get(key);
  if (plan === undefined) {
    const required = new Set([target, ...index.dependencies(target)]);
    const entries = probeList(index, target).map(({ module, ignoreCommand }): PlanEntry => ({
      module,
      path: index.path(module),
      args: concatArgs(
        index.options(module, module === target ? options.alias : undefined),
        module === target ? options.extraArgs : undefined,
      ),
      required: required.has(module),
      command: ignoreCommand ? undefined : index.installCommand(module),
      builtinInIndex: index.isBuiltin(module),
    }));
    plan = { targetBuiltinInIndex: index.isBuiltin(target), targetPath: index.path(target), entries };
    byKey.set(key, plan);
  }
  return plan;
}

/** Whether kmod skips `module`: builtin, or LIVE (unless told to ignore loaded modules). */
function skipped<Y>(port: KernelPort<Y>, options: ProbeOptions, module: string, builtinInIndex: boolean): ProbeAction | undefined {
  if (options.ignoreLoaded) return undefined;
  if (builtinInIndex || port.isBuiltin(module)) return 'builtin';
  return port.initstate(module) === 'live' ? 'live' : undefined;
}

function probeResult(module: string, result: SyscallResult, steps: ProbeStep[]): ProbeResult {
  return { module, result, quiet: result === 'ENODEV' || result === 'ENOENT', steps };
}

const NO_OPTIONS: ProbeOptions = {};

/** Load `name` with its dependencies and softdeps; see the file comment for the order. */
export function* probe<Y>(
  port: KernelPort<Y>,
  index: ModuleIndex,
  name: string,
  options: ProbeOptions = NO_OPTIONS,
): Generator<Y, ProbeResult, unknown> {
  const target = moduleName(name);
  const plan = probePlan(index, target, options);
  const steps: ProbeStep[] = [];

  const already = skipped(port, options, target, plan.targetBuiltinInIndex);
  if (already !== undefined) {
    steps.push({ module: target, path: plan.targetPath, args: '', required: true, action: already, result: 0 });
    return probeResult(target, 0, steps);
  }

  let result: SyscallResult = 0;
  for (const entry of plan.entries) {
    const { module, path, args, command } = entry;
    const step: ProbeStep = { module, path, args, required: entry.required, action: 'finit', result: 0 };
    const skip = skipped(port, options, module, entry.builtinInIndex);
    if (skip !== undefined) {
      step.action = skip;
      step.result = 'EEXIST';
    } else if (command !== undefined) {
      step.action = 'install';
      step.command = command;
      step.result = port.runInstall ? yield* port.runInstall(module, command, args) : 0;
    } else if (path === undefined) {
      step.action = entry.builtinInIndex ? 'builtin' : 'missing';
      step.result = step.action === 'builtin' ? 0 : 'ENOENT';
    } else {
      step.result = yield* port.insertModule(path, args);
    }
    steps.push(step);
    result = step.result === 'EEXIST' || !entry.required ? 0 : step.result;
    if (result !== 0) break;
  }
  return probeResult(target, result, steps);
}
