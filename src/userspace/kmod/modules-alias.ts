/**
 * modules.alias and modules.symbols: `alias PATTERN MODULE`, one a line, in
 * depmod's module order (modules.symbols patterns are `symbol:NAME`).
 */
import { dataLines, excerpt, lineError, readText } from './text-file.js';

export interface AliasLine {
  pattern: string;
  module: string;
  line: number;
}

export function parseAliasFile(text: string, file: string): AliasLine[] {
  return dataLines(text).map(({ line, text: t }) => {
    const words = t.trim().split(/\s+/);
    if (words.length !== 3 || words[0] !== 'alias') {
      throw lineError(file, line, `expected 'alias PATTERN MODULE', got ${excerpt(t)}`);
    }
    return { pattern: words[1]!, module: words[2]!, line };
  });
}

export function readAliasFile(file: string): AliasLine[] {
  return parseAliasFile(readText(file), file);
}
