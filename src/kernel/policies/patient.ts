/**
 * The module-list checks the step-5 strategies share, as
 * add_unformed_module() and module_patient_check_exists() run them: with
 * module_mutex held, a same-name module still loading is waited for on
 * module_wq with the mutex dropped; finished_loading() re-checks under the
 * mutex at every wake-up, and the check after the wait takes it again.
 */
import type { Waitable } from '../../sim/index.js';
import type { Module } from '../module-table.js';
import type { LoadRequest, PolicyHost, Verdict } from '../policy.js';
import type { DetectionPoint } from '../stats.js';
import type { ModuleState, SyscallResult } from '../types.js';

type Step<T> = Generator<Waitable<unknown>, T, unknown>;

/** find_module_all() under module_mutex: a walk of the module list. */
export function* findModule(host: PolicyHost, name: string): Step<Module | undefined> {
  yield* host.sync.hold(host.sync.costs.recheckNs, 'recheck');
  return host.modules.find(name);
}

/** finished_loading() for that kernel's idea of "finished": a same-name module in none of `states`, or gone. */
export function settledOutOf(host: PolicyHost, name: string, states: readonly ModuleState[]): () => boolean {
  return host.modules.settledOutOf(name, states);
}

/**
 * mutex_unlock(); wait_event_interruptible(module_wq, cond); then
 * mutex_lock() again — always (`relock` 'always', 6.2's patient check), or
 * only if the wait was not interrupted ('ok', add_unformed_module before
 * 6.2, whose error path leaves unlocked). True once `cond` holds, false when
 * a signal ended the wait (the syscall then fails with EINTR).
 */
export function* waitUnlocked(
  host: PolicyHost,
  req: LoadRequest,
  point: DetectionPoint,
  cond: () => boolean,
  relock: 'always' | 'ok',
): Step<boolean> {
  host.dedup(req, point, 'wait');
  host.sync.unlock();
  const r = yield* host.sync.waitEvent(cond, { interruptible: true });
  if (r === 'ok' || relock === 'always') yield* host.sync.lock();
  return r === 'ok';
}

/** Answers `req` with `result` at `point`, and says so to the observers. */
export function answer(host: PolicyHost, req: LoadRequest, point: DetectionPoint, result: SyscallResult): Verdict {
  host.dedup(req, point, 'return', result);
  return result;
}

/**
 * add_unformed_module() before 6.2: while a same-name module is in one of
 * `waitStates`, wait for it to leave them, then check again from the top
 * (`goto again`); one outside them answers EEXIST; none lets this request
 * load the module. v5.2 waits out UNFORMED/COMING (so a GOING module gives
 * EEXIST: the false success); v5.3 also waits out GOING (so failing loads
 * serialise). Since module_wq is woken only once a failed module is gone, a
 * v5.2 waiter asleep through a failing init never sees it GOING either: it
 * finds it gone and loads again.
 */
export function* recheckUntilSettled(host: PolicyHost, req: LoadRequest, waitStates: readonly ModuleState[]): Step<Verdict> {
  const name = req.file.name;
  // The walk waits again exactly when the wait's own condition does not hold (the table's shared one).
  const settled = settledOutOf(host, name, waitStates);
  const waitsAgain = (): boolean => !settled();
  // One pass of the check, on the walk's outcome: a verdict, or undefined after telling observers it waits.
  const decide = (): { readonly verdict: Verdict } | undefined => {
    const old = host.modules.find(name);
    if (old === undefined) {
      host.dedup(req, 'addUnformed', 'proceed');
      return PROCEED;
    }
    if (!waitStates.includes(old.state)) return { verdict: answer(host, req, 'addUnformed', 'EEXIST') };
    host.dedup(req, 'addUnformed', 'wait');
    return undefined;
  };
  yield* host.sync.hold(host.sync.costs.recheckNs, 'recheck'); // find_module_all()
  const first = decide();
  if (first !== undefined) return first.verdict;
  host.sync.unlock();
  const r = yield* host.sync.waitThenWalk(settled, { decide, waitsAgain }, { interruptible: true });
  return r === 'interrupted' ? answer(host, req, 'addUnformed', 'EINTR') : r.verdict;
}

const PROCEED: { readonly verdict: Verdict } = { verdict: undefined };

/**
 * module_patient_check_exists() (6.2's add_unformed_module check, and 6.4's
 * early one): a same-name module UNFORMED or COMING is waited for once,
 * until it is LIVE, GOING or gone; then LIVE → EEXIST, anything else →
 * EBUSY. No retry loop: a request that found a load in flight never loads
 * the module itself. A waiter of a failing load is woken only once that
 * module is freed, so its EBUSY comes after the whole teardown.
 */
export function* patientCheckExists(host: PolicyHost, req: LoadRequest, point: DetectionPoint): Step<Verdict> {
  const name = req.file.name;
  let old = yield* findModule(host, name);
  if (old === undefined) {
    host.dedup(req, point, 'proceed');
    return undefined;
  }
  if (old.state === 'COMING' || old.state === 'UNFORMED') {
    if (!(yield* waitUnlocked(host, req, point, settledOutOf(host, name, ['UNFORMED', 'COMING']), 'always'))) {
      return answer(host, req, point, 'EINTR');
    }
    old = yield* findModule(host, name);
  }
  return answer(host, req, point, old?.state === 'LIVE' ? 'EEXIST' : 'EBUSY');
}
