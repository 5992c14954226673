/**
 * Shared pieces of the reader fuzz tests: fast-check's settings (a fixed
 * run count that keeps each property well under a second; FC_SEED=n replays
 * a failure, whose seed fast-check prints; FC_RUNS=n runs longer), mutations of real files, and the
 * property every reader must keep — it returns, or throws the project's
 * UserError and nothing else.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { UserError } from '../../src/errors.js';

export const FC_PARAMS: fc.Parameters<unknown> = {
  numRuns: Number(process.env.FC_RUNS ?? 150),
  ...(process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) }),
};

/** Runs `read`; returns the UserError it threw (undefined if it returned), fails on any other throw. */
export function userErrorOf(read: () => unknown): UserError | undefined {
  try {
    read();
    return undefined;
  } catch (error) {
    if (error instanceof UserError) return error;
    throw new Error(`threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}, not a UserError`);
  }
}

/** Text made of what index files are made of, and of what they should never hold. */
export const indexishText: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom('alias ', 'softdep ', 'options ', 'blacklist ', 'install ', 'remove ', 'pre:', 'post:', ':', ' ', '\t', '\n', '#'),
      fc.constantFrom('kernel/x.ko', 'y.ko.xz', '[', ']', '*', '?', '\\', '-', '_', 'pci:v*d*', 'symbol:', '\r', '\0', '\u00e9', '\ud83d\ude00'),
      fc.string({ maxLength: 12 }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

/** One edit of a text: a line cut short, a character inserted or deleted, or the whole text truncated. */
export const textMutation: fc.Arbitrary<(text: string) => string> = fc.oneof(
  fc.nat().map((at) => (t: string) => t.slice(0, at % (t.length + 1))),
  fc
    .tuple(fc.nat(), fc.constantFrom(':', ' ', '\t', '[', ']', '\0', 'x', '\n', 'alias', '.ko'))
    .map(([at, s]) => (t: string) => t.slice(0, at % (t.length + 1)) + s + t.slice(at % (t.length + 1))),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 20 })).map(([at, n]) => (t: string) => {
    const i = at % (t.length + 1);
    return t.slice(0, i) + t.slice(i + n);
  }),
);

/** The first `n` lines of a text: real data, small enough to run a mutation many times a second. */
export function head(text: string, n: number): string {
  return text.split('\n').slice(0, n).join('\n') + '\n';
}

/** A line-based reader's error names the file and a line the input has. */
export function expectFileAndLine(error: UserError, file: string, text: string): void {
  const m = new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line (\\d+): `).exec(error.message);
  expect(m, error.message).not.toBeNull();
  expect(Number(m![1])).toBeLessThanOrEqual(text.split('\n').length);
  expect(error.message).not.toContain('\n');
}
