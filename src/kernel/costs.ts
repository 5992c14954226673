/**
 * The cost profile: what each stage of the load path costs in CPU time and
 * memory, and the limits of the module area.
 *
 * Calibration. The one ground truth for bursts is the 6.1 burst table in test/scenario/burst.test.ts, measured
 * on Debian's 6.1 kernel (the `v6.2` policy) under QEMU with 8 vCPUs: N
 * processes released at once call finit_module on one file. For
 * pcc-cpufreq (33,233 bytes, init fails with ENODEV) N = 32 formed one load
 * and N = 64 formed two: a request still reading and verifying the file
 * when the first load had ended found nothing in flight and loaded again.
 * Under the model that happens when the requests reach the dedup point
 * spread out in time by more than a failing load lives. With every process
 * released at the same instant and C CPUs, the reads go through the CPU
 * pool C at a time, so the k-th batch of C requests reaches the dedup
 * point k read-times after the first; one failing load lives from its
 * insertion into the module list to its unlinking: init, grace period #1,
 * the GOING notifiers, free_module()'s grace period #2 (see teardown
 * below). With 8 CPUs, N = 32 is 4 batches and N = 64 is 8; the table's
 * shape needs a failing load's life L and one read-and-verify time R with
 * 3·R < L < 7·R. The defaults give, for 33,233 bytes, R ≈ 4.39 ms (read
 * 0.08 ms + signature 4.32 ms) and, with the burst command's default 20 ms
 * init and two 4.1 ms grace periods at 8 CPUs (HZ = 250: one jiffy to the first FQS
 * scan, plus 0.1 ms), L ≈ 28.3 ms ≈ 6.4·R.
 *
 * Teardown of a failed init (kernel/module/main.c do_init_module() → fail:,
 * free_module()): GOING; synchronize_rcu() #1; the GOING notifier chain,
 * klp_module_going(), ftrace_release_mod() (`teardownNs`); mod_sysfs_teardown,
 * the module marked UNFORMED while still listed; then under module_mutex
 * list_del_rcu() and synchronize_rcu() #2; then the memory regions are freed
 * (`regionFreeNs` + an IPI to every CPU each, under vmap_purge_lock) and
 * module_wq is woken. A grace period is a sleep, off the CPU pool.
 *
 * Grace period (kernel/rcu/tree.c rcu_init_geometry()): Tree RCU's first
 * force-quiescent-state scan comes `jiffies_till_first_fqs` = 1 + (HZ > 250)
 * + (HZ > 500) + nr_cpu_ids / 256 jiffies after the grace period starts; on
 * a machine whose CPUs are mostly idle, that scan reports them quiescent
 * (dyntick-idle) and ends the grace period. `rcuGraceExtraNs` is what a
 * busy machine adds (more FQS rounds, the GP kthread's wake-up): to be
 * calibrated.
 *
 * Why only the read and the signature check take CPU by default: the CPU
 * pool is first-come first-served and runs a slice to the end, so a loader
 * coming back for a few microseconds of layout or relocation work would
 * queue behind every pending read, which no kernel scheduler does (it gets
 * the CPU within a timeslice). Stages 3–7 take microseconds on real
 * hardware; their default cost is 0, which keeps each of them a pure
 * scheduling point. Init and the failure teardown (two synchronize_rcu()
 * calls, notifiers, freeing) mostly sleep, so they run off the CPU pool
 * unless `initOnCpu` says otherwise.
 *
 * Memory: vmalloc #1 holds the file (or the user buffer), #2 the
 * decompressed image (compressed files only; #1 is freed right after), #3
 * the final image in the module area: `layoutFactor` × the image size,
 * rounded up to whole pages. x86-64 has 1008 MiB of module area with KASLR,
 * so about 420 concurrent copies of a 2.5 MB module fill it (the ENOMEM reported on a 400-CPU machine, see README).
 */
import { z } from 'zod';
import { UserError } from '../errors.js';
import { NS_PER_MS, NS_PER_S, NS_PER_US, type Ns } from '../sim/index.js';

