/**
 * `merge`: Petr Pavlu's 2022 proposal ("module: Merge same-name module load
 * requests", v1/v2 on linux-modules). Right after the module's name is
 * known (step 2), before any allocation: a running load of the same name
 * is waited for (interruptibly) and its outcome mapped — success → EEXIST,
 * failure → EBUSY; otherwise a same-name module LIVE → EEXIST, one still
 * there but not LIVE (an old one GOING) → EBUSY; otherwise this load
 * becomes the running load for its name until its syscall returns.
 * add_unformed_module() checks nothing more. The running-load list is
 * under module_mutex (the loader holds it around this hook); a waiter drops
 * it while it sleeps on the running load's completion, and module_wq is not
 * woken for it.
 */
import type { PolicyDefinition } from '../policy.js';
import { answer } from './patient.js';
import { SharedLoads } from './shared-loads.js';

export const merge: PolicyDefinition = {
  summary: 'after step 2, by name: wait for the running load; its success → EEXIST, failure → EBUSY',
  memory: 'layout',
  create: (host) => {
    const running = new SharedLoads<string>(host, 'running_loads', (req) => req.file.name);
    return {
      *afterHeader(req) {
        const name = req.file.name;
        yield* host.sync.hold(host.sync.costs.recheckNs, 'recheck');
        if (running.inFlight(name)) {
          host.sync.unlock();
          const w = yield* running.wait(req, 'afterHeader', 'interruptible');
          if (w.interrupted) return answer(host, req, 'afterHeader', 'EINTR');
          return answer(host, req, 'afterHeader', w.result === 0 ? 'EEXIST' : 'EBUSY');
        }
        const old = host.modules.find(name);
        if (old !== undefined) return answer(host, req, 'afterHeader', old.state === 'LIVE' ? 'EEXIST' : 'EBUSY');
        running.lead(req);
        host.dedup(req, 'afterHeader', 'lead');
        return undefined;
      },
      finished(req, result) {
        // finalize_running_load(): the waiters learn the outcome through the load's completion.
        running.settle(req, result);
      },
    };
  },
};
