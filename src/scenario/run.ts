/**
 * The storm runner: one scenario, wired end to end — the machine's CPUs,
 * the kernel under the scenario's policy, kmod over the module tree, udevd
 * with the kmod builtin (and the userspace strategy, if any) — then
 * `udevadm trigger --action=add` over every device, run until nothing is
 * left to do. The result is a plain object (result.ts).
 */
import { imageBytesOf, Kernel, sortedTally, stageNs } from '../kernel/index.js';
import { Simulation, fifoChooser, randomChooser, type Ns, type ProcessBody } from '../sim/index.js';
import { KmodBuiltin, Udevd } from '../userspace/udev/index.js';
import { machineDevices, memoryBytes } from './machine.js';
import { problemError, type Problem } from './problems.js';
import type { ModuleRunResult, RunResult } from './result.js';
import type { Scenario } from './scenario.js';
import { recordTimeline } from './timeline.js';
import { loadModuleTree, moduleFiles, type ModuleTree } from './tree.js';

export interface StormProgress {
  /** Virtual time reached. */
  readonly nowNs: Ns;
  readonly eventsProcessed: number;
  readonly eventsQueued: number;
}

export interface RunScenarioOptions {
  /** Called every `progressEverySteps` simulation steps while the storm runs, and once at the end. */
  readonly onProgress?: ((progress: StormProgress) => void) | undefined;
  /** Default 100,000: a few times a second of wall time. */
  readonly progressEverySteps?: number | undefined;
  /** Record every load's span and memory over time into `RunResult.timeline` (for the HTML report). */
  readonly timeline?: boolean | undefined;
}

/** The wired-up pieces of one run, for callers that drive or inspect it themselves (tests, reports). */
export interface Storm {
  readonly sim: Simulation;
  readonly kernel: Kernel;
  readonly udevd: Udevd;
  readonly kmod: KmodBuiltin;
  /** Per module: init() calls counted from the kernel's observer. */
  readonly initCalls: Map<string, number>;
  readonly tree: ModuleTree;
  /** The scenario's and the module tree's warnings. */
  readonly warnings: readonly string[];
}

/** Builds the machine, kernel, kmod and udevd of `scenario`, without sending any event. */
export function buildStorm(scenario: Scenario): Storm {
  const tree = loadModuleTree(scenario.modules.dir, scenario.modules.defaultSizeBytes);
  refuseUnknownInits(scenario, tree);
  const sim = new Simulation({ seed: scenario.seed, chooser: scenario.ties === 'random' ? randomChooser(scenario.seed) : fifoChooser });
  const cpus = sim.cpus(scenario.machine.cpus, 'cpu');
  const kernel: Kernel = new Kernel(sim, {
    policy: scenario.strategy.kernel,
    files: moduleFiles(tree, scenario.machine, scenario.profile.init, scenario.modules.init),
    builtin: tree.builtin,
    cpus,
    costs: scenario.costs,
    // request_module()'s usermode helper is kmod's modprobe, so its requests are logged like udev's.
    modprobe: (proc, name): ProcessBody<void> => kmod.modprobe(proc, name),
    // Every sleeper of a storm has a CPU of its own: who re-checks first after a wake-up is a race.
    herdRace: true,
  });
  const initCalls = new Map<string, number>();
  kernel.observe({
    init(e) {
      if (e.result === undefined) initCalls.set(e.module, (initCalls.get(e.module) ?? 0) + 1);
    },
  });
  const udevCosts = scenario.udev.costs;
  const kmod: KmodBuiltin = new KmodBuiltin({
    sim,
    index: tree.index,
    kernel,
    costs: udevCosts,
    strategy: scenario.strategy.userspace,
    insert: { kernelDecompress: scenario.modules.kernelDecompress, kmodVersion: scenario.udev.kmodVersion },
    // kmod's decompression runs the same algorithm on the same CPU as the kernel's would: the kernel's cost per output byte.
    decompressNs: (path) => {
      const file = kernel.file(path);
      return file === undefined ? 0 : stageNs(scenario.costs.decompress, imageBytesOf(scenario.costs, file));
    },
  });
  const udevd = new Udevd(sim, {
    childrenMax: scenario.udev.childrenMax,
    costs: udevCosts,
    eventTimeoutNs: scenario.udev.eventTimeoutNs,
    killDelayNs: scenario.udev.killDelayNs,
    run: kmod.run,
  });
  return { sim, kernel, udevd, kmod, initCalls, tree, warnings: [...scenario.warnings, ...tree.warnings] };
}

/** An init override for a module the tree does not have would change nothing: a typo, refused (modprobe: "Module x not found"). */
function refuseUnknownInits(scenario: Scenario, tree: ModuleTree): void {
  const loadable = new Set(tree.modules.map((m) => m.name));
  const builtin = new Set(tree.builtin);
  const problems: Problem[] = [];
  for (const name of Object.keys(scenario.modules.init)) {
    if (loadable.has(name)) continue;
    const why = builtin.has(name) ? 'is built into the kernel: it has no init to override' : `is not in the module tree (${tree.dir})`;
    problems.push({ path: ['modules', 'init', name], message: `module ${name} ${why}` });
  }
  if (problems.length > 0) throw problemError(problems, scenario.origin);
}

