// GEMM kernels: C (M,N) = alpha · op(A) · op(B) + beta · C, row-major, f32; lda, ldb, ldc are
// row strides in elements; pointers are byte offsets (any 4-byte alignment).
// beta == 0 means C is overwritten without being read (garbage or NaN in C never leaks through).
// The SIMD kernels are tested against the scalar `_ref` versions beside them.
//
// Blocking in one line (details above the SIMD kernels below): no packing; K blocks of 128..256
// steps; 4×8 f32x4 register tiles for nn and tn (nn sweeps columns with a 4-row A panel in L1,
// tn sweeps rows with a B panel warm), a row-streaming kernel for M = 1 and leftover rows, and
// 2×4 dot-product tiles along K for nt.

// ---------------------------------------------------------------- scalar references

import { madd } from './fma';
import { finish4, tile_4x8_nn } from './tile';

/** C (M,N) = alpha · A (M,K) · B (K,N) + beta · C. */
export function gemm_nn_ref(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc: f32 = 0;
      for (let k = 0; k < K; k++) {
        acc += load<f32>(A + (<usize>(i * lda + k) << 2)) * load<f32>(B + (<usize>(k * ldb + j) << 2));
      }
      const c = C + (<usize>(i * ldc + j) << 2);
      store<f32>(c, beta == 0 ? alpha * acc : alpha * acc + beta * load<f32>(c));
    }
  }
}

/** C (M,N) = alpha · A (M,K) · B (N,K)ᵀ + beta · C. */
export function gemm_nt_ref(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc: f32 = 0;
      for (let k = 0; k < K; k++) {
        acc += load<f32>(A + (<usize>(i * lda + k) << 2)) * load<f32>(B + (<usize>(j * ldb + k) << 2));
      }
      const c = C + (<usize>(i * ldc + j) << 2);
      store<f32>(c, beta == 0 ? alpha * acc : alpha * acc + beta * load<f32>(c));
    }
  }
}

/** C (M,N) = alpha · A (K,M)ᵀ · B (K,N) + beta · C. */
export function gemm_tn_ref(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc: f32 = 0;
      for (let k = 0; k < K; k++) {
        acc += load<f32>(A + (<usize>(k * lda + i) << 2)) * load<f32>(B + (<usize>(k * ldb + j) << 2));
      }
      const c = C + (<usize>(i * ldc + j) << 2);
      store<f32>(c, beta == 0 ? alpha * acc : alpha * acc + beta * load<f32>(c));
    }
  }
}

/** dst (C,R) stride ldd = src (R,C) stride lds, transposed: the scalar reference of `transpose`. */
export function transpose_ref(R: i32, C: i32, src: usize, lds: i32, dst: usize, ldd: i32): void {
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      store<f32>(dst + (<usize>(c * ldd + r) << 2), load<f32>(src + (<usize>(r * lds + c) << 2)));
    }
  }
}

