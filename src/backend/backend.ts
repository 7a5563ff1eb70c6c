import type { Heap } from './heap.ts';
import type { Kernels } from './kernels.ts';
import type { TrainingKernels } from './training-kernels.ts';

/** Every kernel a backend provides: recurrent layers (kernels.ts) and heads, losses, optimizers. */
export type AllKernels = Kernels & TrainingKernels;

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
  /** The kernels (see {@link Kernels} for the conventions). */
  readonly kernels: AllKernels;
  /** Threads the threaded kernels run on, the calling one included (absent: 1). */
  readonly threads?: number;
}
