/**
 * udev's kmod builtin: the rule
 * `ENV{MODALIAS}=="?*", RUN{builtin}+="kmod load $env{MODALIAS}"` run in a
 * worker. kmod resolves the MODALIAS to every matching module and probes
 * each (dependencies first); each finit_module runs in the worker's own
 * process, so a slow load holds the worker, as in reality.
 */
import type { Initstate, SyscallResult } from '../../kernel/index.js';
import type { Process, ProcessBody, Simulation, Waitable } from '../../sim/index.js';
import { moduleName, probe, type KernelPort, type ModuleIndex, type SyscallResult as KmodResult } from '../kmod/index.js';
import { spend, type UdevCosts } from './costs.js';
import { LoadLog } from './load-log.js';
import { loadGate, type LoadGate, type UserspaceStrategy } from './strategies.js';
import type { EventRunner, UEvent, Worker } from './udevd.js';

/** What the builtin needs of the kernel: the module syscalls and sysfs (the Kernel class has them). */
export interface ModuleSyscalls {
  finitModule(proc: Process<unknown>, path: string, args?: string): Waitable<SyscallResult>;
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
}

/** The kmod builtin of one udevd, with the userspace strategy as a gate around each module's load. */
export class KmodBuiltin {
  readonly log: LoadLog;
  readonly gate: LoadGate;
  readonly #o: KmodBuiltinOptions;

  constructor(options: KmodBuiltinOptions) {
    this.#o = options;
    this.log = options.log ?? new LoadLog();
    this.gate = loadGate(options.sim, options.strategy);
  }

  /** The runner udevd calls per event: `kmod load $env{MODALIAS}` for add events with a MODALIAS. */
  readonly run: EventRunner = (worker, event) => this.#load(worker, event);

  *#load(worker: Worker, event: UEvent): ProcessBody<void> {
    // 80-drivers.rules: ACTION!="add", GOTO="drivers_end"; ENV{MODALIAS}=="?*" ...
    if (event.action !== 'add' || event.modalias === undefined || event.modalias === '') return;
    const { sim, index, costs } = this.#o;
    yield* spend(sim, costs.kmodLookupNs);
    const names = index.resolve(event.modalias);
    const port = this.#port(worker.proc, worker);
    for (const name of names) {
      yield* spend(sim, costs.kmodModuleNs);
      yield* this.gate.load(worker, event, name, () => probe(port, index, name));
    }
  }

  /** `modprobe NAME` run by `proc` outside udev (an admin's retry): no gate, no udev. */
  *modprobe(proc: Process<unknown>, name: string): ProcessBody<void> {
    yield* spend(this.#o.sim, this.#o.costs.kmodModuleNs);
    yield* probe(this.#port(proc, undefined), this.#o.index, name);
  }

  /** kmod's view of the kernel, from `proc`: each finit_module counted, and a killed worker stopped on return. */
  #port(proc: Process<unknown>, worker: Worker | undefined): KernelPort<Waitable<unknown>> {
    const { sim, kernel } = this.#o;
    const log = this.log;
    return {
      initstate: (name) => kernel.initstate(name),
      isBuiltin: (name) => kernel.isBuiltin(name),
      *finitModule(path: string, args: string): Generator<Waitable<unknown>, KmodResult, unknown> {
        const name = moduleName(path);
        log.request(name, sim.now);
        if (worker !== undefined) worker.inKernel = true;
        let result: SyscallResult;
        try {
          result = yield* kernel.finitModule(proc, path, args);
        } finally {
          if (worker !== undefined) worker.inKernel = false;
        }
        log.result(name, result, sim.now);
        // SIGKILL arrived during the call: the process dies on its way back to userspace.
        worker?.checkKilled();
        // kmod keeps its own copy of the errno names (a subset of the kernel's); the value passes through as is.
        return result as KmodResult;
      },
    };
  }
}
