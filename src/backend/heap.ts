/**
 * The one allocator over a backend's memory. Both backends use it: the WebAssembly backend over
 * its linear memory (growing with `memory.grow`), the pure-TypeScript backend over an
 * ArrayBuffer (growing by copy into a larger one). Kernels never allocate; only this heap does.
 *
 * Memory rule: growing replaces the underlying buffer, which detaches (wasm) or orphans (JS)
 * every view over the old one. Never keep a `Float32Array` from {@link Heap.f32} in a field:
 * ask for it at the point of use.
 */

/** Every block starts and ends on this many bytes (a cache line; ≥ 16 for aligned v128 loads). */
export const ALIGN = 64;

const PAGE = 65536;

/** What a backend's memory must offer the heap. */
export interface GrowableMemory {
  /** The current buffer (replaced by every grow). */
  readonly buffer: ArrayBuffer;
  /** Grows by `pages` 64 KiB pages; returns the previous size in pages. */
  grow(pages: number): number;
}

/** A memory over a plain ArrayBuffer that grows by copying into a larger one. */
export class ArrayBufferMemory implements GrowableMemory {
  private current: ArrayBuffer;
  constructor(initialPages: number) {
    this.current = new ArrayBuffer(initialPages * PAGE);
  }
  /** The current buffer. */
  get buffer(): ArrayBuffer {
    return this.current;
  }
  /** Grows by copy; old views keep pointing at the old buffer (as stale as detached ones). */
  grow(pages: number): number {
    const before = this.current.byteLength / PAGE;
    const next = new ArrayBuffer(this.current.byteLength + pages * PAGE);
    new Uint8Array(next).set(new Uint8Array(this.current));
    this.current = next;
    return before;
  }
}

/** Allocation statistics of a {@link Heap}. */
export interface HeapStats {
  /** Bytes in live blocks. */
  bytesInUse: number;
  /** The most bytes ever live at once. */
  peakBytes: number;
  /** Number of live blocks. */
  blocks: number;
  /** Size of the memory in bytes (grows, never shrinks). */
  memoryBytes: number;
  /** How many times the memory has grown. */
  grows: number;
}

/**
 * A first-fit allocator with coalescing free lists, over a backend's growable memory (the wasm
 * linear memory, or an ArrayBuffer that grows by copy). Every backend builds its own; reach it as
 * {@link Backend.heap}.
 * Bookkeeping lives in JavaScript maps, not in the memory, so a kernel that writes out of bounds
 * cannot corrupt it (and tests can detect the overrun instead).
 */
export class Heap {
  private readonly memory: GrowableMemory;
  private readonly base: number;
  private top: number;
  /** Free blocks: start → size, kept sorted on demand. */
  private readonly free = new Map<number, number>();
  private readonly live = new Map<number, number>();
  private inUse = 0;
  private peak = 0;
  private growCount = 0;
  private cachedBuffer: ArrayBuffer | null = null;
  private cachedF32: Float32Array | null = null;

  /**
   * @internal Backends build their heap; users reach it as {@link Backend.heap}.
   * @param memory the memory to manage
   * @param base first usable byte (above any static data); rounded up to {@link ALIGN}.
   *   Must be > 0 so that pointer 0 can mean "absent".
   */
  constructor(memory: GrowableMemory, base: number) {
    this.memory = memory;
    this.base = Math.max(ALIGN, roundUp(base));
    this.top = this.base;
  }

