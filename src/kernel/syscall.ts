/**
 * Runs a syscall's kernel side in the caller's process, so the caller's
 * signals reach its interruptible waits. A SIGKILL (`process.kill()`) ends
 * the process at once, but in Linux the syscall still runs to its end (its
 * interruptible waits return early because a fatal signal is pending, and
 * the result is dropped): a killed loader must not leave its module
 * UNFORMED forever. So when the caller is killed mid-syscall, the rest of
 * the syscall carries on in a new kernel process with a signal pending,
 * resuming at the step the caller was waiting in (re-waited in full: a CPU
 * slice or delay cut short by the kill is charged again).
 */
import type { Process, Simulation, Waitable } from '../sim/index.js';

type Body<T> = Generator<Waitable<unknown>, T, unknown>;

/** The syscall a process is in, and the step it waits in. */
interface InFlight {
  readonly body: Body<unknown>;
  current: Waitable<unknown> | undefined;
}

// One slot and one kill handler per process, however many syscalls it makes.
const inSyscall = new WeakMap<Process<unknown>, { call: InFlight | undefined }>();

/** Drives `body` in `proc`; if `proc` is killed before `body` ends, a kernel process finishes it. */
export function* syscall<T>(sim: Simulation, proc: Process<unknown>, body: Body<T>): Body<T> {
  let slot = inSyscall.get(proc);
  if (slot === undefined) {
    const fresh: { call: InFlight | undefined } = { call: undefined };
    slot = fresh;
    inSyscall.set(proc, fresh);
    proc.onKill(() => {
      const call = fresh.call;
      if (call === undefined) return;
      fresh.call = undefined;
      sim.spawn(`${proc.name}:killed-syscall`, (self) => {
        self.interrupt('SIGKILL');
        return finish(call);
      });
    });
  }
  // Restored on return, should a body ever make a syscall of its own in the same process.
  const outer = slot.call;
  const call: InFlight = { body: body as Body<unknown>, current: undefined };
  slot.call = call;
  try {
    return yield* drive(body, undefined, (w) => (call.current = w));
  } finally {
    if (slot.call === call) slot.call = outer;
  }
}

function* finish(call: InFlight): Body<unknown> {
  // The body is suspended inside `yield* current`: wait for that step again here, then go on.
  const pending = call.current;
  const value: unknown = pending === undefined ? undefined : yield* pending;
  return yield* drive(call.body, { value }, () => undefined);
}

/** Steps `body`, yielding what it yields; `first` resumes a body already started. */
function* drive<T>(body: Body<T>, first: { value: unknown } | undefined, onYield: (w: Waitable<unknown>) => void): Body<T> {
  let r = first === undefined ? body.next() : body.next(first.value);
  while (r.done !== true) {
    onYield(r.value);
    let value: unknown;
    try {
      value = yield r.value;
    } catch (error) {
      r = body.throw(error);
      continue;
    }
    r = body.next(value);
  }
  return r.value;
}
