/**
 * A snapshot of a real host as a scenario: its devices from sysfs (what
 * `udevadm trigger` walks), its CPUs, memory, cpufreq driver and module
 * tree. The per-CPU devices (`cpuN`, ACPI processor devices) and the
 * memory blocks become counts the machine model regenerates, so a snapshot
 * scales with `--cpus` and `--memory-gib`; every other device is listed as
 * found.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { release as osRelease } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { INDEX_FILES } from '../../userspace/kmod/index.js';
import { ACPI_PROCESSOR_HIDS, CPUFREQ_DRIVERS, DEFAULT_MEMORY_BLOCK_BYTES, type CpufreqDriver, type ExtraDevice } from '../machine.js';
import type { ScenarioInput } from '../schema.js';
import { newWalkStats, walkSysfsDevices, type SysfsWalkStats } from './sysfs.js';

export interface SnapshotOptions {
  /** Default /sys. */
  readonly sysfs?: string | undefined;
  /** Where meminfo and sys/kernel/osrelease are read; default /proc. */
  readonly proc?: string | undefined;
  /** Default /lib/modules/<release>; the embedded tree when that has no indexes. */
  readonly modulesDir?: string | undefined;
}

export interface SnapshotReport {
  readonly sysfs: string;
  readonly kernelRelease: string;
  readonly walk: SysfsWalkStats;
  /** Devices found (with a uevent file and a subsystem), by what the scenario makes of them. */
  readonly devices: { total: number; withModalias: number; cpus: number; acpiProcessors: number; memoryBlocks: number; listed: number };
  /** CPUs whose MODALIAS differs from cpu0's (a hybrid CPU): the scenario gives every CPU cpu0's. */
  readonly cpuModaliasesDiffering: number;
  readonly memTotalKiB: number;
  /** scaling_driver as the host shows it, or undefined for none. */
  readonly hostCpufreqDriver: string | undefined;
  readonly cpufreqDriver: CpufreqDriver;
  /** The module tree the scenario names, or undefined for the embedded one, with why. */
  readonly modulesDir: string | undefined;
  readonly modulesNote: string;
}

export interface Snapshot {
  readonly input: ScenarioInput;
  readonly report: SnapshotReport;
}

const CPU_DEVPATH = /^\/devices\/system\/cpu\/cpu\d+$/;
const MEMORY_BLOCK_DEVPATH = /^\/devices\/system\/memory\/memory\d+$/;
const ACPI_PROCESSOR = new RegExp(`^(${ACPI_PROCESSOR_HIDS.join('|')}):[0-9a-f]+$`);
const KiB = 1024;
const GiB = 2 ** 30;

export function takeSnapshot(options: SnapshotOptions = {}): Snapshot {
  const sysfs = resolve(options.sysfs ?? '/sys');
  const proc = resolve(options.proc ?? '/proc');
  if (!isDirectory(join(sysfs, 'devices'))) throw new UserError(`--sysfs: ${sysfs} has no devices/ directory (not a sysfs tree)`);

  const walk = newWalkStats();
  let cpus = 0;
  let cpuModalias: string | undefined;
  let cpuModaliasesDiffering = 0;
  let memoryBlocks = 0;
  let withModalias = 0;
  let total = 0;
  const acpiProcessors: { devpath: string; hid: string; modalias: string | undefined; subsystem: string; driver: string | undefined }[] = [];
  const listed: ExtraDevice[] = [];
  for (const d of walkSysfsDevices(sysfs, walk)) {
    total++;
    if (d.modalias !== undefined) withModalias++;
    if (d.subsystem === 'cpu' && CPU_DEVPATH.test(d.devpath)) {
      cpus++;
      if (cpuModalias === undefined) cpuModalias = d.modalias;
      else if (d.modalias !== cpuModalias) cpuModaliasesDiffering++;
      continue;
    }
    if (d.subsystem === 'memory' && MEMORY_BLOCK_DEVPATH.test(d.devpath)) {
      memoryBlocks++;
      continue;
    }
    const hid = d.subsystem === 'acpi' ? ACPI_PROCESSOR.exec(d.devpath.slice(d.devpath.lastIndexOf('/') + 1))?.[1] : undefined;
    if (hid !== undefined) {
      acpiProcessors.push({ ...d, hid });
      continue;
    }
    listed.push(extraDevice(d));
  }
  if (cpus === 0) throw new UserError(`--sysfs: ${sysfs} has no CPU devices (devices/system/cpu/cpuN with a uevent file): not a sysfs tree`);

  // The processors the model regenerates: those of the most common HID under its first parent; any other is listed as it is.
  const hid = mostCommon(acpiProcessors.map((p) => p.hid)) ?? 'ACPI0007';
  const parent = acpiProcessors.find((p) => p.hid === hid)?.devpath;
  const acpiParent = parent === undefined ? undefined : dirname(parent);
  let acpiCount = 0;
  for (const p of acpiProcessors) {
    if (p.hid === hid && dirname(p.devpath) === acpiParent && p.modalias === `acpi:${hid}:`) acpiCount++;
    else listed.push(extraDevice(p));
  }
  listed.sort((a, b) => (a.devpath < b.devpath ? -1 : a.devpath > b.devpath ? 1 : 0));

  const kernelRelease = readText(join(proc, 'sys/kernel/osrelease'))?.trim() || osRelease();
  const memTotalKiB = memTotal(join(proc, 'meminfo'));
  const blockBytes = memoryBlockBytes(sysfs);
  const hostDriver = cpufreqScalingDriver(sysfs);
  const modules = moduleTree(options.modulesDir, kernelRelease);

  const machine: NonNullable<ScenarioInput['machine']> = {
    cpus,
    memoryGiB: Number(((memTotalKiB * KiB) / GiB).toFixed(6)),
    cpuModalias,
    acpiProcessorDevices: acpiCount,
    acpiProcessorHid: hid as (typeof ACPI_PROCESSOR_HIDS)[number],
    ...(acpiParent !== undefined ? { acpiProcessorParent: acpiParent } : {}),
    cpufreqDriver: modelCpufreqDriver(hostDriver),
    memoryBlocks,
    memoryBlockBytes: blockBytes,
    // Every other device is listed as the host has it, so none is counted in.
    deviceCounts: { acpi: 0, pci: 0, platform: 0 },
    devices: listed,
  };
  const input: ScenarioInput = {
    name: `snapshot of ${sysfs} (kernel ${kernelRelease})`,
    machine,
    ...(modules.dir !== undefined ? { modules: { dir: modules.dir } } : {}),
  };
  return {
    input,
    report: {
      sysfs,
      kernelRelease,
      walk,
      devices: { total, withModalias, cpus, acpiProcessors: acpiCount, memoryBlocks, listed: listed.length },
      cpuModaliasesDiffering,
      memTotalKiB,
      hostCpufreqDriver: hostDriver,
      cpufreqDriver: modelCpufreqDriver(hostDriver),
      modulesDir: modules.dir,
      modulesNote: modules.note,
    },
  };
}

