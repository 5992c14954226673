/**
 * One engine measurement in a process of its own (spawned by index.ts), so
 * that it inherits no JIT state or garbage. Prints one JSON line.
 *
 * Usage: node --expose-gc --import tsx bench/sim/measure.ts mmc CUSTOMERS
 *        node --expose-gc --import tsx bench/sim/measure.ts memory PROCESSES
 */
import type { Simulation as SrcSimulation, WaitQueue } from '../../src/sim/index.js';
import { MMC, runMmc, type Clocks, type MmcResult } from './mmc.js';

// The built engine (dist/, what the modstorm command runs; index.ts builds it first): through tsx, every
// cross-module constant the engine reads is a getter call, which is the transpiler's cost, not the engine's.
const built = new URL('../../dist/sim/index.js', import.meta.url).href;
const { Simulation } = (await import(built)) as { Simulation: typeof SrcSimulation };
type Simulation = SrcSimulation;

const [what, countArg] = process.argv.slice(2);
const count = Number(countArg);
const gc = (globalThis as { gc?: () => void }).gc;

const clocks: Clocks = {
  wall: () => performance.now(),
  cpu: () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  },
};

/** Timed runs of the whole queue; the median is reported (a 1 s run is at the mercy of one GC or one busy neighbour). */
const MMC_RUNS = 5;

if (what === 'mmc') {
  // Warm the JIT on a tenth of the run, then time whole ones.
  runMmc({ ...MMC, customers: Math.ceil(count / 10) }, undefined, Simulation);
  const runs: MmcResult[] = [];
  for (let i = 0; i < MMC_RUNS; i++) {
    gc?.();
    runs.push(runMmc({ ...MMC, customers: count }, clocks, Simulation));
  }
  runs.sort((a, b) => a.eventsPerSecond - b.eventsPerSecond);
  const median = runs[MMC_RUNS >> 1] as MmcResult;
  console.log(JSON.stringify({ ...median, runs: MMC_RUNS, eventsPerSecondRange: [runs[0]?.eventsPerSecond, runs[MMC_RUNS - 1]?.eventsPerSecond] }));
} else if (what === 'memory') {
  console.log(JSON.stringify(measureMemory(count)));
} else {
  console.error(`measure: unknown measurement ${what}`);
  process.exit(2);
}

interface MemoryResult {
  processes: number;
  /** One generator function for all processes: the engine's own cost (process, event, generator, wait). */
  bytesPerLiveProcess: number;
  /** A fresh `function*` closure per spawn, as in `sim.spawn(name, function* () {...})` in a loop. */
  bytesPerLiveProcessFreshClosure: number;
  gcExposed: boolean;
}

/** Heap per live process: `count` processes blocked on one wait queue. */
function measureMemory(processes: number): MemoryResult {
  const shared = heapPerProcess(processes, (sim, wq, go) => {
    function* sleeper() {
      yield* wq.waitEvent(go);
    }
    for (let i = 0; i < processes; i++) sim.spawn('sleeper', sleeper);
  });
  const fresh = heapPerProcess(processes, (sim, wq, go) => {
    for (let i = 0; i < processes; i++) {
      sim.spawn('sleeper', function* () {
        yield* wq.waitEvent(go);
      });
    }
  });
  return { processes, bytesPerLiveProcess: shared, bytesPerLiveProcessFreshClosure: fresh, gcExposed: gc !== undefined };
}

function heapPerProcess(processes: number, spawnAll: (sim: Simulation, wq: WaitQueue, go: () => boolean) => void): number {
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const sim = new Simulation();
  const wq = sim.waitQueue('moduleWq');
  let go = false;
  spawnAll(sim, wq, () => go);
  sim.run();
  gc?.();
  const after = process.memoryUsage().heapUsed;
  if (sim.blocked().length !== processes) throw new Error('measure: not every process is blocked');
  // Let them finish, so nothing is left for the next measurement.
  go = true;
  wq.wakeUpAll();
  sim.run();
  return Math.round((after - before) / processes);
}
