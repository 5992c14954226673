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

/** Load `name` with its dependencies and softdeps; see the file comment for the order. */
export function* probe<Y>(
  port: KernelPort<Y>,
  index: ModuleIndex,
  name: string,
  options: ProbeOptions = {},
): Generator<Y, ProbeResult, unknown> {
  const target = moduleName(name);
  const steps: ProbeStep[] = [];
  const skipped = (module: string): ProbeAction | undefined => {
    if (options.ignoreLoaded) return undefined;
    if (index.isBuiltin(module) || port.isBuiltin(module)) return 'builtin';
    return port.initstate(module) === 'live' ? 'live' : undefined;
  };
  const done = (result: SyscallResult): ProbeResult => ({
    module: target,
    result,
    quiet: result === 'ENODEV' || result === 'ENOENT',
    steps,
  });

  const already = skipped(target);
  if (already !== undefined) {
    steps.push({ module: target, path: index.path(target), args: '', required: true, action: already, result: 0 });
    return done(0);
  }

  const required = new Set([target, ...index.dependencies(target)]);
  let result: SyscallResult = 0;
  for (const entry of probeList(index, target)) {
    const module = entry.module;
    const path = index.path(module);
    const isRequired = required.has(module);
    const args = concatArgs(
      index.options(module, module === target ? options.alias : undefined),
      module === target ? options.extraArgs : undefined,
    );
    const step: ProbeStep = { module, path, args, required: isRequired, action: 'finit', result: 0 };
    const skip = skipped(module);
    const command = entry.ignoreCommand ? undefined : index.installCommand(module);
    if (skip !== undefined) {
      step.action = skip;
      step.result = 'EEXIST';
    } else if (command !== undefined) {
      step.action = 'install';
      step.command = command;
      step.result = port.runInstall ? yield* port.runInstall(module, command, args) : 0;
    } else if (path === undefined) {
      step.action = index.isBuiltin(module) ? 'builtin' : 'missing';
      step.result = step.action === 'builtin' ? 0 : 'ENOENT';
    } else {
      step.result = yield* port.insertModule(path, args);
    }
    steps.push(step);
    result = step.result === 'EEXIST' || !isRequired ? 0 : step.result;
    if (result !== 0) break;
  }
  return done(result);
}
