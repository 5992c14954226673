/**
 * Rebuild a module tree that kmod 30's own depmod turns into the embedded
 * text indexes, so the real modprobe can answer from binary (.bin) indexes
 * we do not ship. Each .ko is a minimal ELF64 relocatable object carrying only
 * what depmod reads: a .modinfo section (alias=, softdep=), __crc_<sym>
 * symbols for exports and undefined symbols for imports.
 *
 * Used by scripts/golden-modprobe.ts only; never at test time.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const SHT_PROGBITS = 1;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHF_ALLOC = 2;
const SHN_ABS = 0xfff1;
const STB_GLOBAL = 1;

class StrTab {
  private parts: Buffer[] = [Buffer.from([0])];
  private size = 1;
  add(s: string): number {
    const at = this.size;
    const b = Buffer.from(`${s}\0`, 'latin1');
    this.parts.push(b);
    this.size += b.length;
    return at;
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** A relocatable x86-64 ELF object with .modinfo, .symtab, .strtab, .shstrtab. */
export function dummyKo(modinfo: string[], exports: string[], imports: string[]): Buffer {
  const modinfoBytes = Buffer.from(modinfo.map((s) => `${s}\0`).join(''), 'latin1');
  const strtab = new StrTab();
  const symbols: Buffer[] = [Buffer.alloc(24)];
  const symbol = (name: string, shndx: number, value: number): void => {
    const s = Buffer.alloc(24);
    s.writeUInt32LE(strtab.add(name), 0);
    s.writeUInt8(STB_GLOBAL << 4, 4);
    s.writeUInt16LE(shndx, 6);
    s.writeBigUInt64LE(BigInt(value), 8);
    symbols.push(s);
  };
  exports.forEach((name, i) => symbol(`__crc_${name}`, SHN_ABS, 0x1000 + i));
  imports.forEach((name) => symbol(name, 0, 0));
  const symtabBytes = Buffer.concat(symbols);
  const strtabBytes = strtab.bytes();
  const shstrtab = new StrTab();
  const names = ['.modinfo', '.symtab', '.strtab', '.shstrtab'].map((n) => shstrtab.add(n));
  const shstrtabBytes = shstrtab.bytes();

  const bodies = [modinfoBytes, symtabBytes, strtabBytes, shstrtabBytes];
  const offsets: number[] = [];
  let at = 64;
  for (const b of bodies) {
    at = Math.ceil(at / 8) * 8;
    offsets.push(at);
    at += b.length;
  }
  const shoff = Math.ceil(at / 8) * 8;
  const file = Buffer.alloc(shoff + 64 * 5);
  // ELF header: ELFCLASS64, little endian, ET_REL, EM_X86_64.
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(file, 0);
  file.writeUInt16LE(1, 16);
  file.writeUInt16LE(62, 18);
  file.writeUInt32LE(1, 20);
  file.writeBigUInt64LE(BigInt(shoff), 40);
  file.writeUInt16LE(64, 52);
  file.writeUInt16LE(64, 58);
  file.writeUInt16LE(5, 60);
  file.writeUInt16LE(4, 62);
  bodies.forEach((b, i) => b.copy(file, offsets[i]!));
  const section = (i: number, name: number, type: number, flags: number, link: number, info: number, entsize: number, align: number): void => {
    const o = shoff + 64 * i;
    file.writeUInt32LE(name, o);
    file.writeUInt32LE(type, o + 4);
    file.writeBigUInt64LE(BigInt(flags), o + 8);
    file.writeBigUInt64LE(BigInt(offsets[i - 1]!), o + 24);
    file.writeBigUInt64LE(BigInt(bodies[i - 1]!.length), o + 32);
    file.writeUInt32LE(link, o + 40);
    file.writeUInt32LE(info, o + 44);
    file.writeBigUInt64LE(BigInt(align), o + 48);
    file.writeBigUInt64LE(BigInt(entsize), o + 56);
  };
  section(1, names[0]!, SHT_PROGBITS, SHF_ALLOC, 0, 0, 0, 1);
  section(2, names[1]!, SHT_SYMTAB, 0, 3, 1, 24, 8);
  section(3, names[2]!, SHT_STRTAB, 0, 0, 0, 0, 1);
  section(4, names[3]!, SHT_STRTAB, 0, 0, 0, 0, 1);
  return file;
}

const modname = (path: string): string => path.slice(path.lastIndexOf('/') + 1).replace(/\.ko.*$/, '').replace(/-/g, '_');

function dataLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * Write <root>/lib/modules/<version>/ with dummy .ko files, modules.order and
 * modules.builtin, ready for `depmod -b <root> <version>`.
 */
export function writeKoTree(dataDir: string, root: string, version: string): string {
  const moddir = join(root, 'lib', 'modules', version);
  mkdirSync(moddir, { recursive: true });
  const depLines = dataLines(join(dataDir, 'modules.dep'));
  const deps = new Map<string, string[]>();
  const paths: string[] = [];
  for (const line of depLines) {
    const colon = line.indexOf(':');
    const path = line.slice(0, colon);
    paths.push(path);
    deps.set(path, line.slice(colon + 1).trim().split(/\s+/).filter(Boolean));
  }
  const aliases = new Map<string, string[]>();
  for (const line of dataLines(join(dataDir, 'modules.alias'))) {
    const [, pattern, mod] = line.split(' ');
    if (!aliases.has(mod!)) aliases.set(mod!, []);
    aliases.get(mod!)!.push(pattern!);
  }
  const softdeps = new Map<string, string[]>();
  for (const line of dataLines(join(dataDir, 'modules.softdep'))) {
    const m = /^softdep (\S+) (.*)$/.exec(line);
    if (!m) throw new Error(`bad softdep line ${line}`);
    if (!softdeps.has(m[1]!)) softdeps.set(m[1]!, []);
    softdeps.get(m[1]!)!.push(m[2]!);
  }
  const exportsOf = new Map<string, string[]>();
  for (const line of dataLines(join(dataDir, 'modules.symbols'))) {
    const [, sym, mod] = line.split(' ');
    if (!exportsOf.has(mod!)) exportsOf.set(mod!, []);
    exportsOf.get(mod!)!.push(sym!.slice('symbol:'.length));
  }
  for (const path of paths) {
    const name = modname(path);
    const listed = deps.get(path)!;
    // Direct dependencies: those not reachable through another listed one.
    const direct = listed.filter((d) => !listed.some((other) => other !== d && deps.get(other)!.includes(d)));
    // depmod's topological sort pushes a module's dependencies in import order
    // and pops them last-in first-out; importing in reverse listed order makes
    // it list them exactly as the shipped modules.dep does.
    const imports = direct.map((d) => exportsOf.get(modname(d))![0]!).reverse();
    const modinfo = [
      ...(aliases.get(name) ?? []).map((a) => `alias=${a}`),
      ...(softdeps.get(name) ?? []).map((s) => `softdep=${s}`),
      'depends=',
      `name=${name}`,
      `vermagic=${version} SMP preempt mod_unload modversions `,
    ];
    const file = join(moddir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, dummyKo(modinfo, exportsOf.get(name) ?? [], imports));
  }
  writeFileSync(join(moddir, 'modules.order'), paths.map((p) => `${p}\n`).join(''));
  writeFileSync(join(moddir, 'modules.builtin'), readFileSync(join(dataDir, 'modules.builtin')));
  return moddir;
}
