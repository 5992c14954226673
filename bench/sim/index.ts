/**
 * `npm run bench -- sim` (or standalone: `npx tsx bench/sim/index.ts`).
 *
 * An M/M/c queue (c = 64, utilisation 0.9, 1,000,000 customers) on this
 * engine and on SimPy 2.3 (Debian's python3-simpy), both run here; events
 * are counted the same way for both, customers × 3 (arrival, service start,
 * departure), and divided by the CPU time of the run (user + system), which
 * on an idle machine equals wall time and on a shared one is steadier; wall
 * time is reported too. The engine is the built one (dist/sim, what the
 * modstorm command runs; the bench builds it first), not the sources through
 * the tsx transpiler. The engine's figure is the median of 5 runs of the
 * million customers; SimPy's is one run (about 8 s long). Then the heap held per live process: 100,000 processes
 * blocked on one wait queue. The engine runs in a child process with
 * `--expose-gc`, so that its figures start from a clean heap and JIT.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MMC, erlangCWait, type MmcResult } from './mmc.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const PYTHON = '/usr/bin/python3';
const MEMORY_PROCESSES = 100_000;
/** SimPy runs on fewer customers when the full run would take longer than this. */
const SIMPY_BUDGET_S = 120;

type SimpyResult = Omit<MmcResult, 'steps'>;

interface EngineResult extends MmcResult {
  /** Timed runs; the figures are the median run's. */
  runs: number;
  /** Slowest and fastest run, events/s. */
  eventsPerSecondRange: [number, number];
}

interface SimBenchResult {
  model: string;
  modstorm: EngineResult;
  simpy: (SimpyResult & { version: string }) | { error: string };
  /** modstorm events/s ÷ SimPy events/s. */
  ratio: number | null;
  bytesPerLiveProcess: number;
  bytesPerLiveProcessFreshClosure: number;
  erlangCMeanWaitNs: number;
  targets: Record<string, boolean>;
}

function runChild(command: string, args: string[], timeoutMs: number): string {
  const r = spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.error?.message}`);
  const lines = r.stdout.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

function engine<T>(...args: string[]): T {
  return JSON.parse(runChild(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'measure.ts'), ...args], 600_000)) as T;
}

function simpyAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import SimPy.Simulation'], { encoding: 'utf8' }).status === 0;
}

/** SimPy 2 must be importable by /usr/bin/python3; install Debian's package when it is not. */
function ensureSimpy(): string | undefined {
  if (simpyAvailable()) return undefined;
  console.log('SimPy 2 (python3-simpy) is missing: installing it with `apt-get install -y python3-simpy`');
  const asRoot = process.getuid?.() === 0;
  const r = spawnSync(asRoot ? 'apt-get' : 'sudo', asRoot ? ['install', '-y', 'python3-simpy'] : ['-n', 'apt-get', 'install', '-y', 'python3-simpy'], {
    stdio: 'inherit',
  });
  if (r.status !== 0 || !simpyAvailable()) return 'python3-simpy is not installed and `apt-get install -y python3-simpy` failed';
  return undefined;
}

function simpyVersion(): string {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'python3-simpy'], { encoding: 'utf8' });
  return r.status === 0 ? `python3-simpy ${r.stdout}` : 'SimPy 2';
}

function simpy(customers: number): SimpyResult {
  const { servers, meanServiceNs, utilisation, seed } = MMC;
  const args = [join(here, 'mmc_simpy.py'), customers, servers, meanServiceNs, utilisation, seed].map(String);
  return JSON.parse(runChild(PYTHON, args, 1_200_000)) as SimpyResult;
}

function runSimpy(): SimBenchResult['simpy'] {
  const missing = ensureSimpy();
  if (missing !== undefined) return { error: missing };
  // A pilot run sizes the real one: the full million if it fits the budget.
  const pilot = simpy(Math.ceil(MMC.customers / 20));
  const estimate = pilot.wallSeconds * 20;
  const customers = estimate <= SIMPY_BUDGET_S ? MMC.customers : Math.floor((pilot.customers * SIMPY_BUDGET_S) / 2 / pilot.wallSeconds);
  if (customers !== MMC.customers) {
    console.log(`SimPy would need ~${Math.round(estimate)} s for ${MMC.customers} customers: running ${customers} instead`);
  }
  return { ...simpy(customers), version: simpyVersion() };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export default async function bench(): Promise<SimBenchResult> {
  // The engine is measured as built (dist/sim, what the modstorm command runs), so build it first.
  runChild('npm', ['run', '--silent', 'build'], 300_000);
  const model = `M/M/c, c=${MMC.servers}, utilisation ${MMC.utilisation}, mean service ${MMC.meanServiceNs} ns, ${fmt(MMC.customers)} customers; events = customers × 3`;
  console.log(model);
  const modstorm = engine<EngineResult>('mmc', String(MMC.customers));
  const [slowest, fastest] = modstorm.eventsPerSecondRange;
  console.log(
    `  modstorm   ${fmt(modstorm.eventsPerSecond).padStart(11)} events/s  (median of ${modstorm.runs} runs, range ${fmt(slowest)}–${fmt(fastest)}; ${modstorm.seconds.toFixed(2)} CPU s, ${modstorm.wallSeconds.toFixed(2)} wall s; engine steps ${fmt(modstorm.steps)})`,
  );
  const sp = runSimpy();
  let ratio: number | null = null;
  if ('error' in sp) console.log(`  SimPy      not run: ${sp.error}`);
  else {
    ratio = modstorm.eventsPerSecond / sp.eventsPerSecond;
    console.log(`  SimPy      ${fmt(sp.eventsPerSecond).padStart(11)} events/s  (${sp.seconds.toFixed(2)} CPU s, ${sp.wallSeconds.toFixed(2)} wall s; ${fmt(sp.customers)} customers; ${sp.version})`);
    console.log(`  ratio      ${ratio.toFixed(1)}×`);
  }
  const erlangCMeanWaitNs = erlangCWait(MMC.servers, MMC.utilisation, MMC.meanServiceNs);
  console.log(
    `  mean wait  modstorm ${fmt(modstorm.meanWaitNs)} ns, SimPy ${'error' in sp ? '-' : fmt(sp.meanWaitNs)} ns, Erlang C ${fmt(erlangCMeanWaitNs)} ns`,
  );
  const memory = engine<{ bytesPerLiveProcess: number; bytesPerLiveProcessFreshClosure: number; gcExposed: boolean }>(
    'memory',
    String(MEMORY_PROCESSES),
  );
  console.log(
    `  memory     ${memory.bytesPerLiveProcess} B per live process (${memory.bytesPerLiveProcessFreshClosure} B with a fresh function* closure per spawn; ${fmt(MEMORY_PROCESSES)} blocked on a wait queue)`,
  );
  const targets = {
    'at least 12x SimPy': ratio !== null && ratio >= 12,
    'at least 3M events/s': modstorm.eventsPerSecond >= 3_000_000,
    'at most 1 KiB per live process': memory.bytesPerLiveProcess <= 1024,
  };
  for (const [name, met] of Object.entries(targets)) console.log(`  target     ${name}: ${met ? 'met' : 'MISSED'}`);
  return {
    model,
    modstorm,
    simpy: sp,
    ratio,
    bytesPerLiveProcess: memory.bytesPerLiveProcess,
    bytesPerLiveProcessFreshClosure: memory.bytesPerLiveProcessFreshClosure,
    erlangCMeanWaitNs,
    targets,
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await bench(), null, 2));
}
