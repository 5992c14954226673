/**
 * Runs a syscall's kernel side in the caller's process, so the caller's
 * signals reach its interruptible waits, and delivers what is still pending
 * on the way back to user space (kernel/entry/common.c
 * exit_to_user_mode_loop() → arch_do_signal_or_restart()).
 *
 * SIGKILL is the one way a process is killed mid-syscall here (`sigkill`):
 * in Linux the call is not abandoned — a fatal signal is pending, its
 * interruptible (and killable) waits end early, the call runs to its end,
 * so a killed loader never leaves its module UNFORMED, and the process dies
 * at the return to user space without seeing the result (get_signal() →
 * do_group_exit()). Outside a syscall the process dies at once.
 */
import type { Process, Simulation, Waitable } from '../sim/index.js';

type Body<T> = Generator<Waitable<unknown>, T, unknown>;

/** The signal `sigkill` sends. */
export const SIGKILL = 'SIGKILL';

/** How deep each process is in syscalls (a body may make a syscall of its own in the same process). */
const depth = new WeakMap<Process<unknown>, number>();

/** Drives `body` in `proc`, then returns to user space: a pending signal is delivered there. */
export function* syscall<T>(sim: Simulation, proc: Process<unknown>, body: Body<T>): Body<T> {
  const outer = depth.get(proc) ?? 0;
  depth.set(proc, outer + 1);
  let result: T;
  try {
    result = yield* body;
  } finally {
    depth.set(proc, outer);
  }
  if (outer === 0 && proc.signalPending !== undefined) {
    if (proc.signalPending === SIGKILL) {
      // Dies here: a process that kills itself stops at its next yield, which never resumes.
      proc.kill();
      yield* sim.delay(0);
    }
    // The callers modelled handle every other signal: delivery just clears it.
    proc.clearSignal();
  }
  return result;
}

/** kill -KILL: inside a syscall, a fatal signal the call ends on (and the process with it); else death at once. */
export function sigkill(proc: Process<unknown>): void {
  if ((depth.get(proc) ?? 0) > 0) proc.interrupt(SIGKILL);
  else proc.kill();
}
