/**
 * Seeded random numbers, one independent stream per name, so that adding
 * draws to one part of a model does not shift the numbers another part sees.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** FNV-1a over the stream name's UTF-16 code units. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's finaliser: nearby seeds give unrelated generator states. */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x | 0;
}

export class Random {
  readonly #rng: RandomGenerator;

  constructor(seed: number, stream: string) {
    this.#rng = xoroshiro128plus(mix((seed | 0) ^ hashName(stream)));
  }

  /** Uniform in [0, 1). */
  next(): number {
    return uniformFloat64(this.#rng);
  }

  /** Uniform integer in [lo, hiExclusive). */
  int(lo: number, hiExclusive: number): number {
    if (!(hiExclusive > lo)) throw new RangeError(`random: empty range [${lo}, ${hiExclusive})`);
    return uniformInt(this.#rng, lo, hiExclusive - 1);
  }

  /** Exponentially distributed with the given mean (a float: round it for ns). */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }
}
