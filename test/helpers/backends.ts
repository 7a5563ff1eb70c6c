// Test helpers: both backends, side by side, each with its own memory (the wasm one on the
// reference build, see builds.ts). Page-safe: the same file runs under Node and in headless
// Chromium (vitest's 'chromium' project).
import type { Backend } from '../../src/backend/backend.ts';
import { createJsBackend } from '../../src/backend/js/index.ts';
import { createWasmBackend, type WasmExports } from '../../src/backend/wasm.ts';
import { builtModule, REFERENCE_BUILD } from './builds.ts';

/**
 * The compiled kernel module the tests run: the reference build (build/strand-reference.wasm, see
 * {@link REFERENCE_BUILD}), whose kernels are those of the published plain-SIMD build and which
 * also exports the scalar `_ref` twins that kernel tests compare against in the same memory.
 */
export function wasmModule(): Promise<WebAssembly.Module> {
  return builtModule(REFERENCE_BUILD);
}

/**
 * A fresh WebAssembly backend on the reference build: the plain-SIMD kernels (flavor `'simd'`),
 * with the `_ref` twins, `exp_lanes`, `ceiling_4x8` and `peak_12` among its exports.
 */
export async function wasmBackend(): Promise<Backend & { exports: WasmExports }> {
  return (await createWasmBackend(await wasmModule())) as Backend & { exports: WasmExports };
}

/** A fresh pure-TypeScript backend. */
export function jsBackend(): Backend {
  return createJsBackend();
}

/** Both backends, fresh, by name. */
export async function bothBackends(): Promise<Backend[]> {
  return [await wasmBackend(), jsBackend()];
}

/** Seeded uniform values in [lo, hi) (mulberry32), for test data. */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = lo + (hi - lo) * u;
  }
  return out;
}

/** Copies `data` into a fresh heap block of `backend`; returns its pointer. */
export function put(backend: Backend, data: ArrayLike<number>): number {
  const ptr = backend.heap.allocF32(Math.max(1, data.length));
  backend.heap.write(ptr, data);
  return ptr;
}

/** max |a - b| and max |a - b| / max(|b|, floor) over two arrays of equal length. */
export function maxErrors(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): { abs: number; rel: number } {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= abs)) abs = d; // NaN-propagating max
    const r = d / Math.max(Math.abs(b[i]), floor);
    if (!(r <= rel)) rel = r;
  }
  return { abs, rel };
}
