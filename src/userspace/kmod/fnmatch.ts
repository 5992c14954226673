/**
 * fnmatch(3) with flags 0, as glibc does it in the C locale (modprobe never
 * calls setlocale). Hand-written rather than a glob library: kmod matches
 * aliases with exactly these semantics, malformed patterns included.
 *
 * - `*` matches any run of characters, `/` and leading `.` included;
 * - `?` matches one character; `\x` matches `x`; a trailing `\` never matches;
 * - `[...]` matches one character: `!` or `^` first negates, `]` first is
 *   literal, `a-z` ranges, `[:alpha:]` classes, `[=a=]` and `[.a.]`;
 *   a `[` that is never closed is an ordinary character.
 */

/** C-locale character classes (ctype in the "C" locale). */
const CLASSES: Record<string, (code: number) => boolean> = {
  alnum: (c) => isDigit(c) || isAlpha(c),
  alpha: (c) => isAlpha(c),
  blank: (c) => c === 0x20 || c === 0x09,
  cntrl: (c) => c < 0x20 || c === 0x7f,
  digit: (c) => isDigit(c),
  graph: (c) => c > 0x20 && c < 0x7f,
  lower: (c) => c >= 0x61 && c <= 0x7a,
  print: (c) => c >= 0x20 && c < 0x7f,
  punct: (c) => c > 0x20 && c < 0x7f && !isDigit(c) && !isAlpha(c),
  space: (c) => c === 0x20 || (c >= 0x09 && c <= 0x0d),
  upper: (c) => c >= 0x41 && c <= 0x5a,
  xdigit: (c) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66),
};

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** glibc refuses class names this long. */
const CHAR_CLASS_MAX_LENGTH = 256;

/** Outcome of one bracket expression against one character. */
type Bracket =
  | { kind: 'match'; next: number } // matched; the pattern goes on at `next`
  | { kind: 'nomatch' } // the whole fnmatch fails at this point
  | { kind: 'literal' }; // never closed: the '[' is an ordinary character

/** Does `pattern` match all of `text`? (fnmatch(pattern, text, 0) == 0) */
export function fnmatch(pattern: string, text: string): boolean {
  return matchAt(pattern, 0, text, 0, undefined);
}

/** Where a segment match stopped at the next '*' (glibc's `ends`). */
interface SegmentEnd {
  pi: number;
  si: number;
}

/**
 * Match from (pi, si). With `end`, stop successfully at the next '*' and
 * record where: the text between two stars is matched at its earliest
 * position and never revisited, which is what keeps glibc linear.
 */
function matchAt(p: string, pi: number, s: string, si: number, end: SegmentEnd | undefined): boolean {
  while (pi < p.length) {
    const c = p[pi++]!;
    switch (c) {
      case '?':
        if (si >= s.length) return false;
        si++;
        break;
      case '\\': {
        if (pi >= p.length) return false;
        if (si >= s.length || s[si] !== p[pi]) return false;
        pi++;
        si++;
        break;
      }
      case '*': {
        if (end !== undefined) {
          end.pi = pi - 1;
          end.si = si;
          return true;
        }
        // A run of '*' and '?' collapses; each '?' still takes one character.
        while (pi < p.length && (p[pi] === '*' || p[pi] === '?')) {
          if (p[pi] === '?') {
            if (si >= s.length) return false;
            si++;
          }
          pi++;
        }
        if (pi >= p.length) return true;
        const next = p[pi]!;
        // What follows the star must start at one of the remaining characters.
        const literal = next === '[' ? undefined : next === '\\' ? p[pi + 1] : next;
        const stop: SegmentEnd = { pi: -1, si: -1 };
        let found = false;
        for (let k = si; k < s.length; k++) {
          if (literal !== undefined && s[k] !== literal) continue;
          if (matchAt(p, pi, s, k, stop)) {
            found = true;
            break;
          }
        }
        if (!found) return false;
        if (stop.pi < 0) return true;
        pi = stop.pi;
        si = stop.si;
        break;
      }
      case '[': {
        if (si >= s.length) return false;
        const b = bracket(p, pi, s.charCodeAt(si));
        if (b.kind === 'nomatch') return false;
        if (b.kind === 'literal') {
          if (s[si] !== '[') return false;
        } else pi = b.next;
        si++;
        break;
      }
      default:
        if (si >= s.length || s[si] !== c) return false;
        si++;
    }
  }
  return si === s.length;
}

/**
 * Match one character against the bracket expression starting after its
 * '[' at `start`, scanning members in order as glibc does (so a malformed
 * member after a match is never seen).
 */
