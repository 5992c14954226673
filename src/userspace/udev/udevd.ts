/**
 * systemd-udevd in the simulation, as systemd 252 (Debian 12's) runs it
 * (src/udev/udevd.c): the manager queues uevents, hands each runnable one
 * to a worker (forking one while fewer than `childrenMax` exist), and
 * watches every event's run time; workers apply the rules and run builtins.
 *
 * Event timeout: a warning at a third of it, SIGKILL at the timeout itself
 * (180 s; on_event_timeout() kills and marks the worker WORKER_KILLED —
 * newer systemd waits 10 s more, `killDelayNs`). A killed worker keeps its
 * slot in `childrenMax` and its event stays running — blocking its devpath,
 * its children and `udevadm settle` — until the worker has really exited
 * (on_sigchld() frees both): a worker inside a system call dies on its way
 * back from it (the kernel's sigkill, src/kernel/syscall.ts).
 *
 * Idle workers: on_post() arms a 3 s timer whenever the whole queue —
 * queued and running — is empty; when it fires with the queue still empty,
 * the idle workers are told to exit (manager_kill_workers()). A busy queue
 * keeps every idle worker.
 */
import type { Completion, Mutex, Ns, Process, ProcessBody, Simulation, WaitQueue } from '../../sim/index.js';
import { NS_PER_S } from '../../sim/index.js';
import { sigkill } from '../../kernel/index.js';
import { DEFAULT_UDEV_COSTS, spend, type UdevCosts } from './costs.js';
import { EventQueue } from './event-queue.js';

export type UeventAction = 'add' | 'change' | 'remove';

/** A device as `udevadm trigger` and the kernel describe it to udevd. */
export interface Device {
  readonly devpath: string;
  readonly subsystem: string;
  readonly modalias: string | undefined;
}

export interface UEvent extends Device {
  readonly seqnum: number;
  readonly action: UeventAction;
  /** The `udevadm trigger` run that sent it (1, 2, ...), or undefined for an event the kernel sent on its own. */
  readonly trigger: number | undefined;
  readonly queuedAt: Ns;
}

/** What the rules do for one event beyond udev's own processing (the RUN list); false marks it failed. */
export type EventRunner = (worker: Worker, event: UEvent) => ProcessBody<unknown>;

export interface UdevdOptions {
  readonly childrenMax: number;
  readonly run: EventRunner;
  readonly costs?: Partial<UdevCosts> | undefined;
  /** udevd's event_timeout (default 180 s). */
  readonly eventTimeoutNs?: Ns | undefined;
  /** How long after the timeout SIGKILL follows (default 0, systemd 252; newer systemd: 10 s). */
  readonly killDelayNs?: Ns | undefined;
  /** Idle workers exit once the whole queue has been empty this long (default 3 s). */
  readonly idleExitNs?: Ns | undefined;
}

export interface UdevStats {
  eventsQueued: number;
  /** Events whose processing ended (successfully or not), killed workers' included. */
  eventsProcessed: number;
  eventsFailed: number;
  workersForked: number;
  /** Workers that exited after idling. */
  workersExited: number;
  peakWorkers: number;
  /** Events still running at a third of the timeout. */
  workerWarnings: number;
  /** Events still running at the timeout. */
  workerTimeouts: number;
  /** Workers sent SIGKILL. */
  workerKills: number;
  /** Killed workers that have exited (their events then finished). */
  killedWorkersReaped: number;
}

/** One udevd worker process. */
export class Worker {
  event: UEvent | undefined = undefined;
  /** Sent SIGKILL (WORKER_KILLED): still counted, its event still running, until it has exited. */
  killed = false;
  /** Told to exit while idle (the queue stayed empty for 3 s). */
  exiting = false;
  /** Set once the sim process exists (right after the fork). */
  proc!: Process<void>;

  constructor(
    readonly id: number,
    /** @internal */ readonly _wake: WaitQueue,
  ) {}
}

interface Running {
  readonly worker: Worker;
  readonly done: Completion;
}

export class Udevd {
  readonly stats: UdevStats = {
    eventsQueued: 0,
    eventsProcessed: 0,
    eventsFailed: 0,
    workersForked: 0,
    workersExited: 0,
    peakWorkers: 0,
    workerWarnings: 0,
    workerTimeouts: 0,
    workerKills: 0,
    killedWorkersReaped: 0,
  };
  /** When the queue last became empty (what `udevadm settle` waits for), or undefined if it never did. */
  settledAt: Ns | undefined = undefined;
  readonly childrenMax: number;
  readonly costs: Readonly<UdevCosts>;

