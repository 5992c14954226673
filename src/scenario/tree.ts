/**
 * The module tree a run loads from: kmod's index of a modules directory,
 * and the .ko files on the simulated disk (path, size, exported and
 * imported symbols) that the kernel model reads. The embedded tree is
 * Debian's 6.1.0-56-amd64 (data/), found next to the package whether it
 * runs from src/ or dist/.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import type { ModuleFile } from '../kernel/index.js';
import {
  INDEX_FILES,
  indexFromTexts,
  isCompressedModulePath,
  moduleName,
  normalizeAlias,
  parseAliasFile,
  parseModulesBuiltin,
  parseModulesDep,
  type AliasLine,
  type DepLine,
  type ModuleIndex,
} from '../userspace/kmod/index.js';
import { initBehaviour } from './behaviour.js';
import type { Machine } from './machine.js';
import type { InitTimes } from './profile.js';
import type { InitOverride } from './scenario.js';
import { MAX_MODULE_BYTES } from './schema.js';

/** data/linux-6.1.0-56-amd64, two levels above this file in src/scenario/ and in dist/scenario/ alike. */
export const EMBEDDED_MODULES_DIR = fileURLToPath(new URL('../../data/linux-6.1.0-56-amd64/', import.meta.url));

/**
 * depmod does not write sizes; modstorm reads them from this optional file
 * (`path<TAB>bytes`), which the embedded tree has instead of its .ko files.
 * Without it, each module's size is its file's (compressed) size.
 */
export const SIZES_FILE = 'modules.sizes.tsv';

/** Where the module sizes of a tree came from, counted per module: part of every run's result. */
export interface ModuleSizes {
  /** Whether the tree has a modules.sizes.tsv. */
  sizesFile: boolean;
  fromSizesFile: number;
  /** Sized by stat() of the .ko* file in the tree (when there is no modules.sizes.tsv). */
  fromFiles: number;
  /** Neither: the scenario's modules.defaultSizeBytes. */
  defaulted: number;
  defaultBytes: number;
}

/** One .ko file, before the scenario decides what its init does and which inode it gets. */
export type TreeModule = Omit<ModuleFile, 'inode' | 'init'>;

export interface ModuleTree {
  readonly dir: string;
  readonly index: ModuleIndex;
  readonly modules: readonly TreeModule[];
  readonly builtin: readonly string[];
  readonly sizes: ModuleSizes;
  /** What depmod or kmod would warn about in this tree, each naming file and line. */
  readonly warnings: readonly string[];
}

const cache = new Map<string, ModuleTree>();

/** The tree in `dir` (default: the embedded one); read once per process and directory. */
export function loadModuleTree(dir: string | undefined, defaultSizeBytes: number): ModuleTree {
  const at = dir ?? EMBEDDED_MODULES_DIR;
  const key = `${at}\0${defaultSizeBytes}`;
  let tree = cache.get(key);
  if (tree === undefined) cache.set(key, (tree = readTree(at, defaultSizeBytes)));
  return tree;
}

function readTree(dir: string, defaultSizeBytes: number): ModuleTree {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`modules.dir: ${dir} is not a directory`);
  for (const f of INDEX_FILES) {
    if (!existsSync(join(dir, f))) throw new UserError(`modules.dir: ${dir} has no ${f} (run depmod to create it)`);
  }
  const texts = Object.fromEntries(INDEX_FILES.map((f) => [f, readFileSync(join(dir, f), 'utf8')])) as Record<
    (typeof INDEX_FILES)[number],
    string
  >;
  const index = indexFromTexts(texts, dir);
  const dep = parseModulesDep(texts['modules.dep'], join(dir, 'modules.dep'));
  const sizesFile = readSizesFile(dir);

  // Exports in modules.symbols order; a module imports one symbol of each module it depends on,
  // which is what makes the kernel resolve (and, for a COMING exporter, wait for) its dependencies.
  const exports = new Map<string, string[]>();
  for (const s of parseAliasFile(texts['modules.symbols'], join(dir, 'modules.symbols'))) {
    if (!s.pattern.startsWith('symbol:')) continue;
    const list = exports.get(s.module);
    const symbol = s.pattern.slice('symbol:'.length);
    if (list === undefined) exports.set(s.module, [symbol]);
    else list.push(symbol);
  }
  const sizes: ModuleSizes = { sizesFile: sizesFile !== undefined, fromSizesFile: 0, fromFiles: 0, defaulted: 0, defaultBytes: defaultSizeBytes };
  const sizeOf = (path: string): number => {
    if (sizesFile !== undefined) {
      const n = sizesFile.get(path);
      if (n !== undefined) return (sizes.fromSizesFile++, n);
    } else {
      const n = fileSize(isAbsolute(path) ? path : join(dir, path));
      if (n !== undefined) return (sizes.fromFiles++, n);
    }
    sizes.defaulted++;
    return defaultSizeBytes;
  };
  const modules = dep.map((d): TreeModule => {
    const size = sizeOf(d.path);
    const imports: string[] = [];
    for (const p of d.deps) {
      const first = exports.get(moduleName(p))?.[0];
      if (first !== undefined) imports.push(first);
    }
    return {
      name: d.name,
      path: d.path,
      size,
      compressed: isCompressedModulePath(d.path),
      exports: exports.get(d.name) ?? [],
      imports,
    };
  });
  const builtin = parseModulesBuiltin(texts['modules.builtin'], join(dir, 'modules.builtin')).map((b) => b.name);
  const aliases = parseAliasFile(texts['modules.alias'], join(dir, 'modules.alias'));
  refuseCycles(dep, join(dir, 'modules.dep'));
  const warnings = [...depWarnings(dep, builtin, join(dir, 'modules.dep')), ...aliasWarnings(aliases, dep, join(dir, 'modules.alias'))];
  return { dir, index, modules, builtin, sizes, warnings };
}

