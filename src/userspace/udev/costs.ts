/**
 * udev's own CPU time, in virtual ns. The kernel's costs (reading,
 * verifying, relocating, init) live in the kernel's cost profile; these are
 * the userspace side of a uevent.
 *
 * They are spent as plain time, off the machine's CPU pool: each is a short
 * slice that a time-sharing scheduler interleaves with everything else,
 * while the pool is first-come first-served and runs a slice to its end, so
 * queueing them there would hold udev behind every pending read and
 * signature check of the kernel, which no real scheduler does.
 */
import type { Ns, ProcessBody, Simulation, Waitable } from '../../sim/index.js';

export interface UdevCosts {
  /** The manager forks a worker (a copy of udevd). ~0.5 ms: a fork plus the child's setup of a process of udevd's size. */
  forkNs: Ns;
  /** The manager's work per event: receive it, queue it, check its devpath, send it to a worker. */
  dispatchNs: Ns;
  /** A worker's rules processing per event: read the device's sysfs attributes, match the rules files, import properties. */
  rulesNs: Ns;
  /** The kmod builtin per `kmod load`: look the MODALIAS up in the mmapped modules.alias.bin and friends. */
  kmodLookupNs: Ns;
  /** kmod per module it considers: open the module, read /sys/module/NAME/initstate. */
  kmodModuleNs: Ns;
  /**
   * systemd-journald's time to take one event's log lines from a worker
   * (journald is single-threaded, so workers queue for it): ~0 at udev's
   * default log level, milliseconds with udev.log_level=debug.
   */
  journalNs: Ns;
}

/**
 * Defaults: orders of magnitude of a udevd on a server (a few ms of rules
 * per event, tens of µs of index lookups); calibration adjusts them.
 */
export const DEFAULT_UDEV_COSTS: Readonly<UdevCosts> = Object.freeze({
  forkNs: 500_000,
  dispatchNs: 20_000,
  rulesNs: 1_500_000,
  kmodLookupNs: 60_000,
  kmodModuleNs: 25_000,
  journalNs: 0,
});

export const UDEV_COST_NAMES = Object.keys(DEFAULT_UDEV_COSTS) as (keyof UdevCosts)[];

/** What `yield*` of a zero spend runs: it is done at once, with no step. */
const DONE: IteratorReturnResult<void> = { done: true, value: undefined };
const NOTHING_YET = {
  next: (): IteratorReturnResult<void> => DONE,
  return: (): IteratorReturnResult<void> => DONE,
  throw: (error: unknown): never => {
    throw error;
  },
  [Symbol.iterator]() {
    return this;
  },
} as unknown as ProcessBody<void>;
const NOTHING: Waitable<void> = { [Symbol.iterator]: () => NOTHING_YET };

/**
 * Spends `ns` of udev's own time (nothing at all when it is 0). The wait
 * itself, not a generator around it: this runs several times per uevent.
 */
export function spend(sim: Simulation, ns: Ns): Waitable<void> {
  return ns > 0 ? sim.delay(ns) : NOTHING;
}
