/**
 * One run of a checking configuration on the real kernel model: a fresh
 * simulation (ties broken by the explorer), a Kernel with every cost zero
 * (each stage a pure scheduling point, so only the chooser orders steps),
 * the request processes — raw finit_module calls, or, under a userspace
 * strategy, uevents whose kmod load goes through udev's real gate — and
 * optionally a delete_module and a signal. The kernel's observer events
 * are translated into CheckEvents for the guarantee monitor, and, when
 * tracing, into one trace line per step.
 */
import { Kernel, ZERO_TIME_COSTS, type ModuleFile, type SyscallResult } from '../kernel/index.js';
import type { DedupEvent, InitEvent, SyscallEntryEvent, SyscallReturnEvent, TransitionEvent } from '../kernel/index.js';
import { Simulation, type Process, type ReadyStep, type TieChooser, type TraceRecord, type Waitable } from '../sim/index.js';
import { indexFromTexts, probe, type KernelPort, type ModuleIndex, type SyscallResult as KmodResult } from '../userspace/kmod/index.js';
import { Worker, loadGate, type LoadGate, type UEvent } from '../userspace/udev/index.js';
import { moduleNames, requestChain, signalTarget, type CheckConfig } from './config.js';
import type { CheckEvent, TableState } from './events.js';
import type { ExploredRun } from './explorer.js';
import { GuaranteeMonitor, type Guarantee } from './guarantees.js';
import type { Hash64 } from './hash.js';
import { hashReady, hashSimState, sameName, type Rename } from './sim-state.js';
import type { TraceLine } from './trace.js';

export interface KernelRun extends ExploredRun {
  readonly config: CheckConfig;
  readonly monitor: GuaranteeMonitor;
  /** Ends the run for the monitor: liveness is judged here. */
  finish(stepBoundHit: boolean): void;
  /** Engine steps taken when `g` was first seen broken (Infinity if it was not). */
  violationStep(g: Guarantee): number;
  /** Each request's outcome, e.g. `req1: mod_a → EBUSY`. */
  results(): string[];
  /** The trace lines (empty unless started with `trace: true`). */
  trace(): TraceLine[];
}

const INIT_FAILURE: SyscallResult = 'ENODEV';
const SYMBOL = 'mod_a_symbol';

/** A waiter re-checking its wait (woken by wake_up or complete, a signal, a timeout). */
function isWake(r: TraceRecord): boolean {
  return r.kind === 'wake' || r.kind === 'interrupt' || r.kind === 'timeout';
}

/** Where a module's file is, as modules.dep names it. */
function modulePath(name: string): string {
  return `kernel/check/${name}.ko`;
}

/** kmod's indexes for the configuration's modules: B depends on A through A's symbol. */
function checkIndex(config: CheckConfig): ModuleIndex {
  const [a, b] = moduleNames(config.modules) as [string, string | undefined];
  const dep = `${modulePath(a)}:\n${b === undefined ? '' : `${modulePath(b)}: ${modulePath(a)}\n`}`;
  return indexFromTexts(
    {
      'modules.dep': dep,
      'modules.alias': moduleNames(config.modules).map((n) => `alias check:${n} ${n}\n`).join(''),
      'modules.symbols': `alias symbol:${SYMBOL} ${a}\n`,
      'modules.softdep': '',
      'modules.builtin': '',
    },
    '/lib/modules/check',
  );
}

/** The module files of a configuration. */
function moduleFiles(config: CheckConfig): ModuleFile[] {
  const names = moduleNames(config.modules);
  return names.map((name, i) => {
    const requestsOwnLoad = config.selfLoad && i === 0;
    const init =
      config.init === 'failThenSuccess'
        ? { result: INIT_FAILURE, results: [INIT_FAILURE, 0 as const], ns: 0, requestsOwnLoad }
        : { result: config.init === 'success' ? (0 as const) : INIT_FAILURE, ns: 0, requestsOwnLoad };
    return {
      path: modulePath(name),
      name,
      size: 4096,
      inode: 1000 + i,
      compressed: false,
      exports: i === 0 ? [SYMBOL] : [],
      imports: i === 0 ? [] : [SYMBOL],
      init,
    };
  });
}

/**
 * The renamings under which a configuration's runs are alike: requests with
 * the same chain of modules (and not the signal's target) may be swapped.
 * The identity comes first.
 */
