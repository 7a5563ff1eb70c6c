import type { Backend } from './backend.ts';
import { Heap } from './heap.ts';
import type { AllKernels } from './backend.ts';

/** The raw exports of strand's wasm module: the kernels plus `memory` and `heap_base`. */
export interface WasmExports extends AllKernels {
  readonly memory: WebAssembly.Memory;
  heap_base(): number;
  [name: string]: unknown;
}

/**
 * Which build of the kernel module: `'simd'` (WebAssembly fixed-width SIMD, whose numbers are the
 * reference) or `'relaxed'` (the same kernels compiled with relaxed SIMD, which may differ in the
 * last bits).
 */
export type WasmFlavor = 'simd' | 'relaxed';

/** One build of the kernel module, as shipped beside strand's JavaScript. */
export interface WasmBuild {
  /** Its name, also {@link Backend.flavor} of a backend running it. */
  readonly flavor: WasmFlavor;
  /** Its file name in `build/` (in the repository) and in `dist/` (in the package). */
  readonly file: string;
  /** The WebAssembly feature it needs, in words, for error messages. */
  readonly needs: string;
  /** Whether this engine can run it. */
  supported(): boolean;
}

/** A tiny module using one v128 instruction: it validates only where WebAssembly SIMD exists. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** A tiny module using one relaxed-SIMD instruction (`i8x16.relaxed_swizzle`). */
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15,
  253, 128, 2, 11,
]);

/** Whether `WebAssembly.validate` accepts `probe` (false where WebAssembly itself is missing). */
function validates(probe: Uint8Array<ArrayBuffer>): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(probe);
  } catch {
    return false;
  }
}

/**
 * Every build of the kernel module, most preferred first: `init()` runs the first one the engine
 * supports. This is the one list of builds: the loaders, the dist build and the tests follow it
 * (a threaded build is added here, with a `supported()` that also checks for shared memory). The
 * repository's reference builds (`build/strand-reference*.wasm`: the same kernels plus the scalar
 * `_ref` twins and bench-only kernels, for tests and benchmarks) are not builds of the package and
 * are never listed here.
 */
export const WASM_BUILDS: readonly WasmBuild[] = [
  {
    flavor: 'relaxed',
    file: 'strand-relaxed.wasm',
    needs: 'WebAssembly relaxed SIMD',
    supported: () => validates(SIMD_PROBE) && validates(RELAXED_PROBE),
  },
  { flavor: 'simd', file: 'strand-simd.wasm', needs: 'WebAssembly SIMD', supported: () => validates(SIMD_PROBE) },
];

/** The flavors of {@link WASM_BUILDS}, in order of preference. */
export const WASM_FLAVORS: readonly WasmFlavor[] = WASM_BUILDS.map((b) => b.flavor);

/** The build named `flavor`, or `undefined` for a name that is not one. */
export function wasmBuild(flavor: string): WasmBuild | undefined {
  return WASM_BUILDS.find((b) => b.flavor === flavor);
}

/** Whether this engine supports WebAssembly with fixed-width SIMD. */
export function wasmSimdSupported(): boolean {
  return validates(SIMD_PROBE);
}

/** The builds this engine can run, most preferred first. */
export function supportedWasmBuilds(): WasmBuild[] {
  return WASM_BUILDS.filter((b) => b.supported());
}

/**
 * Instantiates the kernel module (compiled or bytes) and wraps it as a {@link Backend}.
 * @param source the compiled module or its bytes
 * @param flavor which build it is, reported as {@link Backend.flavor} (default `'simd'`)
 */
export async function createWasmBackend(
  source: WebAssembly.Module | BufferSource,
  flavor: string = 'simd',
): Promise<Backend> {
  const instance =
    source instanceof WebAssembly.Module
      ? await WebAssembly.instantiate(source, {})
      : (await WebAssembly.instantiate(source, {})).instance;
  const exports = instance.exports as unknown as WasmExports;
  if (!(exports.memory instanceof WebAssembly.Memory) || typeof exports.heap_base !== 'function') {
    throw new TypeError(
      "strand: this WebAssembly module is not strand's kernel module (it exports no memory / heap_base)",
    );
  }
  const heap = new Heap(exports.memory, exports.heap_base());
  return { name: 'wasm', flavor, heap, kernels: exports, exports } as Backend & { exports: WasmExports };
}
