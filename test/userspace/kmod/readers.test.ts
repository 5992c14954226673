import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import {
  configFiles,
  parseAliasFile,
  parseModinfo,
  parseModprobeConfig,
  parseModulesBuiltin,
  parseModulesDep,
  readAliasFile,
  readModinfo,
  readModprobeConfig,
  readModulesBuiltin,
  readModulesDep,
} from '../../../src/userspace/kmod/index.js';
import { DATA_DIR, FIXTURES } from './helpers.js';

const data = (f: string): string => join(DATA_DIR, f);
const rawLines = (f: string, prefix: string): string[] =>
  readFileSync(data(f), 'utf8').split('\n').filter((l) => l.startsWith(prefix));

/** The UserError a call throws, for asserting on its message. */
function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('modules.alias', () => {
  it('reads every alias line of the real file, in order', () => {
    const aliases = readAliasFile(data('modules.alias'));
    const raw = rawLines('modules.alias', 'alias ');
    expect(aliases).toHaveLength(raw.length);
    expect(aliases[0]).toEqual({ pattern: 'cpu:type:x86,ven0000fam0006mod0086:feature:*', module: 'intel_uncore', line: 2 });
    const last = raw[raw.length - 1]!.split(' ');
    expect(aliases[aliases.length - 1]).toMatchObject({ pattern: last[1], module: last[2] });
  });

  it('holds every alias the acpi-cpufreq.ko file itself declares', () => {
    const declared = readModinfo(join(FIXTURES, 'ko', 'acpi-cpufreq.ko')).aliases;
    const inIndex = readAliasFile(data('modules.alias'))
      .filter((a) => a.module === 'acpi_cpufreq')
      .map((a) => a.pattern);
    expect(inIndex.sort()).toEqual([...declared].sort());
  });

  it.each([
    ['alias onlytwo\n', 1, 'onlytwo'],
    ['# header\n\nalias a b c\n', 3, 'alias a b c'],
    ['alias a b\nalias x y\nnotalias p m\n', 3, 'notalias'],
  ])('rejects a malformed line %j naming file and line', (text, line, shown) => {
    const message = userError(() => parseAliasFile(text, '/m/modules.alias'));
    expect(message).toContain(`/m/modules.alias line ${line}:`);
    expect(message).toContain(shown);
  });
});

describe('modules.symbols', () => {
  it('maps symbol: names to their exporting module', () => {
    const symbols = readAliasFile(data('modules.symbols'));
    expect(symbols).toHaveLength(rawLines('modules.symbols', 'alias ').length);
    expect(symbols.find((s) => s.pattern === 'symbol:jbd2_journal_inode_ranged_write')?.module).toBe('jbd2');
    expect(symbols.every((s) => s.pattern.startsWith('symbol:'))).toBe(true);
  });
});

describe('modules.dep', () => {
  it('reads every module with its dependency paths in file order', () => {
    const deps = readModulesDep(data('modules.dep'));
    expect(deps).toHaveLength(rawLines('modules.dep', 'kernel/').length);
    const ext4 = deps.find((d) => d.name === 'ext4')!;
    expect(ext4.path).toBe('kernel/fs/ext4/ext4.ko');
    expect(ext4.deps).toEqual(['kernel/lib/crc16.ko', 'kernel/fs/mbcache.ko', 'kernel/fs/jbd2/jbd2.ko']);
    // Names fold '-' to '_' as kmod does.
    expect(deps.find((d) => d.path === 'kernel/drivers/cpufreq/acpi-cpufreq.ko')?.name).toBe('acpi_cpufreq');
    expect(deps.find((d) => d.name === 'loop')?.deps).toEqual([]);
  });

  it.each([
    ['kernel/a.ko kernel/b.ko\n', 1, 'path.ko: dep.ko'],
    ['kernel/a.ko:\n: kernel/b.ko\n', 2, 'path.ko: dep.ko'],
    ['kernel/a.ko:\n\nkernel/b.ko: kernel/c.o\n', 3, 'kernel/c.o'],
    ['kernel/a.txt:\n', 1, 'kernel/a.txt'],
  ])('rejects a malformed line %j naming file and line', (text, line, shown) => {
    const message = userError(() => parseModulesDep(text, '/m/modules.dep'));
    expect(message).toContain(`/m/modules.dep line ${line}:`);
    expect(message).toContain(shown);
  });
});

describe('modules.builtin', () => {
  it('reads the builtin module paths as names', () => {
    const builtin = readModulesBuiltin(data('modules.builtin'));
    expect(builtin).toHaveLength(rawLines('modules.builtin', 'kernel/').length);
    expect(builtin.map((b) => b.name)).toEqual(expect.arrayContaining(['zswap', 'amd_uncore', 'libblake2s_x86_64']));
  });

  it('rejects a line that is not a module path', () => {
    const message = userError(() => parseModulesBuiltin('kernel/mm/zswap.ko\nkernel/mm/zpool.o\n', '/m/modules.builtin'));
    expect(message).toContain('/m/modules.builtin line 2:');
  });
});

