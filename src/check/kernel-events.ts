/**
 * The kernel's observer events as the checker's CheckEvents (events.ts):
 * a load syscall's entry, dedup decisions, the module it formed, state
 * changes (delete_module's marked), init calls and returns. It also keeps
 * what the run's state key and trace need of the kernel's view: the module
 * table, how many inits ended, and a count of everything reported (which
 * other processes could have seen).
 */
import type {
  DedupDecision,
  DedupEvent,
  InitEvent,
  KernelObserver,
  SyscallEntryEvent,
  SyscallResult,
  SyscallReturnEvent,
  TransitionEvent,
} from '../kernel/index.js';
import type { Process } from '../sim/index.js';
import type { CheckEvent, TableState } from './events.js';

/** Where the translated events go. */
export interface CheckEventSink {
  emit(e: CheckEvent): void;
  /** A trace note for the current step. */
  note(what: string): void;
  /** A call's outcome for the run's results, e.g. `req1: mod_a → EBUSY`. */
  result(text: string): void;
}

/** What the run's other actors (the deleter, the signaller) react to, told at the moment it happens. */
export interface KernelMoments {
  loadReturned?(process: Process<unknown>): void;
  dedupDecided?(process: Process<unknown>, decision: DedupDecision): void;
  stateChanged?(module: string, to: TableState | 'gone'): void;
}

/** A result as traces and results print it: `0` or the errno name. */
export function shownResult(r: SyscallResult | 'dropped'): string {
  return r === 0 ? '0' : r;
}

export class KernelEventAdapter implements KernelObserver {
  /** Everything reported so far, counted (the kernel's events and any the run adds with `count`). */
  events = 0;
  readonly #table = new Map<string, TableState>();
  readonly #initEnds = new Map<string, number>();
  /** Process → the load call it is in (kernel request number); absent outside one. */
  readonly #inCall = new Map<Process<unknown>, number>();
  readonly #deleting = new Set<Process<unknown>>();

  constructor(
    private readonly names: readonly string[],
    private readonly sink: CheckEventSink,
    private readonly moments: KernelMoments,
  ) {}

  /** Counts an event reported from outside the kernel (a uevent, a signal sent). */
  count(): void {
    this.events++;
  }

  /** The load call `process` is in, if any. */
  callOf(process: Process<unknown>): number | undefined {
    return this.#inCall.get(process);
  }

  /** Inits of `module` that returned. */
  initEnds(module: string): number {
    return this.#initEnds.get(module) ?? 0;
  }

  /** The module table, e.g. `mod_a=coming mod_b=-`. */
  tableText(): string {
    return this.names.map((n) => `${n}=${this.#table.get(n) ?? '-'}`).join(' ');
  }

  syscallEntry(e: SyscallEntryEvent): void {
    if (e.call === 'delete_module') {
      // Entering delete_module changes nothing another process could see.
      this.#deleting.add(e.process);
      this.sink.note(`delete_module(${e.module})`);
      return;
    }
    this.events++;
    this.#inCall.set(e.process, e.request);
    this.sink.emit({ type: 'enter', call: e.request, module: e.module, who: e.process.name });
    if (e.process.signalPending !== undefined) this.sink.emit({ type: 'signal', call: e.request });
    this.sink.note(`${e.call}(${e.module}) #${e.request}`);
  }

  syscallReturn(e: SyscallReturnEvent): void {
    this.events++;
    const shown = shownResult(e.result);
    if (e.call === 'delete_module') {
      this.#deleting.delete(e.process);
      this.sink.note(`delete_module → ${shown}`);
      this.sink.result(`${e.process.name}: delete_module(${e.module}) → ${shown}`);
      return;
    }
    this.#inCall.delete(e.process);
    this.moments.loadReturned?.(e.process);
    this.sink.note(`#${e.request} returns ${shown}`);
    this.sink.result(`${e.process.name}: ${e.module} → ${shown}`);
    this.sink.emit({ type: 'return', call: e.request, module: e.module, result: e.result });
  }

  dedup(e: DedupEvent): void {
    this.events++;
    // 'proceed': nothing in the way at this point; its load counts as in flight once it forms a module.
    const decision = e.decision === 'proceed' ? 'pass' : e.decision;
    this.sink.note(`${e.point}: ${e.decision}${e.result === undefined ? '' : ` ${shownResult(e.result)}`}`);
    this.sink.emit({ type: 'dedup', call: e.request, module: e.module, decision });
    this.moments.dedupDecided?.(e.process, e.decision);
  }

  transition(e: TransitionEvent): void {
    this.events++;
    const to: TableState | 'gone' = e.to === undefined ? 'gone' : (e.to.toLowerCase() as TableState);
    if (to === 'gone') this.#table.delete(e.module);
    else this.#table.set(e.module, to);
    this.sink.note(`${e.module}: ${e.from ?? 'new'} → ${e.to ?? 'freed'}`);
    if (e.from === undefined && e.to === 'UNFORMED') {
      const call = this.#inCall.get(e.process);
      if (call !== undefined) this.sink.emit({ type: 'formed', call, module: e.module });
    }
    this.sink.emit({ type: 'state', module: e.module, state: to, byDelete: this.#deleting.has(e.process) });
    this.moments.stateChanged?.(e.module, to);
  }

  init(e: InitEvent): void {
    this.events++;
    if (e.result === undefined) {
      this.sink.note(`${e.module}.init()`);
      this.sink.emit({ type: 'init', call: e.request, module: e.module });
    } else {
      this.#initEnds.set(e.module, this.initEnds(e.module) + 1);
      this.sink.note(`${e.module}.init() → ${shownResult(e.result)}`);
    }
  }
}
