/**
 * Record what the real kmod answers for a few hundred real modaliases and
 * module names, so test/userspace/kmod/golden.test.ts can hold modstorm's
 * resolver and probe order to it. Run by hand, never at test time:
 *
 *   npx tsx scripts/golden-modprobe.ts
 *
 * Needs kmod's modprobe and depmod (Debian: kmod 30). modprobe reads only
 * binary indexes, which are not shipped, so the script first rebuilds them:
 * it writes a dummy module tree from the embedded text indexes
 * (scripts/golden-ko-tree.ts), runs the real depmod on it, and refuses to go
 * on unless depmod's text output is byte-identical to the embedded files.
 *
 * Writes test/fixtures/golden/modprobe-R.json:
 * - resolve: `modprobe -R INPUT` (names printed, exit code) for CPU
 *   modaliases, ACPI processor ids, every modalias under this machine's
 *   /sys, strings instantiated from modules.alias patterns (and near misses),
 *   module names, symbol: names and malformed input;
 * - probe: `modprobe -D INPUT` (the insmod/builtin lines, in order);
 * - config: both again with test/fixtures/golden/modprobe.d as configuration.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeKoTree } from './golden-ko-tree.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VERSION = '6.1.0-56-amd64';
const DATA = join(ROOT, 'data', `linux-${VERSION}`);
const CONFIG_DIR = join(ROOT, 'test', 'fixtures', 'golden', 'modprobe.d');
const OUT = join(ROOT, 'test', 'fixtures', 'golden', 'modprobe-R.json');
const INDEXES = ['modules.dep', 'modules.alias', 'modules.softdep', 'modules.symbols', 'modules.builtin'];

/** Deterministic choices (mulberry32): the fixture must not change between runs. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(0x6b6d6f64);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
const hex = (n: number): string => Array.from({ length: n }, () => pick([...'0123456789ABCDEF'])).join('');

// ---------------------------------------------------------------- the tree

function buildTree(): { root: string; moddir: string; emptyConf: string } {
  const root = mkdtempSync(join(tmpdir(), 'modstorm-golden-'));
  const moddir = writeKoTree(DATA, root, VERSION);
  const emptyConf = join(root, 'empty.d');
  execFileSync('mkdir', ['-p', emptyConf]);
  execFileSync('depmod', ['-C', emptyConf, '-b', root, VERSION], { stdio: ['ignore', 'ignore', 'pipe'] });
  for (const f of INDEXES) {
    if (!readFileSync(join(moddir, f)).equals(readFileSync(join(DATA, f)))) {
      throw new Error(`depmod's ${f} differs from the embedded one; the rebuilt tree cannot stand in for the real one`);
    }
  }
  return { root, moddir, emptyConf };
}

// ---------------------------------------------------------------- inputs

interface Input {
  input: string;
  from: string;
}

/** x86 cpufeature numbers (word * 32 + bit, Linux 6.1) used to build Intel CPU modaliases. */
const FEATURES: Record<string, number> = {
  fpu: 0x00, vme: 0x01, de: 0x02, pse: 0x03, tsc: 0x04, msr: 0x05, pae: 0x06, mce: 0x07, cx8: 0x08, apic: 0x09,
  sep: 0x0b, mtrr: 0x0c, pge: 0x0d, mca: 0x0e, cmov: 0x0f, pat: 0x10, pse36: 0x11, clflush: 0x13, dts: 0x15,
  acpi: 0x16, mmx: 0x17, fxsr: 0x18, sse: 0x19, sse2: 0x1a, ss: 0x1b, ht: 0x1c, tm: 0x1d, pbe: 0x1f,
  syscall: 0x2b, nx: 0x34, pdpe1gb: 0x3a, rdtscp: 0x3b, lm: 0x3d,
  constant_tsc: 0x68, art: 0x6a, arch_perfmon: 0x6b, pebs: 0x6c, bts: 0x6d, rep_good: 0x70, nopl: 0x74,
  xtopology: 0x76, tsc_reliable: 0x77, nonstop_tsc: 0x78, cpuid: 0x79, aperfmperf: 0x7c, rapl: 0x7d,
  tsc_known_freq: 0x7f,
  pni: 0x80, pclmulqdq: 0x81, dtes64: 0x82, monitor: 0x83, ds_cpl: 0x84, vmx: 0x85, smx: 0x86, est: 0x87,
  tm2: 0x88, ssse3: 0x89, sdbg: 0x8b, fma: 0x8c, cx16: 0x8d, xtpr: 0x8e, pdcm: 0x8f, pcid: 0x91, dca: 0x92,
  sse4_1: 0x93, sse4_2: 0x94, x2apic: 0x95, movbe: 0x96, popcnt: 0x97, tsc_deadline_timer: 0x98, aes: 0x99,
  xsave: 0x9a, osxsave: 0x9b, avx: 0x9c, f16c: 0x9d, rdrand: 0x9e, hypervisor: 0x9f,
  lahf_lm: 0xc0, abm: 0xc5, '3dnowprefetch': 0xc8,
  cpuid_fault: 0xe1, epb: 0xe3, cat_l3: 0xe4, cdp_l3: 0xe6, invpcid_single: 0xe7, hw_pstate: 0xe8,
  tpr_shadow: 0x100, vnmi: 0x101, flexpriority: 0x102, ept: 0x103, vpid: 0x104, ept_ad: 0x111,
  fsgsbase: 0x120, tsc_adjust: 0x121, bmi1: 0x123, hle: 0x124, avx2: 0x125, smep: 0x127, bmi2: 0x128, erms: 0x129,
  invpcid: 0x12a, rtm: 0x12b, cqm: 0x12c, mpx: 0x12e, rdt_a: 0x12f, avx512f: 0x130, avx512dq: 0x131,
  rdseed: 0x132, adx: 0x133, smap: 0x134, clflushopt: 0x137, clwb: 0x138, intel_pt: 0x139, avx512cd: 0x13c,
  sha_ni: 0x13d, avx512bw: 0x13e, avx512vl: 0x13f,
  xsaveopt: 0x140, xsavec: 0x141, xgetbv1: 0x142, xsaves: 0x143,
  cqm_llc: 0x160, cqm_occup_llc: 0x161, cqm_mbm_total: 0x162, cqm_mbm_local: 0x163,
  dtherm: 0x1c0, ida: 0x1c1, arat: 0x1c2, pln: 0x1c4, pts: 0x1c6, hwp: 0x1c7, hwp_notify: 0x1c8,
  hwp_act_window: 0x1c9, hwp_epp: 0x1ca, hwp_pkg_req: 0x1cb,
  avx512vbmi: 0x201, umip: 0x202, pku: 0x203, ospke: 0x204, avx512_vbmi2: 0x206, gfni: 0x208, vaes: 0x209,
  vpclmulqdq: 0x20a, avx512_vnni: 0x20b, avx512_bitalg: 0x20c, tme: 0x20d, avx512_vpopcntdq: 0x20e,
  la57: 0x210, rdpid: 0x216, sgx_lc: 0x21e,
  fsrm: 0x244, md_clear: 0x24a, serialize: 0x24e, tsxldtrk: 0x250, pconfig: 0x252, arch_lbr: 0x253,
  amx_bf16: 0x256, avx512_fp16: 0x257, amx_tile: 0x258, amx_int8: 0x259, spec_ctrl: 0x25a, intel_stibp: 0x25b,
  flush_l1d: 0x25c, arch_capabilities: 0x25d, core_capabilities: 0x25e, spec_ctrl_ssbd: 0x25f,
};

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);
const INTEL_BASE = words(`fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi
  mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc arch_perfmon pebs bts rep_good nopl
  xtopology nonstop_tsc cpuid aperfmperf pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 cx16 xtpr
  pdcm pcid dca sse4_1 sse4_2 x2apic popcnt tsc_deadline_timer aes xsave osxsave lahf_lm epb tpr_shadow vnmi
  flexpriority ept vpid dtherm ida arat pln pts`);
