/**
 * A cheap incremental hash for state keys: two independent 32-bit
 * multiply-xor lanes folded into a 53-bit integer, so visited sets hold
 * plain numbers. Hand-written because it runs at every choice point; at a
 * few million states a 53-bit key collides with odds around 1 in 10⁴.
 */
export class Hash64 {
  #a = 0x811c9dc5;
  #b = 0x1b873593;

  reset(): void {
    this.#a = 0x811c9dc5;
    this.#b = 0x1b873593;
  }

  /** Feeds a 32-bit integer (larger values are split). */
  number(n: number): void {
    if (n >= 0 && n <= 0xffffffff && Number.isInteger(n)) this.#mix(n);
    else {
      this.#mix(Math.floor(n / 0x100000000) | 0);
      this.#mix(n >>> 0);
    }
  }

  string(s: string): void {
    for (let i = 0; i < s.length; i++) this.#mix(s.charCodeAt(i));
    // A separator, so that 'ab','c' and 'a','bc' differ.
    this.#mix(0x1f);
  }

  #mix(x: number): void {
    this.#a = Math.imul(this.#a ^ x, 0x01000193);
    this.#b = Math.imul(this.#b ^ x, 0x5bd1e995);
    this.#b ^= this.#b >>> 15;
  }

  /** The hash as a non-negative integer below 2⁵³. */
  value(): number {
    let a = this.#a;
    a ^= a >>> 16;
    a = Math.imul(a, 0x85ebca6b);
    a ^= a >>> 13;
    return (a >>> 0) * 0x200000 + ((this.#b >>> 0) & 0x1fffff);
  }
}
