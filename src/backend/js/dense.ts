// Dense (linear) layer in plain TypeScript: y = x·Wᵀ + b, W (O, I) in PyTorch layout. Forward
// beside backward. Mirrors assembly/dense.ts; contract: src/backend/head-kernels.ts
// (dense_forward / dense_backward). Arguments named like the contract are byte pointers
// (0 = absent); `m` is the whole heap. Plain dot-product loops: W is read directly, never packed.

/**
 * y (M,O) stride ldy = x (M,I) stride ldx · W (O,I)ᵀ + b (O) (b = 0: no bias). Each output is one
 * dot product, accumulated in float64 from the bias and rounded once on store. Takes no
 * workspace: the contract's `work` and `transposed` are not parameters here.
 */
export function denseForward(
  m: Float32Array,
  M: number,
  I: number,
  O: number,
  x: number,
  ldx: number,
  w: number,
  b: number,
  y: number,
  ldy: number,
): void {
  const X = x >> 2,
    W = w >> 2,
    Bp = b >> 2,
    Y = y >> 2;
  for (let r = 0; r < M; r++) {
    const xr = X + r * ldx;
    const yr = Y + r * ldy;
    for (let o = 0; o < O; o++) {
      const wr = W + o * I;
      let acc = b !== 0 ? m[Bp + o] : 0;
      for (let k = 0; k < I; k++) acc += m[xr + k] * m[wr + k];
      m[yr + o] = acc;
    }
  }
}

/**
 * From dy (M,O) stride lddy: dx (M,I) stride lddx = dy·W (added to dx when accumDx = 1; skipped
 * when dx = 0); dw (O,I) += dyᵀ·x; db (O) += column sums of dy (skipped when db = 0). Row by row:
 * a zero gradient dy[r, o] contributes nothing and is skipped.
 */
export function denseBackward(
  m: Float32Array,
  M: number,
  I: number,
  O: number,
  x: number,
  ldx: number,
  w: number,
  dy: number,
  lddy: number,
  dx: number,
  lddx: number,
  accumDx: number,
  dw: number,
  db: number,
): void {
  const X = x >> 2,
    W = w >> 2,
    DY = dy >> 2,
    DX = dx >> 2,
    DW = dw >> 2,
    DB = db >> 2;
  for (let r = 0; r < M; r++) {
    const dyr = DY + r * lddy;
    const xr = X + r * ldx;
    if (dx !== 0) {
      const dxr = DX + r * lddx;
      if (accumDx === 0) m.fill(0, dxr, dxr + I);
      for (let o = 0; o < O; o++) {
        const g = m[dyr + o];
        if (g === 0) continue;
        const wr = W + o * I;
        for (let k = 0; k < I; k++) m[dxr + k] += g * m[wr + k];
      }
    }
    for (let o = 0; o < O; o++) {
      const g = m[dyr + o];
      if (db !== 0) m[DB + o] += g;
      if (g === 0) continue;
      const dwr = DW + o * I;
      for (let k = 0; k < I; k++) m[dwr + k] += g * m[xr + k];
    }
  }
}
