/**
 * The world one checked run happens in, built from the product's own
 * parts: a fresh simulation (ties broken by the explorer), a Kernel with
 * every cost zero (each stage a pure scheduling point, so only the chooser
 * orders steps), and the request processes — raw finit_module calls, or,
 * under a userspace strategy, `add` uevents run through udev's kmod builtin
 * (its gate, kmod's probe, its own kernel adapter) — plus the actors that
 * disturb a run: a delete_module and a signal, each sent at a moment the
 * explorer chooses.
 */
import { Kernel, ZERO_TIME_COSTS, type DedupDecision, type ModuleFile, type SyscallResult } from '../kernel/index.js';
import type { Process, Simulation, WaitQueue } from '../sim/index.js';
import { indexFromTexts, type ModuleIndex } from '../userspace/kmod/index.js';
import { DROPPED, KmodBuiltin, type UEvent } from '../userspace/udev/index.js';
import { moduleNames, requestChain, signalTarget, type CheckConfig } from './config.js';
import type { TableState } from './events.js';
import type { KernelMoments } from './kernel-events.js';

const INIT_FAILURE: SyscallResult = 'ENODEV';
const SYMBOL = 'mod_a_symbol';

/** Where a module's file is, as modules.dep names it. */
function modulePath(name: string): string {
  return `kernel/check/${name}.ko`;
}

/** kmod's indexes for the configuration's modules: B depends on A through A's symbol. */
function checkIndex(config: CheckConfig): ModuleIndex {
  const [a, b] = moduleNames(config.modules) as [string, string | undefined];
  const dep = `${modulePath(a)}:\n${b === undefined ? '' : `${modulePath(b)}: ${modulePath(a)}\n`}`;
  return indexFromTexts(
    {
      'modules.dep': dep,
      'modules.alias': moduleNames(config.modules).map((n) => `alias check:${n} ${n}\n`).join(''),
      'modules.symbols': `alias symbol:${SYMBOL} ${a}\n`,
      'modules.softdep': '',
      'modules.builtin': '',
    },
    '/lib/modules/check',
  );
}

/** The module files of a configuration. */
function moduleFiles(config: CheckConfig): ModuleFile[] {
  const names = moduleNames(config.modules);
  return names.map((name, i) => {
    const requestsOwnLoad = config.selfLoad && i === 0;
    const init =
      config.init === 'failThenSuccess'
        ? { result: INIT_FAILURE, results: [INIT_FAILURE, 0 as const], ns: 0, requestsOwnLoad }
        : { result: config.init === 'success' ? (0 as const) : INIT_FAILURE, ns: 0, requestsOwnLoad };
    return {
      path: modulePath(name),
      name,
      size: 4096,
      inode: 1000 + i,
      compressed: false,
      exports: i === 0 ? [SYMBOL] : [],
      imports: i === 0 ? [] : [SYMBOL],
      init,
    };
  });
}

/** What a uevent request tells the run, for events, trace and results. */
export interface UeventReports {
  /** The request's uevent reached udev's kmod builtin, which will load `module`. */
  arrived(request: Process<unknown>, devpath: string, module: string): void;
  /** kmod's load of `module` came to `result` (or the gate dropped it). */
  loaded(request: Process<unknown>, module: string, result: SyscallResult | typeof DROPPED): void;
}

export interface CheckWorld {
  readonly sim: Simulation;
  readonly kernel: Kernel;
  /** A's name and, with two modules, B's. */
  readonly names: readonly string[];
  /** The moments the disturbances react to: attach them to the kernel's events. */
  readonly moments: KernelMoments;
}

/**
 * Builds the world of `config` in `sim` and spawns its requests; nothing
 * has run yet. `onSignal` is told when the signaller is about to interrupt
 * its target.
 */
