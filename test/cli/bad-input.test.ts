/**
 * Hostile input through the real command (issue 15): every bad input ends
 * in exit 2 and one `modstorm:` line on stderr, never a stack trace, never a
 * silently changed value.
 */
import { truncateSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt, expectRefused, modstorm, moduleTree, tempFile } from './helpers.js';

beforeAll(ensureBuilt, 120_000);

describe('usage errors from the argument parser exit 2 with one line', () => {
  it.each([
    [['run', '--bogus'], /unknown option '--bogus'/],
    [['run', '--cpu', '3'], /unknown option '--cpu' \(Did you mean --cpus\?\)/],
    [['run', '--cpus'], /argument missing/],
    [['run', 'extra'], /too many arguments/],
    [['resolve'], /missing required argument 'modalias'/],
    [['nosuch'], /unknown command 'nosuch'/],
  ])('%j', (args, pattern) => {
    expectRefused(modstorm(args), pattern);
  });

  it('help and version still exit 0', () => {
    expect(modstorm(['--version']).status).toBe(0);
    expect(modstorm(['run', '--help']).status).toBe(0);
  });
});

describe('demo refuses what it cannot run', () => {
  it.each([
    [['--requests', '2100000'], /--requests must be between 1 and 1000000, got 2100000/],
    [['--requests', '4294967296'], /--requests must be between 1 and 1000000/],
    // setTimeout would have made this 1 ms
    [['--requests', '10', '--init-ms', '9999999999'], /--init-ms must be between 0 and 3600000/],
  ])('demo %j', (args, pattern) => {
    expectRefused(modstorm(['demo', ...args]), pattern);
  });

  it('documents both limits in --help', () => {
    expect(modstorm(['demo', '--help']).stdout).toMatch(/1-1,000,000[\s\S]*0-3,600,000/);
  });
});

describe('scenario files', () => {
  it('a YAML alias bomb is one line naming the file', () => {
    const rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [k, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']]) {
      rows.push(`${k}: &${k} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const file = tempFile('bomb.yaml', `${rows.join('\n')}\n`);
    expectRefused(modstorm(['run', '--scenario', file]), /bomb\.yaml: YAML aliases expand more than 100 times/);
  });

  it('an init override for a module not in the tree is refused, naming file and line', () => {
    const file = tempFile('init.yaml', 'machine:\n  cpus: 2\nmodules:\n  init:\n    pcc_cpufreq: { result: EIO }\n    no_such_mod: { result: ENODEV }\n');
    expectRefused(modstorm(['run', '--scenario', file]), /init\.yaml:6: modules\.init\.no_such_mod: module no_such_mod is not in the module tree/);
  });

  it('a file larger than the model can use is refused before it is read', () => {
    const file = tempFile('huge.yaml', '');
    truncateSync(file, 65 * 2 ** 20);
    expectRefused(modstorm(['run', '--scenario', file]), /huge\.yaml: the scenario file is 68157440 bytes; at most 67108864/);
  });

  it('more devices than the documented limit are refused up front', () => {
    const devices = Array.from({ length: 100_001 }, (_, i) => ({ devpath: `/devices/platform/d${i}` }));
    const file = tempFile('many.json', JSON.stringify({ machine: { cpus: 1, devices } }));
    expectRefused(modstorm(['run', '--scenario', file]), /many\.json:1: machine\.devices: must list at most 100000 devices/);
  });

  it('a device MODALIAS of 1 MB is refused (a sysfs attribute is one page)', () => {
    const file = tempFile('long.json', JSON.stringify({ machine: { cpus: 1, devices: [{ devpath: '/devices/platform/x', modalias: `platform:${'x'.repeat(2 ** 20)}` }] } }));
    expectRefused(modstorm(['run', '--scenario', file]), /machine\.devices\.0\.modalias: must be at most 4096 bytes/);
  });
});

describe('values that used to be accepted and ignored', () => {
  it('check --strategy all --kernel K runs the userspace rows on K', () => {
    const r = modstorm(['check', '--strategy', 'all', '--kernel', 'v5.2', '--requests', '1']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/udev-flock@v5\.2/);
    expect(r.stdout).toMatch(/add-once@v5\.2/);
    expect(r.stdout).not.toMatch(/@v5\.3/);
  });

  it.each([
    ['not a modalias at all', 'garbage\n', /must be a CPU MODALIAS/],
    ['a cpu: prefix and nothing of the format', 'cpu:type:garbage\n', /must be a CPU MODALIAS/],
    ['an ACPI modalias', 'acpi:ACPI0007:\n', /must be a CPU MODALIAS/],
    ['1 MB of features', `cpu:type:x86,ven0000fam0006mod0055:feature:${',0001'.repeat(200_000)}\n`, /bytes long; a MODALIAS is at most 4096 bytes/],
  ])('--cpu-modalias with %s is refused', (_what, text, pattern) => {
    expectRefused(modstorm(['run', '--cpus', '2', '--cpu-modalias', tempFile('modalias', text)]), pattern);
  });

  it('a real CPU MODALIAS file is taken', () => {
    const amd = join(ROOT, 'test', 'fixtures', 'cpu-modalias-amd-fam1A.txt');
    expect(modstorm(['run', '--cpus', '2', '--cpufreq-driver', 'amd_pstate', '--cpu-modalias', amd]).status).toBe(0);
  });
});

describe('documented limits on every numeric flag', () => {
  it.each([
    [['run', '--cpus', '8193'], /--cpus must be between 1 and 8192/],
    [['run', '--seed', '2147483648'], /--seed must be between 0 and 2147483647/],
    [['run', '--memory-gib', '2000000'], /--memory-gib must be at most 1048576/],
    [['burst', '--requests', '4097'], /--requests must be between 1 and 4096/],
    [['burst', '--cpus', '8193'], /--cpus must be between 1 and 8192/],
    [['burst', '--size', '2147483648'], /--size must be between 1 and 2147483647/],
    [['burst', '--init-ms', '3600001'], /--init-ms must be between 0 and 3600000/],
  ])('%j', (args, pattern) => {
    expectRefused(modstorm(args), pattern);
  });

  it('--help states the ranges of the flags and of the scenario fields', () => {
    const run = modstorm(['run', '--help']).stdout;
    expect(run).toMatch(/--cpus <n>\s+CPUs of the machine, 1-8192/);
    expect(run).toMatch(/--seed <n>\s+seed of the run, 0-2147483647/);
    expect(run).toMatch(/machine\.devices\s+at most 100,000/);
    expect(run).toMatch(/modules\.init\.NAME .* initMs: 0-86,400,000/);
    const burst = modstorm(['burst', '--help']).stdout;
    expect(burst).toMatch(/1-4,096/);
    expect(burst).toMatch(/1-2,147,483,647/);
  });
});

describe('big inputs', () => {
  it('a 10 MB modules.alias line is read and matched', () => {
    // ten million stars: fnmatch collapses a run of them, as glibc does
    const dir = moduleTree({ 'modules.alias': `alias acpi:ACPI0007:* a\nalias pci:v${'*'.repeat(10 * 2 ** 20)}d b\n` });
    const r = modstorm(['resolve', '--modules-dir', dir, 'acpi:ACPI0007:', `pci:v${'A'.repeat(100_000)}d`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^acpi:ACPI0007:\n {2}a\npci:vA+d\n {2}b\n$/);
  });
});