const HASWELL = [...INTEL_BASE, ...words(`sdbg fma movbe avx f16c rdrand abm cpuid_fault invpcid_single ept_ad
  fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid cqm xsaveopt cqm_llc cqm_occup_llc md_clear flush_l1d`)];
const SKYLAKE_SP = [...HASWELL, ...words(`art 3dnowprefetch cat_l3 cdp_l3 hle rtm mpx rdt_a avx512f avx512dq rdseed
  adx smap clflushopt clwb intel_pt avx512cd avx512bw avx512vl xsavec xgetbv1 xsaves cqm_mbm_total cqm_mbm_local
  hwp hwp_act_window hwp_epp hwp_pkg_req pku ospke avx512_vnni spec_ctrl intel_stibp arch_capabilities
  spec_ctrl_ssbd`)];
const ICELAKE_SP = [...SKYLAKE_SP.filter((f) => f !== 'mpx'), ...words(`sha_ni avx512vbmi umip avx512_vbmi2 gfni vaes
  vpclmulqdq avx512_bitalg tme avx512_vpopcntdq la57 rdpid sgx_lc fsrm pconfig`)];
const SAPPHIRE_RAPIDS = [...ICELAKE_SP, ...words(`tsc_known_freq serialize tsxldtrk arch_lbr amx_bf16 avx512_fp16
  amx_tile amx_int8 core_capabilities`)];
