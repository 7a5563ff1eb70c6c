// The packed-panel GEMM of assembly/packed.ts — pack_b, pack_bt, gemm_packed, gemm_packed_bias — against a float64
// reference computed here, in both builds: plain SIMD (to float32 rounding) and relaxed SIMD
// (whose fused multiply-adds round differently, so a slightly wider but still rounding-level
// bound). Sizes sweep {1, 2, 3, 4, 5, 7, 8, 9, 17, 33, 65} on M, N and K (the 1-row GEMV path, the
// 4-row tiles, leftover rows, partial 8-column panels), plus shapes that cross the K and row
// blocks; strides wider than the rows; alpha ≠ 1; beta ∈ {0, 1, 0.5} with C full of NaN when
// beta = 0; with and without a fused bias row; sentinels around and between C's rows must survive. Also: the panel layout itself, the
// arithmetic of the benchmark's register-only kernels (assembly/ceiling.ts, exported by the reference
// build that wasmBackend() loads, not by the published builds), and whole LSTM / GRU / RNN layers on
// the relaxed build against the plain build.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import type { WasmExports } from '../../src/backend/wasm.ts';
import { gruBackwardWork, lstmBackwardWork, rnnBackwardWork } from '../../src/backend/kernels.ts';
import { GRU, LSTM, RNN } from '../../src/index.ts';
import { maxErrors, randomArray, wasmBackend } from '../helpers/backends.ts';
import { relaxedBackend } from '../helpers/relaxed.ts';

/** The packed-GEMM exports (internal to the wasm sequence kernels; not part of the Kernels contract). */
interface PackedExports {
  packed_size(K: number, N: number): number;
  pack_b(K: number, N: number, B: number, ldb: number, P: number): void;
  pack_bt(K: number, N: number, W: number, ldw: number, P: number): void;
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
  gemm_packed_bias(
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: number,
    lda: number,
    P: number,
    beta: number,
    bias: number,
    C: number,
    ldc: number,
  ): void;
  gemm_tn_packed(
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: number,
    lda: number,
    B: number,
    ldb: number,
    beta: number,
    C: number,
    ldc: number,
    work: number,
  ): void;
  tn_packed_work(M: number, N1: number, N2: number, K: number): number;
  // the reference build's bench-only kernels (assembly/ceiling.ts)
  ceiling_4x8(iters: number, out: number): void;
  peak_12(iters: number, out: number): void;
}

type WasmBackend = Backend & { exports: WasmExports };
const packed = (b: WasmBackend): PackedExports => b.exports as unknown as PackedExports;

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 17, 33, 65];
const SENTINEL = -12345.5;
const GUARD = 11;
const EPS32 = 2 ** -23;

let plain: WasmBackend;
let relaxed: WasmBackend;

beforeAll(async () => {
  plain = await wasmBackend();
  relaxed = await relaxedBackend();
});

/** Allocates `n` floats surrounded by GUARD sentinels; returns the pointer to the first float. */
function guarded(backend: Backend, data: ArrayLike<number>): { ptr: number; base: number; n: number } {
  const n = data.length;
  const base = backend.heap.allocF32(n + 2 * GUARD);
  const all = new Float32Array(n + 2 * GUARD).fill(SENTINEL);
  all.set(data, GUARD);
  backend.heap.write(base, all);
  return { ptr: base + 4 * GUARD, base, n };
}

/**
 * Compares a guarded C (M rows of stride ldc, GUARD sentinels either side, sentinels in each row's
 * padding) with the float64 sum over q < K of term(i, q, j) plus the addends(i, j); returns the
 * worst error relative to the bound Σ|term| + Σ|addend| (so 1 = one float32 rounding per term)
 * and whether every sentinel held.
 */
