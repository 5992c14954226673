/**
 * The scenario file's schema: every field optional, every default the
 * headline machine's. A bad field is reported by its path
 * (`machine.cpus: must be a whole number ≥ 1`).
 */
import { z } from 'zod';
import { ERRNO_NAMES, costOverridesSchema } from '../kernel/index.js';
import { udevCostsSchema } from './profile.js';
import {
  ACPI_PROCESSOR_HIDS,
  ACPI_PROCESSOR_PARENT,
  CPUFREQ_DRIVERS,
  MAX_MODALIAS_BYTES,
  XEON_SKX_CPU_MODALIAS,
  cpuModaliasProblem,
} from './machine.js';

/** `fifo`: the seed changes nothing; `random`: the seed picks the order of simultaneous events. */
export const TIE_ORDERS = ['fifo', 'random'] as const;
export type TieOrder = (typeof TIE_ORDERS)[number];

/**
 * The most CPUs x86-64 Linux can boot with (NR_CPUS with MAXSMP, arch/x86/Kconfig
 * NR_CPUS_RANGE_END); the full storm at 8,192 CPUs takes about a minute here.
 */
export const MAX_CPUS = 8192;
/** 1 PiB: beyond it the figure is a typo, not a machine. */
export const MAX_MEMORY_GIB = 1024 * 1024;

/** The headline machine: 288 CPUs (8 sockets × 18 cores × 2 threads) and 1 TiB of RAM. */
export const DEFAULT_CPUS = 288;
export const DEFAULT_MEMORY_GIB = 1024;
/** finit_module reads at most INT_MAX bytes (kernel/module/main.c init_module_from_file(): kernel_read_file(..., INT_MAX, ...)). */
export const MAX_MODULE_BYTES = 2 ** 31 - 1;
/** Devices beyond the CPUs: 100,000 (a 10 MB scenario file) took 29-34 s and 850 MB here; more is refused, not left to exhaust memory. */
export const MAX_EXTRA_DEVICES = 100_000;
/** sysfs paths are file paths: PATH_MAX (include/uapi/linux/limits.h). */
export const MAX_DEVPATH_BYTES = 4096;
/** A day: longer than any udev event timeout, so an init past it is a typo. */
export const MAX_INIT_MS = 86_400_000;
export const MAX_SEED = 2 ** 31 - 1;
export const MAX_CHILDREN = 1_000_000;
export const MAX_EVENT_TIMEOUT_S = 86_400;
/** kmod releases: 1 (2011) … 34 (2025); a later one is taken to behave as 31+. */
const MIN_KMOD_VERSION = 1;
const MAX_KMOD_VERSION = 99;
const DEFAULT_KMOD_VERSION = 30;
/** What /sys/module/compression can show (kernel/module/decompress.c), or none. */
const KERNEL_DECOMPRESS = ['none', 'xz', 'zstd', 'gzip'] as const;
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
const bounded = (max: number) => nonNegative.max(max, { error: `must be at most ${max}` });

const choice = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });

const text = (what: string) => z.string({ error: `must be ${what}` }).min(1, { error: `must be ${what}` });

const device = z.strictObject({
  devpath: text('a devpath starting with /devices/')
    .max(MAX_DEVPATH_BYTES, { error: `must be at most ${MAX_DEVPATH_BYTES} bytes (PATH_MAX)` })
    .regex(/^\/devices\/\S+$/, { error: 'must be a devpath starting with /devices/' }),
  modalias: text('a MODALIAS string')
    .max(MAX_MODALIAS_BYTES, { error: `must be at most ${MAX_MODALIAS_BYTES} bytes (one sysfs page)` })
    .regex(/^\S+$/, { error: 'must be one word (a MODALIAS has no white space)' })
    .optional(),
  subsystem: text('a subsystem name').optional(),
  /** DRIVER from the uevent file, as a snapshot found it bound: recorded, not used by the rules. */
  driver: text('a driver name').optional(),
});

/** x86's memory block sizes run from 128 MiB to 2 GiB (arch/x86/mm/init_64.c probe_memory_block_size()); other arches differ. */
const MIN_MEMORY_BLOCK_BYTES = 2 ** 20;
const MAX_MEMORY_BLOCK_BYTES = 2 ** 40;

