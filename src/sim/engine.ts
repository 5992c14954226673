/**
 * The engine core: a virtual clock, the agenda of steps, and the loop that
 * runs one step at a time. Each step resumes one process until it yields a
 * waitable that has to wait; waits that are already satisfied (a free
 * mutex, a done completion, a true condition) go on within the same step.
 *
 * It knows processes, delays and the `Wait` protocol (process.ts), and no
 * resource: CPU pools, queues and mutexes are built on top of it and keep
 * their own bookkeeping. `Simulation` (simulation.ts) adds their factories.
 */
import { Agenda } from './agenda.js';
import { type ReadyStep, type TieChooser, fifoChooser } from './chooser.js';
import { Delay } from './delay.js';
import { K_RECHECK, K_RESUME, K_THROW, K_TIMEOUT, K_WAKE_ALL, SimEvent } from './event.js';
import { KILLED_RESULT, Process, Wait, type JoinResult, type ProcessState, type Scheduler } from './process.js';
import { Random } from './random.js';
import { DELAY_STEP, INTERRUPT_STEP, JOIN_STEP, START_STEP, step, type Step } from './step.js';
import type { Ns } from './time.js';
import type { TraceKind, TraceRecord } from './trace.js';
import { PENDING, THROW, type Armed, type ProcessBody, type Waitable } from './waitable.js';

type ProcEvent = SimEvent<Process<unknown>>;

export interface SimulationOptions {
  /** Seeds every `random(stream)` (default 0). */
  seed?: number;
  /** Picks among events ready at the same instant (default FIFO: lowest sequence). */
  chooser?: TieChooser;
  /** Receives one record per step, and per `sim.trace` call. */
  trace?: (record: TraceRecord) => void;
}

export interface RunOptions {
  /** Stop before the first event later than this; the clock then reads `until`. */
  until?: Ns;
  /** Stop after this many steps in this call. */
  maxSteps?: number;
}

export interface SpawnOptions {
  /** Start time (default: now). */
  at?: Ns;
}