// ---------------------------------------------------------------- SIMD kernels
//
// Blocking scheme. No workspace is passed, so nothing is packed: tiles read A, B and C where
// they lie, with v128.load / v128.store (unaligned addresses are fine: sub-matrices, odd strides).
//
// gemm_nn, C (M,N) += A (M,K) · B (K,N):
// - K in blocks of KC_NN steps; the first block applies beta (beta = 0 writes C without reading
//   it), later blocks add into C (beta = 1).
// - Columns of C in blocks of NC, so the (KC_NN, NC) block of B stays in L2. Inside a block, each
//   4-row tile of C sweeps the columns with its (4, KC_NN) panel of A in L1.
// - Register tile 4×8 (tile_4x8_nn, tile.ts, shared with packed.ts): 8 f32x4 accumulators; per k,
//   two f32x4 of B row k and four broadcast A values (6 loads for 16 multiply/adds). V8 keeps 15
//   xmm registers for wasm and hoists an iteration's loads to its top, so larger tiles (or
//   unrolled k) spill; 4×8 and 2×16 do not.
// - Tails: a 4×4 tile for 4..7 leftover columns, scalar for the last 1..3. Leftover rows (M mod 4,
//   and M = 1: batch-1, GEMV-like) stream B row by row (`row_stream`): four rows of B per pass over
//   the C row, contiguous reads that prefetch well.
// - Performance note: when ldb·4 bytes is a multiple of 4 KiB (N = 1024, ldb = N), every row of a
//   B panel falls into the same L1 set, so tiles re-read B from L2 (about 20 % slower). Callers
//   that own the layout (pre-transposed weights) can pad ldb, e.g. to N + 16.
//
// gemm_tn, C (M,N) += A (K,M)ᵀ · B (K,N): the same 4×8 tile with the tile's four A values of
// step k adjacent (one pointer, four broadcasts at offsets 0..12). K in blocks of KC_TN; rows of
// C in blocks of MC (the (KC_TN, MC) block of A stays in L2); every 8-column panel of B is swept
// by all 4-row tiles of the block while it is warm. Same tails as gemm_nn.
//
// gemm_nt, C (M,N) += A (M,K) · B (N,K)ᵀ: dot-product tiles, 2 rows of A × 4 rows of B, with
// f32x4 accumulators along K and one horizontal reduction per tile; K mod 4 steps are added as
// f32x4 across the tile's four columns. Rows of B in blocks of NB that stay in L2.

/** Depth of one K block of gemm_nn (steps). */
const KC_NN: i32 = 256;
/** Depth of one K block of gemm_tn (steps): both of its panels are strided. */
const KC_TN: i32 = 128;
/** Columns of C per column block of gemm_nn: the (KC_NN, NC) block of B stays in L2. */
const NC: i32 = 256;
/** Rows of C per row block of gemm_tn: the (KC_TN, MC) block of A stays in L2. */
const MC: i32 = 64;
/** Rows of B per block of gemm_nt: the (NB, K) block of B stays in L2. */
const NB: i32 = 128;

/** c = alpha·acc + beta·c; c is only read when beta ≠ 0. */
@inline function finish1(c: usize, acc: f32, alpha: f32, beta: f32): void {
  store<f32>(c, beta == 0 ? alpha * acc : alpha * acc + beta * load<f32>(c));
}

/** The sum of the four lanes of v. */
@inline function hsum(v: v128): f32 {
  const pairs = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(pairs, 0) + f32x4.extract_lane(pairs, 1);
}

/** [Σ lanes of a, Σ lanes of b, Σ lanes of c, Σ lanes of d]. */
@inline function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 1, 4, 5), v128.shuffle<f32>(a, b, 2, 3, 6, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 1, 4, 5), v128.shuffle<f32>(c, d, 2, 3, 6, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 2, 4, 6), v128.shuffle<f32>(ab, cd, 1, 3, 5, 7));
}

// ------------------------------------------------ register tiles of gemm_nn / gemm_tn
// Shapes: C tile (rows, cols) at c, rows ldc4 bytes apart; B panel (kc, cols) at b, rows ldb4
// bytes apart. Generic tiles address A element (r, k) at a + r·aRow + k·aK bytes (nn: aRow =
// 4·lda, aK = 4; tn: aRow = 4, aK = 4·lda). Each tile computes C = alpha·Σ_k A[r,k]·B[k,·] + beta·C.
// gemm_nn's main 4×8 tile is tile_4x8_nn in tile.ts; the tiles below are gemm.ts's own.

/**
 * C (4,8) tile over kc steps for gemm_tn, where the tile's four A values of step k are adjacent
 * (A (K,M): element (r, k) at a + 4·r + k·lda4): one A pointer, four broadcasts at offsets 0..12.
 */
