// Dense (linear) layer: y = x·Wᵀ + b, W (O, I) in PyTorch layout. Forward beside backward.
import { gemm_nn, gemm_tn } from './gemm';
import { gemm_packed_bias, pack_bt_share } from './packed';
import { accumulate_column_sums } from './rowops';
import { barrier, share_end, share_start } from './threads';

/**
 * y (M,O) stride ldy = x (M,I) stride ldx · W (O,I)ᵀ + b (O) (b = 0: no bias).
 * work ≥ packed_size(I,O) floats for Wᵀ packed as panels (pack_bt reads W in its (O,I) layout),
 * so the product runs on the packed kernel; transposed ≠ 0: work already holds that packing of
 * this W (from an earlier call), which is then reused.
 */
export function dense_forward(M: i32, I: i32, O: i32, x: usize, ldx: i32, w: usize, b: usize, y: usize, ldy: i32, work: usize, transposed: i32): void {
  // threaded (threads.ts): each thread packs its share of the panels, then computes its rows
  if (transposed == 0) pack_bt_share(I, O, w, I, work);
  barrier();
  const r0 = share_start(M, 4), r1 = share_end(M, 4);
  if (r1 > r0) {
    const xr = x + (<usize>r0 * <usize>ldx << 2), yr = y + (<usize>r0 * <usize>ldy << 2);
    gemm_packed_bias(r1 - r0, O, I, 1, xr, ldx, work, 0, b, yr, ldy);
  }
  barrier();
}

/**
 * From dy (M,O) stride lddy:
 * dx (M,I) stride lddx = dy·W (+= when accumDx; skipped when dx = 0);
 * dw (O,I) += dyᵀ·x; db (O) += Σ_rows dy (skipped when db = 0).
 */
export function dense_backward(M: i32, I: i32, O: i32, x: usize, ldx: i32, w: usize, dy: usize, lddy: i32,
  dx: usize, lddx: i32, accumDx: i32, dw: usize, db: usize): void {
  // threaded: rows of dx, rows of dw and columns of db are shared out (no thread reads another's)
  const r0 = share_start(M, 4), r1 = share_end(M, 4);
  if (dx != 0 && r1 > r0) {
    gemm_nn(r1 - r0, I, O, 1, dy + (<usize>r0 * <usize>lddy << 2), lddy, w, I, accumDx != 0 ? 1 : 0, dx + (<usize>r0 * <usize>lddx << 2), lddx);
  }
  const o0 = share_start(O, 4), o1 = share_end(O, 4);
  if (o1 > o0) {
    gemm_tn(o1 - o0, I, M, 1, dy + (<usize>o0 << 2), lddy, x, ldx, 1, dw + (<usize>o0 * <usize>I << 2), I);
    accumulate_column_sums(M, o1 - o0, dy + (<usize>o0 << 2), lddy, db != 0 ? db + (<usize>o0 << 2) : 0);
  }
  barrier();
}
