/**
 * Done-when of the calibration: `modstorm run --cpus 288 --strategy S --json`
 * with the default profile gives the 288-CPU server's six figures within
 * ±20 %. The table's numbers are the only constants here.
 */
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/commands/run.js';

const MEASURED: Record<string, { pcc_cpufreq: number; acpi_cpufreq: number }> = {
  'v5.3': { pcc_cpufreq: 44.998, acpi_cpufreq: 45.2 },
  'v5.2': { pcc_cpufreq: 2.092, acpi_cpufreq: 9.424 },
  merge: { pcc_cpufreq: 2.011, acpi_cpufreq: 6.989 },
};

describe('the default profile against the 288-CPU server (first→last inserted return, s)', () => {
  for (const [strategy, figures] of Object.entries(MEASURED)) {
    it(`${strategy}: pcc_cpufreq and acpi_cpufreq within ±20 %`, async () => {
      const r = await runCommand({ cpus: '288', strategy, json: true }, () => {});
      for (const [module, measured] of Object.entries(figures)) {
        const model = r.modules[module]!.firstToLastInsertedNs / 1e9;
        expect(model / measured, `${strategy} ${module}: model ${model.toFixed(3)} s, measured ${measured} s`).toBeGreaterThan(0.8);
        expect(model / measured, `${strategy} ${module}: model ${model.toFixed(3)} s, measured ${measured} s`).toBeLessThan(1.2);
      }
    });
  }
});
