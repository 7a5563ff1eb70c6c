// LSTM: gates i, f, g, o (PyTorch order, row blocks of H inside each 4H gate row);
// i, f, o = sigmoid, g = tanh; c_t = f∘c_{t-1} + i∘g; h_t = o∘tanh(c_t).
// Contract and buffer layouts: src/backend/kernels.ts (lstm_forward / lstm_backward).
//
// Organisation (cuDNN / ONNX Runtime style):
// - forward: W_ihᵀ (I,G) and W_hhᵀ (H,G) are packed into `work`. Batch 1–3 (the GEMV path): ONE
//   gemm writes the gate rows of all T·B rows, x·W_ihᵀ + b_ih + b_hh (the summed bias fused into
//   its store), then each step runs one recurrent gemm (B rows) into its gate rows. Batch ≥ 4:
//   the two weights share stacked panels and each step runs ONE gemm, [x_t | h_{t−1}] ·
//   [W_ihᵀ; W_hhᵀ] + bias, K = I + H, that writes its gate rows once (no projection stored for
//   every step and read back from memory by the recurrent product). Either way one fused
//   element-wise kernel (lstm_gates_forward) then activates the gates in place and writes c_t,
//   h_t and y_t.
// - backward: each step, in reverse processing order, runs one fused kernel (lstm_gates_backward:
//   dh = carry + dy_t → pre-activation gradients dgates_t and the dc carry) and one gemm for the dh
//   carry (dgates_t · W_hh); afterwards dW_ih, dW_hh and dX are single gemms over all T·B rows and
//   the bias gradients are column sums of dgates.
// - step mask (optional, mask.ts): forward holds h and c of padded rows and zeroes their output
//   after the fused kernel; backward runs the fused kernel on runs of real rows only (so the dc
//   carry of padded rows is untouched), zeroes the padded rows' dgates and carries their dh
//   through the recurrent gemm (beta = 1 over a carry whose real rows were zeroed).

import { edge_tile, gemm_packed_bias_cols_ps, gemm_packed_bias_ps, gemm_packed_cols, gemm_packed_rows, gemm_tn_packed_pair, pack_b_share, pack_bt_share_ps, packed_size } from './packed';
import { barrier, is_first_thread, share_end, share_start } from './threads';
import { s_sigmoid, s_tanh, tanh_lane, v_sigmoid_den, v_tanh, v_tanh_den, v_tanh_from_inv } from './math';
import { fill_rows_with_bias, stage_rows, zero_initial_rows } from './rowops';
import { is_padded, mask_hold_rows, mask_run_end, mask_zero_real_rows } from './mask';

// ---------------------------------------------------------------- fused gate kernels

/**
 * Four columns of one LSTM row, first half: the pre-activations at gi, gf, gg, go become the
 * activated gates i, f, g, o, in place. Two divisions where four activations need them: i and f
 * share one, o and g another (math.ts, fused-kernel pieces).
 */
@inline function lstm_gates4(gi: usize, gf: usize, gg: usize, go: usize): void {
  const one = f32x4.splat(1.0);
  const xg = v128.load(gg);
  const di = v_sigmoid_den(v128.load(gi));
  const df = v_sigmoid_den(v128.load(gf));
  const dO = v_sigmoid_den(v128.load(go));
  const ag = f32x4.abs(xg);
  const dg = v_tanh_den(ag);
  const rif = f32x4.div(one, f32x4.mul(di, df));
  const rog = f32x4.div(one, f32x4.mul(dO, dg));
  v128.store(gi, f32x4.mul(rif, df));
  v128.store(gf, f32x4.mul(rif, di));
  v128.store(gg, v_tanh_from_inv(xg, ag, f32x4.mul(rog, dO)));
  v128.store(go, f32x4.mul(rog, dg));
}

/**
 * Second half: from the activated gates and c_prev at cp, c_t = f·c_prev + i·g and
 * h_t = o·tanh(c_t), stored at cc and hh; returns h_t. A loop of its own, so that each loop
 * body keeps its values in registers (one body for all four activations and the state spilled).
 */
