/**
 * udev's kmod builtin: the rule
 * `ENV{MODALIAS}=="?*", RUN{builtin}+="kmod load $env{MODALIAS}"` run in a
 * worker. kmod resolves the MODALIAS to every matching module and probes
 * each (dependencies first); each finit_module runs in the worker's own
 * process, so a slow load holds the worker, as in reality.
 */
import type { Initstate, SyscallResult } from '../../kernel/index.js';
import type { Process, ProcessBody, Simulation, Waitable } from '../../sim/index.js';
import {
  compressionOfPath,
  insertCall,
  moduleName,
  probe,
  type InsertCall,
  type InsertSetup,
  type KernelPort,
  type ModuleIndex,
  type SyscallResult as KmodResult,
} from '../kmod/index.js';
import { spend, type UdevCosts } from './costs.js';
import { LoadLog } from './load-log.js';
import { DROPPED, loadGate, type LoadGate, type UserspaceStrategy } from './strategies.js';
import type { EventRunner, UEvent } from './udevd.js';

/** What the builtin needs of the kernel: the module syscalls and sysfs (the Kernel class has them). */
export interface ModuleSyscalls {
  finitModule(proc: Process<unknown>, path: string, args?: string): Waitable<SyscallResult>;
  initModule(proc: Process<unknown>, path: string, args?: string): Waitable<SyscallResult>;
  initstate(name: string): Initstate | undefined;
  isBuiltin(name: string): boolean;
}

export interface KmodBuiltinOptions {
  readonly sim: Simulation;
  readonly index: ModuleIndex;
  readonly kernel: ModuleSyscalls;
  readonly costs: Pick<UdevCosts, 'kmodLookupNs' | 'kmodModuleNs'>;
  readonly strategy?: UserspaceStrategy | undefined;
  /** Where requests are counted (default: a log of its own). */
  readonly log?: LoadLog | undefined;
  /** The kernel's decompression support and kmod's version (default: kmod 30, none: every compressed file is decompressed by kmod). */
  readonly insert?: InsertSetup | undefined;
  /** kmod's own decompression of a compressed file before init_module, in ns (default: none). */
  readonly decompressNs?: ((path: string) => number) | undefined;
}

const KMOD_30: InsertSetup = { kernelDecompress: 'none', kmodVersion: 30 };

/** What one module's load in a `kmod load` came to: kmod's probe result, or dropped by the gate. */
export interface KmodLoad {
  readonly module: string;
  readonly result: KmodResult | typeof DROPPED;
}

/** The kmod builtin of one udevd, with the userspace strategy as a gate around each module's load. */
export class KmodBuiltin {
  readonly log: LoadLog;
  readonly gate: LoadGate;
  /** Module inserts by the syscall kmod chose. */
  readonly insertCalls: Record<InsertCall, number> = { finit_module: 0, init_module: 0 };
  readonly #o: KmodBuiltinOptions;

  constructor(options: KmodBuiltinOptions) {
    this.#o = options;
    this.log = options.log ?? new LoadLog();
    this.gate = loadGate(options.sim, options.strategy);
  }

  /** The runner udevd calls per event: `kmod load $env{MODALIAS}` in the worker's process. */
  readonly run: EventRunner = (worker, event) => this.kmodLoad(worker.proc, event);

  /**
   * `kmod load $env{MODALIAS}` for `event`, run by `proc`: nothing unless an
   * add event with a MODALIAS; else each module the MODALIAS resolves to,
   * through the gate, and what each load came to.
   */
  *kmodLoad(proc: Process<unknown>, event: UEvent): ProcessBody<KmodLoad[]> {
    // 80-drivers.rules: ACTION!="add", GOTO="drivers_end"; ENV{MODALIAS}=="?*" ...
    if (event.action !== 'add' || event.modalias === undefined || event.modalias === '') return [];
    const { sim, index, costs } = this.#o;
    yield* spend(sim, costs.kmodLookupNs);
    const names = index.resolve(event.modalias);
    const port = this.#port(proc);
    const loads: KmodLoad[] = [];
    for (const name of names) {
      yield* spend(sim, costs.kmodModuleNs);
      const outcome = yield* this.gate.load(proc, event, name, () => probe(port, index, name));
      loads.push({ module: name, result: outcome === DROPPED ? DROPPED : outcome.result });
    }
    return loads;
  }

  /** `modprobe NAME` run by `proc` outside udev (an admin's retry): no gate, no udev. */
  *modprobe(proc: Process<unknown>, name: string): ProcessBody<void> {
    yield* spend(this.#o.sim, this.#o.costs.kmodModuleNs);
    yield* probe(this.#port(proc), this.#o.index, name);
  }

  /** kmod's view of the kernel from `proc` (see KmodPort). */
  #port(proc: Process<unknown>): KernelPort<Waitable<unknown>> {
    return new KmodPort(this, proc, this.#o);
  }
}

/**
 * kmod's view of the kernel, from `proc`: each finit_module counted. A
 * worker killed during the call dies on its way back (the kernel's sigkill,
 * src/kernel/syscall.ts), so its result is not counted: udev never sees it.
 * A class rather than an object of closures: one is made per `kmod load`.
 */
class KmodPort implements KernelPort<Waitable<unknown>> {
  readonly #builtin: KmodBuiltin;
  readonly #proc: Process<unknown>;
  readonly #o: KmodBuiltinOptions;

  constructor(builtin: KmodBuiltin, proc: Process<unknown>, options: KmodBuiltinOptions) {
    this.#builtin = builtin;
    this.#proc = proc;
    this.#o = options;
  }

  initstate(name: string): Initstate | undefined {
    return this.#o.kernel.initstate(name);
  }

  isBuiltin(name: string): boolean {
    return this.#o.kernel.isBuiltin(name);
  }

  *insertModule(path: string, args: string): Generator<Waitable<unknown>, KmodResult, unknown> {
    const { sim, kernel, decompressNs } = this.#o;
    const { log, insertCalls } = this.#builtin;
    const name = moduleName(path);
    log.request(name, sim.now);
    const call = insertCall(compressionOfPath(path), this.#o.insert ?? KMOD_30);
    insertCalls[call]++;
    let result: SyscallResult;
    if (call === 'init_module') {
      // kmod_file_load_*(): the whole image decompressed in the worker, then init_module(image).
      yield* spend(sim, decompressNs?.(path) ?? 0);
      result = yield* kernel.initModule(this.#proc, path, args);
    } else {
      result = yield* kernel.finitModule(this.#proc, path, args);
    }
    log.result(name, result, sim.now);
    // kmod keeps its own copy of the errno names (a subset of the kernel's); the value passes through as is.
    return result as KmodResult;
  }
}
