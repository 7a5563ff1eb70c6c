// Flat vector kernels in plain TypeScript, over slabs of n floats (gradient norm, scaling,
// clipping, finiteness, dropout). Mirrors assembly/vec.ts; contract: src/backend/head-kernels.ts.
// Arguments named like the contract are byte pointers; `m` is the whole heap.

/** Σ x² over n floats, accumulated in float64. */
export function sumSquares(m: Float32Array, n: number, x: number): number {
  let total = 0;
  for (let i = x >> 2, end = (x >> 2) + n; i < end; i++) total += m[i] * m[i];
  return total;
}

/** x *= s over n floats. */
export function scale(m: Float32Array, n: number, x: number, s: number): void {
  for (let i = x >> 2, end = (x >> 2) + n; i < end; i++) m[i] *= s;
}

/** x = clamp(x, −c, c) over n floats. */
export function clipValue(m: Float32Array, n: number, x: number, c: number): void {
  for (let i = x >> 2, end = (x >> 2) + n; i < end; i++) m[i] = Math.min(Math.max(m[i], -c), c);
}

/** Number of NaN or ±Inf among n floats. */
export function countNonfinite(m: Float32Array, n: number, x: number): number {
  let count = 0;
  for (let i = x >> 2, end = (x >> 2) + n; i < end; i++) if (!Number.isFinite(m[i])) count++;
  return count;
}

/**
 * Inverted dropout over n floats: mask[i] = (u_i ≥ p) / (1 − p) with u_i uniform in [0, 1) from a
 * xorshift32 stream seeded by `seed` (the wasm kernel's stream, and its keep factor rounded to
 * float32 as there); y = x ∘ mask (y may equal x); the mask is saved for the backward. p in [0, 1).
 */
export function dropoutForward(
  m: Float32Array,
  n: number,
  x: number,
  y: number,
  mask: number,
  p: number,
  seed: number,
): void {
  let s = (seed | 1) >>> 0;
  const keep = Math.fround(1 / Math.fround(1 - p));
  for (let i = 0; i < n; i++) {
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    const u = (s >>> 8) / 16777216;
    const k = u >= p ? keep : 0;
    m[(mask >> 2) + i] = k;
    m[(y >> 2) + i] = m[(x >> 2) + i] * k;
  }
}

/** dx = dy ∘ mask over n floats (dx may equal dy). */
export function dropoutBackward(m: Float32Array, n: number, dy: number, mask: number, dx: number): void {
  for (let i = 0; i < n; i++) m[(dx >> 2) + i] = m[(dy >> 2) + i] * m[(mask >> 2) + i];
}
