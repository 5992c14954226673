/**
 * Which syscall libkmod inserts a module file with
 * (libkmod/libkmod-module.c kmod_module_insert_module()): finit_module for a
 * plain ELF file; for a compressed one, finit_module with
 * MODULE_INIT_COMPRESSED_FILE only from kmod 31 on and only when the kernel
 * undoes that compression itself (/sys/module/compression, which a kernel
 * built with CONFIG_MODULE_DECOMPRESS — Linux ≥ 5.17 — shows); otherwise
 * kmod decompresses the file in userspace and calls init_module with the
 * image, which never reaches the kernel's inode-keyed idempotent check.
 */
import type { Compression } from './compression.js';

/** What a scenario says of the module files, the kernel and kmod. */
export interface InsertSetup {
  /** The compression the kernel undoes itself, or 'none' (no CONFIG_MODULE_DECOMPRESS). */
  readonly kernelDecompress: Compression | 'none';
  /** kmod's version: kernel-side decompression is used from 31 on. */
  readonly kmodVersion: number;
}

export type InsertCall = 'finit_module' | 'init_module';

/** The first kmod release that hands compressed files to the kernel (kmod 31, 2023). */
export const KMOD_KERNEL_DECOMPRESS_FROM = 31;

/** The syscall kmod uses for a file of this compression. */
export function insertCall(compression: Compression | undefined, setup: InsertSetup): InsertCall {
  if (compression === undefined) return 'finit_module';
  return setup.kmodVersion >= KMOD_KERNEL_DECOMPRESS_FROM && setup.kernelDecompress === compression ? 'finit_module' : 'init_module';
}
