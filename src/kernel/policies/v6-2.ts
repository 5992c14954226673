/**
 * `v6.2`: add_unformed_module() from 0254127ab977 (6.2, backported to
 * 6.1.y): module_patient_check_exists() at step 5 — wait once while the
 * same-name module is UNFORMED or COMING, then LIVE → EEXIST, anything else
 * → EBUSY. A request never loads again after finding a load in flight.
 */
import type { PolicyDefinition } from '../policy.js';
import { patientCheckExists } from './patient.js';

export const v6_2: PolicyDefinition = {
  summary: 'step 5: wait while UNFORMED/COMING, then LIVE → EEXIST, else EBUSY; no retry',
  memory: 'layout',
  create: (host) => ({
    addUnformed: (req) => patientCheckExists(host, req, 'addUnformed'),
  }),
};
