import { describe, expect, it } from 'vitest';
import { NS_PER_S } from '../../src/sim/index.js';
import { machineDevices } from '../../src/scenario/machine.js';
import { buildStorm, collect, runScenario } from '../../src/scenario/run.js';
import { resolveScenario } from '../../src/scenario/scenario.js';
import type { ScenarioInput } from '../../src/scenario/schema.js';

/** 8 CPUs; udevd forks, dispatches and logs for free (no debug logging), so the ACPI events requests overlap. */
function small(strategy: string, extra: Partial<ScenarioInput> = {}) {
  return resolveScenario({ machine: { cpus: 8 }, udev: { costs: { forkNs: 0, dispatchNs: 0, journalNs: 0 } }, strategy, ...extra });
}

describe('a coldplug storm, end to end', () => {
  it('v5.3 runs every pcc_cpufreq request as its own failing load, one after another; merge runs one', () => {
    const v53 = runScenario(small('v5.3'));
    const merge = runScenario(small('merge'));
    // 8 CPUs → 8 ACPI processor devices ask for pcc_cpufreq; cpuN and ACPI devices ask for acpi_cpufreq
    // with intel_pstate active both cpufreq inits fail with EEXIST at once
    expect(v53.modules.pcc_cpufreq).toMatchObject({ requests: 8, initCalls: 8, results: { EEXIST: 8 } });
    expect(v53.modules.acpi_cpufreq).toMatchObject({ requests: 16, initCalls: 16, results: { EEXIST: 16 } });
    expect(merge.modules.pcc_cpufreq).toMatchObject({ requests: 8, initCalls: 1, results: { EEXIST: 1, EBUSY: 7 } });
    // the serialisation stretches the requests out in time, and udev's settle with them
    expect(v53.modules.pcc_cpufreq?.firstToLastNs).toBeGreaterThan(10 * (merge.modules.pcc_cpufreq?.firstToLastNs ?? 0));
    expect(v53.settleNs).toBeGreaterThan(merge.settleNs);
    // a module that loads fine is initialised once under both; the others find it LIVE (EEXIST)
    for (const r of [v53, merge]) {
      expect(r.modules.kvm_intel).toMatchObject({ initCalls: 1, results: { '0': 1 } });
      // 16 with a module to load, plus the ACPI parents and a server's other devices (defaults for 8 CPUs, 1 TiB)
      expect(r.events).toBe(16 + 2 + 100 + 32 + 32 + 512);
      expect(r.workerTimeouts).toBe(0);
    }
  });

  it('v5.3: the woken herd races for module_mutex, so pcc_cpufreq ends with acpi_cpufreq (45.0 s and 45.2 s on the 288-CPU machine)', () => {
    // In queue order the ACPI events' early acpi_cpufreq requests would be served first and pcc_cpufreq (asked for
    // next by the same workers) would end at about 60 % of acpi_cpufreq's spread.
    const r = runScenario(resolveScenario({ machine: { cpus: 64 }, strategy: 'v5.3' }));
    const pcc = r.modules.pcc_cpufreq!.firstToLastInsertedNs;
    const acpi = r.modules.acpi_cpufreq!.firstToLastInsertedNs;
    expect(pcc / acpi).toBeGreaterThan(0.9);
    expect(pcc / acpi).toBeLessThan(1.1);
  });

  it('counts full loads per module as the kernel does: past layout_and_allocate, init or not', () => {
    const v62 = runScenario(small('v6.2'));
    // v6.2 finds the duplicate at add_unformed_module, after the image is allocated: every request was a full load
    expect(v62.modules.kvm_intel).toMatchObject({ requests: 8, initCalls: 1, fullLoads: 8 });
    expect(Object.values(v62.modules).reduce((n, m) => n + m.fullLoads, 0)).toBe(v62.fullLoads);
    // merge stops duplicates after the header: one full load, one init
    expect(runScenario(small('merge')).modules.kvm_intel).toMatchObject({ requests: 8, initCalls: 1, fullLoads: 1 });
  });

  it("times the returns udev logs as 'Inserted module' (0 and EEXIST), next to the requests", () => {
    const v53 = runScenario(small('v5.3'));
    const merge = runScenario(small('merge'));
    const pcc = v53.modules.pcc_cpufreq!;
    // every v5.3 load ran init and returned its EEXIST, which libkmod reports as success
    expect(pcc.insertedReturns).toBe(8);
    expect(pcc.firstToLastInsertedNs).toBeGreaterThan(0);
    // merge: the joiners' EBUSY is logged as "Failed to insert", only the one load's EEXIST as inserted
    expect(merge.modules.pcc_cpufreq).toMatchObject({ insertedReturns: 1, firstToLastInsertedNs: 0 });
    // kvm_intel: one 0, the rest EEXIST (LIVE), all of them logged
    expect(merge.modules.kvm_intel?.insertedReturns).toBe(merge.modules.kvm_intel?.requests);
  });

  it('counts wasted memory: v5.3 duplicates are rejected after allocation, merge ones before', () => {
    const v53 = runScenario(small('v5.3'));
    const merge = runScenario(small('merge'));
    expect(v53.wasted.mod).toBeGreaterThan(0);
    expect(merge.wasted.mod).toBeLessThan(v53.wasted.mod);
    expect(v53.wasted.total).toBe(v53.wasted.kread + v53.wasted.decompress + v53.wasted.becoming + v53.wasted.mod);
    expect(v53.peakModuleBytes).toBeGreaterThan(merge.peakModuleBytes);
  });

  it('reports progress up to the last event, without changing the result', () => {
    const seen: { nowNs: number; eventsProcessed: number }[] = [];
    const r = runScenario(small('merge'), { onProgress: (p) => seen.push(p), progressEverySteps: 200 });
    expect(r).toEqual(runScenario(small('merge')));
    expect(seen.length).toBeGreaterThan(3);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.nowNs).toBeGreaterThanOrEqual(seen[i - 1]!.nowNs);
      expect(seen[i]!.eventsProcessed).toBeGreaterThanOrEqual(seen[i - 1]!.eventsProcessed);
    }
    expect(seen.at(-1)?.eventsProcessed).toBe(r.events);
  });

  it('gives byte-identical JSON for the same scenario and seed', () => {
    const a = JSON.stringify(runScenario(small('v6.2')));
    const b = JSON.stringify(runScenario(small('v6.2')));
    expect(a).toBe(b);
    expect(JSON.parse(a)).toMatchObject({ strategy: 'v6.2', cpus: 8, seed: 1 });
  });
});

