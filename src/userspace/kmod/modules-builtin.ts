/** modules.builtin: the paths of modules built into the kernel image, one a line. */
import { moduleName } from './names.js';
import { dataLines, excerpt, lineError, readText } from './text-file.js';

export interface BuiltinLine {
  name: string;
  path: string;
  line: number;
}

export function parseModulesBuiltin(text: string, file: string): BuiltinLine[] {
  return dataLines(text).map(({ line, text: t }) => {
    const path = t.trim();
    if (/\s/.test(path) || !path.endsWith('.ko')) {
      throw lineError(file, line, `expected a module path (kernel/.../name.ko), got ${excerpt(t)}`);
    }
    return { name: moduleName(path), path, line };
  });
}

export function readModulesBuiltin(file: string): BuiltinLine[] {
  return parseModulesBuiltin(readText(file), file);
}