function extraDevice(d: { devpath: string; subsystem: string; modalias: string | undefined; driver: string | undefined }): ExtraDevice {
  return {
    devpath: d.devpath,
    subsystem: d.subsystem,
    ...(d.modalias !== undefined ? { modalias: d.modalias } : {}),
    ...(d.driver !== undefined ? { driver: d.driver } : {}),
  };
}

function mostCommon(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | undefined;
  for (const [v, n] of counts) if (best === undefined || n > counts.get(best)!) best = v;
  return best;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** /proc/meminfo's `MemTotal:  24683664 kB`: what udevd's childrenMax formula reads as physical memory. */
function memTotal(file: string): number {
  const text = readText(file);
  if (text === undefined) throw new UserError(`--proc: cannot read ${file} (MemTotal is the machine's memory)`);
  const m = /^MemTotal:\s+(\d+) kB$/m.exec(text);
  if (m === null) throw new UserError(`--proc: ${file} has no 'MemTotal: N kB' line`);
  const kib = Number(m[1]);
  if (kib <= 0) throw new UserError(`--proc: ${file}: MemTotal is 0`);
  return kib;
}

/** devices/system/memory/block_size_bytes: hex without 0x (drivers/base/memory.c block_size_bytes_show()). */
function memoryBlockBytes(sysfs: string): number {
  const text = readText(join(sysfs, 'devices/system/memory/block_size_bytes'))?.trim();
  if (text === undefined || !/^[0-9a-fA-F]+$/.test(text)) return DEFAULT_MEMORY_BLOCK_BYTES;
  return Number.parseInt(text, 16);
}

/** The active cpufreq driver: policyN/scaling_driver (drivers/cpufreq/cpufreq.c), or undefined when no driver is registered. */
function cpufreqScalingDriver(sysfs: string): string | undefined {
  const dir = join(sysfs, 'devices/system/cpu/cpufreq');
  let policies: string[] = [];
  try {
    policies = readdirSync(dir).filter((n) => /^policy\d+$/.test(n)).sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
  } catch {
    // no cpufreq directory: no driver
  }
  for (const p of policies) {
    const driver = readText(join(dir, p, 'scaling_driver'))?.trim();
    if (driver) return driver;
  }
  return undefined;
}

/**
 * The model's choices: a driver registered before coldplug (intel_pstate,
 * or intel_cpufreq, its passive mode; amd-pstate and amd-pstate-epp), or
 * none. Any other (acpi-cpufreq, cppc_cpufreq, ...) is itself loaded by
 * coldplug, so at coldplug's start no driver is registered: none.
 */
export function modelCpufreqDriver(host: string | undefined): CpufreqDriver {
  if (host === 'intel_pstate' || host === 'intel_cpufreq') return 'intel_pstate';
  if (host !== undefined && /^amd[-_]pstate(-epp)?$/.test(host)) return 'amd_pstate';
  return CPUFREQ_DRIVERS[2];
}

function moduleTree(given: string | undefined, release: string): { dir: string | undefined; note: string } {
  const dir = resolve(given ?? join('/lib/modules', release));
  const missing = INDEX_FILES.find((f) => !existsSync(join(dir, f)));
  if (missing === undefined) {
    return { dir, note: `module tree ${dir} (text indexes read; the .bin indexes are ignored)` };
  }
  const why = existsSync(dir) ? `${dir} has no ${missing}` : `${dir} does not exist`;
  if (given !== undefined) throw new UserError(`--modules-dir: ${why} (run depmod, or name a /lib/modules/VERSION directory)`);
  return { dir: undefined, note: `no module tree for kernel ${release} (${why}): the scenario uses the embedded Debian 6.1 tree` };
}
