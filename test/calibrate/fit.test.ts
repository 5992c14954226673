/**
 * The calibrate command's machinery on a small machine: target files, a fit
 * that recovers constants the target was made with, fixed constants that
 * stay fixed, determinism, and the command's output.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibrate, residualsOf } from '../../src/calibrate/fit.js';
import { readTarget, resolveTarget, type Target } from '../../src/calibrate/target.js';
import { calibrateCommand } from '../../src/cli/commands/calibrate-run.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { profileLeaves, profileToYaml, resolveProfile, shippedProfile, withValues } from '../../src/scenario/profile.js';

/** server-288 without udev's debug logging: journald's pace would hide the rules time these tests fit. */
const base = withValues(shippedProfile('server-288'), new Map([['udev.journalNs', 0]]));
/** The "real" machine of these tests: that one with udev rules of 3.2 ms per event. */
const truth = withValues(base, new Map([['udev.rulesNs', 3_200_000]]));

/**
 * A target measured on `truth` by the model itself: 8 CPUs, 2 udev workers and 120 devices
 * without a MODALIAS, so udev's rules time sets how long the coldplug takes.
 */
const SMALL = {
  description: 'an 8-CPU test machine',
  scenario: {
    machine: { cpus: 8, devices: Array.from({ length: 120 }, (_, i) => ({ devpath: `/devices/platform/serial8250:${i}` })) },
    udev: { childrenMax: 2 },
  },
};
function syntheticTarget(): Target {
  const rows = ['v5.3', 'merge'].map((strategy) => ({ machine: 'small', strategy, module: '-', metric: 'settle', value: 1 }));
  const draft = resolveTarget({ machines: { small: SMALL }, rows }, {}, 'synthetic.yaml');
  const measured = residualsOf(draft, truth);
  return { ...draft, rows: draft.rows.map((r, i) => ({ ...r, value: measured[i]!.model })) };
}

