import { describe, expect, it } from 'vitest';
import { NS_PER_MS, NS_PER_S, Simulation, type ProcessBody } from '../../../src/sim/index.js';
import { Kernel } from '../../../src/kernel/index.js';
import { indexFromTexts } from '../../../src/userspace/kmod/index.js';
import { KmodBuiltin, Udevd, type Device, type EventRunner, type UEvent, type Worker } from '../../../src/userspace/udev/index.js';
import { moduleFile } from '../../kernel/helpers.js';

const noCosts = { forkNs: 0, dispatchNs: 0, rulesNs: 0, kmodLookupNs: 0, kmodModuleNs: 0 };

function cpuDevices(n: number): Device[] {
  return Array.from({ length: n }, (_, i) => ({ devpath: `/devices/system/cpu/cpu${i}`, subsystem: 'cpu', modalias: 'cpu:x' }));
}

interface Log {
  starts: Map<number, number>;
  ends: Map<number, number>;
}

/** A runner that takes `ns` of (userspace) time per event and logs when each event starts and ends. */
function sleeper(sim: Simulation, ns: (e: UEvent) => number, log: Log): EventRunner {
  return function* (_w: Worker, e: UEvent): ProcessBody<void> {
    log.starts.set(e.seqnum, sim.now);
    yield* sim.delay(ns(e));
    log.ends.set(e.seqnum, sim.now);
  };
}

function setup(childrenMax: number, ns: (e: UEvent) => number, options: { killDelayNs?: number } = {}) {
  const sim = new Simulation();
  const log: Log = { starts: new Map(), ends: new Map() };
  const udevd = new Udevd(sim, { childrenMax, costs: noCosts, run: sleeper(sim, ns, log), ...options });
  return { sim, udevd, log };
}