function tile_4x8_tn(kc: i32, a: usize, lda4: usize, b: usize, ldb4: usize, c: usize, ldc4: usize, alpha: f32, beta: f32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const s0 = v128.load32_splat(a);
    c00 = madd(s0, b0, c00);
    c01 = madd(s0, b1, c01);
    const s1 = v128.load32_splat(a, 4);
    c10 = madd(s1, b0, c10);
    c11 = madd(s1, b1, c11);
    const s2 = v128.load32_splat(a, 8);
    c20 = madd(s2, b0, c20);
    c21 = madd(s2, b1, c21);
    const s3 = v128.load32_splat(a, 12);
    c30 = madd(s3, b0, c30);
    c31 = madd(s3, b1, c31);
    a += lda4;
    b += ldb4;
  }
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  const readC = beta != 0;
  finish4(c, c00, va, vb, readC); finish4(c + 16, c01, va, vb, readC); c += ldc4;
  finish4(c, c10, va, vb, readC); finish4(c + 16, c11, va, vb, readC); c += ldc4;
  finish4(c, c20, va, vb, readC); finish4(c + 16, c21, va, vb, readC); c += ldc4;
  finish4(c, c30, va, vb, readC); finish4(c + 16, c31, va, vb, readC);
}

/** C (4,4) tile over kc steps: the 4..7 leftover columns. */
function tile_4x4(kc: i32, a: usize, aRow: usize, aK: usize, b: usize, ldb4: usize, c: usize, ldc4: usize, alpha: f32, beta: f32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let a0 = a;
  let a1 = a0 + aRow;
  let a2 = a1 + aRow;
  let a3 = a2 + aRow;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b);
    c0 = madd(v128.load32_splat(a0), b0, c0);
    c1 = madd(v128.load32_splat(a1), b0, c1);
    c2 = madd(v128.load32_splat(a2), b0, c2);
    c3 = madd(v128.load32_splat(a3), b0, c3);
    a0 += aK; a1 += aK; a2 += aK; a3 += aK;
    b += ldb4;
  }
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  const readC = beta != 0;
  finish4(c, c0, va, vb, readC); c += ldc4;
  finish4(c, c1, va, vb, readC); c += ldc4;
  finish4(c, c2, va, vb, readC); c += ldc4;
  finish4(c, c3, va, vb, readC);
}

/** C (rows, cols) tile over kc steps, scalar: the last 1..3 columns. */
function tile_scalar(rows: i32, cols: i32, kc: i32, a: usize, aRow: usize, aK: usize, b: usize, ldb4: usize, c: usize, ldc4: usize, alpha: f32, beta: f32): void {
  for (let r = 0; r < rows; r++) {
    const ar = a + <usize>r * aRow;
    const cr = c + <usize>r * ldc4;
    for (let j = 0; j < cols; j++) {
      let acc: f32 = 0;
      let ak = ar;
      let bk = b + (<usize>j << 2);
      for (let k = 0; k < kc; k++) {
        acc += load<f32>(ak) * load<f32>(bk);
        ak += aK;
        bk += ldb4;
      }
      finish1(cr + (<usize>j << 2), acc, alpha, beta);
    }
  }
}

/**
 * One row of C (1,N) over kc steps, streaming B row by row (rows of B are read contiguously,
 * which suits hardware prefetch even when ldb is a multiple of 1024 floats): C is first scaled
 * by beta (set to 0 when beta = 0, never read), then each pass over C adds four rows of B
 * weighted by alpha·A[k..k+4]; the last kc mod 4 rows are added one at a time.
 */
