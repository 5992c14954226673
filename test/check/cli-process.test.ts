/**
 * `modstorm check` as a user runs it: the real entry point (src/cli/main.ts)
 * in a child process, so exit statuses and stderr are the ones a shell
 * sees. Replay tokens that do not verify, flags a replay would ignore, the
 * step bound, and byte-identical JSON.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeToken, type CheckConfig } from '../../src/check/config.js';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Exit {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `modstorm ARGS` from the sources (tsx), collecting its exit status and output. */
function modstorm(args: readonly string[]): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(projectRoot, 'src', 'cli', 'main.ts'), ...args],
      { cwd: projectRoot, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

/** Bad input: exit 2, nothing on stdout, one `modstorm:` line on stderr matching `message`. */
function expectRefused(r: Exit, message: RegExp): void {
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^modstorm: [^\n]+\n$/);
  expect(r.stderr).toMatch(message);
  expect(r.status).toBe(2);
}

const V52: CheckConfig = {
  strategy: 'v5.2',
  requests: 2,
  modules: 1,
  init: 'failure',
  deleteModule: false,
  signal: false,
  selfLoad: false,
};

describe('check --replay through the CLI', () => {
  // A real counter-example's token, as `check` prints it.
  const tokenOf = async (): Promise<string> => {
    const r = await modstorm(['check', '--strategy', 'v5.2', '--requests', '2', '--json']);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as { counterexamples: { replay: string }[] };
    return json.counterexamples[0]?.replay as string;
  };

  it('replays a token it printed, and refuses it cut short, with a character too many, or altered', async () => {
    const token = await tokenOf();
    const ok = await modstorm(['check', '--replay', token]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^replay of v5\.2 2x1/);

    const cut = await modstorm(['check', '--replay', token.slice(0, -1)]);
    expectRefused(cut, /--replay: not a valid modstorm check token \((cut short|checksum)/);
    const longer = await modstorm(['check', '--replay', `${token}A`]);
    expectRefused(longer, /--replay: not a valid modstorm check token/);
    // One choice digit changed, the rest (checksum included) kept: the checksum no longer matches.
    const text = Buffer.from(token, 'base64url').toString('utf8');
    const parts = text.split('|');
    parts[6] = (parts[6] as string).replace(/^./, (d) => (d === '0' ? '1' : '0'));
    const altered = Buffer.from(parts.join('|'), 'utf8').toString('base64url');
    expectRefused(await modstorm(['check', '--replay', altered]), /checksum does not match/);
    // Thousands of surplus choice digits, checksum and all made to fit: the run has no such choice points.
    const surplus = encodeToken(V52, Array.from({ length: 3000 }, () => 0));
    expectRefused(await modstorm(['check', '--replay', surplus]), /--replay: the token has 3000 choices but its run meets only \d+ choice points/);
  }, 60_000);

  it('refuses a token from the old unchecked format', async () => {
    const old = Buffer.from('1|v5.2|2|1|F|-|0000', 'utf8').toString('base64url');
    expectRefused(await modstorm(['check', '--replay', old]), /format 1, from an older modstorm, has no checksum/);
  });

  it('refuses an out-of-range choice with a clear line, not an internal error', async () => {
    const token = encodeToken(V52, [35, 35, 35]);
    expectRefused(
      await modstorm(['check', '--replay', token]),
      /--replay: the token's choice 35 at choice point 1 is out of range \(\d+ steps are ready there\)/,
    );
  });

  it('refuses the flags a replay would ignore, naming them', async () => {
    const token = encodeToken(V52, []);
    const flags = ['--strategy', 'merge', '--kernel', 'v6.2', '--requests', '2', '--modules', '2', '--self-load', '--max-runs', '5', '--no-prune'];
    expectRefused(
      await modstorm(['check', '--replay', token, ...flags]),
      /--replay reruns the configuration in its token; drop --strategy, --kernel, --requests, --modules, --self-load, --no-prune, --max-runs$/m,
    );
    // --max-steps and --json still apply to a replay.
    const json = await modstorm(['check', '--replay', token, '--max-steps', '50', '--json']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ config: 'v5.2 2x1 failure', stepBoundHit: false });
  }, 60_000);
});

describe('check --max-steps through the CLI', () => {
  it('reports a run cut at the step bound as incomplete, never as a liveness violation', async () => {
    const r = await modstorm(['check', '--strategy', 'merge', '--requests', '2', '--max-steps', '10', '--json']);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as {
      invariants: Record<string, string>;
      complete: boolean;
      boundsHit: string[];
      counterexamples: { invariant: string }[];
    };
    expect(json.invariants.liveness).toBe('incomplete: step bound');
    expect(json.counterexamples.map((c) => c.invariant)).not.toContain('liveness');
    expect(json.complete).toBe(false);
    expect(json.boundsHit.join('\n')).toMatch(/^merge 2x1 success: \d+ runs hit the step bound \(10 steps\)$/m);

    const text = await modstorm(['check', '--strategy', 'merge', '--requests', '2', '--max-steps', '10']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/│ merge +│ holds +│ holds +│ holds +│ incomplete: step bound +│ holds +│/);
    expect(text.stdout).toMatch(/bound hit \(merge\): merge 2x1 success: \d+ runs hit the step bound \(10 steps\)/);
    expect(text.stdout).not.toMatch(/liveness violated/);
  }, 60_000);

  it('a replay cut at the step bound says so', async () => {
    const r = await modstorm(['check', '--replay', encodeToken({ ...V52, strategy: 'merge' }, []), '--max-steps', '10']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^incomplete: step bound/m);
    expect(r.stdout).not.toMatch(/^violated: liveness/m);
  });
});

describe('check --json through the CLI', () => {
  it('prints the same bytes for identical runs; wall time only with --timings', async () => {
    const args = ['check', '--strategy', 'merge', '--requests', '2', '--json'];
    const [a, b] = await Promise.all([modstorm(args), modstorm(args)]);
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toMatch(/"seconds"/);
    const timed = await modstorm([...args, '--timings']);
    expect(JSON.parse(timed.stdout)).toMatchObject({ seconds: expect.any(Number) as number });
    expectRefused(await modstorm(['check', '--strategy', 'merge', '--timings']), /--timings goes with --json/);
  }, 60_000);
});
