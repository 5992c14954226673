/** Small builders for kernel tests: module files, a machine, requests that record what they got. */
import { Kernel, type CostOverrides, type ModuleFile, type StrategyId, type SyscallResult } from '../../src/kernel/index.js';
import { NS_PER_MS, Simulation, type Ns, type Process } from '../../src/sim/index.js';

let nextInode = 100;

export function moduleFile(name: string, over: Partial<Omit<ModuleFile, 'name'>> = {}): ModuleFile {
  return {
    path: `/lib/modules/${name}.ko`,
    name,
    size: 33233,
    inode: nextInode++,
    compressed: false,
    exports: [],
    imports: [],
    init: { result: 0, ns: 20 * NS_PER_MS },
    ...over,
  };
}

export interface Machine {
  readonly sim: Simulation;
  readonly kernel: Kernel;
}

export function machine(strategy: StrategyId, files: ModuleFile[], cpus = 8, costs?: CostOverrides): Machine {
  const sim = new Simulation();
  const kernel = new Kernel(sim, { policy: strategy, files, cpus: sim.cpus(cpus), ...(costs === undefined ? {} : { costs }) });
  return { sim, kernel };
}

/** What one request got, and when. */
export interface Call {
  process: Process<void>;
  result: SyscallResult | undefined;
  returnedAt: Ns | undefined;
}

/** Starts a process at `at` that calls finit_module on `file`. */
export function load(m: Machine, file: ModuleFile, at: Ns = 0, name = `insmod ${file.name}`): Call {
  const call: Call = { process: undefined as unknown as Process<void>, result: undefined, returnedAt: undefined };
  call.process = m.sim.spawn(
    name,
    function* (self) {
      call.result = yield* m.kernel.finitModule(self, file.path);
      call.returnedAt = m.sim.now;
    },
    { at },
  );
  return call;
}

/** Result counts, as the burst command reports them. */
export function tally(calls: readonly Call[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) {
    const k = c.result === undefined ? 'pending' : String(c.result);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
