/**
 * Shared merge scenarios: one table, two runners — SPEC §4.10, "the same
 * core drives both real promises and simulated time". The Promise front end
 * runs it in cases.promise.test.ts; the simulation front end in
 * test/sim/merge-cases.test.ts. Each runner gets the same per-caller roles,
 * results and counters, or the front ends disagree.
 *
 * Shape of the table:
 *
 *   MergeCase {
 *     name      what the case shows
 *     covers    the SPEC §4 items it exercises
 *     mapJoin?  'kernel' | 'identity' | 'throws' — a key of `joinMappings`; none = joiners get the outcome unchanged
 *     callers   Caller[], in any order
 *     expected  { stats, bodyRuns }: the merger's stats() once every event has run
 *               (inFlight 0), and how many times each key's body ran
 *   }
 *   Caller {
 *     id        unique within the case
 *     key       the merge key
 *     at        tick at which the caller asks for `key`
 *     body      what its body does IF it leads (ignored when it joins):
 *                 { settle: 'resolve', value, after }   resolves with `value` `after` ticks after the lead
 *                 { settle: 'reject', error, after }    rejects with `new Error(error)` `after` ticks after the lead
 *                 { settle: 'throw', error }            throws `new Error(error)` synchronously, before yielding
 *     leaveAt?  tick at which the caller leaves (AbortSignal in the Promise front end, an interrupt
 *               in the sim) if it is still waiting then; a caller whose run has settled is not
 *               waiting any more, and leaving is then a no-op. Only joiners leave in this table
 *               (a sim leader is the process running the body and cannot walk away from it).
 *     expected  { role: 'lead' | 'join', result }, result one of
 *                 { ok: true, value }        resolved with this value
 *                 { ok: false, error }       rejected with an Error whose message is `error`
 *                 { left: true }             left before the run settled (rejected with its own reason)
 *   }
 *
 * Time: ticks are abstract integers; a runner maps them onto its clock (a
 * manual clock for promises, virtual nanoseconds in the sim) and processes
 * events in tick order, letting each event's consequences settle completely
 * before the next tick. Within one case every event time — arrivals, leaves
 * and body settlements (lead tick + `after`) — is distinct, so no tie-break
 * rule is needed; `validateCase` checks this.
 */
import type { MergeStats, Outcome } from '../../src/merge/index.js';

export type BodySpec =
  | { readonly settle: 'resolve'; readonly value: string; readonly after: number }
  | { readonly settle: 'reject'; readonly error: string; readonly after: number }
  | { readonly settle: 'throw'; readonly error: string };

export type CallerResult =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly error: string }
  | { readonly left: true };

export interface Caller {
  readonly id: string;
  readonly key: string;
  readonly at: number;
  readonly body: BodySpec;
  readonly leaveAt?: number;
  readonly expected: { readonly role: 'lead' | 'join'; readonly result: CallerResult };
}

export interface MergeCase {
  readonly name: string;
  readonly covers: readonly number[];
  readonly mapJoin?: keyof typeof joinMappings;
  readonly callers: readonly Caller[];
  readonly expected: { readonly stats: MergeStats; readonly bodyRuns: Readonly<Record<string, number>> };
}

/** What joiners receive, by name. Values are strings; a failure is an Error. */
export const joinMappings = {
  /** The kernel's `merge` policy: a joiner learns EEXIST if the load it waited for returned '0', else EBUSY. */
  kernel: (o: Outcome<string>): Outcome<string> => ({ ok: true, value: o.ok && o.value === '0' ? 'EEXIST' : 'EBUSY' }),
  /** The `idempotent` policy: joiners get exactly the leader's outcome. */
  identity: (o: Outcome<string>): Outcome<string> => o,
  /** A buggy mapping: it throws, so joiners must fail with what it threw (and not hang). */
  throws: (): Outcome<string> => {
    throw new Error('mapJoin oops');
  },
} as const;

const resolve = (value: string, after: number): BodySpec => ({ settle: 'resolve', value, after });
const reject = (error: string, after: number): BodySpec => ({ settle: 'reject', error, after });
const sync = (error: string): BodySpec => ({ settle: 'throw', error });
const ok = (value: string): CallerResult => ({ ok: true, value });
const failed = (error: string): CallerResult => ({ ok: false, error });
const left: CallerResult = { left: true };
const stats = (runs: number, joins: number, leaves: number): MergeStats => ({ runs, joins, leaves, inFlight: 0 });

