/**
 * The kernel's module subsystem: the module list, the syscalls
 * (finit_module, init_module, delete_module), the views userspace reads
 * (initstate, /proc/modules), counters, and observers. One Kernel per
 * simulated machine; its policy is one of the strategies.
 */
import type { CpuPool, Mutex, Process, ProcessBody, Simulation, Waitable } from '../sim/index.js';
import { resolveCosts, type CostOverrides, type CostProfile } from './costs.js';
import { freeModule, loadModule, type LoaderContext } from './loader.js';
import { ModuleArea } from './module-area.js';
import { ModuleSync } from './module-mutex.js';
import { ModuleTable, type Module } from './module-table.js';
import { Observers, type DedupDecision, type KernelObserver } from './observer.js';
import { POLICIES, isStrategy, type StrategyId } from './policies/index.js';
import type { LoadPolicy, LoadRequest, PolicyHost } from './policy.js';
import { KernelStats, type DetectionPoint } from './stats.js';
import { syscall } from './syscall.js';
import type { Initstate, ModuleFile, ModuleState, SyscallName, SyscallResult } from './types.js';

export interface KernelOptions {
  /** The duplicate-load strategy. */
  readonly policy: StrategyId;
  /** The .ko files on the simulated disk. */
  readonly files: readonly ModuleFile[];
  /** Names of modules built into the kernel (modules.builtin). */
  readonly builtin?: readonly string[];
  /** The machine's CPUs. */
  readonly cpus: CpuPool;
  readonly costs?: CostOverrides;
  /**
   * The usermode helper request_module() runs (modprobe_path): by default
   * a bare finit_module of the module's own file; a scenario plugs in kmod.
   */
  readonly modprobe?: ((proc: Process<unknown>, name: string) => ProcessBody<unknown>) | undefined;
  /**
   * A woken module_wq herd races for module_mutex in a seeded random order
   * (a machine with a CPU per sleeper) instead of queue order. Off for the
   * model checker, which explores every order of same-instant steps itself.
   */
  readonly herdRace?: boolean | undefined;
}

type Step<T> = Generator<Waitable<unknown>, T, unknown>;

export class Kernel implements LoaderContext, PolicyHost {
  readonly strategy: StrategyId;
  readonly cpus: CpuPool;
  readonly costs: CostProfile;
  readonly stats = new KernelStats();
  readonly initCallsByPath = new Map<string, number>();
  /** @internal the module list */
  readonly modules = new ModuleTable();
  /** @internal */
  readonly moduleArea: ModuleArea;
  /** module_mutex and module_wq. */
  readonly sync: ModuleSync;
  /** @internal mm/vmalloc.c's vmap_purge_lock */
  readonly vmapPurgeLock: Mutex;
  /** @internal regions a module's image is freed as */
  readonly memoryRegions: number;
  /** @internal */
  readonly observers = new Observers();
  /** @internal */
  readonly policy: LoadPolicy;
  readonly #files = new Map<string, ModuleFile>();
  readonly #builtin: ReadonlySet<string>;
  readonly #modprobe: ((proc: Process<unknown>, name: string) => ProcessBody<unknown>) | undefined;
  #requests = 0;