const WESTMERE = INTEL_BASE.filter((f) => !['pcid', 'x2apic', 'tsc_deadline_timer', 'xsave', 'osxsave', 'pln', 'pts'].includes(f));
/** A KVM guest: no thermal or power management features, a hypervisor bit, no VMX unless nested. */
const guest = (fs: string[], nested: boolean): string[] => [
  ...fs.filter((f) => !['dts', 'acpi', 'tm', 'pbe', 'dtherm', 'ida', 'pln', 'pts', 'epb', 'hwp', 'hwp_act_window',
    'hwp_epp', 'hwp_pkg_req', 'est', 'tm2', 'smx', 'dca', 'aperfmperf', 'ds_cpl', 'dtes64', 'monitor', 'pebs', 'bts'].includes(f)
    && (nested || !['vmx', 'tpr_shadow', 'vnmi', 'flexpriority', 'ept', 'vpid', 'ept_ad'].includes(f))),
  'hypervisor', 'tsc_reliable',
];

function cpuModalias(vendor: number, family: number, model: number, features: string[]): string {
  const nums = [...new Set(features.map((f) => {
    const n = FEATURES[f];
    if (n === undefined) throw new Error(`unknown cpu feature ${f}`);
    return n;
  }))].sort((a, b) => a - b);
  const h4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  return `cpu:type:x86,ven${h4(vendor)}fam${h4(family)}mod${h4(model)}:feature:${nums.map((n) => `,${h4(n)}`).join('')}`;
}

function cpuInputs(): Input[] {
  const amd = readFileSync(join(ROOT, 'test', 'fixtures', 'cpu-modalias-amd-fam1A.txt'), 'utf8').trim();
  const zen2 = amd.replace('fam001Amod0002', 'fam0017mod0031').replace(',00EA', ',00E8,00EA');
  return [
    { input: amd, from: 'cpu: AMD family 1Ah (test/fixtures/cpu-modalias-amd-fam1A.txt)' },
    { input: zen2, from: 'cpu: AMD family 17h model 31h, hw_pstate added' },
    { input: cpuModalias(0, 6, 0x2c, WESTMERE), from: 'cpu: Intel Westmere-EP (06/2C)' },
    { input: cpuModalias(0, 6, 0x3f, HASWELL), from: 'cpu: Intel Haswell-EP (06/3F)' },
    { input: cpuModalias(0, 6, 0x55, SKYLAKE_SP), from: 'cpu: Intel Skylake-SP (06/55)' },
    { input: cpuModalias(0, 6, 0x6a, ICELAKE_SP), from: 'cpu: Intel Ice Lake-SP (06/6A)' },
    { input: cpuModalias(0, 6, 0x8f, SAPPHIRE_RAPIDS), from: 'cpu: Intel Sapphire Rapids (06/8F)' },
    { input: cpuModalias(0, 6, 0x8f, guest(SAPPHIRE_RAPIDS, false)), from: 'cpu: Sapphire Rapids KVM guest' },
    { input: cpuModalias(0, 6, 0x55, guest(SKYLAKE_SP, true)), from: 'cpu: Skylake-SP KVM guest, nested VMX' },
    { input: cpuModalias(0, 6, 0x97, ICELAKE_SP.filter((f) => !f.startsWith('avx512'))), from: 'cpu: Intel Alder Lake (06/97)' },
    { input: cpuModalias(0, 6, 0x5f, WESTMERE.filter((f) => f !== 'vmx')), from: 'cpu: Intel Denverton (06/5F)' },
    { input: cpuModalias(0, 6, 0x8f, []), from: 'cpu: no features at all' },
  ];
}

