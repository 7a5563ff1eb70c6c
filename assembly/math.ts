// Vectorised activations. Accuracy contract (tested in test/kernels/activations.test.ts): max abs
// error ≤ 1e-6 against float64 over the whole f32 range, ≤ 1e-6 relative error for tanh on
// |x| ≤ 1, exact limits at ±∞ (tanh → ±1, sigmoid → 0 / 1), never NaN for a finite input.
//
// exp: Cody–Waite range reduction x = n·ln2 + r, |r| ≤ ln2/2 (ln2 split into a 9-bit head, so
// n·LN2_HI is exact, and a tail; as multiply-adds, fused in the relaxed build), a degree-4
// polynomial for (e^r − 1 − r)/r² (EXP_P0..P4 below), and
// 2^n applied as two normal powers 2^⌊n/2⌋·2^(n−⌊n/2⌋) so results may overflow to +∞ or round
// into the subnormals exactly like a correctly rounded expf would. Input is clamped to
// [−104, 89]: e^−104 is below half the smallest subnormal and e^89 overflows f32.
// tanh: for |x| < 0.625 Cephes' odd polynomial |x| + |x|³·P(x²) (no cancellation near 0); else
// 1 − 2 / (e^{2|x|} + 1); the sign of x is copied onto the result (so tanh(−0) = −0).
// sigmoid: 1 / (1 + e^{−x}); e^{−x} = +∞ for x ≤ −89 gives exactly 0.

import { madd } from './fma';

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const EXP_LO: f32 = -104.0;
const EXP_HI: f32 = 89.0;
/** 1.5·2²³: adding it to |v| < 2²² rounds v to an integer held in the low mantissa bits. */
const ROUND_MAGIC: f32 = 12582912.0;

/**
 * e^r ≈ 1 + r + r²·(P0·r⁴ + … + P4) on |r| ≤ ln2/2: coefficients fitted for this form (minimax in
 * the relative error of e^r, evaluated in f32: at most 1.1 ulp, against about 1 ulp for Cephes'
 * degree-5 P, at one multiply-add less).
 */
const EXP_P0: f32 = 1.3814539415761828e-3;
const EXP_P1: f32 = 8.36874544620514e-3;
const EXP_P2: f32 = 4.166838899254799e-2;
const EXP_P3: f32 = 1.666652113199234e-1;
const EXP_P4: f32 = 4.999999403953552e-1;

/**
 * The vector activations' constants, one f32x4 each, in memory: V8 builds a v128 constant in
 * three instructions (and rebuilds it wherever registers run short), a load is one.
 * Index = position in this list: LOG2E, ROUND_MAGIC, −LN2_HI, −LN2_LO, EXP_P0..P4, 1, EXP_LO,
 * EXP_HI, −40, 40, 20, tanh P0..P4, 0.625.
 */
const KF: usize = memory.data<f32>([LOG2E, LOG2E, LOG2E, LOG2E, ROUND_MAGIC, ROUND_MAGIC, ROUND_MAGIC, ROUND_MAGIC, -LN2_HI, -LN2_HI, -LN2_HI, -LN2_HI, -LN2_LO, -LN2_LO, -LN2_LO, -LN2_LO, EXP_P0, EXP_P0, EXP_P0, EXP_P0, EXP_P1, EXP_P1, EXP_P1, EXP_P1, EXP_P2, EXP_P2, EXP_P2, EXP_P2, EXP_P3, EXP_P3, EXP_P3, EXP_P3, EXP_P4, EXP_P4, EXP_P4, EXP_P4, 1.0, 1.0, 1.0, 1.0, EXP_LO, EXP_LO, EXP_LO, EXP_LO, EXP_HI, EXP_HI, EXP_HI, EXP_HI, -40.0, -40.0, -40.0, -40.0, 40.0, 40.0, 40.0, 40.0, 20.0, 20.0, 20.0, 20.0, -5.70498872745E-3, -5.70498872745E-3, -5.70498872745E-3, -5.70498872745E-3, 2.06390887954E-2, 2.06390887954E-2, 2.06390887954E-2, 2.06390887954E-2, -5.37397155531E-2, -5.37397155531E-2, -5.37397155531E-2, -5.37397155531E-2, 1.33314422036E-1, 1.33314422036E-1, 1.33314422036E-1, 1.33314422036E-1, -3.33332819422E-1, -3.33332819422E-1, -3.33332819422E-1, -3.33332819422E-1, 0.625, 0.625, 0.625, 0.625], 16);
/** Integer constants: 127 (the f32 exponent bias), the sign bit. */
const KI: usize = memory.data<i32>([127, 127, 127, 127, 0x80000000, 0x80000000, 0x80000000, 0x80000000], 16);
/** Constant i of {@link KF}. */
@inline function kf(i: i32): v128 { return v128.load(KF + (<usize>i << 4)); }
/** Constant i of {@link KI}. */
@inline function ki(i: i32): v128 { return v128.load(KI + (<usize>i << 4)); }