const machine = z.strictObject({
  cpus: whole(1, MAX_CPUS).default(DEFAULT_CPUS),
  memoryGiB: positive(MAX_MEMORY_GIB).default(DEFAULT_MEMORY_GIB),
  cpuModalias: text('a cpu:type:... MODALIAS string')
    .refine((v) => cpuModaliasProblem(v) === undefined, { error: (issue) => cpuModaliasProblem(String(issue.input)) ?? '' })
    .default(XEON_SKX_CPU_MODALIAS),
  /** Default: one per CPU. */
  acpiProcessorDevices: whole(0, MAX_CPUS).optional(),
  acpiProcessorHid: choice(ACPI_PROCESSOR_HIDS).default('ACPI0007'),
  cpufreqDriver: choice(CPUFREQ_DRIVERS).default('intel_pstate'),
  /** Where the ACPI processor devices sit in sysfs (their parent devpath). */
  acpiProcessorParent: text('a devpath starting with /devices/')
    .regex(/^\/devices\/\S+$/, { error: 'must be a devpath starting with /devices/' })
    .default(ACPI_PROCESSOR_PARENT),
  /** /sys/devices/system/memory/memoryN devices (default: one per block of RAM). */
  memoryBlocks: whole(0, 2 ** 24).optional(),
  /** The size of one memory block (/sys/devices/system/memory/block_size_bytes; default: 128 MiB, 2 GiB from 64 GiB of RAM). */
  memoryBlockBytes: whole(MIN_MEMORY_BLOCK_BYTES, MAX_MEMORY_BLOCK_BYTES).optional(),
  /** Devices by class (default: a server of the machine's size, src/scenario/machine.ts defaultDeviceCounts()). */
  deviceCounts: z
    .strictObject({
      acpi: whole(0, 1_000_000).optional(),
      pci: whole(0, 1_000_000).optional(),
      platform: whole(0, 1_000_000).optional(),
    })
    .default({}),
  devices: z
    .array(device, { error: 'must be a list of { devpath, modalias }' })
    .max(MAX_EXTRA_DEVICES, { error: `must list at most ${MAX_EXTRA_DEVICES} devices` })
    .default([]),
});

const initResult = z
  .union([z.literal(0), z.string()], { error: `must be 0 or an errno name (${ERRNO_NAMES.join(', ')})` })
  .transform((v) => String(v))
  .refine((v) => INIT_RESULTS.includes(v), { error: `must be 0 or an errno name (${ERRNO_NAMES.join(', ')})` });

const initOverride = z.strictObject({
  result: initResult.optional(),
  initMs: bounded(MAX_INIT_MS).optional(),
  /** The init asks for its own alias (request_module()): it blocks until udevd's SIGKILL (the checker's liveness case, check --self-load). */
  selfLoad: z.boolean({ error: 'must be true or false' }).optional(),
});

const modules = z.strictObject({
  /** A directory with the text indexes (modules.dep, modules.alias, ...); default: the embedded Debian 6.1 tree. */
  dir: text('a directory path').optional(),
  defaultSizeBytes: whole(1, MAX_MODULE_BYTES).default(DEFAULT_MODULE_SIZE_BYTES),
  /** Per module name: what its init returns and how long it runs. */
  init: z.record(z.string(), initOverride, { error: 'must map module names to { result, initMs }' }).default({}),
  /** The compression the kernel undoes itself: what /sys/module/compression shows (CONFIG_MODULE_DECOMPRESS, Linux ≥ 5.17), or none. */
  kernelDecompress: choice(KERNEL_DECOMPRESS).default('none'),
});

const udev = z.strictObject({
  /** Default: udevd's own formula from CPUs and memory. */
  childrenMax: whole(1, MAX_CHILDREN).optional(),
  eventTimeoutS: positive(MAX_EVENT_TIMEOUT_S).default(180),
  /** SIGKILL this long after the event timeout: 0 in systemd 252 (Debian 12), 10 in newer systemd. */
  killDelayS: z.number({ error: 'must be a number ≥ 0' }).min(0, { error: 'must be a number ≥ 0' }).max(MAX_EVENT_TIMEOUT_S, { error: `must be at most ${MAX_EVENT_TIMEOUT_S}` }).default(0),
  /** The libkmod udevd uses: 30 in Debian 12; from 31 on compressed files the kernel can undo go to finit_module. */
  kmodVersion: whole(MIN_KMOD_VERSION, MAX_KMOD_VERSION).default(DEFAULT_KMOD_VERSION),
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
  seed: whole(0, MAX_SEED).default(DEFAULT_SEED),
  /** Which of the events due at one instant runs first: in the order they were scheduled, or drawn from the seed. */
  ties: choice(TIE_ORDERS).default('fifo'),
});

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ParsedScenario = z.output<typeof scenarioSchema>;

