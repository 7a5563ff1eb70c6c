// Dense (linear) layer: y = x·Wᵀ + b, W (O, I) in PyTorch layout. Forward beside backward.
import { gemm_nn, gemm_tn, transpose } from './gemm';
import { accumulate_column_sums, fill_rows_with_bias } from './rowops';

/**
 * y (M,O) stride ldy = x (M,I) stride ldx · W (O,I)ᵀ + b (O) (b = 0: no bias).
 * work: I·O floats for Wᵀ (I,O), so the product runs on the row-contiguous gemm_nn path.
 */
export function dense_forward(M: i32, I: i32, O: i32, x: usize, ldx: i32, w: usize, b: usize, y: usize, ldy: i32, work: usize): void {
  transpose(O, I, w, I, work, O);
  if (b != 0) {
    fill_rows_with_bias(M, O, y, ldy, b, 0);
    gemm_nn(M, O, I, 1, x, ldx, work, O, 1, y, ldy);
  } else {
    gemm_nn(M, O, I, 1, x, ldx, work, O, 0, y, ldy);
  }
}

/**
 * From dy (M,O) stride lddy:
 * dx (M,I) stride lddx = dy·W (+= when accumDx; skipped when dx = 0);
 * dw (O,I) += dyᵀ·x; db (O) += Σ_rows dy (skipped when db = 0).
 */
export function dense_backward(M: i32, I: i32, O: i32, x: usize, ldx: i32, w: usize, dy: usize, lddy: i32,
  dx: usize, lddx: i32, accumDx: i32, dw: usize, db: usize): void {
  if (dx != 0) gemm_nn(M, I, O, 1, dy, lddy, w, I, accumDx != 0 ? 1 : 0, dx, lddx);
  gemm_tn(O, I, M, 1, dy, lddy, x, ldx, 1, dw, I);
  accumulate_column_sums(M, O, dy, lddy, db);
}