/**
 * n = round(x·log2e) by the 1.5·2²³ trick, as `shifted` = x·log2e + 1.5·2²³ (its low mantissa
 * bits hold n; `i32x4.sub(shifted, ROUND_MAGIC)` is n as an integer): the first half of e^x.
 */
@inline function exp_shifted(x: v128): v128 {
  return madd(x, kf(0), kf(1));
}

/** e^r for r = x − n·ln2 (n from {@link exp_shifted}): 1 + r + r²·P(r), P = EXP_P0..P4. */
@inline function exp_mantissa(x: v128, shifted: v128): v128 {
  const n = f32x4.sub(shifted, kf(1));
  let r = madd(n, kf(2), x);
  r = madd(n, kf(3), r);
  let p = kf(4);
  p = madd(p, r, kf(5));
  p = madd(p, r, kf(6));
  p = madd(p, r, kf(7));
  p = madd(p, r, kf(8));
  const r2 = f32x4.mul(r, r);
  return f32x4.add(madd(p, r2, r), kf(9));
}

/** e^x for four lanes (≤ 2 ulp relative error for normal results; +∞ above ln(FLT_MAX)). */
@inline export function v_exp(x: v128): v128 {
  // clamp with pmin/pmax (one instruction each; a NaN input stays NaN)
  x = f32x4.pmin(f32x4.pmax(x, kf(10)), kf(11));
  const shifted = exp_shifted(x);
  const p = exp_mantissa(x, shifted);
  const ni = i32x4.sub(shifted, kf(1));   // integer n (bit patterns differ by n)
  // 2^n with n ∈ [−150, 129], as two factors whose exponents stay normal
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const bias = ki(0);
  const scale1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const scale2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(p, scale1), scale2);
}

/** 1 / (1 + e^{-x}) for four lanes. */
@inline export function v_sigmoid(x: v128): v128 {
  const one = kf(9);
  return f32x4.div(one, f32x4.add(one, v_exp(f32x4.neg(x))));
}

/** tanh(x) for four lanes. */
@inline export function v_tanh(x: v128): v128 {
  // large |x|: 1 − 2 / (e^{2|x|} + 1), written as 1 − 2·(1 / (e^{2|x|} + 1)), the same value
  // (doubling is exact); e^{2|x|} = +∞ gives exactly 1
  const ax = f32x4.abs(x);
  const one = kf(9);
  return v_tanh_from_inv(x, ax, f32x4.div(one, f32x4.add(v_exp(f32x4.add(ax, ax)), one)));
}

// ---------------------------------------------------------------- fused-kernel pieces
// The fused gate kernels need several activations of one element at once. A division costs as
// much as the rest of an activation, so they share one: with d_a = 1 + e^{−a} and d_b = 1 + e^{−b},
// r = 1 / (d_a·d_b) gives σ(a) = r·d_b and σ(b) = r·d_a (and likewise a tanh's e^{2|x|} + 1).
// Arguments are clamped to ±40 (|x| ≤ 20 for tanh) so that a product of two denominators stays
// below 2^127; σ(−40) ≈ 4e−18 and tanh(20) rounds to 1 in f32, so the absolute error contract
// above still holds (≤ 1e−6; a few ulp in practice). A NaN input stays NaN.

/** e^x for x already in [−87, 87] (normal results only): {@link v_exp} with one 2^n factor. */
@inline function v_exp_narrow(x: v128): v128 {
  const shifted = exp_shifted(x);
  const ni = i32x4.sub(shifted, kf(1));
  return f32x4.mul(exp_mantissa(x, shifted), i32x4.shl(i32x4.add(ni, ki(0)), 23));
}

/** 1 + e^{−x}, x clamped to ±40: σ(x) = 1 / this. In [1, 2.4e17]. */
@inline export function v_sigmoid_den(x: v128): v128 {
  const xc = f32x4.pmin(f32x4.pmax(x, kf(12)), kf(13));
  return f32x4.add(kf(9), v_exp_narrow(f32x4.neg(xc)));
}

