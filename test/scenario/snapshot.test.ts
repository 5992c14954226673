/**
 * `modstorm snapshot` on a real sysfs tree: test/fixtures/host is this
 * project's development machine's /sys/devices and /proc, copied by
 * scripts/copy-sysfs.sh (uevent files, symlinks as they are).
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compareCommand } from '../../src/cli/commands/compare.js';
import { machineInput, toScenario } from '../../src/cli/commands/run.js';
import { snapshotCommand } from '../../src/cli/commands/snapshot.js';
import { UserError } from '../../src/errors.js';
import { takeSnapshot, modelCpufreqDriver } from '../../src/scenario/host/snapshot.js';
import { newWalkStats, walkSysfsDevices } from '../../src/scenario/host/sysfs.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { machineDevices } from '../../src/scenario/machine.js';
import { resolveScenario } from '../../src/scenario/scenario.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const HOST = join(FIXTURES, 'host');
const SYS = join(HOST, 'sys');
const PROC = join(HOST, 'proc');

const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});

/** A writable copy of the fixture host, links kept verbatim. */
function hostCopy(): { sys: string; proc: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'modstorm-host-'));
  temps.push(dir);
  cpSync(HOST, dir, { recursive: true, verbatimSymlinks: true });
  return { dir, sys: join(dir, 'sys'), proc: join(dir, 'proc') };
}

function addDevice(sys: string, devpath: string, subsystem: string, uevent: string): void {
  mkdirSync(join(sys, devpath), { recursive: true });
  writeFileSync(join(sys, devpath, 'uevent'), uevent);
  symlinkSync(`../../../bus/${subsystem}`, join(sys, devpath, 'subsystem'));
}

function snapshotLines(flags: Parameters<typeof snapshotCommand>[0]): { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  snapshotCommand(flags, (t) => out.push(t), (t) => err.push(t));
  return { out, err };
}

describe('the sysfs walk', () => {
  it('finds every device once, in devpath order, without following a symlink', () => {
    const stats = newWalkStats();
    const devices = [...walkSysfsDevices(SYS, stats)];
    expect(devices).toHaveLength(388);
    expect(stats).toMatchObject({ ueventFiles: 410, symlinksSkipped: 834, withoutSubsystem: 22, unreadable: 0 });
    const paths = devices.map((d) => d.devpath);
    expect(new Set(paths).size).toBe(paths.length);
    expect(devices.find((d) => d.devpath === '/devices/system/cpu/cpu1')).toMatchObject({ subsystem: 'cpu', driver: undefined });
    expect(devices.find((d) => d.devpath === '/devices/platform/serial8250')).toEqual({
      devpath: '/devices/platform/serial8250',
      subsystem: 'platform',
      modalias: 'platform:serial8250',
      driver: 'serial8250',
    });
    expect(devices.find((d) => d.devpath === '/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0A08:00')?.modalias).toBe('acpi:PNP0A08:PNP0A03:');
    // A parent comes before its children.
    const at = (p: string): number => paths.indexOf(p);
    expect(at('/devices/pci0000:00')).toBeLessThan(at('/devices/pci0000:00/0000:00:01.0'));
  });

  it('skips symlink loops and unreadable files, and counts them', () => {
    const { sys } = hostCopy();
    symlinkSync('..', join(sys, 'devices/system/cpu/cpu0/loop'));
    symlinkSync('.', join(sys, 'devices/system/cpu/cpu0/self'));
    // A uevent that cannot be read as a file (root reads through any mode bits, so a directory stands in).
    rmSync(join(sys, 'devices/system/memory/memory5/uevent'));
    mkdirSync(join(sys, 'devices/system/memory/memory5/uevent'));
    const stats = newWalkStats();
    const devices = [...walkSysfsDevices(sys, stats)];
    expect(devices).toHaveLength(387);
    expect(stats.symlinksSkipped).toBe(836);
    expect(stats.unreadable).toBe(1);
    expect(stats.unreadablePaths[0]).toMatch(/memory5\/uevent$/);
  });
});

