/**
 * What kmod knows about a module tree: the depmod indexes plus modprobe.d
 * configuration, and the lookup kmod does with them
 * (kmod_module_new_from_lookup in kmod 30).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../errors.js';
import { AliasIndex, type AliasEntry } from './alias-index.js';
import { fnmatch } from './fnmatch.js';
import { readModprobeConfig, emptyConfig, mergeConfigs, parseModprobeConfig, type ModprobeConfig } from './modprobe-config.js';
import { parseAliasFile, type AliasLine } from './modules-alias.js';
import { parseModulesBuiltin, type BuiltinLine } from './modules-builtin.js';
import { parseModulesDep, type DepLine } from './modules-dep.js';
import { moduleName, normalizeAlias } from './names.js';
import { readText } from './text-file.js';

/** Where a lookup found its answer, in the order kmod tries them. */
export type LookupSource =
  | 'config-alias'
  | 'modules.dep'
  | 'modules.symbols'
  | 'install-command'
  | 'modules.alias'
  | 'modules.builtin';

export interface FoundModule {
  name: string;
  /** The alias it was found through (a config pattern, or the looked-up name); undefined for names. */
  alias: string | undefined;
}

export interface LookupResult {
  /** undefined when nothing matched. */
  source: LookupSource | undefined;
  /** In kmod's order; a module matched by several aliases appears once per alias. */
  modules: FoundModule[];
}

export interface IndexSources {
  dep: readonly DepLine[];
  alias: readonly AliasLine[];
  symbols: readonly AliasLine[];
  builtin: readonly BuiltinLine[];
  /** modprobe.d first, then modules.softdep, as kmod reads them. */
  config: ModprobeConfig;
}

export interface LoadOptions {
  /** modprobe.d files or directories (never the host's own unless given). */
  config?: readonly string[];
}

/** The index files depmod writes that kmod needs. */
export const INDEX_FILES = ['modules.dep', 'modules.alias', 'modules.symbols', 'modules.softdep', 'modules.builtin'] as const;

export class ModuleIndex {
  private readonly paths = new Map<string, string>();
  private readonly deps = new Map<string, string[]>();
  private readonly builtin = new Set<string>();
  private readonly blacklist: Set<string>;
  private readonly aliases: AliasIndex;
  private readonly symbols: AliasIndex;
  private readonly resolved = new Map<string, FoundModule[]>();
  readonly config: ModprobeConfig;

  constructor(sources: IndexSources) {
    this.config = sources.config;
    for (const d of sources.dep) {
      this.paths.set(d.name, d.path);
      // modules.dep lists users before what they use; kmod loads the reverse.
      this.deps.set(d.name, d.deps.map(moduleName).reverse());
    }
    for (const b of sources.builtin) this.builtin.add(b.name);
    this.blacklist = new Set(sources.config.blacklist);
    // depmod ranks every index value by its module's position in modules.dep.
    const rank = new Map<string, number>();
    sources.dep.forEach((d, i) => rank.set(d.name, i));
    const priority = (module: string): number => {
      let r = rank.get(module);
      if (r === undefined) rank.set(module, (r = rank.size));
      return r;
    };
    const entries = (lines: readonly AliasLine[]): AliasEntry[] =>
      lines.flatMap((l) => {
        const key = normalizeAlias(l.pattern);
        // depmod skips aliases it cannot normalise.
        return key === undefined ? [] : [{ key, module: l.module, priority: priority(l.module) }];
      });
    this.aliases = new AliasIndex(entries(sources.alias));
    this.symbols = new AliasIndex(entries(sources.symbols));
  }

  /** Every module name in modules.dep, in file order. */
  get moduleNames(): string[] {
    return [...this.paths.keys()];
  }

  /**
   * kmod_module_new_from_lookup: normalise, then try config aliases,
   * modules.dep names, modules.symbols (for `symbol:` names), install and
   * remove commands, modules.alias, modules.builtin; the first that finds
   * anything wins. This is what `modprobe -R` prints (no blacklist).
   */
  lookup(given: string): LookupResult {
    const name = normalizeAlias(given);
    const none: LookupResult = { source: undefined, modules: [] };
    if (name === undefined) return none; // kmod: -EINVAL, nothing found
    const found = (source: LookupSource, modules: FoundModule[]): LookupResult | undefined =>
      modules.length > 0 ? { source, modules } : undefined;
    return (
      found(
        'config-alias',
        this.config.aliases.filter((a) => fnmatch(a.pattern, name)).map((a) => ({ name: a.module, alias: a.pattern })),
      ) ??
      // Module names never contain ':'.
      found('modules.dep', !name.includes(':') && this.paths.has(name) ? [{ name, alias: undefined }] : []) ??
      found(
        'modules.symbols',
        name.startsWith('symbol:') ? this.symbols.search(name).map((m) => ({ name: m, alias: name })) : [],
      ) ??
      found('install-command', this.command(name)) ??
      found('modules.alias', this.aliases.search(name).map((m) => ({ name: m, alias: name }))) ??
      found('modules.builtin', this.builtin.has(name) ? [{ name, alias: undefined }] : []) ??
      none
    );
  }

