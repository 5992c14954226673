/**
 * What one run produced: a plain, JSON-ready object. Reports are pure
 * functions of it; the same scenario and seed give the same object, byte
 * for byte once serialised.
 */

import type { WastedBytes } from '../kernel/index.js';
import type { ModuleSizes } from './tree.js';
import type { RunTimeline } from './timeline.js';

/** Per module, over the whole run. */
export interface ModuleRunResult {
  /** finit_module calls for it (kmod skips a LIVE module without asking). */
  requests: number;
  /** Time from its first to its last load request, ns. */
  firstToLastNs: number;
  /**
   * Time from the first to the last return udev logs as "Inserted module"
   * (kmod's success: 0 and EEXIST), ns; 0 with fewer than two. What a
   * measurement read from udev's debug log times.
   */
  firstToLastInsertedNs: number;
  /** Returns logged as "Inserted module". */
  insertedReturns: number;
  /** Times its init() ran. */
  initCalls: number;
  /** Loads that went the whole way: read, allocated, laid out, init called. */
  fullLoads: number;
  /** What the requests returned, by errno name ("0" for success). */
  results: Record<string, number>;
}

export interface RunResult {
  scenario: string | null;
  /** The strategy's label: a kernel policy (`v5.3`) or `udev-flock@v5.3`. */
  strategy: string;
  kernel: string;
  userspace: string | null;
  cpus: number;
  memoryGiB: number;
  seed: number;
  /** The cost profile's name. */
  profile: string;
  /** Time until udev's queue was empty (what `udevadm settle` waits for), ns. */
  settleNs: number;
  /** Virtual time when the last thing in the run happened (idle workers exiting included), ns. */
  endNs: number;
  events: number;
  eventsFailed: number;
  childrenMax: number;
  workersForked: number;
  peakWorkers: number;
  workerWarnings: number;
  workerTimeouts: number;
  workerKills: number;
  /** add-once: load requests udev dropped because an earlier event of the trigger asked for the driver. */
  droppedRequests: number;
  /** Totals over every module. */
  requests: number;
  initCalls: number;
  fullLoads: number;
  results: Record<string, number>;
  wasted: WastedBytes;
  peakModuleBytes: number;
  allocationFailures: number;
  /** Where the module tree's sizes came from (modules.sizes.tsv, the .ko files, or the default). */
  moduleSizes: ModuleSizes;
  /** Module inserts by the syscall kmod chose: init_module for a compressed file it decompressed itself. */
  insertCalls: { finit_module: number; init_module: number };
  /** By module name, sorted. */
  modules: Record<string, ModuleRunResult>;
  /** Loads and memory over time; only when the run was asked to record them (runScenario's `timeline`). */
  timeline?: RunTimeline;
  /** Order of simultaneous events: `fifo` (the seed changes nothing) or `random` (drawn from the seed). */
  ties: string;
  /** What depmod, kmod or the kernel would warn about in the scenario or its module tree (also printed on stderr). */
  warnings: string[];
}
