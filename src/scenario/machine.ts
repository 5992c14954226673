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

export interface Machine {
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly cpuModalias: string;
  readonly acpiProcessorDevices: number;
  readonly acpiProcessorHid: AcpiProcessorHid;
  readonly cpufreqDriver: CpufreqDriver;
  readonly acpiProcessorParent: string;
  readonly memoryBlocks: number;
  readonly memoryBlockBytes: number;
  readonly devices: readonly ExtraDevice[];
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

/** x86's smallest memory block, 128 MiB (MIN_MEMORY_BLOCK_SIZE, arch/x86/mm/init_64.c). */
export const DEFAULT_MEMORY_BLOCK_BYTES = 128 * 2 ** 20;

/**
 * The machine's devices: `cpuN` per CPU, one ACPI processor device per
 * entry of `acpiProcessorDevices`, the memory blocks, then the extra ones.
 * ACPI device instances are numbered in hex, as the kernel names them
 * (`ACPI0007:1f`, drivers/acpi/scan.c acpi_device_set_name()).
 */
export function machineDevices(machine: Machine): SysDevice[] {
  const out: SysDevice[] = [];
  for (let i = 0; i < machine.cpus; i++) {
    out.push({ devpath: `/devices/system/cpu/cpu${i}`, subsystem: 'cpu', modalias: machine.cpuModalias });
  }
  const hid = machine.acpiProcessorHid;
  for (let i = 0; i < machine.acpiProcessorDevices; i++) {
    const instance = i.toString(16).padStart(2, '0');
    out.push({ devpath: `${machine.acpiProcessorParent}/${hid}:${instance}`, subsystem: 'acpi', modalias: `acpi:${hid}:` });
  }
  // Memory blocks have no MODALIAS (drivers/base/memory.c has no uevent callback adding one).
  for (let i = 0; i < machine.memoryBlocks; i++) {
    out.push({ devpath: `/devices/system/memory/memory${i}`, subsystem: 'memory', modalias: undefined });
  }
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
  const own = new Set(machineDevices({ ...machine, devices: [] }).map((d) => d.devpath));
  const seen = new Map<string, number>();
  const out: { index: number; message: string }[] = [];
  machine.devices.forEach((d, index) => {
    const first = seen.get(d.devpath);
    if (first !== undefined) out.push({ index, message: `${d.devpath} is already machine.devices.${first}; sysfs holds one device per path` });
    else if (own.has(d.devpath)) out.push({ index, message: `${d.devpath} is one of the machine's own CPU or ACPI processor devices` });
    else seen.set(d.devpath, index);
  });
  return out;
}
