import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EMBEDDED_MODULES_DIR, registerResolve, runResolve } from '../../../src/cli/commands/resolve.js';
import { UserError } from '../../../src/errors.js';
import { DATA_DIR, FIXTURES } from './helpers.js';

function capture(modaliases: string[], options: Parameters<typeof runResolve>[1]): string[] {
  const lines: string[] = [];
  runResolve(modaliases, options, (l) => lines.push(l));
  return lines;
}

describe('modstorm resolve', () => {
  const cpu = readFileSync(join(FIXTURES, 'cpu-modalias-amd-fam1A.txt'), 'utf8').trim();

  it('finds the embedded tree next to the sources', () => {
    expect(EMBEDDED_MODULES_DIR).toBe(DATA_DIR);
    expect(existsSync(join(EMBEDDED_MODULES_DIR, 'modules.alias'))).toBe(true);
  });

  it('prints each modalias with the modules kmod would load, in order', () => {
    expect(capture(['acpi:ACPI0007:', 'no:such:device'], {})).toEqual([
      'acpi:ACPI0007:',
      '  acpi_cpufreq',
      '  pcc_cpufreq',
      'no:such:device',
      '  (no module)',
    ]);
  });

  it('prints JSON keyed by modalias, repeats kept as kmod lists them', () => {
    const [text] = capture([cpu, 'acpi:LNXCPU:'], { json: true });
    const parsed = JSON.parse(text!) as Record<string, string[]>;
    expect(Object.keys(parsed)).toEqual([cpu, 'acpi:LNXCPU:']);
    expect(parsed['acpi:LNXCPU:']).toEqual(['acpi_cpufreq', 'pcc_cpufreq']);
    expect(parsed[cpu]!.filter((m) => m === 'sha1_ssse3')).toHaveLength(3);
    expect(parsed[cpu]![0]).toBe('aesni_intel');
  });

  it('applies modprobe.d given with --config', () => {
    const [text] = capture(['acpi:LNXCPU:'], { json: true, config: [join(FIXTURES, 'golden', 'modprobe.d')] });
    expect(JSON.parse(text!)).toEqual({ 'acpi:LNXCPU:': ['pcc_cpufreq'] });
  });

  it('reads another modules directory given with --modules-dir', () => {
    expect(() => capture(['x'], { modulesDir: FIXTURES })).toThrow(new UserError(`${FIXTURES}: modules.dep is missing (run depmod to create it)`));
    expect(() => capture(['x'], { modulesDir: join(FIXTURES, 'nope') })).toThrow(UserError);
  });

  describe('through commander', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('parses the arguments and flags', async () => {
      const written: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
      const program = new Command('modstorm').exitOverride();
      registerResolve(program);
      await program.parseAsync(['resolve', '--json', '--modules-dir', DATA_DIR, 'acpi:ACPI0007:'], { from: 'user' });
      expect(JSON.parse(written.join(''))).toEqual({ 'acpi:ACPI0007:': ['acpi_cpufreq', 'pcc_cpufreq'] });
    });
  });
});
