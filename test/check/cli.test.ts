/** `modstorm check`: flags, the JSON report, and replaying a counter-example. */
import { createHash } from 'node:crypto';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCheck } from '../../src/cli/commands/check.js';
import { decodeToken, encodeToken, type CheckConfig } from '../../src/check/config.js';
import { UserError } from '../../src/errors.js';

async function run(argv: string[]): Promise<string> {
  let out = '';
  const program = new Command('modstorm').exitOverride();
  registerCheck(program, (t) => (out += t));
  await program.parseAsync(argv, { from: 'user' });
  return out;
}

interface JsonReport {
  strategy: string;
  invariants: Record<string, string>;
  worstCaseInits: number | null;
  statesExplored: number;
  counterexamples: { invariant: string; replay: string; trace: { step: number; process: string; what: string; table: string }[] }[];
}

describe('modstorm check', () => {
  it('rejects bad flags naming the flag', async () => {
    await expect(run(['check', '--strategy', 'v9'])).rejects.toThrow(/--strategy must be one of v5\.2, .*all; got 'v9'/);
    await expect(run(['check', '--strategy', 'merge', '--requests', '9'])).rejects.toThrow(/--requests must be between 1 and 4, got 9/);
    await expect(run(['check', '--strategy', 'merge', '--modules', '3'])).rejects.toThrow(/--modules must be one of 1, 2; got '3'/);
    await expect(run(['check'])).rejects.toThrow(UserError);
    await expect(run(['check', '--replay', 'not a token!'])).rejects.toThrow(/--replay: not a valid modstorm check token/);
    await expect(run(['check', '--strategy', 'merge', '--kernel', 'v6.2'])).rejects.toThrow(/--kernel goes with a userspace strategy/);
    await expect(run(['check', '--strategy', 'udev-flock', '--kernel', 'v7'])).rejects.toThrow(/--kernel must be one of/);
  });

  it('prints a JSON report with a verdict per guarantee and replayable counter-examples', async () => {
    const json = JSON.parse(await run(['check', '--strategy', 'v5.3', '--requests', '2', '--json'])) as JsonReport;
    expect(json.strategy).toBe('v5.3');
    expect(json.invariants).toEqual({
      noFalseSuccess: 'holds',
      freshRetry: 'holds',
      uniqueness: 'violated',
      liveness: 'holds',
      agreement: 'holds',
    });
    expect(json.worstCaseInits).toBe(2);
    expect(json.statesExplored).toBeGreaterThan(0);
    const [c] = json.counterexamples;
    expect(c?.invariant).toBe('uniqueness');
    expect(c?.trace.length).toBeGreaterThan(0);

    // --replay prints the same run's trace.
    const replayed = await run(['check', '--replay', c?.replay as string]);
    expect(replayed).toMatch(/^replay of v5\.3 2x1 failure/);
    expect(replayed).toMatch(/violated: uniqueness — req\d runs mod_a's init itself/);
    for (const line of c?.trace ?? []) expect(replayed).toContain(line.what);
  });

  it('--strategy all gives one report per kernel strategy', async () => {
    const json = JSON.parse(await run(['check', '--strategy', 'all', '--requests', '1', '--json'])) as JsonReport[];
    expect(json.map((r) => r.strategy)).toEqual([
      'v5.2',
      'v5.3',
      'merge',
      'v6.2',
      'v6.4',
      'v6.5',
      'idempotent',
      'mainline',
      'udev-flock@v5.3',
      'add-once@v5.3',
    ]);
  });

  it('prints a table and the counter-example trace as text', async () => {
    const text = await run(['check', '--strategy', 'v5.2', '--requests', '2']);
    expect(text).toMatch(/│ v5\.2 +│ violated +│/);
    expect(text).toMatch(/no false success violated in v5\.2 2x1/);
    expect(text).toMatch(/replay: modstorm check --replay [A-Za-z0-9_-]+/);
    expect(text).toMatch(/step +time +process +what +module table after/);
  });
});

describe('replay tokens', () => {
  const config: CheckConfig = {
    strategy: 'mainline',
    requests: 3,
    modules: 2,
    init: 'failThenSuccess',
    deleteModule: true,
    signal: false,
    selfLoad: false,
  };

  it('round-trips a configuration and its choices', () => {
    const choices = [0, 3, 1, 0, 0, 35, 2];
    const token = encodeToken(config, choices);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeToken(token)).toEqual({ config, choices });
    const flock: CheckConfig = { ...config, strategy: 'v6.2', userspace: 'udev-flock', signal: true, deleteModule: false };
    expect(decodeToken(encodeToken(flock, [1, 0]))).toEqual({ config: flock, choices: [1, 0] });
  });

  it('refuses tokens that do not decode to a configuration', () => {
    // Forged with a checksum that matches: the fields themselves are judged.
    const forge = (text: string): string =>
      Buffer.from(`${text}|${createHash('sha256').update(text).digest('hex').slice(0, 8)}`, 'utf8').toString('base64url');
    expect(() => decodeToken(forge('2|v9.9|3|2|S|-|00'))).toThrow(/unknown strategy 'v9\.9'/);
    expect(() => decodeToken(forge('2|merge|7|1|S|-|00'))).toThrow(/bad request count '7'/);
    expect(() => decodeToken('abc')).toThrow(UserError);
    expect(() => decodeToken(forge('2|udev-lock@v5.3|2|1|S|-|0'))).toThrow(/unknown strategy 'udev-lock@v5\.3'/);
    expect(() => decodeToken(forge('3|merge|2|1|S|-|0'))).toThrow(/unknown format/);
  });
});
