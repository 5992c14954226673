/**
 * Record the storm's results under every strategy, so that
 * test/scenario/golden.test.ts can hold every later change of the
 * simulator's internals (a faster wake-up, a cheaper queue) to the same
 * output, byte for byte. Run by hand, never at test time, and only with a
 * build whose semantics are the reference (main's, before an optimisation):
 *
 *   npx tsx scripts/golden-storms.ts [DIST]     # DIST: a built dist/ (default: this repo's)
 *
 * For each strategy at 288 and 1,536 CPUs it writes
 * test/fixtures/golden/storm/CPUS-STRATEGY.json: the JSON `modstorm run
 * --cpus CPUS --memory-gib 4096 --strategy STRATEGY --json` prints (the
 * storm is wired as the test wires it; at 288 CPUs the script checks that
 * this is the CLI's output), and
 * test/fixtures/golden/storm/counters.json: module_mutex's acquisitions and
 * re-checks and module_wq's wake-ups of each run (counted by the kernel,
 * not in the JSON).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(process.argv[2] ?? join(ROOT, 'dist'));
const out = join(ROOT, 'test/fixtures/golden/storm');

interface RunModule {
  runCommand(flags: object, out: (text: string) => void, warn: (line: string) => void): Promise<unknown>;
}
interface Storm {
  sim: { run(): void };
  udevd: { trigger(devices: unknown, action: string): void };
  kernel: { sync: { acquisitions: number; rechecks: number; wakeUps: number } };
}
interface Scenario {
  machine: unknown;
}

const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(dist, path)).href)) as T;
const { runCommand } = await load<RunModule>('cli/commands/run.js');
const { buildStorm, collect } = await load<{ buildStorm(s: Scenario): Storm; collect(s: Scenario, storm: Storm): unknown }>('scenario/run.js');
const { resolveScenario } = await load<{ resolveScenario(input: unknown): Scenario }>('scenario/scenario.js');
const { machineDevices } = await load<{ machineDevices(machine: unknown): unknown }>('scenario/machine.js');
const { strategyIds } = await load<{ strategyIds(): string[] }>('scenario/strategy.js');
const { machineLine } = await load<{ machineLine(s: Scenario): string }>('report/document.js');
const { RENDERERS } = await load<{ RENDERERS: { json: { runs(d: object): string | Promise<string> } } }>('report/formats.js');

const MEMORY_GIB = 4096;

mkdirSync(out, { recursive: true });
const counters: Record<string, { acquisitions: number; rechecks: number; wakeUps: number }> = {};
for (const cpus of [288, 1536]) {
  for (const strategy of strategyIds()) {
    const started = performance.now();
    // One run, as the test runs it: the storm wired by hand, so that the kernel's counters can be read.
    const scenario = resolveScenario({ machine: { cpus, memoryGiB: MEMORY_GIB }, strategy });
    const storm = buildStorm(scenario);
    storm.udevd.trigger(machineDevices(scenario.machine), 'add');
    storm.sim.run();
    const result = collect(scenario, storm);
    const text = await RENDERERS.json.runs({ kind: 'runs', command: 'run', machine: machineLine(scenario), results: [result] });
    if (cpus === 288) {
      // That path prints what the CLI prints (checked where it is cheap).
      let cli = '';
      await runCommand({ cpus: String(cpus), memoryGib: String(MEMORY_GIB), strategy, json: true }, (t) => (cli += t), () => {});
      if (cli !== text) throw new Error(`${cpus} ${strategy}: the hand-wired run differs from 'modstorm run --json'`);
    }
    writeFileSync(join(out, `${cpus}-${strategy}.json`), text);
    const { acquisitions, rechecks, wakeUps } = storm.kernel.sync;
    counters[`${cpus}-${strategy}`] = { acquisitions, rechecks, wakeUps };
    console.log(`${cpus} ${strategy}: ${Math.round(performance.now() - started)} ms`, counters[`${cpus}-${strategy}`]);
  }
}
writeFileSync(join(out, 'counters.json'), `${JSON.stringify(counters, null, 2)}\n`);
console.log(`wrote ${out}`);
