/**
 * modules.dep: `kernel/path/x.ko: kernel/path/dep.ko ...`. depmod lists every
 * dependency, direct or not, users before what they use; its line order is
 * the module order kmod's indexes rank aliases by.
 */
import { moduleName } from './names.js';
import { dataLines, excerpt, lineError, readText } from './text-file.js';

export interface DepLine {
  /** Module name derived from the path, as kmod derives it. */
  name: string;
  path: string;
  /** Dependency paths in file order. */
  deps: string[];
  line: number;
}

const KO = /\.ko(\.(gz|xz|zst))?$/;

export function parseModulesDep(text: string, file: string): DepLine[] {
  return dataLines(text).map(({ line, text: t }) => {
    const colon = t.indexOf(':');
    const path = colon < 0 ? '' : t.slice(0, colon).trim();
    if (colon < 0 || path === '' || /\s/.test(path)) {
      throw lineError(file, line, `expected 'path.ko: dep.ko ...', got ${excerpt(t)}`);
    }
    const deps = t.slice(colon + 1).trim().split(/\s+/).filter(Boolean);
    for (const p of [path, ...deps]) {
      if (!KO.test(p)) throw lineError(file, line, `${excerpt(p)} is not a module path (.ko)`);
    }
    return { name: moduleName(path), path, deps, line };
  });
}

export function readModulesDep(file: string): DepLine[] {
  return parseModulesDep(readText(file), file);
}
