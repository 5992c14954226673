/**
 * The simulated machine: how many CPUs, how much memory, what its CPUs
 * report as MODALIAS, and the devices sysfs shows for them — which is what
 * `udevadm trigger` walks at coldplug.
 */

/**
 * The default CPU MODALIAS: an Intel Xeon of family 6 model 0x55
 * (Skylake-SP / Cascade Lake), with the x86 feature numbers such a CPU
 * reports under Linux 6.1. This is the string the kernel's modules.alias
 * wildcards are matched against; with the Debian 6.1 indexes it selects
 * acpi_cpufreq (feature 0016, X86_FEATURE_ACPI) and 19 other CPU-feature
 * modules (aesni_intel, crc32c_intel, kvm_intel, coretemp, skx_edac,
 * intel_uncore, intel_rapl_common, ...), as a real server of that model gets.
 */
export const XEON_SKX_CPU_MODALIAS =
  'cpu:type:x86,ven0000fam0006mod0055:feature:,0000,0001,0002,0003,0004,0005,0006,0007,0008,0009,000B,000C,000D,000E,' +
  '000F,0010,0011,0013,0015,0016,0017,0018,0019,001A,001B,001C,001D,001F,002B,0034,003A,003B,003D,0068,006A,006B,006C,' +
  '006D,006F,0070,0072,0074,0075,0076,0078,0079,007C,0080,0081,0082,0083,0084,0085,0086,0087,0088,0089,008B,008C,008D,' +
  '008E,008F,0091,0092,0093,0094,0095,0096,0097,0098,0099,009A,009B,009C,009D,009E,00C0,00C5,00C8,00E1,00E3,00E4,00E6,' +
  '00E7,00EA,00F0,00F1,00F2,00F3,00F5,00F9,00FA,00FB,00FE,00FF,0100,0101,0102,0103,0104,0111,0120,0121,0123,0125,0126,' +
  '0127,0128,0129,012A,012C,012D,012E,012F,0130,0131,0132,0133,0134,0137,0138,0139,013C,013E,013F,0140,0141,0142,0143,' +
  '0160,0161,0162,0163,0164,0165,0171,01C0,01C1,01C2,01C4,01C5,01C6,0203,0204,020B,024A,025A,025B,025C,025D,025F';

/** The HID an ACPI processor device carries: `ACPI0007` (a Device object) or `LNXCPU` (an old Processor object). */
export const ACPI_PROCESSOR_HIDS = ['ACPI0007', 'LNXCPU'] as const;
export type AcpiProcessorHid = (typeof ACPI_PROCESSOR_HIDS)[number];

/** A cpufreq driver already registered when coldplug starts (built in), or none. */
export const CPUFREQ_DRIVERS = ['intel_pstate', 'amd_pstate', 'none'] as const;
export type CpufreqDriver = (typeof CPUFREQ_DRIVERS)[number];

/** A device beyond the CPUs, ACPI processors and memory blocks, as the scenario names it. */
export interface ExtraDevice {
  readonly devpath: string;
  readonly modalias?: string | undefined;
  readonly subsystem?: string | undefined;
  readonly driver?: string | undefined;
}

/**
 * How many devices of each class beyond the CPUs and ACPI processors a
 * coldplug walks. None of them has a module to load in the embedded tree,
 * but each event takes a worker and its rules time.
 */
export interface DeviceCounts {
  /** ACPI namespace devices besides the processors and the two parents (PCI roots, interrupt links, buttons, IPMI…). */
  readonly acpi: number;
  /** PCI functions (on a Xeon server mostly the uncore's: ~70 per 36-thread socket, plus root ports and cards). */
  readonly pci: number;
  /** Platform devices (serial ports, the RTC, EFI framebuffer, PMC…). */
  readonly platform: number;
}

export interface Machine {
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly cpuModalias: string;
  readonly acpiProcessorDevices: number;
  readonly acpiProcessorHid: AcpiProcessorHid;
  readonly cpufreqDriver: CpufreqDriver;
  /** The devpath the ACPI processor devices sit under; its ancestors below /devices are the ACPI namespace's parents. */
  readonly acpiProcessorParent: string;
  readonly memoryBlocks: number;
  readonly memoryBlockBytes: number;
  readonly deviceCounts: DeviceCounts;
  /** Devices named one by one (a host snapshot), after the counted ones. */
  readonly devices: readonly ExtraDevice[];
}

const MiB = 1024 ** 2;

/** x86's smallest memory block, 128 MiB (MIN_MEMORY_BLOCK_SIZE, arch/x86/mm/init_64.c). */
export const DEFAULT_MEMORY_BLOCK_BYTES = 128 * MiB;
/** The block x86-64 bare metal uses from 64 GiB of RAM up (probe_memory_block_size(): MEM_SIZE_FOR_LARGE_BLOCK, MAX_BLOCK_SIZE). */
export const LARGE_MEMORY_BLOCK_BYTES = 2048 * MiB;
export const LARGE_MEMORY_BLOCK_FROM_GIB = 64;

