// K1, the kernel benchmark: single-threaded SGEMM throughput on 256×256×256 and on 32×1024×256 (a
// batch-32 recurrent step: B·H × H·4H), with tinybench, GFLOP/s = 2·M·N·K / median time, beside
// the ceiling the same machine measures with a register-only kernel.
//
// Rows per strand system (see flavors.ts):
// - `K1 …`: gemm_packed with B packed beforehand — the kernel the recurrent layers run, whose
//   weights are packed once per sequence call, not per step (pure TS: its gemm_nn);
// - `K1 … unpacked B`: gemm_nn on a plain row-major B (what a one-off product costs);
// - `K1 ceiling`: the register-only 4×8 kernel (the same arithmetic as the micro-kernel, no memory
//   traffic), i.e. what the tile's 8 accumulator chains reach on this machine, in this engine;
// - `K1 peak`: the same with 12 accumulators, enough to hide the multiply-add latency: the
//   machine's f32x4 peak in this engine.
// Both register-only kernels (assembly/ceiling.ts) run on the wasm build's reference twin
// (flavors.ts: referenceFlavor), since the published builds leave them out.
//
// `benchKernels({ quick })` returns the rows for bench/index.ts; `npx tsx bench/kernels.ts` runs it
// alone (add `--quick` for a short run, `--all` for extra shapes: batch-1, padded strides, gemm_nt
// and gemm_tn).
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import type { Backend } from '../src/backend/index.ts';
import { referenceFlavor, strandSystems } from './flavors.ts';
import type { Row } from './types.ts';
import { noise } from './workloads.ts';

/** One GEMM shape to time. */
interface GemmShape {
  id: string;
  /** `packed`: gemm_packed with B packed beforehand (as the recurrent kernels keep their weights). */
  op: 'nn' | 'nt' | 'tn' | 'packed';
  M: number;
  N: number;
  K: number;
  /** Extra floats per row of B beyond its width (0: dense). */
  padB?: number;
}

/** The K1 shapes. */
const K1: GemmShape[] = [
  { id: 'K1 256x256x256', op: 'packed', M: 256, N: 256, K: 256 },
  { id: 'K1 32x1024x256', op: 'packed', M: 32, N: 1024, K: 256 },
  { id: 'K1 256x256x256 unpacked B', op: 'nn', M: 256, N: 256, K: 256 },
  { id: 'K1 32x1024x256 unpacked B', op: 'nn', M: 32, N: 1024, K: 256 },
];

/** Extra shapes for `--all`: batch-1 (GEMV-like), a padded B stride, and the other two kernels. */
const EXTRA: GemmShape[] = [
  { id: 'packed 1x1024x256', op: 'packed', M: 1, N: 1024, K: 256 },
  { id: 'nn 1x1024x256', op: 'nn', M: 1, N: 1024, K: 256 },
  { id: 'nn 32x1024x256 ldb+16', op: 'nn', M: 32, N: 1024, K: 256, padB: 16 },
  { id: 'nt 32x1024x256', op: 'nt', M: 32, N: 1024, K: 256 },
  { id: 'tn 1024x256x1600', op: 'tn', M: 1024, N: 256, K: 1600 },
];

/** The wasm-only exports K1 uses (internal to the sequence kernels, not in the Kernels contract). */
interface PackedExports {
  packed_size(K: number, N: number): number;
  pack_b(K: number, N: number, B: number, ldb: number, P: number): void;
  gemm_packed(
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: number,
    lda: number,
    P: number,
    beta: number,
    C: number,
    ldc: number,
  ): void;
}

/** The bench-only exports of a reference build (assembly/ceiling.ts). */
interface CeilingExports {
  ceiling_4x8(iters: number, out: number): void;
  peak_12(iters: number, out: number): void;
}

/** The packed exports of a wasm backend, or null for the pure-TS backend. */
const packedExports = (backend: Backend): PackedExports | null =>
  (backend as Backend & { exports?: PackedExports }).exports ?? null;

/** Median milliseconds of one call of `fn`, measured by tinybench. */
async function medianMs(fn: () => void, quick: boolean): Promise<number> {
  const bench = new Bench({
    time: quick ? 200 : 1000,
    warmupTime: quick ? 50 : 250,
    iterations: 5,
    warmupIterations: 2,
  });
  bench.add('gemm', fn);
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') {
    throw new Error(`benchmark task ${result.state}${'error' in result ? `: ${String(result.error)}` : ''}`);
  }
  return result.latency.p50;
}

