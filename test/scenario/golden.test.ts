/**
 * The storm's output under every strategy at 288 and 1,536 CPUs, byte for
 * byte as `modstorm run --cpus N --memory-gib 4096 --strategy S --json`
 * printed it when it was recorded, and module_mutex's and module_wq's
 * counters with it: a change to how the simulator runs (a cheaper wake-up,
 * a faster queue) must not change what it computes.
 *
 * The files come from scripts/golden-storms.ts, run on a build whose
 * semantics are the reference. A change that means to alter the model's
 * results re-records them with that script on the changed code (and says so
 * in its commit); an optimisation never re-records them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineLine } from '../../src/report/document.js';
import { RENDERERS } from '../../src/report/formats.js';
import { machineDevices } from '../../src/scenario/machine.js';
import { buildStorm, collect } from '../../src/scenario/run.js';
import { resolveScenario } from '../../src/scenario/scenario.js';
import { strategyIds } from '../../src/scenario/strategy.js';

const DIR = join(import.meta.dirname, '../fixtures/golden/storm');
const MEMORY_GIB = 4096;

interface Counters {
  acquisitions: number;
  rechecks: number;
  wakeUps: number;
}
const counters = JSON.parse(readFileSync(join(DIR, 'counters.json'), 'utf8')) as Record<string, Counters>;

/** The JSON `modstorm run --json` prints for this run, and the kernel's module_mutex counters. */
async function run(cpus: number, strategy: string): Promise<{ json: string; counters: Counters }> {
  const scenario = resolveScenario({ machine: { cpus, memoryGiB: MEMORY_GIB }, strategy });
  const storm = buildStorm(scenario);
  storm.udevd.trigger(machineDevices(scenario.machine), 'add');
  storm.sim.run();
  const result = collect(scenario, storm);
  const json = await RENDERERS.json.runs({ kind: 'runs', command: 'run', machine: machineLine(scenario), results: [result] });
  const { acquisitions, rechecks, wakeUps } = storm.kernel.sync;
  return { json, counters: { acquisitions, rechecks, wakeUps } };
}

describe('the storm, byte for byte as recorded', () => {
  for (const cpus of [288, 1536]) {
    for (const strategy of strategyIds()) {
      it(`${cpus} CPUs, ${strategy}`, { timeout: 600_000 }, async () => {
        const got = await run(cpus, strategy);
        // toBe on the text: a failure shows the first differing line, and nothing short of identity passes.
        expect(got.json).toBe(readFileSync(join(DIR, `${cpus}-${strategy}.json`), 'utf8'));
        expect(got.counters).toEqual(counters[`${cpus}-${strategy}`]);
      });
    }
  }
});
