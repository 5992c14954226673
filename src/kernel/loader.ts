/**
 * The load path, written once as eight stages (kernel/module/main.c:
 * finit_module → init_module_from_file → load_module → do_init_module).
 * Each stage charges its CPU time from the cost profile on the machine's
 * CPU pool, and every stage boundary is a scheduling point (a zero cost is
 * a `delay(0)`), so the model checker's tie chooser can order any two loads
 * stage by stage. The policy decides at its detection points; this file
 * never names a strategy.
 *
 * Locking and wake-ups follow the kernel: module_mutex around the policy's
 * checks at steps 2, 3 and 5 (with the insertion), each symbol resolution,
 * complete_formation(), the success tail and free_module(); module_wq woken
 * only at the end of do_init_module() (success, or failure once the module
 * is freed), on the unlink error path and at the end of delete_module().
 */
import type { CpuPool, Mutex, Process, Simulation, Waitable } from '../sim/index.js';
import { gracePeriodNs, imageBytesOf, layoutBytes, regionFreeNs, stageNs, type CostProfile, type StageCost } from './costs.js';
import type { ModuleArea } from './module-area.js';
import type { ModuleSync } from './module-mutex.js';
import { Module, type ModuleTable } from './module-table.js';
import type { Observers } from './observer.js';
import type { LoadPolicy, LoadRequest, PolicyHook, Verdict } from './policy.js';
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
  /** module_mutex and module_wq. */
  readonly sync: ModuleSync;
  /** mm/vmalloc.c's vmap_purge_lock: every flushing vfree() of module memory takes it. */
  readonly vmapPurgeLock: Mutex;
  /** Memory regions one module's image is freed as (2 before 6.4; struct module_memory's from 6.4). */
  readonly memoryRegions: number;
  readonly stats: KernelStats;
  /** init() calls so far per module file path (for InitBehaviour.results). */
  readonly initCallsByPath: Map<string, number>;
  readonly observers: Observers;
  readonly policy: LoadPolicy;
  /** Moves `mod` to `to` (undefined: unlinked from the list) and tells the observers; wakes nobody. */
  setState(mod: Module, to: ModuleState | undefined, proc: Process<unknown>): void;
  /** request_module() of `file`'s own alias from `caller`'s init: returns when modprobe has, or when `caller` is killed. */
  requestModule(caller: Process<unknown>, file: ModuleFile): Step<void>;
}

/** A stage's CPU time, or a pure scheduling point when it costs nothing. */
function* charge(k: LoaderContext, stage: string, cost: StageCost, bytes: number): Step<void> {
  const ns = stageNs(cost, bytes);
  if (ns > 0) yield* k.cpus.run(ns, stage);
  else yield* k.sim.delay(0, stage);
}

