/** Flag value parsing shared by the subcommands: every bad value names its flag and what is allowed. */
import { UserError } from '../errors.js';

/** A whole number >= min (and <= max when given). */
export function parseCount(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(raw.trim())) throw new UserError(`${flag} must be a whole number, got '${raw}'`);
  const n = Number(raw.trim());
  if (n < min || n > max) {
    throw new UserError(`${flag} must be between ${min} and ${max}, got ${n}`);
  }
  return n;
}

/** One of a fixed set of words. */
export function parseChoice<T extends string>(flag: string, raw: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new UserError(`${flag} must be one of ${allowed.join(', ')}; got '${raw}'`);
}

/** A number > 0 (decimals allowed) and <= max. */
export function parsePositive(flag: string, raw: string, max = Number.MAX_VALUE): number {
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UserError(`${flag} must be a number > 0, got '${raw}'`);
  if (n > max) throw new UserError(`${flag} must be at most ${max}, got ${n}`);
  return n;
}
