import type { Backend } from './backend.ts';
import { Heap } from './heap.ts';
import type { AllKernels } from './backend.ts';

/** The raw exports of strand's wasm module: the kernels plus `memory` and `heap_base`. */
export interface WasmExports extends AllKernels {
  readonly memory: WebAssembly.Memory;
  heap_base(): number;
  [name: string]: unknown;
}

/** A tiny module using one v128 instruction: it validates only where WebAssembly SIMD exists. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

/** Whether this engine supports WebAssembly with fixed-width SIMD. */
export function wasmSimdSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** Instantiates the kernel module (compiled or bytes) and wraps it as a {@link Backend}. */
export async function createWasmBackend(source: WebAssembly.Module | BufferSource): Promise<Backend> {
  const instance = source instanceof WebAssembly.Module
    ? await WebAssembly.instantiate(source, {})
    : (await WebAssembly.instantiate(source, {})).instance;
  const exports = instance.exports as unknown as WasmExports;
  const heap = new Heap(exports.memory, exports.heap_base());
  return { name: 'wasm', flavor: 'simd', heap, kernels: exports, exports } as Backend & { exports: WasmExports };
}