@inline function lstm_state4(gi: usize, gf: usize, gg: usize, go: usize, cp: usize, cc: usize, hh: usize): v128 {
  const one = f32x4.splat(1.0);
  const cNew = f32x4.add(f32x4.mul(v128.load(gf), v128.load(cp)), f32x4.mul(v128.load(gi), v128.load(gg)));
  const ac = f32x4.abs(cNew);
  const hNew = f32x4.mul(v128.load(go), v_tanh_from_inv(cNew, ac, f32x4.div(one, v_tanh_den(ac))));
  v128.store(cc, cNew);
  v128.store(hh, hNew);
  return hNew;
}

/**
 * One LSTM step's element-wise part, for B rows.
 * gates (B,4H): in, the pre-activations [i f g o]; out, the activated gates (saved for backward).
 * cPrev (B,H): c_{t-1}. c (B,H), h (B,H): out, c_t and h_t. y (B,·) stride ldy: out, h_t again
 * (0 = skip). c and h must not overlap gates or cPrev.
 */
export function lstm_gates_forward(B: i32, H: i32, gates: usize, cPrev: usize, c: usize, h: usize, y: usize, ldy: i32): void {
  // gates (B, 4H); cPrev, c, h (B, H); y (B, ·) stride ldy
  const hBytes = <usize>H << 2;
  const n = <usize>(H & 3) << 2;    // bytes of the tail columns
  const slots = edge_tile(); // 128 bytes of this thread's scratch: 7 slots of 16 (see the tail below)
  for (let b = 0; b < B; b++) {
    const gi = gates + <usize>b * (hBytes << 2);
    const gf = gi + hBytes;
    const gg = gf + hBytes;
    const go = gg + hBytes;
    const rowH = <usize>b * hBytes;
    const cp = cPrev + rowH;
    const cc = c + rowH;
    const hh = h + rowH;
    const yy = y + (<usize>b * <usize>ldy << 2);
    const H4 = H & ~3;
    for (let j = 0; j < H4; j += 4) {
      const o4 = <usize>j << 2;
      lstm_gates4(gi + o4, gf + o4, gg + o4, go + o4);
    }
    for (let j = 0; j < H; j += 4) {
      const o4 = <usize>j << 2;
      let pi = gi + o4, pf = gf + o4, pg = gg + o4, po = go + o4, pc = cp + o4, pcc = cc + o4, ph = hh + o4;
      const tail = j + 4 > H;
      if (tail) {
        // the last H mod 4 columns go through the same vector code in scratch slots: four gate
        // pre-activations and c_prev in, c and h out (the zero-padded lanes are discarded)
        memory.fill(slots, 0, 80);
        memory.copy(slots, pi, n);
        memory.copy(slots + 16, pf, n);
        memory.copy(slots + 32, pg, n);
        memory.copy(slots + 48, po, n);
        memory.copy(slots + 64, pc, n);
        pi = slots; pf = slots + 16; pg = slots + 32; po = slots + 48; pc = slots + 64; pcc = slots + 80; ph = slots + 96;
        lstm_gates4(pi, pf, pg, po);
      }
      const hNew = lstm_state4(pi, pf, pg, po, pc, pcc, ph);
      if (tail) {
        memory.copy(gi + o4, slots, n);
        memory.copy(gf + o4, slots + 16, n);
        memory.copy(gg + o4, slots + 32, n);
        memory.copy(go + o4, slots + 48, n);
        memory.copy(cc + o4, slots + 80, n);
        memory.copy(hh + o4, slots + 96, n);
        if (y != 0) memory.copy(yy + o4, slots + 96, n);
      } else if (y != 0) {
        v128.store(yy + o4, hNew);
      }
    }
  }
}

