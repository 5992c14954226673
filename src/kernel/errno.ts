/**
 * The errno values module loading can return, with the numbers and messages
 * of Linux x86-64 (include/uapi/asm-generic/errno-base.h, errno.h).
 */

const ERRNO_TABLE = {
  EPERM: [1, 'Operation not permitted'],
  ENOENT: [2, 'No such file or directory'],
  EINTR: [4, 'Interrupted system call'],
  EIO: [5, 'Input/output error'],
  ENOEXEC: [8, 'Exec format error'],
  EBADF: [9, 'Bad file descriptor'],
  EAGAIN: [11, 'Resource temporarily unavailable'],
  EWOULDBLOCK: [11, 'Resource temporarily unavailable'],
  ENOMEM: [12, 'Cannot allocate memory'],
  EACCES: [13, 'Permission denied'],
  EFAULT: [14, 'Bad address'],
  EBUSY: [16, 'Device or resource busy'],
  EEXIST: [17, 'File exists'],
  ENODEV: [19, 'No such device'],
  EINVAL: [22, 'Invalid argument'],
  ENOSPC: [28, 'No space left on device'],
  EDEADLK: [35, 'Resource deadlock avoided'],
  ENOSYS: [38, 'Function not implemented'],
  ENODATA: [61, 'No data available'],
  ENOTSUPP: [524, 'Operation is not supported'],
  EOPNOTSUPP: [95, 'Operation not supported'],
  ENXIO: [6, 'No such device or address'],
  ETIMEDOUT: [110, 'Connection timed out'],
  EKEYREJECTED: [129, 'Key was rejected by service'],
} as const satisfies Record<string, readonly [number, string]>;

/** A Linux errno name. `EWOULDBLOCK` is `EAGAIN` by number; delete_module's source says EWOULDBLOCK, so the model keeps both names. */
export type Errno = keyof typeof ERRNO_TABLE;

/** Every errno name the model knows, sorted. */
export const ERRNO_NAMES: readonly Errno[] = (Object.keys(ERRNO_TABLE) as Errno[]).sort();

export function isErrno(name: string): name is Errno {
  return Object.prototype.hasOwnProperty.call(ERRNO_TABLE, name);
}

/** The positive errno number (the syscall returns its negative). */
export function errnoNumber(name: Errno): number {
  return ERRNO_TABLE[name][0];
}

/** strerror() text. */
export function errnoMessage(name: Errno): string {
  return ERRNO_TABLE[name][1];
}

/** The name for a number, or undefined. `EWOULDBLOCK` (11) maps to `EAGAIN`. */
export function errnoName(number: number): Errno | undefined {
  for (const name of ERRNO_NAMES) if (ERRNO_TABLE[name][0] === number) return name;
  return undefined;
}

/**
 * The one order of a result tally: success ("0") first, then errno names in
 * byte order. Key order is part of every report's and JSON's determinism.
 */
export function compareResults(a: string, b: string): number {
  return a === b ? 0 : a === '0' ? -1 : b === '0' ? 1 : a < b ? -1 : 1;
}

/** A copy of `tally` with its keys in compareResults order. */
export function sortedTally(tally: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.keys(tally).sort(compareResults).map((k) => [k, tally[k] as number]));
}