/** Runs the coldplug storm of `scenario` to the end. Same scenario and seed → the same result. */
export function runScenario(scenario: Scenario, options: RunScenarioOptions = {}): RunResult {
  const storm = buildStorm(scenario);
  const { sim, udevd } = storm;
  const timeline = options.timeline === true ? recordTimeline(storm.kernel) : undefined;
  udevd.trigger(machineDevices(scenario.machine), 'add');
  const report = options.onProgress;
  if (report === undefined) {
    sim.run();
  } else {
    // Chunks of steps, not of virtual time: `run({ until })` would move the clock past the last event.
    const every = options.progressEverySteps ?? 100_000;
    while (sim.pending > 0) {
      sim.run({ maxSteps: every });
      report({ nowNs: sim.now, eventsProcessed: udevd.stats.eventsProcessed, eventsQueued: udevd.stats.eventsQueued });
    }
  }
  const result = collect(scenario, storm);
  refuseImpossibleMemory(scenario, result);
  return timeline === undefined ? result : { ...result, timeline };
}

/**
 * The model does not simulate running out of memory (vmalloc failing with
 * ENOMEM); a machine whose RAM cannot hold the modules it loads at once
 * would give figures no real machine shows.
 */
function refuseImpossibleMemory(scenario: Scenario, result: RunResult): void {
  const ram = memoryBytes(scenario.machine);
  if (result.peakModuleBytes <= ram) return;
  const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;
  throw problemError(
    [
      {
        path: ['machine', 'memoryGiB'],
        message:
          `${scenario.machine.memoryGiB} GiB (${mib(ram)}) cannot hold the ${mib(result.peakModuleBytes)} of modules this storm has loaded at once; ` +
          `the model does not simulate running out of memory: give at least ${Math.ceil((result.peakModuleBytes / 2 ** 30) * 1000) / 1000} GiB`,
      },
    ],
    scenario.origin,
  );
}

/** The run's figures, from the kernel's counters, kmod's request log and udevd's. */
export function collect(scenario: Scenario, storm: Storm): RunResult {
  const { sim, kernel, udevd, kmod, initCalls, tree } = storm;
  const stats = kernel.stats.snapshot();
  const modules: Record<string, ModuleRunResult> = {};
  const names = new Set([...kmod.log.names(), ...initCalls.keys()]);
  const totals = { requests: 0, initCalls: 0, results: {} as Record<string, number> };
  for (const name of [...names].sort()) {
    const log = kmod.log.get(name);
    const inits = initCalls.get(name) ?? 0;
    const results = sortedTally(log?.results ?? {});
    modules[name] = {
      requests: log?.requests ?? 0,
      firstToLastNs: log === undefined ? 0 : log.lastNs - log.firstNs,
      firstToLastInsertedNs: log === undefined ? 0 : log.lastInsertedNs - log.firstInsertedNs,
      insertedReturns: log?.insertedReturns ?? 0,
      initCalls: inits,
      // As kernel/module/stats.c counts them: loads past layout_and_allocate(), whether or not init then ran.
      fullLoads: kernel.stats.fullLoadsByName.get(name) ?? 0,
      results,
    };
    totals.requests += log?.requests ?? 0;
    totals.initCalls += inits;
    for (const [k, v] of Object.entries(results)) totals.results[k] = (totals.results[k] ?? 0) + v;
  }
  const u = udevd.stats;
  return {
    scenario: scenario.name ?? null,
    strategy: scenario.strategy.label,
    kernel: scenario.strategy.kernel,
    userspace: scenario.strategy.userspace ?? null,
    cpus: scenario.machine.cpus,
    memoryGiB: scenario.machine.memoryGiB,
    seed: scenario.seed,
    profile: scenario.profile.name,
    settleNs: udevd.settledAt ?? sim.now,
    endNs: sim.now,
    events: u.eventsProcessed,
    eventsFailed: u.eventsFailed,
    childrenMax: udevd.childrenMax,
    workersForked: u.workersForked,
    peakWorkers: u.peakWorkers,
    workerWarnings: u.workerWarnings,
    workerTimeouts: u.workerTimeouts,
    workerKills: u.workerKills,
    droppedRequests: kmod.gate.dropped,
    requests: totals.requests,
    initCalls: totals.initCalls,
    fullLoads: stats.fullLoads,
    results: sortedTally(totals.results),
    wasted: stats.wasted,
    peakModuleBytes: stats.peakModuleAreaBytes,
    allocationFailures: stats.allocationFailures,
    moduleSizes: { ...tree.sizes },
    insertCalls: { ...kmod.insertCalls },
    modules,
    ties: scenario.ties,
    warnings: [...new Set(storm.warnings)],
  };
}
