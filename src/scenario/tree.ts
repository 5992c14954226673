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
  parseAliasFile,
  parseModulesBuiltin,
  parseModulesDep,
  type ModuleIndex,
} from '../userspace/kmod/index.js';
import { initBehaviour } from './behaviour.js';
import type { Machine } from './machine.js';
import type { InitTimes } from './profile.js';
import type { InitOverride } from './scenario.js';

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
  return { dir, index, modules, builtin, sizes };
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
    const n = Number(bytes);
    if (path === undefined || extra !== undefined || !Number.isInteger(n) || n <= 0) {
      throw new UserError(`${file}:${i + 1}: expected 'path<TAB>bytes', got '${line.slice(0, 80)}'`);
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