/** Times one shape on one system; returns its row (value in GFLOP/s), or null when not applicable. */
async function benchShape(system: string, backend: Backend, s: GemmShape, quick: boolean): Promise<Row | null> {
  const px = packedExports(backend);
  // the pure-TS backend has no packed kernel: its K1 row is its gemm_nn (no unpacked twin row)
  if (!px && s.op === 'nn' && s.id.startsWith('K1')) return null;
  const op = s.op === 'packed' && !px ? 'nn' : s.op;
  const aRows = op === 'tn' ? s.K : s.M;
  const aCols = op === 'tn' ? s.M : s.K;
  const bRows = op === 'nt' ? s.N : s.K;
  const bCols = (op === 'nt' ? s.K : s.N) + (s.padB ?? 0);
  const { heap, kernels } = backend;
  const A = heap.allocF32(aRows * aCols);
  const B = heap.allocF32(bRows * bCols);
  const P = px ? heap.allocF32(px.packed_size(s.K, s.N)) : 0;
  const C = heap.allocF32(s.M * s.N);
  try {
    heap.write(A, noise(aRows * aCols, 1));
    heap.write(B, noise(bRows * bCols, 2));
    let run: () => void;
    if (op === 'packed' && px) {
      px.pack_b(s.K, s.N, B, bCols, P);
      run = () => px.gemm_packed(s.M, s.N, s.K, 1, A, aCols, P, 0, C, s.N);
    } else {
      const gemm = kernels[`gemm_${op as 'nn' | 'nt' | 'tn'}`].bind(kernels);
      run = () => gemm(s.M, s.N, s.K, 1, A, aCols, B, bCols, 0, C, s.N);
    }
    const ms = await medianMs(run, quick);
    const gflops = (2 * s.M * s.N * s.K) / (ms * 1e6);
    return { id: s.id, backend: system, value: gflops, unit: 'GFLOP/s', gflops };
  } finally {
    heap.release(A);
    heap.release(B);
    heap.release(P);
    heap.release(C);
  }
}

/**
 * The register-only ceilings of one wasm build, run on its reference twin (the same compiler
 * flags): its 4×8 tile's arithmetic (64 FLOP per iteration, 8 accumulators) and the f32x4 peak
 * with 12 accumulators (96 FLOP per iteration).
 */
async function benchCeilings(system: string, flavor: 'simd' | 'relaxed', quick: boolean): Promise<Row[]> {
  const backend = await referenceFlavor(flavor);
  const px = (backend as Backend & { exports: CeilingExports }).exports;
  const out = backend.heap.allocF32(8);
  try {
    const iters = 1_000_000;
    const rows: Row[] = [];
    for (const [id, run, flop] of [
      ['K1 ceiling (register-only 4×8 tile)', px.ceiling_4x8, 64],
      ['K1 peak (register-only, 12 accumulators)', px.peak_12, 96],
    ] as const) {
      const ms = await medianMs(() => run(iters, out), quick);
      const gflops = (flop * iters) / (ms * 1e6);
      rows.push({ id, backend: system, value: gflops, unit: 'GFLOP/s', gflops });
    }
    return rows;
  } finally {
    backend.heap.release(out);
  }
}

/**
 * K1: SGEMM GFLOP/s on 256×256×256 and 32×1024×256, single-threaded, for every strand system
 * (plain and relaxed SIMD builds, pure TypeScript), plus each wasm build's register-only ceiling and peak.
 * @param opts.quick shorter timing budget
 * @param opts.all also time the extra shapes (batch-1, padded ldb, gemm_nt, gemm_tn)
 */
export async function benchKernels(opts: { quick?: boolean; all?: boolean } = {}): Promise<Row[]> {
  const quick = opts.quick ?? false;
  const shapes = opts.all ? [...K1, ...EXTRA] : K1;
  const systems = await strandSystems(false);
  const rows: Row[] = [];
  for (const [system, backend] of systems) {
    if (packedExports(backend))
      rows.push(...(await benchCeilings(system, backend.flavor as 'simd' | 'relaxed', quick)));
  }
  for (const s of shapes) {
    for (const [system, backend] of systems) {
      const row = await benchShape(system, backend, s, quick);
      if (row) rows.push(row);
    }
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchKernels({ quick: process.argv.includes('--quick'), all: process.argv.includes('--all') });
  console.table(rows.map((r) => ({ id: r.id, system: r.backend, 'GFLOP/s': Number(r.value.toFixed(2)) })));
}