function row_stream(N: i32, kc: i32, a: usize, aK: usize, b: usize, ldb4: usize, c: usize, alpha: f32, beta: f32): void {
  const N4 = N & ~3;
  if (beta == 0) {
    const zero = f32x4.splat(0);
    for (let j = 0; j < N4; j += 4) v128.store(c + (<usize>j << 2), zero);
    for (let j = N4; j < N; j++) store<f32>(c + (<usize>j << 2), 0);
  } else if (beta != 1) {
    const vb = f32x4.splat(beta);
    for (let j = 0; j < N4; j += 4) v128.store(c + (<usize>j << 2), f32x4.mul(v128.load(c + (<usize>j << 2)), vb));
    for (let j = N4; j < N; j++) store<f32>(c + (<usize>j << 2), beta * load<f32>(c + (<usize>j << 2)));
  }
  let k = 0;
  for (; k + 4 <= kc; k += 4) {
    const x0 = alpha * load<f32>(a);
    const x1 = alpha * load<f32>(a + aK);
    const x2 = alpha * load<f32>(a + 2 * aK);
    const x3 = alpha * load<f32>(a + 3 * aK);
    const s0 = f32x4.splat(x0), s1 = f32x4.splat(x1), s2 = f32x4.splat(x2), s3 = f32x4.splat(x3);
    const b1 = b + ldb4;
    const b2 = b1 + ldb4;
    const b3 = b2 + ldb4;
    for (let j = 0; j < N4; j += 4) {
      const o = <usize>j << 2;
      const lo = f32x4.add(f32x4.mul(s0, v128.load(b + o)), f32x4.mul(s1, v128.load(b1 + o)));
      const hi = f32x4.add(f32x4.mul(s2, v128.load(b2 + o)), f32x4.mul(s3, v128.load(b3 + o)));
      v128.store(c + o, f32x4.add(v128.load(c + o), f32x4.add(lo, hi)));
    }
    for (let j = N4; j < N; j++) {
      const o = <usize>j << 2;
      store<f32>(c + o, load<f32>(c + o) + ((x0 * load<f32>(b + o) + x1 * load<f32>(b1 + o)) + (x2 * load<f32>(b2 + o) + x3 * load<f32>(b3 + o))));
    }
    a += 4 * aK;
    b += 4 * ldb4;
  }
  for (; k < kc; k++) {
    const x = alpha * load<f32>(a);
    const s = f32x4.splat(x);
    for (let j = 0; j < N4; j += 4) {
      const o = <usize>j << 2;
      v128.store(c + o, f32x4.add(v128.load(c + o), f32x4.mul(s, v128.load(b + o))));
    }
    for (let j = N4; j < N; j++) {
      const o = <usize>j << 2;
      store<f32>(c + o, load<f32>(c + o) + x * load<f32>(b + o));
    }
    a += aK;
    b += ldb4;
  }
}

/**
 * gemm_nn over one K block: C (M,N) = alpha · A (M,kc) · B (kc,N) + beta · C, A rows lda4 bytes
 * apart. Columns in blocks of NC (the (kc, NC) block of B stays in L2); inside one, each 4-row
 * tile of C sweeps the block left to right with its (4, kc) panel of A (4 KiB at kc = 256) in L1.
 */
function nn_block(M: i32, N: i32, kc: i32, alpha: f32, A: usize, lda4: usize, B: usize, ldb4: usize, beta: f32, C: usize, ldc4: usize): void {
  const M4 = M & ~3;
  for (let j0 = 0; j0 < N; j0 += NC) {
    const j1 = min(j0 + NC, N);
    for (let i = 0; i < M4; i += 4) {
      const a = A + <usize>i * lda4;
      const c = C + <usize>i * ldc4;
      let j = j0;
      for (; j + 8 <= j1; j += 8) tile_4x8_nn(kc, a, lda4, B + (<usize>j << 2), ldb4, c + (<usize>j << 2), ldc4, alpha, beta);
      if (j + 4 <= j1) {
        tile_4x4(kc, a, lda4, 4, B + (<usize>j << 2), ldb4, c + (<usize>j << 2), ldc4, alpha, beta);
        j += 4;
      }
      if (j < j1) tile_scalar(4, j1 - j, kc, a, lda4, 4, B + (<usize>j << 2), ldb4, c + (<usize>j << 2), ldc4, alpha, beta);
    }
  }
  for (let i = M4; i < M; i++) {
    row_stream(N, kc, A + <usize>i * lda4, 4, B, ldb4, C + <usize>i * ldc4, alpha, beta);
  }
}

/**
 * gemm_tn over one K block: C (M,N) = alpha · A (kc,M)ᵀ · B (kc,N) + beta · C, A rows lda4 bytes
 * apart. Rows of C in blocks of MC (the (kc, MC) block of A stays in L2); inside one, every
 * 8-column panel of B is swept by all 4-row tiles of the block while it is warm.
 */
