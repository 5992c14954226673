/**
 * The .modinfo section of a kernel module (.ko): NUL-separated `key=value`
 * strings (name, alias, depends, vermagic, license, parm, ...). Hand-written
 * ELF64 little-endian section-header reader: only the section table and the
 * section-name string table are needed, not a general ELF library.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../../errors.js';
import { compressionOf, decompressModule } from './compression.js';

export interface ModinfoField {
  key: string;
  /** '' when the string has no '=' (kmod keeps such keys with no value). */
  value: string;
}

export interface Modinfo {
  /** `name=` when the module carries it (modules since 4.x do). */
  name: string | undefined;
  aliases: string[];
  /** `depends=` split on commas. */
  depends: string[];
  vermagic: string | undefined;
  softdeps: string[];
  /** Every string of the section, in order. */
  fields: ModinfoField[];
}

const ELF_HEADER_SIZE = 64;
const SECTION_HEADER_SIZE = 64;

interface Section {
  name: number;
  offset: number;
  size: number;
}

/** Parse a module image; `file` only names it in errors. */
export function parseModinfo(image: Uint8Array, file: string): Modinfo {
  const fail = (what: string): UserError => new UserError(`${file}: ${what}`);
  const buf = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  const kind = compressionOf(buf);
  if (kind !== undefined) throw fail(`${kind}-compressed module; decompress it first (decompressModule)`);
  if (buf.length < 4 || buf.readUInt32BE(0) !== 0x7f454c46) throw fail('not an ELF file');
  if (buf.length < ELF_HEADER_SIZE) throw fail(`ELF header truncated (${buf.length} bytes)`);
  if (buf[4] !== 2) throw fail(`not a 64-bit ELF file (class ${buf[4]})`);
  if (buf[5] !== 1) throw fail(`not a little-endian ELF file (data encoding ${buf[5]})`);

  const shoff = buf.readBigUInt64LE(0x28);
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const shstrndx = buf.readUInt16LE(0x3e);
  if (shnum === 0) throw fail('no section headers');
  if (shentsize !== SECTION_HEADER_SIZE) throw fail(`section header size ${shentsize}, expected ${SECTION_HEADER_SIZE}`);
  if (shoff + BigInt(shnum * SECTION_HEADER_SIZE) > BigInt(buf.length)) {
    throw fail(`section headers (${shnum} at offset ${shoff}) run past the end of the file (${buf.length} bytes)`);
  }
  const table = Number(shoff);
  const section = (i: number): Section => {
    const at = table + i * SECTION_HEADER_SIZE;
    const offset = buf.readBigUInt64LE(at + 24);
    const size = buf.readBigUInt64LE(at + 32);
    if (offset + size > BigInt(buf.length)) {
      throw fail(`section ${i} (offset ${offset}, size ${size}) runs past the end of the file (${buf.length} bytes)`);
    }
    return { name: buf.readUInt32LE(at), offset: Number(offset), size: Number(size) };
  };
  if (shstrndx >= shnum) throw fail(`section name table index ${shstrndx} out of range (${shnum} sections)`);
  const names = section(shstrndx);
  const sectionName = (s: Section): string => {
    if (s.name >= names.size) throw fail(`section name offset ${s.name} outside the section name table`);
    const from = names.offset + s.name;
    const end = buf.indexOf(0, from);
    if (end < 0 || end >= names.offset + names.size) throw fail('unterminated section name');
    return buf.toString('latin1', from, end);
  };

  let modinfo: Section | undefined;
  for (let i = 1; i < shnum && modinfo === undefined; i++) {
    const s = section(i);
    if (sectionName(s) === '.modinfo') modinfo = s;
  }
  if (modinfo === undefined) throw fail('no .modinfo section (not a kernel module?)');

  const fields: ModinfoField[] = [];
  for (const str of buf.toString('latin1', modinfo.offset, modinfo.offset + modinfo.size).split('\0')) {
    if (str === '') continue; // padding between strings
    const eq = str.indexOf('=');
    fields.push(eq < 0 ? { key: str, value: '' } : { key: str.slice(0, eq), value: str.slice(eq + 1) });
  }
  const all = (key: string): string[] => fields.filter((f) => f.key === key).map((f) => f.value);
  const first = (key: string): string | undefined => fields.find((f) => f.key === key)?.value;
  return {
    name: first('name'),
    aliases: all('alias'),
    depends: all('depends').flatMap((d) => d.split(',')).filter(Boolean),
    vermagic: first('vermagic'),
    softdeps: all('softdep'),
    fields,
  };
}

/** A .ko file's bytes as kmod works on them: read whole, decompressed when compressed. */
export function readModuleImage(file: string): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(error)})`);
  }
  return decompressModule(bytes, file);
}

/** Read a .ko, .ko.xz, .ko.zst or .ko.gz file's .modinfo; every problem is a UserError naming the file. */
export function readModinfo(file: string): Modinfo {
  return parseModinfo(readModuleImage(file), file);
}