function bracket(p: string, start: number, ch: number): Bracket {
  let pi = start;
  const at = (i: number): string => p[i] ?? '\0';
  const negated = at(pi) === '!' || at(pi) === '^';
  if (negated) pi++;
  let c = at(pi++);
  for (;;) {
    if (c === '\\') {
      if (at(pi) === '\0') return { kind: 'nomatch' };
      c = at(pi++);
      const r = member(c);
      if (r !== undefined) return r;
    } else if (c === '[' && at(pi) === ':') {
      const colon = pi;
      let name = '';
      let plain = false;
      for (;;) {
        if (name.length === CHAR_CLASS_MAX_LENGTH) return { kind: 'nomatch' };
        const k = at(++pi);
        if (k === ':' && at(pi + 1) === ']') {
          pi += 2;
          break;
        }
        // Only a-y can spell a class name; anything else makes '[' an ordinary member.
        if (k < 'a' || k >= 'z') {
          plain = true;
          break;
        }
        name += k;
      }
      if (plain) {
        pi = colon;
        const r = member('[');
        if (r !== undefined) return r;
      } else {
        const test = Object.hasOwn(CLASSES, name) ? CLASSES[name] : undefined;
        if (test === undefined) return { kind: 'nomatch' };
        if (test(ch)) return skipRest(p, pi, negated);
        c = at(pi++);
      }
    } else if (c === '[' && at(pi) === '=') {
      const eq = pi;
      const e = at(pi + 1);
      if (e === '\0' || at(pi + 2) !== '=' || at(pi + 3) !== ']') {
        pi = eq;
        const r = member('[');
        if (r !== undefined) return r;
      } else {
        pi += 4;
        if (e.charCodeAt(0) === ch) return skipRest(p, pi, negated);
        c = at(pi++);
      }
    } else if (c === '\0') {
      return { kind: 'literal' };
    } else if (c === '[' && at(pi) === '.') {
      const symbol = collatingSymbol();
      if (symbol === undefined) return { kind: 'nomatch' };
      const sym = symbol.charCodeAt(0);
      const isRange = at(pi) === '-' && at(pi + 1) !== '\0';
      if (!isRange && sym === ch) return skipRest(p, pi, negated);
      c = at(pi++);
      const r = range(sym);
      if (r !== undefined) return r;
    } else {
      const r = member(c);
      if (r !== undefined) return r;
    }
    if (c === ']') break;
  }
  return negated ? { kind: 'match', next: pi } : { kind: 'nomatch' };

  // One ordinary member `m` (glibc's normal_bracket); sets `c` to what follows.
  function member(m: string): Bracket | undefined {
    const isRange = at(pi) === '-' && at(pi + 1) !== '\0' && at(pi + 1) !== ']';
    const code = m.charCodeAt(0);
    if (!isRange && code === ch) return skipRest(p, pi, negated);
    c = at(pi++);
    return range(code);
  }

  // A collating symbol `[.x.]`, with `pi` at its '.': returns x and moves past the ']',
  // or undefined when it is unterminated or not one character (the only valid kind in the C locale).
  function collatingSymbol(): string | undefined {
    const dot = pi;
    for (;;) {
      const k = at(++pi);
      if (k === '.' && at(pi + 1) === ']') {
        pi += 2;
        break;
      }
      if (k === '\0') return undefined;
    }
    return pi - dot === 4 ? p[dot + 1] : undefined;
  }

  // If `c` opens a range from `low`, test it; sets `c` to what follows.
  function range(low: number): Bracket | undefined {
    if (c !== '-' || at(pi) === ']') return undefined;
    let high = at(pi++);
    if (high === '[' && at(pi) === '.') {
      const symbol = collatingSymbol();
      if (symbol === undefined) return { kind: 'nomatch' };
      high = symbol;
    } else {
      if (high === '\\') high = at(pi++);
      if (high === '\0') return { kind: 'nomatch' };
    }
    const h = high.charCodeAt(0);
    if (low <= ch && low <= h && ch <= h) return skipRest(p, pi, negated);
    c = at(pi++);
    return undefined;
  }
}

/** After a member matched: skip to the closing ']' the way glibc does. */
function skipRest(p: string, pi: number, negated: boolean): Bracket {
  const at = (i: number): string => p[i] ?? '\0';
  for (;;) {
    const c = at(pi++);
    if (c === ']') break;
    // glibc 2.36: a bracket that matched but never closes is an ordinary '['.
    if (c === '\0') return { kind: 'literal' };
    if (c === '\\') {
      if (at(pi) === '\0') return { kind: 'nomatch' };
      pi++;
    } else if (c === '[' && at(pi) === ':') {
      const colon = pi;
      let n = 0;
      for (;;) {
        const k = at(++pi);
        if (++n === CHAR_CLASS_MAX_LENGTH) return { kind: 'nomatch' };
        if (k === ':' && at(pi + 1) === ']') break;
        if (k < 'a' || k >= 'z') {
          pi = colon - 2;
          break;
        }
      }
      pi += 2;
    } else if (c === '[' && at(pi) === '=') {
      if (at(pi + 1) === '\0') return { kind: 'nomatch' };
      if (at(pi + 2) !== '=' || at(pi + 3) !== ']') return { kind: 'nomatch' };
      pi += 4;
    } else if (c === '[' && at(pi) === '.') {
      for (;;) {
        const k = at(++pi);
        if (k === '\0') return { kind: 'nomatch' };
        if (k === '.' && at(pi + 1) === ']') break;
      }
      pi += 2;
    }
  }
  return negated ? { kind: 'nomatch' } : { kind: 'match', next: pi };
}
