import type { Heap } from '../backend/heap.ts';

const ALIGN_FLOATS = 16;

/**
 * One workspace slab, carved into named buffers for a given shape. It is reallocated only when
 * a plan needs more floats than the slab has, so repeated calls with the same (or a smaller)
 * (T, B) allocate nothing.
 */
export class Workspace {
  private readonly heap: Heap;
  private base = 0;
  private capacity = 0;

  constructor(heap: Heap) {
    this.heap = heap;
  }

  /**
   * Lays out buffers of the given sizes (floats) in the slab, growing it if needed.
   * @returns byte pointers, in the order of `sizes`; a size of 0 gives pointer 0 (absent)
   */
  plan(sizes: readonly number[], out: number[]): number[] {
    let total = 0;
    for (const s of sizes) total += Math.ceil(s / ALIGN_FLOATS) * ALIGN_FLOATS;
    if (total > this.capacity) {
      if (this.base !== 0) this.heap.release(this.base);
      this.base = 0;
      this.capacity = 0;
      this.base = this.heap.allocF32(total);
      this.capacity = total;
    }
    out.length = sizes.length;
    let offset = 0;
    for (let i = 0; i < sizes.length; i++) {
      out[i] = sizes[i] === 0 ? 0 : this.base + offset * 4;
      offset += Math.ceil(sizes[i] / ALIGN_FLOATS) * ALIGN_FLOATS;
    }
    return out;
  }

  /** Byte pointer of the slab (0 before the first plan); changes only when a plan reallocates it. */
  get basePtr(): number {
    return this.base;
  }

  /** Floats currently reserved. */
  get reserved(): number {
    return this.capacity;
  }

  /** Frees the slab. Idempotent. */
  dispose(): void {
    if (this.base !== 0) this.heap.release(this.base);
    this.base = 0;
    this.capacity = 0;
  }
}