const n = (x: number): string => x.toLocaleString('en-US');

/** The scenario file's fields, their ranges and what each changes: `run --help` and `compare --help` print it. */
export const SCENARIO_FIELDS_HELP = `
Scenario file fields (all optional; a value outside its range is refused, exit 2):
  machine.cpus                  1-${n(MAX_CPUS)} (default ${DEFAULT_CPUS}): one cpuN device and one kernel CPU each
  machine.memoryGiB             > 0, at most ${n(MAX_MEMORY_GIB)} (default ${DEFAULT_MEMORY_GIB}): only sets udev childrenMax
                                (RAM / 128 MiB); a run whose modules need more than it is refused
  machine.cpuModalias           a cpu:type:...:feature:,XXXX... string, at most ${MAX_MODALIAS_BYTES} bytes: which CPU-feature
                                modules every CPU asks for
  machine.acpiProcessorDevices  0-${n(MAX_CPUS)} (default: one per CPU): each asks for acpi_cpufreq and pcc_cpufreq;
                                more than the CPUs is warned about
  machine.acpiProcessorHid      ${ACPI_PROCESSOR_HIDS.join(' or ')}: only the ACPI devices' MODALIAS (acpi:HID:); the Debian
                                tree loads the same modules for both
  machine.cpufreqDriver         ${CPUFREQ_DRIVERS.join(', ')}: a registered one makes acpi_cpufreq and pcc_cpufreq fail EEXIST;
                                intel_pstate on a non-Intel CPU or amd_pstate on a non-AMD one is warned about
  machine.devices               at most ${n(MAX_EXTRA_DEVICES)} of { devpath (unique, /devices/..., at most ${MAX_DEVPATH_BYTES} bytes),
                                modalias (at most ${MAX_MODALIAS_BYTES} bytes), subsystem }
  modules.dir                   a directory with modules.dep, .alias, .symbols, .softdep, .builtin (and optionally
                                modules.sizes.tsv: path<TAB>decimal bytes, 1-${n(MAX_MODULE_BYTES)})
  modules.defaultSizeBytes      1-${n(MAX_MODULE_BYTES)} (default ${n(DEFAULT_MODULE_SIZE_BYTES)}): size of a module not in modules.sizes.tsv
  modules.init.NAME             { result: 0 or an errno name, initMs: 0-${n(MAX_INIT_MS)}, selfLoad: true or false };
                                NAME must be a module of the tree
  modules.kernelDecompress      ${KERNEL_DECOMPRESS.join(', ')} (default none): the compression the kernel undoes itself
                                (/sys/module/compression); a tree's .ko.xz/.ko.zst/.ko.gz files go to finit_module only
                                with it and udev.kmodVersion ≥ 31, else kmod decompresses them and calls init_module,
                                which the idempotent check never sees
  udev.kmodVersion              ${MIN_KMOD_VERSION}-${MAX_KMOD_VERSION} (default ${DEFAULT_KMOD_VERSION}, Debian 12's kmod)
  udev.childrenMax              1-${n(MAX_CHILDREN)} (default: udevd's formula from CPUs and memory)
  udev.eventTimeoutS            > 0, at most ${n(MAX_EVENT_TIMEOUT_S)} (default 180)
  costs, udev.costs, profile     kernel and udev costs over the cost profile's, each within the range the profile documents
  strategy, kernel              as --strategy and --kernel
  seed                          0-${n(MAX_SEED)} (default ${DEFAULT_SEED}): the module_wq herd's race order, and tied steps' under ties: random
  ties                          ${TIE_ORDERS.join(' or ')} (default fifo): order of steps due at the same instant`;
