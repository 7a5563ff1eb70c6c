// Vanilla RNN in plain TypeScript: h_t = act(x_t·W_ihᵀ + b_ih + h_{t-1}·W_hhᵀ + b_hh),
// act = tanh or relu. Twin of assembly/rnn.ts (without its weight packing and fused batch step).
// Contract and buffer layouts: src/backend/kernels.ts (rnn_forward / rnn_backward).
// Arguments named like the contract are byte pointers (0 = absent); `m` is the whole heap.

import { gemmNN, gemmNT, gemmTN } from './gemm.ts';
import { addColumnSums, copyOrZero, copyRows, fillRowsWithBias } from './rowops.ts';
import { holdPaddedRows, isPadded, maskRow, zeroRealRows } from './mask.ts';
import {
  backwardTime,
  forwardTime,
  initialBlock,
  outputBlock,
  outputRun,
  previousBlock,
  previousRun,
} from './sequence.ts';

/**
 * Forward over T steps.
 * x (T,B,I) stride ldx · mask (T,B) or 0 (a 0 value: padded step, state held, y row zero) · wih (H,I) · whh (H,H) · bih, bhh (H) or 0 · h0 (B,H) or 0
 * → y (T,B,·) stride ldy (or 0) · hseq (T+1,B,H). Needs no workspace.
 *
 * The pre-activations of all steps are built in place in hseq's output run: one GEMM projects
 * all T·B input rows (plus both biases); each step then adds h_{t-1}·W_hhᵀ and activates.
 */
export function rnnForward(
  m: Float32Array,
  T: number,
  B: number,
  I: number,
  H: number,
  reverse: number,
  relu: number,
  x: number,
  ldx: number,
  mask: number,
  wih: number,
  whh: number,
  bih: number,
  bhh: number,
  h0: number,
  y: number,
  ldy: number,
  hseq: number,
): void {
  const BH = B * H;
  const hs = hseq >>> 2;
  copyOrZero(m, BH, h0, hs + initialBlock(T, reverse) * BH);
  const run = hs + outputRun(reverse) * BH;
  fillRowsWithBias(m, T * B, H, run, H, bih, bhh);
  gemmNT(m, T * B, H, I, 1, x >>> 2, ldx, wih >>> 2, I, 1, run, H);
  for (let s = 0; s < T; s++) {
    const t = forwardTime(s, T, reverse);
    const prev = hs + previousBlock(t, reverse) * BH;
    const out = hs + outputBlock(t, reverse) * BH;
    gemmNT(m, B, H, H, 1, prev, H, whh >>> 2, H, 1, out, H);
    if (relu) {
      for (let i = out, end = out + BH; i < end; i++) if (m[i] < 0) m[i] = 0;
    } else {
      for (let i = out, end = out + BH; i < end; i++) m[i] = Math.tanh(m[i]);
    }
    if (y !== 0) copyRows(m, B, H, out, H, (y >>> 2) + t * B * ldy, ldy);
    holdPaddedRows(m, B, H, maskRow(mask, t, B), prev, out, y === 0 ? -1 : (y >>> 2) + t * B * ldy, ldy);
  }
}

/**
 * Backward of rnnForward.
 * dy (T,B,·) stride lddy or 0 · dhT (B,H) or 0 → dx (T,B,I) stride lddx (or 0; overwritten unless
 * accumDx) · dh0 (B,H) or 0 · dwih, dwhh, dbih, dbhh += (each may be 0).
 * dpre (T,B,H): workspace receiving the pre-activation gradients (zero on padded rows);
 * work (B,H): the dh carry. mask: the forward's (T,B) mask or 0; a padded step ignores dy and
 * passes the carry straight through.
 */
export function rnnBackward(
  m: Float32Array,
  T: number,
  B: number,
  I: number,
  H: number,
  reverse: number,
  relu: number,
  x: number,
  ldx: number,
  mask: number,
  wih: number,
  whh: number,
  hseq: number,
  dy: number,
  lddy: number,
  dhT: number,
  dx: number,
  lddx: number,
  accumDx: number,
  dh0: number,
  dwih: number,
  dwhh: number,
  dbih: number,
  dbhh: number,
  dpre: number,
  work: number,
): void {
  const BH = B * H;
  const hs = hseq >>> 2;
  const dp = dpre >>> 2;
  const carry = work >>> 2;
  copyOrZero(m, BH, dhT, carry);
  if (T === 0 && dh0 !== 0) m.copyWithin(dh0 >>> 2, carry, carry + BH);
  for (let s = 0; s < T; s++) {
    const t = backwardTime(s, T, reverse);
    const out = hs + outputBlock(t, reverse) * BH;
    const dpt = dp + t * BH;
    const mrow = maskRow(mask, t, B);
    // dpre = (carry + dy_t) · act'(pre), act' written in terms of the saved output h; 0 when padded
    for (let b = 0; b < B; b++) {
      if (isPadded(m, mrow, b)) {
        m.fill(0, dpt + b * H, dpt + (b + 1) * H);
        continue;
      }
      const dyRow = dy === 0 ? -1 : (dy >>> 2) + (t * B + b) * lddy;
      for (let j = 0; j < H; j++) {
        const k = b * H + j;
        const dh = dyRow < 0 ? m[carry + k] : m[carry + k] + m[dyRow + j];
        const h = m[out + k];
        m[dpt + k] = relu ? (h > 0 ? dh : 0) : dh * (1 - h * h);
      }
    }
    // dh_{t-1} = dpre_t · W_hh: into the carry, or into dh0 after the last step; a padded row's
    // carry passes through (its real-row-zeroed carry + 0·W_hh, or copied into dh0)
    if (s < T - 1) {
      if (mrow >= 0) zeroRealRows(m, B, H, mrow, carry, H);
      gemmNN(m, B, H, H, 1, dpt, H, whh >>> 2, H, mrow >= 0 ? 1 : 0, carry, H);
    } else if (dh0 !== 0) {
      gemmNN(m, B, H, H, 1, dpt, H, whh >>> 2, H, 0, dh0 >>> 2, H);
      holdPaddedRows(m, B, H, mrow, carry, dh0 >>> 2, -1, 0);
    }
  }
  const rows = T * B;
  if (dwih !== 0) gemmTN(m, H, I, rows, 1, dp, H, x >>> 2, ldx, 1, dwih >>> 2, I);
  if (dwhh !== 0) gemmTN(m, H, H, rows, 1, dp, H, hs + previousRun(reverse) * BH, H, 1, dwhh >>> 2, H);
  addColumnSums(m, rows, H, dp, H, dbih);
  addColumnSums(m, rows, H, dp, H, dbhh);
  if (dx !== 0) gemmNN(m, rows, I, H, 1, dp, H, wih >>> 2, I, accumDx ? 1 : 0, dx >>> 2, lddx);
}