function acpiInputs(): Input[] {
  return ['acpi:ACPI0007:', 'acpi:LNXCPU:', 'acpi:ACPI0007:LNXCPU:', 'acpi:PNP0C14:', 'acpi:ACPI0013:', 'acpi:INT3400:']
    .map((input) => ({ input, from: 'acpi processor / platform id' }));
}

function sysfsInputs(): Input[] {
  const out = execFileSync('find', ['/sys', '-name', 'modalias'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n')
    .filter(Boolean);
  const seen = new Set<string>();
  for (const file of out) {
    try {
      const v = readFileSync(file, 'utf8').trim();
      if (v !== '') seen.add(v);
    } catch {
      // unreadable attribute: skip
    }
  }
  return [...seen].sort().map((input) => ({ input, from: 'sysfs of the machine that made this fixture' }));
}

/** Field widths of the usual bus modalias formats, so '*' becomes something a real device would show. */
const FIELD_WIDTH: [RegExp, number][] = [
  [/(sv|sd|^pci:v|d)$/, 8],
  [/(bc|sc|i|dc|dsc|dp|ic|isc|ip|in)$/, 2],
  [/usb:v$|p$/, 4],
];

/** A concrete string for an alias pattern: each wildcard filled the way a real device would. */
function instantiate(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      const w = FIELD_WIDTH.find(([re]) => re.test(out))?.[1];
      out += w !== undefined ? hex(w) : pick(['', '', '0', hex(4), 'x86_64']);
    } else if (c === '?') out += hex(1);
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        out += c;
        continue;
      }
      const body = pattern.slice(i + 1, close);
      out += body.startsWith('!') || body.startsWith('^') ? 'Z' : body[body.length - 1] === '-' ? '-' : body[0];
      i = close;
    } else if (c === '\\') out += pattern[++i] ?? '';
    else out += c;
  }
  return out;
}

/** A near miss: one hex digit of the literal part changed. */
function nearMiss(s: string): string {
  const spots = [...s.matchAll(/[0-9A-F]/g)].map((m) => m.index).filter((i) => i > 4);
  if (spots.length === 0) return `${s}X`;
  const at = pick(spots);
  return s.slice(0, at) + (s[at] === 'F' ? 'E' : 'F') + s.slice(at + 1);
}

function patternInputs(): Input[] {
  const lines = readFileSync(join(DATA, 'modules.alias'), 'utf8').split('\n').filter((l) => l.startsWith('alias '));
  const byBus = new Map<string, string[]>();
  for (const l of lines) {
    const pattern = l.split(' ')[1]!;
    const bus = pattern.includes(':') ? pattern.slice(0, pattern.indexOf(':')) : '(name)';
    if (!byBus.has(bus)) byBus.set(bus, []);
    byBus.get(bus)!.push(pattern);
  }
  const out: Input[] = [];
  for (const [bus, patterns] of [...byBus].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // Big buses get more samples; every bus gets at least two.
    const n = Math.max(2, Math.min(60, Math.round(patterns.length / 60)));
    for (let k = 0; k < n && k < patterns.length; k++) {
      const pattern = patterns[Math.floor((k * patterns.length) / n)]!;
      const input = instantiate(pattern);
      out.push({ input, from: `modules.alias pattern ${pattern}` });
      if (k % 4 === 0) out.push({ input: nearMiss(input), from: `near miss of ${pattern}` });
    }
    if (bus !== '(name)') out.push({ input: `${bus}:`, from: 'bus prefix alone' });
  }
  return out;
}

