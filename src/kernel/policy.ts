/**
 * The interface every duplicate-load strategy implements. The loader
 * (loader.ts) calls the hooks at its detection points; a hook may wait (it
 * is a generator) and then either lets the load go on (returns undefined)
 * or answers the request (returns its result). The hooks at `afterHeader`,
 * `earlyCheck` and `addUnformed` run with module_mutex held (the loader
 * takes it, and at `addUnformed` inserts the module under the same hold);
 * a hook that sleeps drops it first and retakes it if the kernel does.
 */
import type { Process, Simulation, Waitable } from '../sim/index.js';
import type { ModuleSync } from './module-mutex.js';
import type { ModuleTable } from './module-table.js';
import type { DedupDecision } from './observer.js';
import type { DetectionPoint } from './stats.js';
import type { ModuleFile, SyscallResult } from './types.js';

/** One finit_module or init_module call going through the loader. */
export interface LoadRequest {
  /** The syscall's number (as in the observer's events). */
  readonly id: number;
  /** The calling process: waits end early on its signals. */
  readonly process: Process<unknown>;
  readonly call: 'finit_module' | 'init_module';
  readonly file: ModuleFile;
  readonly args: string;
}

/** undefined: the load goes on; otherwise what the syscall returns. */
export type Verdict = SyscallResult | undefined;

export type PolicyHook = (req: LoadRequest) => Generator<Waitable<unknown>, Verdict, unknown>;

/** What a policy may see and use of the kernel. */
export interface PolicyHost {
  readonly sim: Simulation;
  readonly modules: ModuleTable;
  /** module_mutex and module_wq (woken at the end of a load or unload, never at a bare state change). */
  readonly sync: ModuleSync;
  /** Reports a decision to the kernel's observers. */
  dedup(req: LoadRequest, point: DetectionPoint, decision: DedupDecision, result?: SyscallResult): void;
}

export interface LoadPolicy {
  /** Before stage 1, finit_module only (`idempotent`). */
  readonly atEntry?: PolicyHook;
  /** After stage 2, once the module's name is known (`merge`). */
  readonly afterHeader?: PolicyHook;
  /** At the end of stage 3, before the final image is allocated (`v6.4`). */
  readonly earlyCheck?: PolicyHook;
  /** At stage 5, add_unformed_module(), after allocation (`v5.2` … `v6.4`). */
  readonly addUnformed?: PolicyHook;
  /** Called once for every load request as its syscall returns, with its result. */
  readonly finished?: (req: LoadRequest, result: SyscallResult) => void;
}

/** A strategy as the registry knows it: a fresh policy (and its state) per kernel. */
export interface PolicyDefinition {
  readonly summary: string;
  /**
   * How the kernel lays a module out in memory, which sets how many regions
   * freeing it costs: 'layout' (core + init, before 6.4) or 'module_memory'
   * (6.4's ac3b43283923: one region per memory type).
   */
  readonly memory: 'layout' | 'module_memory';
  create(host: PolicyHost): LoadPolicy;
}

const HOOKS = ['atEntry', 'afterHeader', 'earlyCheck', 'addUnformed'] as const;

/**
 * Policies stacked in order: at each detection point the first to answer
 * wins; `finished` reaches all of them.
 */
export function stackPolicies(...parts: LoadPolicy[]): LoadPolicy {
  const out: { -readonly [K in keyof LoadPolicy]: LoadPolicy[K] } = {};
  for (const point of HOOKS) {
    const hooks = parts.map((p) => p[point]).filter((h): h is PolicyHook => h !== undefined);
    if (hooks.length === 1) out[point] = hooks[0];
    else if (hooks.length > 1) {
      out[point] = function* (req) {
        for (const hook of hooks) {
          const verdict = yield* hook(req);
          if (verdict !== undefined) return verdict;
        }
        return undefined;
      };
    }
  }
  const finishers = parts.map((p) => p.finished).filter((f) => f !== undefined);
  if (finishers.length > 0) out.finished = (req, result) => finishers.forEach((f) => f(req, result));
  return out;
}