export const mergeCases: readonly MergeCase[] = [
  {
    name: 'a lone caller leads and gets its value',
    covers: [1],
    callers: [{ id: 'A', key: 'kvm', at: 0, body: resolve('0', 5), expected: { role: 'lead', result: ok('0') } }],
    expected: { stats: stats(1, 0, 0), bodyRuns: { kvm: 1 } },
  },
  {
    name: 'three concurrent callers share one run',
    covers: [1, 4],
    callers: [
      { id: 'A', key: 'acpi_cpufreq', at: 0, body: resolve('0', 10), expected: { role: 'lead', result: ok('0') } },
      { id: 'B', key: 'acpi_cpufreq', at: 2, body: resolve('B ran', 1), expected: { role: 'join', result: ok('0') } },
      { id: 'C', key: 'acpi_cpufreq', at: 5, body: resolve('C ran', 1), expected: { role: 'join', result: ok('0') } },
    ],
    expected: { stats: stats(1, 2, 0), bodyRuns: { acpi_cpufreq: 1 } },
  },
  {
    name: 'a rejection reaches every waiter',
    covers: [4],
    callers: [
      { id: 'A', key: 'pcc_cpufreq', at: 0, body: reject('ENODEV', 10), expected: { role: 'lead', result: failed('ENODEV') } },
      { id: 'B', key: 'pcc_cpufreq', at: 3, body: resolve('B ran', 1), expected: { role: 'join', result: failed('ENODEV') } },
      { id: 'C', key: 'pcc_cpufreq', at: 4, body: resolve('C ran', 1), expected: { role: 'join', result: failed('ENODEV') } },
    ],
    expected: { stats: stats(1, 2, 0), bodyRuns: { pcc_cpufreq: 1 } },
  },
  {
    name: 'a synchronous throw leaves no entry: the next caller leads',
    covers: [2],
    callers: [
      { id: 'A', key: 'k', at: 0, body: sync('init oops'), expected: { role: 'lead', result: failed('init oops') } },
      { id: 'B', key: 'k', at: 1, body: resolve('B ran', 4), expected: { role: 'lead', result: ok('B ran') } },
      { id: 'C', key: 'k', at: 2, body: resolve('C ran', 1), expected: { role: 'join', result: ok('B ran') } },
    ],
    expected: { stats: stats(2, 1, 0), bodyRuns: { k: 2 } },
  },
  {
    name: 'after a success the entry is gone: a later caller runs again',
    covers: [2],
    callers: [
      { id: 'A', key: 'k', at: 0, body: resolve('first', 5), expected: { role: 'lead', result: ok('first') } },
      { id: 'B', key: 'k', at: 10, body: resolve('second', 5), expected: { role: 'lead', result: ok('second') } },
      { id: 'C', key: 'k', at: 12, body: resolve('C ran', 1), expected: { role: 'join', result: ok('second') } },
    ],
    expected: { stats: stats(2, 1, 0), bodyRuns: { k: 2 } },
  },
  {
    name: 'after a failure the entry is gone: a retry is fresh, not a replay of the failure',
    covers: [2],
    callers: [
      { id: 'A', key: 'k', at: 0, body: reject('EBUSY', 5), expected: { role: 'lead', result: failed('EBUSY') } },
      { id: 'B', key: 'k', at: 6, body: resolve('0', 3), expected: { role: 'lead', result: ok('0') } },
    ],
    expected: { stats: stats(2, 0, 0), bodyRuns: { k: 2 } },
  },
  {
    name: 'a joiner leaves; the run goes on for the others',
    covers: [5, 9],
    callers: [
      { id: 'A', key: 'k', at: 0, body: resolve('v', 10), expected: { role: 'lead', result: ok('v') } },
      { id: 'B', key: 'k', at: 2, leaveAt: 4, body: resolve('B ran', 1), expected: { role: 'join', result: left } },
      { id: 'C', key: 'k', at: 6, body: resolve('C ran', 1), expected: { role: 'join', result: ok('v') } },
    ],
    expected: { stats: stats(1, 2, 1), bodyRuns: { k: 1 } },
  },
  {
    name: 'every joiner leaves; the leader still gets its value',
    covers: [4, 5],
    callers: [
      { id: 'A', key: 'k', at: 0, body: reject('ETIMEDOUT', 20), expected: { role: 'lead', result: failed('ETIMEDOUT') } },
      { id: 'B', key: 'k', at: 1, leaveAt: 5, body: resolve('B ran', 1), expected: { role: 'join', result: left } },
      { id: 'C', key: 'k', at: 2, leaveAt: 7, body: resolve('C ran', 1), expected: { role: 'join', result: left } },
    ],
    expected: { stats: stats(1, 2, 2), bodyRuns: { k: 1 } },
  },
  {
    name: 'leaving after the run settled is a no-op',
    covers: [5, 9],
    callers: [
      { id: 'A', key: 'k', at: 0, body: resolve('v', 5), expected: { role: 'lead', result: ok('v') } },
      { id: 'B', key: 'k', at: 1, leaveAt: 8, body: resolve('B ran', 1), expected: { role: 'join', result: ok('v') } },
    ],
    expected: { stats: stats(1, 1, 0), bodyRuns: { k: 1 } },
  },
  {
    name: 'kernel merge mapping, success: joiners get EEXIST',
    covers: [7],
    mapJoin: 'kernel',
    callers: [
      { id: 'A', key: 'kvm_amd', at: 0, body: resolve('0', 10), expected: { role: 'lead', result: ok('0') } },
      { id: 'B', key: 'kvm_amd', at: 1, body: resolve('B ran', 1), expected: { role: 'join', result: ok('EEXIST') } },
      { id: 'C', key: 'kvm_amd', at: 2, body: resolve('C ran', 1), expected: { role: 'join', result: ok('EEXIST') } },
    ],
    expected: { stats: stats(1, 2, 0), bodyRuns: { kvm_amd: 1 } },
  },
  {
    name: 'kernel merge mapping, failing init: the leader gets its errno, joiners EBUSY',
    covers: [7],
    mapJoin: 'kernel',
    callers: [
      { id: 'A', key: 'acpi_cpufreq', at: 0, body: resolve('EEXIST', 10), expected: { role: 'lead', result: ok('EEXIST') } },
      { id: 'B', key: 'acpi_cpufreq', at: 4, body: resolve('B ran', 1), expected: { role: 'join', result: ok('EBUSY') } },
    ],
    expected: { stats: stats(1, 1, 0), bodyRuns: { acpi_cpufreq: 1 } },
  },
  {
    name: 'kernel merge mapping, rejected body: the leader rejects, joiners EBUSY',
    covers: [7],
    mapJoin: 'kernel',
    callers: [
      { id: 'A', key: 'k', at: 0, body: reject('ENOMEM', 10), expected: { role: 'lead', result: failed('ENOMEM') } },
      { id: 'B', key: 'k', at: 4, body: resolve('B ran', 1), expected: { role: 'join', result: ok('EBUSY') } },
    ],
    expected: { stats: stats(1, 1, 0), bodyRuns: { k: 1 } },
  },
  {
    name: 'identity mapping (idempotent): joiners get the leader’s outcome as is',
    covers: [7],
    mapJoin: 'identity',
    callers: [
      { id: 'A', key: 'x', at: 0, body: reject('ENOEXEC', 10), expected: { role: 'lead', result: failed('ENOEXEC') } },
      { id: 'B', key: 'x', at: 1, body: resolve('B ran', 1), expected: { role: 'join', result: failed('ENOEXEC') } },
      { id: 'C', key: 'y', at: 2, body: resolve('0', 10), expected: { role: 'lead', result: ok('0') } },
      { id: 'D', key: 'y', at: 3, body: resolve('D ran', 1), expected: { role: 'join', result: ok('0') } },
    ],
    expected: { stats: stats(2, 2, 0), bodyRuns: { x: 1, y: 1 } },
  },
  {
    name: 'a throwing mapJoin: the leader gets its value, every joiner fails with what mapJoin threw',
    covers: [4, 7],
    mapJoin: 'throws',
    callers: [
      { id: 'A', key: 'k', at: 0, body: resolve('0', 10), expected: { role: 'lead', result: ok('0') } },
      { id: 'B', key: 'k', at: 2, body: resolve('B ran', 1), expected: { role: 'join', result: failed('mapJoin oops') } },
      { id: 'C', key: 'k', at: 3, leaveAt: 6, body: resolve('C ran', 1), expected: { role: 'join', result: left } },
      { id: 'D', key: 'k', at: 4, leaveAt: 12, body: resolve('D ran', 1), expected: { role: 'join', result: failed('mapJoin oops') } },
    ],
    expected: { stats: stats(1, 3, 1), bodyRuns: { k: 1 } },
  },
  {
    name: 'keys are independent: overlapping runs of two keys',
    covers: [1, 8],
    callers: [
      { id: 'A', key: 'kvm', at: 0, body: resolve('kvm', 10), expected: { role: 'lead', result: ok('kvm') } },
      { id: 'B', key: 'kvm_intel', at: 1, body: resolve('kvm_intel', 3), expected: { role: 'lead', result: ok('kvm_intel') } },
      { id: 'C', key: 'kvm', at: 2, body: resolve('C ran', 1), expected: { role: 'join', result: ok('kvm') } },
      { id: 'D', key: 'kvm_intel', at: 5, body: resolve('again', 2), expected: { role: 'lead', result: ok('again') } },
    ],
    expected: { stats: stats(3, 1, 0), bodyRuns: { kvm: 1, kvm_intel: 2 } },
  },
];

/** Checks a case's own consistency (distinct event times, unique ids); returns the problems found. */
export function validateCase(mergeCase: MergeCase): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  const times = new Map<number, string>();
  const claim = (tick: number, what: string): void => {
    const other = times.get(tick);
    if (other !== undefined) problems.push(`tick ${tick} has both ${other} and ${what}`);
    times.set(tick, what);
  };
  for (const caller of mergeCase.callers) {
    if (ids.has(caller.id)) problems.push(`duplicate caller id ${caller.id}`);
    ids.add(caller.id);
    claim(caller.at, `${caller.id} arrives`);
    if (caller.leaveAt !== undefined) claim(caller.leaveAt, `${caller.id} leaves`);
    if (caller.expected.role === 'lead' && caller.body.settle !== 'throw') {
      claim(caller.at + caller.body.after, `${caller.id}'s body settles`);
    }
    if (caller.leaveAt !== undefined && caller.leaveAt <= caller.at) problems.push(`${caller.id} leaves before it arrives`);
  }
  return problems;
}
