/**
 * Every finit_module call userspace made, per module: how many, when the
 * first and the last were made, what they returned, and when the returns
 * udev logs as "Inserted module 'X'" came. Those log lines are what a
 * measurement from udev's debug log times: libkmod reports -EEXIST from the
 * kernel as success (kmod_module_probe_insert_module() without
 * KMOD_PROBE_FAIL_ON_LOADED), so udev logs it as inserted too; any other
 * error is logged as "Failed to insert module".
 */
import type { Ns } from '../../sim/index.js';
import type { SyscallResult } from '../../kernel/index.js';

export interface ModuleRequests {
  requests: number;
  firstNs: Ns;
  lastNs: Ns;
  /** By errno name, "0" for success. */
  results: Record<string, number>;
  /** Returns udev logged as "Inserted module" (0 and EEXIST). */
  insertedReturns: number;
  /** When the first and the last of them came (0 when there were none). */
  firstInsertedNs: Ns;
  lastInsertedNs: Ns;
}

/** What udev logs as "Inserted module": kmod's success, which includes the kernel's -EEXIST. */
export function loggedAsInserted(result: SyscallResult): boolean {
  return result === 0 || result === 'EEXIST';
}

export class LoadLog {
  readonly #byName = new Map<string, ModuleRequests>();

  /** A request for `name` is made now. */
  request(name: string, now: Ns): void {
    const m = this.#byName.get(name);
    if (m === undefined) {
      this.#byName.set(name, { requests: 1, firstNs: now, lastNs: now, results: {}, insertedReturns: 0, firstInsertedNs: 0, lastInsertedNs: 0 });
    } else {
      m.requests++;
      m.lastNs = now;
    }
  }

  /** A request for `name` returned `result` now. */
  result(name: string, result: SyscallResult, now: Ns): void {
    const m = this.#byName.get(name);
    if (m === undefined) throw new Error(`load log: a result for ${name}, which was never requested`);
    const key = String(result);
    m.results[key] = (m.results[key] ?? 0) + 1;
    if (loggedAsInserted(result)) {
      if (m.insertedReturns === 0) m.firstInsertedNs = now;
      m.lastInsertedNs = now;
      m.insertedReturns++;
    }
  }

  get(name: string): Readonly<ModuleRequests> | undefined {
    return this.#byName.get(name);
  }

  /** Module names with at least one request, sorted. */
  names(): string[] {
    return [...this.#byName.keys()].sort();
  }
}
