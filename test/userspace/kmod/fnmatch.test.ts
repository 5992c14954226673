import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fnmatch } from '../../../src/userspace/kmod/index.js';
import { FIXTURES } from './helpers.js';

describe('fnmatch semantics (flags 0, as kmod calls it)', () => {
  it.each([
    // '*': any run, empty included, across '/' and before '.'
    ['*', '', true],
    ['a*c', 'abbbc', true],
    ['a*c', 'abbb', false],
    ['*/*', 'a/b', true],
    ['*.ko', '.ko', true],
    ['cpu:type:x86,ven*fam*mod*:feature:*0016*', 'cpu:type:x86,ven0000fam0006mod0055:feature:,0000,0016,0099', true],
    ['cpu:type:x86,ven*fam*mod*:feature:*0016*', 'cpu:type:x86,ven0000fam0006mod0055:feature:,0000,0015,0099', false],
    // '?': exactly one character, so no match across a missing one
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['*?', '', false],
    // anchored at both ends: no substring matches
    ['bc', 'abcd', false],
    ['abc', 'ab', false],
    // classes and ranges
    ['[a-z]', 'q', true],
    ['[a-z]', 'Q', false],
    ['[a-z]', '-', false],
    ['[z-a]', 'm', false],
    ['[!x]', 'y', true],
    ['[!x]', 'x', false],
    ['[^x]', 'x', false],
    ['[]]', ']', true],
    ['[]a]', 'a', true],
    ['[!]]', ']', false],
    ['[!]]', 'a', true],
    ['[a-]', '-', true],
    ['[-a]', '-', true],
    ['[[:digit:]]', '7', true],
    ['[[:digit:]]', 'x', false],
    ['[[:bogus:]]', 'b', false],
    ['[[=a=]]', 'a', true],
    ['[[.a.]]', 'a', true],
    ['d0[0-2]*', 'd01', true],
    ['d0[0-2]*', 'd03', false],
    // an unclosed '[' is an ordinary character
    ['[', '[', true],
    ['[ab', '[ab', true],
    ['[ab', 'a', false],
    // escapes
    ['\\*', '*', true],
    ['\\*', 'a', false],
    ['a\\', 'a\\', false],
  ])('fnmatch(%j, %j) is %s', (pattern, text, expected) => {
    expect(fnmatch(pattern, text)).toBe(expected);
  });
});

describe('agreement with glibc', () => {
  const golden = JSON.parse(readFileSync(join(FIXTURES, 'golden', 'fnmatch-glibc.json'), 'utf8')) as {
    glibc: string;
    cases: [string, string, boolean][];
  };

  it(`gives glibc ${golden.glibc}'s verdict on every recorded case`, () => {
    expect(golden.cases.length).toBeGreaterThan(2000);
    const disagreements = golden.cases
      .filter(([pattern, text, expected]) => fnmatch(pattern, text) !== expected)
      .map(([pattern, text, expected]) => ({ pattern, text, glibc: expected }));
    expect(disagreements).toEqual([]);
  });
});

describe('properties', () => {
  const plain = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '0', '1', ':', ',', '-', '_'), maxLength: 12 });

  it('a pattern without special characters matches exactly itself', () => {
    fc.assert(fc.property(plain, plain, (p, s) => fnmatch(p, s) === (p === s)));
  });

  it('*literal* is substring search', () => {
    fc.assert(fc.property(plain, plain, (p, s) => fnmatch(`*${p}*`, s) === s.includes(p)));
  });

  it('one ? per character matches any text of that length', () => {
    fc.assert(fc.property(plain, fc.nat(14), (s, n) => fnmatch('?'.repeat(n), s) === (s.length === n)));
  });
});