/** An exception escaped a process body: a bug in the model, so `run()` throws it. */
export class ProcessCrash extends Error {
  constructor(
    readonly process: Process<unknown>,
    cause: unknown,
  ) {
    super(`sim: process ${process.name} (#${process.id}) threw: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'ProcessCrash';
  }
}

export class Engine implements Scheduler {
  /** The virtual clock, in integer nanoseconds. */
  now: Ns = 0;
  /** Steps (events) processed so far. */
  steps = 0;
  readonly seed: number;
  /** Whether a trace sink is attached: guard `sim.trace(...)` calls with it. */
  readonly tracing: boolean;
  /** Whether ties are FIFO (no chooser): steps at one instant run in the order they were scheduled. */
  readonly fifoTies: boolean;
  /** The process whose body is running, if any. */
  current: Process<unknown> | null = null;
  /** Processes spawned and not yet ended. */
  liveCount = 0;

  /** @internal the error a THROW from `_arm`/`_recheck` delivers */ _thrown: unknown = undefined;

  readonly #agenda = new Agenda<ProcEvent>();
  readonly #chooser: TieChooser | undefined;
  readonly #sink: ((record: TraceRecord) => void) | undefined;
  readonly #streams = new Map<string, Random>();
  readonly #stageSteps = new Map<string, Step>();
  #seq = 0;
  #nextId = 1;
  #running = false;
  /** In the plain loop (no step limit, chooser, trace or end time): steps may run inline (`_inlineLimit`). */
  #inline = false;
  #first: Process<unknown> | null = null;
  #last: Process<unknown> | null = null;

  constructor(options: SimulationOptions = {}) {
    this.seed = options.seed ?? 0;
    this.#chooser = options.chooser === fifoChooser ? undefined : options.chooser;
    this.#sink = options.trace;
    this.tracing = this.#sink !== undefined;
    this.fifoTies = this.#chooser === undefined;
  }

  /** Events scheduled and not yet processed. */
  get pending(): number {
    return this.#agenda.size;
  }

  /** Creates a process; its body starts at `at` (default: now). */
  spawn<T>(name: string, body: (self: Process<T>) => ProcessBody<T>, options?: SpawnOptions): Process<T> {
    const at = options?.at ?? this.now;
    if (!(at >= this.now)) throw new RangeError(`sim: cannot start ${name} at ${at} ns, before now (${this.now} ns)`);
    const p = new Process<T>(this, this.#nextId++, name, body);
    const q = p as Process<unknown>;
    if (this.#last === null) this.#first = q;
    else {
      this.#last._next = q;
      q._prev = this.#last;
    }
    this.#last = q;
    this.liveCount++;
    this._schedule(q, at, K_RESUME, START_STEP, undefined);
    return p;
  }

  /** Processes events until none is left, or a limit is reached. */
  run(options: RunOptions = {}): void {
    if (this.#running) throw new Error('sim: run() called from inside the simulation');
    const until = options.until ?? Infinity;
    let budget = options.maxSteps ?? Infinity;
    const agenda = this.#agenda;
    const chooser = this.#chooser;
    const sink = this.#sink;
    this.#running = true;
    try {
      if (budget === Infinity && chooser === undefined && sink === undefined) {
        this.#inline = until === Infinity;
        this.#runPlain(until);
      }
      else for (;;) {
        if (budget-- <= 0 && agenda.hasDue(until)) return;
        // FIFO needs no ready set: (time, seq) order is the answer.
        const ev = chooser === undefined ? agenda.takeNext(this.now, until) : this.#choose(chooser, until);
        if (ev === null) break;
        this.now = ev._time;
        this.steps++;
        if (sink !== undefined) {
          const s = ev._step;
          sink({ step: this.steps, time: this.now, process: ev._proc.name, what: s.label, kind: s.kind, stage: s.stage });
        }
        this.#dispatch(ev);
      }
      if (until !== Infinity && until > this.now) this.now = until;
    } finally {
      this.#running = false;
      this.#inline = false;
      this.current = null;
    }
  }

  /** `run` with no step limit, no tie chooser and no trace: the loop models spend their time in, with nothing to check per step. */
  #runPlain(until: Ns): void {
    const agenda = this.#agenda;
    for (let ev = agenda.takeNext(this.now, until); ev !== null; ev = agenda.takeNext(this.now, until)) {
      this.now = ev._time;
      this.steps++;
      this.#dispatch(ev);
    }
  }

  /**
   * Waits `ns` nanoseconds; `delay(0)` is a pure scheduling point. The
   * step's kind is 'delay'; `stage` names what the wait stands for (the
   * kernel's load stages): the step's `stage`, labelled 'stage:NAME' in
   * traces (plain 'delay' without one).
   */
  delay(ns: Ns, stage?: string): Waitable<void> {
    if (!(Number.isInteger(ns) && ns >= 0)) throw new RangeError(`sim: delay must be a whole number of ns ≥ 0, got ${ns}`);
    if (stage === undefined) return new Delay(ns, DELAY_STEP);
    // A stage's step once per stage name: `step()` builds its key string, and every load stage is a delay.
    let s = this.#stageSteps.get(stage);
    if (s === undefined) {
      s = step('delay', `stage:${stage}`, stage);
      this.#stageSteps.set(stage, s);
    }
    return new Delay(ns, s);
  }

  /** The named random stream (one per name, seeded from the seed and the name). */
  random(stream: string): Random {
    let r = this.#streams.get(stream);
    if (r === undefined) {
      r = new Random(this.seed, stream);
      this.#streams.set(stream, r);
    }
    return r;
  }

  /** Adds a record to the trace (a no-op when tracing is off). */
  trace(process: string, what: string): void {
    if (this.#sink !== undefined) this.#emit(process, what, 'note');
  }

  /**
   * Live processes that wait with no event of their own scheduled (not a
   * delay, not a timeout, not a decided wake-up) in a wait that does not
   * end by itself (a CPU queue always drains). After `run()` returns with
   * no event left, these are exactly the processes that hang.
   */
  blocked(): Process<unknown>[] {
    const out: Process<unknown>[] = [];
    for (let p = this.#first; p !== null; p = p._next) {
      const tev = p._x === null ? null : p._x.tev;
      if (p.state === 'waiting' && p._index === -1 && (tev === null || tev._index === -1) && !(p._wait as Wait<unknown>)._alwaysEnds()) {
        out.push(p);
      }
    }
    return out;
  }

  /** Live processes, in spawn order. */
  live(): Process<unknown>[] {
    const out: Process<unknown>[] = [];
    for (let p = this.#first; p !== null; p = p._next) out.push(p);
    return out;
  }

  // ---- engine protocol (used by waitables) ----

  /** @internal */
  _schedule(ev: ProcEvent, time: Ns, kind: number, s: Step, value: unknown): void {
    if (ev._index !== -1) throw new Error(`sim: ${ev._proc.name} scheduled twice (${ev._step.label}, then ${s.label})`);
    ev._time = time;
    ev._seq = this.#seq++;
    ev._kind = kind;
    ev._step = s;
    ev._value = value;
    this.#agenda.add(ev, this.now);
  }

  /** @internal */
  _inlineLimit(): Ns {
    return this.#inline ? this.#agenda.nextTime(this.now) : -Infinity;
  }

  /** @internal */
  _advance(time: Ns): void {
    this.now = time;
    this.steps++;
  }

  /** @internal takes a scheduled step back */
  _unschedule(ev: ProcEvent): void {
    this.#agenda.remove(ev);
  }

  /** @internal resumes `p` now with a decided result */
  _resume(p: Process<unknown>, value: unknown, s: Step): void {
    p.state = 'ready';
    this._schedule(p, this.now, K_RESUME, s, value);
  }

  /** @internal throws `error` into `p` now */
  _throwInto(p: Process<unknown>, error: unknown, s: Step): void {
    p.state = 'ready';
    this._schedule(p, this.now, K_THROW, s, error);
  }

  /** @internal wakes `p` (already out of its queue) to re-check its wait in its own turn */
  _wake(p: Process<unknown>, s: Step): void {
    p.state = 'ready';
    this._schedule(p, this.now, K_RECHECK, s, undefined);
  }

  /**
   * @internal Wakes `ps` in order. In the plain loop, as one step for all of
   * them that counts as one per process: steps scheduled back to back at the
   * current instant run back to back (anything they schedule for this
   * instant queues behind them, and the heap holds nothing for it once
   * this instant's queue is being run), so one event that runs their
   * re-checks in order is the same sequence — a herd's wake-up without a
   * scheduled step per sleeper.
   */
  _wakeAll(ps: Process<unknown>[], s: Step): void {
    if (!this.#inline || ps.length < 2) {
      for (const p of ps) this._wake(p, s);
      return;
    }
    for (const p of ps) p.state = 'ready';
    this._schedule(new SimEvent<Process<unknown>>(ps[0] as Process<unknown>), this.now, K_WAKE_ALL, s, ps);
  }

  /** @internal `p`'s wait decides at `time` (a CPU slice ends); `p` stays waiting until then */
  _wakeAt(p: Process<unknown>, time: Ns, s: Step): void {
    this._schedule(p, time, K_RECHECK, s, undefined);
  }

  /** @internal for `_arm`/`_recheck`: make the process throw `error` at once */
  _throwNow(error: unknown): typeof THROW {
    this._thrown = error;
    return THROW;
  }

  /** @internal a signal reached `p` in an interruptible wait */
  _wakeForSignal(p: Process<unknown>): void {
    (p._wait as Wait<unknown>)._leave(p);
    this._wake(p, INTERRUPT_STEP);
  }

  /** @internal */
  _kill(p: Process<unknown>): void {
    if (p.state === 'done' || p.state === 'killed') return;
    const wakePending = p._index !== -1;
    if (wakePending) this._unschedule(p);
    const x = p._x;
    if (x !== null && x.tev !== null) this._unschedule(x.tev);
    const w = p._wait;
    if (w !== null) {
      w._leave(p);
      w._onKill(p, wakePending);
    }
    if (x !== null && x.holds !== null) {
      const holds = x.holds;
      x.holds = null;
      for (const h of holds) h._ownerKilled(p);
    }
    p.state = 'killed';
    p._gen = null;
    p._wait = null;
    this.#unlink(p);
    this.#end(p, KILLED_RESULT);
    if (this.#sink !== undefined) this.#emit(p.name, 'killed', 'killed');
    if (x !== null && x.onKill !== null) for (const fn of x.onKill.splice(0)) fn();
  }

  // ---- the loop ----

  #dispatch(ev: ProcEvent): void {
    const p = ev._proc;
    switch (ev._kind) {
      case K_RESUME: {
        const value = ev._value;
        ev._value = undefined;
        this.#advance(p, value, false);
        return;
      }
      case K_THROW: {
        const error = ev._value;
        ev._value = undefined;
        this.#advance(p, error, true);
        return;
      }
      case K_RECHECK: {
        const out = (p._wait as Wait<unknown>)._recheck(p);
        if (out === PENDING) p.state = 'waiting';
        else this.#deliver(p, out);
        return;
      }
      case K_WAKE_ALL: {
        const ps = ev._value as Process<unknown>[];
        ev._value = undefined;
        // This step counted as the first live one's; one more for each live one after it (a killed one had none).
        let counted = false;
        for (const q of ps) {
          if (q.state === 'killed') continue;
          if (counted) this.steps++;
          counted = true;
          const out = (q._wait as Wait<unknown>)._recheck(q);
          if (out === PENDING) q.state = 'waiting';
          else this.#deliver(q, out);
        }
        if (!counted) this.steps--;
        return;
      }
      case K_TIMEOUT: {
        // A decided result scheduled for the same instant wins over the timeout.
        if (p._index !== -1 && p._kind !== K_RECHECK) return;
        this._unschedule(p);
        const w = p._wait as Wait<unknown>;
        w._leave(p);
        this.#deliver(p, w._timeout(p));
        return;
      }
    }
  }

  #deliver(p: Process<unknown>, out: Armed<unknown>): void {
    if (out === THROW) {
      const error = this._thrown;
      this._thrown = undefined;
      this.#advance(p, error, true);
    } else this.#advance(p, out, false);
  }

  /** Runs `p`'s body from its current yield until it has to wait or ends. */
  #advance(p: Process<unknown>, value: unknown, isThrow: boolean): void {
    const x = p._x;
    if (x !== null && x.tev !== null && x.tev._index !== -1) this._unschedule(x.tev);
    p._wait = null;
    p._interruptible = false;
    p.state = 'ready';
    const gen = p._gen as ProcessBody<unknown>;
    this.current = p;
    for (;;) {
      let r: IteratorResult<Waitable<unknown>, unknown>;
      try {
        r = isThrow ? gen.throw(value) : gen.next(value);
      } catch (error) {
        if ((p.state as ProcessState) === 'killed') break; // killed itself, then threw: it is gone either way
        this.current = null;
        this.#crash(p, error);
      }
      if ((p.state as ProcessState) === 'killed') break; // it killed itself
      if (r.done === true) {
        this.#finish(p, r.value);
        break;
      }
      const w = r.value;
      if (!(w instanceof Wait)) {
        value = new TypeError(`sim: ${p.name} yielded ${String(w)}; yield a waitable (delay, waitEvent, wait, lock, run, join)`);
        isThrow = true;
        continue;
      }
      p._wait = w;
      p.state = 'waiting';
      const out = w._arm(p);
      if (out === PENDING) break;
      p._wait = null;
      p._interruptible = false;
      p.state = 'ready';
      if (out === THROW) {
        value = this._thrown;
        this._thrown = undefined;
        isThrow = true;
      } else {
        value = out;
        isThrow = false;
      }
    }
    this.current = null;
  }

  #finish(p: Process<unknown>, value: unknown): void {
    p.state = 'done';
    p.result = value;
    p._gen = null;
    this.#unlink(p);
    if (p._x !== null && p._x.joiners !== null) this.#end(p, { killed: false, value });
    if (this.#sink !== undefined) this.#emit(p.name, 'exit', 'exit');
  }

  #crash(p: Process<unknown>, error: unknown): never {
    p.state = 'done';
    p._gen = null;
    this.#unlink(p);
    throw new ProcessCrash(p, error);
  }

  /** Tells joiners how `p` ended. */
  #end(p: Process<unknown>, result: JoinResult<unknown>): void {
    const x = p._x;
    const joiners = x === null ? null : x.joiners;
    if (x === null || joiners === null) return;
    x.joiners = null;
    for (const j of joiners) this._resume(j, result, JOIN_STEP);
  }

  #unlink(p: Process<unknown>): void {
    if (p._prev === null) this.#first = p._next;
    else p._prev._next = p._next;
    if (p._next === null) this.#last = p._prev;
    else p._next._prev = p._prev;
    p._prev = p._next = null;
    this.liveCount--;
  }

  /**
   * The next step under a tie chooser, or null when none is due by
   * `until`. Several steps at the earliest instant: the chooser picks one
   * from the complete ready set, in sequence order (steps scheduled at
   * `now` while processing join it on the next step).
   */
  #choose(chooser: TieChooser, until: Ns): ProcEvent | null {
    const ready = this.#agenda.ready(this.now, until);
    let ev: ProcEvent | undefined;
    if (ready.length <= 1) ev = ready[0];
    else {
      const k = chooser(ready.map((e): ReadyStep => ({ seq: e._seq, process: e._proc, kind: e._step.kind, label: e._step.label, stage: e._step.stage })));
      ev = ready[k];
      if (!Number.isInteger(k) || ev === undefined) {
        throw new RangeError(`sim: tie chooser returned ${k} for ${ready.length} ready steps`);
      }
    }
    if (ev === undefined) return null;
    this.#agenda.remove(ev);
    return ev;
  }

  #emit(process: string, what: string, kind: TraceKind): void {
    (this.#sink as (record: TraceRecord) => void)({ step: this.steps, time: this.now, process, what, kind, stage: undefined });
  }
}
