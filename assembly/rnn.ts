// Vanilla RNN: h_t = act(x_t·W_ihᵀ + b_ih + h_{t-1}·W_hhᵀ + b_hh), act = tanh or relu.
// Contract and buffer layouts: src/backend/kernels.ts (rnn_forward / rnn_backward).
//
// Organisation (cuDNN / ONNX Runtime style):
// - forward: W_ihᵀ (I,H) and W_hhᵀ (H,H) are packed into `work`. Batch 1–3: ONE gemm writes
//   x·W_ihᵀ + b_ih + b_hh (the summed bias fused into its store) into the hseq blocks that will
//   hold h_t (blocks 1..T forward, 0..T-1 reverse: one contiguous (T,B,H) run), then each step runs
//   one recurrent gemm into its block. Batch ≥ 4 (as the LSTM): each step runs ONE gemm,
//   [x_t | h_{t−1}] · [W_ihᵀ; W_hhᵀ] + bias over stacked panels, into its block. Either way one
//   fused kernel (rnn_act_forward) then activates the block in place and writes y_t.
// - backward: each step, in reverse processing order, runs one fused kernel (rnn_act_backward:
//   dpre_t = (carry + dy_t)·act'(h_t)) and one gemm for the carry (dpre_t · W_hh); afterwards
//   dW_ih, dW_hh and dX are single gemms over all T·B rows and the bias gradients column sums.
// - step mask (optional, mask.ts): forward holds the state of padded rows and zeroes their
//   output after the fused kernel; backward runs the fused kernel on runs of real rows only,
//   zeroes the padded rows' dpre and carries their dh through the recurrent gemm (beta = 1 over a
//   carry whose real rows were zeroed).
// - threaded (threads.ts), as the LSTM: panels, rows of the input projection, columns of each
//   recurrent gemm and batch rows of each fused step are shared out, with a barrier wherever one
//   thread's output is another's input.

import { gemm_packed_bias_cols_ps, gemm_packed_bias_ps, gemm_packed_cols, gemm_packed_rows, gemm_tn_packed_pair, pack_b_share, pack_bt_share_ps, packed_size } from './packed';
import { barrier, is_first_thread, share_end, share_start } from './threads';
import { s_tanh, tanh_lane, v_tanh } from './math';
import { fill_rows_with_bias, stage_rows, zero_initial_rows } from './rowops';
import { is_padded, mask_hold_rows, mask_run_end, mask_zero_real_rows } from './mask';

// ---------------------------------------------------------------- fused activation kernels

/**
 * One RNN step's element-wise part, for B rows: h = act(h) in place (act = tanh, or relu when
 * relu = 1), and y = h. h (B,H): in, the pre-activations; out, h_t. y (B,·) stride ldy (0 = skip).
 */
export function rnn_act_forward(B: i32, H: i32, relu: i32, h: usize, y: usize, ldy: i32): void {
  // h (B, H); y (B, ·) stride ldy
  const zero = f32x4.splat(0);
  for (let b = 0; b < B; b++) {
    const hh = h + (<usize>(b * H) << 2);
    const yy = y + (<usize>b * <usize>ldy << 2);
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const o4 = <usize>j << 2;
      const pre = v128.load(hh + o4);
      const v = relu != 0 ? f32x4.pmax(zero, pre) : v_tanh(pre);
      v128.store(hh + o4, v);
      if (y != 0) v128.store(yy + o4, v);
    }
    for (; j < H; j++) {
      const o4 = <usize>j << 2;
      const pre = load<f32>(hh + o4);
      const v: f32 = relu != 0 ? (pre > 0 ? pre : 0) : tanh_lane(pre);
      store<f32>(hh + o4, v);
      if (y != 0) store<f32>(yy + o4, v);
    }
  }
}

/** Scalar reference of {@link rnn_act_forward} (tanh in f64, rounded to f32). */
export function rnn_act_forward_ref(B: i32, H: i32, relu: i32, h: usize, y: usize, ldy: i32): void {
  // h (B, H); y (B, ·) stride ldy
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const p = h + (<usize>(b * H + j) << 2);
      const pre = load<f32>(p);
      const v: f32 = relu != 0 ? (pre > 0 ? pre : 0) : s_tanh(pre);
      store<f32>(p, v);
      if (y != 0) store<f32>(y + (<usize>(b * ldy + j) << 2), v);
    }
  }
}