/** Scalar reference of {@link lstm_gates_forward} (activations in f64, rounded to f32). */
export function lstm_gates_forward_ref(B: i32, H: i32, gates: usize, cPrev: usize, c: usize, h: usize, y: usize, ldy: i32): void {
  // gates (B, 4H); cPrev, c, h (B, H); y (B, ·) stride ldy
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const row = gates + (<usize>(b * 4 * H) << 2);
      const pi = row + (<usize>j << 2);
      const pf = row + (<usize>(H + j) << 2);
      const pg = row + (<usize>(2 * H + j) << 2);
      const po = row + (<usize>(3 * H + j) << 2);
      const i = s_sigmoid(load<f32>(pi));
      const f = s_sigmoid(load<f32>(pf));
      const g = s_tanh(load<f32>(pg));
      const o = s_sigmoid(load<f32>(po));
      store<f32>(pi, i);
      store<f32>(pf, f);
      store<f32>(pg, g);
      store<f32>(po, o);
      const k = <usize>(b * H + j) << 2;
      const cNew = f * load<f32>(cPrev + k) + i * g;
      const hNew = o * s_tanh(cNew);
      store<f32>(c + k, cNew);
      store<f32>(h + k, hNew);
      if (y != 0) store<f32>(y + (<usize>(b * ldy + j) << 2), hNew);
    }
  }
}

/**
 * Backward of one LSTM step's element-wise part, for B rows.
 * gates (B,4H): the activated gates of the step. cPrev (B,H), c (B,H): c_{t-1} and c_t.
 * dh (B,H): the dh carry (gradient reaching h_t from later steps). dy (B,·) stride lddy: the
 * gradient of y_t, added to dh (0 = none). dc (B,H): in, the dc carry for c_t; out, the carry for
 * c_{t-1}. dgates (B,4H): out, the gradients of the pre-activations [di df dg do].
 */
export function lstm_gates_backward(B: i32, H: i32, gates: usize, cPrev: usize, c: usize,
  dh: usize, dy: usize, lddy: i32, dc: usize, dgates: usize): void {
  // gates, dgates (B, 4H); cPrev, c, dh, dc (B, H); dy (B, ·) stride lddy
  const hBytes = <usize>H << 2;
  const one = f32x4.splat(1);
  for (let b = 0; b < B; b++) {
    const gi = gates + <usize>b * (hBytes << 2);
    const gf = gi + hBytes;
    const gg = gf + hBytes;
    const go = gg + hBytes;
    const di = dgates + <usize>b * (hBytes << 2);
    const df = di + hBytes;
    const dg = df + hBytes;
    const dout = dg + hBytes;
    const rowH = <usize>b * hBytes;
    const cp = cPrev + rowH;
    const cc = c + rowH;
    const dhh = dh + rowH;
    const dcc = dc + rowH;
    const dyy = dy + (<usize>b * <usize>lddy << 2);
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const o4 = <usize>j << 2;
      let dH = v128.load(dhh + o4);
      if (dy != 0) dH = f32x4.add(dH, v128.load(dyy + o4));
      const i = v128.load(gi + o4);
      const f = v128.load(gf + o4);
      const g = v128.load(gg + o4);
      const o = v128.load(go + o4);
      const tc = v_tanh(v128.load(cc + o4));
      const dC = f32x4.add(v128.load(dcc + o4), f32x4.mul(f32x4.mul(dH, o), f32x4.sub(one, f32x4.mul(tc, tc))));
      v128.store(dout + o4, f32x4.mul(f32x4.mul(dH, tc), f32x4.mul(o, f32x4.sub(one, o))));
      v128.store(di + o4, f32x4.mul(f32x4.mul(dC, g), f32x4.mul(i, f32x4.sub(one, i))));
      v128.store(df + o4, f32x4.mul(f32x4.mul(dC, v128.load(cp + o4)), f32x4.mul(f, f32x4.sub(one, f))));
      v128.store(dg + o4, f32x4.mul(f32x4.mul(dC, i), f32x4.sub(one, f32x4.mul(g, g))));
      v128.store(dcc + o4, f32x4.mul(dC, f));
    }
    for (; j < H; j++) {
      const o4 = <usize>j << 2;
      let dH = load<f32>(dhh + o4);
      if (dy != 0) dH += load<f32>(dyy + o4);
      const i = load<f32>(gi + o4);
      const f = load<f32>(gf + o4);
      const g = load<f32>(gg + o4);
      const o = load<f32>(go + o4);
      const tc = tanh_lane(load<f32>(cc + o4));
      const dC = load<f32>(dcc + o4) + (dH * o) * (1 - tc * tc);
      store<f32>(dout + o4, (dH * tc) * (o * (1 - o)));
      store<f32>(di + o4, (dC * g) * (i * (1 - i)));
      store<f32>(df + o4, (dC * load<f32>(cp + o4)) * (f * (1 - f)));
      store<f32>(dg + o4, (dC * i) * (1 - g * g));
      store<f32>(dcc + o4, dC * f);
    }
  }
}

