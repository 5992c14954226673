/**
 * The load path, written once as SPEC §2's stages 1–8 (kernel/module/main.c:
 * finit_module → init_module_from_file → load_module → do_init_module).
 * Each stage charges its CPU time from the cost profile on the machine's
 * CPU pool, and every stage boundary is a scheduling point (a zero cost is
 * a `delay(0)`), so the model checker's tie chooser can order any two loads
 * stage by stage. The policy decides at its detection points; this file
 * never names a strategy.
 */
import type { CpuPool, Process, Simulation, WaitQueue, Waitable } from '../sim/index.js';
import { layoutBytes, stageNs, type CostProfile, type StageCost } from './costs.js';
import type { ModuleArea } from './module-area.js';
import { Module, type ModuleTable } from './module-table.js';
import type { Observers } from './observer.js';
import type { LoadPolicy, LoadRequest, PolicyHook } from './policy.js';
import type { DetectionPoint, KernelStats } from './stats.js';
import { releaseUses, resolveImports, verifyExportedSymbols } from './symbols.js';
import type { ModuleFile, ModuleState, SyscallResult } from './types.js';

type Step<T> = Generator<Waitable<unknown>, T, unknown>;

/** What the loader needs of the kernel. */
export interface LoaderContext {
  readonly sim: Simulation;
  readonly cpus: CpuPool;
  readonly costs: CostProfile;
  readonly modules: ModuleTable;
  readonly moduleArea: ModuleArea;
  readonly moduleWq: WaitQueue;
  readonly stats: KernelStats;
  /** init() calls so far per module file path (for InitBehaviour.results). */
  readonly initCallsByPath: Map<string, number>;
  readonly observers: Observers;
  readonly policy: LoadPolicy;
  /** Moves `mod` to `to` (undefined: freed), tells the observers and wakes module_wq. */
  setState(mod: Module, to: ModuleState | undefined, proc: Process<unknown>): void;
  /** request_module() of `file`'s own alias: a modprobe process calling finit_module on it. */
  requestOwnLoad(file: ModuleFile): Process<unknown>;
}

/** A stage's CPU time, or a pure scheduling point when it costs nothing. */
function* charge(k: LoaderContext, stage: string, cost: StageCost, bytes: number): Step<void> {
  const ns = stageNs(cost, bytes);
  if (ns > 0) yield* k.cpus.run(ns, stage);
  else yield* k.sim.delay(0, stage);
}

/** One finit_module / init_module call, from entry to return. */
export function* loadModule(k: LoaderContext, req: LoadRequest): Step<SyscallResult> {
  const entry = req.call === 'finit_module' ? k.policy.atEntry : undefined;
  let result: SyscallResult | undefined = entry === undefined ? undefined : yield* ask(k, entry, 'atEntry', req);
  if (result === undefined) result = yield* loadFromFile(k, req);
  k.policy.finished?.(req, result);
  return result;
}

/** Runs a policy hook; counts the request as a duplicate at `point` if the hook answered it. */
function* ask(k: LoaderContext, hook: PolicyHook, point: DetectionPoint, req: LoadRequest): Step<SyscallResult | undefined> {
  const verdict = yield* hook(req);
  if (verdict !== undefined) k.stats.duplicates[point]++;
  return verdict;
}