function compareC(
  all: Float32Array,
  M: number,
  N: number,
  K: number,
  ldc: number,
  term: (i: number, q: number, j: number) => number,
  addends: (i: number, j: number) => number[],
): { scaled: number; sentinelsOk: boolean } {
  let sentinelsOk = true;
  for (let i = 0; i < GUARD; i++) sentinelsOk &&= all[i] === SENTINEL && all[GUARD + M * ldc + i] === SENTINEL;
  let scaled = 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < ldc; j++) {
      const got = all[GUARD + i * ldc + j];
      if (j >= N) {
        sentinelsOk &&= got === SENTINEL;
        continue;
      }
      let exact = 0,
        bound = 0;
      for (let q = 0; q < K; q++) {
        const t = term(i, q, j);
        exact += t;
        bound += Math.abs(t);
      }
      for (const a of addends(i, j)) {
        exact += a;
        bound += Math.abs(a);
      }
      const err = Math.abs(got - exact) / ((K + 2) * EPS32 * Math.max(bound, 1e-30));
      if (!(err <= scaled)) scaled = err; // NaN-propagating
    }
  }
  return { scaled, sentinelsOk };
}

interface Case {
  M: number;
  N: number;
  K: number;
  alpha: number;
  beta: number;
  pad: number;
  transposed: boolean;
  seed: number;
  bias?: boolean;
}

/**
 * Runs one gemm_packed case on `backend`: packs B (K,N) (or W (N,K) when `transposed`), computes
 * C = alpha·A·B + beta·C (+ a bias row through gemm_packed_bias when `bias`), and returns the worst
 * error relative to the float64 bound Σ|alpha·a·b| + |beta·c| + |bias| (so 1 = one float32
 * rounding per term), and whether every sentinel held.
 */
function runCase(backend: WasmBackend, c: Case): { scaled: number; sentinelsOk: boolean } {
  const { M, N, K, alpha, beta, pad, transposed, seed } = c;
  const lda = K + pad,
    ldb = N + pad,
    ldc = N + pad;
  const A = randomArray(M * lda, seed);
  const B = randomArray(K * N, seed + 1); // logical (K,N)
  const C0 = beta === 0 ? new Float32Array(M * ldc).fill(NaN) : randomArray(M * ldc, seed + 2, -2, 2);
  for (let i = 0; i < M; i++) for (let j = N; j < ldc; j++) C0[i * ldc + j] = SENTINEL; // row padding
  const stored = new Float32Array(transposed ? N * (K + pad) : K * ldb);
  if (transposed) for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) stored[n * (K + pad) + k] = B[k * N + n];
  else for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) stored[k * ldb + n] = B[k * N + n];
  const k = packed(backend);
  const heap = backend.heap;
  const a = guarded(backend, A);
  const b = guarded(backend, stored);
  const p = guarded(backend, new Float32Array(k.packed_size(K, N)));
  const cc = guarded(backend, C0);
  const biasRow = randomArray(N, seed + 3, -3, 3);
  const bias = guarded(backend, biasRow);
  try {
    if (transposed) k.pack_bt(K, N, b.ptr, K + pad, p.ptr);
    else k.pack_b(K, N, b.ptr, ldb, p.ptr);
    if (c.bias) k.gemm_packed_bias(M, N, K, alpha, a.ptr, lda, p.ptr, beta, bias.ptr, cc.ptr, ldc);
    else k.gemm_packed(M, N, K, alpha, a.ptr, lda, p.ptr, beta, cc.ptr, ldc);
    return compareC(
      heap.read(cc.base, M * ldc + 2 * GUARD),
      M,
      N,
      K,
      ldc,
      (i, q, j) => alpha * A[i * lda + q] * B[q * N + j],
      (i, j) => [beta !== 0 ? beta * C0[i * ldc + j] : 0, c.bias ? biasRow[j] : 0],
    );
  } finally {
    for (const g of [a, b, p, cc, bias]) heap.release(g.base);
  }
}

