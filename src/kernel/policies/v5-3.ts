/**
 * `v5.3`: add_unformed_module() from 6e6de3dee51a (5.3) to 6.1. A same-name
 * module that is not LIVE — GOING included — is waited for until it is
 * LIVE or gone; then the check starts over: LIVE → EEXIST, gone → the
 * request loads the module itself. A burst of loads whose init fails thus
 * runs every one of them, one after the other.
 */
import type { PolicyDefinition } from '../policy.js';
import { recheckUntilSettled } from './patient.js';

export const v5_3: PolicyDefinition = {
  summary: 'step 5: wait until LIVE or gone, then LIVE → EEXIST, gone → load again (serialises failing loads)',
  memory: 'layout',
  create: (host) => ({
    addUnformed: (req) => recheckUntilSettled(host, req, ['UNFORMED', 'COMING', 'GOING']),
  }),
};