/** The memory block size x86-64 bare metal picks for this much RAM (arch/x86/mm/init_64.c probe_memory_block_size()). */
export function memoryBlockBytesFor(memoryGiB: number): number {
  return memoryGiB >= LARGE_MEMORY_BLOCK_FROM_GIB ? LARGE_MEMORY_BLOCK_BYTES : DEFAULT_MEMORY_BLOCK_BYTES;
}

/** One /sys/devices/system/memory/memoryN per block of RAM (at least one). */
export function defaultMemoryBlocks(memoryGiB: number, blockBytes: number): number {
  return Math.max(1, Math.floor((memoryGiB * 1024 * MiB) / blockBytes));
}

/**
 * A server of the machine's size, as a default: 100 other ACPI devices
 * (a server DSDT's PCI root bridges, interrupt links, buttons, IPMI, power
 * meters: 50–300), 2 PCI functions per CPU and at least 32 (Skylake-SP's
 * uncore exposes ~70 per 36-thread socket), 32 platform devices. A host
 * snapshot lists its own devices instead and sets these to 0.
 */
export function defaultDeviceCounts(cpus: number): DeviceCounts {
  return { acpi: 100, pci: Math.max(32, 2 * cpus), platform: 32 };
}

/** A device in sysfs as udev sees it: what `udevadm trigger` sends an event for. */
export interface SysDevice {
  readonly devpath: string;
  readonly subsystem: string;
  /** The MODALIAS property, if the device has one (only those make the kmod rule fire). */
  readonly modalias: string | undefined;
}

/** Where ACPI processor devices sit under the ACPI namespace in sysfs by default (some firmware puts them elsewhere). */
export const ACPI_PROCESSOR_PARENT = '/devices/LNXSYSTM:00/LNXSYBUS:00';

const hex = (i: number, width: number): string => i.toString(16).padStart(width, '0');

/**
 * The ACPI namespace's devices above the processors (by default LNXSYSTM:00
 * and LNXSYBUS:00): each has an event of its own, and udevd holds a
 * child's event while its parent's is running.
 */
function acpiParents(parent: string): SysDevice[] {
  const out: SysDevice[] = [];
  const parts = parent.split('/').slice(2); // '', 'devices', then the namespace's path
  for (let i = 1; i <= parts.length; i++) {
    const devpath = `/devices/${parts.slice(0, i).join('/')}`;
    const hid = (parts[i - 1] as string).split(':')[0] as string;
    out.push({ devpath, subsystem: 'acpi', modalias: `acpi:${hid}:` });
  }
  return out;
}

/**
 * The devices the machine's description generates, as `udevadm trigger`
 * finds them under /sys/devices (in devpath order): the ACPI namespace (its
 * parents unless the scenario lists them itself, as a snapshot does, one
 * processor device per entry of `acpiProcessorDevices`, the other ACPI
 * devices), PCI functions, platform devices, `cpuN` per CPU, the memory
 * blocks. ACPI device instances are numbered in hex, as the kernel names
 * them (`ACPI0007:1f`, drivers/acpi/scan.c acpi_device_set_name()).
 */
function ownDevices(machine: Machine): SysDevice[] {
  const listed = new Set(machine.devices.map((d) => d.devpath));
  const out = acpiParents(machine.acpiProcessorParent).filter((d) => !listed.has(d.devpath));
  const counts = machine.deviceCounts;
  const hid = machine.acpiProcessorHid;
  for (let i = 0; i < machine.acpiProcessorDevices; i++) {
    out.push({ devpath: `${machine.acpiProcessorParent}/${hid}:${hex(i, 2)}`, subsystem: 'acpi', modalias: `acpi:${hid}:` });
  }
  // PCI interrupt link devices stand for the rest of the namespace: no driver module matches them.
  for (let i = 0; i < counts.acpi; i++) {
    out.push({ devpath: `${ACPI_PROCESSOR_PARENT}/PNP0C0F:${hex(i, 2)}`, subsystem: 'acpi', modalias: 'acpi:PNP0C0F:' });
  }
  // Uncore functions of Skylake-SP (8086:2088, class 0880), 32 per bus: no module in the tree claims them.
  for (let i = 0; i < counts.pci; i++) {
    const bus = hex(Math.floor(i / 32), 2);
    const fn = i % 32;
    out.push({
      devpath: `/devices/pci0000:${bus}/0000:${bus}:${hex(fn >> 3, 2)}.${fn & 7}`,
      subsystem: 'pci',
      modalias: 'pci:v00008086d00002088sv00008086sd00000000bc08sc80i00',
    });
  }
  for (let i = 0; i < counts.platform; i++) {
    out.push({ devpath: `/devices/platform/serial8250.${i}`, subsystem: 'platform', modalias: 'platform:serial8250' });
  }
  for (let i = 0; i < machine.cpus; i++) {
    out.push({ devpath: `/devices/system/cpu/cpu${i}`, subsystem: 'cpu', modalias: machine.cpuModalias });
  }
  // Memory blocks have no MODALIAS (drivers/base/memory.c has no uevent callback adding one): the kmod rule does not fire, the rest of the rules still run.
  for (let i = 0; i < machine.memoryBlocks; i++) {
    out.push({ devpath: `/devices/system/memory/memory${i}`, subsystem: 'memory', modalias: undefined });
  }
  return out;
}