/** A stage's CPU time: a fixed part plus a part per byte it processes. */
export interface StageCost {
  readonly fixedNs: Ns;
  readonly perByteNs: number;
}

export interface CostProfile {
  /** Stage 1: kernel_read_file() of the whole file (finit_module only). */
  readonly read: StageCost;
  /** Stage 1: decompression of a compressed file, per byte of output. */
  readonly decompress: StageCost;
  /** A compressed file's image is this many times its size. */
  readonly decompressedSizeFactor: number;
  /** Stage 2: module_sig_check() and the ELF validity checks, per image byte. */
  readonly checkSignature: StageCost;
  /** Stage 3: blacklist, section headers, modstruct version, modinfo. */
  readonly earlyChecks: StageCost;
  /** Stage 4: layout_and_allocate(), per image byte (the copy into place). */
  readonly layout: StageCost;
  /** Stage 5: add_unformed_module(). */
  readonly addUnformed: StageCost;
  /** Stage 6: per-cpu areas, symbol resolution, relocations, arguments. */
  readonly resolveSymbols: StageCost;
  /** Stage 7: complete_formation(), sysfs entries, freeing the copy. */
  readonly formation: StageCost;
  /** Whether the init function's time holds a CPU (otherwise it runs off the pool, as a sleep). */
  readonly initOnCpu: boolean;
  /**
   * A contended acquisition of module_mutex: from the unlock to the waiter
   * it is handed to running with it (its wake-up and the switch to it),
   * 1–5 µs on a loaded server; an uncontended one costs nothing. To be
   * calibrated.
   */
  readonly moduleMutexNs: Ns;
  /**
   * One re-check under module_mutex (finished_loading(), the duplicate check):
   * find_module_all() walks the module list, ~100–200 entries on a server:
   * 0.5–2 µs.
   */
  readonly recheckNs: Ns;
  /** CONFIG_HZ: 250 on Debian and openSUSE kernels (the jiffy is 4 ms). */
  readonly hz: number;
  /** Added to every grace period beyond the first FQS scan (busy CPUs, GP kthread latency); to be calibrated. */
  readonly rcuGraceExtraNs: Ns;
  /** The GOING notifier chain, livepatch and ftrace release, sysfs teardown of one module; to be calibrated (tens to hundreds of µs). */
  readonly teardownNs: Ns;
  /**
   * vfree() of one module memory region (VM_FLUSH_RESET_PERMS): resetting
   * the direct map and purging the lazily freed areas under vmap_purge_lock,
   * before the TLB flush; to be calibrated (µs).
   */
  readonly regionFreeNs: Ns;
  /**
   * That flush's IPI broadcast, per CPU of the machine (flush_tlb_kernel_range()
   * interrupts every CPU and waits for each): 50–500 ns per CPU; to be calibrated.
   */
  readonly tlbFlushNsPerCpu: number;
  /**
   * Memory regions of one module from 6.4 (ac3b43283923, struct module_memory:
   * text, data, rodata, ro_after_init, init text, init data, init rodata; empty
   * ones are not allocated): 3–7, 5 for a typical driver. Before 6.4 a module
   * has two (core_layout and init_layout).
   */
  readonly moduleMemoryRegions: number;
  /** delete_module: the module's exit() and the GOING notifiers, before free_module(). Off the CPU pool. */
  readonly unloadNs: Ns;
  /** resolve_symbol_wait(): how long a load waits for a COMING exporter (30 s). */
  readonly symbolWaitNs: Ns;
  /** Size of the module area, where every final image lives. */
  readonly moduleAreaBytes: number;
  /** The final image's size as a multiple of the (decompressed) file size. */
  readonly layoutFactor: number;
  /** Module-area allocations are whole pages of this size. */
  readonly pageBytes: number;
  /** A fixed grace period instead of the first-FQS formula (the model checker's 0). */
  readonly gracePeriodNs?: Ns;
}

