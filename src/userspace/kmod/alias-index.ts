/**
 * An alias index searched the way kmod searches modules.alias.bin: a key's
 * literal prefix (up to its first `*`, `?` or `[`) must equal the start of
 * the name, and the rest of the key is fnmatch'ed against the rest of the
 * name; a key without wildcards must equal the name. Every match counts,
 * and the matches come out ordered by the priority depmod stored with them
 * (the module's position in modules.dep), a module matched by several keys
 * appearing once per key, exactly as `modprobe -R` prints them.
 *
 * Keys are bucketed by their literal prefix, so one search costs one map
 * probe per distinct prefix length (34 in the real file) plus, for the keys
 * whose prefix fits, a substring test and then fnmatch.
 */
import { fnmatch } from './fnmatch.js';

export interface AliasEntry {
  /** Normalised key ('-' folded to '_' outside brackets). */
  key: string;
  module: string;
  /** Lower comes first. */
  priority: number;
}

interface WildEntry {
  /** The key from its first wildcard on. */
  rest: string;
  /** Literal runs the name must contain for `rest` to match (none when unknown). */
  needles: string[];
  module: string;
  priority: number;
}

/**
 * The runs of ordinary characters in a pattern made of them and '*' / '?'
 * only: any match contains each of them, and String.includes is far cheaper
 * than fnmatch. Patterns with classes or escapes get none.
 */
function needlesOf(rest: string): string[] {
  if (/[[\\]/.test(rest)) return [];
  return rest.split(/[*?]+/).filter((run) => run !== '');
}

function containsAll(text: string, needles: readonly string[]): boolean {
  for (const n of needles) if (!text.includes(n)) return false;
  return true;
}

const WILDCARD = /[*?[]/;

export class AliasIndex {
  private readonly exact = new Map<string, AliasEntry[]>();
  private readonly wild = new Map<string, WildEntry[]>();
  /** Distinct literal-prefix lengths of wildcard keys, ascending. */
  private readonly prefixLengths: number[];
  readonly size: number;

  constructor(entries: readonly AliasEntry[]) {
    const lengths = new Set<number>();
    for (const e of entries) {
      const w = e.key.search(WILDCARD);
      if (w < 0) {
        const list = this.exact.get(e.key);
        if (list) list.push(e);
        else this.exact.set(e.key, [e]);
        continue;
      }
      const prefix = e.key.slice(0, w);
      const rest = e.key.slice(w);
      const item: WildEntry = { rest, needles: needlesOf(rest), module: e.module, priority: e.priority };
      const list = this.wild.get(prefix);
      if (list) list.push(item);
      else this.wild.set(prefix, [item]);
      lengths.add(w);
    }
    this.prefixLengths = [...lengths].sort((a, b) => a - b);
    this.size = entries.length;
  }

  /** Module names whose keys match `name` (already normalised), in kmod's order. */
  search(name: string): string[] {
    const hits: { module: string; priority: number }[] = [];
    for (const len of this.prefixLengths) {
      if (len > name.length) break;
      const bucket = this.wild.get(name.slice(0, len));
      if (bucket === undefined) continue;
      const tail = name.slice(len);
      for (const e of bucket) if (containsAll(tail, e.needles) && fnmatch(e.rest, tail)) hits.push(e);
    }
    const exact = this.exact.get(name);
    if (exact) hits.push(...exact);
    // Array.prototype.sort is stable; equal priorities belong to one module.
    return hits.sort((a, b) => a.priority - b.priority).map((h) => h.module);
  }
}