describe('Udevd', () => {
  it('runs siblings in parallel up to childrenMax workers', () => {
    const { sim, udevd, log } = setup(3, () => NS_PER_S);
    udevd.trigger(cpuDevices(10));
    sim.run();
    expect(udevd.stats.peakWorkers).toBe(3);
    expect(udevd.stats.workersForked).toBe(3);
    // 10 one-second events, 3 at a time: four rounds
    expect(udevd.settledAt).toBe(4 * NS_PER_S);
    expect(udevd.stats.eventsProcessed).toBe(10);
    expect([...log.starts.values()].filter((t) => t === 0)).toHaveLength(3);
  });

  it("queues every worker's log lines through one journald: the storm's events are paced by it, not by the workers", () => {
    const sim = new Simulation();
    const log: Log = { starts: new Map(), ends: new Map() };
    const udevd = new Udevd(sim, { childrenMax: 10, costs: { ...noCosts, journalNs: 5 * NS_PER_MS }, run: sleeper(sim, () => 0, log) });
    udevd.trigger(cpuDevices(10));
    sim.run();
    // ten workers at once, but journald takes one event's lines at a time: 5, 10, … 50 ms
    expect([...log.starts.values()]).toEqual(Array.from({ length: 10 }, (_, i) => (i + 1) * 5 * NS_PER_MS));
    expect(udevd.settledAt).toBe(50 * NS_PER_MS);
    // at the default (no debug logging) they all run at once
    const quiet = setup(10, () => 0);
    quiet.udevd.trigger(cpuDevices(10));
    quiet.sim.run();
    expect(quiet.udevd.settledAt).toBe(0);
  });

  it('sends coldplug events in devpath order with increasing SEQNUMs', () => {
    const { udevd } = setup(1, () => 0);
    const events = udevd.trigger([
      { devpath: '/devices/system/cpu/cpu10', subsystem: 'cpu', modalias: undefined },
      { devpath: '/devices/system/cpu/cpu2', subsystem: 'cpu', modalias: undefined },
      { devpath: '/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0007:00', subsystem: 'acpi', modalias: 'acpi:ACPI0007:' },
      { devpath: '/devices/system/cpu/cpu1', subsystem: 'cpu', modalias: undefined },
    ]);
    expect(events.map((e) => e.devpath.split('/').pop())).toEqual(['ACPI0007:00', 'cpu1', 'cpu10', 'cpu2']);
    expect(events.map((e) => e.seqnum)).toEqual([1, 2, 3, 4]);
    expect(new Set(events.map((e) => e.trigger))).toEqual(new Set([1]));
  });

  it('makes an event wait for an earlier one on the same or a parent devpath', () => {
    const { sim, udevd, log } = setup(8, () => NS_PER_S);
    const parent = { devpath: '/devices/pci0000:00', subsystem: 'pci', modalias: undefined };
    const child = { devpath: '/devices/pci0000:00/0000:00:1f.0', subsystem: 'pci', modalias: undefined };
    const sibling = { devpath: '/devices/pci0000:01', subsystem: 'pci', modalias: undefined };
    const [p, c, s] = [udevd.uevent(parent, 'add'), udevd.uevent(child, 'add'), udevd.uevent(sibling, 'add')];
    const again = udevd.uevent(child, 'change');
    sim.run();
    expect(log.starts.get(p.seqnum)).toBe(0);
    expect(log.starts.get(s.seqnum)).toBe(0);
    expect(log.starts.get(c.seqnum)).toBe(NS_PER_S);
    expect(log.starts.get(again.seqnum)).toBe(2 * NS_PER_S);
  });

  it('wakes `udevadm settle` when the queue is empty, not before', () => {
    const { sim, udevd } = setup(2, (e) => e.seqnum * NS_PER_S);
    udevd.trigger(cpuDevices(3));
    let settledAt: number | undefined;
    sim.spawn('udevadm-settle', function* () {
      yield* udevd.settle();
      settledAt = sim.now;
    });
    sim.run();
    // events take 1, 2 and 3 s; two workers: the third starts when the first is done, at 1 s
    expect(settledAt).toBe(4 * NS_PER_S);
    expect(udevd.settledAt).toBe(4 * NS_PER_S);
  });

  it('lets a worker idle for 3 s exit, and reuses one that is idle for less', () => {
    const { sim, udevd } = setup(4, () => 10 * NS_PER_MS);
    const d = cpuDevices(1)[0] as Device;
    udevd.uevent(d, 'add');
    sim.run({ until: 2900 * NS_PER_MS });
    expect(udevd.workers).toBe(1);
    udevd.uevent(d, 'change'); // at 2.9 s: the idle worker takes it, and is done at 2.91 s
    sim.run({ until: 5909 * NS_PER_MS });
    expect(udevd.workers).toBe(1);
    expect(udevd.stats.workersForked).toBe(1);
    sim.run({ until: 5911 * NS_PER_MS });
    // it exited 3 s after its second event ended
    expect(udevd.workers).toBe(0);
    expect(udevd.stats.workersExited).toBe(1);
    udevd.uevent(d, 'change');
    sim.run();
    expect(udevd.stats.workersForked).toBe(2);
  });

  it('keeps idle workers while any event is queued or running; they exit 3 s after the whole queue is empty', () => {
    // Event 1 runs 10 s; event 2 (a sibling) 10 ms: its worker idles 10 s with the queue not empty.
    const { sim, udevd } = setup(4, (e) => (e.seqnum === 1 ? 10 * NS_PER_S : 10 * NS_PER_MS));
    udevd.trigger(cpuDevices(2));
    sim.run({ until: 9 * NS_PER_S });
    expect(udevd.idleWorkers).toBe(1);
    expect(udevd.stats.workersExited).toBe(0);
    sim.run({ until: 12.9 * NS_PER_S });
    expect(udevd.workers).toBe(2);
    sim.run();
    expect(udevd.stats.workersExited).toBe(2);
    expect(sim.now).toBe(13 * NS_PER_S);
  });

  it('warns at 60 s and kills at the 180 s timeout a worker stuck in userspace (systemd 252); newer systemd kills 10 s later', () => {
    const late = setup(4, (e) => (e.seqnum === 1 ? 400 * NS_PER_S : NS_PER_S), { killDelayNs: 10 * NS_PER_S });
    late.udevd.trigger(cpuDevices(2));
    late.sim.run();
    expect(late.udevd.settledAt).toBe(190 * NS_PER_S);
  });

  it('warns at 60 s, times out and kills at 180 s a worker stuck in userspace', () => {
    const { sim, udevd, log } = setup(4, (e) => (e.seqnum === 1 ? 400 * NS_PER_S : NS_PER_S));
    const [stuck] = udevd.trigger(cpuDevices(2));
    sim.run({ until: 61 * NS_PER_S });
    expect(udevd.stats.workerWarnings).toBe(1);
    expect(udevd.stats.workerTimeouts).toBe(0);
    sim.run({ until: 179 * NS_PER_S });
    expect(udevd.stats.workerTimeouts).toBe(0);
    expect(udevd.pending).toBe(1);
    sim.run();
    expect(udevd.stats.workerTimeouts).toBe(1);
    expect(udevd.stats.workerKills).toBe(1);
    expect(udevd.stats.eventsFailed).toBe(1);
    // Outside a syscall the worker dies at once: its event is done when it is reaped.
    expect(udevd.settledAt).toBe(180 * NS_PER_S);
    // the killed worker never finished its event
    expect(log.ends.has((stuck as UEvent).seqnum)).toBe(false);
    expect(udevd.workers).toBe(0);
  });

  it('kills a worker inside finit_module at 180 s; it keeps its slot and its event blocks settle until the call ends', () => {
    // An init that outlasts udev's timeout: the worker is in the kernel when SIGKILL comes.
    const file = moduleFile('slow_init', { init: { result: 0, ns: 500 * NS_PER_S } });
    const sim = new Simulation();
    const kernel = new Kernel(sim, { policy: 'v6.4', files: [file], cpus: sim.cpus(4) });
    const index = indexFromTexts(
      { 'modules.dep': `${file.path}:\n`, 'modules.alias': 'alias cpu:x slow_init\n', 'modules.symbols': '', 'modules.softdep': '', 'modules.builtin': '' },
      '/lib/modules',
    );
    const kmod = new KmodBuiltin({ sim, index, kernel, costs: noCosts });
    const udevd = new Udevd(sim, { childrenMax: 2, costs: noCosts, run: kmod.run });
    udevd.trigger(cpuDevices(1));
    sim.run({ until: 181 * NS_PER_S });
    expect(udevd.stats.workerKills).toBe(1);
    // WORKER_KILLED: still counted against childrenMax, its event still running.
    expect(udevd.workers).toBe(1);
    expect(udevd.pending).toBe(1);
    sim.run();
    expect(udevd.settledAt).toBeGreaterThan(500 * NS_PER_S);
    expect(udevd.stats.eventsFailed).toBe(1);
    expect(udevd.stats.killedWorkersReaped).toBe(1);
    // The call ran to its end (init is not interruptible): the module is LIVE once its 500 s init (plus the
    // load's few microseconds) is over, and the worker died on its way back without seeing the result.
    expect(kernel.initstate('slow_init')).toBe('live');
    // (then the idle timer: nothing is left to exit, the killed worker is gone)
    expect(sim.now).toBeGreaterThan(503 * NS_PER_S);
    expect(sim.now).toBeLessThan(504 * NS_PER_S);
    expect(kernel.stats.results.get('0')).toBe(1);
    expect(kmod.log.get('slow_init')).toMatchObject({ requests: 1, results: {} });
    expect(sim.blocked()).toEqual([]);
  });

  it('spends fork and dispatch time in the manager, one event after another, and rules time in each worker', () => {
    const sim = new Simulation();
    const log: Log = { starts: new Map(), ends: new Map() };
    const udevd = new Udevd(sim, {
      childrenMax: 2,
      costs: { ...noCosts, forkNs: 100, dispatchNs: 10, rulesNs: 1000 },
      run: sleeper(sim, () => 0, log),
    });
    udevd.trigger(cpuDevices(3));
    sim.run();
    // manager: dispatch 0–10, fork 10–110; dispatch 110–120, fork 120–220; workers' rules take 1000 each
    expect(log.starts.get(1)).toBe(110 + 1000);
    expect(log.starts.get(2)).toBe(220 + 1000);
    // the third event waits for an idle worker (childrenMax 2): worker 1 is idle at 1110, then dispatch 10, rules 1000
    expect(log.starts.get(3)).toBe(1110 + 10 + 1000);
    expect(udevd.stats.workersForked).toBe(2);
  });
});