describe('udev-flock', () => {
  it('makes every waiter load a failing module again after the lock, and a succeeding one only once', () => {
    const r = runScenario(small('udev-flock'));
    expect(r.strategy).toBe('udev-flock@v5.3');
    expect(r.modules.pcc_cpufreq).toMatchObject({ requests: 8, initCalls: 8, results: { EEXIST: 8 } });
    // waiters found kvm_intel LIVE once they had the lock, and skipped it without asking the kernel
    expect(r.modules.kvm_intel).toMatchObject({ requests: 1, initCalls: 1, results: { '0': 1 } });
  });
});

describe('add-once', () => {
  it('asks once per driver in a coldplug, and a later coldplug or modprobe really loads again', () => {
    const scenario = small('add-once');
    const storm = buildStorm(scenario);
    const { sim, udevd, kmod } = storm;
    const devices = machineDevices(scenario.machine);
    udevd.trigger(devices);
    sim.run();
    const first = collect(scenario, storm);
    expect(first.modules.pcc_cpufreq).toMatchObject({ requests: 1, initCalls: 1, results: { EEXIST: 1 } });
    expect(first.modules.acpi_cpufreq).toMatchObject({ requests: 1, initCalls: 1 });
    expect(first.modules.kvm_intel).toMatchObject({ requests: 1, initCalls: 1 });
    expect(first.droppedRequests).toBeGreaterThan(0);

    // the admin fixes something and re-triggers: pcc_cpufreq is asked for (and loaded) again
    udevd.trigger(devices);
    sim.run();
    const second = collect(scenario, storm);
    expect(second.modules.pcc_cpufreq).toMatchObject({ requests: 2, initCalls: 2 });
    // kvm_intel is LIVE: kmod skips it without a request
    expect(second.modules.kvm_intel).toMatchObject({ requests: 1, initCalls: 1 });

    // and a modprobe after the storm loads too
    sim.spawn('modprobe', (self) => kmod.modprobe(self, 'pcc_cpufreq'));
    sim.run();
    expect(collect(scenario, storm).modules.pcc_cpufreq).toMatchObject({ requests: 3, initCalls: 3, results: { EEXIST: 3 } });
  });
});

