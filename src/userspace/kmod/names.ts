/**
 * kmod's name normalisation. Module names fold '-' to '_'; aliases do the
 * same except inside [...] classes, where '-' is a range.
 */

/** Module name from a name or path: basename up to the first '.', '-' → '_' (kmod's modname_normalize). */
export function moduleName(nameOrPath: string): string {
  // A bare name already normalised (what the storm's lookups pass, per request): itself, without copies.
  if (!/[/.-]/.test(nameOrPath)) return nameOrPath;
  const base = nameOrPath.slice(nameOrPath.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  return (dot < 0 ? base : base.slice(0, dot)).replaceAll('-', '_');
}

/**
 * kmod's alias_normalize: '-' → '_' outside brackets. Returns undefined for
 * what kmod rejects (a ']' outside a class, or a '[' never closed).
 */
export function normalizeAlias(alias: string): string | undefined {
  if (!/[-[\]]/.test(alias)) return alias; // the common case: nothing to fold
  if (!/[[\]]/.test(alias)) return alias.replaceAll('-', '_');
  let out = '';
  for (let i = 0; i < alias.length; i++) {
    const c = alias[i]!;
    if (c === '-') out += '_';
    else if (c === ']') return undefined;
    else if (c === '[') {
      const close = alias.indexOf(']', i);
      if (close < 0) return undefined;
      out += alias.slice(i, close + 1);
      i = close;
    } else out += c;
  }
  return out;
}
