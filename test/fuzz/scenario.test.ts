/**
 * Scenario files (YAML or JSON) under arbitrary text and mutations of a
 * full valid scenario: reading and validating return a scenario, or throw
 * one UserError whose every line names the file (and the line, where the
 * problem has one).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../src/scenario/load.js';
import { resolveScenario } from '../../src/scenario/scenario.js';
import { FC_PARAMS, textMutation, userErrorOf } from './helpers.js';

const FILE = 'box.yaml';

const VALID = `name: fuzz
machine:
  cpus: 8
  memoryGiB: 16
  cpuModalias: "cpu:type:x86,ven0000fam0006mod0055:feature:,0000,0016"
  acpiProcessorDevices: 8
  acpiProcessorHid: ACPI0007
  cpufreqDriver: intel_pstate
  devices:
    - devpath: /devices/platform/foo
      modalias: platform:foo
      subsystem: platform
modules:
  defaultSizeBytes: 65536
  init:
    pcc_cpufreq: { result: ENODEV, initMs: 0.2 }
udev:
  childrenMax: 16
  eventTimeoutS: 180
  costs: {}
strategy: udev-flock
kernel: v6.2
seed: 7
ties: random
`;

function read(text: string): void {
  const file = parseScenarioText(text, FILE);
  resolveScenario(file.input, file.origin);
}

/** Every line of the message names the file: `box.yaml:N: ...` or `box.yaml: ...` (a list under `box.yaml: K problems:`). */
function expectNamesFile(message: string): void {
  for (const line of message.split('\n')) expect(line.trim(), message).toMatch(/^box\.yaml(:\d+)?: /);
}

describe('scenario files', () => {
  it('the valid one reads', () => {
    expect(userErrorOf(() => read(VALID))).toBeUndefined();
  });

  it('arbitrary text reads or is refused with the file named', () => {
    const yamlish = fc
      .array(fc.oneof(fc.constantFrom('machine:', ' cpus: ', '\n', '  ', '- ', '&a ', '*a', '{', '}', '[', ']', '"', "'", ': ', '#', '!!binary ', '? ', '---\n', '...', '%YAML 1.2\n', '<<: '), fc.string({ maxLength: 8 })), { maxLength: 40 })
      .map((p) => p.join(''));
    fc.assert(
      fc.property(yamlish, (text) => {
        const error = userErrorOf(() => read(text));
        if (error !== undefined) expectNamesFile(error.message);
      }),
      FC_PARAMS,
    );
  });

  it('the valid one cut short or mutated reads or is refused with the file named', () => {
    fc.assert(
      fc.property(fc.array(textMutation, { minLength: 1, maxLength: 4 }), (edits) => {
        const error = userErrorOf(() => read(edits.reduce((t, edit) => edit(t), VALID)));
        if (error !== undefined) expectNamesFile(error.message);
      }),
      FC_PARAMS,
    );
  });

  it('arbitrary JSON values read or are refused with the file named', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const error = userErrorOf(() => read(JSON.stringify(value)));
        if (error !== undefined) expectNamesFile(error.message);
      }),
      FC_PARAMS,
    );
  });

  it('a field changed to another JSON value reads or is refused naming the file and that line', () => {
    const fields = ['machine.cpus', 'machine.memoryGiB', 'machine.cpuModalias', 'machine.devices', 'modules.init', 'udev.childrenMax', 'seed', 'ties'];
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.jsonValue({ maxDepth: 2 }), (field, value) => {
        const [section, key] = field.split('.') as [string, string | undefined];
        const input = structuredClone(parseScenarioText(VALID, FILE).input) as Record<string, Record<string, unknown>>;
        if (key === undefined) input[section] = value as never;
        else input[section]![key] = value;
        const text = JSON.stringify(input, null, 2);
        const error = userErrorOf(() => read(text));
        if (error !== undefined) {
          expectNamesFile(error.message);
          expect(error.message).toMatch(/^box\.yaml:\d+: |box\.yaml: \d+ problems:/);
        }
      }),
      FC_PARAMS,
    );
  });
});