  /** Allocates `bytes` (rounded up to a multiple of `ALIGN`, 64 bytes); returns a byte offset, never 0. */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) {
      throw new RangeError(`Heap.alloc: bytes must be a non-negative integer, received ${bytes}`);
    }
    const size = Math.max(ALIGN, roundUp(bytes));
    let ptr = -1;
    for (const [start, len] of this.free) {
      if (len >= size) {
        ptr = start;
        this.free.delete(start);
        if (len > size) this.free.set(start + size, len - size);
        break;
      }
    }
    if (ptr < 0) {
      ptr = this.top;
      this.ensure(ptr + size);
      this.top += size;
    }
    this.live.set(ptr, size);
    this.inUse += size;
    if (this.inUse > this.peak) this.peak = this.inUse;
    return ptr;
  }

  /** Allocates room for `n` float32 values, zero-filled. */
  allocF32(n: number): number {
    const ptr = this.alloc(n * 4);
    new Uint8Array(this.memory.buffer, ptr, roundUp(n * 4) || ALIGN).fill(0);
    return ptr;
  }

  /**
   * Starts a new peak measurement: `stats().peakBytes` becomes the bytes in use now, and from then
   * on the most bytes live at once (for measuring one workload on a shared heap).
   */
  resetPeak(): void {
    this.peak = this.inUse;
  }

  /** Frees a block returned by {@link alloc}. Freeing 0 is a no-op; a double free throws. */
  release(ptr: number): void {
    if (ptr === 0) return;
    const size = this.live.get(ptr);
    if (size === undefined) throw new Error(`Heap.release: ${ptr} is not a live block (double free?)`);
    this.live.delete(ptr);
    this.inUse -= size;
    let start = ptr;
    let len = size;
    // coalesce with the neighbours
    for (const [s, l] of this.free) {
      if (s + l === start) {
        this.free.delete(s);
        start = s;
        len += l;
        break;
      }
    }
    const after = this.free.get(start + len);
    if (after !== undefined) {
      this.free.delete(start + len);
      len += after;
    }
    if (start + len === this.top) this.top = start;
    else this.free.set(start, len);
  }

  /** A fresh Float32Array view of `n` floats at `ptr`. Do not keep it across allocations. */
  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  /** A Float32Array over the whole memory, rebuilt only when the memory has grown. */
  all(): Float32Array {
    const buffer = this.memory.buffer;
    if (buffer !== this.cachedBuffer || this.cachedF32 === null) {
      this.cachedBuffer = buffer;
      this.cachedF32 = new Float32Array(buffer);
    }
    return this.cachedF32;
  }

  /** Copies `src` into the heap at `ptr`. */
  write(ptr: number, src: ArrayLike<number>): void {
    this.all().set(src, ptr >>> 2);
  }

  /** Copies `n` floats at `ptr` out of the heap into a new array (or into `out`). */
  read(ptr: number, n: number, out?: Float32Array): Float32Array {
    const from = ptr >>> 2;
    if (out === undefined) return this.all().slice(from, from + n);
    out.set(this.all().subarray(from, from + n));
    return out;
  }

  /** Grows the memory by at least `bytes` (used by tests to force a `memory.grow`). */
  growBy(bytes: number): void {
    this.memory.grow(Math.ceil(bytes / PAGE));
    this.growCount++;
  }

  /** Current statistics. */
  stats(): HeapStats {
    return {
      bytesInUse: this.inUse,
      peakBytes: this.peak,
      blocks: this.live.size,
      memoryBytes: this.memory.buffer.byteLength,
      grows: this.growCount,
    };
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // grow geometrically so that many small allocations do not grow one page at a time; where the
    // runtime refuses that much, grow by exactly what this block needs, else say so in strand's words
    const need = Math.ceil((end - have) / PAGE);
    const want = Math.max(need, Math.ceil((have >>> 1) / PAGE));
    try {
      this.memory.grow(want);
    } catch (first) {
      try {
        if (want === need) throw first;
        this.memory.grow(need);
      } catch (error) {
        const mib = (n: number): string => `${Math.ceil(n / 2 ** 20)} MiB`;
        throw new RangeError(
          `Heap.alloc: the runtime cannot grow this backend's memory from ${mib(have)} to ${mib(end)} ` +
            `(${(error as Error).message}); free models you no longer need, or make this one smaller`,
        );
      }
    }
    this.growCount++;
  }
}

function roundUp(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