/**
 * Backward of one RNN step's element-wise part, for B rows:
 * dpre = (dh + dy)·(1 − h²) (tanh) or (dh + dy)·[h > 0] (relu = 1).
 * h (B,H): h_t. dh (B,H): the carry. dy (B,·) stride lddy (0 = none). dpre (B,H): out.
 */
export function rnn_act_backward(B: i32, H: i32, relu: i32, h: usize, dh: usize, dy: usize, lddy: i32, dpre: usize): void {
  // h, dh, dpre (B, H); dy (B, ·) stride lddy
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  for (let b = 0; b < B; b++) {
    const row = <usize>(b * H) << 2;
    const hh = h + row;
    const dhh = dh + row;
    const dp = dpre + row;
    const dyy = dy + (<usize>b * <usize>lddy << 2);
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const o4 = <usize>j << 2;
      let d = v128.load(dhh + o4);
      if (dy != 0) d = f32x4.add(d, v128.load(dyy + o4));
      const v = v128.load(hh + o4);
      const g = relu != 0 ? v128.and(d, f32x4.gt(v, zero)) : f32x4.mul(d, f32x4.sub(one, f32x4.mul(v, v)));
      v128.store(dp + o4, g);
    }
    for (; j < H; j++) {
      const o4 = <usize>j << 2;
      let d = load<f32>(dhh + o4);
      if (dy != 0) d += load<f32>(dyy + o4);
      const v = load<f32>(hh + o4);
      store<f32>(dp + o4, relu != 0 ? (v > 0 ? d : 0) : d * (1 - v * v));
    }
  }
}

/** Scalar reference of {@link rnn_act_backward}. */
export function rnn_act_backward_ref(B: i32, H: i32, relu: i32, h: usize, dh: usize, dy: usize, lddy: i32, dpre: usize): void {
  // h, dh, dpre (B, H); dy (B, ·) stride lddy
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const k = <usize>(b * H + j) << 2;
      let d = load<f32>(dh + k);
      if (dy != 0) d += load<f32>(dy + (<usize>(b * lddy + j) << 2));
      const v = load<f32>(h + k);
      store<f32>(dpre + k, relu != 0 ? (v > 0 ? d : 0) : d * (1 - v * v));
    }
  }
}

// ---------------------------------------------------------------- sequence kernels

/**
 * Vanilla RNN over T steps (see Kernels.rnn_forward in src/backend/kernels.ts).
 * x (T,B,I) stride ldx; mask (T,B) or 0 (0 = every step real; a 0 value = padded step: state
 * held, y row zero); wih (H,I); whh (H,H); bih, bhh (H) or 0; h0 (B,H) or 0;
 * y (T,B,·) stride ldy receives h_t; hseq (T+1,B,H): forward, block 0 = initial state and block
 * t+1 = after step t; reverse, block T = initial state and block t = after step t.
 * work ≥ (I+H)·⌈H/8⌉·8 + H floats: W_ihᵀ and W_hhᵀ packed as B panels (see packed.ts), then
 * bih + bhh.
 */
