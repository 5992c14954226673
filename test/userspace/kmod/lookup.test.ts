import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import {
  AliasIndex,
  INDEX_FILES,
  fnmatch,
  loadModulesDir,
  moduleName,
  normalizeAlias,
  readAliasFile,
} from '../../../src/userspace/kmod/index.js';
import { DATA_DIR, FIXTURES, smallIndex } from './helpers.js';

const names = (index: ReturnType<typeof smallIndex>, input: string): string[] => index.lookup(input).modules.map((m) => m.name);

describe('lookup order (kmod_module_new_from_lookup)', () => {
  // Every source can answer "foo"-like names, so each test shows which one wins.
  const index = smallIndex({
    dep: ['kernel/foo.ko:', 'kernel/bar.ko:', 'kernel/baz.ko:', 'kernel/exporter.ko:'].join('\n'),
    alias: [
      'alias foo bar', // shadowed: foo is a module name
      'alias bar-alias bar',
      'alias shared baz',
      'alias zz baz', // wins over the builtin zz
      'alias symbol:not_here bar', // symbol: names are looked up in modules.symbols, not here
    ].join('\n'),
    symbols: 'alias symbol:exported_fn exporter\n',
    builtin: 'kernel/zz.ko\nkernel/mm/zswap.ko\n',
    config: ['alias shared foo', 'alias sh?red bar', 'install helper /bin/true', 'remove cleaner /bin/true'].join('\n'),
  });

  it('config aliases come first, every matching one in file order', () => {
    expect(index.lookup('shared')).toEqual({
      source: 'config-alias',
      modules: [
        { name: 'foo', alias: 'shared' },
        { name: 'bar', alias: 'sh?red' },
      ],
    });
  });

  it('a module name beats a modules.alias entry of the same spelling', () => {
    expect(index.lookup('foo')).toEqual({ source: 'modules.dep', modules: [{ name: 'foo', alias: undefined }] });
  });

  it('symbol: names come from modules.symbols only', () => {
    expect(index.lookup('symbol:exported_fn')).toEqual({
      source: 'modules.symbols',
      modules: [{ name: 'exporter', alias: 'symbol:exported_fn' }],
    });
    expect(index.lookup('symbol:not_here').source).toBe('modules.alias');
  });

  it('install and remove commands make a name resolvable', () => {
    expect(index.lookup('helper')).toEqual({ source: 'install-command', modules: [{ name: 'helper', alias: undefined }] });
    expect(index.lookup('cleaner').source).toBe('install-command');
  });

  it('modules.alias before modules.builtin, builtin last', () => {
    expect(index.lookup('zz')).toMatchObject({ source: 'modules.alias', modules: [{ name: 'baz' }] });
    expect(index.lookup('zswap')).toEqual({ source: 'modules.builtin', modules: [{ name: 'zswap', alias: undefined }] });
  });

  it('nothing found, and input kmod rejects, give an empty list', () => {
    expect(index.lookup('nothing')).toEqual({ source: undefined, modules: [] });
    expect(index.lookup('a]b').modules).toEqual([]);
    expect(index.lookup('x[y').modules).toEqual([]);
  });
});

describe('- and _ are one character', () => {
  const index = smallIndex({
    dep: 'kernel/drivers/leds/leds-gpio.ko:\nkernel/range.ko:\n',
    alias: 'alias platform:leds-gpio leds_gpio\nalias dev:x[a-c] range\n',
  });

  it('folds names and aliases both ways', () => {
    for (const input of ['leds-gpio', 'leds_gpio']) expect(names(index, input)).toEqual(['leds_gpio']);
    for (const input of ['platform:leds-gpio', 'platform:leds_gpio']) expect(names(index, input)).toEqual(['leds_gpio']);
  });

  it('gives a module name from a name or a path as modname_normalize does', () => {
    expect(moduleName('acpi_cpufreq')).toBe('acpi_cpufreq');
    expect(moduleName('leds-gpio')).toBe('leds_gpio');
    expect(moduleName('kernel/drivers/leds/leds-gpio.ko.xz')).toBe('leds_gpio');
    expect(moduleName('/lib/modules/6.1.0/kernel/x/kvm.ko')).toBe('kvm');
    expect(moduleName('kvm-intel.ko')).toBe('kvm_intel');
  });

  it('keeps - inside a bracket class a range', () => {
    expect(names(index, 'dev:xb')).toEqual(['range']);
    expect(names(index, 'dev:x_')).toEqual([]);
  });
});

describe('wildcard aliases', () => {
  // modules.dep order gives the priority: second, then first.
  const index = smallIndex({
    dep: 'kernel/second.ko:\nkernel/first.ko:\nkernel/third.ko:\n',
    alias: ['alias xy first', 'alias x* first', 'alias x? second', 'alias x[!y] third', 'alias *y third'].join('\n'),
  });

  it('returns every match, ordered by module position in modules.dep, once per matching alias', () => {
    expect(names(index, 'xy')).toEqual(['second', 'first', 'first', 'third']);
    expect(names(index, 'xz')).toEqual(['second', 'first', 'third']);
    expect(names(index, 'xyz')).toEqual(['first']);
  });
});

