import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { initBehaviour } from '../../src/scenario/behaviour.js';
import { shippedProfile } from '../../src/scenario/profile.js';
import { defaultDeviceCounts, machineDevices, memoryBlockBytesFor, XEON_SKX_CPU_MODALIAS } from '../../src/scenario/machine.js';
import { resolveScenario } from '../../src/scenario/scenario.js';
import { EMBEDDED_MODULES_DIR, loadModuleTree, moduleFiles } from '../../src/scenario/tree.js';

const tree = loadModuleTree(undefined, 65536);

describe('the default machine', () => {
  it("has a CPU MODALIAS that pulls in acpi_cpufreq and a Xeon's CPU-feature modules, and not AMD ones", () => {
    const names = new Set(tree.index.resolve(XEON_SKX_CPU_MODALIAS));
    for (const m of ['acpi_cpufreq', 'kvm_intel', 'aesni_intel', 'crc32c_intel', 'coretemp', 'skx_edac', 'intel_uncore', 'intel_rapl_common']) {
      expect(names).toContain(m);
    }
    for (const m of ['kvm_amd', 'amd64_edac', 'pcc_cpufreq', 'padlock_aes']) expect(names).not.toContain(m);
    expect(names.size).toBe(20);
  });

  it('has ACPI processor devices that ask for both cpufreq drivers', () => {
    expect(tree.index.resolve('acpi:ACPI0007:')).toEqual(['acpi_cpufreq', 'pcc_cpufreq']);
    expect(tree.index.resolve('acpi:LNXCPU:')).toEqual(['acpi_cpufreq', 'pcc_cpufreq']);
  });

  const none = { acpi: 0, pci: 0, platform: 0 };

  it('lists the ACPI parents, ACPI processor devices numbered in hex, cpuN, then extra devices', () => {
    const s = resolveScenario({
      machine: { cpus: 300, acpiProcessorHid: 'LNXCPU', deviceCounts: none, memoryBlocks: 0, devices: [{ devpath: '/devices/platform/foo', modalias: 'platform:foo' }] },
    });
    const devices = machineDevices(s.machine);
    expect(devices).toHaveLength(603);
    expect(devices[0]).toEqual({ devpath: '/devices/LNXSYSTM:00', subsystem: 'acpi', modalias: 'acpi:LNXSYSTM:' });
    expect(devices[1]).toEqual({ devpath: '/devices/LNXSYSTM:00/LNXSYBUS:00', subsystem: 'acpi', modalias: 'acpi:LNXSYBUS:' });
    expect(devices[2]?.devpath).toBe('/devices/LNXSYSTM:00/LNXSYBUS:00/LNXCPU:00');
    expect(devices[12]?.devpath).toBe('/devices/LNXSYSTM:00/LNXSYBUS:00/LNXCPU:0a');
    expect(devices[301]).toEqual({ devpath: '/devices/LNXSYSTM:00/LNXSYBUS:00/LNXCPU:12b', subsystem: 'acpi', modalias: 'acpi:LNXCPU:' });
    expect(devices[601]).toEqual({ devpath: '/devices/system/cpu/cpu299', subsystem: 'cpu', modalias: XEON_SKX_CPU_MODALIAS });
    expect(devices[602]).toEqual({ devpath: '/devices/platform/foo', subsystem: 'platform', modalias: 'platform:foo' });
    expect(machineDevices(resolveScenario({ machine: { cpus: 4, acpiProcessorDevices: 0, deviceCounts: none, memoryBlocks: 0 } }).machine)).toHaveLength(6);
  });

  it('generates the ACPI parents only when the scenario does not list them itself, as a snapshot does', () => {
    const listed = { devpath: '/devices/LNXSYSTM:00', modalias: 'acpi:LNXSYSTM:', subsystem: 'acpi' };
    const s = resolveScenario({ machine: { cpus: 2, deviceCounts: none, memoryBlocks: 0, devices: [listed] } });
    const paths = machineDevices(s.machine).map((d) => d.devpath);
    expect(paths.filter((p) => p === '/devices/LNXSYSTM:00')).toHaveLength(1);
    expect(paths).toContain('/devices/LNXSYSTM:00/LNXSYBUS:00');
    // A listed device the counted classes generate too is refused, naming the class to turn off.
    expect(() => resolveScenario({ machine: { cpus: 2, devices: [{ devpath: '/devices/platform/serial8250.0' }] } })).toThrow(/set machine\.deviceCounts to 0/);
  });

  it('defaults to a server of the machine’s size: memory blocks of 2 GiB from 64 GiB of RAM, 128 MiB below', () => {
    expect(defaultDeviceCounts(288)).toEqual({ acpi: 100, pci: 576, platform: 32 });
    expect(defaultDeviceCounts(4)).toEqual({ acpi: 100, pci: 32, platform: 32 });
    expect(memoryBlockBytesFor(63)).toBe(128 * 1024 * 1024);
    expect(memoryBlockBytesFor(64)).toBe(2 * 1024 ** 3);
    expect(resolveScenario({ machine: { cpus: 288, memoryGiB: 1024 } }).machine).toMatchObject({ memoryBlocks: 512, memoryBlockBytes: 2 ** 31 });
    expect(resolveScenario({ machine: { cpus: 4, memoryGiB: 32 } }).machine).toMatchObject({ memoryBlocks: 256, memoryBlockBytes: 2 ** 27 });
    // A scenario sets any class; the rest keep their defaults.
    expect(resolveScenario({ machine: { deviceCounts: { pci: 7 } } }).machine.deviceCounts).toEqual({ acpi: 100, pci: 7, platform: 32 });
  });

  it('sends the devices in the order udevadm trigger does: ACPI namespace, PCI, platform, system/cpu, system/memory', () => {
    const devices = machineDevices(resolveScenario({ machine: { cpus: 4, memoryGiB: 8 } }).machine);
    const sorted = [...devices].sort((a, b) => (a.devpath < b.devpath ? -1 : a.devpath > b.devpath ? 1 : 0));
    const classes = [...new Set(sorted.map((d) => d.devpath.split('/')[2]?.replace(/[0-9:]+$/, '') + (d.subsystem === 'memory' || d.subsystem === 'cpu' ? `/${d.subsystem}` : '')))];
    expect(classes).toEqual(['LNXSYSTM', 'pci', 'platform', 'system/cpu', 'system/memory']);
    // memory blocks have no MODALIAS (the kmod rule does not fire for them)
    expect(devices.filter((d) => d.subsystem === 'memory').every((d) => d.modalias === undefined)).toBe(true);
  });
});