describe('devices without a module to load', () => {
  it('still take a worker and its rules time: memory blocks (no MODALIAS) stretch settle', () => {
    const run = (memoryBlocks: number) =>
      runScenario(
        resolveScenario({
          machine: { cpus: 1, acpiProcessorDevices: 0, deviceCounts: { acpi: 0, pci: 0, platform: 0 }, memoryBlocks },
          udev: { childrenMax: 1 },
        }),
      );
    const few = run(0);
    const many = run(100);
    expect(many.events - few.events).toBe(100);
    // one worker: each block's event costs the rules time, one after another
    expect(many.settleNs - few.settleNs).toBeGreaterThanOrEqual(100 * resolveScenario({}).udev.costs.rulesNs);
    expect(many.requests).toBe(few.requests);
  });
});

describe('the udev event timeout in a storm', () => {
  it('kills a worker whose load outlasts 180 s without tearing the load down', () => {
    const scenario = resolveScenario({
      machine: { cpus: 2, acpiProcessorDevices: 0 },
      strategy: 'v5.3',
      modules: { init: { kvm_intel: { initMs: 200_000 } } },
      // no debug logging: the cpu events start within milliseconds of the trigger
      udev: { costs: { journalNs: 0 } },
    });
    const storm = buildStorm(scenario);
    storm.udevd.trigger(machineDevices(scenario.machine));
    storm.sim.run();
    const r = collect(scenario, storm);
    // both cpu events sit in kvm_intel: one in its init, one waiting for it in add_unformed_module
    expect(r).toMatchObject({ workerWarnings: 2, workerTimeouts: 2, workerKills: 2, eventsFailed: 2 });
    expect(r.events).toBe(machineDevices(scenario.machine).length);
    // SIGKILL at 180 s (systemd 252): the waiter's interruptible wait ends with EINTR and its worker dies at once;
    // the loader's worker keeps its slot and its event until its 200 s init ends, so settle waits for it too.
    expect(r.settleNs).toBeGreaterThanOrEqual(200 * NS_PER_S);
    expect(r.settleNs).toBeLessThan(201 * NS_PER_S);
    // the loader ran to the end and the module is LIVE; both workers died on their way back, so udev saw neither result
    expect(r.modules.kvm_intel).toMatchObject({ requests: 2, initCalls: 1, results: {} });
    expect(storm.kernel.stats.results.get('EINTR')).toBe(1);
    expect(storm.kernel.initstate('kvm_intel')).toBe('live');
    expect(r.endNs).toBeGreaterThan(200 * NS_PER_S);
    // killed workers never went on to the modules after kvm_intel
    expect(r.modules.coretemp).toBeUndefined();
  });

  it('kills 10 s after the timeout only when asked (newer systemd): a 185 s init then ends unkilled', () => {
    const run = (killDelayS: number) => {
      const scenario = resolveScenario({
        machine: { cpus: 2, acpiProcessorDevices: 0 },
        strategy: 'v5.3',
        modules: { init: { kvm_intel: { initMs: 185_000 } } },
        udev: { killDelayS },
      });
      return runScenario(scenario);
    };
    expect(run(0).workerKills).toBe(2);
    expect(run(10).workerKills).toBe(0);
  });
});

describe('a module whose init loads itself through its alias (request_module())', () => {
  it('blocks its worker until udevd kills it at 180 s; then the load goes on and every request gets its result', () => {
    const scenario = resolveScenario({
      machine: { cpus: 2, acpiProcessorDevices: 0, deviceCounts: { acpi: 0, pci: 0, platform: 0 }, memoryBlocks: 0 },
      strategy: 'v6.2',
      modules: { init: { kvm_intel: { selfLoad: true, initMs: 1 } } },
    });
    const storm = buildStorm(scenario);
    storm.udevd.trigger(machineDevices(scenario.machine));
    storm.sim.run({ until: 179 * NS_PER_S });
    // The loader's worker is in init, waiting for modprobe, which waits for the load in flight.
    expect(storm.kernel.initstate('kvm_intel')).toBe('coming');
    expect(storm.udevd.stats.workerKills).toBe(0);
    storm.sim.run();
    const r = collect(scenario, storm);
    // Both cpu events sat in kvm_intel (the second waiting for the first's load): both workers killed at 180 s.
    expect(r.workerKills).toBe(2);
    expect(r.settleNs).toBeGreaterThanOrEqual(180 * NS_PER_S);
    expect(storm.kernel.initstate('kvm_intel')).toBe('live');
    // The killed workers' results never reach udev; the inner modprobe's does: EEXIST once the load is LIVE.
    expect(r.modules.kvm_intel).toMatchObject({ requests: 3, initCalls: 1, results: { EEXIST: 1 } });
    expect(storm.sim.blocked()).toEqual([]);
  });
});