function nameInputs(): Input[] {
  const dep = readFileSync(join(DATA, 'modules.dep'), 'utf8').split('\n').filter(Boolean);
  const names = dep.map((l) => l.slice(0, l.indexOf(':')).replace(/^.*\//, '').replace(/\.ko$/, ''));
  const sample = Array.from({ length: 30 }, (_, k) => names[Math.floor((k * names.length) / 30)]!);
  const symbols = readFileSync(join(DATA, 'modules.symbols'), 'utf8').split('\n').filter((l) => l.startsWith('alias '));
  return [
    ...sample.map((n) => ({ input: n, from: 'module name from modules.dep' })),
    ...sample.slice(0, 10).map((n) => ({ input: n.replaceAll('_', '-'), from: 'module name, _ written as -' })),
    ...['acpi-cpufreq', 'acpi_cpufreq', 'pcc-cpufreq', 'kvm_intel', 'ext4', 'zswap', 'iosf_mbi', 'amd-uncore', 'libblake2s-x86_64']
      .map((n) => ({ input: n, from: 'named module (loadable or builtin)' })),
    ...Array.from({ length: 8 }, (_, k) => symbols[Math.floor((k * symbols.length) / 8)]!.split(' ')[1]!)
      .map((n) => ({ input: n, from: 'symbol: name from modules.symbols' })),
    ...['symbol:no_such_symbol', 'no_such_module', 'acpi', 'crypto-crc32c', 'crc32c', 'platform:idma64', 'fs-ext4', 'char-major-10-229']
      .map((n) => ({ input: n, from: 'name or alias' })),
    ...['a]b', 'usb:v13FDp3940d0[0-2]', 'x[y', 'pci:v*', '']
      .map((n) => ({ input: n, from: 'malformed or wildcard input' })),
  ];
}

// ---------------------------------------------------------------- running modprobe

interface Run {
  exitCode: number;
  stdout: string[];
}

function modprobe(moddir: string, conf: string, args: string[]): Run {
  const root = dirname(dirname(dirname(moddir)));
  const r = spawnSync('modprobe', ['-C', conf, '-d', root, '-S', VERSION, ...args], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { exitCode: r.status ?? -1, stdout: r.stdout.split('\n').filter((l) => l !== '') };
}

interface ProbeLine {
  action: 'insmod' | 'builtin' | 'install';
  /** insmod: the path relative to the modules directory. */
  path?: string;
  module?: string;
  /** install: the command and options as printed. */
  text?: string;
  args?: string;
}

function probeLines(moddir: string, stdout: string[]): ProbeLine[] {
  return stdout.map((line) => {
    if (line.startsWith('insmod ')) {
      const path = line.slice('insmod '.length).split(' ')[0]!;
      return { action: 'insmod', path: relative(moddir, path), args: line.slice(`insmod ${path} `.length) };
    }
    if (line.startsWith('builtin ')) return { action: 'builtin', module: line.slice('builtin '.length) };
    if (line.startsWith('install ')) return { action: 'install', text: line.slice('install '.length) };
    throw new Error(`unexpected modprobe -D line: ${line}`);
  });
}

/** Modules given options on this machine's kernel command line: kmod adds them, a fixture must not. */
function kernelCmdlineModules(): Set<string> {
  const cmdline = readFileSync('/proc/cmdline', 'utf8');
  return new Set(
    cmdline
      .split(/\s+/)
      .filter((w) => /^[^=.]+\.[^=]+=/.test(w))
      .map((w) => w.slice(0, w.indexOf('.')).replaceAll('-', '_')),
  );
}

function main(): void {
  const { root, moddir, emptyConf } = buildTree();
  try {
    const version = execFileSync('modprobe', ['-V'], { encoding: 'utf8' }).trim().split('\n').join(' ');
    const inputs = [...cpuInputs(), ...acpiInputs(), ...sysfsInputs(), ...patternInputs(), ...nameInputs()];
    const unique = inputs.filter((x, i) => inputs.findIndex((y) => y.input === x.input) === i);
    const resolveRuns = (conf: string, list: Input[]): unknown[] =>
      list.map(({ input, from }) => {
        const r = modprobe(moddir, conf, ['-R', input]);
        return { input, from, exitCode: r.exitCode, modules: r.stdout };
      });
    const cmdlineModules = kernelCmdlineModules();
    const skipped: string[] = [];
    const probeRuns = (conf: string, list: string[]): unknown[] =>
      list.flatMap((input) => {
        const r = modprobe(moddir, conf, ['-D', input]);
        const lines = probeLines(moddir, r.stdout);
        const names = lines.map((l) => l.module ?? (l.path ?? '').replace(/^.*\//, '').replace(/\.ko$/, '').replaceAll('-', '_'));
        if (names.some((n) => cmdlineModules.has(n))) {
          skipped.push(input);
          return [];
        }
        return [{ input, exitCode: r.exitCode, steps: lines }];
      });

    const resolveCases = resolveRuns(emptyConf, unique);
    const depLines = readFileSync(join(DATA, 'modules.dep'), 'utf8').split('\n').filter(Boolean);
    const name = (l: string): string => l.slice(0, l.indexOf(':')).replace(/^.*\//, '').replace(/\.ko$/, '');
    const softdepNames = readFileSync(join(DATA, 'modules.softdep'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('softdep '))
      .map((l) => l.split(' ')[1]!);
    const deepest = [...depLines].sort((a, b) => b.split(' ').length - a.split(' ').length).slice(0, 25).map(name);
    const spread = Array.from({ length: 40 }, (_, k) => name(depLines[Math.floor((k * depLines.length) / 40)]!));
    const probeInputs = [
      ...new Set([
        ...softdepNames,
        ...deepest,
        ...spread,
        'zswap',
        'acpi-cpufreq',
        'pcc_cpufreq',
        'no_such_module',
        'acpi:ACPI0007:',
        'acpi:LNXCPU:',
        ...cpuInputs().map((c) => c.input),
      ]),
    ];
    const probeCases = probeRuns(emptyConf, probeInputs);

    const configFiles = readdirSync(CONFIG_DIR).sort();
    const configResolve = resolveRuns(CONFIG_DIR, [
      ...['acpi:ACPI0007:', 'acpi:LNXCPU:', 'acpi-cpufreq', 'pcc_cpufreq', 'snd-card-3', 'snd_card_12', 'fancy-name',
        'qa-z', 'sha1_ssse3', 'loop_device', 'sound-service-0-0', 'nosuchthing', 'vbox_helper', 'cleanup_me']
        .map((input) => ({ input, from: 'with test/fixtures/golden/modprobe.d' })),
      ...cpuInputs().slice(0, 4).map((c) => ({ input: c.input, from: `with modprobe.d; ${c.from}` })),
    ]);
    const configProbe = probeRuns(CONFIG_DIR, [
      'acpi:ACPI0007:', 'acpi-cpufreq', 'pcc_cpufreq', 'ext4', 'btrfs', 'jbd2', 'loop', 'vbox_helper', 'fancy-name',
      'xfs', 'snd-card-3', ...cpuInputs().slice(0, 4).map((c) => c.input),
    ]);

    const fixture = {
      about:
        'What the real kmod answers. resolve: `modprobe -R INPUT`; probe: `modprobe -D INPUT` (insmod paths relative to the modules directory). ' +
        'The binary indexes modprobe read were built by kmod\'s own depmod and checked to produce byte-identical text indexes.',
      kmod: version,
      kernel: VERSION,
      generator: 'scripts/golden-modprobe.ts',
      indexesCheckedIdentical: INDEXES,
      skippedProbes: { reason: 'kmod also applies options from /proc/cmdline of the machine that ran it', inputs: skipped },
      resolve: resolveCases,
      probe: probeCases,
      config: { dir: 'test/fixtures/golden/modprobe.d', files: configFiles, resolve: configResolve, probe: configProbe },
    };
    writeFileSync(OUT, `${JSON.stringify(fixture, null, 1)}\n`);
    console.log(
      `wrote ${relative(ROOT, OUT)}: ${resolveCases.length} resolve, ${probeCases.length} probe, ` +
        `${configResolve.length} + ${configProbe.length} with config; skipped ${skipped.length}`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main();
