// Row helpers shared by the sequence kernels, the counterpart of assembly/rowops.ts (bias rows,
// column sums for the bias gradients, state copies). Every matrix argument is an ELEMENT index
// into `m` (the whole heap as one Float32Array); a byte pointer argument (named `…Ptr`) is 0 when
// absent.

/**
 * Sets `rows` rows of width `width` at `dst` (stride `ldd`) to bias1 + bias2, where each bias is
 * a byte pointer to `width` floats or 0 (absent); all zeros when both are absent.
 */
export function fillRowsWithBias(
  m: Float32Array,
  rows: number,
  width: number,
  dst: number,
  ldd: number,
  bias1Ptr: number,
  bias2Ptr: number,
): void {
  if (rows <= 0 || width <= 0) return;
  const b1 = bias1Ptr >>> 2;
  const b2 = bias2Ptr >>> 2;
  if (bias1Ptr !== 0 && bias2Ptr !== 0) for (let j = 0; j < width; j++) m[dst + j] = m[b1 + j] + m[b2 + j];
  else if (bias1Ptr !== 0) m.copyWithin(dst, b1, b1 + width);
  else if (bias2Ptr !== 0) m.copyWithin(dst, b2, b2 + width);
  else m.fill(0, dst, dst + width);
  for (let r = 1; r < rows; r++) m.copyWithin(dst + r * ldd, dst, dst + width);
}

/** Copies `rows` rows of width `width` from `src` (stride `lds`) to `dst` (stride `ldd`). */
export function copyRows(
  m: Float32Array,
  rows: number,
  width: number,
  src: number,
  lds: number,
  dst: number,
  ldd: number,
): void {
  for (let r = 0; r < rows; r++) m.copyWithin(dst + r * ldd, src + r * lds, src + r * lds + width);
}

/** Copies `n` contiguous floats from byte pointer `srcPtr` to `dst`, or zero-fills when `srcPtr` is 0. */
export function copyOrZero(m: Float32Array, n: number, srcPtr: number, dst: number): void {
  if (srcPtr === 0) m.fill(0, dst, dst + n);
  else m.copyWithin(dst, srcPtr >>> 2, (srcPtr >>> 2) + n);
}

/**
 * Accumulates the column sums of `rows` rows of width `width` at `src` (stride `lds`) into the
 * `width` floats at byte pointer `dstPtr` (a bias gradient); does nothing when `dstPtr` is 0.
 */
export function addColumnSums(
  m: Float32Array,
  rows: number,
  width: number,
  src: number,
  lds: number,
  dstPtr: number,
): void {
  if (dstPtr === 0) return;
  const dst = dstPtr >>> 2;
  for (let j = 0; j < width; j++) {
    let s = 0;
    for (let r = 0, at = src + j; r < rows; r++, at += lds) s += m[at];
    m[dst + j] += s;
  }
}
