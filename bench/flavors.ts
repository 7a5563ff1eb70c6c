// The strand systems the benchmark suite times: the WebAssembly kernels in each build this engine
// can run — plain SIMD (`strand-wasm`, the reference build) and relaxed SIMD (`strand-wasm-relaxed`,
// whose multiply-adds may fuse) — and the pure-TypeScript backend (`strand-js`). Node 20 runs the
// relaxed build only with `--experimental-wasm-relaxed-simd`, which `npm run bench` passes; newer
// engines (Chromium, Deno, Bun, workerd, Node 22+) run it by default.
import { readFileSync } from 'node:fs';
import { createBackend, type Backend } from '../src/index.ts';
import { createWasmBackend } from '../src/backend/wasm.ts';
import { createThreadedBackend, threadsSupported } from '../src/backend/threads.ts';
import { spawnNodeThread } from '../src/platform/threads.node.ts';

/** A module using f32x4.relaxed_madd: it validates only where relaxed SIMD exists. */
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11]);

/** Whether this engine runs WebAssembly relaxed SIMD. */
export const relaxedSimdAvailable = (): boolean => WebAssembly.validate(RELAXED_PROBE);

/** A fresh backend on one wasm build (read from build/). */
export async function wasmFlavor(flavor: 'simd' | 'relaxed'): Promise<Backend> {
  return createWasmBackend(readFileSync(new URL(`../build/strand-${flavor}.wasm`, import.meta.url)), flavor);
}

/** A fresh two-thread backend on the threaded build of `flavor` (workers from worker_threads). */
export async function threadedFlavor(flavor: 'simd' | 'relaxed'): Promise<Backend> {
  const file = flavor === 'relaxed' ? 'strand-threads-relaxed.wasm' : 'strand-threads.wasm';
  const module = new WebAssembly.Module(readFileSync(new URL(`../build/${file}`, import.meta.url)));
  return createThreadedBackend(module, { threads: 2, spawn: spawnNodeThread, flavor: `threads-${flavor}` });
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
