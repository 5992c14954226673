/**
 * `modstorm burst`: N concurrent finit_module calls for one module on C
 * CPUs, under one kernel strategy — a duplicate-load stress test as a
 * command. Prints the results per return value and the counters in any
 * report format.
 */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { ERRNO_NAMES, STRATEGIES, isErrno, type StrategyId, type SyscallResult } from '../../kernel/index.js';
import { BURST_DEFAULTS, runBurst, type BurstResult } from '../../scenario/burst.js';
import { NS_PER_MS } from '../../sim/index.js';
import { BURST_PROFILE, SHIPPED_PROFILES, loadProfile, shippedProfile } from '../../scenario/profile.js';
import { MAX_CPUS, MAX_MODULE_BYTES } from '../../scenario/schema.js';
import { parseChoice, parseCount } from '../options.js';
import { addOutputOptions, emit, outputFormat, type OutputFlags } from '../output.js';

/**
 * Failing loads under v5.2/v5.3 wake every waiter once per load, so a burst
 * costs requests² steps: 1,000 requests took 6 s here and 4,000 took 76 s;
 * beyond 4,096 a run looks like a hang.
 */
export const BURST_MAX_REQUESTS = 4096;
/** One hour of virtual time. */
export const BURST_MAX_INIT_MS = 3_600_000;

const n = (x: number): string => x.toLocaleString('en-US');

export interface BurstFlags extends OutputFlags {
  strategy: string;
  requests: string;
  cpus: string;
  init: string;
  initMs: string;
  size: string;
  profile?: string;
  thenRetry?: boolean;
}

/** `--init ok` or `--init fail:ERRNO`. */
export function parseInit(raw: string): SyscallResult {
  if (raw === 'ok') return 0;
  const m = /^fail:([A-Z]+)$/.exec(raw);
  if (m !== null && isErrno(m[1] as string)) return m[1] as SyscallResult;
  const hint = m === null ? '' : `; ${m[1]} is not an errno name (known: ${ERRNO_NAMES.join(', ')})`;
  throw new UserError(`--init must be 'ok' or 'fail:ERRNO' (e.g. fail:ENODEV), got '${raw}'${hint}`);
}

/** Runs the burst the flags describe (every flag checked first, the output format included). */
export function burstCommand(flags: BurstFlags): BurstResult {
  outputFormat(flags);
  const strategy: StrategyId = parseChoice('--strategy', flags.strategy, STRATEGIES);
  const requests = parseCount('--requests', flags.requests, 1, BURST_MAX_REQUESTS);
  const cpus = parseCount('--cpus', flags.cpus, 1, MAX_CPUS);
  const init = parseInit(flags.init);
  const initMs = parseCount('--init-ms', flags.initMs, 0, BURST_MAX_INIT_MS);
  const size = parseCount('--size', flags.size, 1, MAX_MODULE_BYTES);
  const costs = loadProfile(flags.profile ?? BURST_PROFILE, shippedProfile(BURST_PROFILE)).kernel;
  return runBurst({ strategy, requests, cpus, init, initNs: initMs * NS_PER_MS, size, thenRetry: flags.thenRetry === true, costs });
}

export function registerBurst(program: Command, write: (text: string) => void = (t) => void process.stdout.write(t)): void {
  const cmd = program
    .command('burst')
    .description('N concurrent finit_module calls for one module on C CPUs under one kernel strategy')
    .option('--strategy <id>', `kernel strategy: ${STRATEGIES.join(', ')}`, 'mainline')
    .option('--requests <n>', `concurrent finit_module calls, 1-${n(BURST_MAX_REQUESTS)} (v5.2/v5.3 failing loads cost requests²)`, '64')
    .option('--cpus <n>', `CPUs of the machine, 1-${n(MAX_CPUS)}`, '8')
    .option('--init <outcome>', "what the module's init does: ok, or fail:ERRNO", 'fail:ENODEV')
    .option('--init-ms <ms>', `how long init runs, whole ms, 0-${n(BURST_MAX_INIT_MS)}`, String(BURST_DEFAULTS.initNs / NS_PER_MS))
    .option('--size <bytes>', `module file size, 1-${n(MAX_MODULE_BYTES)} (finit_module reads at most INT_MAX bytes)`, String(BURST_DEFAULTS.size))
    .option(
      '--profile <name|file>',
      `cost profile: ${SHIPPED_PROFILES.join(' or ')}, or a profile file whose missing fields come from ${BURST_PROFILE} (default: ${BURST_PROFILE}, the 8-vCPU QEMU guest of the real 6.1 burst table)`,
    )
    .option('--then-retry', 'after the burst settled, one more request, reported on its own');
  addOutputOptions(cmd).action(async (flags: BurstFlags) => emit({ kind: 'burst', result: burstCommand(flags) }, flags, write));
}
