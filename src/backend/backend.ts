import type { Heap } from './heap.ts';
import type { Kernels } from './kernels.ts';
import type { HeadKernels } from './head-kernels.ts';

/**
 * Every kernel a backend provides: the recurrent core ({@link Kernels}: GEMM, activations, RNN /
 * LSTM / GRU) and the head kernels ({@link HeadKernels}: embedding, dense, losses, flat vectors,
 * optimizers).
 */
export type AllKernels = Kernels & HeadKernels;

/** Which implementation runs the kernels. */
export type BackendName = 'wasm' | 'js';

/**
 * A compute backend: a heap over one memory and the kernels that work in it.
 * Everything above this interface is backend-agnostic.
 */
export interface Backend {
  /** `'wasm'` (WebAssembly SIMD) or `'js'` (pure TypeScript). */
  readonly name: BackendName;
  /** Which build runs the kernels, e.g. `'simd'` or `'typescript'`. */
  readonly flavor: string;
  /** The allocator over this backend's memory. */
  readonly heap: Heap;
  /** Every kernel, callable detached (see {@link Kernels} for the conventions). */
  readonly kernels: AllKernels;
  /** Threads the threaded kernels run on, the calling one included (absent: 1). */
  readonly threads?: number;
}
