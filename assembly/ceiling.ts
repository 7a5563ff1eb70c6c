// Bench-only kernels: the machine's f32x4 multiply-add throughput in this engine, with no memory
// traffic in the loop, for bench/kernels.ts to report beside the GEMM rates (K1 ceiling, K1
// peak). Exported by reference.ts, so they are in the reference builds only, never in a published
// .wasm. They use the same `madd` as the kernels, so the relaxed reference build measures the
// fused multiply-add.

import { madd } from './fma';

/**
 * The register-only ceiling: the 4×8 tile's arithmetic (tile.ts) with no memory traffic in the
 * loop (A values and B vectors stay in registers). 2·32·iters FLOP; the result is stored so
 * the work cannot be optimised away. Used by the benchmark to report the machine's f32x4 peak.
 */
export function ceiling_4x8(iters: i32, out: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const b0 = v128.load(out), b1 = v128.load(out, 16);
  const s0 = f32x4.splat(1.0001), s1 = f32x4.splat(0.9999), s2 = f32x4.splat(1.0002), s3 = f32x4.splat(0.9998);
  for (let k = 0; k < iters; k++) {
    c00 = madd(s0, b0, c00);
    c01 = madd(s0, b1, c01);
    c10 = madd(s1, b0, c10);
    c11 = madd(s1, b1, c11);
    c20 = madd(s2, b0, c20);
    c21 = madd(s2, b1, c21);
    c30 = madd(s3, b0, c30);
    c31 = madd(s3, b1, c31);
  }
  v128.store(out, f32x4.add(f32x4.add(f32x4.add(c00, c01), f32x4.add(c10, c11)), f32x4.add(f32x4.add(c20, c21), f32x4.add(c30, c31))));
}

/**
 * The machine's f32x4 multiply-add peak: 12 independent accumulators (enough to cover the
 * latency of an FMA on two ports, which the 4×8 tile's 8 cannot), no memory traffic in the loop.
 * 2·4·12·iters FLOP; stores Σ accumulators (accumulator i starts at i). The bench reports it beside ceiling_4x8: the gap is
 * what a tile with more accumulators could gain if the engine kept them all in registers (V8
 * issues a loop body's loads first, and larger tiles then spill).
 */
export function peak_12(iters: i32, out: usize): void {
  // distinct starting values, so that no optimiser can merge accumulators that evolve alike
  let c0 = f32x4.splat(0), c1 = f32x4.splat(1), c2 = f32x4.splat(2), c3 = f32x4.splat(3);
  let c4 = f32x4.splat(4), c5 = f32x4.splat(5), c6 = f32x4.splat(6), c7 = f32x4.splat(7);
  let c8 = f32x4.splat(8), c9 = f32x4.splat(9), c10 = f32x4.splat(10), c11 = f32x4.splat(11);
  const b = v128.load(out);
  const s = f32x4.splat(1.0001);
  for (let k = 0; k < iters; k++) {
    c0 = madd(s, b, c0); c1 = madd(s, b, c1); c2 = madd(s, b, c2); c3 = madd(s, b, c3);
    c4 = madd(s, b, c4); c5 = madd(s, b, c5); c6 = madd(s, b, c6); c7 = madd(s, b, c7);
    c8 = madd(s, b, c8); c9 = madd(s, b, c9); c10 = madd(s, b, c10); c11 = madd(s, b, c11);
  }
  const q0 = f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3));
  const q1 = f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7));
  const q2 = f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11));
  v128.store(out, f32x4.add(f32x4.add(q0, q1), q2));
}