/** Scalar reference of {@link lstm_gates_backward} (tanh(c) in f64, rounded to f32). */
export function lstm_gates_backward_ref(B: i32, H: i32, gates: usize, cPrev: usize, c: usize,
  dh: usize, dy: usize, lddy: i32, dc: usize, dgates: usize): void {
  // gates, dgates (B, 4H); cPrev, c, dh, dc (B, H); dy (B, ·) stride lddy
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const gRow = gates + (<usize>(b * 4 * H) << 2);
      const dRow = dgates + (<usize>(b * 4 * H) << 2);
      const k = <usize>(b * H + j) << 2;
      let dH = load<f32>(dh + k);
      if (dy != 0) dH += load<f32>(dy + (<usize>(b * lddy + j) << 2));
      const i = load<f32>(gRow + (<usize>j << 2));
      const f = load<f32>(gRow + (<usize>(H + j) << 2));
      const g = load<f32>(gRow + (<usize>(2 * H + j) << 2));
      const o = load<f32>(gRow + (<usize>(3 * H + j) << 2));
      const tc = s_tanh(load<f32>(c + k));
      const dC = load<f32>(dc + k) + (dH * o) * (1 - tc * tc);
      store<f32>(dRow + (<usize>j << 2), (dC * g) * (i * (1 - i)));
      store<f32>(dRow + (<usize>(H + j) << 2), (dC * load<f32>(cPrev + k)) * (f * (1 - f)));
      store<f32>(dRow + (<usize>(2 * H + j) << 2), (dC * i) * (1 - g * g));
      store<f32>(dRow + (<usize>(3 * H + j) << 2), (dH * tc) * (o * (1 - o)));
      store<f32>(dc + k, dC * f);
    }
  }
}

// ---------------------------------------------------------------- sequence kernels

/**
 * LSTM over T steps (see Kernels.lstm_forward in src/backend/kernels.ts).
 * x (T,B,I) stride ldx; mask (T,B) or 0 (0 = every step real; a 0 value = padded step: h and c
 * held, y row zero, gates row unspecified but finite); wih (4H,I); whh (4H,H); bih, bhh (4H) or 0;
 * h0, c0 (B,H) or 0; y (T,B,·) stride ldy receives h_t; gates (T,B,4H) receives the activated gates;
 * hseq, cseq (T+1,B,H): forward, block 0 = initial state and block t+1 = after step t; reverse,
 * block T = initial state and block t = after step t. work ≥ (I+H)·⌈4H/8⌉·8 floats: W_ih and W_hh
 * packed as B panels of Wᵀ (see packed.ts).
 */
