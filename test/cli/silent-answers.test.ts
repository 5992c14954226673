/**
 * Inputs that used to run with exit 0 and a wrong or unexplained answer
 * (issue 16): each is now refused (exit 2, one line or a short list) or
 * run with a `modstorm: warning:` on stderr that the JSON also lists.
 */
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/scenario/result.js';
import { ROOT, ensureBuilt, expectRefused, modstorm, moduleTree, tempFile, warnings } from './helpers.js';

beforeAll(ensureBuilt, 120_000);

const json = (stdout: string): RunResult => JSON.parse(stdout) as RunResult;

describe('compare --scenario checks the file as written, then applies the flags', () => {
  it('a bogus strategy in the file is refused', () => {
    const file = tempFile('s.yaml', 'strategy: v9-bogus\n');
    expectRefused(modstorm(['compare', '--scenario', file, '--cpus', '2']), /s\.yaml:1: strategy: must be one of .*got 'v9-bogus'/);
  });

  it("the file's kernel is what the userspace rows run on; its strategy is warned about as unused", () => {
    const file = tempFile('k.yaml', 'strategy: udev-flock\nkernel: v6.2\n');
    const r = modstorm(['compare', '--scenario', file, '--cpus', '2', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const labels = (JSON.parse(r.stdout) as RunResult[]).map((x) => x.strategy);
    expect(labels.slice(-2)).toEqual(['udev-flock@v6.2', 'add-once@v6.2']);
    expect(warnings(r)).toEqual([expect.stringMatching(/k\.yaml: strategy udev-flock is not used: compare runs every strategy/)]);
  });

  it('a flag does not hide a bad field', () => {
    const file = tempFile('c.yaml', 'machine:\n  cpus: "288"\n');
    expectRefused(modstorm(['compare', '--scenario', file, '--cpus', '4']), /c\.yaml:2: machine\.cpus: must be a whole number/);
    expectRefused(modstorm(['run', '--scenario', file, '--cpus', '4']), /c\.yaml:2: machine\.cpus/);
  });

  it.each([
    ['machine: 4\n', /machine: .*expected object/],
    ['modules: false\n', /modules: .*expected object/],
  ])('%j is refused through the CLI as the library refuses it', (text, pattern) => {
    const file = tempFile('m.yaml', text);
    expectRefused(modstorm(['run', '--scenario', file, '--cpus', '2']), pattern);
    expectRefused(modstorm(['compare', '--scenario', file, '--cpus', '2']), pattern);
  });
});

describe('impossible machines', () => {
  it('RAM smaller than the modules the storm loads is refused', () => {
    expectRefused(modstorm(['run', '--cpus', '4', '--memory-gib', '0.001']), /machine\.memoryGiB: 0\.001 GiB \(1\.0 MiB\) cannot hold the [\d.]+ MiB of modules/);
  });

  it('more ACPI processor devices than Linux has CPUs is refused; more than the machine has is warned about', () => {
    const many = tempFile('a.yaml', 'machine:\n  cpus: 1\n  acpiProcessorDevices: 65536\n');
    expectRefused(modstorm(['run', '--scenario', many]), /a\.yaml:3: machine\.acpiProcessorDevices: must be at most 8192/);
    const some = tempFile('a.yaml', 'machine:\n  cpus: 1\n  acpiProcessorDevices: 16\n');
    const r = modstorm(['run', '--scenario', some, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(warnings(r)).toEqual([expect.stringMatching(/a\.yaml:3: machine\.acpiProcessorDevices: 16 ACPI processor devices for 1 CPU/)]);
    expect(json(r.stdout).warnings).toHaveLength(1);
  });

  it('duplicate devpaths, cpu0 among them, are refused as a short list', () => {
    const file = tempFile('d.yaml', 'machine:\n  cpus: 2\n  devices:\n    - devpath: /devices/system/cpu/cpu0\n    - devpath: /devices/x\n    - devpath: /devices/x\n');
    const r = modstorm(['run', '--scenario', file]);
    expectRefused(r, /d\.yaml: 2 problems:/, 3);
    expect(r.stderr).toMatch(/d\.yaml:4: machine\.devices\.0\.devpath: \/devices\/system\/cpu\/cpu0 is one the machine already has/);
    expect(r.stderr).toMatch(/d\.yaml:6: machine\.devices\.2\.devpath: \/devices\/x is already machine\.devices\.1/);
  });

  it('a scenario cpuModalias that is not one is refused as --cpu-modalias is', () => {
    const file = tempFile('g.yaml', 'machine:\n  cpuModalias: garbage\n');
    expectRefused(modstorm(['run', '--scenario', file]), /g\.yaml:2: machine\.cpuModalias: must be a CPU MODALIAS/);
  });
});

describe('module trees', () => {
  const run = (dir: string, ...more: string[]) => modstorm(['run', '--cpus', '2', '--modules-dir', dir, '--json', ...more]);

  it('a tree depmod could have written runs without warnings', () => {
    const r = run(moduleTree({}));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(json(r.stdout).warnings).toEqual([]);
    expect(json(r.stdout).modules.b?.initCalls).toBe(1);
  });

  it('a dependency with no line of its own is warned about, in the output and the JSON', () => {
    const r = run(moduleTree({ 'modules.dep': 'kernel/b.ko: kernel/gone.ko\nkernel/a.ko:\n' }));
    expect(r.status, r.stderr).toBe(0);
    const line = /modules\.dep line 1: b depends on kernel\/gone\.ko, which has no line of its own; loading b fails with ENOENT/;
    expect(warnings(r)).toEqual([expect.stringMatching(line)]);
    expect(json(r.stdout).warnings).toEqual([expect.stringMatching(line)]);
  });

  it.each([
    ['a cycle', 'kernel/a.ko: kernel/b.ko\nkernel/b.ko: kernel/a.ko\n', /modules\.dep line 2: dependency cycle a -> b -> a/],
    ['a self-dependency', 'kernel/a.ko: kernel/a.ko\nkernel/b.ko: kernel/a.ko\n', /modules\.dep line 1: dependency cycle a -> a/],
  ])('%s is refused', (_what, dep, pattern) => {
    expectRefused(run(moduleTree({ 'modules.dep': dep })), pattern);
  });

  it('empty modules.dep and modules.alias are warned about', () => {
    const r = run(moduleTree({ 'modules.dep': '', 'modules.alias': '' }));
    expect(r.status, r.stderr).toBe(0);
    expect(warnings(r)).toEqual([
      expect.stringMatching(/modules\.dep: lists no module; no load request can succeed/),
      expect.stringMatching(/modules\.alias: lists no alias; no device's MODALIAS will load a module/),
    ]);
    expect(json(r.stdout).warnings).toHaveLength(2);
  });

  it('an alias with an unmatched bracket is warned about, as depmod warns', () => {
    const r = run(moduleTree({ 'modules.alias': 'alias acpi:ACPI0007:* a\nalias acpi:ACPI0007:[ b\n' }));
    expect(r.status, r.stderr).toBe(0);
    expect(warnings(r)).toEqual([expect.stringMatching(/modules\.alias line 2: unmatched bracket in alias acpi:ACPI0007:\[; kmod skips it/)]);
  });

  it.each(['0x10', '1e3', '1e30', '9007199254740993', '-5', '0', '12abc', '2147483648'])('modules.sizes.tsv value %s is refused', (bytes) => {
    const r = run(moduleTree({ 'modules.sizes.tsv': `path\tbytes\nkernel/a.ko\t4096\nkernel/b.ko\t${bytes}\n` }));
    expectRefused(r, /modules\.sizes\.tsv line 3: expected 'path<TAB>bytes' with bytes a decimal number from 1 to 2147483647/);
  });

  it('decimal sizes are taken as written', () => {
    const r = run(moduleTree({ 'modules.sizes.tsv': 'path\tbytes\nkernel/a.ko\t4096\nkernel/b.ko\t100000000\n' }));
    expect(r.status, r.stderr).toBe(0);
    expect(json(r.stdout).peakModuleBytes).toBeGreaterThanOrEqual(100_000_000);
  });
});

describe('--seed means something', () => {
  it('under --ties random the seed draws the tie order: same seed, same bytes; the figures do not hang on it', () => {
    const at = (seed: string) => modstorm(['run', '--cpus', '16', '--strategy', 'v5.2', '--ties', 'random', '--seed', seed, '--json']).stdout;
    const one = at('1');
    expect(json(one).ties).toBe('random');
    expect(at('1')).toBe(one);
    // Counts, results and the storm's length do not depend on tie order; per-module spreads may move by less than a
    // millisecond, because a tie can hand a module's first or last request to another same-instant device event.
    const timings = ['firstToLastNs', 'firstToLastInsertedNs'] as const;
    const counts = (s: string) => {
      const r = json(s) as Partial<RunResult>;
      delete r.seed;
      delete r.ties;
      const modules = Object.fromEntries(Object.entries(r.modules ?? {}).map(([m, v]) => [m, { ...v, firstToLastNs: 0, firstToLastInsertedNs: 0 }]));
      return JSON.stringify({ ...r, modules });
    };
    const fifo = modstorm(['run', '--cpus', '16', '--strategy', 'v5.2', '--json']).stdout;
    const random = at('2');
    expect(counts(random)).toBe(counts(fifo));
    const f = json(fifo) as RunResult;
    const moved = Object.entries((json(random) as RunResult).modules).flatMap(([m, v]) => timings.map((k) => Math.abs(v[k] - (f.modules[m]?.[k] ?? NaN))));
    expect(Math.max(...moved)).toBeLessThan(1_000_000);
  });

  it('under the default fifo order the seed draws only the module_wq herd’s race, and --help says so', () => {
    const strip = (s: string) => { const r = json(s) as Partial<RunResult>; delete r.seed; return JSON.stringify(r); };
    const at = (strategy: string, seed: string) => modstorm(['run', '--cpus', '32', '--strategy', strategy, '--seed', seed, '--json']).stdout;
    // merge's duplicates never sleep on module_wq: nothing to race, the seed changes nothing
    expect(strip(at('merge', '1'))).toBe(strip(at('merge', '99')));
    // v5.3's waiters race after every failed load: which request loads next moves with the seed, the counts do not
    const [one, other] = [json(at('v5.3', '1')) as RunResult, json(at('v5.3', '99')) as RunResult];
    expect(one.modules.pcc_cpufreq?.firstToLastInsertedNs).not.toBe(other.modules.pcc_cpufreq?.firstToLastInsertedNs);
    expect(one.results).toEqual(other.results);
    expect(modstorm(['run', '--help']).stdout).toMatch(/--seed <n>\s+seed of the run, 0-2147483647; it draws the order\s+in which a woken module_wq herd reaches\s+module_mutex/);
  });
});

describe('output errors', () => {
  it('a full device is one line and exit 74', () => {
    const r = modstorm(['run', '--cpus', '2'], { stdoutFd: openDevFull() });
    expect(r.status).toBe(74);
    expect(r.stderr).toBe('modstorm: cannot write the output: ENOSPC\n');
  });
});

describe('inputs that change little are documented, and meaningless combinations warned about', () => {
  it('amd_pstate on an Intel CPU and intel_pstate on an AMD CPU are warned about', () => {
    const intel = modstorm(['run', '--cpus', '2', '--cpufreq-driver', 'amd_pstate']);
    expect(intel.status).toBe(0);
    expect(warnings(intel)).toEqual([expect.stringMatching(/machine\.cpufreqDriver: amd_pstate does not register on an Intel CPU/)]);
    const amd = join(ROOT, 'test', 'fixtures', 'cpu-modalias-amd-fam1A.txt');
    expect(warnings(modstorm(['run', '--cpus', '2', '--cpu-modalias', amd]))).toEqual([
      expect.stringMatching(/intel_pstate does not register on an AMD CPU/),
    ]);
    expect(warnings(modstorm(['run', '--cpus', '2', '--cpu-modalias', amd, '--cpufreq-driver', 'amd_pstate']))).toEqual([]);
  });

  it('--help says what the cpufreq driver, the ACPI HID and the memory affect', () => {
    const help = modstorm(['run', '--help']).stdout;
    expect(help).toMatch(/--memory-gib <n>[\s\S]*only sets udev childrenMax/);
    expect(help).toMatch(/--cpufreq-driver <driver>[\s\S]*acpi_cpufreq\s+and\s+pcc_cpufreq\s+fail\s+EEXIST\s+at\s+once/);
    expect(help).toMatch(/machine\.acpiProcessorHid\s+ACPI0007 or LNXCPU: only the ACPI devices' MODALIAS/);
  });

  it('the README names what is refused, what is warned about, and the exit statuses', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/exit status 2/);
    expect(readme).toMatch(/`modstorm: warning:`/);
    expect(readme).toMatch(/74/);
  });
});

function openDevFull(): number {
  return openSync('/dev/full', 'w');
}
