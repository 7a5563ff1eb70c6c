// The register tile that gemm.ts (gemm_nn) and packed.ts (gemm_packed, its 4-row tiles and its
// right-edge tile) both run, and the f32x4 stores that finish every tile of theirs. It sits below
// both files and imports only `madd` (fma.ts, the one multiply-add of every kernel).
//
// Tile shape. tile_4x8 computes C (4,8) = alpha · A (4,kc) · B (kc,8) (+ bias (8)) + beta · C:
// - A element (r, k) at a + r·lda4 + 4·k bytes: four rows of A, read one float per row per k;
// - B row k at b + k·ldb4 bytes: ldb4 = 4·ldb on a plain row-major B (gemm_nn), 32 on a packed
//   panel (packed.ts), where the tile then reads B strictly sequentially;
// - C (4,8) rows ldc4 bytes apart: C itself, or a 32-byte-stride scratch tile for packed.ts's
//   partial right-edge panel; each row is two f32x4 halves, stored by finish4 / finish4b.
// The other tiles are their files' own: gemm.ts's 4×8 tile for gemm_tn (A transposed), 4×4 and
// scalar tails, and 2×4 dot-product tiles for gemm_nt; packed.ts's 1×8n GEMV rows.
//
// Register budget. x64 has 16 xmm registers; V8 allocates 15 to wasm values and issues a loop
// body's loads before its multiply-adds, so a body's live vectors are its loads plus its
// accumulators. Per k this tile loads two f32x4 of B and broadcasts four A values (6 vectors) and
// runs 8 multiply-adds into 8 accumulators (one per row and half-row): 6 + 8 = 14 of 15, no
// spills. Larger tiles (or an unrolled k) spill; 2×16 would fit as well.
//
// Order of sums. Each accumulator is one chain of multiply-adds over k in order, then one
// finish4 / finish4b. packed.ts's GEMV rows (micro_1xn) keep the same chains and finishes, so in
// gemm_packed a value of C is the same bits whether a 4-row tile or a GEMV row computed it, and
// whichever thread's share it fell in.

import { madd } from './fma';

/** c[0..4] = alpha·acc + beta·c[0..4]; c is only read when `readC` (beta ≠ 0). */
@inline export function finish4(c: usize, acc: v128, valpha: v128, vbeta: v128, readC: bool): void {
  let r = f32x4.mul(acc, valpha);
  if (readC) r = madd(v128.load(c), vbeta, r);
  v128.store(c, r);
}

/** c[0..4] = alpha·acc + bias + beta·c[0..4]; c is only read when `readC` (beta ≠ 0). */
@inline export function finish4b(c: usize, acc: v128, valpha: v128, vbias: v128, vbeta: v128, readC: bool): void {
  let r = madd(acc, valpha, vbias);
  if (readC) r = madd(v128.load(c), vbeta, r);
  v128.store(c, r);
}

/**
 * C (4,8) tile over kc steps, the main register tile of gemm_nn and gemm_packed: A (4,kc) rows
 * lda4 bytes apart, B (kc,8) rows ldb4 bytes apart (32 for a packed panel, see packed.ts). Per k:
 * two f32x4 of B row k, four broadcast A values, 8 multiply/adds into 8 accumulators (8 + 6
 * loaded values = 14 of the 15 xmm registers V8 allocates: no spills).
 * bias: 0, or 8 floats added to each row of the tile as it is stored.
 */
@inline function tile_4x8(kc: i32, a: usize, lda4: usize, b: usize, ldb4: usize, c: usize, ldc4: usize, alpha: f32, beta: f32, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let a0 = a;
  let a1 = a0 + lda4;
  let a2 = a1 + lda4;
  let a3 = a2 + lda4;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const s0 = v128.load32_splat(a0);
    c00 = madd(s0, b0, c00);
    c01 = madd(s0, b1, c01);
    const s1 = v128.load32_splat(a1);
    c10 = madd(s1, b0, c10);
    c11 = madd(s1, b1, c11);
    const s2 = v128.load32_splat(a2);
    c20 = madd(s2, b0, c20);
    c21 = madd(s2, b1, c21);
    const s3 = v128.load32_splat(a3);
    c30 = madd(s3, b0, c30);
    c31 = madd(s3, b1, c31);
    a0 += 4; a1 += 4; a2 += 4; a3 += 4;
    b += ldb4;
  }
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  const readC = beta != 0;
  if (bias == 0) {
    finish4(c, c00, va, vb, readC); finish4(c + 16, c01, va, vb, readC); c += ldc4;
    finish4(c, c10, va, vb, readC); finish4(c + 16, c11, va, vb, readC); c += ldc4;
    finish4(c, c20, va, vb, readC); finish4(c + 16, c21, va, vb, readC); c += ldc4;
    finish4(c, c30, va, vb, readC); finish4(c + 16, c31, va, vb, readC);
    return;
  }
  const bias0 = v128.load(bias), bias1 = v128.load(bias, 16);
  finish4b(c, c00, va, bias0, vb, readC); finish4b(c + 16, c01, va, bias1, vb, readC); c += ldc4;
  finish4b(c, c10, va, bias0, vb, readC); finish4b(c + 16, c11, va, bias1, vb, readC); c += ldc4;
  finish4b(c, c20, va, bias0, vb, readC); finish4b(c + 16, c21, va, bias1, vb, readC); c += ldc4;
  finish4b(c, c30, va, bias0, vb, readC); finish4b(c + 16, c31, va, bias1, vb, readC);
}

/** {@link tile_4x8}: the main register tile of gemm_nn and gemm_packed, as one call. */
export function tile_4x8_nn(kc: i32, a: usize, lda4: usize, b: usize, ldb4: usize, c: usize, ldc4: usize, alpha: f32, beta: f32): void {
  tile_4x8(kc, a, lda4, b, ldb4, c, ldc4, alpha, beta, 0);
}

/**
 * {@link tile_4x8} plus a bias row (8 floats at `bias`, added to each of the 4 rows): a copy of
 * its own, so that the plain tile's code stays as it was.
 */
export function tile_4x8_nn_bias(kc: i32, a: usize, lda4: usize, b: usize, ldb4: usize, c: usize, ldc4: usize, alpha: f32, beta: f32, bias: usize): void {
  tile_4x8(kc, a, lda4, b, ldb4, c, ldc4, alpha, beta, bias);
}
