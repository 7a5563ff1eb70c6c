// Step masks of the sequence kernels (rnn.ts, lstm.ts, gru.ts; contract: src/backend/kernels.ts).
//
// A mask is (T, B) float32 in time order, one value per (t, b) row: 0 marks a padded step, any
// other value a real one. A padded step holds its stream's state (h_t = h_prev, c_t = c_prev),
// writes a zero output row, and in backward gets zero pre-activation gradients while the dh / dc
// carries pass straight through. The helpers below work on ONE time step's mask row (B values at
// `maskRow`); the sequence kernels call them only when a mask is present, so the unmasked path
// stays exactly the old one. Rows are few (B), so a scalar per-row test is cheap; the row bodies
// are memory.copy / memory.fill.

/** Whether row b of the step mask row at `maskRow` is a padded step. */
@inline export function is_padded(maskRow: usize, b: i32): bool {
  return load<f32>(maskRow + (<usize>b << 2)) == 0;
}

/**
 * End (exclusive) of the run of rows that starts at row b and has row b's kind (all padded or all
 * real), for a step mask row of B values at `maskRow`. b < B.
 */
export function mask_run_end(maskRow: usize, b: i32, B: i32): i32 {
  const padded = is_padded(maskRow, b);
  let e = b + 1;
  while (e < B && is_padded(maskRow, e) == padded) e++;
  return e;
}

/**
 * For every padded row b of the step: dst row b = src row b (H floats), and y row b = 0 when y is
 * not 0. src, dst (B,H) dense, not overlapping; y (B,·) stride ldy. Forward: src = the state before
 * the step, dst = the state after it. Backward: src = the dh carry, dst = dh0.
 */
export function mask_hold_rows(B: i32, H: i32, maskRow: usize, src: usize, dst: usize, y: usize, ldy: i32): void {
  // src, dst (B, H); y (B, ·) stride ldy
  const rowBytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    if (!is_padded(maskRow, b)) continue;
    memory.copy(dst + <usize>b * rowBytes, src + <usize>b * rowBytes, rowBytes);
    if (y != 0) memory.fill(y + (<usize>b * <usize>ldy << 2), 0, rowBytes);
  }
}

/**
 * Zeroes row b of dst (B, width) stride ld for every REAL row b of the step (the dh carry rows the
 * recurrent GEMM is about to rewrite, so that padded rows can be carried through with beta = 1).
 */
export function mask_zero_real_rows(B: i32, width: i32, maskRow: usize, dst: usize, ld: i32): void {
  // dst (B, width) stride ld
  const rowBytes = <usize>width << 2;
  for (let b = 0; b < B; b++) {
    if (is_padded(maskRow, b)) continue;
    memory.fill(dst + (<usize>b * <usize>ld << 2), 0, rowBytes);
  }
}