/** Every size on each axis, each size pair of two axes meeting at least once, with varied settings. */
function sweep(): Case[] {
  const cases: Case[] = [];
  let seed = 1;
  for (const M of SIZES) {
    for (const N of SIZES) {
      const K = SIZES[(M * 7 + N * 3) % SIZES.length];
      cases.push({
        M,
        N,
        K,
        alpha: [1, -0.75, 2.5][seed % 3],
        beta: [0, 1, 0.5][(seed >> 1) % 3],
        pad: seed % 4 === 0 ? 3 : 0,
        transposed: seed % 2 === 1,
        bias: seed % 5 < 2,
        seed: seed++,
      });
    }
  }
  for (const K of SIZES) cases.push({ M: 6, N: 12, K, alpha: 1, beta: 0, pad: 1, transposed: false, seed: seed++ });
  for (const K of SIZES)
    cases.push({
      M: 7,
      N: 13,
      K,
      alpha: -1.5,
      beta: K % 2 === 0 ? 0 : 0.5,
      pad: 2,
      transposed: true,
      bias: true,
      seed: seed++,
    });
  // across the K blocks, the row blocks, four-panel GEMV groups and partial panels
  for (const [M, N, K] of [
    [1, 1024, 256],
    [1, 37, 300],
    [3, 100, 520],
    [37, 70, 300],
    [64, 136, 600],
    [130, 24, 64],
  ]) {
    cases.push({ M, N, K, alpha: 1, beta: 1, pad: 0, transposed: true, seed: seed++ });
    cases.push({ M, N, K, alpha: 0.5, beta: 0, pad: 5, transposed: false, seed: seed++ });
    cases.push({ M, N, K, alpha: 1, beta: 0, pad: 1, transposed: true, bias: true, seed: seed++ });
  }
  return cases;
}

describe('packed panels', () => {
  it('pack_b and pack_bt lay B out as ⌈N/8⌉ panels of K rows × 8 floats, zero past N', () => {
    const k = packed(plain);
    for (const [K, N] of [
      [1, 1],
      [3, 8],
      [5, 13],
      [9, 17],
      [4, 31],
    ]) {
      expect(k.packed_size(K, N)).toBe(K * Math.ceil(N / 8) * 8);
      const B = randomArray(K * N, K * 100 + N);
      const W = new Float32Array(N * K);
      for (let n = 0; n < N; n++) for (let q = 0; q < K; q++) W[n * K + q] = B[q * N + n];
      for (const transposed of [false, true]) {
        const src = guarded(plain, transposed ? W : B);
        const dst = guarded(plain, new Float32Array(k.packed_size(K, N)).fill(7));
        if (transposed) k.pack_bt(K, N, src.ptr, K, dst.ptr);
        else k.pack_b(K, N, src.ptr, N, dst.ptr);
        const P = plain.heap.read(dst.base, dst.n + 2 * GUARD);
        for (let g = 0; g < GUARD; g++) expect(P[dst.n + GUARD + g]).toBe(SENTINEL);
        for (let p = 0; p < Math.ceil(N / 8); p++) {
          for (let q = 0; q < K; q++) {
            for (let cix = 0; cix < 8; cix++) {
              const n = 8 * p + cix;
              expect(P[GUARD + p * K * 8 + q * 8 + cix], `K${K} N${N} panel ${p} k ${q} col ${cix}`).toBe(
                n < N ? B[q * N + n] : 0,
              );
            }
          }
        }
        plain.heap.release(src.base);
        plain.heap.release(dst.base);
      }
    }
  });
});

