/** Reading the text indexes: one physical line at a time, errors naming file and line. */
import { readFileSync } from 'node:fs';
import { UserError } from '../../errors.js';

export interface SourceLine {
  /** 1-based line number in the file. */
  line: number;
  text: string;
}

/** The lines of an index file that carry data: no blank lines, no '#' comments. */
export function dataLines(text: string): SourceLine[] {
  const out: SourceLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!;
    if (t.trim() === '' || t.startsWith('#')) continue;
    out.push({ line: i + 1, text: t });
  }
  return out;
}

/** A malformed line: the message names the file and line, as kmod's own do. */
export function lineError(file: string, line: number, what: string): UserError {
  return new UserError(`${file} line ${line}: ${what}`);
}

/** Read a text file; a missing or unreadable file is a UserError naming it. */
export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(error)})`);
  }
}

/** Shorten a line for an error message. */
export function excerpt(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}
