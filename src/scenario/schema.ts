/**
 * The scenario file's schema: every field optional, every default the
 * headline machine's. A bad field is reported by its path
 * (`machine.cpus: must be a whole number ≥ 1`).
 */
import { z } from 'zod';
import { ERRNO_NAMES, costOverridesSchema } from '../kernel/index.js';
import { udevCostsSchema } from './profile.js';
import { ACPI_PROCESSOR_HIDS, CPUFREQ_DRIVERS, XEON_SKX_CPU_MODALIAS } from './machine.js';

/** More CPUs than any machine Linux boots on today (CONFIG_NR_CPUS tops out at 8192; leave room for what-ifs). */
export const MAX_CPUS = 65_536;
/** 1 PiB: beyond it the figure is a typo, not a machine. */
export const MAX_MEMORY_GIB = 1024 * 1024;

/** The headline machine: 288 CPUs (8 sockets × 18 cores × 2 threads) and 1 TiB of RAM. */
export const DEFAULT_CPUS = 288;
export const DEFAULT_MEMORY_GIB = 1024;
/** Used for a module without an entry in modules.sizes.tsv. */
export const DEFAULT_MODULE_SIZE_BYTES = 64 * 1024;
export const DEFAULT_SEED = 1;

/** What a module's init may return in a scenario: 0 (as "0" or 0) or an errno name. */
export const INIT_RESULTS: readonly string[] = ['0', ...ERRNO_NAMES];

const whole = (min: number, max: number) =>
  z
    .number({ error: `must be a whole number ≥ ${min}` })
    .int({ error: `must be a whole number ≥ ${min}` })
    .min(min, { error: `must be a whole number ≥ ${min}` })
    .max(max, { error: `must be at most ${max}` });

const positive = (max: number) =>
  z
    .number({ error: 'must be a number > 0' })
    .positive({ error: 'must be a number > 0' })
    .max(max, { error: `must be at most ${max}` });

const nonNegative = z.number({ error: 'must be a number ≥ 0' }).min(0, { error: 'must be a number ≥ 0' });

const choice = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });

const text = (what: string) => z.string({ error: `must be ${what}` }).min(1, { error: `must be ${what}` });

const device = z.strictObject({
  devpath: text('a devpath starting with /devices/').regex(/^\/devices\/\S+$/, {
    error: 'must be a devpath starting with /devices/',
  }),
  modalias: text('a MODALIAS string').optional(),
  subsystem: text('a subsystem name').optional(),
});

const machine = z.strictObject({
  cpus: whole(1, MAX_CPUS).default(DEFAULT_CPUS),
  memoryGiB: positive(MAX_MEMORY_GIB).default(DEFAULT_MEMORY_GIB),
  cpuModalias: text('a cpu:type:... MODALIAS string').default(XEON_SKX_CPU_MODALIAS),
  /** Default: one per CPU. */
  acpiProcessorDevices: whole(0, MAX_CPUS).optional(),
  acpiProcessorHid: choice(ACPI_PROCESSOR_HIDS).default('ACPI0007'),
  cpufreqDriver: choice(CPUFREQ_DRIVERS).default('intel_pstate'),
  devices: z.array(device, { error: 'must be a list of { devpath, modalias }' }).default([]),
});

const initResult = z
  .union([z.literal(0), z.string()], { error: `must be 0 or an errno name (${ERRNO_NAMES.join(', ')})` })
  .transform((v) => String(v))
  .refine((v) => INIT_RESULTS.includes(v), { error: `must be 0 or an errno name (${ERRNO_NAMES.join(', ')})` });

const initOverride = z.strictObject({
  result: initResult.optional(),
  initMs: nonNegative.optional(),
});

const modules = z.strictObject({
  /** A directory with the text indexes (modules.dep, modules.alias, ...); default: the embedded Debian 6.1 tree. */
  dir: text('a directory path').optional(),
  defaultSizeBytes: whole(1, 2 ** 31).default(DEFAULT_MODULE_SIZE_BYTES),
  /** Per module name: what its init returns and how long it runs. */
  init: z.record(z.string(), initOverride, { error: 'must map module names to { result, initMs }' }).default({}),
});

const udev = z.strictObject({
  /** Default: udevd's own formula from CPUs and memory. */
  childrenMax: whole(1, 1_000_000).optional(),
  eventTimeoutS: positive(86_400).default(180),
  /** udev's own costs, in ns, over the profile's (see src/userspace/udev/costs.ts). */
  costs: udevCostsSchema.partial().default({}),
});

export const scenarioSchema = z.strictObject({
  name: text('a name').optional(),
  machine: machine.prefault({}),
  modules: modules.prefault({}),
  /** The cost profile: a shipped one's name or a profile file (relative to this file); default server-288. */
  profile: text('a shipped profile name or a profile file').optional(),
  /** Kernel cost overrides over the profile's, by the kernel's own names (src/kernel/costs.ts). */
  costs: costOverridesSchema.default({}),
  udev: udev.prefault({}),
  /** A kernel policy, or a userspace strategy (then `kernel` picks the policy under it). */
  strategy: text('a strategy id').default('v5.3'),
  kernel: text('a kernel strategy id').optional(),
  seed: whole(0, 2 ** 31 - 1).default(DEFAULT_SEED),
});

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ParsedScenario = z.output<typeof scenarioSchema>;
