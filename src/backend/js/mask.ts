// Step masks of the pure-TypeScript sequence kernels, the twin of assembly/mask.ts (contract:
// src/backend/kernels.ts).
// A mask is (T, B) float32 in time order: 0 marks a padded step (state held, output zero,
// gradients passed straight through), any other value a real step. Pointer 0 = no mask.
// Every matrix argument is an ELEMENT index into `m` (the whole heap as one Float32Array).

/** Element index of step t's mask row (B values), or -1 when the mask is absent (byte pointer 0). */
export function maskRow(maskPtr: number, t: number, B: number): number {
  return maskPtr === 0 ? -1 : (maskPtr >>> 2) + t * B;
}

/** Whether row b of the step mask row `row` is padded (never, when `row` is -1: no mask). */
export function isPadded(m: Float32Array, row: number, b: number): boolean {
  return row >= 0 && m[row + b] === 0;
}

/**
 * For every padded row b of the step: dst row b = src row b (`width` floats, dense rows), and
 * row b of y (stride ldy) = 0 when y ≥ 0. Does nothing without a mask (row = -1).
 */
export function holdPaddedRows(
  m: Float32Array,
  B: number,
  width: number,
  row: number,
  src: number,
  dst: number,
  y: number,
  ldy: number,
): void {
  if (row < 0) return;
  for (let b = 0; b < B; b++) {
    if (m[row + b] !== 0) continue;
    m.copyWithin(dst + b * width, src + b * width, src + (b + 1) * width);
    if (y >= 0) m.fill(0, y + b * ldy, y + b * ldy + width);
  }
}

/** Zeroes row b (`width` floats, stride ld) of dst for every REAL row b of the step mask row `row` (≥ 0). */
export function zeroRealRows(m: Float32Array, B: number, width: number, row: number, dst: number, ld: number): void {
  for (let b = 0; b < B; b++) if (m[row + b] !== 0) m.fill(0, dst + b * ld, dst + b * ld + width);
}
