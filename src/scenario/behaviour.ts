/**
 * What each module's init() does on the simulated machine: its result and
 * how long it runs. The loader's own costs (read, verify, allocate,
 * relocate, free, RCU grace periods) come from the kernel's cost profile;
 * these are the modules' own init functions only.
 *
 * Figures are orders of magnitude from what each init does on a
 * multi-socket Intel server (per-CPU hotplug callbacks, PCI scans,
 * algorithm registration), not measurements; calibration against SPEC §1
 * may revise them. They hardly matter for the storm: a failing duplicate's
 * cost is the loader's, not its init's.
 */
import { NS_PER_MS, NS_PER_US, type Ns } from '../sim/index.js';
import type { Machine } from './machine.js';
import type { InitBehaviour } from '../kernel/index.js';
import type { InitOverride } from './scenario.js';

/** Init time of a module not listed below. */
export const DEFAULT_INIT_NS: Ns = 1 * NS_PER_MS;

/** Successful inits of the modules a Xeon's CPU MODALIAS pulls in, and their dependencies. */
const INIT_NS: Readonly<Record<string, Ns>> = {
  // on_each_cpu VMX checks and per-CPU VMCS setup
  kvm_intel: 30 * NS_PER_MS,
  kvm: 5 * NS_PER_MS,
  // PCI discovery of every socket's uncore units
  intel_uncore: 15 * NS_PER_MS,
  // memory-controller scan over PCI
  skx_edac: 10 * NS_PER_MS,
  skx_edac_common: 200 * NS_PER_US,
  // per-CPU hotplug callbacks and one hwmon device per package
  coretemp: 8 * NS_PER_MS,
  x86_pkg_temp_thermal: 5 * NS_PER_MS,
  // registers a dozen algorithms, each self-tested
  aesni_intel: 4 * NS_PER_MS,
  intel_cstate: 3 * NS_PER_MS,
  intel_powerclamp: 2 * NS_PER_MS,
  rapl: 2 * NS_PER_MS,
  intel_uncore_frequency: 2 * NS_PER_MS,
  intel_rapl_common: 1 * NS_PER_MS,
  sha1_ssse3: 1 * NS_PER_MS,
  sha256_ssse3: 1 * NS_PER_MS,
  sha512_ssse3: 1 * NS_PER_MS,
  ghash_clmulni_intel: 500 * NS_PER_US,
  crc32c_intel: 500 * NS_PER_US,
  crc32_pclmul: 500 * NS_PER_US,
  crct10dif_pclmul: 500 * NS_PER_US,
  isst_if_mbox_msr: 500 * NS_PER_US,
};

/**
 * The module's init on `machine`, then the scenario's override on top.
 *
 * With a cpufreq driver already registered (intel_pstate, amd_pstate),
 * acpi_cpufreq's init sees it and returns EEXIST at once, and pcc_cpufreq
 * finds no PCC interface and returns ENODEV (SPEC §1). Without one,
 * acpi_cpufreq registers itself (one policy per CPU) and pcc_cpufreq still
 * fails ENODEV, as on most machines.
 */
export function initBehaviour(name: string, machine: Machine, override?: InitOverride): InitBehaviour {
  const pstate = machine.cpufreqDriver !== 'none';
  let base: InitBehaviour;
  if (name === 'acpi_cpufreq') {
    base = pstate ? { result: 'EEXIST', ns: 20 * NS_PER_US } : { result: 0, ns: 40 * NS_PER_US * machine.cpus };
  } else if (name === 'pcc_cpufreq') {
    // evaluates the ACPI PCCH method before giving up
    base = { result: 'ENODEV', ns: 200 * NS_PER_US };
  } else {
    base = { result: 0, ns: INIT_NS[name] ?? DEFAULT_INIT_NS };
  }
  return { result: override?.result ?? base.result, ns: override?.initNs ?? base.ns };
}
