/**
 * The output flags every reporting command shares: `--format`, `--json`
 * (an alias of `--format json`) and `-o FILE`, and writing the rendered
 * report where they say.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import type { ReportDocument } from '../report/document.js';
import { FORMATS, render, type Format } from '../report/formats.js';
import { parseChoice } from './options.js';

export interface OutputFlags {
  format?: string;
  json?: boolean;
  output?: string;
}

export function addOutputOptions(cmd: Command, formats: readonly Format[] = FORMATS): Command {
  return cmd
    .option('--format <format>', `${formats.join(', ')} (default: table)`)
    .option('--json', 'the same as --format json')
    .option('-o, --output <file>', 'write the report to FILE instead of standard output');
}

/** The format the flags ask for; `--json` with another `--format` is a contradiction, not a choice. */
export function outputFormat(flags: OutputFlags, formats: readonly Format[] = FORMATS): Format {
  const format = flags.format === undefined ? undefined : parseChoice('--format', flags.format, formats);
  if (flags.json === true) {
    if (format !== undefined && format !== 'json') throw new UserError(`--json means --format json; drop one of --json and --format ${format}`);
    return 'json';
  }
  return format ?? 'table';
}

/** Renders `doc` in the flags' format and writes it to `-o FILE`, or hands it to `out` (standard output). */
export async function emit(doc: ReportDocument, flags: OutputFlags, out: (text: string) => void): Promise<void> {
  const text = await render(doc, outputFormat(flags));
  if (flags.output === undefined) {
    out(text);
    return;
  }
  try {
    writeFileSync(flags.output, text);
  } catch (error) {
    throw new UserError(`-o: cannot write ${flags.output} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}