  /** kmod takes the first install command for the exact name, else the first remove command. */
  private command(name: string): FoundModule[] {
    const hit =
      this.config.installCommands.find((c) => c.module === name) ?? this.config.removeCommands.find((c) => c.module === name);
    return hit ? [{ name, alias: undefined }] : [];
  }

  /**
   * The modules udev's kmod builtin loads for a modalias: the lookup, less
   * modules blacklisted in modprobe.d when they were found through an alias
   * (a blacklist hides aliases, not names). kmod's order and repeats are
   * kept: udev walks this list, so a module matched by two aliases is
   * probed twice (the second time it is usually LIVE and skipped).
   * Cached per modalias.
   */
  resolve(modalias: string): string[] {
    return this.resolveFound(modalias).map((m) => m.name);
  }

  /** resolve() with the alias each module was found through (probe's `alias` option). */
  resolveFound(modalias: string): FoundModule[] {
    let found = this.resolved.get(modalias);
    if (found === undefined) {
      found = this.lookup(modalias).modules.filter((m) => m.alias === undefined || !this.blacklist.has(m.name));
      this.resolved.set(modalias, found);
    }
    return found.map((m) => ({ ...m }));
  }

  isBuiltin(name: string): boolean {
    return this.builtin.has(moduleName(name));
  }

  isBlacklisted(name: string): boolean {
    return this.blacklist.has(moduleName(name));
  }

  /** The module's path as modules.dep gives it (relative to the modules directory). */
  path(name: string): string | undefined {
    return this.paths.get(moduleName(name));
  }

  /** modules.dep dependencies in the order kmod loads them (deepest first). */
  dependencies(name: string): string[] {
    return [...(this.deps.get(moduleName(name)) ?? [])];
  }

  /** The first softdep rule whose pattern matches the module (kmod uses only that one). */
  softdeps(name: string): { pre: string[]; post: string[] } {
    const n = moduleName(name);
    const rule = this.config.softdeps.find((s) => fnmatch(s.module, n));
    return rule ? { pre: [...rule.pre], post: [...rule.post] } : { pre: [], post: [] };
  }

  /** modprobe.d options for the module (or the alias it was found through), joined as kmod joins them. */
  options(name: string, alias?: string): string {
    const n = moduleName(name);
    return this.config.options
      .filter((o) => (o.module === n || (alias !== undefined && o.module === alias)) && o.options !== '')
      .map((o) => o.options)
      .join(' ');
  }

  /** The first install command whose pattern matches the module. */
  installCommand(name: string): string | undefined {
    const n = moduleName(name);
    return this.config.installCommands.find((c) => fnmatch(c.module, n))?.command;
  }
}

/** Parse the five depmod text indexes (already read) plus optional configuration. */
export function indexFromTexts(
  texts: Record<(typeof INDEX_FILES)[number], string>,
  dir: string,
  config: ModprobeConfig = emptyConfig(),
): ModuleIndex {
  const file = (f: string): string => join(dir, f);
  return new ModuleIndex({
    dep: parseModulesDep(texts['modules.dep'], file('modules.dep')),
    alias: parseAliasFile(texts['modules.alias'], file('modules.alias')),
    symbols: parseAliasFile(texts['modules.symbols'], file('modules.symbols')),
    builtin: parseModulesBuiltin(texts['modules.builtin'], file('modules.builtin')),
    config: mergeConfigs(config, parseModprobeConfig(texts['modules.softdep'], file('modules.softdep'))),
  });
}

/**
 * Read a modules directory (the text indexes depmod writes: modules.dep,
 * .alias, .symbols, .softdep, .builtin) and, if given, modprobe.d files.
 */
export function loadModulesDir(dir: string, options: LoadOptions = {}): ModuleIndex {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new UserError(`${dir}: no such modules directory`);
  for (const f of INDEX_FILES) {
    if (!existsSync(join(dir, f))) throw new UserError(`${dir}: ${f} is missing (run depmod to create it)`);
  }
  const texts = Object.fromEntries(INDEX_FILES.map((f) => [f, readText(join(dir, f))])) as Record<
    (typeof INDEX_FILES)[number],
    string
  >;
  return indexFromTexts(texts, dir, options.config ? readModprobeConfig(options.config) : emptyConfig());
}
