// Test helper: the relaxed-SIMD build of the kernels (build/strand-relaxed.wasm). Node 20 accepts
// relaxed SIMD only behind a V8 flag, which a test may set before compiling (the library never
// does); Chromium, Deno, Bun and workerd have it on by default.
import type { Backend } from '../../src/backend/backend.ts';
import { createBackend } from '../../src/backend/index.ts';
import { wasmBuild, type WasmExports } from '../../src/backend/wasm.ts';

/** Turns relaxed SIMD on in Node (a V8 flag, set before any relaxed module is compiled); true if available. */
export async function enableRelaxedSimd(): Promise<boolean> {
  const relaxed = wasmBuild('relaxed')!;
  if (relaxed.supported()) return true;
  if (typeof process !== 'undefined' && process.versions?.node) {
    const v8 = 'node:v8'; // a variable, so that bundlers leave it out of the page
    ((await import(/* @vite-ignore */ v8)) as typeof import('node:v8')).setFlagsFromString(
      '--experimental-wasm-relaxed-simd',
    );
  }
  return relaxed.supported();
}

/** A fresh backend on the relaxed-SIMD build, loaded as `init()` loads it; throws if the engine cannot run it. */
export async function relaxedBackend(): Promise<Backend & { exports: WasmExports }> {
  if (!(await enableRelaxedSimd())) throw new Error('this engine does not support WebAssembly relaxed SIMD');
  return (await createBackend({ backend: 'wasm', flavor: 'relaxed' })) as Backend & { exports: WasmExports };
}