describe.each([
  ['plain SIMD', () => plain, 1.01],
  // relaxed_madd may fuse: each term is rounded once instead of twice, still within the same bound
  ['relaxed SIMD', () => relaxed, 1.01],
] as const)('gemm_packed, %s build', (_name, backend, limit) => {
  it('matches float64 within float32 rounding over awkward sizes, strides, alpha and beta; sentinels hold', () => {
    let worst = 0;
    for (const c of sweep()) {
      const { scaled, sentinelsOk } = runCase(backend(), c);
      expect(sentinelsOk, `sentinels M${c.M} N${c.N} K${c.K}`).toBe(true);
      expect(
        scaled,
        `M${c.M} N${c.N} K${c.K} alpha ${c.alpha} beta ${c.beta} pad ${c.pad} transposed ${c.transposed} bias ${c.bias === true}`,
      ).toBeLessThanOrEqual(limit);
      worst = Math.max(worst, scaled);
    }
    expect(worst).toBeGreaterThan(0); // the comparison is live: float32 results are not exact
  });

  it('K = 0 scales C by beta (0 writes zeros over NaN)', () => {
    const b = backend();
    const k = packed(b);
    const c = guarded(b, [NaN, NaN, NaN]);
    k.gemm_packed(1, 3, 0, 1, c.ptr, 1, c.ptr, 0, c.ptr, 3);
    expect(Array.from(b.heap.read(c.ptr, 3))).toEqual([0, 0, 0]);
    b.heap.write(c.ptr, [1, 2, 4]);
    k.gemm_packed(1, 3, 0, 1, c.ptr, 1, c.ptr, 0.5, c.ptr, 3);
    expect(Array.from(b.heap.read(c.ptr, 3))).toEqual([0.5, 1, 2]);
    b.heap.release(c.base);
  });

  it('K = 0 with a bias: C = beta·C + bias (beta = 0 never reads C)', () => {
    const b = backend();
    const k = packed(b);
    const c = guarded(b, [NaN, NaN, NaN, NaN, NaN, NaN]);
    const bias = guarded(b, [1, -2, 8]);
    k.gemm_packed_bias(2, 3, 0, 1, c.ptr, 1, c.ptr, 0, bias.ptr, c.ptr, 3);
    expect(Array.from(b.heap.read(c.ptr, 6))).toEqual([1, -2, 8, 1, -2, 8]);
    k.gemm_packed_bias(2, 3, 0, 1, c.ptr, 1, c.ptr, 0.5, bias.ptr, c.ptr, 3);
    expect(Array.from(b.heap.read(c.ptr, 6))).toEqual([1.5, -3, 12, 1.5, -3, 12]);
    b.heap.release(c.base);
    b.heap.release(bias.base);
  });

  it('a row through the batch-1 path equals the same row inside a 4-row tile, bit for bit', () => {
    // The GEMV groups panels three at a time, then two or one; each column is one multiply-add
    // chain over k in order, as in the 4×8 tile, so neither the grouping nor the path changes a bit
    // (what keeps a batch-1 product identical however threads split its panels).
    const b = backend();
    const k = packed(b);
    for (const [N, K, withBias, beta] of [
      [8, 5, false, 0],
      [16, 33, true, 1],
      [24, 256, false, 0.5],
      [32, 64, true, 0],
      [40, 7, false, 1],
      [1024, 256, true, 1],
      [37, 100, false, 0],
    ] as const) {
      const A = randomArray(4 * K, N + K);
      const W = randomArray(N * K, N * K + 1);
      const C0 = randomArray(4 * N, N + 2, -2, 2);
      const a = guarded(b, A),
        w = guarded(b, W),
        bias = guarded(b, randomArray(N, N + 3));
      const p = guarded(b, new Float32Array(k.packed_size(K, N)));
      const one = guarded(b, C0.subarray(0, N)),
        four = guarded(b, C0);
      k.pack_bt(K, N, w.ptr, K, p.ptr);
      for (const [rows, c] of [
        [1, one],
        [4, four],
      ] as const) {
        if (withBias) k.gemm_packed_bias(rows, N, K, 0.75, a.ptr, K, p.ptr, beta, bias.ptr, c.ptr, N);
        else k.gemm_packed(rows, N, K, 0.75, a.ptr, K, p.ptr, beta, c.ptr, N);
      }
      const gemv = b.heap.read(one.ptr, N),
        tile = b.heap.read(four.ptr, N);
      const bits = (v: Float32Array) => Array.from(new Uint32Array(v.slice().buffer));
      expect(bits(gemv), `N ${N} K ${K}`).toEqual(bits(tile));
      expect(gemv.some((v, j) => v !== C0[j])).toBe(true); // the product was written
      for (const g of [a, w, bias, p, one, four]) b.heap.release(g.base);
    }
  });
});

interface TnCase {
  M: number;
  N: number;
  K: number;
  alpha: number;
  beta: number;
  pad: number;
  seed: number;
}

/**
 * Runs gemm_tn_packed: C (M,N) = alpha·A (K,M)ᵀ·B (K,N) + beta·C with its work sized by
 * tn_packed_work and guarded, so a kernel writing past its workspace fails; returns the worst error
 * relative to the float64 bound (as runCase) and whether every sentinel held.
 */