/** The machine's devices: those its description generates, then the ones named one by one. */
export function machineDevices(machine: Machine): SysDevice[] {
  const out = ownDevices(machine);
  for (const d of machine.devices) {
    out.push({ devpath: d.devpath, subsystem: d.subsystem ?? 'platform', modalias: d.modalias });
  }
  return out;
}

const GiB = 1024 ** 3;

export function memoryBytes(machine: Machine): number {
  return Math.round(machine.memoryGiB * GiB);
}

/**
 * The longest MODALIAS a device can show: sysfs attributes are one page
 * (PAGE_SIZE, 4 KiB on x86) and the kernel's print_cpu_modalias()
 * (drivers/base/cpu.c) stops adding features before it overflows one.
 */
export const MAX_MODALIAS_BYTES = 4096;

/**
 * The shape print_cpu_modalias() writes: `cpu:type:` then the arch's type
 * (x86: `x86,venVVVVfamFFFFmodMMMM`), `:feature:` and `,XXXX` per feature
 * number, in upper-case hex.
 */
const CPU_MODALIAS = /^cpu:type:[^:\s]+:feature:(,[0-9A-F]{4})*$/;

/** Why `text` cannot be a CPU's MODALIAS, or undefined when it can. */
export function cpuModaliasProblem(text: string): string | undefined {
  if (text.length > MAX_MODALIAS_BYTES) {
    return `is ${text.length} bytes long; a MODALIAS is at most ${MAX_MODALIAS_BYTES} bytes (one sysfs page)`;
  }
  if (!CPU_MODALIAS.test(text)) {
    return "must be a CPU MODALIAS as /sys/devices/system/cpu/cpu0/modalias shows it (cpu:type:x86,venVVVVfamFFFFmodMMMM:feature:,XXXX,...)";
  }
  return undefined;
}

/** x86 vendor numbers in a CPU MODALIAS (arch/x86/include/asm/processor.h X86_VENDOR_*). */
const X86_VENDORS: Readonly<Record<string, string>> = { '0000': 'Intel', '0002': 'AMD', '0009': 'Hygon' };

/** The CPU's vendor as its MODALIAS says (`ven0000` is Intel), or undefined off x86 or for another vendor. */
export function cpuVendor(cpuModalias: string): string | undefined {
  const m = /^cpu:type:x86,ven([0-9A-F]{4})/.exec(cpuModalias);
  return m === null ? undefined : X86_VENDORS[m[1] as string];
}

/**
 * Combinations the kernel would never produce: intel_pstate registers only on
 * Intel CPUs (drivers/cpufreq/intel_pstate.c intel_pstate_init() checks
 * X86_VENDOR_INTEL), amd_pstate only on AMD and Hygon
 * (drivers/cpufreq/amd-pstate.c amd_pstate_init()).
 */
export function cpufreqDriverProblem(driver: CpufreqDriver, cpuModalias: string): string | undefined {
  if (driver === 'none') return undefined;
  const vendor = cpuVendor(cpuModalias);
  const fits = driver === 'intel_pstate' ? vendor === 'Intel' : vendor === 'AMD' || vendor === 'Hygon';
  if (fits) return undefined;
  return `${driver} does not register on ${vendor === undefined ? 'this CPU' : `an ${vendor} CPU`} (the CPU MODALIAS says ${
    vendor ?? 'no x86 vendor it knows'
  }); the run still treats it as registered, so acpi_cpufreq and pcc_cpufreq fail EEXIST`;
}

/**
 * Extra devices that sysfs could not hold: one devpath twice, or a devpath
 * the machine's CPUs or ACPI processor devices already have (device_add()
 * fails with EEXIST: "sysfs: cannot create duplicate filename").
 */
export function duplicateDevpaths(machine: Machine): { index: number; message: string }[] {
  const own = new Set(ownDevices(machine).map((d) => d.devpath));
  const seen = new Map<string, number>();
  const out: { index: number; message: string }[] = [];
  machine.devices.forEach((d, index) => {
    const first = seen.get(d.devpath);
    if (first !== undefined) out.push({ index, message: `${d.devpath} is already machine.devices.${first}; sysfs holds one device per path` });
    else if (own.has(d.devpath)) out.push({ index, message: `${d.devpath} is one the machine already has (its CPUs, ACPI devices, counted PCI/platform devices or memory blocks; set machine.deviceCounts to 0 for a class you list yourself)` });
    else seen.set(d.devpath, index);
  });
  return out;
}
