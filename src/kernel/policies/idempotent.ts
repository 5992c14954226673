/**
 * `idempotent`: Linux 6.5's idempotent_init_module() (9b9879fc0327). At
 * finit_module entry, before the file is even read, concurrent calls for
 * the same file (inode) wait for the first one and return exactly its
 * return value. From 2124d84db293 (Aug 2024, in 6.11 and backported to
 * 6.6.y/6.10.y) the wait is interruptible (idempotent_wait_for_completion):
 * a signalled waiter leaves with EINTR and the load goes on; before it,
 * in 6.5–6.10, waiters slept uninterruptibly — a SIGKILL waits too (`v6.5`).
 * init_module (a user buffer) bypasses it. Behind it, to show its effect
 * alone, sits v6.2's step-5 check; `mainline` and `v6.5` put it in front of
 * v6.4's checks instead.
 */
import { stackPolicies, type LoadPolicy, type PolicyDefinition, type PolicyHost } from '../policy.js';
import { answer } from './patient.js';
import { SharedLoads, type WaitMode } from './shared-loads.js';
import { v6_2 } from './v6-2.js';
import { v6_4 } from './v6-4.js';

/** Only the entry check, for stacking in front of another policy. */
export function idempotentEntry(host: PolicyHost, mode: WaitMode): LoadPolicy {
  const idem = new SharedLoads<number>(host, 'idem_hash', (req) => req.file.inode);
  return {
    *atEntry(req) {
      const inode = req.file.inode;
      if (!idem.inFlight(inode)) {
        idem.lead(req);
        host.dedup(req, 'atEntry', 'lead');
        return undefined;
      }
      const w = yield* idem.wait(req, 'atEntry', mode);
      return answer(host, req, 'atEntry', w.interrupted ? 'EINTR' : w.result);
    },
    finished(req, result) {
      idem.settle(req, result);
    },
  };
}

export const idempotent: PolicyDefinition = {
  summary: 'at finit entry, by inode: every concurrent caller returns the first one’s result (interruptibly); over v6.2',
  memory: 'module_memory',
  create: (host) => stackPolicies(idempotentEntry(host, 'interruptible'), v6_2.create(host)),
};

export const v6_5: PolicyDefinition = {
  summary: "6.5–6.10: idempotent's entry check with uninterruptible waits, in front of v6.4",
  memory: 'module_memory',
  create: (host) => stackPolicies(idempotentEntry(host, 'uninterruptible'), v6_4.create(host)),
};
