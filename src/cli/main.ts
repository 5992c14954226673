#!/usr/bin/env node
/**
 * The `modstorm` command: argument parsing and wiring only. Each subcommand
 * lives in commands/ and registers itself on the program.
 *
 * Exit statuses: 0 done; 2 bad input (a usage error from the argument
 * parser, a bad flag value, a malformed file, an impossible machine);
 * 74 (EX_IOERR, sysexits.h) the output could not be written; 70
 * (EX_SOFTWARE) a bug in modstorm.
 */
import { Command, CommanderError } from 'commander';
import { UserError } from '../errors.js';
import { registerDemo } from './commands/demo.js';
import { registerBurst } from './commands/burst.js';
import { registerModinfo } from './commands/modinfo.js';
import { registerResolve } from './commands/resolve.js';
import { registerSnapshot } from './commands/snapshot.js';
import { registerRun } from './commands/run.js';
import { registerCompare } from './commands/compare.js';
import { registerCheck } from './commands/check.js';
import { registerCalibrate } from './commands/calibrate.js';
import { registerSweep } from './commands/sweep.js';

export const EXIT_USAGE = 2;
export const EXIT_IOERR = 74;
export const EXIT_SOFTWARE = 70;

/** Commander's own outcomes that are not errors: help or version asked for. */
const NOT_ERRORS = new Set(['commander.helpDisplayed', 'commander.version']);

export function buildProgram(): Command {
  const program = new Command('modstorm')
    .description('Linux module loading under uevent storms, with same-name load requests merged')
    .version('0.1.0')
    // Commander's messages are printed by main() as one `modstorm:` line; the subcommands inherit both settings.
    .configureOutput({ outputError: () => {} })
    .exitOverride();
  registerDemo(program);
  registerBurst(program);
  registerResolve(program);
  registerModinfo(program);
  registerSnapshot(program);
  registerRun(program);
  registerCompare(program);
  registerCheck(program);
  registerCalibrate(program);
  registerSweep(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (NOT_ERRORS.has(error.code)) return 0;
      // 'commander.help' is the help shown for a missing command: bad input like any other.
      if (error.code !== 'commander.help') {
        const message = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
        process.stderr.write(`modstorm: ${message} (run modstorm --help for usage)\n`);
      }
      return EXIT_USAGE;
    }
    if (error instanceof UserError) {
      process.stderr.write(`modstorm: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

// The reader went away (`| head`): stop quietly. Any other write error (a full disk, /dev/full, EIO): one line.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  process.stderr.write(`modstorm: cannot write the output: ${error.code ?? error.message}\n`);
  process.exit(EXIT_IOERR);
});
process.stderr.on('error', (error: NodeJS.ErrnoException) => {
  // Nowhere left to say anything.
  process.exit(error.code === 'EPIPE' ? 0 : EXIT_IOERR);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`modstorm: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT_SOFTWARE;
  },
);