export function symmetries(config: CheckConfig): Rename[] {
  const classes = new Map<string, number[]>();
  for (let i = 0; i < config.requests; i++) {
    const role = `${requestChain(config, i).join(',')}${config.signal && i === signalTarget(config) ? '!' : ''}`;
    classes.set(role, [...(classes.get(role) ?? []), i]);
  }
  let maps: Map<string, string>[] = [new Map()];
  for (const members of classes.values()) {
    const next: Map<string, string>[] = [];
    for (const order of permutations(members)) {
      for (const m of maps) {
        const extended = new Map(m);
        members.forEach((from, k) => extended.set(`req${from}`, `req${order[k] as number}`));
        next.push(extended);
      }
    }
    maps = next;
  }
  return maps.map((m, i) => (i === 0 ? sameName : (name: string) => m.get(name) ?? name));
}

function permutations(xs: readonly number[]): number[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

export interface KernelRunOptions {
  /** Record trace lines (for counter-examples and replays). */
  readonly trace?: boolean;
  /** Merge states that differ only by swapping alike requests (default true). */
  readonly symmetry?: boolean;
}

export function startKernelRun(config: CheckConfig, chooser: TieChooser, options: KernelRunOptions = {}): KernelRun {
  const tracing = options.trace === true;
  const names = moduleNames(config.modules);
  const renames = options.symmetry === false ? [sameName] : symmetries(config);
  const table = new Map<string, TableState>();
  const initEnds = new Map<string, number>();
  const files = moduleFiles(config);
  /** Process → the load call it is in (kernel request number); absent outside one. */
  const inCall = new Map<Process<unknown>, number>();
  const deleting = new Set<Process<unknown>>();
  const firstBroken = new Map<Guarantee, number>();
  const results: string[] = [];

  // Trace: one line per engine step, gathering what the kernel reported during it.
  const lines: { step: number; time: number; process: string; what: string[]; table: string; violation?: string }[] = [];
  const tableText = (): string => names.map((n) => `${n}=${table.get(n) ?? '-'}`).join(' ');
  const closeLine = (): void => {
    const last = lines[lines.length - 1];
    if (last !== undefined) last.table = tableText();
  };
  const note = (what: string): void => {
    if (!tracing) return;
    const last = lines[lines.length - 1];
    if (last !== undefined) last.what.push(what);
  };
  // Steps each process has taken: its position in its own body, which no event reports (a stage
  // boundary is a bare scheduling point), so the state key needs it. Wake-ups are left out: a woken
  // waiter that sleeps again is where it was, and one that goes on reports an event or takes a step.
  const stepsOf = new Map<string, number>();
  const onRecord = (r: TraceRecord): void => {
    if (!isWake(r)) stepsOf.set(r.process, (stepsOf.get(r.process) ?? 0) + 1);
    if (!tracing) return;
    const last = lines[lines.length - 1];
    if (last !== undefined && last.step === r.step && last.process === r.process) {
      last.what.push(r.what);
      return;
    }
    closeLine();
    lines.push({ step: r.step, time: r.time, process: r.process, what: [`[${r.what}]`], table: '' });
  };

  const sim = new Simulation({ chooser, trace: onRecord });
  /** Woken at every kernel event: the deleter and the signaller wait on it for their moment. */
  const checkerWq = sim.waitQueue('checker');
  let onFirstLive: (() => void) | undefined;
  let onFirstWait: (() => void) | undefined;
  let signalled: Process<unknown> | undefined;
  /** The signal target is waiting at a dedup point (between its 'wait' decision and its next one). */
  let targetWaiting = false;
  const monitor = new GuaranteeMonitor(
    (v) => {
      firstBroken.set(v.guarantee, sim.steps);
      const last = lines[lines.length - 1];
      if (tracing && last !== undefined) last.violation ??= `${v.guarantee}: ${v.message}`;
    },
    { arrivalsAtGate: config.userspace !== undefined },
  );
  /** Everything the kernel reported, counted: part of what other processes could have seen. */
  let events = 0;
  const emit = (e: CheckEvent): void => monitor.observe(e);

  const kernel = new Kernel(sim, {
    policy: config.strategy,
    files,
    // Zero-cost stages are bare scheduling points and never take a CPU; the kernel still wants a pool.
    cpus: sim.cpus(16),
    costs: ZERO_TIME_COSTS,
  });

  kernel.observe({
    syscallEntry(e: SyscallEntryEvent) {
      if (e.call === 'delete_module') {
        // Entering delete_module changes nothing another process could see.
        deleting.add(e.process);
        note(`delete_module(${e.module})`);
        return;
      }
      events++;
      inCall.set(e.process, e.request);
      emit({ type: 'enter', call: e.request, module: e.module, who: e.process.name });
      if (e.process.signalPending !== undefined) emit({ type: 'signal', call: e.request });
      note(`${e.call}(${e.module}) #${e.request}`);
    },
    syscallReturn(e: SyscallReturnEvent) {
      events++;
      const shown = e.result === 0 ? '0' : e.result;
      if (e.call === 'delete_module') {
        deleting.delete(e.process);
        note(`delete_module → ${shown}`);
        results.push(`${e.process.name}: delete_module(${e.module}) → ${shown}`);
        return;
      }
      inCall.delete(e.process);
      if (e.process === signalled) targetWaiting = false;
      checkerWq.wakeUpAll();
      note(`#${e.request} returns ${shown}`);
      results.push(`${e.process.name}: ${e.module} → ${shown}`);
      emit({ type: 'return', call: e.request, module: e.module, result: e.result });
    },
    dedup(e: DedupEvent) {
      events++;
      // 'proceed': nothing in the way at this point; its load counts as in flight once it forms a module.
      const decision = e.decision === 'proceed' ? 'pass' : e.decision;
      note(`${e.point}: ${e.decision}${e.result === undefined ? '' : ` ${e.result === 0 ? '0' : e.result}`}`);
      emit({ type: 'dedup', call: e.request, module: e.module, decision });
      if (e.process === signalled) {
        targetWaiting = e.decision === 'wait';
        if (targetWaiting && onFirstWait !== undefined) {
          onFirstWait();
          onFirstWait = undefined;
        }
        checkerWq.wakeUpAll();
      }
    },
    transition(e: TransitionEvent) {
      events++;
      const to: TableState | 'gone' = e.to === undefined ? 'gone' : (e.to.toLowerCase() as TableState);
      if (to === 'gone') table.delete(e.module);
      else table.set(e.module, to);
      note(`${e.module}: ${e.from ?? 'new'} → ${e.to ?? 'freed'}`);
      if (e.from === undefined && e.to === 'UNFORMED') {
        const call = inCall.get(e.process);
        if (call !== undefined) emit({ type: 'formed', call, module: e.module });
      }
      emit({ type: 'state', module: e.module, state: to, byDelete: deleting.has(e.process) });
      if (to === 'live' && e.module === names[0] && onFirstLive !== undefined) {
        onFirstLive();
        onFirstLive = undefined;
      }
    },
    init(e: InitEvent) {
      events++;
      if (e.result === undefined) {
        note(`${e.module}.init()`);
        emit({ type: 'init', call: e.request, module: e.module });
      } else {
        initEnds.set(e.module, (initEnds.get(e.module) ?? 0) + 1);
        note(`${e.module}.init() → ${e.result === 0 ? '0' : e.result}`);
      }
    },
  });

  // /proc/modules without the addresses: where an image landed depends on allocation order, which no
  // guarantee looks at, and would keep apart states that differ only there.
  const moduleList = (): string => kernel.procModules().replace(/ 0x[0-9a-f]+$/gm, '');

  const requests: Process<unknown>[] = [];
  const gate = config.userspace === undefined ? undefined : loadGate(sim, config.userspace);
  const index = gate === undefined ? undefined : checkIndex(config);
  for (let i = 0; i < config.requests; i++) {
    const chain = requestChain(config, i);
    requests.push(
      sim.spawn(`req${i}`, function* (self) {
        if (gate !== undefined) return yield* uevent(self, i, chain[chain.length - 1] as string, gate, index as ModuleIndex);
        for (const name of chain) {
          const r = yield* kernel.finitModule(self, modulePath(name));
          // A signal pending at the return to user space is delivered there (the process has a handler).
          self.clearSignal();
          if (r !== 0 && r !== 'EEXIST') return r;
        }
        return 0;
      }),
    );
  }

  /**
   * A request under a userspace strategy: the `add` uevent of CPU `i`, whose
   * kmod load of `target` goes through udev's gate (the real one, as the
   * kmod builtin uses it) around kmod's probe (dependencies first, LIVE
   * modules skipped, EEXIST counted as success).
   */
  function* uevent(self: Process<unknown>, i: number, target: string, gate: LoadGate, index: ModuleIndex): Generator<Waitable<unknown>, SyscallResult | 'dropped', unknown> {
    const worker = new Worker(i, checkerWq);
    worker.proc = self as Process<void>;
    const event: UEvent = {
      devpath: `/devices/system/cpu/cpu${i}`,
      subsystem: 'cpu',
      modalias: `check:${target}`,
      seqnum: i + 1,
      action: 'add',
      trigger: 1,
      queuedAt: 0,
    };
    const port: KernelPort<Waitable<unknown>> = {
      initstate: (name) => kernel.initstate(name),
      isBuiltin: (name) => kernel.isBuiltin(name),
      *finitModule(path: string, args: string): Generator<Waitable<unknown>, KmodResult, unknown> {
        const r = yield* kernel.finitModule(self, path, args);
        self.clearSignal();
        // kmod keeps its own list of errno names; the value passes through as is.
        return r as KmodResult;
      },
    };
    events++;
    note(`uevent add ${event.devpath}: kmod load ${target}`);
    emit({ type: 'arrive', who: self.name, module: target });
    // 'dropped' unless the gate let kmod's probe run.
    const outcome: { result: SyscallResult | 'dropped' } = { result: 'dropped' };
    yield* gate.load(worker, event, target, function* () {
      outcome.result = (yield* probe(port, index, target)).result as SyscallResult;
    });
    events++;
    const result = outcome.result;
    const shown = result === 0 ? '0' : result;
    note(`kmod load ${target} → ${shown}`);
    results.push(`${self.name}: kmod load ${target} → ${shown}`);
    return result;
  }

  // The delete and the signal are sent only when they can change something, which loses no
  // behaviour and saves interleavings: delete_module of a module that is not LIVE fails and changes
  // nothing, so the deleter is started when A first goes LIVE (and may still act at any later
  // moment, or after everything ended); a signal outside an interruptible wait is either pending
  // until the next one (as if sent when that began) or dropped at the return to user space, so the
  // signaller acts while its target waits at a dedup point (or gives up once the target ended).
  if (config.deleteModule) {
    onFirstLive = () =>
      sim.spawn('deleter', function* (self) {
        return yield* kernel.deleteModule(self, names[0] as string);
      });
  }
  if (config.signal) {
    const target = requests[signalTarget(config)] as Process<unknown>;
    signalled = target;
    onFirstWait = () =>
      sim.spawn('signaller', function* () {
        yield* checkerWq.waitEvent(() => targetWaiting || target.state === 'done');
        if (!targetWaiting) return;
        note(`signal → ${target.name}`);
        events++;
        target.interrupt('SIGINT');
        const call = inCall.get(target);
        if (call !== undefined) emit({ type: 'signal', call });
      });
  }

  return {
    sim,
    config,
    monitor,
    stateKey(h: Hash64, ready: readonly ReadyStep[]) {
      // The smallest key over the symmetric renamings: a state and its twin with two alike requests swapped are one.
      let best = -1;
      for (const rename of renames) {
        h.reset();
        hashSimState(sim, h, rename);
        hashReady(ready, h, rename);
        monitor.stateKey(h, rename);
        for (const n of names) h.number(initEnds.get(n) ?? 0);
        const steps = [...stepsOf].map(([name, k]) => `${rename(name)}=${k}`);
        for (const e of steps.sort()) h.string(e);
        h.string(moduleList());
        const v = h.value();
        if (best < 0 || v < best) best = v;
      }
      return best;
    },
    visibleFingerprint: () => `${events}|${moduleList()}`,
    finish(stepBoundHit: boolean) {
      const stuck = sim.live().map((p) => p.name);
      if (tracing) {
        closeLine();
        if (stuck.length > 0) {
          lines.push({
            step: sim.steps,
            time: sim.now,
            process: '-',
            what: [stepBoundHit ? `step bound hit; still running: ${stuck.join(', ')}` : `no event left; blocked forever: ${stuck.join(', ')}`],
            table: tableText(),
          });
        }
      }
      monitor.end(stuck, stepBoundHit);
      for (const p of sim.live()) results.push(`${p.name}: never returned`);
    },
    violationStep: (g) => firstBroken.get(g) ?? Infinity,
    results: () => [...results],
    trace() {
      closeLine();
      return lines.map((l) => ({
        step: l.step,
        time: l.time,
        process: l.process,
        what: l.what.join('; '),
        table: l.table,
        ...(l.violation === undefined ? {} : { violation: l.violation }),
      }));
    },
  };
}

