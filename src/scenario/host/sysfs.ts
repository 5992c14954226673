/**
 * Walking a sysfs tree for the devices `udevadm trigger` sends events for:
 * every directory under `<sysfs>/devices` with a `uevent` file and a
 * `subsystem` link. The walk streams (one directory open at a time, each
 * device handed out as it is found), visits entries in byte order so the
 * result does not depend on the file system, and never follows a symlink:
 * every device has exactly one real directory under /sys/devices, and the
 * links (subsystem, driver, device, firmware_node, nodeN, ...) point into
 * /sys/bus and /sys/class or back up the tree, where following them loops.
 */
import { opendirSync, readFileSync, readlinkSync, type Dir } from 'node:fs';
import { basename, join } from 'node:path';

/** One device, as its uevent file and subsystem link describe it. */
export interface SysfsDevice {
  /** `/devices/...`, as the kernel's DEVPATH. */
  readonly devpath: string;
  /** The basename of the `subsystem` link's target (the kernel adds SUBSYSTEM= to events from it). */
  readonly subsystem: string;
  readonly modalias: string | undefined;
  readonly driver: string | undefined;
}

export interface SysfsWalkStats {
  directories: number;
  ueventFiles: number;
  /** Symlinks seen and not followed. */
  symlinksSkipped: number;
  /** uevent directories without a subsystem link: `udevadm trigger` enumerates by subsystem and never sees them. */
  withoutSubsystem: number;
  /** Directories, uevent files or links that could not be read: skipped, each counted here and named in `unreadablePaths` (first 20). */
  unreadable: number;
  unreadablePaths: string[];
}

const KEEP_UNREADABLE_PATHS = 20;

/** The properties of a uevent file's text (`KEY=value` lines). */
export function parseUevent(text: string): Map<string, string> {
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return props;
}

/** The devices under `<sysfs>/devices`, in devpath order (parents before children); `stats` is filled as the walk goes. */
export function* walkSysfsDevices(sysfs: string, stats: SysfsWalkStats = newWalkStats()): Generator<SysfsDevice, SysfsWalkStats> {
  const unreadable = (path: string): void => {
    stats.unreadable++;
    if (stats.unreadablePaths.length < KEEP_UNREADABLE_PATHS) stats.unreadablePaths.push(path);
  };
  // Depth-first with an explicit stack of devpaths: sysfs trees are deep and wide, recursion is not needed.
  const stack = ['/devices'];
  while (stack.length > 0) {
    const devpath = stack.pop()!;
    const dir = join(sysfs, devpath);
    const entries = readEntries(dir);
    if (entries === undefined) {
      unreadable(dir);
      continue;
    }
    stats.directories++;
    const children: string[] = [];
    let hasUevent = false;
    for (const e of entries) {
      if (e.kind === 'link') stats.symlinksSkipped++;
      if (e.name === 'uevent' && e.kind !== 'link') hasUevent = true;
      else if (e.kind === 'dir') children.push(`${devpath}/${e.name}`);
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    if (!hasUevent || devpath === '/devices') continue;
    stats.ueventFiles++;
    const device = readDevice(dir, devpath, stats, unreadable);
    if (device !== undefined) yield device;
  }
  return stats;
}

export function newWalkStats(): SysfsWalkStats {
  return { directories: 0, ueventFiles: 0, symlinksSkipped: 0, withoutSubsystem: 0, unreadable: 0, unreadablePaths: [] };
}

interface Entry {
  readonly name: string;
  readonly kind: 'dir' | 'link' | 'other';
}

function readEntries(dir: string): Entry[] | undefined {
  let handle: Dir;
  try {
    handle = opendirSync(dir);
  } catch {
    return undefined;
  }
  const entries: Entry[] = [];
  try {
    for (let d = handle.readSync(); d !== null; d = handle.readSync()) {
      entries.push({ name: d.name, kind: d.isSymbolicLink() ? 'link' : d.isDirectory() ? 'dir' : 'other' });
    }
  } catch {
    return undefined;
  } finally {
    handle.closeSync();
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function readDevice(dir: string, devpath: string, stats: SysfsWalkStats, unreadable: (path: string) => void): SysfsDevice | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, 'uevent'), 'utf8');
  } catch {
    unreadable(join(dir, 'uevent'));
    return undefined;
  }
  let subsystem: string;
  try {
    subsystem = basename(readlinkSync(join(dir, 'subsystem')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') stats.withoutSubsystem++;
    else unreadable(join(dir, 'subsystem'));
    return undefined;
  }
  const props = parseUevent(text);
  const modalias = props.get('MODALIAS');
  const driver = props.get('DRIVER');
  return { devpath, subsystem, modalias: modalias === '' ? undefined : modalias, driver: driver === '' ? undefined : driver };
}