describe('target files', () => {
  it('the shipped one is the 288-CPU table: six first→last inserted figures', () => {
    const t = readTarget();
    expect(t.rows).toHaveLength(6);
    expect(t.rows.map((r) => r.value)).toEqual([44.998, 45.2, 2.092, 9.424, 2.011, 6.989]);
    expect(new Set(t.rows.map((r) => r.metric))).toEqual(new Set(['first-to-last-inserted']));
    expect(t.machines['server-288']?.description).toMatch(/288 CPUs/);
  });

  it('name each bad field with its line', () => {
    const bad = (text: string): string => {
      const { input, origin } = parseScenarioText(text, 't.yaml');
      try {
        resolveTarget(input, origin, 't.yaml');
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('expected a problem');
    };
    const head = 'machines:\n  box: { description: a box, scenario: { machine: { cpus: 4 } } }\nrows:\n';
    expect(bad(`${head}  - { machine: box, strategy: v5.3, module: kvm, metric: speed, value: 1 }\n`)).toMatch(
      /^t\.yaml:4: rows\.0\.metric: must be one of first-to-last-inserted, first-to-last-request, settle$/,
    );
    expect(bad(`${head}  - { machine: other, strategy: v9, module: kvm, metric: first-to-last-request, value: -2 }\n`)).toMatch(
      /rows\.0\.value: must be a number of seconds > 0/,
    );
    expect(bad(`${head}  - { machine: other, strategy: v9, module: kvm, metric: first-to-last-request, value: 2 }\n`)).toMatch(
      /2 problems:\n {2}t\.yaml:4: rows\.0\.machine: must be one of the machines defined \(box\)\n {2}t\.yaml:4: rows\.0\.strategy: must be one of v5\.2/,
    );
    expect(bad(`${head}  - { machine: box, strategy: v5.3, module: kvm, metric: settle, value: 2 }\n`)).toMatch(/rows\.0\.module: must be - \(settle is a machine-wide metric\)/);
    expect(bad('machines:\n  box: { description: a box, scenario: { strategy: merge } }\nrows:\n  - { machine: box, strategy: v5.3, module: kvm, metric: first-to-last-request, value: 1 }\n')).toMatch(
      /machines\.box\.scenario\.strategy: is set by calibrate/,
    );
  });
});

describe('the fit', () => {
  const target = syntheticTarget();

  it('recovers the constant the target was made with, from the middle of its range, and leaves every other constant alone', () => {
    const progress: number[] = [];
    const r = calibrate({ target, profile: base, free: ['udev.rulesNs'], onProgress: (p) => progress.push(p.bestRmsErrorPct) });
    expect(r.profile.udev.rulesNs / 3_200_000).toBeGreaterThan(0.97);
    expect(r.profile.udev.rulesNs / 3_200_000).toBeLessThan(1.03);
    expect(r.rmsErrorPct).toBeLessThan(3);
    for (const res of r.residuals) expect(Math.abs(res.errorPct)).toBeLessThan(5);
    // the best error only falls
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeLessThanOrEqual(progress[i - 1]!);
    expect(r.moves).toHaveLength(1);
    expect(r.moves[0]).toMatchObject({ start: Math.sqrt(200_000 * 30_000_000), fitted: r.profile.udev.rulesNs });
    const before = new Map(profileLeaves(base));
    for (const [path, value] of profileLeaves(r.profile)) if (path !== 'udev.rulesNs') expect(value, path).toBe(before.get(path));
    expect(r.profile.machine).toBe('an 8-CPU test machine');
    expect(r.profile.calibration).toMatch(/^modstorm calibrate --target synthetic\.yaml --seed 1: 1 constants fitted \(Levenberg-Marquardt/);
    // what it writes is a valid, complete profile
    expect(() => resolveProfile(JSON.parse(JSON.stringify(r.profile)), {})).not.toThrow();
  });

  it('is deterministic for the same target and seed', () => {
    const a = calibrate({ target, profile: base, free: ['udev.rulesNs'], maxIterations: 3 });
    const b = calibrate({ target, profile: base, free: ['udev.rulesNs'], maxIterations: 3 });
    expect(b).toEqual(a);
  });

  it('keeps a free constant inside its documented range and says when it ends on a bound', () => {
    // a target no udev can reach: 100× the real figures
    const far: Target = { ...target, rows: target.rows.map((r) => ({ ...r, value: r.value * 100 })) };
    const r = calibrate({ target: far, profile: base, free: ['udev.rulesNs'], maxIterations: 5 });
    expect(r.profile.udev.rulesNs).toBe(30_000_000);
    expect(r.moves[0]?.atBound).toBe('max');
  });

  it('refuses a constant that is unknown or has no range to fit in', () => {
    expect(() => calibrate({ target, profile: base, free: ['udev.rulesMs'] })).toThrow(/^--free: udev\.rulesMs is not a profile constant; known: kernel\.read\.fixedNs, /);
    expect(() => calibrate({ target, profile: base, free: ['kernel.symbolWaitNs'] })).toThrow(/^--free: kernel\.symbolWaitNs cannot be fitted/);
  });
});

describe('modstorm calibrate', () => {
  it('prints residuals, the moved constants and writes the profile; progress goes to the progress stream', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modstorm-calibrate-'));
    const targetFile = join(dir, 'target.yaml');
    const t = syntheticTarget();
    writeFileSync(
      targetFile,
      JSON.stringify({ machines: { small: SMALL }, rows: t.rows }),
    );
    const outFile = join(dir, 'fitted.yaml');
    const baseFile = join(dir, 'base.yaml');
    writeFileSync(baseFile, profileToYaml(base));
    const printed: string[] = [];
    const progress: string[] = [];
    calibrateCommand({ target: targetFile, profile: baseFile, free: 'udev.rulesNs', out: outFile }, (s) => printed.push(s), (s) => progress.push(s));
    const text = printed.join('\n');
    expect(text).toMatch(/│ small\s+│ v5\.3\s+│ -\s+│ settle\s+│\s+[\d.]+ s │\s+[\d.]+ s │\s+[+-][\d.]+ % │/);
    expect(text).toMatch(/│ udev\.rulesNs\s+│\s+2\.449 ms │\s+3\.\d+ ms │\s+×1\.\d+\s+│ 200 µs to 30 ms/);
    expect(text).toContain(`profile written to ${outFile}`);
    expect(progress[0]).toMatch(/^calibrate: evaluation 1: rms error [\d.]+ % \(best so far [\d.]+ %\)$/);
    const { input, origin } = parseScenarioText(readFileSync(outFile, 'utf8'), outFile);
    expect(resolveProfile(input, origin).udev.rulesNs).toBeGreaterThan(3_000_000);

    const md: string[] = [];
    calibrateCommand({ target: targetFile, residualsOnly: true, markdown: true, profile: outFile }, (s) => md.push(s), () => {});
    expect(md.join('\n')).toMatch(/^\| machine \| strategy \| module \| metric \| measured \| model \| error \|\n\| --- \| --- \| --- \| --- \| ---: \| ---: \| ---: \|\n\| small \| v5\.3 \|/);
    expect(() => calibrateCommand({ residualsOnly: true, out: outFile }, () => {}, () => {})).toThrow(/^--residuals-only runs the profile as it is/);

    // --strategies keeps the rows of those strategies, and the profile records how it was fitted
    const one: string[] = [];
    calibrateCommand({ target: targetFile, free: 'udev.rulesNs', strategies: 'merge', json: true }, (s) => one.push(s), () => {});
    const fit = JSON.parse(one.join('')) as { residuals: { row: { strategy: string } }[]; profile: { calibration: string } };
    expect(fit.residuals.map((r) => r.row.strategy)).toEqual(['merge']);
    expect(fit.profile.calibration).toMatch(/^modstorm calibrate --target target\.yaml --strategies merge --free udev\.rulesNs --seed 1: 1 constants fitted/);
    expect(() => calibrateCommand({ target: targetFile, strategies: 'v6.2' }, () => {}, () => {})).toThrow(/^--strategies: .*has no row for 'v6\.2' \(it has v5\.3, merge\)$/);
  });
});