function tn_block(M: i32, N: i32, kc: i32, alpha: f32, A: usize, lda4: usize, B: usize, ldb4: usize, beta: f32, C: usize, ldc4: usize): void {
  const M4 = M & ~3;
  for (let i0 = 0; i0 < M4; i0 += MC) {
    const i1 = min(i0 + MC, M4);
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      for (let i = i0; i < i1; i += 4) {
        tile_4x8_tn(kc, A + (<usize>i << 2), lda4, B + (<usize>j << 2), ldb4, C + <usize>i * ldc4 + (<usize>j << 2), ldc4, alpha, beta);
      }
    }
    if (j + 4 <= N) {
      for (let i = i0; i < i1; i += 4) {
        tile_4x4(kc, A + (<usize>i << 2), 4, lda4, B + (<usize>j << 2), ldb4, C + <usize>i * ldc4 + (<usize>j << 2), ldc4, alpha, beta);
      }
      j += 4;
    }
    if (j < N) {
      tile_scalar(i1 - i0, N - j, kc, A + (<usize>i0 << 2), 4, lda4, B + (<usize>j << 2), ldb4, C + <usize>i0 * ldc4 + (<usize>j << 2), ldc4, alpha, beta);
    }
  }
  for (let i = M4; i < M; i++) {
    row_stream(N, kc, A + (<usize>i << 2), lda4, B, ldb4, C + <usize>i * ldc4, alpha, beta);
  }
}

/**
 * C (M,N) = alpha · A (M,K) · B (K,N) + beta · C; A, B, C row-major with row strides lda, ldb,
 * ldc (elements). beta = 0: C is written without being read. 4×8 register tiles, K blocks.
 */
export function gemm_nn(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32): void {
  if (M <= 0 || N <= 0) return;
  const lda4 = <usize>lda << 2;
  const ldb4 = <usize>ldb << 2;
  const ldc4 = <usize>ldc << 2;
  let k0 = 0;
  do { // runs once when K <= 0: C = beta·C
    const kc = min(KC_NN, K - k0);
    nn_block(M, N, kc, alpha, A + (<usize>k0 << 2), lda4, B + <usize>k0 * ldb4, ldb4, k0 == 0 ? beta : 1, C, ldc4);
    k0 += kc;
  } while (k0 < K);
}

/**
 * C (M,N) = alpha · A (K,M)ᵀ · B (K,N) + beta · C; A is stored (K,M) with row stride lda.
 * Same tiles as gemm_nn: per k, A[k, i..i+4] are four consecutive values, each broadcast.
 * Shape of use: weight gradients dW (G, I) = dGates (T·B, G)ᵀ · X (T·B, I), K = T·B.
 */
export function gemm_tn(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32): void {
  if (M <= 0 || N <= 0) return;
  const lda4 = <usize>lda << 2;
  const ldb4 = <usize>ldb << 2;
  const ldc4 = <usize>ldc << 2;
  let k0 = 0;
  do { // runs once when K <= 0: C = beta·C
    const kc = min(KC_TN, K - k0);
    tn_block(M, N, kc, alpha, A + <usize>k0 * lda4, lda4, B + <usize>k0 * ldb4, ldb4, k0 == 0 ? beta : 1, C, ldc4);
    k0 += kc;
  } while (k0 < K);
}

// ------------------------------------------------ dot-product tiles of gemm_nt
// Shapes: rows of A (·, K) at a, lda4 bytes apart; rows of B (·, K) at b, ldb4 bytes apart;
// C tile at c, rows ldc4 bytes apart. Accumulators run along K, four k per f32x4; the K mod 4
// leftover steps are added as f32x4 across the tile's columns.

