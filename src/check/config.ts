/**
 * The small configurations the checker explores, and their replay tokens.
 *
 * A configuration is N concurrent load requests (raw finit_module calls,
 * dependency first, as `insmod` of each module in modules.dep order would
 * make them — kmod's LIVE skip is left out so the kernel sees every
 * request), 1 or 2 modules (B imports a symbol A exports), an init
 * outcome, and optionally a delete_module of A or a signal to the second
 * request, sent at a moment the explorer chooses.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import { STRATEGIES, type StrategyId } from '../kernel/index.js';
import { USERSPACE_STRATEGIES, type UserspaceStrategy } from '../userspace/udev/index.js';
import { strategyLabel as strategyLabelOf } from '../scenario/strategy.js';

/** How every module's init behaves: always succeeds, always fails, or fails the first time only. */
export type InitOutcome = 'success' | 'failure' | 'failThenSuccess';
export const INIT_OUTCOMES: readonly InitOutcome[] = ['success', 'failure', 'failThenSuccess'];

export interface CheckConfig {
  /** The kernel's duplicate-load policy. */
  readonly strategy: StrategyId;
  /**
   * A udev-side strategy on top of it: each request is then a uevent whose
   * kmod load of its module (kmod's probe, LIVE modules skipped) goes
   * through udev's gate for that strategy.
   */
  readonly userspace?: UserspaceStrategy | undefined;
  /** Concurrent requests, 1–4. */
  readonly requests: number;
  /** 1: module A alone; 2: A and B, where B imports A's symbol. */
  readonly modules: 1 | 2;
  readonly init: InitOutcome;
  /** A process calls delete_module(A) once, at a moment the explorer picks. */
  readonly deleteModule: boolean;
  /** A process signals the second request once, at a moment the explorer picks. */
  readonly signal: boolean;
  /** A's init asks for A's own load through an alias (ModuleFile.init.requestsOwnLoad). */
  readonly selfLoad: boolean;
}

export const MAX_REQUESTS = 4;

/** A's name and, with two modules, B's. */
export function moduleNames(modules: 1 | 2): string[] {
  return modules === 1 ? ['mod_a'] : ['mod_a', 'mod_b'];
}

/** What request `i` loads, in order: A; with two modules every odd request loads B (A first, B's dependency). */
export function requestChain(config: CheckConfig, i: number): string[] {
  const [a, b] = moduleNames(config.modules) as [string, string | undefined];
  return b !== undefined && i % 2 === 1 ? [a, b] : [a];
}

/**
 * The configurations one verdict covers: each init outcome plain (only
 * requests: the worst-case-inits figure comes from these), with a
 * delete_module, and with a signal. (Both at once multiplies the states
 * for no behaviour the guarantees care about.)
 */
export function scenarios(
  strategy: StrategyId,
  userspace: UserspaceStrategy | undefined,
  requests: number,
  modules: 1 | 2,
  selfLoad: boolean,
): CheckConfig[] {
  const base = { strategy, userspace, requests, modules, deleteModule: false, signal: false, selfLoad };
  if (selfLoad) return [{ ...base, init: 'success' }];
  return INIT_OUTCOMES.flatMap((init): CheckConfig[] => [
    { ...base, init },
    // Where init always fails nothing is ever LIVE to delete: the same runs as without a delete.
    ...(init === 'failure' ? [] : [{ ...base, init, deleteModule: true }]),
    { ...base, init, signal: true },
  ]);
}

/** The request a configuration's signal goes to: the second (with two modules, the one loading B). */
export function signalTarget(config: CheckConfig): number {
  return config.requests >= 2 ? 1 : 0;
}

/** Whether a configuration counts for worst-case inits: only requests, nothing else. */
export function isPlain(config: CheckConfig): boolean {
  return !config.deleteModule && !config.signal && !config.selfLoad;
}

/** The strategy's name in reports: the kernel policy, or `udev-flock@v5.3`. */
export function strategyLabel(c: Pick<CheckConfig, 'strategy' | 'userspace'>): string {
  return strategyLabelOf(c.strategy, c.userspace);
}

/** A short readable name: `v6.2 3x2 failure +delete`. */
export function describeConfig(c: CheckConfig): string {
  const extras = [c.deleteModule ? '+delete' : '', c.signal ? '+signal' : '', c.selfLoad ? '+self-load' : '']
    .filter(Boolean)
    .join(' ');
  return `${strategyLabel(c)} ${c.requests}x${c.modules} ${c.init}${extras ? ` ${extras}` : ''}`;
}

