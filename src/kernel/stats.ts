/**
 * Module loading statistics, after kernel/module/stats.c: each counter is
 * named after what it counts. The wasted-memory counters follow the kernel's
 * rules exactly: a load rejected before layout_and_allocate() adds the
 * image length to `invalidBecomingBytes`; one rejected after it adds twice
 * the length (the read copy and the final image) to `invalidModBytes`; a
 * compressed file adds its compressed size to either. A load whose init
 * fails is not counted as wasted, as in the kernel (do_init_module's
 * failure path bumps no counter); `initFailures` counts those.
 */
import { sortedTally } from './errno.js';
import type { SyscallResult } from './types.js';

/** Where a policy can detect a duplicate load (the strategy table in README). */
export type DetectionPoint = 'atEntry' | 'afterHeader' | 'earlyCheck' | 'addUnformed';

export const DETECTION_POINTS: readonly DetectionPoint[] = ['atEntry', 'afterHeader', 'earlyCheck', 'addUnformed'];

/** A plain copy of the counters, fit for JSON. */
export interface KernelStatsSnapshot {
  loadsAttempted: number;
  fullLoads: number;
  modulesLoaded: number;
  initFailures: number;
  modulesUnloaded: number;
  duplicates: Record<DetectionPoint, number>;
  results: Record<string, number>;
  failedLoads: Record<string, number>;
  failedBecoming: number;
  failedLoadModules: number;
  invalidKreadBytes: number;
  invalidDecompressBytes: number;
  invalidBecomingBytes: number;
  invalidModBytes: number;
  virtualMemoryWasted: number;
  /** The four invalid_*_bytes counters and their sum, as kernel/module/stats.c reports them. */
  wasted: WastedBytes;
  moduleAreaBytes: number;
  peakModuleAreaBytes: number;
  allocationFailures: number;
  vmallocBytes: number;
  peakVmallocBytes: number;
  symbolWaits: number;
  symbolWaitTimeouts: number;
}

/** Bytes read, decompressed or allocated by loads that were then rejected. */
export interface WastedBytes {
  kread: number;
  decompress: number;
  becoming: number;
  mod: number;
  total: number;
}

export class KernelStats {
  /** finit_module and init_module calls. */
  loadsAttempted = 0;
  /**
   * Loads that got past layout_and_allocate(): they hold a final image in the
   * module area, whatever happens next (a step-5 duplicate, a failed init).
   * init() calls are `modulesLoaded + initFailures`.
   */
  fullLoads = 0;
  /** `fullLoads` by module name. */
  readonly fullLoadsByName = new Map<string, number>();
  /** Loads that went LIVE (the kernel's `modcount`). */
  modulesLoaded = 0;
  /** Loads whose init returned an error. */
  initFailures = 0;
  /** delete_module calls that freed a module. */
  modulesUnloaded = 0;
  /** Requests a policy answered at each detection point (rejected, or given a merged result). */
  readonly duplicates: Record<DetectionPoint, number> = { atEntry: 0, afterHeader: 0, earlyCheck: 0, addUnformed: 0 };
  /** What load syscalls returned: '0' or the errno name. */
  readonly results = new Map<string, number>();
  /**
   * Failures before / after allocation (stats.c's failed_becoming,
   * failed_load_modules). The model's reads and decompressions never fail,
   * so stats.c's failed_kreads and failed_decompress have no counterpart;
   * their byte counters stay 0 for the same reason.
   */
  failedBecoming = 0;
  failedLoadModules = 0;
  invalidKreadBytes = 0;
  invalidDecompressBytes = 0;
  invalidBecomingBytes = 0;
  invalidModBytes = 0;
  /** Module-area bytes in use now and at most, and allocations it could not satisfy. */
  moduleAreaBytes = 0;
  peakModuleAreaBytes = 0;
  allocationFailures = 0;
  /** vmalloc bytes of read copies and decompressed images (#1, #2) in use now and at most. */
  vmallocBytes = 0;
  peakVmallocBytes = 0;
  /** Symbol resolutions that waited for a COMING exporter, and those that gave up after the timeout. */
  symbolWaits = 0;
  symbolWaitTimeouts = 0;

  /** "Virtual mem wasted bytes": the four invalid_*_bytes counters summed. */
  get virtualMemoryWasted(): number {
    return this.invalidKreadBytes + this.invalidDecompressBytes + this.invalidBecomingBytes + this.invalidModBytes;
  }

  /** Wasted bytes as kernel/module/stats.c reports them: per kind, and their sum. */
  get wasted(): WastedBytes {
    return {
      kread: this.invalidKreadBytes,
      decompress: this.invalidDecompressBytes,
      becoming: this.invalidBecomingBytes,
      mod: this.invalidModBytes,
      total: this.virtualMemoryWasted,
    };
  }

  /** @internal */
  countResult(result: SyscallResult): void {
    const key = String(result);
    this.results.set(key, (this.results.get(key) ?? 0) + 1);
  }

  /** @internal a load failed before its final image was allocated (mod_stat_bump_becoming). */
  bumpBecoming(len: number, compressedLen: number): void {
    this.failedBecoming++;
    this.invalidBecomingBytes += len + compressedLen;
  }

  /** @internal a load failed after its final image was allocated (mod_stat_bump_invalid). */
  bumpInvalid(len: number, compressedLen: number): void {
    this.failedLoadModules++;
    this.invalidModBytes += len * 2 + compressedLen;
  }

  /** @internal */
  vmalloc(bytes: number): void {
    this.vmallocBytes += bytes;
    if (this.vmallocBytes > this.peakVmallocBytes) this.peakVmallocBytes = this.vmallocBytes;
  }

  /** @internal */
  vfree(bytes: number): void {
    this.vmallocBytes -= bytes;
  }

  snapshot(): KernelStatsSnapshot {
    const results = sortedTally(Object.fromEntries(this.results));
    const failedLoads = Object.fromEntries(Object.entries(results).filter(([k]) => k !== '0'));
    return {
      loadsAttempted: this.loadsAttempted,
      fullLoads: this.fullLoads,
      modulesLoaded: this.modulesLoaded,
      initFailures: this.initFailures,
      modulesUnloaded: this.modulesUnloaded,
      duplicates: { ...this.duplicates },
      results,
      failedLoads,
      failedBecoming: this.failedBecoming,
      failedLoadModules: this.failedLoadModules,
      invalidKreadBytes: this.invalidKreadBytes,
      invalidDecompressBytes: this.invalidDecompressBytes,
      invalidBecomingBytes: this.invalidBecomingBytes,
      invalidModBytes: this.invalidModBytes,
      virtualMemoryWasted: this.virtualMemoryWasted,
      wasted: this.wasted,
      moduleAreaBytes: this.moduleAreaBytes,
      peakModuleAreaBytes: this.peakModuleAreaBytes,
      allocationFailures: this.allocationFailures,
      vmallocBytes: this.vmallocBytes,
      peakVmallocBytes: this.peakVmallocBytes,
      symbolWaits: this.symbolWaits,
      symbolWaitTimeouts: this.symbolWaitTimeouts,
    };
  }
}