/** C (2,4) = alpha · A (2,K) · B (4,K)ᵀ + beta · C. */
function dot_2x4(K: i32, a: usize, lda4: usize, b: usize, ldb4: usize, c: usize, ldc4: usize, alpha: f32, beta: f32): void {
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
  let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
  let a0 = a;
  let a1 = a + lda4;
  let b0 = b;
  let b1 = b0 + ldb4;
  let b2 = b1 + ldb4;
  let b3 = b2 + ldb4;
  const K4 = K & ~3;
  for (let k = 0; k < K4; k += 4) {
    const x0 = v128.load(a0);
    const x1 = v128.load(a1);
    const y0 = v128.load(b0);
    s00 = madd(x0, y0, s00);
    s10 = madd(x1, y0, s10);
    const y1 = v128.load(b1);
    s01 = madd(x0, y1, s01);
    s11 = madd(x1, y1, s11);
    const y2 = v128.load(b2);
    s02 = madd(x0, y2, s02);
    s12 = madd(x1, y2, s12);
    const y3 = v128.load(b3);
    s03 = madd(x0, y3, s03);
    s13 = madd(x1, y3, s13);
    a0 += 16; a1 += 16; b0 += 16; b1 += 16; b2 += 16; b3 += 16;
  }
  let r0 = hsum4(s00, s01, s02, s03);
  let r1 = hsum4(s10, s11, s12, s13);
  for (let k = K4; k < K; k++) {
    let y = v128.load32_zero(b0);
    y = v128.load_lane<f32>(b1, y, 1);
    y = v128.load_lane<f32>(b2, y, 2);
    y = v128.load_lane<f32>(b3, y, 3);
    r0 = madd(v128.load32_splat(a0), y, r0);
    r1 = madd(v128.load32_splat(a1), y, r1);
    a0 += 4; a1 += 4; b0 += 4; b1 += 4; b2 += 4; b3 += 4;
  }
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  const readC = beta != 0;
  finish4(c, r0, va, vb, readC);
  finish4(c + ldc4, r1, va, vb, readC);
}

/** C (1,4) = alpha · A (1,K) · B (4,K)ᵀ + beta · C. */
function dot_1x4(K: i32, a: usize, b: usize, ldb4: usize, c: usize, alpha: f32, beta: f32): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let b0 = b;
  let b1 = b0 + ldb4;
  let b2 = b1 + ldb4;
  let b3 = b2 + ldb4;
  const K4 = K & ~3;
  for (let k = 0; k < K4; k += 4) {
    const x = v128.load(a);
    s0 = madd(x, v128.load(b0), s0);
    s1 = madd(x, v128.load(b1), s1);
    s2 = madd(x, v128.load(b2), s2);
    s3 = madd(x, v128.load(b3), s3);
    a += 16; b0 += 16; b1 += 16; b2 += 16; b3 += 16;
  }
  let r = hsum4(s0, s1, s2, s3);
  for (let k = K4; k < K; k++) {
    let y = v128.load32_zero(b0);
    y = v128.load_lane<f32>(b1, y, 1);
    y = v128.load_lane<f32>(b2, y, 2);
    y = v128.load_lane<f32>(b3, y, 3);
    r = madd(v128.load32_splat(a), y, r);
    a += 4; b0 += 4; b1 += 4; b2 += 4; b3 += 4;
  }
  finish4(c, r, f32x4.splat(alpha), f32x4.splat(beta), beta != 0);
}

/** C (1,1) = alpha · A (1,K) · B (1,K)ᵀ + beta · C: the last 1..3 columns. */
function dot_1x1(K: i32, a: usize, b: usize, c: usize, alpha: f32, beta: f32): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  let k = 0;
  for (; k + 8 <= K; k += 8) {
    s0 = madd(v128.load(a), v128.load(b), s0);
    s1 = madd(v128.load(a, 16), v128.load(b, 16), s1);
    a += 32; b += 32;
  }
  if (k + 4 <= K) {
    s0 = madd(v128.load(a), v128.load(b), s0);
    a += 16; b += 16; k += 4;
  }
  let acc = hsum(f32x4.add(s0, s1));
  for (; k < K; k++) {
    acc += load<f32>(a) * load<f32>(b);
    a += 4; b += 4;
  }
  finish1(c, acc, alpha, beta);
}

/**
 * C (M,N) = alpha · A (M,K) · B (N,K)ᵀ + beta · C; A (M,K) stride lda, B (N,K) stride ldb.
 * Dot-product tiles: 2 rows of A × 4 rows of B, over blocks of NB rows of B.
 * Shape of use: x (T·B, I) · W (G, I)ᵀ when W is not pre-transposed.
 */