// ---- replay tokens ----
//
// Text `2|STRATEGY|N|MODULES|INIT|FLAGS|CHOICES|CHECK`, base64url-encoded.
// 2 is the format version; FLAGS are letters d (delete), s (signal), l
// (self-load), or '-'; CHOICES has one base-36 digit per choice point (ready
// sets never reach 36 steps here); CHECK is the first 8 hex digits of the
// SHA-256 of everything before it, so that a token cut short, with a
// character too many or edited replays nothing rather than a different run.

const TOKEN_VERSION = '2';
const INIT_CODES: Record<InitOutcome, string> = { success: 'S', failure: 'F', failThenSuccess: 'R' };

export interface Replay {
  readonly config: CheckConfig;
  readonly choices: readonly number[];
}

function tokenChecksum(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 8);
}

export function encodeToken(config: CheckConfig, choices: readonly number[]): string {
  const flags = `${config.deleteModule ? 'd' : ''}${config.signal ? 's' : ''}${config.selfLoad ? 'l' : ''}` || '-';
  const digits = choices
    .map((c) => {
      if (!(Number.isInteger(c) && c >= 0 && c < 36)) throw new Error(`check: choice ${c} does not fit a replay token`);
      return c.toString(36);
    })
    .join('');
  const text = [TOKEN_VERSION, strategyLabel(config), config.requests, config.modules, INIT_CODES[config.init], flags, digits].join('|');
  return Buffer.from(`${text}|${tokenChecksum(text)}`, 'utf8').toString('base64url');
}

export function decodeToken(token: string): Replay {
  const bad = (why: string): UserError => new UserError(`--replay: not a valid modstorm check token (${why})`);
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw bad('only base64url letters A-Z a-z 0-9 - _ are allowed');
  const bytes = Buffer.from(token, 'base64url');
  // Base64 decoding drops a trailing partial group: only the canonical spelling of the bytes is a token.
  if (bytes.toString('base64url') !== token) throw bad('cut short or with characters too many');
  const text = bytes.toString('utf8');
  const parts = text.split('|');
  if (parts[0] === '1' && parts.length === 7) throw bad('format 1, from an older modstorm, has no checksum: run check again for a new token');
  if (parts[0] !== TOKEN_VERSION || parts.length !== 8) throw bad('unknown format');
  const [, label, n, modules, initCode, flags, digits, check] = parts as [string, string, string, string, string, string, string, string];
  if (tokenChecksum(parts.slice(0, 7).join('|')) !== check) throw bad('checksum does not match: cut short or altered');
  const [first, second] = label.split('@') as [string, string | undefined];
  const strategy = second ?? first;
  const userspace = second === undefined ? undefined : first;
  if (!(STRATEGIES as readonly string[]).includes(strategy)) throw bad(`unknown strategy '${label}'`);
  if (userspace !== undefined && !(USERSPACE_STRATEGIES as readonly string[]).includes(userspace)) {
    throw bad(`unknown strategy '${label}'`);
  }
  const requests = Number(n);
  if (!(Number.isInteger(requests) && requests >= 1 && requests <= MAX_REQUESTS)) throw bad(`bad request count '${n}'`);
  if (modules !== '1' && modules !== '2') throw bad(`bad module count '${modules}'`);
  const init = (Object.keys(INIT_CODES) as InitOutcome[]).find((k) => INIT_CODES[k] === initCode);
  if (init === undefined) throw bad(`bad init outcome '${initCode}'`);
  if (!/^(-|d?s?l?)$/.test(flags)) throw bad(`bad flags '${flags}'`);
  if (!/^[0-9a-z]*$/.test(digits)) throw bad('bad choice digits');
  return {
    config: {
      strategy: strategy as StrategyId,
      ...(userspace === undefined ? {} : { userspace: userspace as UserspaceStrategy }),
      requests,
      modules: modules === '1' ? 1 : 2,
      init,
      deleteModule: flags.includes('d'),
      signal: flags.includes('s'),
      selfLoad: flags.includes('l'),
    },
    choices: [...digits].map((d) => parseInt(d, 36)),
  };
}
