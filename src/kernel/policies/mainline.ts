/**
 * `mainline`: the kernel today — 6.5's idempotent entry check (by inode,
 * finit_module only) in front of 6.4's checks at step 3 and step 5.
 */
import { stackPolicies, type PolicyDefinition } from '../policy.js';
import { idempotentEntry } from './idempotent.js';
import { v6_4 } from './v6-4.js';

export const mainline: PolicyDefinition = {
  summary: "idempotent's entry check in front of v6.4",
  memory: 'module_memory',
  create: (host) => stackPolicies(idempotentEntry(host, 'interruptible'), v6_4.create(host)),
};