describe('modules.softdep (read with the modprobe.d parser, as kmod does)', () => {
  const softdeps = parseModprobeConfig(readFileSync(data('modules.softdep'), 'utf8'), 'modules.softdep').softdeps;

  it('keeps pre: and post: lists and drops words before either', () => {
    expect(softdeps.find((s) => s.module === 'intel_lpss')).toEqual({ module: 'intel_lpss', pre: ['platform:idma64'], post: [] });
    expect(softdeps.find((s) => s.module === 'ipmi_msghandler')).toEqual({ module: 'ipmi_msghandler', pre: [], post: ['ipmi_devintf'] });
    expect(softdeps.find((s) => s.module === 'pcengines_apuv2')?.pre).toEqual([
      'platform:gpio_amd_fch',
      'platform:leds-gpio',
      'platform:gpio_keys_polled',
    ]);
    // `softdep cifs gcm` has no pre:/post:, so kmod ignores its words.
    const cifs = softdeps.filter((s) => s.module === 'cifs');
    expect(cifs.length).toBeGreaterThan(5);
    expect(cifs.every((s) => s.pre.length === 0 && s.post.length === 0)).toBe(true);
  });
});

describe('modprobe.d', () => {
  const text = [
    '# comment',
    'alias pci:v00008086d*sv* e1000e',
    'alias my-alias[0-9]-x snd-hda-intel',
    'blacklist pcspkr-x',
    'options acpi-cpufreq   acpi_pstate_strict=1\tx=2',
    'options \\',
    '    loop max_loop=8',
    'install foo-bar /sbin/modprobe --ignore-install foo-bar $CMDLINE_OPTS',
    'remove baz /bin/true',
    'softdep ext4 pre: mbcache crc16 post: jbd2',
    'softdep a-b ignored pre: x',
    'include /etc/other.conf',
    '',
  ].join('\n');
  const config = parseModprobeConfig(text, '/etc/modprobe.d/x.conf');

  it('reads each command, folding - to _ in names but not inside brackets', () => {
    expect(config.aliases).toEqual([
      { pattern: 'pci:v00008086d*sv*', module: 'e1000e' },
      { pattern: 'my_alias[0-9]_x', module: 'snd_hda_intel' },
    ]);
    expect(config.blacklist).toEqual(['pcspkr_x']);
    expect(config.installCommands).toEqual([{ module: 'foo_bar', command: '/sbin/modprobe --ignore-install foo-bar $CMDLINE_OPTS' }]);
    expect(config.removeCommands).toEqual([{ module: 'baz', command: '/bin/true' }]);
    expect(config.softdeps).toEqual([
      { module: 'ext4', pre: ['mbcache', 'crc16'], post: ['jbd2'] },
      { module: 'a_b', pre: ['x'], post: [] },
    ]);
  });

  it('keeps options as kmod does: the rest after one blank, tabs as spaces, continued lines joined', () => {
    expect(config.options).toEqual([
      { module: 'acpi_cpufreq', options: '  acpi_pstate_strict=1 x=2' },
      { module: 'loop', options: 'max_loop=8' },
    ]);
  });

  it.each([
    ['alias onlyone\n', 1],
    ['# ok\noptions foo\n', 2],
    ['options foo \n', 1],
    ['blacklist\n', 1],
    ['alias foo]bar ext4\n', 1],
    ['alias ab[c-d ext4\n', 1],
    ['frobnicate x\n', 1],
    ['  # not a comment: kmod only skips a # in the first column\n', 1],
    ['alias a b\nsoftdep \\\n  ext4\n', 2],
  ])('rejects %j naming file and the line it starts on', (bad, line) => {
    const message = userError(() => parseModprobeConfig(bad, '/etc/modprobe.d/bad.conf'));
    expect(message).toMatch(new RegExp(`^/etc/modprobe\\.d/bad\\.conf line ${line}: bad line starting with`));
  });

  describe('configuration files', () => {
    const root = mkdtempSync(join(tmpdir(), 'modstorm-kmod-conf-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const put = (path: string, body: string): void => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), body);
    };
    put('etc/b.conf', 'alias b1 etc_b\n');
    put('etc/z.alias', 'alias z1 etc_z\n');
    put('etc/.hidden.conf', 'alias h hidden\n');
    put('etc/notes.txt', 'not read\n');
    put('lib/a.conf', 'alias a1 lib_a\n');
    put('lib/b.conf', 'alias b1 lib_b\n');
    put('single/c.conf', 'alias c1 single_c\n');

    it('reads *.conf and *.alias sorted by name; an earlier directory hides the same name later', () => {
      const files = configFiles([join(root, 'etc'), join(root, 'lib'), join(root, 'single', 'c.conf')]);
      expect(files).toEqual([
        join(root, 'lib', 'a.conf'),
        join(root, 'etc', 'b.conf'),
        join(root, 'single', 'c.conf'),
        join(root, 'etc', 'z.alias'),
      ]);
      const config = readModprobeConfig([join(root, 'etc'), join(root, 'lib'), join(root, 'single', 'c.conf')]);
      expect(config.aliases.map((a) => a.module)).toEqual(['lib_a', 'etc_b', 'single_c', 'etc_z']);
    });

    it('names a configuration path that does not exist', () => {
      expect(userError(() => configFiles([join(root, 'nope')]))).toContain(join(root, 'nope'));
    });
  });
});

describe('.modinfo of real .ko files', () => {
  const acpi = join(FIXTURES, 'ko', 'acpi-cpufreq.ko');
  const pcc = join(FIXTURES, 'ko', 'pcc-cpufreq.ko');

  it('reads acpi-cpufreq.ko: name, CPU-feature and ACPI aliases, vermagic', () => {
    const info = readModinfo(acpi);
    expect(info.name).toBe('acpi_cpufreq');
    expect(info.aliases).toEqual(
      expect.arrayContaining([
        'cpu:type:x86,ven*fam*mod*:feature:*0016*',
        'cpu:type:x86,ven*fam*mod*:feature:*00E8*',
        'acpi*:ACPI0007:*',
        'acpi*:LNXCPU:*',
      ]),
    );
    expect(info.vermagic).toMatch(/^6\.1\.0-56-amd64 SMP preempt mod_unload modversions/);
    expect(info.depends).toEqual([]);
    expect(info.fields).toContainEqual({ key: 'license', value: 'GPL' });
    expect(info.fields.find((f) => f.key === 'parmtype')?.value).toBe('acpi_pstate_strict:uint');
  });

  it('reads pcc-cpufreq.ko: only the ACPI processor aliases', () => {
    const info = readModinfo(pcc);
    expect(info.name).toBe('pcc_cpufreq');
    expect(info.aliases).toEqual(['acpi*:ACPI0007:*', 'acpi*:LNXCPU:*']);
    expect(info.vermagic?.startsWith('6.1.0-56-amd64 ')).toBe(true);
    expect(info.fields.find((f) => f.key === 'version')?.value).toBe('1.10.00');
  });

  describe('malformed images name the file and what is wrong', () => {
    const image = readFileSync(acpi);
    const patched = (edit: (b: Buffer) => void): Buffer => {
      const b = Buffer.from(image);
      edit(b);
      return b;
    };
    const shoff = Number(image.readBigUInt64LE(0x28));
    const shstrndx = image.readUInt16LE(0x3e);
    const names = Number(image.readBigUInt64LE(shoff + shstrndx * 64 + 24));
    const cases: [string, Buffer, RegExp][] = [
      ['plain text', Buffer.from('alias=foo\0'), /not an ELF file/],
      ['a truncated header', image.subarray(0, 20), /ELF header truncated/],
      ['a 32-bit class', patched((b) => (b[4] = 1)), /not a 64-bit ELF file/],
      ['big-endian data', patched((b) => (b[5] = 2)), /not a little-endian ELF file/],
      ['section headers past the end', image.subarray(0, shoff + 64), /section headers .* run past the end/],
      ['a section past the end', patched((b) => b.writeBigUInt64LE(BigInt(image.length), shoff + 3 * 64 + 24)), /section 3 .* runs past the end/],
      ['a bad name-table index', patched((b) => b.writeUInt16LE(999, 0x3e)), /section name table index 999 out of range/],
      [
        'no .modinfo section',
        patched((b) => {
          const at = b.indexOf('.modinfo\0', names);
          b.write('.modinfX', at, 'latin1');
        }),
        /no \.modinfo section/,
      ],
      ['an xz-compressed module', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2]), /xz-compressed module/],
    ];
    it.each(cases)('%s', (_what, bytes, expected) => {
      const message = userError(() => parseModinfo(bytes, '/lib/modules/x/acpi-cpufreq.ko'));
      expect(message.startsWith('/lib/modules/x/acpi-cpufreq.ko: ')).toBe(true);
      expect(message).toMatch(expected);
    });

    it('a missing file', () => {
      expect(userError(() => readModinfo('/nonexistent/x.ko'))).toBe('/nonexistent/x.ko: no such file');
    });
  });
});
