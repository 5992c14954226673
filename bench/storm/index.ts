/**
 * The full coldplug storm's cost in wall time: the headline machine grown
 * to 1,536 and 8,192 CPUs under v5.3, the worst case (every failing
 * duplicate loads again, one after another). Events/s is uevents processed
 * per second of wall time; steps/s the simulator's events.
 */
import Table from 'cli-table3';
import { buildStorm, collect } from '../../src/scenario/run.js';
import { machineDevices } from '../../src/scenario/machine.js';
import { resolveScenario } from '../../src/scenario/scenario.js';

interface StormFigures {
  cpus: number;
  strategy: string;
  wallMs: number;
  events: number;
  eventsPerSecond: number;
  simSteps: number;
  stepsPerSecond: number;
  settleS: number;
  initCalls: number;
  workerTimeouts: number;
  allocationFailures: number;
}

function measure(cpus: number, strategy: string): StormFigures {
  const scenario = resolveScenario({ machine: { cpus }, strategy });
  const start = performance.now();
  const storm = buildStorm(scenario);
  storm.udevd.trigger(machineDevices(scenario.machine));
  storm.sim.run();
  const r = collect(scenario, storm);
  const wallMs = performance.now() - start;
  return {
    cpus,
    strategy,
    wallMs: Math.round(wallMs),
    events: r.events,
    eventsPerSecond: Math.round(r.events / (wallMs / 1000)),
    simSteps: storm.sim.steps,
    stepsPerSecond: Math.round(storm.sim.steps / (wallMs / 1000)),
    settleS: r.settleNs / 1e9,
    initCalls: r.initCalls,
    workerTimeouts: r.workerTimeouts,
    allocationFailures: r.allocationFailures,
  };
}

export default async function bench(): Promise<object> {
  // Warm-up: reads and parses the embedded module tree once, and lets the JIT settle.
  measure(64, 'v5.3');
  const runs = [measure(1536, 'v5.3'), measure(8192, 'v5.3')];
  const table = new Table({
    head: ['CPUs', 'strategy', 'wall', 'uevents', 'uevents/s', 'sim steps/s', 'settle (virtual)', 'inits', 'timeouts', 'alloc fails'],
    style: { head: [], border: [] },
  });
  for (const r of runs) {
    table.push([
      r.cpus,
      r.strategy,
      `${r.wallMs} ms`,
      r.events,
      r.eventsPerSecond,
      r.stepsPerSecond,
      `${r.settleS.toFixed(3)} s`,
      r.initCalls,
      r.workerTimeouts,
      r.allocationFailures,
    ]);
  }
  console.log(table.toString());
  return { node: process.version, runs };
}