describe('init behaviours', () => {
  const pstate = resolveScenario({}).machine;
  const none = resolveScenario({ machine: { cpufreqDriver: 'none' } }).machine;

  const times = shippedProfile('server-288').init;

  it('fails both acpi_cpufreq and pcc_cpufreq with EEXIST at once while intel_pstate is active', () => {
    // acpi_cpufreq_init() and pcc_cpufreq_init() both start with: if (cpufreq_get_current_driver()) return -EEXIST;
    expect(initBehaviour('acpi_cpufreq', pstate, times)).toEqual({ result: 'EEXIST', ns: times.cpufreqBusyNs });
    expect(initBehaviour('pcc_cpufreq', pstate, times)).toEqual({ result: 'EEXIST', ns: times.cpufreqBusyNs });
    expect(times.cpufreqBusyNs).toBeLessThan(100_000);
    expect(initBehaviour('kvm_intel', pstate, times).result).toBe(0);
  });

  it('lets acpi_cpufreq register and pcc_cpufreq probe and fail ENODEV when no cpufreq driver is active', () => {
    expect(initBehaviour('acpi_cpufreq', none, times)).toEqual({ result: 0, ns: times.acpiCpufreqPerCpuNs * none.cpus });
    expect(initBehaviour('pcc_cpufreq', none, times)).toEqual({ result: 'ENODEV', ns: times.pccProbeNs });
  });

  it("takes init times from the profile and applies the scenario's override on top", () => {
    expect(initBehaviour('pcc_cpufreq', pstate, times, { result: 0, initNs: undefined })).toEqual({ result: 0, ns: times.cpufreqBusyNs });
    expect(initBehaviour('some_module', pstate, times, { result: undefined, initNs: 7 })).toEqual({ result: 0, ns: 7 });
    expect(initBehaviour('some_module', pstate, times).ns).toBe(times.defaultNs);
    expect(initBehaviour('kvm_intel', pstate, times).ns).toBe(times.modules.kvm_intel);
  });
});

describe('module tree', () => {
  it('reads the embedded Debian 6.1 tree with sizes from modules.sizes.tsv', () => {
    const pcc = tree.modules.find((m) => m.name === 'pcc_cpufreq');
    expect(pcc).toMatchObject({ path: 'kernel/drivers/cpufreq/pcc-cpufreq.ko', size: 33233, compressed: false });
    expect(tree.modules).toHaveLength(4023);
    expect(tree.sizes).toEqual({ sizesFile: true, fromSizesFile: 4023, fromFiles: 0, defaulted: 0, defaultBytes: 65536 });
    expect(tree.builtin).toContain('intel_pstate');
  });

  it('makes a module import a symbol of each module it depends on', () => {
    const kvmIntel = tree.modules.find((m) => m.name === 'kvm_intel');
    const kvm = tree.modules.find((m) => m.name === 'kvm');
    expect(kvm?.exports.length).toBeGreaterThan(10);
    expect(kvmIntel?.imports).toContain(kvm?.exports[0]);
  });

  it('gives the kernel one file per module with a distinct inode and its init', () => {
    const files = moduleFiles(tree, resolveScenario({}).machine, shippedProfile('server-288').init, {});
    expect(new Set(files.map((f) => f.inode)).size).toBe(files.length);
    expect(files.find((f) => f.name === 'acpi_cpufreq')?.init.result).toBe('EEXIST');
  });

  it('uses the default size where modules.sizes.tsv is missing, and names a directory without indexes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modstorm-tree-'));
    for (const f of ['modules.alias', 'modules.symbols', 'modules.softdep', 'modules.builtin']) writeFileSync(join(dir, f), '');
    expect(() => loadModuleTree(dir, 4096)).toThrow(UserError);
    expect(() => loadModuleTree(dir, 4096)).toThrow(/has no modules\.dep/);
    writeFileSync(join(dir, 'modules.dep'), readFileSync(join(EMBEDDED_MODULES_DIR, 'modules.dep'), 'utf8').split('\n').slice(0, 3).join('\n'));
    const small = loadModuleTree(dir, 4096);
    expect(small.modules).toHaveLength(3);
    expect(small.sizes).toMatchObject({ sizesFile: false, fromFiles: 0, defaulted: 3 });
    expect(small.modules.every((m) => m.size === 4096)).toBe(true);
  });
});