/**
 * A module that needs itself, directly or through others, can never load:
 * depmod refuses to write such a tree ("depmod: ERROR: Cycle detected",
 * kmod tools/depmod.c depmod_report_cycles()), and the model cannot run it.
 */
function refuseCycles(dep: readonly DepLine[], file: string): void {
  const byName = new Map(dep.map((d) => [d.name, d]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (d: DepLine): void => {
    state.set(d.name, 'open');
    stack.push(d.name);
    for (const p of d.deps) {
      const next = byName.get(moduleName(p));
      if (next === undefined) continue;
      const seen = state.get(next.name);
      if (seen === 'open') {
        const cycle = [...stack.slice(stack.indexOf(next.name)), next.name].join(' -> ');
        throw new UserError(`${file} line ${d.line}: dependency cycle ${cycle} (depmod refuses to write one: "Cycle detected")`);
      }
      if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(d.name, 'done');
  };
  for (const d of dep) if (!state.has(d.name)) visit(d);
}

/** Dependencies with no line of their own: kmod has no file to load, so the module fails (ENOENT, which udev logs only at debug level). */
function depWarnings(dep: readonly DepLine[], builtin: readonly string[], file: string): string[] {
  if (dep.length === 0) return [`${file}: lists no module; no load request can succeed`];
  const listed = new Set([...dep.map((d) => d.name), ...builtin]);
  const out: string[] = [];
  for (const d of dep) {
    for (const p of d.deps) {
      if (!listed.has(moduleName(p))) {
        out.push(`${file} line ${d.line}: ${d.name} depends on ${p}, which has no line of its own; loading ${d.name} fails with ENOENT`);
      }
    }
  }
  return out;
}

/** depmod's own warning for an alias it cannot index ("Unmatched bracket in ...", tools/depmod.c), and an empty file. */
function aliasWarnings(aliases: readonly AliasLine[], dep: readonly DepLine[], file: string): string[] {
  if (aliases.length === 0) return [`${file}: lists no alias; no device's MODALIAS will load a module`];
  const listed = new Set(dep.map((d) => d.name));
  const out: string[] = [];
  for (const a of aliases) {
    if (normalizeAlias(a.pattern) === undefined) out.push(`${file} line ${a.line}: unmatched bracket in alias ${a.pattern}; kmod skips it`);
    else if (!listed.has(moduleName(a.module))) out.push(`${file} line ${a.line}: alias ${a.pattern} names ${a.module}, which modules.dep does not list; it cannot load`);
  }
  return out;
}

/** A regular file's size in bytes, or undefined when there is none to stat (a tree of indexes only). */
function fileSize(path: string): number | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

function readSizesFile(dir: string): Map<string, number> | undefined {
  const sizes = new Map<string, number>();
  const file = join(dir, SIZES_FILE);
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '' || (i === 0 && line.startsWith('path\t'))) return;
    const [path, bytes, extra] = line.split('\t');
    // Decimal digits only: Number() would also take 0x10, 1e3 and 1e30.
    const n = bytes !== undefined && /^[1-9][0-9]{0,9}$/.test(bytes) ? Number(bytes) : NaN;
    if (path === undefined || path === '' || extra !== undefined || !(n <= MAX_MODULE_BYTES)) {
      throw new UserError(
        `${file} line ${i + 1}: expected 'path<TAB>bytes' with bytes a decimal number from 1 to ${MAX_MODULE_BYTES}, got ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    sizes.set(path, n);
  });
  return sizes;
}

/** The tree's files as the kernel sees them, with each module's init as the machine and overrides make it. */
export function moduleFiles(
  tree: ModuleTree,
  machine: Machine,
  times: InitTimes,
  overrides: Readonly<Record<string, InitOverride>>,
): ModuleFile[] {
  return tree.modules.map((m, i) => ({
    path: m.path,
    name: m.name,
    size: m.size,
    inode: i + 1,
    compressed: m.compressed,
    exports: m.exports,
    imports: m.imports,
    init: initBehaviour(m.name, machine, times, overrides[m.name]),
  }));
}
