/**
 * The module-list checks the step-5 strategies share: waiting on module_wq
 * for a same-name module to settle, and v6.2's module_patient_check_exists().
 */
import type { Waitable } from '../../sim/index.js';
import type { LoadRequest, PolicyHost, Verdict } from '../policy.js';
import type { DetectionPoint } from '../stats.js';
import type { ModuleState, SyscallResult } from '../types.js';

/** A same-name module is in none of `states` (or gone): finished_loading() for that kernel's idea of "finished". */
export function settledOutOf(host: PolicyHost, name: string, states: readonly ModuleState[]): () => boolean {
  return () => {
    const mod = host.modules.find(name);
    return mod === undefined || !states.includes(mod.state);
  };
}

/**
 * wait_event_interruptible(module_wq, cond): true once `cond` holds, false
 * when a signal ended the wait (the syscall then fails with EINTR).
 */
export function* waitOnModuleWq(
  host: PolicyHost,
  req: LoadRequest,
  point: DetectionPoint,
  cond: () => boolean,
): Generator<Waitable<unknown>, boolean, unknown> {
  host.dedup(req, point, 'wait');
  const r = yield* host.moduleWq.waitEvent(cond, { interruptible: true });
  return r !== 'interrupted';
}

/** Answers `req` with `result` at `point`, and says so to the observers. */
export function answer(host: PolicyHost, req: LoadRequest, point: DetectionPoint, result: SyscallResult): Verdict {
  host.dedup(req, point, 'return', result);
  return result;
}

/**
 * add_unformed_module() before 6.2: while a same-name module is in one of
 * `waitStates`, wait for it to leave them, then check again from the top;
 * one outside them answers EEXIST; none lets this request load the module.
 * v5.2 waits out UNFORMED/COMING (so a GOING module gives EEXIST: the false
 * success); v5.3 also waits out GOING (so failing loads serialise).
 */
export function* recheckUntilSettled(
  host: PolicyHost,
  req: LoadRequest,
  waitStates: readonly ModuleState[],
): Generator<Waitable<unknown>, Verdict, unknown> {
  const name = req.file.name;
  for (;;) {
    const old = host.modules.find(name);
    if (old === undefined) {
      host.dedup(req, 'addUnformed', 'proceed');
      return undefined;
    }
    if (!waitStates.includes(old.state)) return answer(host, req, 'addUnformed', 'EEXIST');
    if (!(yield* waitOnModuleWq(host, req, 'addUnformed', settledOutOf(host, name, waitStates)))) {
      return answer(host, req, 'addUnformed', 'EINTR');
    }
  }
}

/**
 * module_patient_check_exists() (6.2's add_unformed_module check, and 6.4's
 * early one): a same-name module UNFORMED or COMING is waited for once,
 * until it is LIVE, GOING or gone; then LIVE → EEXIST, anything else →
 * EBUSY. No retry loop: a request that found a load in flight never loads
 * the module itself.
 */
export function* patientCheckExists(
  host: PolicyHost,
  req: LoadRequest,
  point: DetectionPoint,
): Generator<Waitable<unknown>, Verdict, unknown> {
  const name = req.file.name;
  let old = host.modules.find(name);
  if (old === undefined) {
    host.dedup(req, point, 'proceed');
    return undefined;
  }
  if (old.state === 'COMING' || old.state === 'UNFORMED') {
    if (!(yield* waitOnModuleWq(host, req, point, settledOutOf(host, name, ['UNFORMED', 'COMING'])))) {
      return answer(host, req, point, 'EINTR');
    }
    old = host.modules.find(name);
  }
  return answer(host, req, point, old?.state === 'LIVE' ? 'EEXIST' : 'EBUSY');
}