export function buildWorld(sim: Simulation, config: CheckConfig, reports: UeventReports, onSignal: (target: Process<unknown>) => void): CheckWorld {
  const names = moduleNames(config.modules);
  /** Woken at every load's return and every dedup decision of the signal's target: the signaller waits on it. */
  const checkerWq = sim.waitQueue('checker');
  const kernel = new Kernel(sim, {
    policy: config.strategy,
    files: moduleFiles(config),
    // Zero-cost stages are bare scheduling points and never take a CPU; the kernel still wants a pool.
    cpus: sim.cpus(16),
    costs: ZERO_TIME_COSTS,
  });
  const builtin =
    config.userspace === undefined
      ? undefined
      : new KmodBuiltin({
          sim,
          index: checkIndex(config),
          kernel,
          costs: { kmodLookupNs: 0, kmodModuleNs: 0 },
          strategy: config.userspace,
        });

  const requests: Process<unknown>[] = [];
  for (let i = 0; i < config.requests; i++) {
    const chain = requestChain(config, i);
    requests.push(
      sim.spawn(`req${i}`, function* (self) {
        if (builtin !== undefined) {
          // The `add` uevent of CPU i, whose kmod load asks for the last module of its chain.
          const target = chain[chain.length - 1] as string;
          const event: UEvent = {
            devpath: `/devices/system/cpu/cpu${i}`,
            subsystem: 'cpu',
            modalias: `check:${target}`,
            seqnum: i + 1,
            action: 'add',
            trigger: 1,
            queuedAt: 0,
          };
          reports.arrived(self, event.devpath, target);
          const [load] = yield* builtin.kmodLoad(self, event);
          const result = load === undefined ? DROPPED : (load.result as SyscallResult | typeof DROPPED);
          reports.loaded(self, target, result);
          return result;
        }
        // insmod of each module in modules.dep order: kmod's LIVE skip left out, so the kernel sees every request.
        for (const name of chain) {
          const r = yield* kernel.finitModule(self, modulePath(name));
          if (r !== 0 && r !== 'EEXIST') return r;
        }
        return 0;
      }),
    );
  }
  return { sim, kernel, names, moments: disturbances(sim, kernel, config, names, requests, checkerWq, onSignal) };
}

/**
 * The delete and the signal, sent only when they can change something,
 * which loses no behaviour and saves interleavings: delete_module of a
 * module that is not LIVE fails and changes nothing, so the deleter is
 * started when A first goes LIVE (and may still act at any later moment, or
 * after everything ended); a signal outside an interruptible wait is either
 * pending until the next one (as if sent when that began) or delivered at
 * the return to user space, so the signaller acts while its target waits
 * at a dedup point (or gives up once the target ended).
 */
function disturbances(
  sim: Simulation,
  kernel: Kernel,
  config: CheckConfig,
  names: readonly string[],
  requests: readonly Process<unknown>[],
  checkerWq: WaitQueue,
  onSignal: (target: Process<unknown>) => void,
): KernelMoments {
  const a = names[0] as string;
  let deleterDue = config.deleteModule;
  const target = config.signal ? (requests[signalTarget(config)] as Process<unknown>) : undefined;
  let signallerDue = config.signal;
  /** The signal target is waiting at a dedup point (between its 'wait' decision and its next one). */
  let targetWaiting = false;
  return {
    loadReturned(process) {
      if (process === target) targetWaiting = false;
      checkerWq.wakeUpAll();
    },
    dedupDecided(process, decision: DedupDecision) {
      if (process !== target) return;
      targetWaiting = decision === 'wait';
      if (targetWaiting && signallerDue) {
        signallerDue = false;
        sim.spawn('signaller', function* () {
          yield* checkerWq.waitEvent(() => targetWaiting || target.state === 'done');
          if (!targetWaiting) return;
          onSignal(target);
          target.interrupt('SIGINT');
        });
      }
      checkerWq.wakeUpAll();
    },
    stateChanged(module, to: TableState | 'gone') {
      if (to !== 'live' || module !== a || !deleterDue) return;
      deleterDue = false;
      sim.spawn('deleter', function* (self) {
        return yield* kernel.deleteModule(self, a);
      });
    },
  };
}
