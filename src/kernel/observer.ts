/**
 * What the kernel model reports as it runs, for the model checker's
 * invariants and for reports: every state transition, init call, syscall
 * entry and return, and dedup decision.
 */
import type { Ns, Process } from '../sim/index.js';
import type { DetectionPoint } from './stats.js';
import type { ModuleState, SyscallName, SyscallResult } from './types.js';

interface KernelEvent {
  readonly time: Ns;
  readonly process: Process<unknown>;
}

/** A module changed state. `from` undefined: it entered the list; `to` undefined: it was freed. */
export interface TransitionEvent extends KernelEvent {
  readonly module: string;
  readonly from: ModuleState | undefined;
  readonly to: ModuleState | undefined;
}

/** A module's init was called (`result` undefined) or returned. */
export interface InitEvent extends KernelEvent {
  readonly module: string;
  readonly request: number;
  readonly result?: SyscallResult;
}

export interface SyscallEntryEvent extends KernelEvent {
  /** Numbers the syscalls of one kernel, from 1. */
  readonly request: number;
  readonly call: SyscallName;
  /** The module's name (for an unknown path, the path). */
  readonly module: string;
}

export interface SyscallReturnEvent extends SyscallEntryEvent {
  readonly result: SyscallResult;
}

/**
 * What a policy decided for a request at a detection point:
 * 'lead' — no load in flight, this one goes on and others will wait for it;
 * 'wait' — a load of the module is in flight, the request waits;
 * 'proceed' — nothing (left) in the way, the request loads itself;
 * 'return' — the request is answered with `result`.
 */
export type DedupDecision = 'lead' | 'wait' | 'proceed' | 'return';

export interface DedupEvent extends KernelEvent {
  readonly request: number;
  readonly module: string;
  readonly point: DetectionPoint;
  readonly decision: DedupDecision;
  readonly result?: SyscallResult;
}

export interface KernelObserver {
  transition?(event: TransitionEvent): void;
  init?(event: InitEvent): void;
  syscallEntry?(event: SyscallEntryEvent): void;
  syscallReturn?(event: SyscallReturnEvent): void;
  dedup?(event: DedupEvent): void;
}

/** Fans events out to the observers attached. */
export class Observers {
  readonly #list: KernelObserver[] = [];

  get active(): boolean {
    return this.#list.length > 0;
  }

  /** Whether an observer takes dedup decisions: a herd's sleepers make millions, and the event is built only for one. */
  get wantsDedup(): boolean {
    return this.#dedupers > 0;
  }

  #dedupers = 0;

  /** Attaches `observer`; the function returned detaches it. */
  add(observer: KernelObserver): () => void {
    this.#list.push(observer);
    if (observer.dedup !== undefined) this.#dedupers++;
    return () => {
      const i = this.#list.indexOf(observer);
      if (i < 0) return;
      this.#list.splice(i, 1);
      if (observer.dedup !== undefined) this.#dedupers--;
    };
  }

  transition(e: TransitionEvent): void {
    for (const o of this.#list) o.transition?.(e);
  }

  init(e: InitEvent): void {
    for (const o of this.#list) o.init?.(e);
  }

  syscallEntry(e: SyscallEntryEvent): void {
    for (const o of this.#list) o.syscallEntry?.(e);
  }

  syscallReturn(e: SyscallReturnEvent): void {
    for (const o of this.#list) o.syscallReturn?.(e);
  }

  dedup(e: DedupEvent): void {
    for (const o of this.#list) o.dedup?.(e);
  }
}
