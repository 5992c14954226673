/**
 * The module area: the slice of vmalloc space where final module images
 * live (MODULES_VADDR .. MODULES_END). First-fit over the free gaps, so a
 * full or fragmented area fails an allocation as vmap does ("vmap
 * allocation for size … failed").
 */

/** x86-64 MODULES_VADDR without KASLR: where /proc/modules addresses start. */
export const MODULES_VADDR = 0xffffffffc0000000n;

interface Block {
  readonly offset: number;
  readonly bytes: number;
}

export class ModuleArea {
  /** Allocated blocks, sorted by offset. */
  readonly #blocks: Block[] = [];
  #used = 0;
  #peak = 0;

  constructor(readonly limitBytes: number) {}

  /** Bytes allocated now. */
  get used(): number {
    return this.#used;
  }

  /** The most bytes ever allocated at once. */
  get peak(): number {
    return this.#peak;
  }

  /** Allocates `bytes` at the lowest gap that fits: its offset, or undefined when none does. */
  alloc(bytes: number): number | undefined {
    let at = 0;
    let index = 0;
    for (; index < this.#blocks.length; index++) {
      const b = this.#blocks[index] as Block;
      if (b.offset - at >= bytes) break;
      at = b.offset + b.bytes;
    }
    if (at + bytes > this.limitBytes) return undefined;
    this.#blocks.splice(index, 0, { offset: at, bytes });
    this.#used += bytes;
    if (this.#used > this.#peak) this.#peak = this.#used;
    return at;
  }

  /** Frees the block at `offset`. */
  free(offset: number): void {
    const index = this.#blocks.findIndex((b) => b.offset === offset);
    if (index < 0) throw new Error(`kernel: module area has no block at offset ${offset}`);
    this.#used -= (this.#blocks[index] as Block).bytes;
    this.#blocks.splice(index, 1);
  }
}

/** The virtual address of a module-area offset, as /proc/modules prints it. */
export function moduleAddress(offset: number): string {
  return `0x${(MODULES_VADDR + BigInt(offset)).toString(16)}`;
}
