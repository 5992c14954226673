/**
 * Symbol resolution at step 6 (simplify_symbols → resolve_symbol_wait),
 * and the duplicate-export check at step 7 (verify_exported_symbols).
 *
 * An import resolves against the module exporting it (UNFORMED modules are
 * invisible): LIVE → resolved, the importer takes a reference; COMING →
 * busy, the loader waits on module_wq up to 30 s for that to change
 * (resolve_symbol_wait(); every attempt takes module_mutex);
 * GOING → ENOENT (try_module_get fails); no exporter → ENOENT ("Unknown
 * symbol"). After the wait the last answer stands, as in the kernel: an
 * exporter still COMING after 30 s gives EBUSY (`PTR_ERR(ksym) ?: -ENOENT`).
 */
import type { Waitable } from '../sim/index.js';
import type { ModuleSync } from './module-mutex.js';
import type { Module, ModuleTable } from './module-table.js';
import type { KernelStats } from './stats.js';
import type { Errno } from './types.js';

type Resolution = 'ok' | 'EBUSY' | 'ENOENT';

/** resolve_symbol(): one attempt; on success `mod` now uses the exporter (ref_module). */
function resolveSymbol(modules: ModuleTable, mod: Module, symbol: string): Resolution {
  const owner = modules.exporterOf(symbol);
  if (owner === undefined) return 'ENOENT';
  if (owner.state === 'COMING') return 'EBUSY';
  if (owner.state !== 'LIVE') return 'ENOENT';
  if (owner !== mod && !mod.uses.has(owner)) {
    mod.uses.add(owner);
    owner.holders.add(mod);
  }
  return 'ok';
}

/** Resolves every import of `mod`: undefined, or the errno of the first that fails. */
export function* resolveImports(
  sync: ModuleSync,
  modules: ModuleTable,
  stats: KernelStats,
  mod: Module,
  waitNs: number,
): Generator<Waitable<unknown>, Errno | undefined, unknown> {
  for (const symbol of mod.file.imports) {
    let last: Resolution = 'ok';
    let waited = false;
    // wait_event_interruptible_timeout(module_wq, resolve_symbol() != -EBUSY, 30 * HZ): the first attempt is its first check.
    const r = yield* sync.waitEvent(
      () => {
        last = resolveSymbol(modules, mod, symbol);
        if (last === 'EBUSY' && !waited) {
          waited = true;
          stats.symbolWaits++;
        }
        return last !== 'EBUSY';
      },
      { interruptible: true, timeoutNs: waitNs },
    );
    if (r === 'timeout') stats.symbolWaitTimeouts++;
    if (last !== 'ok') return last;
  }
  return undefined;
}

/** verify_exported_symbols(): ENOEXEC if another module already exports one of `mod`'s symbols. */
export function verifyExportedSymbols(modules: ModuleTable, mod: Module): Errno | undefined {
  for (const symbol of mod.file.exports) {
    const owner = modules.exporterOf(symbol);
    if (owner !== undefined && owner !== mod) return 'ENOEXEC';
  }
  return undefined;
}

/** module_unload_free(): `mod` drops the references it took on the modules it used. */
export function releaseUses(mod: Module): void {
  for (const target of mod.uses) target.holders.delete(mod);
  mod.uses.clear();
}