describe('the bucketed alias search', () => {
  const lines = readAliasFile(join(DATA_DIR, 'modules.alias'));
  const entries = lines.map((l, i) => ({ key: normalizeAlias(l.pattern)!, module: l.module, priority: i }));
  const index = new AliasIndex(entries);

  it('finds exactly what fnmatch over every one of the real keys finds', () => {
    // Names made from real keys (stars filled two ways), so most of them match something.
    const inputs = entries
      .filter((_, i) => i % 250 === 0)
      .flatMap((e) => [e.key.replaceAll('*', '').replaceAll('?', 'Z'), e.key.replaceAll('*', '0X1').replaceAll('?', '5')]);
    let matched = 0;
    for (const input of inputs) {
      const brute = entries.filter((e) => fnmatch(e.key, input)).map((e) => e.module);
      expect(index.search(input), input).toEqual(brute);
      if (brute.length > 0) matched++;
    }
    expect(matched).toBeGreaterThan(inputs.length / 2);
  });
});

describe('blacklist hides aliases, not names', () => {
  const index = loadModulesDir(DATA_DIR, { config: [join(FIXTURES, 'golden', 'modprobe.d')] });

  it('drops a blacklisted module found through an alias', () => {
    expect(index.lookup('acpi:LNXCPU:').modules.map((m) => m.name)).toEqual(['acpi_cpufreq', 'pcc_cpufreq']);
    expect(index.resolve('acpi:LNXCPU:')).toEqual(['pcc_cpufreq']);
  });

  it('keeps it when asked for by name', () => {
    expect(index.isBlacklisted('acpi-cpufreq')).toBe(true);
    expect(index.resolve('acpi-cpufreq')).toEqual(['acpi_cpufreq']);
  });

  it('applies config aliases before modules.alias', () => {
    expect(index.lookup('acpi:ACPI0007:')).toMatchObject({ source: 'config-alias', modules: [{ name: 'pcc_cpufreq' }] });
  });
});

describe('the real Debian 6.1 indexes', () => {
  const index = loadModulesDir(DATA_DIR);

  it('resolves ACPI processor devices to both cpufreq drivers', () => {
    expect(index.resolve('acpi:ACPI0007:')).toEqual(['acpi_cpufreq', 'pcc_cpufreq']);
    expect(index.resolve('acpi:LNXCPU:')).toEqual(['acpi_cpufreq', 'pcc_cpufreq']);
  });

  it('gives modules.dep paths and dependencies deepest first', () => {
    expect(index.path('acpi-cpufreq')).toBe('kernel/drivers/cpufreq/acpi-cpufreq.ko');
    expect(index.dependencies('ext4')).toEqual(['jbd2', 'mbcache', 'crc16']);
    expect(index.isBuiltin('zswap')).toBe(true);
  });

  it('uses only the first softdep rule that matches, as kmod does', () => {
    expect(index.softdeps('ksmbd')).toEqual({ pre: ['crc32'], post: [] });
    expect(index.softdeps('cifs')).toEqual({ pre: [], post: [] });
  });

  it('returns a copy of the cached resolution', () => {
    const first = index.resolve('acpi:ACPI0007:');
    first.push('tampered');
    expect(index.resolve('acpi:ACPI0007:')).toEqual(['acpi_cpufreq', 'pcc_cpufreq']);
  });
});

describe('modprobe.d options and softdep patterns', () => {
  const index = smallIndex({
    dep: 'kernel/snd-foo.ko:\nkernel/soundcore.ko:\nkernel/loop.ko:\n',
    alias: 'alias sound-slot-1 snd_foo\n',
    config: [
      'options loop max_loop=8',
      'options loop max_part=4',
      'options sound-slot-1 index=1',
      'softdep snd_* pre: soundcore',
    ].join('\n'),
  });

  it('joins every options line for the module, and takes those given for the alias it was found by', () => {
    expect(index.options('loop')).toBe('max_loop=8 max_part=4');
    expect(index.options('snd-foo')).toBe('');
    expect(index.options('snd-foo', 'sound_slot_1')).toBe('index=1');
  });

  it('matches softdep module names as fnmatch patterns', () => {
    expect(index.softdeps('snd-foo')).toEqual({ pre: ['soundcore'], post: [] });
    expect(index.softdeps('loop')).toEqual({ pre: [], post: [] });
  });
});

describe('loading a modules directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modstorm-kmod-dir-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names a directory that does not exist', () => {
    expect(() => loadModulesDir(join(dir, 'nope'))).toThrow(new UserError(`${join(dir, 'nope')}: no such modules directory`));
  });

  it('names the first missing index file', () => {
    for (const f of INDEX_FILES.slice(0, 2)) writeFileSync(join(dir, f), '');
    expect(() => loadModulesDir(dir)).toThrow(new UserError(`${dir}: modules.symbols is missing (run depmod to create it)`));
  });

  it('reports a malformed index line with the file path', () => {
    for (const f of INDEX_FILES) writeFileSync(join(dir, f), '');
    writeFileSync(join(dir, 'modules.alias'), '# Aliases\nalias broken\n');
    expect(() => loadModulesDir(dir)).toThrow(`${join(dir, 'modules.alias')} line 2:`);
  });
});
