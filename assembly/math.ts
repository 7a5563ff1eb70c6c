// Vectorised activations. Accuracy contract (tested): max abs error ≤ 1e-6 against float64 on
// [-30, 30], ≤ 1e-6 relative error for tanh near 0, exact limits at ±∞, never NaN for finite x.
//
// exp: Cody–Waite range reduction x = n·ln2 + r, |r| ≤ ln2/2, a degree-6 polynomial for e^r,
// and 2^n built in the exponent bits. Input is clamped to [-87.3, 88.7] so 2^n stays normal.
// tanh: for |x| < 0.625 an odd polynomial (no cancellation near 0); else 1 - 2 / (e^{2|x|} + 1).
// sigmoid: 1 / (1 + e^{-x}).

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;

/** e^x for four lanes. */
@inline export function v_exp(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.3)), f32x4.splat(88.7));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  // e^r ≈ 1 + r + r²/2 + … (Taylor-like minimax coefficients, degree 6)
  let p = f32x4.splat(1.9875691500E-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507E-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073E-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894E-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459E-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201E-1));
  const r2 = f32x4.mul(r, r);
  p = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), f32x4.splat(1.0));
  const pow2n = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, pow2n);
}

/** 1 / (1 + e^{-x}) for four lanes. */
@inline export function v_sigmoid(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, v_exp(f32x4.neg(x))));
}

/** tanh(x) for four lanes. */
@inline export function v_tanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  // small |x|: x + x³·P(x²)
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745E-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954E-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531E-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036E-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422E-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  // large |x|: sign(x) · (1 - 2 / (e^{2|x|} + 1))
  const one = f32x4.splat(1.0);
  const e = v_exp(f32x4.add(ax, ax));
  const big = f32x4.sub(one, f32x4.div(f32x4.splat(2.0), f32x4.add(e, one)));
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, signed, f32x4.lt(ax, f32x4.splat(0.625)));
}

/** Scalar tanh with the same algorithm as the reference kernels use: Mathf-free, f64 inside. */
@inline export function s_tanh(x: f32): f32 { return <f32>Math.tanh(<f64>x); }
/** Scalar sigmoid, f64 inside. */
@inline export function s_sigmoid(x: f32): f32 { return <f32>(1.0 / (1.0 + Math.exp(-<f64>x))); }

// ---------------------------------------------------------------- array kernels

/** y[0..n) = sigmoid(x[0..n)); y may equal x. */
export function sigmoid(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), v_sigmoid(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), f32x4.extract_lane(v_sigmoid(f32x4.splat(load<f32>(x + (<usize>i << 2)))), 0));
}

/** y[0..n) = tanh(x[0..n)); y may equal x. */
export function tanh(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), v_tanh(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), f32x4.extract_lane(v_tanh(f32x4.splat(load<f32>(x + (<usize>i << 2)))), 0));
}

/** y[0..n) = max(x[0..n), 0); y may equal x. */
export function relu(x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), f32x4.pmax(v128.load(x + (<usize>i << 2)), zero));
  for (; i < n; i++) { const v = load<f32>(x + (<usize>i << 2)); store<f32>(y + (<usize>i << 2), v > 0 ? v : 0); }
}

/** Scalar references: y = sigmoid(x), tanh(x), relu(x) lane by lane in f64. */
export function sigmoid_ref(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), s_sigmoid(load<f32>(x + (<usize>i << 2))));
}
export function tanh_ref(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), s_tanh(load<f32>(x + (<usize>i << 2))));
}
export function relu_ref(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) { const v = load<f32>(x + (<usize>i << 2)); store<f32>(y + (<usize>i << 2), v > 0 ? v : 0); }
}
