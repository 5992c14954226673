/**
 * modstorm's kmod against the real one. test/fixtures/golden/modprobe-R.json
 * holds what kmod 30's modprobe answered (scripts/golden-modprobe.ts made
 * it; nothing here runs modprobe):
 * - `modprobe -R INPUT` must equal index.lookup(INPUT), names and order;
 * - `modprobe -D INPUT` must equal, for each module index.resolve(INPUT)
 *   keeps, the finitModule calls of probe() with loaded modules ignored.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModulesDir, probe, type ModuleIndex } from '../../../src/userspace/kmod/index.js';
import { DATA_DIR, FIXTURES, drive, fakeKernel } from './helpers.js';

interface ResolveCase {
  input: string;
  from: string;
  exitCode: number;
  modules: string[];
}
interface ProbeLine {
  action: 'insmod' | 'builtin' | 'install';
  path?: string;
  args?: string;
  module?: string;
  text?: string;
}
interface ProbeCase {
  input: string;
  exitCode: number;
  steps: ProbeLine[];
}
interface Golden {
  kmod: string;
  resolve: ResolveCase[];
  probe: ProbeCase[];
  config: { dir: string; resolve: ResolveCase[]; probe: ProbeCase[] };
}

const golden = JSON.parse(readFileSync(join(FIXTURES, 'golden', 'modprobe-R.json'), 'utf8')) as Golden;

/** What `modprobe -R` would print and exit with, from our lookup. */
function resolveLikeModprobe(index: ModuleIndex, input: string): { exitCode: number; modules: string[] } {
  const modules = index.lookup(input).modules.map((m) => m.name);
  return { exitCode: modules.length > 0 ? 0 : 1, modules };
}

/** What `modprobe -D` would print and exit with: each resolved module's probe, nothing loaded, nothing run. */
function probeLikeModprobe(index: ModuleIndex, input: string): { exitCode: number; steps: ProbeLine[] } {
  if (index.lookup(input).modules.length === 0) return { exitCode: 1, steps: [] };
  const steps: ProbeLine[] = [];
  for (const found of index.resolveFound(input)) {
    const { value } = drive(probe(fakeKernel(), index, found.name, { alias: found.alias, ignoreLoaded: true }));
    for (const s of value.steps) {
      if (s.action === 'finit') steps.push({ action: 'insmod', path: s.path, args: s.args });
      else if (s.action === 'builtin') steps.push({ action: 'builtin', module: s.module });
      else if (s.action === 'install') steps.push({ action: 'install', text: `${s.command} ${s.args}` });
    }
  }
  return { exitCode: 0, steps };
}

function disagreements<C extends { input: string; exitCode: number }, R>(cases: C[], ours: (c: C) => R, theirs: (c: C) => R) {
  return cases
    .map((c) => ({ input: c.input, kmod: theirs(c), modstorm: ours(c) }))
    .filter((d) => JSON.stringify(d.kmod) !== JSON.stringify(d.modstorm));
}

describe(`golden: ${golden.kmod}`, () => {
  const index = loadModulesDir(DATA_DIR);

  it('covers what it should', () => {
    const from = (prefix: string): ResolveCase[] => golden.resolve.filter((c) => c.from.startsWith(prefix));
    expect(golden.resolve.length).toBeGreaterThanOrEqual(200);
    expect(from('cpu: Intel').length).toBeGreaterThanOrEqual(4);
    expect(golden.resolve.map((c) => c.input)).toEqual(expect.arrayContaining(['acpi:ACPI0007:', 'acpi:LNXCPU:']));
    expect(from('sysfs').length).toBeGreaterThan(0);
    // Matches and misses, single and multiple modules.
    expect(golden.resolve.filter((c) => c.modules.length === 0).length).toBeGreaterThan(20);
    expect(golden.resolve.filter((c) => c.modules.length > 1).length).toBeGreaterThan(20);
  });

  it('resolves every input to the same modules, in the same order, as modprobe -R', () => {
    expect(
      disagreements(
        golden.resolve,
        (c) => resolveLikeModprobe(index, c.input),
        (c) => ({ exitCode: c.exitCode, modules: c.modules }),
      ),
    ).toEqual([]);
  });

  it('probes in the same order, with the same arguments, as modprobe -D', () => {
    expect(golden.probe.length).toBeGreaterThan(50);
    expect(
      disagreements(
        golden.probe,
        (c) => probeLikeModprobe(index, c.input),
        (c) => ({ exitCode: c.exitCode, steps: c.steps }),
      ),
    ).toEqual([]);
  });
});

describe(`golden with ${golden.config.dir}`, () => {
  const index = loadModulesDir(DATA_DIR, { config: [join(FIXTURES, '..', '..', golden.config.dir)] });

  it('agrees with modprobe -R: config aliases, commands, blacklist not applied', () => {
    expect(
      disagreements(
        golden.config.resolve,
        (c) => resolveLikeModprobe(index, c.input),
        (c) => ({ exitCode: c.exitCode, modules: c.modules }),
      ),
    ).toEqual([]);
  });

  it('agrees with modprobe -D: blacklisted aliases hidden, options, softdeps, install commands', () => {
    expect(
      disagreements(
        golden.config.probe,
        (c) => probeLikeModprobe(index, c.input),
        (c) => ({ exitCode: c.exitCode, steps: c.steps }),
      ),
    ).toEqual([]);
  });
});