  readonly #sim: Simulation;
  readonly #run: EventRunner;
  readonly #timeoutNs: Ns;
  readonly #killDelayNs: Ns;
  readonly #idleExitNs: Ns;
  readonly #queue = new EventQueue<UEvent>();
  readonly #running = new Map<UEvent, Running>();
  readonly #workers = new Set<Worker>();
  /** Idle workers, longest idle first. */
  readonly #idle: Worker[] = [];
  readonly #settleWq: WaitQueue;
  /** systemd-journald, one thread: every worker's log lines are written through it, one after another. */
  readonly #journald: Mutex | undefined;
  #manager: Process<void> | undefined = undefined;
  #seqnum = 0;
  #triggers = 0;
  #workerIds = 0;
  /** Bumped each time the idle-exit timer is armed: an older timer then does nothing. */
  #idleTimer = 0;

  constructor(sim: Simulation, options: UdevdOptions) {
    if (!(Number.isInteger(options.childrenMax) && options.childrenMax >= 1)) {
      throw new RangeError(`udevd: childrenMax must be a whole number ≥ 1, got ${options.childrenMax}`);
    }
    this.#sim = sim;
    this.#run = options.run;
    this.childrenMax = options.childrenMax;
    this.costs = { ...DEFAULT_UDEV_COSTS, ...options.costs };
    this.#timeoutNs = options.eventTimeoutNs ?? 180 * NS_PER_S;
    this.#killDelayNs = options.killDelayNs ?? 0;
    this.#idleExitNs = options.idleExitNs ?? 3 * NS_PER_S;
    this.#settleWq = sim.waitQueue('udev-settle');
    this.#journald = this.costs.journalNs > 0 ? sim.mutex('journald') : undefined;
  }

  /** Workers counted against childrenMax (a killed one until it has exited). */
  get workers(): number {
    return this.#workers.size;
  }

  get idleWorkers(): number {
    return this.#idle.length;
  }

  /** Events queued or running. */
  get pending(): number {
    return this.#queue.queued + this.#queue.running;
  }