export function lstm_forward(T: i32, B: i32, I: i32, H: i32, reverse: i32,
  x: usize, ldx: i32, mask: usize, wih: usize, whh: usize, bih: usize, bhh: usize, h0: usize, c0: usize,
  y: usize, ldy: i32, gates: usize, hseq: usize, cseq: usize, work: usize, prepacked: i32): void {
  // work: W_ihᵀ (I, 4H) and W_hhᵀ (H, 4H) packed — for B ≥ 4 as stacked panels (each 8-column
  // panel holds its I rows of W_ihᵀ, then its H rows of W_hhᵀ: pack_bt_ps), for B < 4 one after
  // the other (the GEMV streams W_hhᵀ's panels without gaps) — then bih + bhh (4H), then a
  // (B, I+H) staging block for [x_t | h_{t−1}] (B ≥ 4); prepacked ≠ 0: work already holds that
  // packing of these weights (for the same B: the layout depends on it).
  // Threaded (threads.ts): panels, rows of the input projection, columns of each step's gemm and
  // batch rows of each fused step are shared out, with a barrier wherever one thread's output is
  // another's input.
  const G = 4 * H;
  const K = I + H;
  const stateBytes = <usize>(B * H) << 2;            // one (B,H) block
  const stepGateBytes = <usize>(B * G) << 2;         // one (B,4H) block
  // A batch of at least 4 rows (the GEMM's tile path) computes each step's gates in one product
  // over the staging block, [x_t | h_{t−1}] · [W_ihᵀ; W_hhᵀ] + bias, written once (K = I + H);
  // batches of 1–3 take the GEMV path, which streams its weights once per row: there one GEMM over
  // all T·B rows projects the inputs first (W_ih read once, not once per step) and each step adds
  // its recurrent product onto its rows.
  const fused = B >= 4;
  const ihPs = fused ? <usize>K << 5 : <usize>I << 5;   // bytes from one panel of W_ihᵀ to the next
  const hhPs = fused ? <usize>K << 5 : <usize>H << 5;   // and of W_hhᵀ
  const wP = work;
  const whhP = work + (fused ? <usize>I << 5 : <usize>packed_size(I, G) << 2);
  if (prepacked == 0) {
    pack_bt_share_ps(I, G, wih, I, wP, ihPs);
    pack_bt_share_ps(H, G, whh, H, whhP, hhPs);
  }

  // the bias of the input projection: bih + bhh (one of them when the other is absent)
  const summed = bih != 0 && bhh != 0;
  const biasSlot = work + (<usize>packed_size(K, G) << 2);
  const bias = summed ? biasSlot : (bih != 0 ? bih : bhh);
  const staging = biasSlot + (<usize>G << 2);        // (B, I+H): [x_t | h_{t−1}] of the next step
  const ldxB = <usize>ldx << 2;

  // initial state into its block (zeros when absent)
  const initial = reverse != 0 ? <usize>T * stateBytes : 0;
  if (is_first_thread()) {
    if (h0 != 0) memory.copy(hseq + initial, h0, stateBytes); else memory.fill(hseq + initial, 0, stateBytes);
    if (c0 != 0) memory.copy(cseq + initial, c0, stateBytes); else memory.fill(cseq + initial, 0, stateBytes);
    if (summed) fill_rows_with_bias(1, G, bias, G, bih, bhh);
    if (fused && T > 0) stage_rows(0, B, I, H, x + <usize>(reverse != 0 ? T - 1 : 0) * <usize>B * ldxB, ldxB, hseq + initial, staging);
  }
  barrier();
  if (T <= 0) return;

  if (!fused) {
    // gates of all T·B rows = bih + bhh + x·W_ihᵀ (this thread's rows), the bias fused into the GEMM
    const rows = T * B;
    const r0 = share_start(rows, 4), r1 = share_end(rows, 4);
    gemm_packed_bias_ps(r1 - r0, G, I, 1, x + <usize>r0 * ldxB, ldx, wP, ihPs, 0, bias, gates + (<usize>r0 * <usize>G << 2), G);
    barrier();
  }

  // this thread's batch rows of the fused step
  const b0 = share_start(B, 1), nb = share_end(B, 1) - b0;
  const rowH = <usize>b0 * <usize>H << 2;
  const rowG = <usize>b0 * <usize>G << 2;
  for (let s = 0; s < T; s++) {
    const t = reverse != 0 ? T - 1 - s : s;
    const prev = <usize>(reverse != 0 ? t + 1 : t) * stateBytes;
    const next = <usize>(reverse != 0 ? t : t + 1) * stateBytes;
    const gt = gates + <usize>t * stepGateBytes;
    // the step's products (the recurrent one skipped when h_prev is the zero initial state)
    const recurrent = s > 0 || h0 != 0;
    if (fused) {
      gemm_packed_bias_cols_ps(B, G, recurrent ? K : I, 1, staging, K, wP, ihPs, 0, bias, gt, G);
      barrier();
    } else if (recurrent) {
      gemm_packed_bias_cols_ps(B, G, H, 1, hseq + prev, H, whhP, hhPs, 1, 0, gt, G);
      barrier();
    }
    if (nb > 0) {
      const yt = y != 0 ? y + ((<usize>t * <usize>B + <usize>b0) * <usize>ldy << 2) : 0;
      lstm_gates_forward(nb, H, gt + rowG, cseq + prev + rowH, cseq + next + rowH, hseq + next + rowH, yt, ldy);
      if (mask != 0) {
        const maskRow = mask + (<usize>(t * B + b0) << 2);
        mask_hold_rows(nb, H, maskRow, hseq + prev + rowH, hseq + next + rowH, yt, ldy);
        mask_hold_rows(nb, H, maskRow, cseq + prev + rowH, cseq + next + rowH, 0, 0);
      }
      // this thread's rows of the next step's staging block: x of the next step, h_t
      if (fused && s + 1 < T) {
        const tn = reverse != 0 ? t - 1 : t + 1;
        stage_rows(b0, nb, I, H, x + <usize>tn * <usize>B * ldxB, ldxB, hseq + next, staging);
      }
    }
    barrier();
  }
}

