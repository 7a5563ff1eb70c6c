// K1 of DESIGN.md §5: single-threaded SGEMM throughput of strand's kernels, C = A·B (gemm_nn) on
// 256×256×256 and on 32×1024×256 (a batch-32 recurrent step: B·H × H·4H), for the WebAssembly and
// the pure-TypeScript backends, with tinybench. GFLOP/s = 2·M·N·K / median time.
//
// `benchKernels({ quick })` returns the rows for bench/index.ts; `npx tsx bench/kernels.ts` runs it
// alone and prints a table (add `--quick` for a short run, `--all` for extra shapes: batch-1,
// padded strides, gemm_nt and gemm_tn).
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { createBackend, type Backend } from '../src/backend/index.ts';
import type { Row } from './types.ts';
import { noise } from './workloads.ts';

/** One GEMM shape to time. */
interface GemmShape {
  id: string;
  op: 'nn' | 'nt' | 'tn';
  M: number;
  N: number;
  K: number;
  /** Extra floats per row of B beyond its width (0: dense). */
  padB?: number;
}

/** The K1 shapes. */
const K1: GemmShape[] = [
  { id: 'K1 256x256x256', op: 'nn', M: 256, N: 256, K: 256 },
  { id: 'K1 32x1024x256', op: 'nn', M: 32, N: 1024, K: 256 },
];

/** Extra shapes for `--all`: batch-1 (GEMV-like), a padded B stride, and the other two kernels. */
const EXTRA: GemmShape[] = [
  { id: 'nn 1x1024x256', op: 'nn', M: 1, N: 1024, K: 256 },
  { id: 'nn 32x1024x256 ldb+16', op: 'nn', M: 32, N: 1024, K: 256, padB: 16 },
  { id: 'nt 32x1024x256', op: 'nt', M: 32, N: 1024, K: 256 },
  { id: 'tn 1024x256x1600', op: 'tn', M: 1024, N: 256, K: 1600 },
];


/** Median milliseconds of one call of `fn`, measured by tinybench. */
async function medianMs(fn: () => void, quick: boolean): Promise<number> {
  const bench = new Bench({ time: quick ? 200 : 1000, warmupTime: quick ? 50 : 250, iterations: 5, warmupIterations: 2 });
  bench.add('gemm', fn);
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') {
    throw new Error(`benchmark task ${result.state}${'error' in result ? `: ${String(result.error)}` : ''}`);
  }
  return result.latency.p50;
}

/** Times one shape on one backend; returns its row (value in GFLOP/s). */
async function benchShape(backend: Backend, s: GemmShape, quick: boolean): Promise<Row> {
  const aRows = s.op === 'tn' ? s.K : s.M;
  const aCols = s.op === 'tn' ? s.M : s.K;
  const bRows = s.op === 'nt' ? s.N : s.K;
  const bCols = (s.op === 'nt' ? s.K : s.N) + (s.padB ?? 0);
  const { heap, kernels } = backend;
  const A = heap.allocF32(aRows * aCols);
  const B = heap.allocF32(bRows * bCols);
  const C = heap.allocF32(s.M * s.N);
  try {
    heap.write(A, noise(aRows * aCols, 1));
    heap.write(B, noise(bRows * bCols, 2));
    const gemm = kernels[`gemm_${s.op}`].bind(kernels);
    const ms = await medianMs(() => gemm(s.M, s.N, s.K, 1, A, aCols, B, bCols, 0, C, s.N), quick);
    const gflops = (2 * s.M * s.N * s.K) / (ms * 1e6);
    return { id: s.id, backend: backend.name, value: gflops, unit: 'GFLOP/s', gflops };
  } finally {
    heap.release(A);
    heap.release(B);
    heap.release(C);
  }
}

/**
 * K1: SGEMM GFLOP/s of gemm_nn on 256×256×256 and 32×1024×256, single-threaded, for the wasm
 * backend and (when it loads) the pure-TypeScript backend.
 * @param opts.quick shorter timing budget
 * @param opts.all also time the extra shapes (batch-1, padded ldb, gemm_nt, gemm_tn)
 */
export async function benchKernels(opts: { quick?: boolean; all?: boolean } = {}): Promise<Row[]> {
  const quick = opts.quick ?? false;
  const shapes = opts.all ? [...K1, ...EXTRA] : K1;
  const backends: Backend[] = [await createBackend({ backend: 'wasm' })];
  try {
    backends.push(await createBackend({ backend: 'js' }));
  } catch (error) {
    console.log(`(K1: skipping the pure-TypeScript backend, which failed to load: ${(error as Error).message})`);
  }
  const rows: Row[] = [];
  for (const s of shapes) {
    for (const backend of backends) rows.push(await benchShape(backend, s, quick));
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchKernels({ quick: process.argv.includes('--quick'), all: process.argv.includes('--all') });
  console.table(rows.map((r) => ({ id: r.id, backend: r.backend, 'GFLOP/s': Number(r.value.toFixed(2)) })));
}
