import type { Backend } from '../backend.ts';
import { ArrayBufferMemory, Heap } from '../heap.ts';
import { JsKernels } from './kernels.ts';

/** Creates the pure-TypeScript backend over an ordinary ArrayBuffer. */
export function createJsBackend(): Backend {
  const memory = new ArrayBufferMemory(16);
  const heap = new Heap(memory, 64);
  return { name: 'js', flavor: 'typescript', heap, kernels: new JsKernels(() => heap.all()) };
}