/** Stages 1–8. */
function* loadFromFile(k: LoaderContext, req: LoadRequest): Step<SyscallResult> {
  const { costs, stats, policy } = k;
  const file = req.file;
  const compressedLen = file.compressed ? file.size : 0;
  const len = file.compressed ? Math.round(file.size * costs.decompressedSizeFactor) : file.size;

  // Stage 1: read the file [vmalloc #1]; decompress [#2], freeing the compressed copy.
  let copyBytes = file.size;
  stats.vmalloc(copyBytes);
  if (req.call === 'finit_module') yield* charge(k, 'read', costs.read, file.size);
  else yield* k.sim.delay(0, 'read'); // init_module: the image is already in a user buffer
  if (file.compressed) {
    stats.vmalloc(len);
    yield* charge(k, 'decompress', costs.decompress, len);
    stats.vfree(copyBytes);
    copyBytes = len;
  }
  const freeCopy = (): void => {
    stats.vfree(copyBytes);
    copyBytes = 0;
  };
  /** A failure before layout_and_allocate(): the read was wasted ("becoming"). */
  const failBecoming = (err: SyscallResult): SyscallResult => {
    freeCopy();
    stats.bumpBecoming(len, compressedLen);
    return err;
  };

  // Stage 2: signature check, ELF validity; the module's name is now known.
  yield* charge(k, 'checkSignature', costs.checkSignature, len);
  if (policy.afterHeader !== undefined) {
    const v = yield* ask(k, policy.afterHeader, 'afterHeader', req);
    if (v !== undefined) return failBecoming(v);
  }

  // Stage 3: early checks (blacklist, section headers, modstruct version, modinfo).
  yield* charge(k, 'earlyChecks', costs.earlyChecks, len);
  if (policy.earlyCheck !== undefined) {
    const v = yield* ask(k, policy.earlyCheck, 'earlyCheck', req);
    if (v !== undefined) return failBecoming(v);
  }

  // Stage 4: layout_and_allocate() [#3: the final image in the module area].
  yield* charge(k, 'layout', costs.layout, len);
  const imageBytes = layoutBytes(costs, len);
  const areaOffset = k.moduleArea.alloc(imageBytes);
  if (areaOffset === undefined) {
    stats.allocationFailures++;
    return failBecoming('ENOMEM');
  }
  syncArea(k);
  /** A failure after layout_and_allocate(): read and image both wasted ("mod"). */
  const failAllocated = (err: SyscallResult): SyscallResult => {
    freeCopy();
    k.moduleArea.free(areaOffset);
    syncArea(k);
    stats.bumpInvalid(len, compressedLen);
    return err;
  };

  // Stage 5: add_unformed_module(): the policy's check and the insertion are one atomic step.
  yield* charge(k, 'addUnformed', costs.addUnformed, 0);
  if (policy.addUnformed !== undefined) {
    const v = yield* ask(k, policy.addUnformed, 'addUnformed', req);
    if (v !== undefined) return failAllocated(v);
  }
  const mod = new Module(file, imageBytes, areaOffset, req.args);
  k.modules.add(mod);
  k.setState(mod, 'UNFORMED', req.process);

  // Stage 6: module_unload_init() takes the init reference; resolve symbols, relocate, copy arguments.
  mod.initReference = true;
  yield* charge(k, 'resolveSymbols', costs.resolveSymbols, len);
  const unresolved = yield* resolveImports(k.modules, k.moduleWq, stats, mod, costs.symbolWaitNs);
  if (unresolved !== undefined) return unlink(k, req, mod, failAllocated(unresolved));

  // Stage 7: complete_formation() → COMING, sysfs entries, free the copy.
  yield* charge(k, 'formation', costs.formation, len);
  const duplicateExport = verifyExportedSymbols(k.modules, mod);
  if (duplicateExport !== undefined) return unlink(k, req, mod, failAllocated(duplicateExport));
  k.setState(mod, 'COMING', req.process);
  freeCopy();

  // Stage 8.
  return yield* doInitModule(k, req, mod);
}

/** A module that failed before COMING leaves the list (the kernel's unlink_mod path). */
function unlink(k: LoaderContext, req: LoadRequest, mod: Module, err: SyscallResult): SyscallResult {
  releaseUses(mod);
  k.modules.remove(mod);
  k.setState(mod, undefined, req.process);
  return err;
}

/** Stage 8: run init(); success → LIVE, failure → GOING, torn down, freed. */
function* doInitModule(k: LoaderContext, req: LoadRequest, mod: Module): Step<SyscallResult> {
  const { costs, stats, observers } = k;
  const init = mod.file.init;
  const call = k.initCallsByPath.get(mod.file.path) ?? 0;
  k.initCallsByPath.set(mod.file.path, call + 1);
  stats.fullLoads++;
  if (observers.active) observers.init({ time: k.sim.now, process: req.process, module: mod.name, request: req.id });
  if (init.requestsOwnLoad === true) yield* k.requestOwnLoad(mod.file).join();
  yield* (costs.initOnCpu && init.ns > 0 ? k.cpus.run(init.ns, 'init') : k.sim.delay(init.ns, 'init'));
  const result = init.results === undefined ? init.result : (init.results[call] ?? init.results.at(-1) ?? init.result);
  if (observers.active) observers.init({ time: k.sim.now, process: req.process, module: mod.name, request: req.id, result });
  if (result === 0) {
    mod.initReference = false;
    stats.modulesLoaded++;
    k.setState(mod, 'LIVE', req.process);
    return 0;
  }
  stats.initFailures++;
  k.setState(mod, 'GOING', req.process);
  yield* k.sim.delay(costs.goingNs, 'going');
  freeModule(k, mod, req.process);
  return result;
}

/** free_module(): drop references, leave the list, free the image; waiters are woken. */
export function freeModule(k: LoaderContext, mod: Module, proc: Process<unknown>): void {
  releaseUses(mod);
  mod.initReference = false;
  k.modules.remove(mod);
  k.moduleArea.free(mod.areaOffset);
  syncArea(k);
  k.setState(mod, undefined, proc);
}

function syncArea(k: LoaderContext): void {
  k.stats.moduleAreaBytes = k.moduleArea.used;
  k.stats.peakModuleAreaBytes = k.moduleArea.peak;
}
