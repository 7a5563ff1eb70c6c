// LSTM in plain TypeScript. Gates i, f, g, o in blocks of H of each 4H row:
// i, f, o = σ(·), g = tanh(·); c = f∘c_prev + i∘g; h = o∘tanh(c). Twin of assembly/lstm.ts
// (without its weight packing and fused batch step).
// Contract and buffer layouts: src/backend/kernels.ts (lstm_forward / lstm_backward).
// Arguments named like the contract are byte pointers (0 = absent); `m` is the whole heap.

import { sigmoid } from './math.ts';
import { gemmNN, gemmNT, gemmTN } from './gemm.ts';
import { addColumnSums, copyOrZero, fillRowsWithBias } from './rowops.ts';
import { holdPaddedRows, isPadded, maskRow, zeroRealRows } from './mask.ts';
import { backwardTime, forwardTime, initialBlock, outputBlock, previousBlock, previousRun } from './sequence.ts';

/**
 * Forward over T steps.
 * x (T,B,I) stride ldx · mask (T,B) or 0 (a 0 value: padded step, h and c held, y row zero) · wih (4H,I) · whh (4H,H) · bih, bhh (4H) or 0 · h0, c0 (B,H) or 0
 * → y (T,B,·) stride ldy (or 0) · gates (T,B,4H) activated i,f,g,o · hseq, cseq (T+1,B,H).
 * Needs no workspace: the pre-activations are built in `gates` and activated in place.
 */
export function lstmForward(
  m: Float32Array,
  T: number,
  B: number,
  I: number,
  H: number,
  reverse: number,
  x: number,
  ldx: number,
  mask: number,
  wih: number,
  whh: number,
  bih: number,
  bhh: number,
  h0: number,
  c0: number,
  y: number,
  ldy: number,
  gates: number,
  hseq: number,
  cseq: number,
): void {
  const G = 4 * H;
  const BH = B * H;
  const hs = hseq >>> 2;
  const cs = cseq >>> 2;
  const gs = gates >>> 2;
  const init = initialBlock(T, reverse);
  copyOrZero(m, BH, h0, hs + init * BH);
  copyOrZero(m, BH, c0, cs + init * BH);
  // input projection of all T·B rows, both biases folded in
  fillRowsWithBias(m, T * B, G, gs, G, bih, bhh);
  gemmNT(m, T * B, G, I, 1, x >>> 2, ldx, wih >>> 2, I, 1, gs, G);
  for (let s = 0; s < T; s++) {
    const t = forwardTime(s, T, reverse);
    const gt = gs + t * B * G;
    const hPrev = hs + previousBlock(t, reverse) * BH;
    const cPrev = cs + previousBlock(t, reverse) * BH;
    const hOut = hs + outputBlock(t, reverse) * BH;
    const cOut = cs + outputBlock(t, reverse) * BH;
    gemmNT(m, B, G, H, 1, hPrev, H, whh >>> 2, H, 1, gt, G);
    for (let b = 0; b < B; b++) {
      const row = gt + b * G;
      const yRow = y === 0 ? -1 : (y >>> 2) + (t * B + b) * ldy;
      for (let j = 0; j < H; j++) {
        const i = sigmoid(m[row + j]);
        const f = sigmoid(m[row + H + j]);
        const g = Math.tanh(m[row + 2 * H + j]);
        const o = sigmoid(m[row + 3 * H + j]);
        m[row + j] = i;
        m[row + H + j] = f;
        m[row + 2 * H + j] = g;
        m[row + 3 * H + j] = o;
        const k = b * H + j;
        const c = Math.fround(f * m[cPrev + k] + i * g); // the stored c, so backward sees the same tanh(c)
        const h = o * Math.tanh(c);
        m[cOut + k] = c;
        m[hOut + k] = h;
        if (yRow >= 0) m[yRow + j] = h;
      }
    }
    const mrow = maskRow(mask, t, B);
    holdPaddedRows(m, B, H, mrow, hPrev, hOut, y === 0 ? -1 : (y >>> 2) + t * B * ldy, ldy);
    holdPaddedRows(m, B, H, mrow, cPrev, cOut, -1, 0);
  }
}

/**
 * Backward of lstmForward.
 * dy (T,B,·) stride lddy or 0 · dhT, dcT (B,H) or 0 → dx (T,B,I) stride lddx (or 0; overwritten
 * unless accumDx) · dh0, dc0 (B,H) or 0 · dwih, dwhh, dbih, dbhh += (each may be 0).
 * dgates (T,B,4H): workspace receiving the gate pre-activation gradients;
 * work (2·B·H): the dh carry, then the dc carry. mask: the forward's (T,B) mask or 0; a padded
 * step ignores dy, gets zero dgates and passes both carries straight through.
 */
