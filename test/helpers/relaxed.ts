// Test helper: the relaxed-SIMD build of the kernels (build/strand-relaxed.wasm). Node 20 accepts
// relaxed SIMD only behind a V8 flag, which a test may set before compiling (the library never
// does); Chromium, Deno, Bun and workerd have it on by default.
import type { Backend } from '../../src/backend/backend.ts';
import { createWasmBackend, type WasmExports } from '../../src/backend/wasm.ts';

/** The smallest module using f32x4.relaxed_madd: it validates only where relaxed SIMD exists. */
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11]);

/** Turns relaxed SIMD on in Node (a V8 flag, set before any relaxed module is compiled); true if available. */
export async function enableRelaxedSimd(): Promise<boolean> {
  if (WebAssembly.validate(RELAXED_PROBE)) return true;
  if (typeof process !== 'undefined' && process.versions?.node) {
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  }
  return WebAssembly.validate(RELAXED_PROBE);
}

/** The relaxed build's bytes. */
async function relaxedBytes(): Promise<Uint8Array> {
  const url = new URL('../../build/strand-relaxed.wasm', import.meta.url);
  if (typeof process !== 'undefined' && process.versions?.node && url.protocol === 'file:') {
    const { readFileSync } = await import('node:fs');
    return readFileSync(url);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not fetch ${url}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** A fresh backend on the relaxed-SIMD build; throws if the engine cannot run it. */
export async function relaxedBackend(): Promise<Backend & { exports: WasmExports }> {
  if (!(await enableRelaxedSimd())) throw new Error('this engine does not support WebAssembly relaxed SIMD');
  return (await createWasmBackend(await relaxedBytes())) as Backend & { exports: WasmExports };
}
