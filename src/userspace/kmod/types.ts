/**
 * The kernel-side shapes kmod talks to (docs/contracts.md "src/kernel"),
 * taken from the kernel model so both layers share one vocabulary.
 */
export type { Errno, Initstate, SyscallResult } from '../../kernel/index.js';