export function rnn_forward(T: i32, B: i32, I: i32, H: i32, reverse: i32, relu: i32,
  x: usize, ldx: i32, mask: usize, wih: usize, whh: usize, bih: usize, bhh: usize, h0: usize,
  y: usize, ldy: i32, hseq: usize, work: usize, prepacked: i32): void {
  // work: W_ihᵀ (I, H) and W_hhᵀ (H, H) packed — for B ≥ 4 as stacked panels (I rows of W_ihᵀ,
  // then H rows of W_hhᵀ per panel), for B < 4 one after the other — then bih + bhh (H), then for
  // B ≥ 4 a (B, I+H) staging block for [x_t | h_{t−1}] (as lstm_forward; prepacked ≠ 0: work
  // already holds that packing, for the same B).
  // B ≥ 4: each step is one product [x_t | h_{t−1}] · [W_ihᵀ; W_hhᵀ] + bias into its output block;
  // B < 4 (the GEMV path): the inputs of all T·B rows are projected first, then each step adds
  // its recurrent product.
  const K = I + H;
  const stateBytes = <usize>(B * H) << 2;
  const fused = B >= 4;
  const ihPs = fused ? <usize>K << 5 : <usize>I << 5;   // bytes from one panel of W_ihᵀ to the next
  const hhPs = fused ? <usize>K << 5 : <usize>H << 5;   // and of W_hhᵀ
  const wP = work;
  const whhP = work + (fused ? <usize>I << 5 : <usize>packed_size(I, H) << 2);
  if (prepacked == 0) {
    pack_bt_share_ps(I, H, wih, I, wP, ihPs);
    pack_bt_share_ps(H, H, whh, H, whhP, hhPs);
  }
  const summed = bih != 0 && bhh != 0;
  const biasSlot = work + (<usize>packed_size(K, H) << 2);
  const bias = summed ? biasSlot : (bih != 0 ? bih : bhh);
  const staging = biasSlot + (<usize>((H + 3) & ~3) << 2);   // 16-byte aligned after the bias
  const ldxB = <usize>ldx << 2;

  const initial = reverse != 0 ? <usize>T * stateBytes : 0;
  if (is_first_thread()) {
    if (h0 != 0) memory.copy(hseq + initial, h0, stateBytes); else memory.fill(hseq + initial, 0, stateBytes);
    if (summed) fill_rows_with_bias(1, H, bias, H, bih, bhh);
    if (fused && T > 0) stage_rows(0, B, I, H, x + <usize>(reverse != 0 ? T - 1 : 0) * <usize>B * ldxB, ldxB, hseq + initial, staging);
  }
  barrier();
  if (T <= 0) return;

  if (!fused) {
    // the (T,B,H) run of output blocks = bih + bhh + x·W_ihᵀ (pre-activations of every step; this
    // thread's rows), the bias fused into the GEMM
    const rows = T * B;
    const outputs = hseq + (reverse != 0 ? 0 : stateBytes);
    const r0 = share_start(rows, 4), r1 = share_end(rows, 4);
    gemm_packed_bias_ps(r1 - r0, H, I, 1, x + <usize>r0 * ldxB, ldx, wP, ihPs, 0, bias, outputs + (<usize>r0 * <usize>H << 2), H);
    barrier();
  }

  // this thread's batch rows of the fused step
  const b0 = share_start(B, 1), nb = share_end(B, 1) - b0;
  const rowH = <usize>b0 * <usize>H << 2;
  for (let s = 0; s < T; s++) {
    const t = reverse != 0 ? T - 1 - s : s;
    const prev = hseq + <usize>(reverse != 0 ? t + 1 : t) * stateBytes;
    const next = hseq + <usize>(reverse != 0 ? t : t + 1) * stateBytes;
    // the step's products (the recurrent one skipped when h_prev is the zero initial state)
    const recurrent = s > 0 || h0 != 0;
    if (fused) {
      gemm_packed_bias_cols_ps(B, H, recurrent ? K : I, 1, staging, K, wP, ihPs, 0, bias, next, H);
      barrier();
    } else if (recurrent) {
      gemm_packed_bias_cols_ps(B, H, H, 1, prev, H, whhP, hhPs, 1, 0, next, H);
      barrier();
    }
    if (nb > 0) {
      const yt = y != 0 ? y + ((<usize>t * <usize>B + <usize>b0) * <usize>ldy << 2) : 0;
      rnn_act_forward(nb, H, relu, next + rowH, yt, ldy);
      if (mask != 0) mask_hold_rows(nb, H, mask + (<usize>(t * B + b0) << 2), prev + rowH, next + rowH, yt, ldy);
      // this thread's rows of the next step's staging block: x of the next step, h_t
      if (fused && s + 1 < T) {
        const tn = reverse != 0 ? t - 1 : t + 1;
        stage_rows(b0, nb, I, H, x + <usize>tn * <usize>B * ldxB, ldxB, next, staging);
      }
    }
    barrier();
  }
}

/**
 * Backward of rnn_forward (see Kernels.rnn_backward in src/backend/kernels.ts).
 * dy (T,B,·) stride lddy or 0; dhT (B,H) or 0. Writes dx (T,B,I) stride lddx (added to when
 * accumDx = 1; skipped when 0) and dh0 (B,H) (skipped when 0); accumulates dwih (H,I), dwhh (H,H),
 * dbih, dbhh (H) (bias pointers may be 0). dpre (T,B,H) receives the pre-activation gradients in
 * time order (zero on padded rows); work ≥ rnnBackwardWork(B,I,H) floats (src/backend/kernels.ts). mask: the forward's (T,B) mask or 0; a
 * padded step ignores dy, contributes nothing, and passes the dh carry straight through.
 */
