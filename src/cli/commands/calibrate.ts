/**
 * `modstorm calibrate`: fits a cost profile's free constants to a table of
 * measured figures (default: the 288-CPU server's, data/targets/), within
 * each constant's documented range, and prints the residuals and how far
 * each constant moved; the profile goes to --out (or after the tables).
 * Progress goes to stderr. Same target, profile and seed → the same output.
 */
import type { Command } from 'commander';
import { DEFAULT_PROFILE, SHIPPED_PROFILES } from '../../scenario/profile.js';
import type { CalibrateFlags } from './calibrate-run.js';

export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description("fit a cost profile's free constants to measured figures, each within its documented range")
    .option('--target <file>', 'measured figures: machines and rows (machine, strategy, module, metric, value) (default: the 288-CPU server, data/targets/server-288.yaml)')
    .option('--profile <name|file>', `the fixed constants, and the free ones' start with --start profile: ${SHIPPED_PROFILES.join(', ')} or a file (default: ${DEFAULT_PROFILE})`)
    .option('--free <paths>', 'comma-separated constants to fit, e.g. udev.rulesNs,kernel.goingNs (default: those documented as free)')
    .option('--strategies <ids>', "only the target's rows of these strategies, comma-separated (default: every row)")
    .option('--start <where>', 'start the free constants at the geometric middle of their range (midpoint, the default) or at the profile (profile)')
    .option('--max-iterations <n>', 'Levenberg-Marquardt iterations at most (default 20)')
    .option('--seed <n>', 'seed of the runs (default: 1)')
    .option('--out <file>', 'write the fitted profile there (default: print it after the tables)')
    .option('--residuals-only', 'no fit: the residuals of --profile as it is')
    .option('--markdown', 'tables as Markdown')
    .option('--json', 'one JSON object')
    .addHelpText(
      'after',
      `
Examples:
  modstorm calibrate --out my-profile.yaml                       # the shipped target, from scratch
  modstorm calibrate --residuals-only                            # how close the default profile is
  modstorm calibrate --target mine.yaml --profile server-288 --start profile`,
    )
    .action(async (flags: CalibrateFlags) => {
      const { calibrateCommand } = await import('./calibrate-run.js');
      calibrateCommand(flags, (text) => process.stdout.write(`${text}\n`));
    });
}