function runTnCase(backend: WasmBackend, c: TnCase): { scaled: number; sentinelsOk: boolean } {
  const { M, N, K, alpha, beta, pad, seed } = c;
  const lda = M + pad,
    ldb = N + pad,
    ldc = N + pad;
  const A = randomArray(K * lda, seed);
  const B = randomArray(K * ldb, seed + 1);
  const C0 = beta === 0 ? new Float32Array(M * ldc).fill(NaN) : randomArray(M * ldc, seed + 2, -2, 2);
  for (let i = 0; i < M; i++) for (let j = N; j < ldc; j++) C0[i * ldc + j] = SENTINEL;
  const k = packed(backend);
  const heap = backend.heap;
  const a = guarded(backend, A);
  const b = guarded(backend, B);
  const cc = guarded(backend, C0);
  const w = guarded(backend, new Float32Array(k.tn_packed_work(M, N, 0, K)));
  try {
    k.gemm_tn_packed(M, N, K, alpha, a.ptr, lda, b.ptr, ldb, beta, cc.ptr, ldc, w.ptr);
    const result = compareC(
      heap.read(cc.base, M * ldc + 2 * GUARD),
      M,
      N,
      K,
      ldc,
      (i, q, j) => alpha * A[q * lda + i] * B[q * ldb + j],
      (i, j) => [beta !== 0 ? beta * C0[i * ldc + j] : 0],
    );
    const work = heap.read(w.base, w.n + 2 * GUARD);
    for (let i = 0; i < GUARD; i++) result.sentinelsOk &&= work[i] === SENTINEL && work[GUARD + w.n + i] === SENTINEL;
    return result;
  } finally {
    for (const g of [a, b, cc, w]) heap.release(g.base);
  }
}

describe.each([
  ['plain SIMD', () => plain],
  ['relaxed SIMD', () => relaxed],
] as const)('gemm_tn_packed (the weight-gradient GEMM), %s build', (_name, backend) => {
  it('matches float64 within float32 rounding across its K chunks (256 rows) and column blocks (128); work and C sentinels hold', () => {
    let worst = 0;
    let seed = 500;
    // K: none, one row, a chunk less one, a chunk, a chunk and one, two chunks and a part;
    // M: one row, leftover rows, a column block less one and plus one, two blocks and a part
    const shapes = [
      [1, 1, 1],
      [5, 9, 255],
      [127, 17, 256],
      [129, 70, 257],
      [260, 9, 530],
      [33, 64, 513],
      [4, 1, 0],
      [130, 24, 1],
    ];
    for (const [M, N, K] of shapes) {
      for (const [alpha, beta, pad] of [
        [1, 1, 0],
        [-0.75, 0, 3],
        [2.5, 0.5, 1],
      ]) {
        const { scaled, sentinelsOk } = runTnCase(backend(), { M, N, K, alpha, beta, pad, seed: seed++ });
        expect(sentinelsOk, `sentinels M${M} N${N} K${K}`).toBe(true);
        expect(scaled, `M${M} N${N} K${K} alpha ${alpha} beta ${beta} pad ${pad}`).toBeLessThanOrEqual(1.01);
        worst = Math.max(worst, scaled);
      }
    }
    expect(worst).toBeGreaterThan(0);
  });
});

