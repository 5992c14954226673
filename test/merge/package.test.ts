/**
 * Plain Node can import the built package by its published name
 * (`modstorm/merge`, package.json exports → dist/merge/index.js) and use the
 * Merger from there. Uses dist as it is when present; otherwise builds it
 * once with tsc (a few seconds).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const built = join(projectRoot, 'dist', 'merge', 'index.js');

beforeAll(async () => {
  if (existsSync(built)) return;
  // Errors elsewhere in src must not stop the merge output from being emitted, so the exit code is not checked.
  await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: projectRoot }).catch(() => undefined);
  if (!existsSync(built)) throw new Error(`building ${built} with tsc -p tsconfig.build.json failed`);
}, 120_000);

describe('the built package', () => {
  it('imports as modstorm/merge in plain Node and merges concurrent calls', async () => {
    const script = `
      import('modstorm/merge').then(async ({ Merger }) => {
        const merger = new Merger();
        let bodyRuns = 0;
        const body = () => new Promise((resolve) => setTimeout(() => resolve(++bodyRuns), 5));
        const results = await Promise.all([merger.run('k', body), merger.run('k', body), merger.run('k', body)]);
        const after = await merger.run('k', body);
        console.log(JSON.stringify({ results, after, stats: merger.stats(), size: merger.size }));
      });
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: projectRoot });
    expect(JSON.parse(stdout)).toEqual({
      results: [
        { value: 1, role: 'lead' },
        { value: 1, role: 'join' },
        { value: 1, role: 'join' },
      ],
      after: { value: 2, role: 'lead' },
      stats: { runs: 2, joins: 2, leaves: 0, inFlight: 0 },
      size: 0,
    });
  });
});
