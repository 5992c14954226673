/**
 * The five guarantees of a load (README, 'What the checker finds'), judged on a run's CheckEvents as they happen (and
 * at its end, for liveness), plus the worst-case-inits figure.
 *
 * A "load in flight" is strategy-neutral: it begins when a call leads a
 * shared load (a merge or idempotent entry) or adds its module to the list,
 * and ends when the instance it formed becomes LIVE or leaves the list, or
 * when its call returns, whichever comes first. A call "found a load in
 * flight" when one was in flight at any of its dedup points (or, under a
 * userspace strategy, when its request arrived at udev's gate).
 *
 * The monitor keeps no event numbers or times in its state — only facts
 * relative to the calls in progress — so that its state key is equal for
 * interleavings that reach the same situation in a different order.
 */
import type { SyscallResult } from '../kernel/types.js';
import type { CheckEvent, TableState } from './events.js';
import type { Hash64 } from './hash.js';
import { sameName, type Rename } from './sim-state.js';

export const GUARANTEES = ['noFalseSuccess', 'freshRetry', 'uniqueness', 'liveness', 'agreement'] as const;
export type Guarantee = (typeof GUARANTEES)[number];

export interface Violation {
  readonly guarantee: Guarantee;
  readonly message: string;
}

interface Call {
  readonly id: number;
  readonly who: string;
  /** The call's place among its process's calls: with `who`, its name in state keys (the kernel's
   * request numbers, given in entry order, would tell apart runs that differ only in order). */
  readonly nth: number;
  /** The process had a signal pending during the call. */
  signalled: boolean;
  readonly module: string;
  /** No load of the module was in flight when it entered: "issued after the last load completed". */
  readonly fresh: boolean;
  /** Results of loads of the module that had completed before it entered (what a replay would return). */
  readonly oldResults: ReadonlySet<SyscallResult>;
  /** A load began, or an instance was not LIVE, at some moment of the call. */
  sawActivity: boolean;
  /** At one of its dedup points another call's load of the module was in flight. */
  foundInFlight: boolean;
  /** The load it last waited for (its leader's call), unless it led one since. */
  waitedOn: Call | undefined;
  ranInit: boolean;
  /** delete_module took the module to GOING during the call. */
  deletedSince: boolean;
  result: SyscallResult | undefined;
  /** The module was LIVE when the call returned. */
  liveAtReturn: boolean;
  /** Its own load, while in flight. */
  load: Load | undefined;
  /** Calls that waited on this one's load and returned before it did: agreement is judged when it returns. */
  pendingJoiners: Call[] | undefined;
}

interface Load {
  readonly leader: Call;
  inFlight: boolean;
}

interface ModuleTrack {
  state: TableState | undefined;
  /** The call whose load formed the instance in the list. */
  formedBy: Call | undefined;
  loads: Load[];
  /** Calls of this module in progress. */
  calls: Call[];
  /** Results returned by leaders of completed loads. */
  oldResults: Set<SyscallResult>;
  inits: number;
  /** Requests that arrived so far (at their syscall, or at the userspace gate); whether each did before the first call returned. */
  arrivals: number;
  firstReturned: boolean;
  allEnteredInFlight: boolean;
}

const SUCCESS = (r: SyscallResult): boolean => r === 0 || r === 'EEXIST';

export class GuaranteeMonitor {
  readonly violations: Violation[] = [];
  readonly #modules = new Map<string, ModuleTrack>();
  /** Calls in progress, by number. */
  readonly #current = new Map<number, Call>();
  /** Per process, a hash of the events its calls produced: its position in its own story. */
  readonly #history = new Map<string, number>();
  /** Calls made so far per process. */
  readonly #callsOf = new Map<string, number>();
  /** `who\0module` for processes that found a load in flight at the userspace gate, until their call of it. */
  readonly #foundAtGate = new Set<string>();
  /** Requests arrive at a userspace gate ('arrive' events) rather than at their syscalls. */
  readonly #gate: boolean;
  #violated = 0;

  constructor(
    /** Called at the moment a guarantee is first seen broken in this run. */
    private readonly onViolation?: (v: Violation) => void,
    options: { readonly arrivalsAtGate?: boolean } = {},
  ) {
    this.#gate = options.arrivalsAtGate === true;
  }

