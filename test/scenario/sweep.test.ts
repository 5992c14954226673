/** `modstorm sweep`: the CPU list and strategy flags, and the same output whatever the number of worker threads. */
import { describe, expect, it } from 'vitest';
import { parseCpuList, parseStrategies, sweepCommand } from '../../src/cli/commands/sweep.js';
import { outputFormat } from '../../src/cli/output.js';
import { UserError } from '../../src/errors.js';
import { strategyIds } from '../../src/scenario/strategy.js';

describe('--cpus', () => {
  it('takes a list, a range with a factor, or both, sorted', () => {
    expect(parseCpuList('64,128,256')).toEqual([64, 128, 256]);
    expect(parseCpuList('64..2048x2')).toEqual([64, 128, 256, 512, 1024, 2048]);
    expect(parseCpuList('64..1000x2')).toEqual([64, 128, 256, 512]);
    expect(parseCpuList('288, 8..32x4')).toEqual([8, 32, 288]);
  });

  it('names what is wrong', () => {
    const bad = (raw: string): string => {
      try {
        parseCpuList(raw);
      } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        return (error as Error).message;
      }
      throw new Error('expected a UserError');
    };
    expect(bad('64..32x2')).toMatch(/range must go up/);
    expect(bad('64..128x1')).toMatch(/FACTOR >= 2/);
    expect(bad('many')).toBe("--cpus takes CPU counts (64,128,256) or a range (64..2048x2); got 'many'");
    expect(bad('0')).toMatch(/every CPU count must be between 1 and/);
    expect(bad('64,64')).toBe('--cpus names 64 twice');
    expect(bad('1..1000000000x2')).toMatch(/at most 64 CPU counts|between 1 and/);
  });
});

describe('--strategies', () => {
  it('takes a list in the order given, or all', () => {
    expect(parseStrategies('v5.3,merge,mainline')).toEqual(['v5.3', 'merge', 'mainline']);
    expect(parseStrategies('all')).toEqual(strategyIds());
    expect(() => parseStrategies('v5.3,v9')).toThrow(/--strategies must be one of/);
    expect(() => parseStrategies('merge,merge')).toThrow('--strategies names merge twice');
    expect(() => parseStrategies('merge,all')).toThrow("'all' stands alone");
  });
});

describe('--format and --json', () => {
  it('--json is --format json; both naming different formats is an error', () => {
    expect(outputFormat({})).toBe('table');
    expect(outputFormat({ json: true })).toBe('json');
    expect(outputFormat({ json: true, format: 'json' })).toBe('json');
    expect(() => outputFormat({ json: true, format: 'csv' })).toThrow('--json means --format json; drop one of --json and --format csv');
    expect(() => outputFormat({ format: 'pdf' })).toThrow("--format must be one of table, text, json, csv, html; got 'pdf'");
  });
});

describe('a sweep', () => {
  it('gives the same output on one thread and on worker threads, in plan order', async () => {
    const flags = { cpus: '2,4', strategies: 'v5.3,udev-flock', kernel: 'merge', format: 'csv' };
    let serial = '';
    let parallel = '';
    const a = await sweepCommand({ ...flags, jobs: '1' }, (t) => (serial += t), undefined);
    await sweepCommand({ ...flags, jobs: '2' }, (t) => (parallel += t), undefined);
    expect(parallel).toBe(serial);
    expect(a.strategies).toEqual(['v5.3', 'udev-flock@merge']);
    expect(a.runs.map((r) => [r.cpus, r.strategy])).toEqual([
      [2, 'v5.3'],
      [2, 'udev-flock@merge'],
      [4, 'v5.3'],
      [4, 'udev-flock@merge'],
    ]);
    expect(serial.split('\r\n')[0]).toBe(
      'cpus,strategy,pcc_cpufreq_first_to_last_ns,acpi_cpufreq_first_to_last_ns,settle_ns,init_calls,wasted_bytes,peak_module_bytes',
    );
  });

  it('--kernel needs a userspace strategy to apply to', async () => {
    await expect(sweepCommand({ cpus: '2', strategies: 'merge', kernel: 'v5.3' }, () => {}, undefined)).rejects.toThrow(/--kernel applies only/);
  });
});