/** synchronize_rcu(): a sleep until every CPU has passed a quiescent state. */
function* synchronizeRcu(k: LoaderContext): Step<void> {
  yield* k.sim.delay(gracePeriodNs(k.costs, k.cpus.count), 'synchronize_rcu');
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
function* ask(k: LoaderContext, hook: PolicyHook, point: DetectionPoint, req: LoadRequest): Step<Verdict> {
  const verdict = yield* hook(req);
  if (verdict !== undefined) k.stats.duplicates[point]++;
  return verdict;
}

/** A hook that runs under module_mutex (it may drop and retake it while it waits). */
function* askLocked(k: LoaderContext, hook: PolicyHook, point: DetectionPoint, req: LoadRequest): Step<Verdict> {
  yield* k.sync.lock();
  const verdict = yield* ask(k, hook, point, req);
  k.sync.unlock();
  return verdict;
}

/** Stages 1–8. */
function* loadFromFile(k: LoaderContext, req: LoadRequest): Step<SyscallResult> {
  const { costs, stats, policy } = k;
  const file = req.file;
  // init_module gets the image kmod decompressed in userspace; finit_module reads the file and undoes its compression.
  const kernelDecompresses = file.compressed && req.call === 'finit_module';
  const compressedLen = kernelDecompresses ? file.size : 0;
  const len = imageBytesOf(costs, file);

  // Stage 1: read the file [vmalloc #1]; decompress [#2], freeing the compressed copy.
  let copyBytes = kernelDecompresses ? file.size : len;
  stats.vmalloc(copyBytes);
  if (req.call === 'finit_module') yield* charge(k, 'read', costs.read, file.size);
  else yield* k.sim.delay(0, 'read'); // init_module: the image is already in a user buffer
  if (kernelDecompresses) {
    stats.vmalloc(len);
    yield* charge(k, 'decompress', costs.decompress, len);
    stats.vfree(copyBytes);
    copyBytes = len;
  }
  // The copy is plain vmalloc memory: vfree() only queues it for a lazy purge, at no cost to the caller.
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
    const v = yield* askLocked(k, policy.afterHeader, 'afterHeader', req);
    if (v !== undefined) return failBecoming(v);
  }

  // Stage 3: early checks (blacklist, section headers, modstruct version, modinfo).
  yield* charge(k, 'earlyChecks', costs.earlyChecks, len);
  if (policy.earlyCheck !== undefined) {
    const v = yield* askLocked(k, policy.earlyCheck, 'earlyCheck', req);
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
  const offset = areaOffset;
  stats.fullLoads++;
  stats.fullLoadsByName.set(file.name, (stats.fullLoadsByName.get(file.name) ?? 0) + 1);
  syncArea(k);
  /** A failure after layout_and_allocate(): read and image both wasted ("mod"); module_deallocate() frees the regions. */
  function* failAllocated(err: SyscallResult): Step<SyscallResult> {
    freeCopy();
    yield* freeRegions(k, req.process, offset);
    stats.bumpInvalid(len, compressedLen);
    return err;
  }

  // Stage 5: add_unformed_module(): the policy's check and the insertion under one hold of module_mutex.
  yield* charge(k, 'addUnformed', costs.addUnformed, 0);
  yield* k.sync.lock();
  if (policy.addUnformed !== undefined) {
    const v = yield* ask(k, policy.addUnformed, 'addUnformed', req);
    if (v !== undefined) {
      k.sync.unlock();
      return yield* failAllocated(v);
    }
  }
  const mod = new Module(file, imageBytes, offset, req.args);
  k.modules.add(mod);
  k.setState(mod, 'UNFORMED', req.process);
  k.sync.unlock();

  // Stage 6: module_unload_init() takes the init reference; resolve symbols (each under module_mutex), relocate, copy arguments.
  mod.initReference = true;
  yield* charge(k, 'resolveSymbols', costs.resolveSymbols, len);
  const unresolved = yield* resolveImports(k.sync, k.modules, stats, mod, costs.symbolWaitNs);
  if (unresolved !== undefined) return yield* unlinkMod(k, req, mod, unresolved, failAllocated);

  // Stage 7: complete_formation() under module_mutex → COMING; sysfs entries; free the copy.
  yield* charge(k, 'formation', costs.formation, len);
  yield* k.sync.lock();
  const duplicateExport = verifyExportedSymbols(k.modules, mod);
  if (duplicateExport !== undefined) {
    k.sync.unlock();
    // goto ddebug_cleanup: its synchronize_rcu() comes before unlink_mod's.
    yield* synchronizeRcu(k);
    return yield* unlinkMod(k, req, mod, duplicateExport, failAllocated);
  }
  k.setState(mod, 'COMING', req.process);
  k.sync.unlock();
  freeCopy();

  // Stage 8.
  return yield* doInitModule(k, req, mod);
}

/**
 * load_module()'s unlink_mod: error path: under module_mutex the module
 * leaves the list, module_wq is woken (its sleepers then queue for the
 * mutex), and a grace period passes before the mutex is dropped; then the
 * memory is freed.
 */
function* unlinkMod(
  k: LoaderContext,
  req: LoadRequest,
  mod: Module,
  err: SyscallResult,
  deallocate: (err: SyscallResult) => Step<SyscallResult>,
): Step<SyscallResult> {
  releaseUses(mod);
  mod.initReference = false;
  yield* k.sync.lock();
  k.modules.remove(mod);
  k.setState(mod, undefined, req.process);
  k.sync.wakeUpAll();
  yield* synchronizeRcu(k);
  k.sync.unlock();
  return yield* deallocate(err);
}

/** Stage 8: run init(); success → LIVE, failure → GOING, torn down, freed. */
function* doInitModule(k: LoaderContext, req: LoadRequest, mod: Module): Step<SyscallResult> {
  const { costs, stats, observers } = k;
  const init = mod.file.init;
  const call = k.initCallsByPath.get(mod.file.path) ?? 0;
  k.initCallsByPath.set(mod.file.path, call + 1);
  if (observers.active) observers.init({ time: k.sim.now, process: req.process, module: mod.name, request: req.id });
  if (init.requestsOwnLoad === true) yield* k.requestModule(req.process, mod.file);
  yield* (costs.initOnCpu && init.ns > 0 ? k.cpus.run(init.ns, 'init') : k.sim.delay(init.ns, 'init'));
  const result = init.results === undefined ? init.result : (init.results[call] ?? init.results.at(-1) ?? init.result);
  if (observers.active) observers.init({ time: k.sim.now, process: req.process, module: mod.name, request: req.id, result });
  if (result === 0) {
    // LIVE, the notifier chain, the uevent; then the tail under module_mutex (module_put, init sections
    // queued for freeing off this path), and only then the wake-up.
    k.setState(mod, 'LIVE', req.process);
    yield* k.sync.lock();
    mod.initReference = false;
    k.sync.unlock();
    stats.modulesLoaded++;
    k.sync.wakeUpAll();
    return 0;
  }
  stats.initFailures++;
  k.setState(mod, 'GOING', req.process);
  yield* synchronizeRcu(k);
  mod.initReference = false; // module_put()
  yield* k.sim.delay(costs.teardownNs, 'going');
  yield* freeModule(k, mod, req.process);
  k.sync.wakeUpAll();
  return result;
}

/**
 * free_module(): sysfs gone, the module marked UNFORMED while still listed
 * (so new loads wait for it instead of finding it GOING), its references
 * dropped; then under module_mutex it leaves the list and a grace period
 * passes before the mutex is released; then its memory regions are freed.
 * The caller wakes module_wq.
 */
export function* freeModule(k: LoaderContext, mod: Module, proc: Process<unknown>): Step<void> {
  yield* k.sync.lock();
  k.setState(mod, 'UNFORMED', proc);
  k.sync.unlock();
  releaseUses(mod);
  mod.initReference = false;
  yield* k.sync.lock();
  k.modules.remove(mod);
  k.setState(mod, undefined, proc);
  yield* synchronizeRcu(k);
  k.sync.unlock();
  yield* freeRegions(k, proc, mod.areaOffset);
}

/**
 * Frees a module image's memory regions on x86: each vfree() with
 * VM_FLUSH_RESET_PERMS takes the global vmap_purge_lock and flushes the
 * kernel TLB range on every CPU.
 */
function* freeRegions(k: LoaderContext, proc: Process<unknown>, areaOffset: number): Step<void> {
  const ns = regionFreeNs(k.costs, k.cpus.count);
  for (let i = 0; i < k.memoryRegions; i++) {
    yield* k.vmapPurgeLock.lock();
    if (ns > 0) yield* k.sim.delay(ns, 'vfree');
    if (k.vmapPurgeLock.owner === k.sim.current) k.vmapPurgeLock.unlock();
  }
  k.moduleArea.free(areaOffset);
  syncArea(k);
}

function syncArea(k: LoaderContext): void {
  k.stats.moduleAreaBytes = k.moduleArea.used;
  k.stats.peakModuleAreaBytes = k.moduleArea.peak;
}
