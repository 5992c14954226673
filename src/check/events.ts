/**
 * What the checker watches: a strategy-neutral account of one run, made
 * from the kernel's observer events (see kernel-events.ts). The guarantees in
 * guarantees.ts are judged on these alone, so any model that reports them
 * can be checked.
 *
 * `call` numbers the load syscalls of a run (the kernel's request number);
 * `who` names the process that made it, for messages.
 */
import type { SyscallResult } from '../kernel/types.js';

/** Where a module's instance is: the module list's states, or absent. */
export type TableState = 'unformed' | 'coming' | 'live' | 'going';

export type CheckEvent =
  /** A load syscall (finit_module / init_module) begins. */
  | { readonly type: 'enter'; readonly call: number; readonly module: string; readonly who: string }
  /**
   * The call reached a dedup point of its strategy and decided: 'lead' — its
   * load is now the one in flight others will wait for (a shared-load entry);
   * 'pass' — nothing in the way here, it goes on (its load is in flight once
   * it forms a module); 'wait' — it waits for (or joins) the load in flight;
   * 'return' — it returns without loading or waiting (e.g. LIVE → EEXIST).
   */
  | {
      readonly type: 'dedup';
      readonly call: number;
      readonly module: string;
      readonly decision: 'lead' | 'pass' | 'wait' | 'return';
      /** The call running the load waited on, when known. */
      readonly leader?: number;
    }
  /** The call added its module to the list (UNFORMED): its load is in flight from here if not already. */
  | { readonly type: 'formed'; readonly call: number; readonly module: string }
  /** The module's state changed; 'gone' when it left the list. `byDelete` for delete_module's GOING. */
  | { readonly type: 'state'; readonly module: string; readonly state: TableState | 'gone'; readonly byDelete?: boolean }
  /** The module's init() is called by this call. */
  | { readonly type: 'init'; readonly call: number; readonly module: string }
  /** The load syscall returns. */
  | { readonly type: 'return'; readonly call: number; readonly module: string; readonly result: SyscallResult }
  /** The process making the call has a signal pending. */
  | { readonly type: 'signal'; readonly call: number }
  /**
   * A request reached a userspace dedup point for the module (udev's gate,
   * before kmod's probe): with a userspace strategy, this is where a request
   * enters, and where it finds a load in flight or not.
   */
  | { readonly type: 'arrive'; readonly who: string; readonly module: string };
