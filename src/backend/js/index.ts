// The pure-TypeScript backend: the heap over an ordinary ArrayBuffer (growing by copy) and the
// kernel table of kernels.ts over it. The twin of the WebAssembly backend (src/backend/wasm.ts),
// file for file with assembly/ (see kernels.ts).

import type { Backend } from '../backend.ts';
import { ArrayBufferMemory, Heap } from '../heap.ts';
import { createJsKernels } from './kernels.ts';

/** Creates the pure-TypeScript backend over an ordinary ArrayBuffer. */
export function createJsBackend(): Backend {
  const memory = new ArrayBufferMemory(16);
  const heap = new Heap(memory, 64);
  return {
    name: 'js',
    flavor: 'typescript',
    heap,
    kernels: createJsKernels(() => heap.all()),
  };
}