export function gemm_nt(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32): void {
  if (M <= 0 || N <= 0) return;
  if (K < 0) K = 0;
  const lda4 = <usize>lda << 2;
  const ldb4 = <usize>ldb << 2;
  const ldc4 = <usize>ldc << 2;
  const M2 = M & ~1;
  for (let j0 = 0; j0 < N; j0 += NB) {
    const j1 = min(j0 + NB, N);
    const jq = j0 + ((j1 - j0) & ~3);
    for (let i = 0; i < M; i += 2) {
      const ai = A + <usize>i * lda4;
      const ci = C + <usize>i * ldc4;
      if (i < M2) {
        for (let j = j0; j < jq; j += 4) {
          dot_2x4(K, ai, lda4, B + <usize>j * ldb4, ldb4, ci + (<usize>j << 2), ldc4, alpha, beta);
        }
        for (let j = jq; j < j1; j++) {
          dot_1x1(K, ai, B + <usize>j * ldb4, ci + (<usize>j << 2), alpha, beta);
          dot_1x1(K, ai + lda4, B + <usize>j * ldb4, ci + ldc4 + (<usize>j << 2), alpha, beta);
        }
      } else { // the last row of an odd M
        for (let j = j0; j < jq; j += 4) {
          dot_1x4(K, ai, B + <usize>j * ldb4, ldb4, ci + (<usize>j << 2), alpha, beta);
        }
        for (let j = jq; j < j1; j++) {
          dot_1x1(K, ai, B + <usize>j * ldb4, ci + (<usize>j << 2), alpha, beta);
        }
      }
    }
  }
}

// ------------------------------------------------ transpose

/** Tile edge of the blocked transpose: a (TB, TB) block of src and of dst stay in L1. */
const TB: i32 = 32;

/** dst (4,4) stride ldd4 bytes = transpose of src (4,4) stride lds4 bytes. */
@inline function transpose_4x4(src: usize, lds4: usize, dst: usize, ldd4: usize): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + lds4);
  const r2 = v128.load(src + 2 * lds4);
  const r3 = v128.load(src + 3 * lds4);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + ldd4, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * ldd4, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * ldd4, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

/**
 * dst (C,R) stride ldd = transpose of src (R,C) stride lds. src and dst must not overlap.
 * Blocked: TB×TB blocks of 4×4 SIMD tiles (four loads, eight shuffles, four stores), scalar edges.
 */
export function transpose(R: i32, C: i32, src: usize, lds: i32, dst: usize, ldd: i32): void {
  if (R <= 0 || C <= 0) return;
  const lds4 = <usize>lds << 2;
  const ldd4 = <usize>ldd << 2;
  const R4 = R & ~3;
  const C4 = C & ~3;
  for (let r0 = 0; r0 < R4; r0 += TB) {
    const r1 = min(r0 + TB, R4);
    for (let c0 = 0; c0 < C4; c0 += TB) {
      const c1 = min(c0 + TB, C4);
      for (let r = r0; r < r1; r += 4) {
        for (let c = c0; c < c1; c += 4) {
          transpose_4x4(src + <usize>r * lds4 + (<usize>c << 2), lds4, dst + <usize>c * ldd4 + (<usize>r << 2), ldd4);
        }
      }
    }
  }
  // edges: the last C mod 4 columns of every row, then the last R mod 4 rows
  for (let r = 0; r < R4; r++) {
    for (let c = C4; c < C; c++) {
      store<f32>(dst + <usize>c * ldd4 + (<usize>r << 2), load<f32>(src + <usize>r * lds4 + (<usize>c << 2)));
    }
  }
  for (let r = R4; r < R; r++) {
    for (let c = 0; c < C; c++) {
      store<f32>(dst + <usize>c * ldd4 + (<usize>r << 2), load<f32>(src + <usize>r * lds4 + (<usize>c << 2)));
    }
  }
}
