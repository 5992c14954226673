/**
 * `v5.2`: add_unformed_module() up to Linux 5.2. A same-name module still
 * UNFORMED or COMING is waited for; then the check starts over: a module
 * LIVE *or GOING* gives EEXIST, none lets the request load it itself. The
 * GOING case is the false success 6e6de3dee51a fixed: a caller is told the
 * module exists while it is being torn down, and a dependent module then
 * fails with "Unknown symbol".
 */
import type { PolicyDefinition } from '../policy.js';
import { recheckUntilSettled } from './patient.js';

export const v5_2: PolicyDefinition = {
  summary: 'step 5: wait while UNFORMED/COMING, then LIVE or GOING → EEXIST, gone → load again',
  memory: 'layout',
  create: (host) => ({
    addUnformed: (req) => recheckUntilSettled(host, req, ['UNFORMED', 'COMING']),
  }),
};
