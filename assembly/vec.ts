// Flat vector kernels over slabs (gradient norm, scaling, clipping, finiteness, dropout).
// SIMD main loop + scalar tail throughout.

/** Σ x² over n floats, accumulated in f64 (two f64x2 accumulators). */
export function sum_squares(n: i32, x: usize): f64 {
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const sq = f32x4.mul(v, v);
    acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(sq));
    acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(v128.shuffle<f32>(sq, sq, 2, 3, 0, 1)));
  }
  const s = f64x2.add(acc0, acc1);
  let total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    total += v * v;
  }
  return total;
}

/** x *= s over n floats. */
export function scale(n: i32, x: usize, s: f32): void {
  const vs = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), f32x4.mul(v128.load(x + (<usize>i << 2)), vs));
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) * s);
}

/** x = clamp(x, −c, c) over n floats. */
export function clip_value(n: i32, x: usize, c: f32): void {
  const hi = f32x4.splat(c);
  const lo = f32x4.splat(-c);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), f32x4.pmin(f32x4.pmax(v128.load(x + (<usize>i << 2)), lo), hi));
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(x + (<usize>i << 2), v > c ? c : v < -c ? -c : v);
  }
}

/** Whether all n floats at x are ±0 (an initial state that was zeros or absent). */
export function all_zero(n: i32, x: usize): bool {
  let any = i32x4.splat(0);
  const magnitude = i32x4.splat(0x7fffffff);
  let i = 0;
  for (; i + 4 <= n; i += 4) any = v128.or(any, v128.and(v128.load(x + (<usize>i << 2)), magnitude));
  if (v128.any_true(any)) return false;
  for (; i < n; i++) if ((load<u32>(x + (<usize>i << 2)) & 0x7fffffff) != 0) return false;
  return true;
}

/** Number of NaN or ±Inf among n floats (x − x is 0 exactly for finite x, NaN otherwise). */
export function count_nonfinite(n: i32, x: usize): i32 {
  let bad = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const d = f32x4.sub(v, v);
    bad = i32x4.sub(bad, f32x4.ne(d, d)); // lanes of all ones (−1) where NaN
  }
  let count = i32x4.extract_lane(bad, 0) + i32x4.extract_lane(bad, 1) + i32x4.extract_lane(bad, 2) + i32x4.extract_lane(bad, 3);
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (!isFinite(v)) count++;
  }
  return count;
}

/**
 * Inverted dropout: mask[i] = (u_i ≥ p) / (1 − p) with u_i uniform from a xorshift32 stream
 * seeded by `seed`; y = x ∘ mask (y may equal x). p in [0, 1).
 */
export function dropout_forward(n: i32, x: usize, y: usize, mask: usize, p: f32, seed: i32): void {
  let s = <u32>seed | 1;
  const keep: f32 = 1 / (1 - p);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    const u = <f32>(s >> 8) * (1.0 / 16777216.0);
    const m: f32 = u >= p ? keep : 0;
    store<f32>(mask + (<usize>i << 2), m);
    store<f32>(y + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) * m);
  }
}

/** dx = dy ∘ mask over n floats (dx may equal dy). */
export function dropout_backward(n: i32, dy: usize, mask: usize, dx: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), v128.load(mask + o)));
  }
  for (; i < n; i++) store<f32>(dx + (<usize>i << 2), load<f32>(dy + (<usize>i << 2)) * load<f32>(mask + (<usize>i << 2)));
}