/**
 * Backward of lstm_forward (see Kernels.lstm_backward in src/backend/kernels.ts).
 * dy (T,B,·) stride lddy or 0; dhT, dcT (B,H) or 0. Writes dx (T,B,I) stride lddx (added to when
 * accumDx = 1; skipped when 0), dh0, dc0 (B,H) (each skipped when 0); accumulates dwih (4H,I),
 * dwhh (4H,H), dbih, dbhh (4H) (bias pointers may be 0). dgates (T,B,4H) receives the
 * pre-activation gradients in time order (zero on padded rows); work ≥ lstmBackwardWork(B,I,H)
 * floats (src/backend/kernels.ts). mask: the
 * forward's (T,B) mask or 0; a padded step ignores dy, contributes nothing, and passes the dh and
 * dc carries straight through.
 */
export function lstm_backward(T: i32, B: i32, I: i32, H: i32, reverse: i32,
  x: usize, ldx: i32, mask: usize, wih: usize, whh: usize, gates: usize, hseq: usize, cseq: usize,
  dy: usize, lddy: i32, dhT: usize, dcT: usize, dx: usize, lddx: i32, accumDx: i32,
  dh0: usize, dc0: usize, dwih: usize, dwhh: usize, dbih: usize, dbhh: usize,
  dgates: usize, work: usize): void {
  // work: dh carry (B, H), dc carry (B, H), then one region used in turn for W_hh (4H, H) packed as
  // B panels (the time loop), the chunks of the weight-gradient GEMMs, and W_ih (4H, I) packed (dx).
  // Threaded: batch rows of each fused step, columns of each carry gemm, rows of the weight and
  // input gradients and columns of the bias sums are shared out (see lstm_forward).
  const G = 4 * H;
  const stateBytes = <usize>(B * H) << 2;
  const stepGateBytes = <usize>(B * G) << 2;
  const dhCarry = work;
  const dcCarry = work + stateBytes;
  const wP = work + 2 * stateBytes;
  if (is_first_thread()) {
    if (dhT != 0) memory.copy(dhCarry, dhT, stateBytes); else memory.fill(dhCarry, 0, stateBytes);
    if (dcT != 0) memory.copy(dcCarry, dcT, stateBytes); else memory.fill(dcCarry, 0, stateBytes);
  }
  if (T > 0) pack_b_share(G, H, whh, H, wP);
  barrier();

  const b0 = share_start(B, 1), b1 = share_end(B, 1);
  const hBytes = <usize>H << 2;
  const gBytes = <usize>G << 2;
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse != 0 ? T - 1 - s : s;
    const prev = <usize>(reverse != 0 ? t + 1 : t) * stateBytes;
    const next = <usize>(reverse != 0 ? t : t + 1) * stateBytes;
    const gt = gates + <usize>t * stepGateBytes;
    const dgt = dgates + <usize>t * stepGateBytes;
    const dyt = dy != 0 ? dy + (<usize>t * <usize>B * <usize>lddy << 2) : 0;
    if (mask == 0) {
      if (b1 > b0) {
        const offH = <usize>b0 * hBytes;
        const offG = <usize>b0 * gBytes;
        lstm_gates_backward(b1 - b0, H, gt + offG, cseq + prev + offH, cseq + next + offH, dhCarry + offH,
          dyt != 0 ? dyt + (<usize>b0 * <usize>lddy << 2) : 0, lddy, dcCarry + offH, dgt + offG);
      }
      barrier();
      // dh carry for h_prev = dgates_t · W_hh; the last one goes straight to dh0
      if (s > 0) gemm_packed_cols(B, H, G, 1, dgt, G, wP, 0, dhCarry, H);
      else if (dh0 != 0) gemm_packed_cols(B, H, G, 1, dgt, G, wP, 0, dh0, H);
      barrier();
      continue;
    }
    // masked: the fused kernel on each run of real rows, zero dgates on padded rows
    const maskRow = mask + (<usize>(t * B) << 2);
    for (let b = b0; b < b1;) {
      const e = min(mask_run_end(maskRow, b, B), b1);
      const offH = <usize>b * hBytes;
      const offG = <usize>b * gBytes;
      if (is_padded(maskRow, b)) {
        memory.fill(dgt + offG, 0, <usize>(e - b) * gBytes);
      } else {
        lstm_gates_backward(e - b, H, gt + offG, cseq + prev + offH, cseq + next + offH, dhCarry + offH,
          dyt != 0 ? dyt + (<usize>b * <usize>lddy << 2) : 0, lddy, dcCarry + offH, dgt + offG);
      }
      b = e;
    }
    if (s > 0) {
      // real rows: carry = dgates·W_hh; padded rows: carry + 0·W_hh = carry
      if (b1 > b0) mask_zero_real_rows(b1 - b0, H, maskRow + (<usize>b0 << 2), dhCarry + <usize>b0 * hBytes, H);
      barrier();
      gemm_packed_cols(B, H, G, 1, dgt, G, wP, 1, dhCarry, H);
    } else if (dh0 != 0) {
      barrier();
      gemm_packed_cols(B, H, G, 1, dgt, G, wP, 0, dh0, H);
      barrier();
      if (b1 > b0) mask_hold_rows(b1 - b0, H, maskRow + (<usize>b0 << 2), dhCarry + <usize>b0 * hBytes, dh0 + <usize>b0 * hBytes, 0, 0);
    }
    barrier();
  }
  if (is_first_thread()) {
    if (T <= 0 && dh0 != 0) memory.copy(dh0, dhCarry, stateBytes);
    if (dc0 != 0) memory.copy(dc0, dcCarry, stateBytes);
  }
  if (T <= 0) return;

  const rows = T * B;
  const hPrev = hseq + (reverse != 0 ? stateBytes : 0);   // (T,B,H): the previous state of each step
  // dW_ih += dGatesᵀ·X, dW_hh += dGatesᵀ·H_prev, db_ih and db_hh += Σ dGates: one pass over dGates;
  // a zero initial state's rows of H_prev (the first step's, forward; the last's, reversed) skipped
  const z = zero_initial_rows(T, B, H, reverse, hseq);
  const lo2 = reverse != 0 ? 0 : z, hi2 = rows - (reverse != 0 ? z : 0);
  gemm_tn_packed_pair(G, rows, 1, dgates, G, x, ldx, I, dwih, I, hPrev, H, H, dwhh, H, 1, dbih, dbhh, wP, lo2, hi2);
  if (dx != 0) {
    pack_b_share(G, I, wih, I, wP);
    barrier();
    gemm_packed_rows(rows, I, G, 1, dgates, G, wP, accumDx != 0 ? 1 : 0, dx, lddx);
  }
  barrier();
}
