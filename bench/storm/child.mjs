// One storm in a process of its own, so that its peak RSS is its own: `node bench/storm/child.mjs CPUS STRATEGY`.
// Runs the built code (dist/, `npm run build` first) and prints one line of JSON.
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { machineDevices } from '../../dist/scenario/machine.js';
import { buildStorm, collect } from '../../dist/scenario/run.js';
import { resolveScenario } from '../../dist/scenario/scenario.js';

const [cpus, strategy] = [Number(process.argv[2]), process.argv[3]];
const scenario = resolveScenario({ machine: { cpus, memoryGiB: 4096 }, strategy });
const start = performance.now();
const storm = buildStorm(scenario);
storm.udevd.trigger(machineDevices(scenario.machine), 'add');
storm.sim.run();
const r = collect(scenario, storm);
const wallMs = performance.now() - start;
const { acquisitions, rechecks, wakeUps } = storm.kernel.sync;
process.stdout.write(
  `${JSON.stringify({
    cpus,
    strategy,
    node: process.version,
    wallMs: Math.round(wallMs),
    simSteps: storm.sim.steps,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    events: r.events,
    settleS: r.settleNs / 1e9,
    initCalls: r.initCalls,
    acquisitions,
    rechecks,
    wakeUps,
  })}\n`,
);