  /** Whether `g` has been violated in this run. */
  violated(g: Guarantee): boolean {
    return (this.#violated & (1 << GUARANTEES.indexOf(g))) !== 0;
  }

  #violate(guarantee: Guarantee, message: string): void {
    const bit = 1 << GUARANTEES.indexOf(guarantee);
    if ((this.#violated & bit) !== 0) return; // the first one per run is the counter-example
    this.#violated |= bit;
    const v = { guarantee, message };
    this.violations.push(v);
    this.onViolation?.(v);
  }

  #module(name: string): ModuleTrack {
    let m = this.#modules.get(name);
    if (m === undefined) {
      m = {
        state: undefined,
        formedBy: undefined,
        loads: [],
        calls: [],
        oldResults: new Set(),
        inits: 0,
        arrivals: 0,
        firstReturned: false,
        allEnteredInFlight: true,
      };
      this.#modules.set(name, m);
    }
    return m;
  }

  #call(call: number, module: string, what: string): Call {
    const c = this.#current.get(call);
    if (c === undefined || c.module !== module) {
      throw new Error(`check: ${what} for ${module} from call #${call}, which is not a call of it in progress`);
    }
    return c;
  }

  #note(c: Call, code: string): void {
    this.#noteWho(c.who, code);
  }

  #noteWho(who: string, code: string): void {
    let h = this.#history.get(who) ?? 0x811c9dc5;
    for (let i = 0; i < code.length; i++) h = Math.imul(h ^ code.charCodeAt(i), 0x01000193);
    this.#history.set(who, h);
  }

  /** A request enters: for worst-case inits, it counts if the first call has not returned yet. */
  #arrive(m: ModuleTrack): void {
    m.arrivals++;
    if (m.firstReturned) m.allEnteredInFlight = false;
  }

  observe(e: CheckEvent): void {
    switch (e.type) {
      case 'enter':
        return this.#enter(e.call, e.module, e.who);
      case 'dedup':
        return this.#dedup(e.call, e.module, e.decision, e.leader);
      case 'formed': {
        const c = this.#call(e.call, e.module, 'module formed');
        const m = this.#module(e.module);
        m.formedBy = c;
        this.#note(c, `f${e.module}`);
        if (c.load === undefined) this.#startLoad(c, m);
        return;
      }
      case 'state':
        return this.#state(e.module, e.state, e.byDelete === true);
      case 'init': {
        const c = this.#call(e.call, e.module, 'init');
        const m = this.#module(e.module);
        m.inits++;
        c.ranInit = true;
        c.waitedOn = undefined;
        this.#note(c, `i${e.module}`);
        if (c.foundInFlight) {
          this.#violate(
            'uniqueness',
            `${c.who} runs ${e.module}'s init itself although it found a load of ${e.module} in flight at its dedup point`,
          );
        }
        return;
      }
      case 'return':
        return this.#return(e.call, e.module, e.result);
      case 'arrive': {
        const m = this.#module(e.module);
        this.#arrive(m);
        if (m.loads.length > 0) this.#foundAtGate.add(`${e.who}\0${e.module}`);
        this.#noteWho(e.who, `a${e.module}`);
        return;
      }
      case 'signal': {
        const c = this.#current.get(e.call);
        if (c === undefined) return;
        c.signalled = true;
        this.#note(c, 's');
        return;
      }
    }
  }

  #enter(call: number, module: string, who: string): void {
    const m = this.#module(module);
    const inFlight = m.loads.length > 0;
    const busy = inFlight || (m.state !== undefined && m.state !== 'live');
    // What the request found at the userspace gate counts as found at a dedup point of this call.
    const foundAtGate = this.#foundAtGate.delete(`${who}\0${module}`);
    const nth = (this.#callsOf.get(who) ?? 0) + 1;
    this.#callsOf.set(who, nth);
    const c: Call = {
      id: call,
      who,
      nth,
      signalled: false,
      module,
      fresh: !inFlight,
      oldResults: new Set(m.oldResults),
      sawActivity: busy,
      foundInFlight: foundAtGate,
      waitedOn: undefined,
      ranInit: false,
      deletedSince: false,
      result: undefined,
      liveAtReturn: false,
      load: undefined,
      pendingJoiners: undefined,
    };
    this.#current.set(call, c);
    m.calls.push(c);
    if (!this.#gate) this.#arrive(m);
    this.#note(c, `e${module}`);
  }

  #dedup(call: number, module: string, decision: 'lead' | 'pass' | 'wait' | 'return', leader: number | undefined): void {
    const c = this.#call(call, module, 'dedup decision');
    const m = this.#module(module);
    const other = m.loads.find((l) => l.leader !== c);
    if (other !== undefined) c.foundInFlight = true;
    this.#note(c, `d${decision}${module}`);
    if (decision === 'lead') {
      if (c.load === undefined) this.#startLoad(c, m);
    } else if (decision === 'wait') {
      // The load it waits for: the one the kernel names, else the one in flight (a strategy waits on at most
      // one). Waiting for a module delete_module is tearing down joins no load.
      const named = leader === undefined ? undefined : this.#current.get(leader);
      c.waitedOn = named?.module === module ? named : other?.leader;
    }
  }

  /** `c`'s load is now in flight: at most one per module may be. */
  #startLoad(c: Call, m: ModuleTrack): void {
    const other = m.loads.find((l) => l.leader !== c);
    if (other !== undefined) {
      this.#violate('uniqueness', `${c.who}'s load of ${c.module} is past its dedup point while ${other.leader.who}'s load of it is in flight`);
    }
    const load: Load = { leader: c, inFlight: true };
    c.load = load;
    c.waitedOn = undefined;
    m.loads.push(load);
    for (const k of m.calls) k.sawActivity = true;
  }

  #state(module: string, state: TableState | 'gone', byDelete: boolean): void {
    const m = this.#module(module);
    m.state = state === 'gone' ? undefined : state;
    if (state !== 'live') for (const k of m.calls) k.sawActivity = true;
    if (byDelete && state === 'going') {
      for (const k of m.calls) {
        k.deletedSince = true;
        // The load it found ended in a LIVE module that is now being removed: loading it again is a new load.
        k.foundInFlight = false;
      }
    }
    // A successful load is done once LIVE; a failed one only when its leader's syscall returns: free_module()
    // unlinks the module a grace period (and the region frees) before that, and idempotent's waiters still join it.
    if (state === 'live') {
      const owner = m.formedBy;
      if (owner?.load !== undefined) this.#endLoad(m, owner.load);
    }
    if (state === 'gone') m.formedBy = undefined;
  }

  #endLoad(m: ModuleTrack, load: Load): void {
    if (!load.inFlight) return;
    load.inFlight = false;
    m.loads.splice(m.loads.indexOf(load), 1);
  }

  #return(call: number, module: string, result: SyscallResult): void {
    const c = this.#call(call, module, 'return');
    const m = this.#module(module);
    c.result = result;
    c.liveAtReturn = m.state === 'live';
    this.#current.delete(call);
    m.calls.splice(m.calls.indexOf(c), 1);
    this.#note(c, `r${module}${result}`);
    if (c.load !== undefined) {
      this.#endLoad(m, c.load);
      m.oldResults.add(result);
    }
    if (!m.firstReturned) m.firstReturned = true;

    // No false success: success means the module is LIVE now, unless delete_module removed it meanwhile.
    if (SUCCESS(result) && m.state !== 'live' && !c.deletedSince) {
      this.#violate(
        'noFalseSuccess',
        `${c.who} is told ${result === 0 ? '0' : 'EEXIST'} for ${module}, which is ${m.state === undefined ? 'not loaded' : m.state.toUpperCase()}`,
      );
    }

    // Fresh retry: issued after every earlier load completed, it must not get an old load's failure back.
    if (
      c.fresh &&
      !SUCCESS(result) &&
      !c.ranInit &&
      !c.sawActivity &&
      !(result === 'EINTR' && c.signalled) &&
      (c.oldResults.has(result) || (result === 'EBUSY' && [...c.oldResults].some((r) => !SUCCESS(r))))
    ) {
      this.#violate(
        'freshRetry',
        `${c.who} asked for ${module} after its last load completed and got ${result} back without a new load`,
      );
    }

    // Agreement: a waiter that did not load itself returns the (mapped) result of the load it joined.
    const leader = c.waitedOn;
    if (leader !== undefined && !c.ranInit && leader !== c) {
      if (leader.result === undefined) (leader.pendingJoiners ??= []).push(c);
      else this.#judgeAgreement(leader, c);
    }
    if (c.pendingJoiners !== undefined) {
      for (const j of c.pendingJoiners) this.#judgeAgreement(c, j);
      c.pendingJoiners = undefined;
    }
  }

  #judgeAgreement(leader: Call, joiner: Call): void {
    const got = joiner.result as SyscallResult;
    const ran = leader.result as SyscallResult;
    if (got === 'EINTR' && joiner.signalled) return;
    if (joiner.deletedSince) return; // delete_module changed what a re-check finds: no single right answer
    // A waiter of a failed load may report EEXIST when a newer load made the module LIVE by the time it
    // returned (a re-checking strategy sees that); no-false-success judges that claim.
    const ok = SUCCESS(ran) ? SUCCESS(got) : got === ran || got === 'EBUSY' || (got === 'EEXIST' && joiner.liveAtReturn);
    if (!ok) {
      this.#violate(
        'agreement',
        `${joiner.who} waited for ${leader.who}'s load of ${joiner.module}, which returned ${ran}, but returned ${got}`,
      );
    }
  }

  /**
   * The end of a run: every load call returned and nothing is left waiting.
   * `stuck` names the processes that did not end. A run cut at the step
   * bound is not judged: it might have ended a step later (the checker
   * reports such runs as incomplete, not as violations).
   */
  end(stuck: readonly string[], stepBoundHit: boolean): void {
    if (stepBoundHit) return;
    if (stuck.length > 0) {
      this.#violate('liveness', `the run ended with processes blocked forever: ${stuck.join(', ')}`);
      return;
    }
    for (const c of this.#current.values()) this.#violate('liveness', `${c.who}'s load of ${c.module} never returned`);
  }

  /**
   * This run's inits of the module with the most, counting only modules
   * whose every request entered while the first call of it was in flight
   * (the worst-case-inits condition); undefined when none qualifies.
   */
  burstInits(): number | undefined {
    let best: number | undefined;
    for (const m of this.#modules.values()) {
      if (m.arrivals >= 1 && m.allEnteredInFlight && m.calls.length === 0) best = Math.max(best ?? 0, m.inits);
    }
    return best;
  }

  /** Init calls of `module` so far. */
  inits(module: string): number {
    return this.#modules.get(module)?.inits ?? 0;
  }

  /**
   * Feeds the monitor's state (what decides its future verdicts) into `h`,
   * in an order independent of arrival, with process names passed through
   * `rename` (for symmetric states).
   */
  stateKey(h: Hash64, rename: Rename = sameName): void {
    const key = (c: Call | undefined): string => (c === undefined ? '-' : `${rename(c.who)}#${c.nth}`);
    h.number(this.#violated);
    for (const name of [...this.#modules.keys()].sort()) {
      const m = this.#modules.get(name) as ModuleTrack;
      h.string(name);
      h.string(m.state ?? '-');
      h.number(m.inits);
      h.number(m.arrivals);
      h.number((m.firstReturned ? 1 : 0) | (m.allEnteredInFlight ? 2 : 0));
      h.string(key(m.formedBy));
      for (const k of m.loads.map((l) => key(l.leader)).sort()) h.string(k);
      h.number(-2);
      for (const r of [...m.oldResults].map(String).sort()) h.string(r);
      const calls = m.calls.map((c) => [key(c), c] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      for (const [k, c] of calls) hashCall(k, c, h, key);
    }
    const histories = [...this.#history].map(([who, hist]) => `${rename(who)}=${hist >>> 0}`);
    for (const e of histories.sort()) h.string(e);
    const found = [...this.#foundAtGate].map((k) => {
      const [who, module] = k.split('\0') as [string, string];
      return `${rename(who)}\0${module}`;
    });
    for (const e of found.sort()) h.string(e);
  }
}

function hashCall(name: string, c: Call, h: Hash64, key: (c: Call | undefined) => string): void {
  h.string(name);
  h.number(
    (c.fresh ? 2 : 0) |
      (c.sawActivity ? 4 : 0) |
      (c.foundInFlight ? 8 : 0) |
      (c.ranInit ? 16 : 0) |
      (c.deletedSince ? 32 : 0) |
      (c.signalled ? 64 : 0),
  );
  const w = c.waitedOn;
  h.string(key(w));
  h.string(w === undefined || w.result === undefined ? '-' : String(w.result));
  for (const r of [...c.oldResults].map(String).sort()) h.string(r);
  h.number(-3);
  // Joiners that returned before this call: their verdict waits on its result.
  for (const j of c.pendingJoiners ?? []) {
    h.string(key(j));
    h.string(String(j.result));
    h.number((j.deletedSince ? 1 : 0) | (j.liveAtReturn ? 2 : 0) | (j.signalled ? 4 : 0));
  }
}
