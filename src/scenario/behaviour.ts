/**
 * What each module's init() does on the simulated machine: its result
 * (the machine's behaviour, here) and how long it runs (the cost
 * profile's `init` times). The loader's own costs (read, verify, allocate,
 * relocate, free, RCU grace periods) are the profile's kernel part; these
 * are the modules' own init functions only.
 */
import type { InitBehaviour } from '../kernel/index.js';
import type { Machine } from './machine.js';
import type { InitTimes } from './profile.js';
import type { InitOverride } from './scenario.js';

/**
 * The module's init on `machine`, then the scenario's override on top.
 *
 * With a cpufreq driver already registered (intel_pstate, amd_pstate),
 * both acpi_cpufreq_init() and pcc_cpufreq_init() return -EEXIST at once,
 * before any ACPI work: each starts with `if (cpufreq_get_current_driver())
 * return -EEXIST;` (drivers/cpufreq/acpi-cpufreq.c, pcc-cpufreq.c).
 * Without one, acpi_cpufreq registers itself (one policy per CPU) and
 * pcc_cpufreq evaluates the ACPI PCCH method, finds no PCC interface and
 * returns -ENODEV, as on most machines.
 */
export function initBehaviour(name: string, machine: Machine, times: InitTimes, override?: InitOverride): InitBehaviour {
  const driverActive = machine.cpufreqDriver !== 'none';
  let base: InitBehaviour;
  if ((name === 'acpi_cpufreq' || name === 'pcc_cpufreq') && driverActive) {
    base = { result: 'EEXIST', ns: times.cpufreqBusyNs };
  } else if (name === 'acpi_cpufreq') {
    base = { result: 0, ns: times.acpiCpufreqPerCpuNs * machine.cpus };
  } else if (name === 'pcc_cpufreq') {
    base = { result: 'ENODEV', ns: times.pccProbeNs };
  } else {
    base = { result: 0, ns: times.modules[name] ?? times.defaultNs };
  }
  const behaviour = { result: override?.result ?? base.result, ns: override?.initNs ?? base.ns };
  return override?.selfLoad === true ? { ...behaviour, requestsOwnLoad: true } : behaviour;
}
