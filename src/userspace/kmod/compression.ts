/**
 * Compressed modules (`.ko.xz`, `.ko.zst`, `.ko.gz`), as kmod opens them
 * (libkmod/libkmod-file.c): the compression is told by the file's magic
 * bytes, not its name, and the image is decompressed whole.
 *
 * Libraries: gzip through Node's zlib; zstd through Node's zlib where this
 * Node has it (zstdDecompressSync, Node ≥ 22.15), else fzstd; xz through
 * @napi-rs/lzma (a prebuilt binding shipped in the npm package).
 */
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { decompress as fzstdDecompress } from 'fzstd';
import { UserError } from '../../errors.js';

export type Compression = 'xz' | 'zstd' | 'gzip';

// The xz binding is loaded on the first xz image, not by every command that imports kmod.
const require = createRequire(import.meta.url);
let xzBinding: (typeof import('@napi-rs/lzma'))['xz'] | undefined;
function xz(): NonNullable<typeof xzBinding> {
  return (xzBinding ??= (require('@napi-rs/lzma') as typeof import('@napi-rs/lzma')).xz);
}

const MAGIC: readonly (readonly [Compression, readonly number[]])[] = [
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['gzip', [0x1f, 0x8b]],
];

/** The compression of a module image, by its magic bytes; undefined for a plain ELF file. */
export function compressionOf(image: Uint8Array): Compression | undefined {
  for (const [kind, magic] of MAGIC) {
    if (image.length >= magic.length && magic.every((b, i) => image[i] === b)) return kind;
  }
  return undefined;
}

/** Whether a path names a compressed module, by the suffixes depmod and kmod know. */
export function isCompressedModulePath(path: string): boolean {
  return compressionOfPath(path) !== undefined;
}

const SUFFIXES: Readonly<Record<string, Compression>> = { xz: 'xz', zst: 'zstd', gz: 'gzip' };

/** The compression a modules.dep path names by its suffix (`.ko.xz`, `.ko.zst`, `.ko.gz`); undefined for `.ko`. */
export function compressionOfPath(path: string): Compression | undefined {
  const m = /\.ko\.(xz|zst|gz)$/.exec(path);
  return m === null ? undefined : SUFFIXES[m[1] as string];
}

type ZstdSync = (buf: Uint8Array) => Buffer;
const nodeZstd = (zlib as unknown as { zstdDecompressSync?: ZstdSync }).zstdDecompressSync;

/** The module image as the kernel or kmod sees it after decompression; `file` only names it in errors. */
export function decompressModule(image: Uint8Array, file: string): Uint8Array {
  const kind = compressionOf(image);
  if (kind === undefined) return image;
  try {
    switch (kind) {
      case 'gzip':
        return zlib.gunzipSync(image);
      case 'zstd':
        return nodeZstd !== undefined ? nodeZstd(image) : fzstdDecompress(image);
      case 'xz':
        return xz().decompressSync(image);
    }
  } catch (error) {
    throw new UserError(`${file}: cannot decompress the ${kind}-compressed module (${error instanceof Error ? error.message : String(error)})`);
  }
}