describe('backward workspaces', () => {
  it('hold what the weight-gradient GEMM asks of them (tn_packed_work over T·B rows), for every gate count and width', () => {
    const k = packed(plain);
    for (const [T, B, I, H] of [
      [1, 1, 1, 1],
      [50, 32, 128, 256],
      [4, 3, 300, 20],
      [1, 7, 5, 129],
      [200, 2, 1024, 64],
      [25, 1, 65, 100],
      [0, 3, 4, 5],
    ]) {
      const K = T * B;
      const at = `T${T} B${B} I${I} H${H}`;
      expect(lstmBackwardWork(T, B, I, H) - 2 * B * H, `LSTM ${at}`).toBeGreaterThanOrEqual(
        k.tn_packed_work(4 * H, I, H, K),
      );
      expect(gruBackwardWork(T, B, I, H) - 2 * B * H, `GRU ${at}`).toBeGreaterThanOrEqual(
        k.tn_packed_work(3 * H, I, H, K),
      );
      expect(rnnBackwardWork(T, B, I, H) - B * H, `RNN ${at}`).toBeGreaterThanOrEqual(k.tn_packed_work(H, I, H, K));
    }
  });

  it('a short sequence holds chunks of its own length, not of 256 rows', () => {
    const k = packed(plain);
    // W5's shape: 25 rows of K; the packed W_hh (H, H) is then the larger part of the workspace
    expect(k.tn_packed_work(100, 65, 100, 25)).toBe(100 * 25 + 25 * 72 + 25 * 104);
    expect(k.tn_packed_work(100, 65, 100, 1000)).toBe(100 * 256 + 256 * 72 + 256 * 104);
    expect(rnnBackwardWork(25, 1, 65, 100)).toBe(100 + 100 * 104);
    expect(rnnBackwardWork(25, 1, 65, 100)).toBeLessThan(rnnBackwardWork(256, 1, 65, 100));
  });
});

describe("ceiling_4x8 (the benchmark's register-only kernel)", () => {
  it('computes Σ over its 8 accumulators of iters · s_r · b (the arithmetic is really done)', () => {
    const k = packed(plain);
    const out = guarded(plain, [1, 2, 3, 4, 5, 6, 7, 8]);
    const iters = 1000;
    k.ceiling_4x8(iters, out.ptr);
    const got = plain.heap.read(out.ptr, 4);
    const s = [1.0001, 0.9999, 1.0002, 0.9998].map(Math.fround).reduce((x, y) => x + y, 0);
    for (let lane = 0; lane < 4; lane++) {
      const expected = iters * s * (lane + 1 + (lane + 5));
      expect(Math.abs(got[lane] - expected) / expected).toBeLessThan(1e-4);
    }
    plain.heap.release(out.base);
  });
});

describe("peak_12 (the benchmark's register-only peak kernel)", () => {
  it('computes Σ over its 12 accumulators (accumulator i starts at i) of i + iters · 1.0001 · b', () => {
    const k = packed(plain);
    const out = guarded(plain, [1, 2, 3, 4]);
    const iters = 1000;
    k.peak_12(iters, out.ptr);
    const got = plain.heap.read(out.ptr, 4);
    for (let lane = 0; lane < 4; lane++) {
      const expected = 66 + 12 * iters * Math.fround(1.0001) * (lane + 1);
      expect(Math.abs(got[lane] - expected) / expected).toBeLessThan(1e-4);
    }
    plain.heap.release(out.base);
  });
});

describe('whole layers on the relaxed build agree with the plain build', () => {
  it.each([
    ['LSTM', 'lstm'],
    ['GRU', 'gru'],
    ['RNN', 'rnn'],
  ] as const)(
    '%s: outputs and every gradient within 1e-4 relative (rounding, compounded through the steps)',
    (_name, kind) => {
      const T = 9,
        B = 3,
        I = 13,
        H = 20;
      const make = (backend: Backend) =>
        kind === 'lstm'
          ? new LSTM(I, H, { seed: 5, backend, numLayers: 2, bidirectional: true })
          : kind === 'gru'
            ? new GRU(I, H, { seed: 5, backend, resetAfter: false })
            : new RNN(I, H, { seed: 5, backend });
      const x = randomArray(T * B * I, 11);
      const results = [plain, relaxed].map((backend) => {
        const layer = make(backend);
        const out = layer.forward(x, { seqLen: T, batch: B });
        const dy = randomArray(out.output.length, 12);
        const grads = layer.backward({ output: dy });
        const flat = Object.values(layer.gradDict()).flatMap((g) => Array.from(g));
        const result = { y: Array.from(out.output), dx: Array.from(grads.input), g: flat };
        layer.dispose();
        return result;
      });
      for (const key of ['y', 'dx', 'g'] as const) {
        const { rel } = maxErrors(results[1][key], results[0][key], 1e-2);
        expect(rel, key).toBeLessThan(1e-4);
      }
    },
  );
});