  constructor(
    readonly sim: Simulation,
    options: KernelOptions,
  ) {
    if (!isStrategy(options.policy)) throw new Error(`kernel: unknown strategy '${String(options.policy)}'`);
    this.strategy = options.policy;
    this.cpus = options.cpus;
    this.costs = resolveCosts(options.costs);
    this.moduleArea = new ModuleArea(this.costs.moduleAreaBytes);
    this.sync = new ModuleSync(sim, this.costs, { herdRace: options.herdRace === true });
    this.vmapPurgeLock = sim.mutex('vmap_purge_lock');
    this.memoryRegions = POLICIES[this.strategy].memory === 'module_memory' ? this.costs.moduleMemoryRegions : 2;
    this.#modprobe = options.modprobe;
    for (const file of options.files) {
      if (this.#files.has(file.path)) throw new Error(`kernel: two module files at ${file.path}`);
      this.#files.set(file.path, file);
    }
    this.#builtin = new Set(options.builtin ?? []);
    this.policy = POLICIES[this.strategy].create(this);
  }

  /** finit_module(open(path), args): loads the module file at `path`, in the caller's process. */
  finitModule(proc: Process<unknown>, path: string, args = ''): Waitable<SyscallResult> {
    return this.#load(proc, 'finit_module', path, args);
  }

  /** init_module(image of path, args): as finitModule, from a user buffer (no read stage, no idempotent check). */
  initModule(proc: Process<unknown>, path: string, args = ''): Waitable<SyscallResult> {
    return this.#load(proc, 'init_module', path, args);
  }

  /**
   * delete_module(name): under module_mutex a LIVE module nobody uses goes
   * GOING; its exit() runs, free_module() frees it, and waiters are woken. Not in the list (or UNFORMED) →
   * ENOENT; used by another module → EWOULDBLOCK; not LIVE → EBUSY.
   */
  deleteModule(proc: Process<unknown>, name: string): Waitable<SyscallResult> {
    return syscall(this.sim, proc, this.#traced(proc, 'delete_module', name, () => this.#delete(proc, name)));
  }

  /** /sys/module/NAME/initstate: 'coming', 'live', 'going', or undefined when absent. */
  initstate(name: string): Initstate | undefined {
    return this.modules.initstate(name);
  }

  isBuiltin(name: string): boolean {
    return this.#builtin.has(name);
  }

  /** The text of /proc/modules. */
  procModules(): string {
    return this.modules.procModules();
  }

  /** The module file at `path`, if any. */
  file(path: string): ModuleFile | undefined {
    return this.#files.get(path);
  }

  /** Attaches an observer; the function returned detaches it. */
  observe(observer: KernelObserver): () => void {
    return this.observers.add(observer);
  }

  // ---- for the loader and the policies ----

  /** @internal a state change wakes nobody: module_wq is woken at the end of a load or unload only */
  setState(mod: Module, to: ModuleState | undefined, proc: Process<unknown>): void {
    // A module enters the list UNFORMED; free_module() marks it UNFORMED again while it is still listed.
    const from = to === 'UNFORMED' && !mod.listed ? undefined : mod.state;
    if (to !== undefined && to !== mod.state) {
      mod.state = to;
      this.modules.stateChanged();
    }
    mod.listed = to !== undefined;
    if (this.observers.active) this.observers.transition({ time: this.sim.now, process: proc, module: mod.name, from, to });
  }

  /**
   * @internal request_module(): runs modprobe as a usermode helper and waits
   * for it killably (call_usermodehelper_exec() with UMH_KILLABLE): a
   * SIGKILL of the caller ends the wait, request_module() fails, and the
   * caller's init goes on without it; modprobe runs to its own end.
   */
  *requestModule(caller: Process<unknown>, file: ModuleFile): Generator<Waitable<unknown>, void, unknown> {
    const done = this.sim.completion(`modprobe ${file.name}`);
    const modprobe = this.#modprobe ?? ((self: Process<unknown>) => this.finitModule(self, file.path)[Symbol.iterator]());
    this.sim.spawn(`modprobe ${file.name}`, function* (self) {
      yield* modprobe(self, file.name);
      done.completeAll();
    });
    for (;;) {
      const signal = caller.signalPending;
      if (signal === 'SIGKILL') return;
      // wait_for_completion_killable(): only a fatal signal ends it.
      const r = yield* done.wait({ interruptible: signal === undefined });
      if (r === 'completed') return;
    }
  }

  /** @internal */
  dedup(req: LoadRequest, point: DetectionPoint, decision: DedupDecision, result?: SyscallResult): void {
    if (!this.observers.wantsDedup) return;
    const base = { time: this.sim.now, process: req.process, request: req.id, module: req.file.name, point, decision };
    this.observers.dedup(result === undefined ? base : { ...base, result });
  }

  // ---- syscalls ----

  #load(proc: Process<unknown>, call: 'finit_module' | 'init_module', path: string, args: string): Step<SyscallResult> {
    const file = this.#files.get(path);
    const body = (id: number): Step<SyscallResult> =>
      file === undefined ? this.#missing() : loadModule(this, { id, process: proc, call, file, args });
    return syscall(this.sim, proc, this.#traced(proc, call, file?.name ?? path, body));
  }

  /** A syscall between its entry and return events; load syscalls are counted. */
  *#traced(proc: Process<unknown>, call: SyscallName, module: string, body: (request: number) => Step<SyscallResult>): Step<SyscallResult> {
    const request = ++this.#requests;
    const isLoad = call !== 'delete_module';
    if (isLoad) this.stats.loadsAttempted++;
    const entry = { process: proc, request, call, module };
    if (this.observers.active) this.observers.syscallEntry({ ...entry, time: this.sim.now });
    const result = yield* body(request);
    if (isLoad) this.stats.countResult(result);
    if (this.observers.active) this.observers.syscallReturn({ ...entry, time: this.sim.now, result });
    return result;
  }

  /** A path with no module file: open() already failed. */
  *#missing(): Step<SyscallResult> {
    yield* this.sim.delay(0, 'open');
    return 'ENOENT';
  }

  *#delete(proc: Process<unknown>, name: string): Step<SyscallResult> {
    yield* this.sim.delay(0, 'deleteModule');
    yield* this.sync.lock();
    yield* this.sync.hold(this.costs.recheckNs, 'recheck');
    const mod = this.modules.find(name);
    const refused = mod === undefined || mod.state === 'UNFORMED' ? 'ENOENT' : mod.holders.size > 0 ? 'EWOULDBLOCK' : mod.state !== 'LIVE' ? 'EBUSY' : undefined;
    if (refused !== undefined || mod === undefined) {
      this.sync.unlock();
      return refused ?? 'ENOENT';
    }
    this.setState(mod, 'GOING', proc);
    this.sync.unlock();
    yield* this.sim.delay(this.costs.unloadNs, 'unload');
    yield* freeModule(this, mod, proc);
    this.stats.modulesUnloaded++;
    this.sync.wakeUpAll();
    return 0;
  }
}