const free: StageCost = { fixedNs: 0, perByteNs: 0 };

export const DEFAULT_COSTS: CostProfile = Object.freeze({
  read: { fixedNs: 10 * NS_PER_US, perByteNs: 2 },
  decompress: { fixedNs: 50 * NS_PER_US, perByteNs: 10 },
  decompressedSizeFactor: 3,
  checkSignature: { fixedNs: 1 * NS_PER_MS, perByteNs: 100 },
  earlyChecks: free,
  layout: free,
  addUnformed: free,
  resolveSymbols: free,
  formation: free,
  initOnCpu: false,
  moduleMutexNs: 1 * NS_PER_US,
  recheckNs: 1 * NS_PER_US,
  hz: 250,
  rcuGraceExtraNs: 100 * NS_PER_US,
  teardownNs: 100 * NS_PER_US,
  regionFreeNs: 5 * NS_PER_US,
  tlbFlushNsPerCpu: 100,
  moduleMemoryRegions: 5,
  unloadNs: 4 * NS_PER_MS,
  symbolWaitNs: 30 * NS_PER_S,
  moduleAreaBytes: 1008 * 1024 * 1024,
  layoutFactor: 1,
  pageBytes: 4096,
});

/** A profile with every time set to 0 (the model checker's: only the order of steps matters). */
export const ZERO_TIME_COSTS: CostProfile = Object.freeze({
  ...DEFAULT_COSTS,
  read: free,
  decompress: free,
  checkSignature: free,
  moduleMutexNs: 0,
  recheckNs: 0,
  rcuGraceExtraNs: 0,
  teardownNs: 0,
  regionFreeNs: 0,
  tlbFlushNsPerCpu: 0,
  unloadNs: 0,
  gracePeriodNs: 0,
});

/** Overrides as a caller gives them: any field, and any part of a stage cost. */
export type CostOverrides = {
  readonly [K in keyof CostProfile]?: CostProfile[K] extends StageCost ? Partial<StageCost> : CostProfile[K];
};

// The schema of every field: one place says what each cost is allowed to be, and a field
// added to CostProfile without its schema entry does not compile (`satisfies` below).
const wholeNs = z
  .number({ error: 'must be a whole number of ns ≥ 0' })
  .int({ error: 'must be a whole number of ns ≥ 0' })
  .min(0, { error: 'must be a whole number of ns ≥ 0' });
const atLeast = (min: number, what = 'a number') =>
  z.number({ error: `must be ${what} ≥ ${min}` }).min(min, { error: `must be ${what} ≥ ${min}` });
const wholeAtLeast = (min: number) => atLeast(min, 'a whole number').int({ error: `must be a whole number ≥ ${min}` });
const stageError = 'must be a stage cost { fixedNs, perByteNs }, not a single value (say which part, e.g. { perByteNs: 2 })';
const stageCost = z.strictObject(
  { fixedNs: wholeNs, perByteNs: atLeast(0) },
  { error: (issue: { code?: string }) => (issue.code === 'unrecognized_keys' ? 'unknown field; known: fixedNs, perByteNs' : stageError) },
);
const flag = z.boolean({ error: 'must be true or false' });

const COST_FIELDS = {
  read: stageCost,
  decompress: stageCost,
  decompressedSizeFactor: atLeast(1),
  checkSignature: stageCost,
  earlyChecks: stageCost,
  layout: stageCost,
  addUnformed: stageCost,
  resolveSymbols: stageCost,
  formation: stageCost,
  initOnCpu: flag,
  moduleMutexNs: wholeNs,
  recheckNs: wholeNs,
  hz: wholeAtLeast(1),
  rcuGraceExtraNs: wholeNs,
  teardownNs: wholeNs,
  regionFreeNs: wholeNs,
  tlbFlushNsPerCpu: atLeast(0),
  moduleMemoryRegions: wholeAtLeast(1),
  unloadNs: wholeNs,
  symbolWaitNs: wholeNs,
  moduleAreaBytes: wholeAtLeast(0),
  layoutFactor: atLeast(0),
  pageBytes: wholeAtLeast(1),
  gracePeriodNs: wholeNs.optional(),
} satisfies { readonly [K in keyof CostProfile]-?: z.ZodType<CostProfile[K]> };

