/**
 * Every finit_module call userspace made, per module: how many, when the
 * first and the last were made, and what they returned. This is what SPEC
 * §1's measurement counts ("load requests", "time from the first to the
 * last load request").
 */
import type { Ns } from '../../sim/index.js';
import type { SyscallResult } from '../../kernel/index.js';

export interface ModuleRequests {
  requests: number;
  firstNs: Ns;
  lastNs: Ns;
  /** By errno name, "0" for success. */
  results: Record<string, number>;
}

export class LoadLog {
  readonly #byName = new Map<string, ModuleRequests>();

  /** A request for `name` is made now. */
  request(name: string, now: Ns): void {
    const m = this.#byName.get(name);
    if (m === undefined) {
      this.#byName.set(name, { requests: 1, firstNs: now, lastNs: now, results: {} });
    } else {
      m.requests++;
      m.lastNs = now;
    }
  }

  /** A request for `name` returned `result`. */
  result(name: string, result: SyscallResult): void {
    const m = this.#byName.get(name);
    if (m === undefined) throw new Error(`load log: a result for ${name}, which was never requested`);
    const key = String(result);
    m.results[key] = (m.results[key] ?? 0) + 1;
  }

  get(name: string): Readonly<ModuleRequests> | undefined {
    return this.#byName.get(name);
  }

  /** Module names with at least one request, sorted. */
  names(): string[] {
    return [...this.#byName.keys()].sort();
  }
}
