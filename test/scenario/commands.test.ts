import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareCommand, COMPARED_STRATEGIES } from '../../src/cli/commands/compare.js';
import { runCommand } from '../../src/cli/commands/run.js';
import { UserError } from '../../src/errors.js';
import type { RunResult } from '../../src/scenario/result.js';

function capture(): { out: (t: string) => void; text: () => string } {
  const lines: string[] = [];
  return { out: (t) => lines.push(t), text: () => lines.join('\n') };
}

const AMD_MODALIAS = join(import.meta.dirname, '..', 'fixtures', 'cpu-modalias-amd-fam1A.txt');

describe('modstorm run', () => {
  it('prints the RunResult as JSON with --json', async () => {
    const c = capture();
    const r = await runCommand({ cpus: '4', strategy: 'merge', json: true }, c.out);
    const printed = JSON.parse(c.text()) as RunResult;
    expect(printed).toEqual(r);
    expect(printed).toMatchObject({ strategy: 'merge', kernel: 'merge', userspace: null, cpus: 4 });
    // 8 CPU and ACPI processor events, the ACPI parents, and a 4-CPU, 1 TiB server's other devices
    expect(printed.events).toBe(8 + 2 + 100 + 32 + 32 + 512);
    expect(printed.modules.pcc_cpufreq?.requests).toBe(4);
  });

  it('prints a table by default', async () => {
    const c = capture();
    await runCommand({ cpus: '2', strategy: 'v5.3' }, c.out);
    expect(c.text()).toMatch(/strategy\s+│ v5\.3/);
    expect(c.text()).toMatch(/pcc_cpufreq\s+│\s+2 │/);
  });

  it('runs a userspace strategy on v5.3 unless --kernel names another policy', async () => {
    expect((await runCommand({ cpus: '2', strategy: 'udev-flock', json: true }, () => {})).strategy).toBe('udev-flock@v5.3');
    const r = await runCommand({ cpus: '2', strategy: 'add-once', kernel: 'v6.2', json: true }, () => {});
    expect(r).toMatchObject({ strategy: 'add-once@v6.2', kernel: 'v6.2', userspace: 'add-once' });
  });

  it("takes another CPU's MODALIAS from a file: an AMD CPU asks for no Intel module, and acpi_cpufreq only through ACPI", async () => {
    const r = await runCommand({ cpus: '2', cpuModalias: AMD_MODALIAS, json: true }, () => {});
    // asked for by the first cpu event at least (the second may find it LIVE already: kmod then skips it)
    expect(r.modules.aesni_intel?.requests).toBeGreaterThanOrEqual(1);
    for (const intel of ['kvm_intel', 'coretemp', 'skx_edac', 'intel_uncore']) expect(r.modules[intel]).toBeUndefined();
    // that CPU reports neither X86_FEATURE_ACPI (0016) nor HW_PSTATE (00E8) in 6.1's numbering
    expect(r.modules.acpi_cpufreq?.requests).toBe(2);
  });

  it('reads a scenario file and lets flags override it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modstorm-run-'));
    const file = join(dir, 'box.yaml');
    writeFileSync(file, 'machine:\n  cpus: 2\n  memoryGiB: 1\nstrategy: udev-flock\nkernel: v6.2\n');
    const fromFile = await runCommand({ scenario: file, json: true }, () => {});
    expect(fromFile).toMatchObject({ cpus: 2, strategy: 'udev-flock@v6.2', childrenMax: 10 });
    // a kernel policy on the command line replaces the file's strategy and its kernel
    const overridden = await runCommand({ scenario: file, cpus: '3', strategy: 'merge', json: true }, () => {});
    expect(overridden).toMatchObject({ cpus: 3, strategy: 'merge', userspace: null });
  });

  it('names the bad flag and what it allows', async () => {
    const bad = async (flags: Parameters<typeof runCommand>[0]): Promise<string> => {
      try {
        await runCommand(flags, () => {});
      } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        return (error as Error).message;
      }
      throw new Error('expected a UserError');
    };
    expect(await bad({ cpus: '0' })).toBe('--cpus must be between 1 and 8192, got 0');
    expect(await bad({ cpus: 'many' })).toBe("--cpus must be a whole number, got 'many'");
    expect(await bad({ strategy: 'v5.4' })).toMatch(/^--strategy must be one of v5\.2, v5\.3, merge, .*, udev-flock, add-once; got 'v5\.4'$/);
    expect(await bad({ strategy: 'merge', kernel: 'v5.3' })).toMatch(/^--kernel applies only to a userspace strategy/);
    expect(await bad({ strategy: 'udev-flock', kernel: 'add-once' })).toMatch(/^--kernel must be one of v5\.2, /);
    expect(await bad({ memoryGib: '-1' })).toBe("--memory-gib must be a number > 0, got '-1'");
    expect(await bad({ cpufreqDriver: 'ondemand' })).toBe("--cpufreq-driver must be one of intel_pstate, amd_pstate, none; got 'ondemand'");
    expect(await bad({ modulesDir: '/nonexistent/modules' })).toBe('--modules-dir: /nonexistent/modules is not a directory');
    const notModalias = join(mkdtempSync(join(tmpdir(), 'modstorm-run-')), 'modalias');
    writeFileSync(notModalias, 'acpi:ACPI0007:\n');
    expect(await bad({ cpuModalias: notModalias })).toMatch(/^--cpu-modalias: .* must be a CPU MODALIAS/);
  });
});

describe('modstorm compare', () => {
  it('runs every strategy on one machine, then says why v5.3 is slow', async () => {
    const c = capture();
    const results = await compareCommand({ cpus: '4' }, c.out);
    expect(results.map((r) => r.strategy)).toEqual([...COMPARED_STRATEGIES.slice(0, -2), 'udev-flock@v5.3', 'add-once@v5.3']);
    expect(new Set(results.map((r) => r.cpus))).toEqual(new Set([4]));
    const text = c.text();
    expect(text.split('\n')[0]).toBe('4 CPUs, 1024 GiB, intel_pstate active, udev childrenMax 24, seed 1');
    for (const r of results) expect(text).toContain(r.strategy);
    expect(text).toMatch(/v5\.3 is slow because .* 4 pcc_cpufreq requests ran 4 inits one after another/);
  });

  it('prints every RunResult as a JSON array with --json', async () => {
    const c = capture();
    const results = await compareCommand({ cpus: '2', json: true }, c.out);
    expect(JSON.parse(c.text())).toEqual(results);
    expect(results).toHaveLength(COMPARED_STRATEGIES.length);
  });
});