/** Names of the kernel's costs, in profile order. */
export const COST_NAMES = Object.keys(COST_FIELDS) as (keyof CostProfile)[];

const unknownCost = {
  error: (issue: { code?: string }) =>
    issue.code === 'unrecognized_keys'
      ? `unknown kernel cost; known: ${COST_NAMES.join(', ')}`
      : 'must map kernel cost names to values',
};

/** A complete kernel cost profile. */
export const costProfileSchema = z.strictObject(COST_FIELDS, unknownCost);

/** Overrides of a profile: every field optional, a stage cost in part ({ perByteNs } alone). */
export const costOverridesSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(COST_FIELDS).map(([key, schema]) => [
      key,
      (schema === stageCost ? stageCost.partial() : schema).optional(),
    ]),
  ) as unknown as { [K in keyof CostProfile]: z.ZodOptional<z.ZodType<CostOverrides[K]>> },
  unknownCost,
);

/** `base` with `overrides` applied, validated by the schema (a bad value names its field). */
export function resolveCosts(overrides: CostOverrides = {}, base: CostProfile = DEFAULT_COSTS): CostProfile {
  const parsed = costOverridesSchema.safeParse(overrides);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const field = [...issue.path, ...keys.slice(0, 1)].map(String).join('.');
    throw new UserError(`cost profile: ${field === '' ? '' : `${field}: `}${issue.message}`);
  }
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(parsed.data)) {
    if (value === undefined) continue;
    const was = base[key as keyof CostProfile];
    out[key] = typeof was === 'object' ? { ...was, ...(value as Partial<StageCost>) } : value;
  }
  return Object.freeze(out as unknown as CostProfile);
}

/** jiffies_till_first_fqs for `cpus` CPUs (kernel/rcu/tree.c: RCU_JIFFIES_TILL_FORCE_QS + nr_cpu_ids / RCU_JIFFIES_FQS_DIV). */
export function jiffiesTillFirstFqs(hz: number, cpus: number): number {
  return 1 + (hz > 250 ? 1 : 0) + (hz > 500 ? 1 : 0) + Math.floor(cpus / 256);
}

/** One synchronize_rcu() on a machine of `cpus` CPUs. */
export function gracePeriodNs(costs: CostProfile, cpus: number): Ns {
  if (costs.gracePeriodNs !== undefined) return costs.gracePeriodNs;
  return Math.round((jiffiesTillFirstFqs(costs.hz, cpus) * NS_PER_S) / costs.hz) + costs.rcuGraceExtraNs;
}

/** Freeing one module memory region on x86: vfree() under vmap_purge_lock, then a TLB-flush IPI to every CPU. */
export function regionFreeNs(costs: CostProfile, cpus: number): Ns {
  return costs.regionFreeNs + Math.round(costs.tlbFlushNsPerCpu * cpus);
}

/** A stage's CPU time for `bytes` of input, in whole nanoseconds. */
export function stageNs(cost: StageCost, bytes: number): Ns {
  return Math.round(cost.fixedNs + cost.perByteNs * bytes);
}

/** The bytes of a module file's image once decompressed (a file that is not compressed is its own image). */
export function imageBytesOf(costs: CostProfile, file: { readonly size: number; readonly compressed: boolean }): number {
  return file.compressed ? Math.round(file.size * costs.decompressedSizeFactor) : file.size;
}

/** The module-area bytes a final image of `imageBytes` takes. */
export function layoutBytes(costs: CostProfile, imageBytes: number): number {
  const raw = Math.ceil(imageBytes * costs.layoutFactor);
  return Math.ceil(raw / costs.pageBytes) * costs.pageBytes;
}
