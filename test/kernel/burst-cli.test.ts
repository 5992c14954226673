/** `modstorm burst`: flag checking and what it prints. */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { burstCommand, parseInit, registerBurst, type BurstFlags } from '../../src/cli/commands/burst.js';
import { UserError } from '../../src/errors.js';

const defaults: BurstFlags = { strategy: 'merge', requests: '16', cpus: '16', init: 'fail:ENODEV', initMs: '20', size: '33233' };

/** Parses `argv` with the burst command registered, returning what it printed. */
async function run(argv: string[]): Promise<string> {
  let out = '';
  const program = new Command('modstorm').exitOverride();
  registerBurst(program, (t) => (out += t));
  await program.parseAsync(argv, { from: 'user' });
  return out;
}

describe('flag checking', () => {
  const cases: [Partial<BurstFlags>, RegExp][] = [
    [{ strategy: 'v9.9' }, /^--strategy must be one of v5\.2, v5\.3, merge, v6\.2, v6\.4, v6\.5, idempotent, mainline; got 'v9\.9'$/],
    [{ requests: '0' }, /^--requests must be between 1 and 4096, got 0$/],
    [{ requests: 'many' }, /^--requests must be a whole number, got 'many'$/],
    [{ cpus: '-3' }, /^--cpus must be a whole number, got '-3'$/],
    [{ initMs: '2.5' }, /^--init-ms must be a whole number, got '2\.5'$/],
    [{ size: '0' }, /^--size must be between 1 and \d+, got 0$/],
    [{ init: 'broken' }, /^--init must be 'ok' or 'fail:ERRNO' \(e\.g\. fail:ENODEV\), got 'broken'$/],
    [{ init: 'fail:ENOPE' }, /^--init must be 'ok' or 'fail:ERRNO'.*ENOPE is not an errno name \(known: .*ENODEV/],
  ];
  for (const [flags, message] of cases) {
    it(`rejects ${JSON.stringify(flags)} naming the flag and what is allowed`, () => {
      const call = (): unknown => burstCommand({ ...defaults, ...flags });
      expect(call).toThrow(UserError);
      expect(call).toThrow(message);
    });
  }

  it('reads --init ok and fail:ERRNO', () => {
    expect(parseInit('ok')).toBe(0);
    expect(parseInit('fail:EEXIST')).toBe('EEXIST');
  });
});

describe('output', () => {
  it('--json: one object with results per outcome, counters, wasted bytes, and the retry', async () => {
    const argv = ['burst', '--strategy', 'merge', '--requests', '64', '--cpus', '64', '--init', 'fail:ENODEV'];
    const text = await run([...argv, '--then-retry', '--json']);
    const r = JSON.parse(text) as Record<string, unknown>;
    expect(r).toMatchObject({
      strategy: 'merge',
      results: { ENODEV: 1, EBUSY: 63 },
      initCalls: 1,
      fullLoads: 1,
      lastReturnNs: expect.any(Number) as number,
      wasted: {
        kread: 0,
        decompress: 0,
        becoming: 63 * 33233,
        mod: 0,
        total: 63 * 33233,
      },
      peakModuleBytes: expect.any(Number) as number,
      retry: { result: 'ENODEV', initCalls: 1 },
    });
  });

  it('--json without --then-retry has no retry', async () => {
    const r = JSON.parse(await run(['burst', '--strategy', 'idempotent', '--init', 'ok', '--json'])) as Record<string, unknown>;
    expect(r.retry).toBeUndefined();
    expect(r.results).toEqual({ '0': 64 });
  });

  it('without --json: a table per outcome and the counters', async () => {
    const text = await run(['burst', '--strategy', 'v5.3', '--requests', '4', '--cpus', '4', '--init', 'fail:ENODEV', '--init-ms', '10']);
    const head = '4 × finit_module(pcc_cpufreq, 33,233 bytes) on 4 CPUs, strategy v5.3; init fails with ENODEV after 10.000 ms\n';
    expect(text.startsWith(head)).toBe(true);
    expect(text).toMatch(/│ ENODEV +│ 4 +│/);
    expect(text).toMatch(/│ init calls \(formed\) +│ 4 +│/);
    // No colour codes: the output is meant for files and mail.
    expect(text.includes('\u001b[')).toBe(false);
  });
});
