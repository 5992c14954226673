/**
 * udevd's event queue: events in SEQNUM order, where an event waits behind
 * every earlier event still queued or running whose devpath is the same or a
 * parent/child of its own; siblings are independent.
 *
 * udevd rescans the queue for each dispatch; here each event's blockers are
 * found once, when it is queued (an event only ever waits for earlier ones,
 * so the set is fixed then), and an event becomes ready when its last
 * blocker finishes. The order of dispatch is the same — lowest ready SEQNUM
 * first — at a cost that stays linear in the size of a coldplug storm.
 */
import { ancestors } from './devpath.js';

/** What the queue needs from an event. */
export interface Queueable {
  readonly seqnum: number;
  readonly devpath: string;
}

interface Entry<E extends Queueable> {
  readonly event: E;
  readonly ancestors: readonly string[];
  /** Earlier conflicting events not finished yet. */
  blockers: number;
  /** Later events waiting for this one. */
  dependents: Entry<E>[] | null;
  state: 'queued' | 'running' | 'finished';
}

export class EventQueue<E extends Queueable> {
  readonly #entries = new Map<E, Entry<E>>();
  /** Unfinished events by devpath. */
  readonly #at = new Map<string, Set<Entry<E>>>();
  /** Unfinished events by each of their proper ancestors. */
  readonly #below = new Map<string, Set<Entry<E>>>();
  /** Queued events with no blocker left, as a min-heap on SEQNUM. */
  readonly #ready: Entry<E>[] = [];
  #lastSeqnum = -Infinity;
  #queued = 0;
  #running = 0;

  /** Events queued (blocked or ready) and not yet handed out. */
  get queued(): number {
    return this.#queued;
  }

  /** Events handed out by `next` and not yet finished. */
  get running(): number {
    return this.#running;
  }

  /** Whether nothing is queued or running: what `udevadm settle` waits for. */
  get empty(): boolean {
    return this.#queued === 0 && this.#running === 0;
  }

  /** Queued events whose blockers have all finished. */
  get readyCount(): number {
    return this.#ready.length;
  }

  /** Queues an event; SEQNUMs must increase, as the kernel assigns them. */
  push(event: E): void {
    if (!(event.seqnum > this.#lastSeqnum)) {
      throw new Error(`udev event queue: SEQNUM ${event.seqnum} after ${this.#lastSeqnum}`);
    }
    this.#lastSeqnum = event.seqnum;
    const entry: Entry<E> = { event, ancestors: ancestors(event.devpath), blockers: 0, dependents: null, state: 'queued' };
    const waitFor = (others: Set<Entry<E>> | undefined): void => {
      if (others === undefined) return;
      for (const other of others) {
        (other.dependents ??= []).push(entry);
        entry.blockers++;
      }
    };
    waitFor(this.#at.get(event.devpath));
    waitFor(this.#below.get(event.devpath));
    for (const a of entry.ancestors) waitFor(this.#at.get(a));

    addTo(this.#at, event.devpath, entry);
    for (const a of entry.ancestors) addTo(this.#below, a, entry);
    this.#entries.set(event, entry);
    this.#queued++;
    if (entry.blockers === 0) this.#pushReady(entry);
  }

  /** Hands out the ready event with the lowest SEQNUM (it is then running), or undefined. */
  next(): E | undefined {
    const entry = this.#popReady();
    if (entry === undefined) return undefined;
    entry.state = 'running';
    this.#queued--;
    this.#running++;
    return entry.event;
  }

  /** Whether `event` is queued and still waits for an earlier conflicting one. */
  isBlocked(event: E): boolean {
    const entry = this.#entries.get(event);
    return entry !== undefined && entry.state === 'queued' && entry.blockers > 0;
  }

  /** Ends a running event (processed, failed or its worker killed) and releases the events behind it. */
  finish(event: E): void {
    const entry = this.#entries.get(event);
    if (entry === undefined || entry.state !== 'running') {
      throw new Error(`udev event queue: SEQNUM ${event.seqnum} is not running`);
    }
    entry.state = 'finished';
    this.#running--;
    this.#entries.delete(event);
    removeFrom(this.#at, event.devpath, entry);
    for (const a of entry.ancestors) removeFrom(this.#below, a, entry);
    for (const d of entry.dependents ?? []) {
      if (--d.blockers === 0) this.#pushReady(d);
    }
    entry.dependents = null;
  }

  #pushReady(entry: Entry<E>): void {
    const heap = this.#ready;
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Entry<E>;
      if (p.event.seqnum <= entry.event.seqnum) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  #popReady(): Entry<E> | undefined {
    const heap = this.#ready;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const c = r < heap.length && (heap[r] as Entry<E>).event.seqnum < (heap[l] as Entry<E>).event.seqnum ? r : l;
      const child = heap[c] as Entry<E>;
      if (last.event.seqnum <= child.event.seqnum) break;
      heap[i] = child;
      i = c;
    }
    heap[i] = last;
    return top;
  }
}

function addTo<E extends Queueable>(map: Map<string, Set<Entry<E>>>, key: string, entry: Entry<E>): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(entry);
}

function removeFrom<E extends Queueable>(map: Map<string, Set<Entry<E>>>, key: string, entry: Entry<E>): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(entry);
  if (set.size === 0) map.delete(key);
}