/** e^{2|x|} + 1 from ax = |x|, clamped to 20: tanh(|x|) = 1 − 2 / this for |x| ≥ 0.625. In [2, 2.4e17]. */
@inline export function v_tanh_den(ax: v128): v128 {
  const a = f32x4.pmin(ax, kf(14));
  return f32x4.add(v_exp_narrow(f32x4.add(a, a)), kf(9));
}

/**
 * tanh(x) from ax = |x| and inv = 1 / (e^{2|x|} + 1) (however that reciprocal was computed or
 * shared): for |x| < 0.625 Cephes' odd polynomial |x| + |x|³·P(x²) (no cancellation near 0),
 * else 1 − 2·inv; picked per lane (bitwise, so a NaN in the unused branch never leaks), then x's
 * sign is copied on (so tanh(−0) = −0).
 */
@inline export function v_tanh_from_inv(x: v128, ax: v128, inv: v128): v128 {
  const z = f32x4.mul(x, x);
  let p = kf(15);
  p = madd(p, z, kf(16));
  p = madd(p, z, kf(17));
  p = madd(p, z, kf(18));
  p = madd(p, z, kf(19));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), ax), ax);
  const big = f32x4.sub(kf(9), f32x4.add(inv, inv));
  const magnitude = v128.bitselect(small, big, f32x4.lt(ax, kf(20)));
  return v128.or(magnitude, v128.and(x, ki(1)));
}

/** {@link v_sigmoid} of one value (lane 0): for the scalar tails of SIMD kernels, so that every
 *  element of a SIMD kernel's output is computed by the same algorithm whatever its position. */
@inline export function sigmoid_lane(x: f32): f32 { return f32x4.extract_lane(v_sigmoid(f32x4.splat(x)), 0); }
/** {@link v_tanh} of one value (lane 0): for the scalar tails of SIMD kernels. */
@inline export function tanh_lane(x: f32): f32 { return f32x4.extract_lane(v_tanh(f32x4.splat(x)), 0); }

/** Scalar tanh for the reference kernels: f64 inside, rounded once to f32. */
@inline export function s_tanh(x: f32): f32 { return <f32>Math.tanh(<f64>x); }
/** Scalar sigmoid for the reference kernels: f64 inside, rounded once to f32. */
@inline export function s_sigmoid(x: f32): f32 { return <f32>(1.0 / (1.0 + Math.exp(-<f64>x))); }

// ---------------------------------------------------------------- array kernels

/**
 * y[0..n) = e^x[0..n), four lanes at a time through {@link v_exp} (the tail too, one lane each);
 * y may equal x. Exported by the reference builds only (reference.ts), for the accuracy test of
 * the exp that the softmax and the activations share.
 */
export function exp_lanes(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), v_exp(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), f32x4.extract_lane(v_exp(f32x4.splat(load<f32>(x + (<usize>i << 2)))), 0));
}

/** y[0..n) = sigmoid(x[0..n)); y may equal x. */
export function sigmoid(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), v_sigmoid(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), sigmoid_lane(load<f32>(x + (<usize>i << 2))));
}

/** y[0..n) = tanh(x[0..n)); y may equal x. */
export function tanh(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), v_tanh(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), tanh_lane(load<f32>(x + (<usize>i << 2))));
}

/** y[0..n) = max(x[0..n), 0); y may equal x. pmax(0, v) = 0 < v ? v : 0, so −0 and NaN give +0. */
export function relu(x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), f32x4.pmax(zero, v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) { const v = load<f32>(x + (<usize>i << 2)); store<f32>(y + (<usize>i << 2), v > 0 ? v : 0); }
}

// ---------------------------------------------------------------- scalar references

/** Scalar reference of {@link sigmoid}: f64 inside, one rounding to f32. */
export function sigmoid_ref(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), s_sigmoid(load<f32>(x + (<usize>i << 2))));
}
/** Scalar reference of {@link tanh}: f64 inside, one rounding to f32. */
export function tanh_ref(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), s_tanh(load<f32>(x + (<usize>i << 2))));
}
/** Scalar reference of {@link relu}. */
export function relu_ref(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) { const v = load<f32>(x + (<usize>i << 2)); store<f32>(y + (<usize>i << 2), v > 0 ? v : 0); }
}
