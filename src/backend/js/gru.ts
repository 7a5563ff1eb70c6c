// GRU in plain TypeScript. Gates r, z, n in blocks of H of each 3H row; h' = (1-z)∘n + z∘h.
// resetAfter = 1 (PyTorch, Keras-TF2): n = tanh(W_in x + b_in + r∘(W_hn h + b_hn)), hn saves W_hn h + b_hn.
// resetAfter = 0 (Cho et al.):        n = tanh(W_in x + b_in + W_hn (r∘h) + b_hn), hn saves r∘h.
// Twin of assembly/gru.ts (without its weight packing).
// Contract and buffer layouts: src/backend/kernels.ts (gru_forward / gru_backward).
// Arguments named like the contract are byte pointers (0 = absent); `m` is the whole heap.

import { sigmoid } from './math.ts';
import { gemmNN, gemmNT, gemmTN } from './gemm.ts';
import { addColumnSums, copyOrZero, copyRows, fillRowsWithBias } from './rowops.ts';
import { isPadded, holdPaddedRows, maskRow } from './mask.ts';
import { backwardTime, forwardTime, initialBlock, outputBlock, previousBlock, previousRun } from './sequence.ts';

/**
 * Forward over T steps.
 * x (T,B,I) stride ldx · mask (T,B) or 0 (a 0 value: padded step, state held, y row zero) · wih (3H,I) · whh (3H,H) · bih, bhh (3H) or 0 · h0 (B,H) or 0
 * → y (T,B,·) stride ldy (or 0) · gates (T,B,3H) activated r,z,n · hn (T,B,H) · hseq (T+1,B,H).
 * work (B,3H): the hidden-side projection h_{t-1}·W_hhᵀ + b_hh of the current step.
 *
 * `gates` first receives the input-side pre-activations x·W_ihᵀ + b_ih of all steps (one GEMM);
 * each step overwrites its rows with the activated gates.
 */
export function gruForward(
  m: Float32Array,
  T: number,
  B: number,
  I: number,
  H: number,
  reverse: number,
  resetAfter: number,
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
  gates: number,
  hn: number,
  hseq: number,
  work: number,
): void {
  const G = 3 * H;
  const BH = B * H;
  const hs = hseq >>> 2;
  const gs = gates >>> 2;
  const hns = hn >>> 2;
  const gh = work >>> 2;
  const wh = whh >>> 2;
  copyOrZero(m, BH, h0, hs + initialBlock(T, reverse) * BH);
  fillRowsWithBias(m, T * B, G, gs, G, bih, 0);
  gemmNT(m, T * B, G, I, 1, x >>> 2, ldx, wih >>> 2, I, 1, gs, G);
  for (let s = 0; s < T; s++) {
    const t = forwardTime(s, T, reverse);
    const gt = gs + t * B * G;
    const hnt = hns + t * BH;
    const hPrev = hs + previousBlock(t, reverse) * BH;
    const hOut = hs + outputBlock(t, reverse) * BH;
    if (resetAfter) {
      // gh = h_prev·W_hhᵀ + b_hh for all three gates, then one fused gate loop
      fillRowsWithBias(m, B, G, gh, G, bhh, 0);
      gemmNT(m, B, G, H, 1, hPrev, H, wh, H, 1, gh, G);
      for (let b = 0; b < B; b++) {
        const row = gt + b * G;
        const hRow = gh + b * G;
        for (let j = 0; j < H; j++) {
          const k = b * H + j;
          const r = sigmoid(m[row + j] + m[hRow + j]);
          const z = sigmoid(m[row + H + j] + m[hRow + H + j]);
          const hnv = m[hRow + 2 * H + j];
          const n = Math.tanh(m[row + 2 * H + j] + r * hnv);
          m[row + j] = r;
          m[row + H + j] = z;
          m[row + 2 * H + j] = n;
          m[hnt + k] = hnv;
          m[hOut + k] = (1 - z) * n + z * m[hPrev + k];
        }
      }
    } else {
      // r and z first; the candidate needs W_hn·(r∘h_prev), a second GEMM
      fillRowsWithBias(m, B, 2 * H, gh, G, bhh, 0);
      gemmNT(m, B, 2 * H, H, 1, hPrev, H, wh, H, 1, gh, G);
      for (let b = 0; b < B; b++) {
        const row = gt + b * G;
        const hRow = gh + b * G;
        for (let j = 0; j < H; j++) {
          const r = sigmoid(m[row + j] + m[hRow + j]);
          m[row + j] = r;
          m[row + H + j] = sigmoid(m[row + H + j] + m[hRow + H + j]);
          m[hnt + b * H + j] = r * m[hPrev + b * H + j];
        }
      }
      fillRowsWithBias(m, B, H, gh + 2 * H, G, bhh === 0 ? 0 : bhh + 8 * H, 0);
      gemmNT(m, B, H, H, 1, hnt, H, wh + 2 * H * H, H, 1, gh + 2 * H, G);
      for (let b = 0; b < B; b++) {
        const row = gt + b * G;
        const hRow = gh + b * G;
        for (let j = 0; j < H; j++) {
          const k = b * H + j;
          const z = m[row + H + j];
          const n = Math.tanh(m[row + 2 * H + j] + m[hRow + 2 * H + j]);
          m[row + 2 * H + j] = n;
          m[hOut + k] = (1 - z) * n + z * m[hPrev + k];
        }
      }
    }
    if (y !== 0) copyRows(m, B, H, hOut, H, (y >>> 2) + t * B * ldy, ldy);
    holdPaddedRows(m, B, H, maskRow(mask, t, B), hPrev, hOut, y === 0 ? -1 : (y >>> 2) + t * B * ldy, ldy);
  }
}