export function rnn_backward(T: i32, B: i32, I: i32, H: i32, reverse: i32, relu: i32,
  x: usize, ldx: i32, mask: usize, wih: usize, whh: usize, hseq: usize,
  dy: usize, lddy: i32, dhT: usize, dx: usize, lddx: i32, accumDx: i32, dh0: usize,
  dwih: usize, dwhh: usize, dbih: usize, dbhh: usize, dpre: usize, work: usize): void {
  // work: dh carry (B, H), then one region used in turn for W_hh (H, H) packed (the time loop), the
  // chunks of the weight-gradient GEMMs, and W_ih (H, I) packed (dx).
  // Threaded: batch rows of each fused step, columns of each carry gemm, rows of the weight and
  // input gradients and columns of the bias sums are shared out (see rnn_forward).
  const stateBytes = <usize>(B * H) << 2;
  const dhCarry = work;
  const wP = work + stateBytes;
  if (T > 0) pack_b_share(H, H, whh, H, wP);
  if (is_first_thread()) {
    if (dhT != 0) memory.copy(dhCarry, dhT, stateBytes); else memory.fill(dhCarry, 0, stateBytes);
  }
  barrier();

  const b0 = share_start(B, 1), b1 = share_end(B, 1);
  const rowBytes = <usize>H << 2;
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse != 0 ? T - 1 - s : s;
    const next = hseq + <usize>(reverse != 0 ? t : t + 1) * stateBytes;
    const dpt = dpre + <usize>t * stateBytes;
    const dyt = dy != 0 ? dy + (<usize>t * <usize>B * <usize>lddy << 2) : 0;
    if (mask == 0) {
      if (b1 > b0) {
        const off = <usize>b0 * rowBytes;
        rnn_act_backward(b1 - b0, H, relu, next + off, dhCarry + off, dyt != 0 ? dyt + (<usize>b0 * <usize>lddy << 2) : 0, lddy, dpt + off);
      }
      barrier();
      // dh carry for h_prev = dpre_t · W_hh; the last one goes straight to dh0
      if (s > 0) gemm_packed_cols(B, H, H, 1, dpt, H, wP, 0, dhCarry, H);
      else if (dh0 != 0) gemm_packed_cols(B, H, H, 1, dpt, H, wP, 0, dh0, H);
      barrier();
      continue;
    }
    // masked: the fused kernel on each run of real rows, zero dpre on padded rows
    const maskRow = mask + (<usize>(t * B) << 2);
    for (let b = b0; b < b1;) {
      const e = min(mask_run_end(maskRow, b, B), b1);
      const off = <usize>b * rowBytes;
      if (is_padded(maskRow, b)) memory.fill(dpt + off, 0, <usize>(e - b) * rowBytes);
      else rnn_act_backward(e - b, H, relu, next + off, dhCarry + off, dyt != 0 ? dyt + (<usize>b * <usize>lddy << 2) : 0, lddy, dpt + off);
      b = e;
    }
    if (s > 0) {
      // real rows: carry = dpre·W_hh; padded rows: carry + 0·W_hh = carry
      if (b1 > b0) mask_zero_real_rows(b1 - b0, H, maskRow + (<usize>b0 << 2), dhCarry + <usize>b0 * rowBytes, H);
      barrier();
      gemm_packed_cols(B, H, H, 1, dpt, H, wP, 1, dhCarry, H);
    } else if (dh0 != 0) {
      barrier();
      gemm_packed_cols(B, H, H, 1, dpt, H, wP, 0, dh0, H);
      barrier();
      if (b1 > b0) mask_hold_rows(b1 - b0, H, maskRow + (<usize>b0 << 2), dhCarry + <usize>b0 * rowBytes, dh0 + <usize>b0 * rowBytes, 0, 0);
    }
    barrier();
  }
  if (T <= 0) {
    if (dh0 != 0 && is_first_thread()) memory.copy(dh0, dhCarry, stateBytes);
    return;
  }

  const rows = T * B;
  const hPrev = hseq + (reverse != 0 ? stateBytes : 0);   // (T,B,H): the previous state of each step
  // dW_ih += dPreᵀ·X, dW_hh += dPreᵀ·H_prev, db_ih and db_hh += Σ dPre: one pass over dPre; a
  // zero initial state's rows of H_prev (the first step's, forward; the last's, reversed) skipped
  const z = zero_initial_rows(T, B, H, reverse, hseq);
  const lo2 = reverse != 0 ? 0 : z, hi2 = rows - (reverse != 0 ? z : 0);
  gemm_tn_packed_pair(H, rows, 1, dpre, H, x, ldx, I, dwih, I, hPrev, H, H, dwhh, H, 1, dbih, dbhh, wP, lo2, hi2);
  if (dx != 0) {
    pack_b_share(H, I, wih, I, wP);
    barrier();
    gemm_packed_rows(rows, I, H, 1, dpre, H, wP, accumDx != 0 ? 1 : 0, dx, lddx);
  }
  barrier();
}
