import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { parseScenarioText, readScenarioFile } from '../../src/scenario/load.js';
import { XEON_SKX_CPU_MODALIAS } from '../../src/scenario/machine.js';
import { shippedProfile } from '../../src/scenario/profile.js';
import { resolveScenario } from '../../src/scenario/scenario.js';

function problem(input: unknown): string {
  try {
    resolveScenario(input);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as UserError).message;
  }
  throw new Error('expected a UserError');
}

describe('resolveScenario', () => {
  it('fills the headline machine from nothing', () => {
    const s = resolveScenario({});
    expect(s.machine.cpus).toBe(288);
    expect(s.machine.acpiProcessorDevices).toBe(288);
    expect(s.machine.cpufreqDriver).toBe('intel_pstate');
    expect(s.machine.cpuModalias).toBe(XEON_SKX_CPU_MODALIAS);
    // min(2·288 + 16, 1 TiB / 128 MiB, 2048)
    expect(s.udev.childrenMax).toBe(592);
    expect(s.udev.eventTimeoutNs).toBe(180e9);
    expect(s.strategy).toEqual({ label: 'v5.3', kernel: 'v5.3', userspace: undefined });
    expect(s.profile.name).toBe('server-288');
    expect(s.costs).toEqual(shippedProfile('server-288').kernel);
  });

  it('derives ACPI devices and childrenMax from the CPUs and memory given', () => {
    const s = resolveScenario({ machine: { cpus: 64, memoryGiB: 4 } });
    expect(s.machine.acpiProcessorDevices).toBe(64);
    expect(s.udev.childrenMax).toBe(32);
    expect(resolveScenario({ machine: { cpus: 64 }, udev: { childrenMax: 7 } }).udev.childrenMax).toBe(7);
  });

  it('names every bad field with what is allowed', () => {
    const message = problem({
      machine: { cpus: 0, memoryGiB: -1, cpufreqDriver: 'acpi', acpiProcessorHid: 'CPU0' },
      udev: { eventTimeoutS: 0 },
      seed: 1.5,
      strategy: 'v9',
    });
    expect(message).toContain('7 problems');
    expect(message).toContain('machine.cpus: must be a whole number ≥ 1');
    expect(message).toContain('machine.memoryGiB: must be a number > 0');
    expect(message).toContain('machine.cpufreqDriver: must be one of intel_pstate, amd_pstate, none');
    expect(message).toContain('machine.acpiProcessorHid: must be one of ACPI0007, LNXCPU');
    expect(message).toContain('udev.eventTimeoutS: must be a number > 0');
    expect(message).toContain('seed: must be a whole number ≥ 0');
    // the strategy is checked in the same round, not after the rest is fixed
    expect(message).toMatch(/strategy: must be one of v5\.2, .*; got 'v9'/);
  });

  it('rejects more CPUs than the cap, a wrong type and unknown fields', () => {
    expect(problem({ machine: { cpus: 8193 } })).toBe('machine.cpus: must be at most 8192');
    expect(problem({ machine: { cpus: '288' } })).toBe('machine.cpus: must be a whole number ≥ 1');
    expect(problem({ machine: { cpu: 4 } })).toBe('machine.cpu: unknown field');
  });

  it('checks strategies: known ids, and a kernel only under a userspace strategy', () => {
    expect(problem({ strategy: 'v5.4' })).toMatch(/^strategy: must be one of v5\.2, v5\.3, .*udev-flock, add-once; got 'v5\.4'$/);
    expect(problem({ strategy: 'merge', kernel: 'v6.2' })).toMatch(/^kernel: only applies to a userspace strategy/);
    expect(problem({ strategy: 'add-once', kernel: 'udev-flock' })).toMatch(/^kernel: must be one of v5\.2/);
    expect(resolveScenario({ strategy: 'udev-flock' }).strategy).toEqual({
      label: 'udev-flock@v5.3',
      kernel: 'v5.3',
      userspace: 'udev-flock',
    });
    expect(resolveScenario({ strategy: 'add-once', kernel: 'v6.2' }).strategy.label).toBe('add-once@v6.2');
  });

  it("checks cost names against the kernel's and udev's profiles, and values with the kernel's rules", () => {
    expect(problem({ costs: { readNs: 5 } })).toMatch(/^costs\.readNs: unknown kernel cost; known: read, /);
    expect(problem({ udev: { costs: { forkMs: 1 } } })).toMatch(/^udev\.costs\.forkMs: unknown udev cost; known: forkNs, /);
    expect(problem({ costs: { pageBytes: 0 } })).toBe('costs.pageBytes: must be a whole number ≥ 1');
    expect(problem({ udev: { costs: { rulesNs: -1 } } })).toBe('udev.costs.rulesNs: must be a whole number of ns ≥ 0');
    const s = resolveScenario({ costs: { teardownNs: 80_000_000, read: { perByteNs: 5 } } });
    expect(s.costs.teardownNs).toBe(80_000_000);
    expect(s.costs.read).toEqual({ fixedNs: shippedProfile('server-288').kernel.read.fixedNs, perByteNs: 5 });
  });

  it('refuses a stage cost given as a number or a flag (it used to be accepted and ignored)', () => {
    expect(problem({ costs: { read: 5_000_000 } })).toMatch(/^costs\.read: must be a stage cost \{ fixedNs, perByteNs \}, not a single value/);
    expect(problem({ costs: { read: true } })).toMatch(/^costs\.read: must be a stage cost/);
    expect(problem({ costs: { checkSignature: { fixedNs: 1, perbyteNs: 2 } } })).toBe('costs.checkSignature.perbyteNs: unknown field; known: fixedNs, perByteNs');
    expect(problem({ costs: { teardownNs: { fixedNs: 1 } } })).toBe('costs.teardownNs: must be a whole number of ns ≥ 0');
  });

  it('takes init overrides by module name, in ms, with 0 or an errno name', () => {
    const s = resolveScenario({ modules: { init: { 'pcc-cpufreq': { result: 'EIO', initMs: 2.5 }, kvm: { result: 0 } } } });
    expect(s.modules.init.pcc_cpufreq).toEqual({ result: 'EIO', initNs: 2_500_000 });
    expect(s.modules.init.kvm).toEqual({ result: 0, initNs: undefined });
    expect(problem({ modules: { init: { kvm: { result: 'EWHAT' } } } })).toMatch(/^modules\.init\.kvm\.result: must be 0 or an errno name/);
  });
});

