/**
 * The kernel model's shared vocabulary: errno names, syscall results,
 * module states and the module files on the simulated disk.
 */
import type { Ns } from '../sim/index.js';
import type { Errno } from './errno.js';

export type { Errno } from './errno.js';

/** What a module syscall returns: 0, or the errno it failed with. */
export type SyscallResult = 0 | Errno;

/** The module states of `enum module_state`. */
export type ModuleState = 'UNFORMED' | 'COMING' | 'LIVE' | 'GOING';

/** `/sys/module/NAME/initstate`. */
export type Initstate = 'coming' | 'live' | 'going';

/** The module syscalls the model offers. */
export type SyscallName = 'finit_module' | 'init_module' | 'delete_module';

/** How a module's init function behaves when called. */
export interface InitBehaviour {
  /** What `init()` returns: 0, or the errno it fails with (pcc_cpufreq with intel_pstate active: ENODEV). */
  readonly result: SyscallResult;
  /**
   * What `init()` returns on its 1st, 2nd, … call in this kernel, the last
   * repeating; overrides `result`. A module that fails, then loads once the
   * user fixed the cause, is `[ENODEV, 0]`.
   */
  readonly results?: readonly SyscallResult[];
  /** How long `init()` runs. */
  readonly ns: Ns;
  /**
   * The init asks for its own load (request_module of its own alias): a new
   * modprobe process calls finit_module on the same file, and the init waits
   * for it as request_module waits for the usermode helper.
   */
  readonly requestsOwnLoad?: boolean;
}

/** One .ko file on the simulated disk. */
export interface ModuleFile {
  readonly path: string;
  /** The module's name as the kernel knows it (KBUILD_MODNAME: `pcc_cpufreq`). */
  readonly name: string;
  /** File size in bytes (compressed size when `compressed`). */
  readonly size: number;
  /** Identifies the file for `idempotent` (the kernel keys on the inode). */
  readonly inode: number;
  readonly compressed: boolean;
  /** Symbols this module exports. */
  readonly exports: readonly string[];
  /** Symbols it needs from other modules; they resolve against LIVE (or, after a wait, COMING) exporters. */
  readonly imports: readonly string[];
  readonly init: InitBehaviour;
}