export function lstmBackward(
  m: Float32Array,
  T: number,
  B: number,
  I: number,
  H: number,
  reverse: number,
  x: number,
  ldx: number,
  mask: number,
  wih: number,
  whh: number,
  gates: number,
  hseq: number,
  cseq: number,
  dy: number,
  lddy: number,
  dhT: number,
  dcT: number,
  dx: number,
  lddx: number,
  accumDx: number,
  dh0: number,
  dc0: number,
  dwih: number,
  dwhh: number,
  dbih: number,
  dbhh: number,
  dgates: number,
  work: number,
): void {
  const G = 4 * H;
  const BH = B * H;
  const hs = hseq >>> 2;
  const cs = cseq >>> 2;
  const gs = gates >>> 2;
  const dg = dgates >>> 2;
  const dhCarry = work >>> 2;
  const dcCarry = dhCarry + BH;
  copyOrZero(m, BH, dhT, dhCarry);
  copyOrZero(m, BH, dcT, dcCarry);
  if (T === 0 && dh0 !== 0) m.copyWithin(dh0 >>> 2, dhCarry, dhCarry + BH);
  for (let s = 0; s < T; s++) {
    const t = backwardTime(s, T, reverse);
    const gt = gs + t * B * G;
    const dgt = dg + t * B * G;
    const cPrev = cs + previousBlock(t, reverse) * BH;
    const cOut = cs + outputBlock(t, reverse) * BH;
    const mrow = maskRow(mask, t, B);
    for (let b = 0; b < B; b++) {
      const row = gt + b * G;
      const dRow = dgt + b * G;
      if (isPadded(m, mrow, b)) {
        m.fill(0, dRow, dRow + G);
        continue;
      }
      const dyRow = dy === 0 ? -1 : (dy >>> 2) + (t * B + b) * lddy;
      for (let j = 0; j < H; j++) {
        const k = b * H + j;
        const dh = dyRow < 0 ? m[dhCarry + k] : m[dhCarry + k] + m[dyRow + j];
        const i = m[row + j];
        const f = m[row + H + j];
        const g = m[row + 2 * H + j];
        const o = m[row + 3 * H + j];
        const tc = Math.tanh(m[cOut + k]);
        const dc = m[dcCarry + k] + dh * o * (1 - tc * tc);
        m[dRow + j] = dc * g * i * (1 - i);
        m[dRow + H + j] = dc * m[cPrev + k] * f * (1 - f);
        m[dRow + 2 * H + j] = dc * i * (1 - g * g);
        m[dRow + 3 * H + j] = dh * tc * o * (1 - o);
        m[dcCarry + k] = dc * f;
      }
    }
    // dh_{t-1} = dgates_t · W_hh: into the carry, or into dh0 after the last step; a padded row's
    // carry passes through (its real-row-zeroed carry + 0·W_hh, or copied into dh0)
    if (s < T - 1) {
      if (mrow >= 0) zeroRealRows(m, B, H, mrow, dhCarry, H);
      gemmNN(m, B, H, G, 1, dgt, G, whh >>> 2, H, mrow >= 0 ? 1 : 0, dhCarry, H);
    } else if (dh0 !== 0) {
      gemmNN(m, B, H, G, 1, dgt, G, whh >>> 2, H, 0, dh0 >>> 2, H);
      holdPaddedRows(m, B, H, mrow, dhCarry, dh0 >>> 2, -1, 0);
    }
  }
  if (dc0 !== 0) m.copyWithin(dc0 >>> 2, dcCarry, dcCarry + BH);
  const rows = T * B;
  if (dwih !== 0) gemmTN(m, G, I, rows, 1, dg, G, x >>> 2, ldx, 1, dwih >>> 2, I);
  if (dwhh !== 0) gemmTN(m, G, H, rows, 1, dg, G, hs + previousRun(reverse) * BH, H, 1, dwhh >>> 2, H);
  addColumnSums(m, rows, G, dg, G, dbih);
  addColumnSums(m, rows, G, dg, G, dbhh);
  if (dx !== 0) gemmNN(m, rows, I, G, 1, dg, G, wih >>> 2, I, accumDx ? 1 : 0, dx >>> 2, lddx);
}
