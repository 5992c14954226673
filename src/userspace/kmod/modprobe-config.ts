/**
 * modprobe.d configuration (and modules.softdep, which kmod reads with the
 * same parser): `alias`, `blacklist`, `options`, `install`, `remove`,
 * `softdep`. Lines are read as kmod reads them: a backslash before a newline
 * joins the next line, a backslash before anything else is dropped, a line
 * whose first character is '#' is a comment, words are split on blanks.
 *
 * Where kmod logs "ignoring bad line" and goes on, this reader throws a
 * UserError naming the file and line: a simulation built on a half-read
 * configuration would mislead.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../../errors.js';
import { normalizeAlias } from './names.js';
import { excerpt, lineError, readText } from './text-file.js';

export interface ConfigAlias {
  /** fnmatch pattern, '-' folded to '_' outside brackets. */
  pattern: string;
  module: string;
}

export interface ConfigOptions {
  module: string;
  /** The rest of the line as written (tabs become spaces, as kmod does). */
  options: string;
}

export interface ConfigCommand {
  module: string;
  command: string;
}

export interface ConfigSoftdep {
  /** fnmatch pattern on module names. */
  module: string;
  /** Names to look up (aliases allowed), in order. */
  pre: string[];
  post: string[];
}

/** Everything read from one or more configuration files, in reading order. */
export interface ModprobeConfig {
  aliases: ConfigAlias[];
  blacklist: string[];
  options: ConfigOptions[];
  installCommands: ConfigCommand[];
  removeCommands: ConfigCommand[];
  softdeps: ConfigSoftdep[];
}

export function emptyConfig(): ModprobeConfig {
  return { aliases: [], blacklist: [], options: [], installCommands: [], removeCommands: [], softdeps: [] };
}

/** Concatenate configurations: earlier ones come first, as kmod's lists do. */
export function mergeConfigs(...configs: ModprobeConfig[]): ModprobeConfig {
  const out = emptyConfig();
  for (const c of configs) {
    out.aliases.push(...c.aliases);
    out.blacklist.push(...c.blacklist);
    out.options.push(...c.options);
    out.installCommands.push(...c.installCommands);
    out.removeCommands.push(...c.removeCommands);
    out.softdeps.push(...c.softdeps);
  }
  return out;
}

interface LogicalLine {
  /** First physical line of the logical line. */
  line: number;
  text: string;
}

/** kmod's getline_wrapped: backslash-newline continues the line; other backslashes are dropped. */
function logicalLines(text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  let buf = '';
  let line = 1;
  let start = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') {
      out.push({ line: start, text: buf });
      buf = '';
      line++;
      start = line;
    } else if (ch === '\\') {
      const next = text[i + 1];
      i++;
      if (next === '\n') line++;
      else if (next !== undefined) buf += next;
    } else buf += ch;
  }
  if (buf !== '') out.push({ line: start, text: buf });
  return out;
}

/** Words split the way strtok(" \t") does, remembering where each ends. */
class Words {
  private pos = 0;
  constructor(private readonly text: string) {}

  next(): string | undefined {
    const t = this.text;
    while (this.pos < t.length && (t[this.pos] === ' ' || t[this.pos] === '\t')) this.pos++;
    if (this.pos >= t.length) return undefined;
    const from = this.pos;
    while (this.pos < t.length && t[this.pos] !== ' ' && t[this.pos] !== '\t') this.pos++;
    const word = t.slice(from, this.pos);
    if (this.pos < t.length) this.pos++; // strtok consumes the one delimiter that ended the word
    return word;
  }

  /** Everything after the last word's delimiter, or undefined when nothing is left. */
  rest(): string | undefined {
    const r = this.text.slice(this.pos);
    this.pos = this.text.length;
    return r === '' ? undefined : r;
  }
}

/** kmod splits softdep lists on isspace(3). */
const SPACE = /[ \t\n\v\f\r]+/;

function parseSoftdep(module: string, list: string): ConfigSoftdep {
  const dep: ConfigSoftdep = { module, pre: [], post: [] };
  let mode: 'none' | 'pre' | 'post' = 'none';
  for (const word of list.split(SPACE)) {
    if (word === '') continue;
    if (word === 'pre:') mode = 'pre';
    else if (word === 'post:') mode = 'post';
    else if (mode !== 'none') dep[mode].push(word); // words before any pre:/post: are ignored, as kmod does
  }
  return dep;
}

export function parseModprobeConfig(text: string, file: string): ModprobeConfig {
  const config = emptyConfig();
  for (const { line, text: t } of logicalLines(text)) {
    if (t === '' || t[0] === '#') continue;
    const words = new Words(t);
    const cmd = words.next();
    if (cmd === undefined) continue;
    const bad = (): UserError => lineError(file, line, `bad line starting with ${excerpt(cmd)}: ${excerpt(t.trim())}`);
    const name = (word: string | undefined): string => {
      const n = word === undefined ? undefined : normalizeAlias(word);
      if (n === undefined) throw bad();
      return n;
    };
    switch (cmd) {
      case 'alias': {
        const pattern = name(words.next());
        config.aliases.push({ pattern, module: name(words.next()) });
        break;
      }
      case 'blacklist':
        config.blacklist.push(name(words.next()));
        break;
      case 'options': {
        const module = name(words.next());
        const options = words.rest();
        if (options === undefined) throw bad();
        config.options.push({ module, options: options.replaceAll('\t', ' ') });
        break;
      }
      case 'install':
      case 'remove': {
        const module = name(words.next());
        const command = words.rest();
        if (command === undefined) throw bad();
        (cmd === 'install' ? config.installCommands : config.removeCommands).push({ module, command });
        break;
      }
      case 'softdep': {
        const module = name(words.next());
        const list = words.rest();
        if (list === undefined) throw bad();
        config.softdeps.push(parseSoftdep(module, list));
        break;
      }
      case 'include':
      case 'config':
        break; // deprecated commands kmod no longer parses
      default:
        throw bad();
    }
  }
  return config;
}

/**
 * The files kmod reads for these paths: a file as given; a directory's
 * `*.conf` and `*.alias` entries (not hidden ones). All are read in order of
 * their base names, and a name seen in an earlier path hides later ones.
 */
export function configFiles(paths: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new UserError(`${path}: no such configuration file or directory`);
    }
    const entries = isDir
      ? readdirSync(path, { withFileTypes: true })
          .filter((e) => !e.name.startsWith('.') && /\.(conf|alias)$/.test(e.name) && !e.isDirectory())
          .map((e) => [e.name, join(path, e.name)] as const)
      : [[basename(path), path] as const];
    for (const [name, file] of entries) if (!byName.has(name)) byName.set(name, file);
  }
  return [...byName.keys()].sort(byteOrder).map((n) => byName.get(n)!);
}

/** strcmp order, not locale order. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function readModprobeConfig(paths: readonly string[]): ModprobeConfig {
  return mergeConfigs(...configFiles(paths).map((f) => parseModprobeConfig(readText(f), f)));
}