describe('modstorm snapshot', () => {
  it('reads the fixture host into a scenario and says what it found', () => {
    const { input, report } = takeSnapshot({ sysfs: SYS, proc: PROC });
    expect(input.machine).toMatchObject({
      cpus: 2,
      memoryGiB: 23.540176,
      acpiProcessorDevices: 0,
      cpufreqDriver: 'none',
      memoryBlocks: 192,
      memoryBlockBytes: 128 * 2 ** 20,
    });
    expect(input.machine?.cpuModalias).toMatch(/^cpu:type:x86,ven0002fam0019mod0011:feature:,0000,/);
    expect(input.machine?.devices).toHaveLength(194);
    expect(input.modules).toBeUndefined();
    expect(report.kernelRelease).toBe('6.18.44-fc-v1147');
    expect(report.modulesNote).toBe(
      'no module tree for kernel 6.18.44-fc-v1147 (/lib/modules/6.18.44-fc-v1147 does not exist): the scenario uses the embedded Debian 6.1 tree',
    );
    // The scenario regenerates every device the host has; memory blocks by count (the host's numbering has holes, memory24-31 for the PCI hole).
    const notMemory = (p: string): boolean => !p.startsWith('/devices/system/memory/memory');
    const host = [...walkSysfsDevices(SYS)];
    const model = machineDevices(resolveScenario(input).machine);
    expect(model.map((d) => d.devpath).filter(notMemory).sort()).toEqual(host.map((d) => d.devpath).filter(notMemory).sort());
    expect(model.filter((d) => d.subsystem === 'memory')).toHaveLength(host.filter((d) => d.subsystem === 'memory').length);
    const withModalias = (ds: readonly { devpath: string; modalias: string | undefined }[]): string[] =>
      ds.filter((d) => d.modalias !== undefined).map((d) => `${d.devpath} ${d.modalias}`).sort();
    expect(withModalias(model)).toEqual(withModalias(host));
  });

  it('writes a file that compare runs, and names the module tree it found', async () => {
    const { dir } = hostCopy();
    const file = join(dir, 'me.yaml');
    const { out } = snapshotLines({ sysfs: SYS, proc: PROC, modulesDir: join(FIXTURES, 'modules', 'xz'), output: file });
    expect(out[1]).toBe('388 devices (410 uevent files; 28 with a MODALIAS): 2 CPUs, 0 ACPI processor devices, 192 memory blocks, 194 others listed');
    expect(out).toContain(`module tree ${join(FIXTURES, 'modules', 'xz')} (text indexes read; the .bin indexes are ignored)`);
    const lines: string[] = [];
    const results = await compareCommand({ scenario: file }, (t) => lines.push(...t.split('\n')));
    expect(lines[0]).toBe('2 CPUs, 23.540176 GiB, no cpufreq driver active, udev childrenMax 20, seed 1');
    expect(lines[1]).toBe("module sizes: no modules.sizes.tsv: 2 from the .ko files' sizes");
    for (const r of results) expect(r.events).toBe(388);
  });

  it('prints the scenario on stdout and the summary on stderr without -o', () => {
    const { out, err } = snapshotLines({ sysfs: SYS, proc: PROC });
    const parsed = parseScenarioText(out.join('\n'), 'stdout');
    expect(resolveScenario(parsed.input, parsed.origin).machine.memoryBlocks).toBe(192);
    expect(err[0]).toBe(`modstorm snapshot of ${SYS}, kernel 6.18.44-fc-v1147`);
    expect(out.join('\n').split('\n')[0]).toBe(`# modstorm snapshot of ${SYS}, kernel 6.18.44-fc-v1147`);
  });

  it('scales the per-CPU devices and memory blocks with --cpus and --memory-gib', () => {
    const { sys, dir } = hostCopy();
    for (let i = 0; i < 2; i++) addDevice(sys, `devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0007:0${i}`, 'acpi', 'MODALIAS=acpi:ACPI0007:\n');
    const file = join(dir, 'me.yaml');
    snapshotLines({ sysfs: sys, proc: join(dir, 'proc'), output: file });
    const same = toScenario(machineInput({ scenario: file }).input, undefined).machine;
    expect(same).toMatchObject({ cpus: 2, acpiProcessorDevices: 2, memoryBlocks: 192 });
    const big = toScenario(machineInput({ scenario: file, cpus: '448', memoryGib: '2048' }).input, undefined).machine;
    // 192 blocks of 128 MiB for 23.54 GiB of MemTotal, scaled to 2048 GiB in 2 GiB blocks (x86 at ≥ 64 GiB): ⌈1044.0004⌉.
    expect(big).toMatchObject({ cpus: 448, acpiProcessorDevices: 448, memoryBlocks: 1045, memoryBlockBytes: 2 ** 31 });
    const devices = machineDevices(big);
    expect(devices.filter((d) => d.subsystem === 'cpu')).toHaveLength(448);
    expect(devices.filter((d) => d.modalias === 'acpi:ACPI0007:').at(-1)?.devpath).toBe('/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0007:1bf');
    expect(devices.filter((d) => d.subsystem === 'memory')).toHaveLength(1045);
    expect(devices).toHaveLength(448 + 448 + 1045 + 194);
    const small = toScenario(machineInput({ scenario: file, memoryGib: '12' }).input, undefined).machine;
    expect(small).toMatchObject({ memoryBlocks: 98, memoryBlockBytes: 128 * 2 ** 20 });
  });

  it('maps the host cpufreq driver to the one the model registers before coldplug', () => {
    const { sys, proc } = hostCopy();
    mkdirSync(join(sys, 'devices/system/cpu/cpufreq/policy0'), { recursive: true });
    writeFileSync(join(sys, 'devices/system/cpu/cpufreq/policy0/scaling_driver'), 'amd-pstate-epp\n');
    expect(takeSnapshot({ sysfs: sys, proc }).report).toMatchObject({ hostCpufreqDriver: 'amd-pstate-epp', cpufreqDriver: 'amd_pstate' });
    expect(modelCpufreqDriver('intel_cpufreq')).toBe('intel_pstate');
    expect(modelCpufreqDriver('acpi-cpufreq')).toBe('none');
    expect(modelCpufreqDriver(undefined)).toBe('none');
  });

  it('refuses a tree that is not sysfs, a missing meminfo and a module dir without indexes', () => {
    const { dir, sys, proc } = hostCopy();
    expect(() => takeSnapshot({ sysfs: join(dir, 'nope'), proc })).toThrow(/has no devices\/ directory/);
    expect(() => takeSnapshot({ sysfs: join(sys, 'devices', 'virtual'), proc })).toThrow(UserError);
    rmSync(join(sys, 'devices/system/cpu'), { recursive: true });
    expect(() => takeSnapshot({ sysfs: sys, proc })).toThrow(/has no CPU devices/);
    expect(() => takeSnapshot({ sysfs: SYS, proc: dir })).toThrow(/cannot read .*meminfo/);
    expect(() => takeSnapshot({ sysfs: SYS, proc: PROC, modulesDir: dir })).toThrow(/--modules-dir: .* has no modules\.dep/);
  });
});
