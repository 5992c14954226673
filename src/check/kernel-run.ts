/**
 * One run of a checking configuration: the world (world.ts) built in a
 * fresh simulation whose ties the explorer breaks, the kernel's observer
 * events turned into CheckEvents (kernel-events.ts) for the guarantee
 * monitor, and, when tracing, a trace line per step (trace-recorder.ts).
 * What this file adds is the run's identity for the explorer: its state
 * key (up to symmetric renamings of alike requests) and what other
 * processes could have seen.
 */
import type { ReadyStep, TieChooser, TraceRecord } from '../sim/index.js';
import { Simulation } from '../sim/index.js';
import { requestChain, signalTarget, type CheckConfig } from './config.js';
import type { CheckEvent } from './events.js';
import type { ExploredRun } from './explorer.js';
import { GuaranteeMonitor, type Guarantee } from './guarantees.js';
import type { Hash64 } from './hash.js';
import { KernelEventAdapter, shownResult } from './kernel-events.js';
import { hashReady, hashSimState, sameName, type Rename } from './sim-state.js';
import type { TraceLine } from './trace.js';
import { TraceRecorder } from './trace-recorder.js';
import { buildWorld } from './world.js';

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

/** A waiter re-checking its wait (woken by wake_up or complete, a signal, a timeout). */
function isWake(r: TraceRecord): boolean {
  return r.kind === 'wake' || r.kind === 'interrupt' || r.kind === 'timeout';
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
  const renames = options.symmetry === false ? [sameName] : symmetries(config);
  const firstBroken = new Map<Guarantee, number>();
  const results: string[] = [];
  // Steps each process has taken: its position in its own body, which no event reports (a stage
  // boundary is a bare scheduling point), so the state key needs it. Wake-ups are left out: a woken
  // waiter that sleeps again is where it was, and one that goes on reports an event or takes a step.
  const stepsOf = new Map<string, number>();
  let recorder: TraceRecorder | undefined;
  const sim = new Simulation({
    chooser,
    trace: (r: TraceRecord) => {
      if (!isWake(r)) stepsOf.set(r.process, (stepsOf.get(r.process) ?? 0) + 1);
      recorder?.step(r);
    },
  });
  const monitor = new GuaranteeMonitor(
    (v) => {
      firstBroken.set(v.guarantee, sim.steps);
      recorder?.violation(`${v.guarantee}: ${v.message}`);
    },
    { arrivalsAtGate: config.userspace !== undefined },
  );
  const note = (what: string): void => recorder?.note(what);
  const sink = { emit: (e: CheckEvent) => monitor.observe(e), note, result: (t: string) => results.push(t) };
  // The world's reports and the recorder use `events` (the kernel's events, attached below) only once the simulation runs.
  const world = buildWorld(
    sim,
    config,
    {
      arrived(request, devpath, module) {
        events.count();
        note(`uevent add ${devpath}: kmod load ${module}`);
        monitor.observe({ type: 'arrive', who: request.name, module });
      },
      loaded(request, module, result) {
        events.count();
        note(`kmod load ${module} → ${shownResult(result)}`);
        sink.result(`${request.name}: kmod load ${module} → ${shownResult(result)}`);
      },
    },
    (target) => {
      note(`signal → ${target.name}`);
      events.count();
      const call = events.callOf(target);
      if (call !== undefined) monitor.observe({ type: 'signal', call });
    },
  );
  const events = new KernelEventAdapter(world.names, sink, world.moments);
  world.kernel.observe(events);
  if (options.trace === true) recorder = new TraceRecorder(() => events.tableText());

  // /proc/modules without the addresses: where an image landed depends on allocation order, which no
  // guarantee looks at, and would keep apart states that differ only there.
  const moduleList = (): string => world.kernel.procModules().replace(/ 0x[0-9a-f]+$/gm, '');

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
        for (const n of world.names) h.number(events.initEnds(n));
        const steps = [...stepsOf].map(([name, k]) => `${rename(name)}=${k}`);
        for (const e of steps.sort()) h.string(e);
        h.string(moduleList());
        const v = h.value();
        if (best < 0 || v < best) best = v;
      }
      return best;
    },
    visibleFingerprint: () => `${events.events}|${moduleList()}`,
    finish(stepBoundHit: boolean) {
      const stuck = sim.live().map((p) => p.name);
      if (stuck.length > 0) {
        recorder?.end(
          sim.steps,
          sim.now,
          stepBoundHit ? `step bound hit; still running: ${stuck.join(', ')}` : `no event left; blocked forever: ${stuck.join(', ')}`,
        );
      }
      monitor.end(stuck, stepBoundHit);
      for (const p of sim.live()) results.push(`${p.name}: never returned`);
    },
    violationStep: (g) => firstBroken.get(g) ?? Infinity,
    results: () => [...results],
    trace: () => recorder?.lines() ?? [],
  };
}
