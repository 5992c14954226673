#!/usr/bin/env node
/**
 * The `modstorm` command: argument parsing and wiring only. Each subcommand
 * lives in commands/ and registers itself on the program.
 */
import { Command, CommanderError } from 'commander';
import { UserError } from '../errors.js';
import { registerDemo } from './commands/demo.js';
import { registerBurst } from './commands/burst.js';
import { registerModinfo } from './commands/modinfo.js';
import { registerResolve } from './commands/resolve.js';
import { registerRun } from './commands/run.js';
import { registerCompare } from './commands/compare.js';
import { registerCheck } from './commands/check.js';
import { registerCalibrate } from './commands/calibrate.js';
import { registerSweep } from './commands/sweep.js';

export function buildProgram(): Command {
  const program = new Command('modstorm')
    .description('Linux module loading under uevent storms, with same-name load requests merged')
    .version('0.1.0')
    .showHelpAfterError('(run modstorm --help for usage)')
    .exitOverride();
  registerDemo(program);
  registerBurst(program);
  registerResolve(program);
  registerModinfo(program);
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
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof UserError) {
      process.stderr.write(`modstorm: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

// Output piped into `head` and the like: stop quietly when the reader goes away.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`modstorm: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 70;
  },
);
