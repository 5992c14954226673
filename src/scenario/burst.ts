/**
 * A burst: N processes released at the same instant, each calling
 * finit_module on the same module file, on a machine of C CPUs — a
 * duplicate-load stress test of the module loader, as a pure function; an
 * experiment runner with the CLI's defaults, so it lives beside the storm. Each process still reads and verifies the file on a CPU, so with
 * fewer CPUs than requests they queue and reach the dedup point in batches.
 * Optionally one more request after the burst has settled (a user's retry),
 * reported on its own.
 */
import {
  Kernel,
  sortedTally,
  type CostProfile,
  type DetectionPoint,
  type ModuleFile,
  type StrategyId,
  type SyscallResult,
  type WastedBytes,
} from '../kernel/index.js';
import { NS_PER_MS, Simulation, type Ns } from '../sim/index.js';
import { BURST_PROFILE, shippedProfile } from './profile.js';

export interface BurstOptions {
  readonly strategy: StrategyId;
  /** Concurrent finit_module calls. */
  readonly requests: number;
  readonly cpus: number;
  /** What the module's init returns: 0, or an errno. */
  readonly init: SyscallResult;
  /** How long init runs (default 20 ms). */
  readonly initNs?: Ns;
  /** File size in bytes (default 33,233: Debian 6.1's pcc-cpufreq.ko). */
  readonly size?: number;
  /** Module name (default pcc_cpufreq). */
  readonly name?: string;
  readonly compressed?: boolean;
  /** Issue one more request once the burst has settled. */
  readonly thenRetry?: boolean;
  /** The kernel's costs (default: the qemu-8vcpu profile's, the machine of the real 6.1 burst table). */
  readonly costs?: CostProfile;
  readonly seed?: number;
}

export interface BurstResult {
  readonly strategy: StrategyId;
  readonly requests: number;
  readonly cpus: number;
  readonly module: { readonly name: string; readonly size: number; readonly init: string; readonly initNs: Ns };
  /** How many calls returned each result: '0' for success, errno names otherwise. */
  readonly results: Record<string, number>;
  /** Calls that never returned (a hang). */
  readonly hung: number;
  /** init() calls during the burst: the loads the `module:module_load` trace event counts ("formed"). */
  readonly initCalls: number;
  /** Loads that got past layout_and_allocate() (those a step-5 check rejected included). */
  readonly fullLoads: number;
  /** From the release to the last return. */
  readonly lastReturnNs: Ns;
  readonly wasted: WastedBytes;
  readonly peakModuleBytes: number;
  readonly allocationFailures: number;
  readonly duplicates: Record<DetectionPoint, number>;
  readonly retry?: { readonly result: SyscallResult | 'hung'; readonly initCalls: number; readonly returnNs: Ns };
}

export const BURST_DEFAULTS = Object.freeze({ initNs: 20 * NS_PER_MS, size: 33233, name: 'pcc_cpufreq' });

export function runBurst(options: BurstOptions): BurstResult {
  const name = options.name ?? BURST_DEFAULTS.name;
  const size = options.size ?? BURST_DEFAULTS.size;
  const initNs = options.initNs ?? BURST_DEFAULTS.initNs;
  const file: ModuleFile = {
    path: `/lib/modules/kernel/${name}.ko`,
    name,
    size,
    inode: 1,
    compressed: options.compressed ?? false,
    exports: [],
    imports: [],
    init: { result: options.init, ns: initNs },
  };
  const sim = new Simulation({ seed: options.seed ?? 0 });
  const kernel = new Kernel(sim, {
    policy: options.strategy,
    files: [file],
    cpus: sim.cpus(options.cpus),
    costs: options.costs ?? shippedProfile(BURST_PROFILE).kernel,
  });
  let initCalls = 0;
  kernel.observe({ init: (e) => void (e.result === undefined && initCalls++) });

  const results = new Map<string, number>();
  let lastReturnNs = 0;
  let returned = 0;
  for (let i = 0; i < options.requests; i++) {
    sim.spawn(`insmod#${i + 1}`, function* (self) {
      const result = yield* kernel.finitModule(self, file.path);
      results.set(String(result), (results.get(String(result)) ?? 0) + 1);
      lastReturnNs = sim.now;
      returned++;
    });
  }
  sim.run();
  const burstInits = initCalls;
  const stats = kernel.stats.snapshot();

  let retry: BurstResult['retry'];
  if (options.thenRetry === true) {
    const issuedAt = sim.now;
    const proc = sim.spawn('insmod#retry', (self) => kernel.finitModule(self, file.path)[Symbol.iterator]());
    sim.run();
    retry = {
      result: proc.state === 'done' ? (proc.result as SyscallResult) : 'hung',
      initCalls: initCalls - burstInits,
      returnNs: sim.now - issuedAt,
    };
  }

  return {
    strategy: options.strategy,
    requests: options.requests,
    cpus: options.cpus,
    module: { name, size, init: String(options.init), initNs },
    results: sortedTally(Object.fromEntries(results)),
    hung: options.requests - returned,
    initCalls: burstInits,
    fullLoads: stats.fullLoads,
    lastReturnNs,
    wasted: stats.wasted,
    peakModuleBytes: stats.peakModuleAreaBytes,
    allocationFailures: stats.allocationFailures,
    duplicates: stats.duplicates,
    ...(retry === undefined ? {} : { retry }),
  };
}
