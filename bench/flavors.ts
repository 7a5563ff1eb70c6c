// The strand systems the benchmark suite times: the WebAssembly kernels in each build this engine
// can run — plain SIMD (`strand-wasm`, whose numbers are the reference) and relaxed SIMD
// (`strand-wasm-relaxed`, whose multiply-adds may fuse) — and the pure-TypeScript backend
// (`strand-js`). Node 20 runs the relaxed build only with `--experimental-wasm-relaxed-simd`, which
// `npm run bench` passes; newer engines (Chromium, Deno, Bun, workerd, Node 22+) run it by default.
// Also each build's reference twin in build/ (never shipped), for the bench-only kernels.
import { readFile } from 'node:fs/promises';
import { createBackend, type Backend } from '../src/index.ts';
import { createWasmBackend, wasmBuild } from '../src/backend/wasm.ts';
import { threadsSupported } from '../src/backend/threads.ts';

/** Whether this engine runs WebAssembly relaxed SIMD (the library's own feature test). */
export const relaxedSimdAvailable = (): boolean => wasmBuild('relaxed')?.supported() ?? false;

/** A fresh backend on one wasm build, loaded as `init()` loads it. */
export function wasmFlavor(flavor: 'simd' | 'relaxed'): Promise<Backend> {
  return createBackend({ backend: 'wasm', flavor });
}

/**
 * The reference build of each flavor (assembly/build.mjs): the same kernels plus the scalar `_ref`
 * twins and the bench-only `ceiling_4x8` / `peak_12`, which the published builds leave out.
 */
const REFERENCE_FILES = { simd: 'strand-reference.wasm', relaxed: 'strand-reference-relaxed.wasm' } as const;

/** A fresh backend on the reference build of `flavor`, read from build/ (`npm run build:wasm`). */
export async function referenceFlavor(flavor: 'simd' | 'relaxed'): Promise<Backend> {
  const bytes = await readFile(new URL(`../build/${REFERENCE_FILES[flavor]}`, import.meta.url));
  return createWasmBackend(bytes, flavor);
}

/** A fresh two-thread backend on the threaded twin of `flavor` (workers from worker_threads). */
export async function threadedFlavor(flavor: 'simd' | 'relaxed'): Promise<Backend> {
  const backend = await createBackend({ backend: 'wasm', flavor, threads: 2 });
  if (backend.threads !== 2) throw new Error(`bench: asked for 2 threads, got ${backend.threads ?? 1}`);
  return backend;
}

/**
 * The strand systems to time, by name: plain SIMD, relaxed SIMD where available, the fastest of
 * them on two threads (`…-2t`) where shared memory is, and pure TS.
 * @param threads include the two-thread system (default true)
 */
export async function strandSystems(threads = true): Promise<Array<[string, Backend]>> {
  const systems: Array<[string, Backend]> = [['strand-wasm', await wasmFlavor('simd')]];
  if (relaxedSimdAvailable()) systems.push(['strand-wasm-relaxed', await wasmFlavor('relaxed')]);
  if (threads && threadsSupported()) {
    const flavor = relaxedSimdAvailable() ? 'relaxed' : 'simd';
    systems.push([`${referenceSystem()}-2t`, await threadedFlavor(flavor)]);
  }
  systems.push(['strand-js', await createBackend({ backend: 'js' })]);
  return systems;
}

/** The system the ratios are taken against: the fastest strand build this engine runs. */
export const referenceSystem = (): string => (relaxedSimdAvailable() ? 'strand-wasm-relaxed' : 'strand-wasm');
