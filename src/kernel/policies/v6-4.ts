/**
 * `v6.4`: 064f4536 adds module_patient_check_exists() at the end of
 * early_mod_check(), before layout_and_allocate(), so a duplicate found
 * there costs only the read ("becoming") and not a module-area image; the
 * step-5 check stays for loads that raced past it.
 */
import type { PolicyDefinition } from '../policy.js';
import { patientCheckExists } from './patient.js';

export const v6_4: PolicyDefinition = {
  summary: "v6.2's check, also at step 3 before allocation",
  memory: 'module_memory',
  create: (host) => ({
    earlyCheck: (req) => patientCheckExists(host, req, 'earlyCheck'),
    addUnformed: (req) => patientCheckExists(host, req, 'addUnformed'),
  }),
};
