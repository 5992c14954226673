/** Cost profiles: the shipped files, every constant documented, user files over the default, --profile. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { burstCommand } from '../../src/cli/commands/burst.js';
import { runCommand } from '../../src/cli/commands/run.js';
import { sweepCommand } from '../../src/cli/commands/sweep.js';
import { DEFAULT_COSTS } from '../../src/kernel/index.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import {
  PROFILES_DIR,
  SHIPPED_PROFILES,
  loadProfile,
  profileLeaves,
  profileToYaml,
  resolveProfile,
  shippedProfile,
} from '../../src/scenario/profile.js';
import { profileConstant } from '../../src/scenario/profile-constants.js';
import { resolveScenario } from '../../src/scenario/scenario.js';

function tmpFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'modstorm-profile-')), name);
  writeFileSync(file, text);
  return file;
}

describe('the shipped profiles', () => {
  for (const name of SHIPPED_PROFILES) {
    it(`${name}: every constant is documented with a unit and a range, and lies inside it`, () => {
      const p = shippedProfile(name);
      expect(p.name).toBe(name);
      expect(p.machine.length).toBeGreaterThan(20);
      for (const [path, value] of profileLeaves(p)) {
        const c = profileConstant(path);
        expect(c, path).toBeDefined();
        if (typeof value === 'number') {
          expect(value, path).toBeGreaterThanOrEqual(c!.min);
          expect(value, path).toBeLessThanOrEqual(c!.max);
        }
      }
    });

    it(`${name}: the file is in the canonical form calibrate writes`, () => {
      expect(readFileSync(join(PROFILES_DIR, `${name}.yaml`), 'utf8')).toBe(profileToYaml(shippedProfile(name)));
    });
  }

  it("qemu-8vcpu's kernel costs are the kernel's own defaults (the real 6.1 burst table's machine)", () => {
    expect(shippedProfile('qemu-8vcpu').kernel).toEqual(DEFAULT_COSTS);
  });

  it('the default scenario runs on server-288, which says what it was calibrated on', () => {
    const s = resolveScenario({});
    expect(s.profile.name).toBe('server-288');
    expect(s.profile.machine).toMatch(/288 CPUs.*HZ=250.*unsigned.*debug logging/);
    // an unsigned module's signature check is the marker compare only: no per-byte hashing
    expect(s.costs.checkSignature.perByteNs).toBe(0);
    expect(s.costs.checkSignature.fixedNs).toBeLessThan(shippedProfile('qemu-8vcpu').kernel.checkSignature.fixedNs);
  });
});

describe('profile files', () => {
  const base = shippedProfile('server-288');

  it('take what they leave out from the base profile', () => {
    const { input, origin } = parseScenarioText('udev:\n  rulesNs: 4000000\nkernel:\n  read: { perByteNs: 1 }\n', 'mine.yaml');
    const p = resolveProfile(input, origin, base);
    expect(p.udev.rulesNs).toBe(4_000_000);
    expect(p.udev.forkNs).toBe(base.udev.forkNs);
    expect(p.kernel.read).toEqual({ fixedNs: base.kernel.read.fixedNs, perByteNs: 1 });
    expect(p.init).toEqual(base.init);
    expect(p.name).toBe('mine.yaml');
  });

  it('name the bad field and its line', () => {
    const bad = (text: string): string => {
      const { input, origin } = parseScenarioText(text, 'bad.yaml');
      try {
        resolveProfile(input, origin, base);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('expected a problem');
    };
    expect(bad('kernel:\n  read: 5000000\n')).toMatch(/^bad\.yaml:2: kernel\.read: must be a stage cost \{ fixedNs, perByteNs \}/);
    expect(bad('udev:\n  rulesMs: 4\n')).toMatch(/^bad\.yaml:2: udev\.rulesMs: unknown udev cost; known: forkNs, /);
    expect(bad('init:\n  modules:\n    kvm: -1\n')).toBe('bad.yaml:3: init.modules.kvm: must be a whole number of ns ≥ 0');
    expect(bad('kernel:\n  teardownNs: 1.5\nspeed: 3\n')).toMatch(/^bad\.yaml: 2 problems:\n {2}bad\.yaml:2: kernel\.teardownNs: .*\n {2}bad\.yaml:3: speed: unknown field$/);
  });

  it('a shipped profile must be complete', () => {
    const { input, origin } = parseScenarioText('name: half\nmachine: a machine of some sort\n', 'half.yaml');
    expect(() => resolveProfile(input, origin)).toThrow(/kernel: /);
  });

  it('refuses a name that is neither a shipped profile nor a file', () => {
    expect(() => loadProfile('server-999')).toThrow(/^profile: server-999 is neither a file nor a shipped profile \(server-288, qemu-8vcpu\)$/);
  });
});

describe('--profile', () => {
  it('on run: a profile file changes the run, and the result names the profile', async () => {
    const slow = tmpFile('slow-udev.yaml', 'name: slow-udev\nudev:\n  rulesNs: 20000000\n');
    const fast = await runCommand({ cpus: '4', strategy: 'merge', json: true }, () => {});
    const slowed = await runCommand({ cpus: '4', strategy: 'merge', json: true, profile: slow }, () => {});
    expect(fast.profile).toBe('server-288');
    expect(slowed.profile).toBe('slow-udev');
    expect(slowed.settleNs).toBeGreaterThan(fast.settleNs);
  });

  it('on run: a scenario file names its profile relative to itself', async () => {
    const profile = tmpFile('p.yaml', 'name: beside\n');
    const scenario = join(profile, '..', 'box.yaml');
    writeFileSync(scenario, 'machine: { cpus: 2 }\nprofile: p.yaml\n');
    expect((await runCommand({ scenario, json: true }, () => {})).profile).toBe('beside');
    await expect(runCommand({ cpus: '2', profile: '/nonexistent/p.yaml' }, () => {})).rejects.toThrow(
      /^--profile: \/nonexistent\/p\.yaml is neither a file nor a shipped profile/,
    );
  });

  it('on sweep: every point runs on the profile given, in worker threads too', async () => {
    const slow = tmpFile('slow-udev.yaml', 'name: slow-udev\nudev:\n  rulesNs: 20000000\n');
    const flags = { cpus: '4,8', strategies: 'merge', json: true, jobs: '2' };
    const plain = await sweepCommand(flags, () => {}, undefined);
    const slowed = await sweepCommand({ ...flags, profile: slow }, () => {}, undefined);
    expect(plain.runs.map((r) => r.profile)).toEqual(['server-288', 'server-288']);
    expect(slowed.runs.map((r) => r.profile)).toEqual(['slow-udev', 'slow-udev']);
    expect(slowed.runs[1]!.settleNs).toBeGreaterThan(plain.runs[1]!.settleNs);
  });

  it('on burst: the default is qemu-8vcpu; on server-288 (unsigned modules, real hardware) every read ends inside the first load', () => {
    const flags = { strategy: 'v6.2', requests: '64', cpus: '8', init: 'fail:ENODEV', initMs: '20', size: '33233', json: true };
    const qemu = burstCommand(flags);
    const server = burstCommand({ ...flags, profile: 'server-288' });
    expect(qemu.initCalls).toBe(2);
    expect(server.initCalls).toBe(1);
  });
});
