/**
 * The cost profile: what each stage of the load path costs in CPU time and
 * memory, and the limits of the module area.
 *
 * Calibration. The one ground truth for bursts is SPEC §5's table, measured
 * on Debian's 6.1 kernel (the `v6.2` policy) under QEMU with 8 vCPUs: N
 * processes released at once call finit_module on one file. For
 * pcc-cpufreq (33,233 bytes, init fails with ENODEV) N = 32 formed one load
 * and N = 64 formed two: a request still reading and verifying the file
 * when the first load had ended found nothing in flight and loaded again.
 * Under the model that happens when the requests reach the dedup point
 * spread out in time by more than a failing load lives. With every process
 * released at the same instant and C CPUs, the reads go through the CPU
 * pool C at a time, so the k-th batch of C requests reaches the dedup
 * point k read-times after the first; one load (formation → freed) lives
 * `init.ns + goingNs`. With 8 CPUs, N = 32 is 4 batches and N = 64 is 8;
 * the table's shape needs a failing load's life L and one read-and-verify
 * time R with 3·R < L < 7·R. The defaults give, for 33,233 bytes,
 * R ≈ 4.39 ms (read 0.08 ms + signature 4.32 ms) and, with the burst
 * command's default 20 ms init, L = 20 + 4 = 24 ms ≈ 5.5·R: in the middle
 * of the band, away from the ties at whole multiples.
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
 * so about 420 concurrent copies of a 2.5 MB module fill it (SPEC §1).
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
  /** A failed init: from GOING to freed (synchronize_rcu twice, notifiers, free_module). Off the CPU pool. */
  readonly goingNs: Ns;
  /** delete_module: from GOING to freed (exit, notifiers, free_module). Off the CPU pool. */
  readonly unloadNs: Ns;
  /** resolve_symbol_wait(): how long a load waits for a COMING exporter (30 s). */
  readonly symbolWaitNs: Ns;
  /** Size of the module area, where every final image lives. */
  readonly moduleAreaBytes: number;
  /** The final image's size as a multiple of the (decompressed) file size. */
  readonly layoutFactor: number;
  /** Module-area allocations are whole pages of this size. */
  readonly pageBytes: number;
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
  goingNs: 4 * NS_PER_MS,
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
  goingNs: 0,
  unloadNs: 0,
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
  goingNs: wholeNs,
  unloadNs: wholeNs,
  symbolWaitNs: wholeNs,
  moduleAreaBytes: wholeAtLeast(0),
  layoutFactor: atLeast(0),
  pageBytes: wholeAtLeast(1),
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

/** A stage's CPU time for `bytes` of input, in whole nanoseconds. */
export function stageNs(cost: StageCost, bytes: number): Ns {
  return Math.round(cost.fixedNs + cost.perByteNs * bytes);
}

/** The module-area bytes a final image of `imageBytes` takes. */
export function layoutBytes(costs: CostProfile, imageBytes: number): number {
  const raw = Math.ceil(imageBytes * costs.layoutFactor);
  return Math.ceil(raw / costs.pageBytes) * costs.pageBytes;
}
