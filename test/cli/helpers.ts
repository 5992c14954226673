/**
 * Running the real `modstorm` command (node dist/cli/main.js) as a user
 * would. dist is rebuilt first when any source file is newer than it, so
 * the tests never judge a stale build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

export const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist when it is missing or older than src/. */
export function ensureBuilt(): void {
  if (existsSync(MAIN) && statSync(MAIN).mtimeMs >= newestSource(join(ROOT, 'src'))) return;
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building dist failed:\n${r.stdout}${r.stderr}`);
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function modstorm(args: readonly string[], options: { stdoutFd?: number } = {}): CliRun {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 2 ** 20,
    stdio: ['ignore', options.stdoutFd ?? 'pipe', 'pipe'],
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Exit 2, and stderr is one `modstorm:` line (or a short list under one) with no stack frame. */
export function expectRefused(r: CliRun, pattern: RegExp, maxLines = 1): void {
  expect(r.status, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^modstorm: /);
  expect(lines.length, r.stderr).toBeLessThanOrEqual(maxLines);
  expect(r.stderr).not.toMatch(/^\s+at .*[(:]\d+/m);
  expect(r.stderr).toMatch(pattern);
  expect(r.stdout).toBe('');
}

/** The warnings a run printed on stderr. */
export function warnings(r: CliRun): string[] {
  return r.stderr.split('\n').filter((l) => l.startsWith('modstorm: warning: '));
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'modstorm-cli-'));
}

/** A file in a fresh temporary directory. */
export function tempFile(name: string, text: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}

/**
 * A module tree of a few modules: `dep` lines as depmod writes them, one
 * alias per module (acpi:ACPI0007: for each, so the CPUs' ACPI devices ask
 * for them all), no symbols unless given.
 */
export function moduleTree(files: Partial<Record<'modules.dep' | 'modules.alias' | 'modules.symbols' | 'modules.softdep' | 'modules.builtin' | 'modules.sizes.tsv', string>>): string {
  const dir = tempDir();
  const defaults = {
    'modules.dep': 'kernel/a.ko:\nkernel/b.ko: kernel/a.ko\n',
    'modules.alias': 'alias acpi:ACPI0007:* a\nalias acpi:ACPI0007:* b\n',
    'modules.symbols': 'alias symbol:a_fn a\n',
    'modules.softdep': '',
    'modules.builtin': '',
  };
  for (const [name, text] of Object.entries({ ...defaults, ...files })) writeFileSync(join(dir, name), text);
  return dir;
}