/**
 * Backward of gruForward.
 * dy (T,B,·) stride lddy or 0 · dhT (B,H) or 0 → dx (T,B,I) stride lddx (or 0; overwritten unless
 * accumDx) · dh0 (B,H) or 0 · dwih, dwhh, dbih, dbhh += (each may be 0).
 * dgx (T,B,3H) receives the gradients of the input-side pre-activations [dr dz dn], which are the
 * hidden side's too except for reset-after's n; dgx may be `gates` itself (each step reads its
 * gates before it writes their slots). dgh (T,B,H), reset-after only: the hidden side's n
 * gradient dn∘r. Both zero on padded rows. work (2·B·H): the dh carry, then d(r∘h_prev) scratch
 * (resetAfter = 0). mask: the forward's (T,B) mask or 0; a padded step ignores dy and passes the
 * carry straight through (its gradient rows are zero, so the GEMMs add nothing to its carry).
 */
export function gruBackward(
  m: Float32Array,
  T: number,
  B: number,
  I: number,
  H: number,
  reverse: number,
  resetAfter: number,
  x: number,
  ldx: number,
  mask: number,
  wih: number,
  whh: number,
  gates: number,
  hn: number,
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
  dgx: number,
  dgh: number,
  work: number,
): void {
  const G = 3 * H;
  const BH = B * H;
  const hs = hseq >>> 2;
  const gs = gates >>> 2;
  const hns = hn >>> 2;
  const dgxs = dgx >>> 2;
  const dghs = dgh >>> 2;
  const wh = whh >>> 2;
  const carry = work >>> 2;
  const dRh = carry + BH; // d(r∘h_prev) of the current step (resetAfter = 0)
  copyOrZero(m, BH, dhT, carry);
  for (let s = 0; s < T; s++) {
    const t = backwardTime(s, T, reverse);
    const last = s === T - 1;
    const gt = gs + t * B * G;
    const dxt = dgxs + t * B * G;
    const dht = dghs + t * BH; // resetAfter only
    const hnt = hns + t * BH;
    const hPrev = hs + previousBlock(t, reverse) * BH;
    const mrow = maskRow(mask, t, B);
    // element-wise part: dgx, dgh of every gate but (for resetAfter = 0) r, and the carry's
    // direct term dh∘z; the carry is read before it is overwritten, element by element
    for (let b = 0; b < B; b++) {
      const row = gt + b * G;
      const dxRow = dxt + b * G;
      const dhRow = dht + b * H;
      if (isPadded(m, mrow, b)) {
        m.fill(0, dxRow, dxRow + G);
        if (resetAfter) m.fill(0, dhRow, dhRow + H);
        continue;
      }
      const dyRow = dy === 0 ? -1 : (dy >>> 2) + (t * B + b) * lddy;
      for (let j = 0; j < H; j++) {
        const k = b * H + j;
        const dh = dyRow < 0 ? m[carry + k] : m[carry + k] + m[dyRow + j];
        const r = m[row + j];
        const z = m[row + H + j];
        const n = m[row + 2 * H + j];
        const dnPre = dh * (1 - z) * (1 - n * n);
        const dzPre = dh * (m[hPrev + k] - n) * z * (1 - z);
        m[dxRow + H + j] = dzPre;
        m[dxRow + 2 * H + j] = dnPre;
        if (resetAfter) {
          m[dxRow + j] = dnPre * m[hnt + k] * r * (1 - r);
          m[dhRow + j] = dnPre * r;
        }
        m[carry + k] = dh * z;
      }
    }
    if (resetAfter) {
      // dh_prev = dh∘z + [dr dz]·W_hr,z + (dn∘r)·W_hn
      if (!last || dh0 !== 0) {
        gemmNN(m, B, H, 2 * H, 1, dxt, G, wh, H, 1, carry, H);
        gemmNN(m, B, H, H, 1, dht, H, wh + 2 * H * H, H, 1, carry, H);
      }
    } else {
      // d(r∘h_prev) = dn_pre·W_hn; dr = d(r∘h_prev)∘h_prev; dh_prev = dh∘z + d(r∘h_prev)∘r + [dr dz]·W_hr,z
      gemmNN(m, B, H, H, 1, dxt + 2 * H, G, wh + 2 * H * H, H, 0, dRh, H);
      for (let b = 0; b < B; b++) {
        if (isPadded(m, mrow, b)) continue;
        const row = gt + b * G;
        const dxRow = dxt + b * G;
        for (let j = 0; j < H; j++) {
          const k = b * H + j;
          const r = m[row + j];
          const drh = m[dRh + k];
          m[dxRow + j] = drh * m[hPrev + k] * r * (1 - r);
          m[carry + k] += drh * r;
        }
      }
      if (!last || dh0 !== 0) gemmNN(m, B, H, 2 * H, 1, dxt, G, wh, H, 1, carry, H);
    }
  }
  if (dh0 !== 0) m.copyWithin(dh0 >>> 2, carry, carry + BH);
  const rows = T * B;
  if (dwih !== 0) gemmTN(m, G, I, rows, 1, dgxs, G, x >>> 2, ldx, 1, dwih >>> 2, I);
  // the hidden side: r and z from dgx; n from dgh (reset-after) or dgx with r∘h_prev as input
  const dhn = resetAfter ? dghs : dgxs + 2 * H;
  const lddhn = resetAfter ? H : G;
  if (dwhh !== 0) {
    const hPrevRun = hs + previousRun(reverse) * BH;
    gemmTN(m, 2 * H, H, rows, 1, dgxs, G, hPrevRun, H, 1, dwhh >>> 2, H);
    gemmTN(m, H, H, rows, 1, dhn, lddhn, resetAfter ? hPrevRun : hns, H, 1, (dwhh >>> 2) + 2 * H * H, H);
  }
  addColumnSums(m, rows, G, dgxs, G, dbih);
  addColumnSums(m, rows, 2 * H, dgxs, G, dbhh);
  addColumnSums(m, rows, H, dhn, lddhn, dbhh === 0 ? 0 : dbhh + 8 * H);
  if (dx !== 0) gemmNN(m, rows, I, G, 1, dgxs, G, wih >>> 2, I, accumDx ? 1 : 0, dx >>> 2, lddx);
}