  /**
   * `udevadm trigger --action=ACTION`: one event per device, in devpath
   * order (plain byte order, as udevadm sorts them), with increasing SEQNUMs.
   */
  trigger(devices: readonly Device[], action: UeventAction = 'add'): UEvent[] {
    const trigger = ++this.#triggers;
    const sorted = [...devices].sort((a, b) => (a.devpath < b.devpath ? -1 : a.devpath > b.devpath ? 1 : 0));
    return sorted.map((d) => this.#enqueue(d, action, trigger));
  }

  /** A uevent the kernel sends on its own (hotplug). */
  uevent(device: Device, action: UeventAction): UEvent {
    return this.#enqueue(device, action, undefined);
  }

  /** `udevadm settle`: waits until no event is queued or running. */
  settle(): ProcessBody<void> {
    const queue = this.#queue;
    return (function* (wq: WaitQueue) {
      yield* wq.waitEvent(() => queue.empty);
    })(this.#settleWq);
  }

  #enqueue(device: Device, action: UeventAction, trigger: number | undefined): UEvent {
    const event: UEvent = {
      seqnum: ++this.#seqnum,
      action,
      devpath: device.devpath,
      subsystem: device.subsystem,
      modalias: device.modalias,
      trigger,
      queuedAt: this.#sim.now,
    };
    this.#queue.push(event);
    this.stats.eventsQueued++;
    this.#kick();
    return event;
  }

  /** Starts the manager's dispatch loop unless it is already running. */
  #kick(): void {
    if (this.#manager !== undefined) return;
    if (this.#queue.readyCount === 0) return;
    this.#manager = this.#sim.spawn('udevd', () => this.#dispatch());
  }

  *#dispatch(): ProcessBody<void> {
    const queue = this.#queue;
    while (queue.readyCount > 0) {
      if (this.#idle.length === 0 && this.#workers.size >= this.childrenMax) break;
      yield* spend(this.#sim, this.costs.dispatchNs);
      // Idle workers may have exited meanwhile, but then the count dropped: a fork is allowed.
      let worker = this.#idle.shift();
      if (worker === undefined) {
        worker = this.#fork();
        yield* spend(this.#sim, this.costs.forkNs);
        this.#startWorker(worker);
      }
      const event = queue.next() as UEvent;
      worker.event = event;
      this.#startEvent(worker, event);
    }
    this.#manager = undefined;
  }

  #fork(): Worker {
    const worker = new Worker(++this.#workerIds, this.#sim.waitQueue('udev-worker'));
    this.#workers.add(worker);
    this.stats.workersForked++;
    if (this.#workers.size > this.stats.peakWorkers) this.stats.peakWorkers = this.#workers.size;
    return worker;
  }

  #startWorker(worker: Worker): void {
    worker.proc = this.#sim.spawn(`udev-worker-${worker.id}`, () => this.#work(worker));
  }

  #startEvent(worker: Worker, event: UEvent): void {
    const done = this.#sim.completion('udev-event');
    this.#running.set(event, { worker, done });
    worker._wake.wakeUpAll();
    if (this.#sim.tracing) this.#sim.trace('udevd', `SEQNUM=${event.seqnum} ${event.devpath} → worker ${worker.id}`);
    this.#sim.spawn(`udev-timer-${event.seqnum}`, () => this.#watch(event, worker, done));
  }

  *#work(worker: Worker): ProcessBody<void> {
    for (;;) {
      if (worker.event === undefined) {
        yield* worker._wake.waitEvent(() => worker.event !== undefined || worker.exiting);
        if (worker.event === undefined) {
          this.#workers.delete(worker);
          const at = this.#idle.indexOf(worker);
          if (at >= 0) this.#idle.splice(at, 1);
          this.stats.workersExited++;
          return;
        }
      }
      const event = worker.event;
      yield* spend(this.#sim, this.costs.rulesNs);
      yield* this.#log();
      const ok = (yield* this.#run(worker, event)) !== false;
      worker.event = undefined;
      this.#finish(event, ok);
      this.#idle.push(worker);
      this.#kick();
    }
  }

  /**
   * The event's log lines, written before its RUN builtins (kmod) start:
   * the journal socket is full in a storm, so a worker's sendmsg() waits
   * until journald has taken the lines of every worker ahead of it.
   */
  *#log(): ProcessBody<void> {
    const journald = this.#journald;
    if (journald === undefined) return;
    yield* journald.lock();
    yield* spend(this.#sim, this.costs.journalNs);
    journald.unlock();
  }

  /** The manager's per-event timers: warning, timeout, then SIGKILL. */
  *#watch(event: UEvent, worker: Worker, done: Completion): ProcessBody<void> {
    const warnNs = Math.floor(this.#timeoutNs / 3);
    if ((yield* done.wait({ timeoutNs: warnNs })) === 'completed') return;
    this.stats.workerWarnings++;
    if (this.#sim.tracing) this.#sim.trace('udevd', `worker ${worker.id} processing SEQNUM=${event.seqnum} is taking a long time`);
    if ((yield* done.wait({ timeoutNs: this.#timeoutNs - warnNs })) === 'completed') return;
    this.stats.workerTimeouts++;
    if (this.#sim.tracing) this.#sim.trace('udevd', `worker ${worker.id} processing SEQNUM=${event.seqnum} timed out`);
    if ((yield* done.wait({ timeoutNs: this.#killDelayNs })) === 'completed') return;
    this.#kill(worker, event);
  }

  #kill(worker: Worker, event: UEvent): void {
    this.stats.workerKills++;
    if (this.#sim.tracing) this.#sim.trace('udevd', `worker ${worker.id} processing SEQNUM=${event.seqnum} killed`);
    worker.killed = true;
    sigkill(worker.proc);
    // WORKER_KILLED: the slot and the event are freed when the worker has exited (on_sigchld()).
    const reap = (): void => this.#reap(worker, event);
    this.#sim.spawn(`udevd-sigchld-${worker.id}`, function* () {
      yield* worker.proc.join();
      reap();
    });
  }

  #reap(worker: Worker, event: UEvent): void {
    if (this.#sim.tracing) this.#sim.trace('udevd', `worker ${worker.id} exited (killed); SEQNUM=${event.seqnum} done`);
    worker.event = undefined;
    this.#workers.delete(worker);
    this.stats.killedWorkersReaped++;
    this.#finish(event, false);
    this.#kick();
  }

  /** on_post(): with the whole queue empty, idle workers are told to exit 3 s later unless work came meanwhile. */
  #armIdleExit(): void {
    const armed = ++this.#idleTimer;
    const fire = (): void => {
      if (armed !== this.#idleTimer || !this.#queue.empty) return;
      for (const w of this.#idle.splice(0)) {
        w.exiting = true;
        w._wake.wakeUpAll();
      }
    };
    const sim = this.#sim;
    const after = this.#idleExitNs;
    sim.spawn('udevd-kill-workers', function* () {
      yield* sim.delay(after);
      fire();
    });
  }

  #finish(event: UEvent, ok: boolean): void {
    const running = this.#running.get(event);
    this.#running.delete(event);
    running?.done.complete();
    this.#queue.finish(event);
    this.stats.eventsProcessed++;
    if (!ok) this.stats.eventsFailed++;
    if (this.#queue.empty) {
      this.settledAt = this.#sim.now;
      this.#settleWq.wakeUpAll();
      this.#armIdleExit();
    }
  }
}