describe('scenario files', () => {
  it('points a bad field at its line in a YAML file', () => {
    const text = 'name: tiny\nmachine:\n  cpus: 0\n  memoryGiB: 8\nstrategy: v9\n';
    const { input, origin } = parseScenarioText(text, 'tiny.yaml');
    expect(() => resolveScenario(input, origin)).toThrow('tiny.yaml:3: machine.cpus: must be a whole number ≥ 1');
    const typo = parseScenarioText('machine:\n  cpus: 4\n  rams: 8\n', 'typo.yaml');
    expect(() => resolveScenario(typo.input, typo.origin)).toThrow('typo.yaml:3: machine.rams: unknown field');
  });

  it('reports malformed YAML with its line', () => {
    expect(() => parseScenarioText('machine:\n  cpus: 4\n  cpus: 8\n', 'twice.yaml')).toThrow(
      /^twice\.yaml:3: not valid YAML or JSON: Map keys must be unique/,
    );
  });

  it('reads JSON as well, and resolves a relative modules dir against the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modstorm-scenario-'));
    const file = join(dir, 'box.json');
    writeFileSync(file, JSON.stringify({ machine: { cpus: 16 }, modules: { dir: 'tree' }, strategy: 'merge' }));
    const { input, origin } = readScenarioFile(file);
    const s = resolveScenario(input, origin);
    expect(s.machine.cpus).toBe(16);
    expect(s.modules.dir).toBe(join(dir, 'tree'));
    expect(s.strategy.kernel).toBe('merge');
  });

  it('names a file it cannot read', () => {
    expect(() => readScenarioFile('/nonexistent/storm.yaml')).toThrow('/nonexistent/storm.yaml: cannot read the scenario file (ENOENT)');
  });
});
