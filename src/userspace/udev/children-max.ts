/**
 * udev's default number of workers (`children_max`), as systemd-udevd
 * computes it when neither udev.conf nor the command line sets one.
 */

const MiB = 1024 * 1024;

/** Upper bound udevd applies whatever the machine. */
export const CHILDREN_MAX_CAP = 2048;

/**
 * min(2·cpus + 16, max(RAM / 128 MiB, 10), 2048) — the memory term keeps a
 * small-RAM box from forking more workers than it can hold.
 */
export function defaultChildrenMax(cpus: number, memoryBytes: number): number {
  const byCpu = 2 * cpus + 16;
  const byMemory = Math.max(Math.floor(memoryBytes / (128 * MiB)), 10);
  return Math.min(byCpu, byMemory, CHILDREN_MAX_CAP);
}
