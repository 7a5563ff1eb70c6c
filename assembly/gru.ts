// GRU: gates r, z, n (row blocks of H inside each 3H row, PyTorch layout); h_t = (1 - z)∘n + z∘h_{t-1}.
//   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   reset after  (resetAfter = 1, PyTorch / Keras-TF2): n = tanh(W_in x + b_in + r∘(W_hn h + b_hn))
//   reset before (resetAfter = 0, Cho et al. 2014):     n = tanh(W_in x + b_in + W_hn (r∘h) + b_hn)
// Contract and buffer layouts: src/backend/kernels.ts (gru_forward / gru_backward).
//
// Organisation (cuDNN / ONNX Runtime): forward packs W_ihᵀ and W_hhᵀ once, projects the input of
// all T·B rows with one GEMM, then per step runs the recurrent GEMM into a (B,3H) scratch and one
// fused gate kernel (two for reset-before, which needs r before the n product). Backward runs the
// dh recurrence per step (fused gate-backward kernel + one GEMM through W_hh) and afterwards
// computes dW_ih, dW_hh, dX and the bias gradients as single GEMMs / column sums over all T·B rows.
// Step mask (optional, mask.ts): forward holds the state of padded rows and zeroes their output
// after the gate kernels; backward runs the gate kernels on runs of real rows only and zeroes the
// padded rows' dgx / dgh, so the GEMM into the carry (beta = 1) adds nothing to their carry.
//
// Naming inside the gate kernels: gx = input-side pre-activations (W_i x + b_i), gh = hidden-side
// pre-activations (W_h h + b_h, or W_hn (r∘h) + b_hn for the n block of reset-before).

import { gemm_packed_bias, gemm_packed_cols, gemm_packed_rows, gemm_tn_packed_pair, pack_b_share, pack_bt_share, packed_size } from './packed';
import { barrier, is_first_thread, share_end, share_start } from './threads';
import { v_sigmoid, v_tanh, s_sigmoid, s_tanh } from './math';
import { fill_rows_with_bias, zero_initial_rows } from './rowops';
import { is_padded, mask_hold_rows, mask_run_end } from './mask';

// ---------------------------------------------------------------- small helpers

/** Byte address of float element `i` after `base`. */
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** Four lanes at `p` (full) or one value at `p` splatted (tail). */
@inline function ld(p: usize, full: bool): v128 {
  return full ? v128.load(p) : f32x4.splat(load<f32>(p));
}

/** Stores four lanes at `p` (full) or lane 0 only (tail). */
@inline function st(p: usize, v: v128, full: bool): void {
  if (full) v128.store(p, v);
  else store<f32>(p, f32x4.extract_lane(v, 0));
}

// ---------------------------------------------------------------- fused gate kernels: forward

/** The r and z gates of one group of {@link gru_gates_forward}, stored over their pre-activations in gx. */
@inline function gates_forward_rz_only(full: bool, gxb: usize, ghb: usize, H: i32, j: i32): void {
  st(at(gxb, j), v_sigmoid(f32x4.add(ld(at(gxb, j), full), ld(at(ghb, j), full))), full);
  st(at(gxb, H + j), v_sigmoid(f32x4.add(ld(at(gxb, H + j), full), ld(at(ghb, H + j), full))), full);
}

/**
 * The rest of one group of {@link gru_gates_forward}, after {@link gates_forward_rz_only} (a loop
 * of its own: one body for all three activations spilled to the stack): n, h_t, W_hn h + b_hn.
 */
@inline function gates_forward_group(full: bool, gxb: usize, ghb: usize, hpb: usize, hnwb: usize,
  hnb: usize, yb: usize, H: i32, j: i32): void {
  const r = ld(at(gxb, j), full);
  const z = ld(at(gxb, H + j), full);
  const ghn = ld(at(ghb, 2 * H + j), full);
  const n = v_tanh(f32x4.add(ld(at(gxb, 2 * H + j), full), f32x4.mul(r, ghn)));
  const hp = ld(at(hpb, j), full);
  const h = f32x4.add(n, f32x4.mul(z, f32x4.sub(hp, n))); // (1 - z)∘n + z∘h_prev
  st(at(gxb, 2 * H + j), n, full);
  st(at(hnb, j), ghn, full);
  st(at(hnwb, j), h, full);
  if (yb) st(at(yb, j), h, full);
}

/**
 * One reset-after GRU step's gate math (SIMD).
 * gx (B,3H): in the input-side pre-activations W_i x + b_i, out the activated r, z, n.
 * gh (B,3H): the hidden-side pre-activations W_h h_prev + b_h. hprev (B,H).
 * Writes hnew (B,H) = h_t, hn (B,H) = W_hn h_prev + b_hn, and y (B,·) stride ldy = h_t (y = 0: skip).
 */
export function gru_gates_forward(B: i32, H: i32, gx: usize, gh: usize, hprev: usize, hnew: usize,
  hn: usize, y: usize, ldy: i32): void {
  for (let b = 0; b < B; b++) {
    const gxb = at(gx, b * 3 * H);
    const ghb = at(gh, b * 3 * H);
    const hpb = at(hprev, b * H);
    const hnwb = at(hnew, b * H);
    const hnb = at(hn, b * H);
    const yb: usize = y ? at(y, b * ldy) : 0;
    let j = 0;
    for (; j + 4 <= H; j += 4) gates_forward_rz_only(true, gxb, ghb, H, j);
    for (; j < H; j++) gates_forward_rz_only(false, gxb, ghb, H, j);
    j = 0;
    for (; j + 4 <= H; j += 4) gates_forward_group(true, gxb, ghb, hpb, hnwb, hnb, yb, H, j);
    for (; j < H; j++) gates_forward_group(false, gxb, ghb, hpb, hnwb, hnb, yb, H, j);
  }
}

/** Scalar reference of {@link gru_gates_forward} (same arguments and results). */
export function gru_gates_forward_ref(B: i32, H: i32, gx: usize, gh: usize, hprev: usize, hnew: usize,
  hn: usize, y: usize, ldy: i32): void {
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const gxr = at(gx, b * 3 * H + j), gxz = at(gx, b * 3 * H + H + j), gxn = at(gx, b * 3 * H + 2 * H + j);
      const ghr = at(gh, b * 3 * H + j), ghz = at(gh, b * 3 * H + H + j), ghn = at(gh, b * 3 * H + 2 * H + j);
      const r = s_sigmoid(load<f32>(gxr) + load<f32>(ghr));
      const z = s_sigmoid(load<f32>(gxz) + load<f32>(ghz));
      const hnv = load<f32>(ghn);
      const n = s_tanh(load<f32>(gxn) + r * hnv);
      const h = (<f32>1 - z) * n + z * load<f32>(at(hprev, b * H + j));
      store<f32>(gxr, r);
      store<f32>(gxz, z);
      store<f32>(gxn, n);
      store<f32>(at(hn, b * H + j), hnv);
      store<f32>(at(hnew, b * H + j), h);
      if (y) store<f32>(at(y, b * ldy + j), h);
    }
  }
}

/** One group of {@link gru_gates_forward_rz}. */
@inline function gates_forward_rz_group(full: bool, gxb: usize, ghb: usize, hpb: usize, rhb: usize,
  H: i32, j: i32): void {
  const r = v_sigmoid(f32x4.add(ld(at(gxb, j), full), ld(at(ghb, j), full)));
  const z = v_sigmoid(f32x4.add(ld(at(gxb, H + j), full), ld(at(ghb, H + j), full)));
  st(at(gxb, j), r, full);
  st(at(gxb, H + j), z, full);
  st(at(rhb, j), f32x4.mul(r, ld(at(hpb, j), full)), full);
}

/**
 * Reset-before GRU step, part 1 of 2 (SIMD): the r and z gates.
 * gx (B,3H): in the input-side pre-activations; out columns [0,2H) hold the activated r, z
 * (columns [2H,3H) untouched). gh (B,3H): columns [0,2H) hold W_h{r,z} h_prev + b_h{r,z}.
 * hprev (B,H). Writes rh (B,H) = r∘h_prev (the input of the W_hn product, saved for backward).
 */
export function gru_gates_forward_rz(B: i32, H: i32, gx: usize, gh: usize, hprev: usize, rh: usize): void {
  for (let b = 0; b < B; b++) {
    const gxb = at(gx, b * 3 * H);
    const ghb = at(gh, b * 3 * H);
    const hpb = at(hprev, b * H);
    const rhb = at(rh, b * H);
    let j = 0;
    for (; j + 4 <= H; j += 4) gates_forward_rz_group(true, gxb, ghb, hpb, rhb, H, j);
    for (; j < H; j++) gates_forward_rz_group(false, gxb, ghb, hpb, rhb, H, j);
  }
}

/** Scalar reference of {@link gru_gates_forward_rz}. */
export function gru_gates_forward_rz_ref(B: i32, H: i32, gx: usize, gh: usize, hprev: usize, rh: usize): void {
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const gxr = at(gx, b * 3 * H + j), gxz = at(gx, b * 3 * H + H + j);
      const r = s_sigmoid(load<f32>(gxr) + load<f32>(at(gh, b * 3 * H + j)));
      const z = s_sigmoid(load<f32>(gxz) + load<f32>(at(gh, b * 3 * H + H + j)));
      store<f32>(gxr, r);
      store<f32>(gxz, z);
      store<f32>(at(rh, b * H + j), r * load<f32>(at(hprev, b * H + j)));
    }
  }
}

/** One group of {@link gru_gates_forward_n}. */
@inline function gates_forward_n_group(full: bool, gxb: usize, ghb: usize, hpb: usize, hnwb: usize,
  yb: usize, H: i32, j: i32): void {
  const z = ld(at(gxb, H + j), full);
  const n = v_tanh(f32x4.add(ld(at(gxb, 2 * H + j), full), ld(at(ghb, 2 * H + j), full)));
  const hp = ld(at(hpb, j), full);
  const h = f32x4.add(n, f32x4.mul(z, f32x4.sub(hp, n)));
  st(at(gxb, 2 * H + j), n, full);
  st(at(hnwb, j), h, full);
  if (yb) st(at(yb, j), h, full);
}

/**
 * Reset-before GRU step, part 2 of 2 (SIMD): the candidate n and the new state.
 * gx (B,3H): columns [H,2H) hold the activated z (from part 1); in columns [2H,3H) the input-side
 * pre-activation W_in x + b_in, out the activated n. gh (B,3H): columns [2H,3H) hold
 * W_hn (r∘h_prev) + b_hn. hprev (B,H). Writes hnew (B,H) = h_t and y (B,·) stride ldy (y = 0: skip).
 */
export function gru_gates_forward_n(B: i32, H: i32, gx: usize, gh: usize, hprev: usize, hnew: usize,
  y: usize, ldy: i32): void {
  for (let b = 0; b < B; b++) {
    const gxb = at(gx, b * 3 * H);
    const ghb = at(gh, b * 3 * H);
    const hpb = at(hprev, b * H);
    const hnwb = at(hnew, b * H);
    const yb: usize = y ? at(y, b * ldy) : 0;
    let j = 0;
    for (; j + 4 <= H; j += 4) gates_forward_n_group(true, gxb, ghb, hpb, hnwb, yb, H, j);
    for (; j < H; j++) gates_forward_n_group(false, gxb, ghb, hpb, hnwb, yb, H, j);
  }
}

/** Scalar reference of {@link gru_gates_forward_n}. */
export function gru_gates_forward_n_ref(B: i32, H: i32, gx: usize, gh: usize, hprev: usize, hnew: usize,
  y: usize, ldy: i32): void {
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const z = load<f32>(at(gx, b * 3 * H + H + j));
      const gxn = at(gx, b * 3 * H + 2 * H + j);
      const n = s_tanh(load<f32>(gxn) + load<f32>(at(gh, b * 3 * H + 2 * H + j)));
      const h = (<f32>1 - z) * n + z * load<f32>(at(hprev, b * H + j));
      store<f32>(gxn, n);
      store<f32>(at(hnew, b * H + j), h);
      if (y) store<f32>(at(y, b * ldy + j), h);
    }
  }
}

// ---------------------------------------------------------------- fused gate kernels: backward

/** One group of {@link gru_gates_backward}. */
@inline function gates_backward_group(full: bool, gb: usize, hnb: usize, hpb: usize, dyb: usize,
  cb: usize, dgxb: usize, dghb: usize, H: i32, j: i32): void {
  const one = f32x4.splat(1.0);
  let dh = ld(at(cb, j), full);
  if (dyb) dh = f32x4.add(dh, ld(at(dyb, j), full));
  const r = ld(at(gb, j), full);
  const z = ld(at(gb, H + j), full);
  const n = ld(at(gb, 2 * H + j), full);
  const hp = ld(at(hpb, j), full);
  // h = (1 - z)∘n + z∘h_prev
  const dan = f32x4.mul(f32x4.mul(dh, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
  const daz = f32x4.mul(f32x4.mul(dh, f32x4.sub(hp, n)), f32x4.mul(z, f32x4.sub(one, z)));
  // n = tanh(gx_n + r∘hn): dr = dan∘hn
  const dar = f32x4.mul(f32x4.mul(dan, ld(at(hnb, j), full)), f32x4.mul(r, f32x4.sub(one, r)));
  st(at(dgxb, j), dar, full);
  st(at(dgxb, H + j), daz, full);
  st(at(dgxb, 2 * H + j), dan, full);
  st(at(dghb, j), f32x4.mul(dan, r), full);
  st(at(cb, j), f32x4.mul(dh, z), full);
}

/**
 * One reset-after GRU step's gate backward (SIMD).
 * gates (B,3H) activated r, z, n; hn (B,H) = W_hn h_prev + b_hn; hprev (B,H);
 * dy (B,·) stride lddy or 0. carry (B,H): in dL/dh_t from later steps (dy is added here),
 * out the direct part dh∘z of dL/dh_prev (the caller adds the hidden side's gradients · W_hh).
 * Writes dgx (B,3H) = dL/d(input-side pre-activations) [dr dz dn], which are also the hidden
 * side's for r and z, and dgh (B,H) = the hidden side's for n: dn∘r. dgx may be `gates` itself
 * (each value is read before its slot is written).
 */
export function gru_gates_backward(B: i32, H: i32, gates: usize, hn: usize, hprev: usize,
  dy: usize, lddy: i32, carry: usize, dgx: usize, dgh: usize): void {
  for (let b = 0; b < B; b++) {
    const gb = at(gates, b * 3 * H);
    const hnb = at(hn, b * H);
    const hpb = at(hprev, b * H);
    const dyb: usize = dy ? at(dy, b * lddy) : 0;
    const cb = at(carry, b * H);
    const dgxb = at(dgx, b * 3 * H);
    const dghb = at(dgh, b * H);
    let j = 0;
    for (; j + 4 <= H; j += 4) gates_backward_group(true, gb, hnb, hpb, dyb, cb, dgxb, dghb, H, j);
    for (; j < H; j++) gates_backward_group(false, gb, hnb, hpb, dyb, cb, dgxb, dghb, H, j);
  }
}

/** Scalar reference of {@link gru_gates_backward}. */
export function gru_gates_backward_ref(B: i32, H: i32, gates: usize, hn: usize, hprev: usize,
  dy: usize, lddy: i32, carry: usize, dgx: usize, dgh: usize): void {
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const g = b * 3 * H + j;
      let dh = load<f32>(at(carry, b * H + j));
      if (dy) dh += load<f32>(at(dy, b * lddy + j));
      const r = load<f32>(at(gates, g));
      const z = load<f32>(at(gates, g + H));
      const n = load<f32>(at(gates, g + 2 * H));
      const hp = load<f32>(at(hprev, b * H + j));
      const dan = dh * (<f32>1 - z) * (<f32>1 - n * n);
      const daz = dh * (hp - n) * z * (<f32>1 - z);
      const dar = dan * load<f32>(at(hn, b * H + j)) * r * (<f32>1 - r);
      store<f32>(at(dgx, g), dar);
      store<f32>(at(dgx, g + H), daz);
      store<f32>(at(dgx, g + 2 * H), dan);
      store<f32>(at(dgh, b * H + j), dan * r);
      store<f32>(at(carry, b * H + j), dh * z);
    }
  }
}

/** One group of {@link gru_gates_backward_zn}. */
@inline function gates_backward_zn_group(full: bool, gb: usize, hpb: usize, dyb: usize, cb: usize,
  dgxb: usize, H: i32, j: i32): void {
  const one = f32x4.splat(1.0);
  let dh = ld(at(cb, j), full);
  if (dyb) dh = f32x4.add(dh, ld(at(dyb, j), full));
  const z = ld(at(gb, H + j), full);
  const n = ld(at(gb, 2 * H + j), full);
  const hp = ld(at(hpb, j), full);
  const dan = f32x4.mul(f32x4.mul(dh, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
  const daz = f32x4.mul(f32x4.mul(dh, f32x4.sub(hp, n)), f32x4.mul(z, f32x4.sub(one, z)));
  st(at(dgxb, H + j), daz, full);
  st(at(dgxb, 2 * H + j), dan, full);
  st(at(cb, j), f32x4.mul(dh, z), full);
}

/**
 * Reset-before GRU step backward, part 1 of 2 (SIMD): the z and n gates.
 * gates (B,3H) activated r, z, n; hprev (B,H); dy (B,·) stride lddy or 0.
 * carry (B,H): in dL/dh_t from later steps (dy is added here), out dh∘z.
 * Writes columns [H,3H) of dgx (B,3H): dL/da_z and dL/da_n, which are the hidden side's too (the n
 * pre-activation is W_in x + b_in + W_hn (r∘h) + b_hn, so both sides get the same gradient).
 * dgx may be `gates` itself (each value is read before its slot is written).
 */
export function gru_gates_backward_zn(B: i32, H: i32, gates: usize, hprev: usize,
  dy: usize, lddy: i32, carry: usize, dgx: usize): void {
  for (let b = 0; b < B; b++) {
    const gb = at(gates, b * 3 * H);
    const hpb = at(hprev, b * H);
    const dyb: usize = dy ? at(dy, b * lddy) : 0;
    const cb = at(carry, b * H);
    const dgxb = at(dgx, b * 3 * H);
    let j = 0;
    for (; j + 4 <= H; j += 4) gates_backward_zn_group(true, gb, hpb, dyb, cb, dgxb, H, j);
    for (; j < H; j++) gates_backward_zn_group(false, gb, hpb, dyb, cb, dgxb, H, j);
  }
}

/** Scalar reference of {@link gru_gates_backward_zn}. */
export function gru_gates_backward_zn_ref(B: i32, H: i32, gates: usize, hprev: usize,
  dy: usize, lddy: i32, carry: usize, dgx: usize): void {
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const g = b * 3 * H + j;
      let dh = load<f32>(at(carry, b * H + j));
      if (dy) dh += load<f32>(at(dy, b * lddy + j));
      const z = load<f32>(at(gates, g + H));
      const n = load<f32>(at(gates, g + 2 * H));
      const hp = load<f32>(at(hprev, b * H + j));
      const dan = dh * (<f32>1 - z) * (<f32>1 - n * n);
      const daz = dh * (hp - n) * z * (<f32>1 - z);
      store<f32>(at(dgx, g + H), daz);
      store<f32>(at(dgx, g + 2 * H), dan);
      store<f32>(at(carry, b * H + j), dh * z);
    }
  }
}

/** One group of {@link gru_gates_backward_r}. */
@inline function gates_backward_r_group(full: bool, gb: usize, hpb: usize, drhb: usize, cb: usize,
  dgxb: usize, j: i32): void {
  const one = f32x4.splat(1.0);
  const r = ld(at(gb, j), full);
  const drh = ld(at(drhb, j), full);
  const dar = f32x4.mul(f32x4.mul(drh, ld(at(hpb, j), full)), f32x4.mul(r, f32x4.sub(one, r)));
  st(at(dgxb, j), dar, full);
  st(at(cb, j), f32x4.add(ld(at(cb, j), full), f32x4.mul(drh, r)), full);
}

/**
 * Reset-before GRU step backward, part 2 of 2 (SIMD): the r gate.
 * gates (B,3H) activated r, z, n; hprev (B,H); drh (B,H) = dL/d(r∘h_prev) = dL/da_n·W_hn.
 * Writes columns [0,H) of dgx (B,3H) = dL/da_r (the hidden side's too), and adds drh∘r to carry
 * (B,H). dgx may be `gates` itself.
 */
export function gru_gates_backward_r(B: i32, H: i32, gates: usize, hprev: usize, drh: usize,
  carry: usize, dgx: usize): void {
  for (let b = 0; b < B; b++) {
    const gb = at(gates, b * 3 * H);
    const hpb = at(hprev, b * H);
    const drhb = at(drh, b * H);
    const cb = at(carry, b * H);
    const dgxb = at(dgx, b * 3 * H);
    let j = 0;
    for (; j + 4 <= H; j += 4) gates_backward_r_group(true, gb, hpb, drhb, cb, dgxb, j);
    for (; j < H; j++) gates_backward_r_group(false, gb, hpb, drhb, cb, dgxb, j);
  }
}

/** Scalar reference of {@link gru_gates_backward_r}. */
export function gru_gates_backward_r_ref(B: i32, H: i32, gates: usize, hprev: usize, drh: usize,
  carry: usize, dgx: usize): void {
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const g = b * 3 * H + j;
      const r = load<f32>(at(gates, g));
      const d = load<f32>(at(drh, b * H + j));
      const dar = d * load<f32>(at(hprev, b * H + j)) * r * (<f32>1 - r);
      store<f32>(at(dgx, g), dar);
      const c = at(carry, b * H + j);
      store<f32>(c, load<f32>(c) + d * r);
    }
  }
}

// ---------------------------------------------------------------- sequence kernels

/**
 * GRU over T steps (see src/backend/kernels.ts).
 * x (T,B,I) stride ldx; mask (T,B) or 0 (0 = every step real; a 0 value = padded step: state
 * held, y row zero, gates / hn rows unspecified but finite); wih (3H,I); whh (3H,H); bih, bhh (3H)
 * or 0; h0 (B,H) or 0; y (T,B,·) stride ldy receives h_t; gates (T,B,3H) receives activated r, z, n;
 * hn (T,B,H) receives W_hn h_prev + b_hn (resetAfter = 1) or r∘h_prev (resetAfter = 0); hseq (T+1,B,H).
 * work ≥ I·⌈3H/8⌉·8 + H·(⌈2H/8⌉·8 + ⌈H/8⌉·8) + B·3H floats: W_ihᵀ (I,3H) packed; W_hhᵀ packed
 * whole (H,3H) (reset-after) or as its (H,2H) r,z part and (H,H) n part (reset-before); the (B,3H)
 * hidden projection.
 */
export function gru_forward(T: i32, B: i32, I: i32, H: i32, reverse: i32, resetAfter: i32,
  x: usize, ldx: i32, mask: usize, wih: usize, whh: usize, bih: usize, bhh: usize, h0: usize,
  y: usize, ldy: i32, gates: usize, hn: usize, hseq: usize, work: usize, prepacked: i32): void {
  // prepacked ≠ 0: the packed weights at the start of work are already there (an earlier call).
  // Threaded (threads.ts): panels of the packing, rows of the input projection, columns of each
  // recurrent GEMM and batch rows of the gate kernels are shared out, with a barrier wherever one
  // thread's output is another's input (as in lstm_forward).
  const G = 3 * H;
  const BH = B * H;
  const wihP = work;                                          // W_ihᵀ (I, 3H) packed
  const whhP = at(work, packed_size(I, G));                   // W_hhᵀ (H, 3H) or (H, 2H) packed
  const whnP = at(whhP, packed_size(H, 2 * H));               // reset-before: W_hnᵀ (H, H) packed
  const gh = at(whnP, packed_size(H, H));                     // (B, 3H)

  // initial state
  if (is_first_thread()) {
    const h0Block = at(hseq, reverse ? T * BH : 0);
    if (h0) memory.copy(h0Block, h0, <usize>BH << 2);
    else memory.fill(h0Block, 0, <usize>BH << 2);
  }
  if (T <= 0 || B <= 0 || H <= 0) { barrier(); return; }

  if (prepacked == 0) {
    pack_bt_share(I, G, wih, I, wihP);
    if (resetAfter) {
      pack_bt_share(H, G, whh, H, whhP);
    } else {
      pack_bt_share(H, 2 * H, whh, H, whhP);
      pack_bt_share(H, H, at(whh, 2 * H * H), H, whnP);
    }
  }
  barrier();

  // input projection of all T·B rows (this thread's rows): gates = X·W_ihᵀ + b_ih
  const rows = T * B;
  const r0 = share_start(rows, 4), r1 = share_end(rows, 4);
  if (r1 > r0) {
    gemm_packed_bias(r1 - r0, G, I, 1.0, at(x, r0 * ldx), ldx, wihP, 0.0, bih, at(gates, r0 * G), G);
  }
  barrier();

  const b0 = share_start(B, 1), nb = share_end(B, 1) - b0;
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const hprev = at(hseq, (reverse ? t + 1 : t) * BH);
    const hnew = at(hseq, (reverse ? t : t + 1) * BH);
    const gx = at(gates, t * B * G);
    const hnT = at(hn, t * BH);
    const yT: usize = y ? at(y, t * B * ldy) : 0;
    const yRows: usize = y ? at(yT, b0 * ldy) : 0;
    // a zero initial state (h0 absent) makes the first step's recurrent products (and r∘h_prev)
    // zero: K = 0 leaves just the bias
    const Kh = s > 0 || h0 ? H : 0;
    if (resetAfter) {
      recurrent_cols(B, G, Kh, hprev, whhP, bhh, gh, G);
      barrier();
      if (nb > 0) gru_gates_forward(nb, H, at(gx, b0 * G), at(gh, b0 * G), at(hprev, b0 * H), at(hnew, b0 * H), at(hnT, b0 * H), yRows, ldy);
    } else {
      recurrent_cols(B, 2 * H, Kh, hprev, whhP, bhh, gh, G);
      barrier();
      if (nb > 0) gru_gates_forward_rz(nb, H, at(gx, b0 * G), at(gh, b0 * G), at(hprev, b0 * H), at(hnT, b0 * H));
      barrier();
      recurrent_cols(B, H, Kh, hnT, whnP, bhh ? at(bhh, 2 * H) : 0, at(gh, 2 * H), G);
      barrier();
      if (nb > 0) gru_gates_forward_n(nb, H, at(gx, b0 * G), at(gh, b0 * G), at(hprev, b0 * H), at(hnew, b0 * H), yRows, ldy);
    }
    if (mask && nb > 0) mask_hold_rows(nb, H, at(mask, t * B + b0), at(hprev, b0 * H), at(hnew, b0 * H), yRows, ldy);
    barrier();
  }
}

/**
 * This thread's columns (whole 8-column panels, as gemm_packed_cols splits them) of
 * C (B,N) = bias + A (B,K) · P, where P is a packed (K,N) B; bias (N) or 0 for none, fused into
 * the product's store. A rows are K floats apart, C rows ldc.
 */
function recurrent_cols(B: i32, N: i32, K: i32, A: usize, P: usize, bias: usize, C: usize, ldc: i32): void {
  const panels = (N + 7) >> 3;
  const p0 = share_start(panels, 1);
  const c0 = min(N, p0 << 3), c1 = min(N, share_end(panels, 1) << 3);
  if (c1 <= c0) return;
  gemm_packed_bias(B, c1 - c0, K, 1.0, A, K, at(P, p0 * K * 8), 0.0, bias ? at(bias, c0) : 0, at(C, c0), ldc);
}

/**
 * Backward of {@link gru_forward} (see src/backend/kernels.ts).
 * x (T,B,I) stride ldx; wih (3H,I); whh (3H,H); gates (T,B,3H), hn (T,B,H), hseq (T+1,B,H) from
 * the forward; dy (T,B,·) stride lddy or 0; dhT (B,H) or 0. Writes dx (T,B,I) stride lddx (or 0;
 * added to when accumDx = 1) and dh0 (B,H) (or 0); accumulates dwih (3H,I), dwhh (3H,H), dbih,
 * dbhh (3H) (each may be 0). dgx (T,B,3H) receives the input side's pre-activation gradients
 * (also the hidden side's, but for reset-after's n), and may be `gates` itself; dgh (T,B,H)
 * (reset-after only; unused for reset-before) receives the hidden side's n gradient dn∘r. Both are
 * zero on padded rows. work ≥ gruBackwardWork(B,I,H) floats (src/backend/kernels.ts): the dh
 * carry, d(r∘h_prev) (reset-before), then W_hh packed, dW chunks, W_ih packed in turn.
 * mask: the forward's (T,B) mask or 0; a padded step ignores dy, contributes nothing, and passes
 * the dh carry straight through.
 */
export function gru_backward(T: i32, B: i32, I: i32, H: i32, reverse: i32, resetAfter: i32,
  x: usize, ldx: i32, mask: usize, wih: usize, whh: usize, gates: usize, hn: usize, hseq: usize,
  dy: usize, lddy: i32, dhT: usize, dx: usize, lddx: i32, accumDx: i32, dh0: usize,
  dwih: usize, dwhh: usize, dbih: usize, dbhh: usize, dgx: usize, dgh: usize, work: usize): void {
  // Threaded: batch rows of the gate kernels, columns of each carry GEMM, and the shares of the
  // weight-gradient GEMMs, dX rows and bias columns, as in lstm_backward.
  const G = 3 * H;
  const BH = B * H;
  const carry = work;            // (B, H)
  const drh = at(work, BH);      // (B, H)
  // W_hh (3H, H) packed as B panels in two parts, its r,z rows (2H, H) and its n rows (H, H): the
  // hidden side's r,z gradients are dgx's own columns, its n gradient is dgx's (reset-before) or
  // dgh (reset-after). After the time loop the same region holds the chunks of the
  // weight-gradient GEMMs, then W_ih (3H, I) packed (dx)
  const whhP = at(work, 2 * BH);
  const whnP = at(whhP, packed_size(2 * H, H));
  const live = T > 0 && B > 0 && H > 0;
  if (live) {
    pack_b_share(2 * H, H, whh, H, whhP);
    pack_b_share(H, H, at(whh, 2 * H * H), H, whnP);
  }
  if (is_first_thread()) {
    if (dhT) memory.copy(carry, dhT, <usize>BH << 2);
    else memory.fill(carry, 0, <usize>BH << 2);
  }
  barrier();

  const b0 = share_start(B, 1), b1 = share_end(B, 1);
  if (live) {
    for (let s = T - 1; s >= 0; s--) {
      const t = reverse ? T - 1 - s : s;
      const hprev = at(hseq, (reverse ? t + 1 : t) * BH);
      const gT = at(gates, t * B * G);
      const dgxT = at(dgx, t * B * G);
      const dghT = at(dgh, t * BH);       // reset-after only
      const dyT: usize = dy ? at(dy, t * B * lddy) : 0;
      const hnT = at(hn, t * BH);
      // this thread's rows: all of [b0, b1) unmasked, else each run of real rows in it (padded
      // rows get zero gradients, so every GEMM below leaves their carry as it is: carry + 0·W_hh)
      const maskRow: usize = mask ? at(mask, t * B) : 0;
      for (let b = b0; b < b1;) {
        const e = mask ? min(mask_run_end(maskRow, b, B), b1) : b1;
        const n = e - b;
        if (mask && is_padded(maskRow, b)) {
          memory.fill(at(dgxT, b * G), 0, <usize>(n * G) << 2);
          if (resetAfter) memory.fill(at(dghT, b * H), 0, <usize>(n * H) << 2);
        } else if (resetAfter) {
          gru_gates_backward(n, H, at(gT, b * G), at(hnT, b * H), at(hprev, b * H), dyT ? at(dyT, b * lddy) : 0, lddy,
            at(carry, b * H), at(dgxT, b * G), at(dghT, b * H));
        } else {
          gru_gates_backward_zn(n, H, at(gT, b * G), at(hprev, b * H), dyT ? at(dyT, b * lddy) : 0, lddy,
            at(carry, b * H), at(dgxT, b * G));
        }
        b = e;
      }
      barrier();
      if (resetAfter) {
        // dh_prev = dh∘z + [dr dz]·W_hr,z + (dn∘r)·W_hn (each thread its own columns of both)
        gemm_packed_cols(B, H, 2 * H, 1.0, dgxT, G, whhP, 1.0, carry, H);
        gemm_packed_cols(B, H, H, 1.0, dghT, H, whnP, 1.0, carry, H);
      } else {
        gemm_packed_cols(B, H, H, 1.0, at(dgxT, 2 * H), G, whnP, 0.0, drh, H);
        barrier();
        for (let b = b0; b < b1;) {
          const e = mask ? min(mask_run_end(maskRow, b, B), b1) : b1;
          if (!mask || !is_padded(maskRow, b)) {
            gru_gates_backward_r(e - b, H, at(gT, b * G), at(hprev, b * H), at(drh, b * H), at(carry, b * H),
              at(dgxT, b * G));
          }
          b = e;
        }
        barrier();
        gemm_packed_cols(B, H, 2 * H, 1.0, dgxT, G, whhP, 1.0, carry, H);
      }
      barrier();
    }

    const rows = T * B;
    const hprevAll = at(hseq, reverse ? BH : 0); // (T·B, H): the previous state of every step
    // a zero initial state's rows of it (the first step's, forward; the last's, reversed), and
    // so of r∘h_prev, hold only zeros: the hidden-side products skip them
    const z = zero_initial_rows(T, B, H, reverse, hseq);
    const lo2 = reverse ? 0 : z, hi2 = rows - (reverse ? z : 0);
    // r and z: dW_ih, dW_hh and both bias sums from one pass over those columns of dgx (the pair
    // skips a product whose C is 0 or whose width is 0)
    gemm_tn_packed_pair(2 * H, rows, 1.0, dgx, G, x, ldx, I, dwih, I, hprevAll, H, H, dwhh, H,
      1.0, dbih, dbhh, whhP, lo2, hi2);
    const dwihN: usize = dwih ? at(dwih, 2 * H * I) : 0;
    const dwhhN: usize = dwhh ? at(dwhh, 2 * H * H) : 0;
    const dbihN: usize = dbih ? at(dbih, 2 * H) : 0;
    const dbhhN: usize = dbhh ? at(dbhh, 2 * H) : 0;
    if (resetAfter) {
      // n: the input side from dgx, the hidden side from dgh = dn∘r
      gemm_tn_packed_pair(H, rows, 1.0, at(dgx, 2 * H), G, x, ldx, I, dwihN, I, 0, 0, 0, 0, 0,
        1.0, dbihN, 0, whhP, 0, rows);
      gemm_tn_packed_pair(H, rows, 1.0, dgh, H, 0, 0, 0, 0, 0, hprevAll, H, H, dwhhN, H, 1.0, dbhhN, 0, whhP, lo2, hi2);
    } else {
      // n: both sides share dn; the hidden side's input is r∘h_prev (saved in hn)
      gemm_tn_packed_pair(H, rows, 1.0, at(dgx, 2 * H), G, x, ldx, I, dwihN, I, hn, H, H, dwhhN, H,
        1.0, dbihN, dbhhN, whhP, lo2, hi2);
    }
    if (dx && I > 0) {
      pack_b_share(G, I, wih, I, whhP);
      barrier();
      gemm_packed_rows(rows, I, G, 1.0, dgx, G, whhP, accumDx ? 1.0 : 0.0, dx, lddx);
    }
  } else if (dx && !accumDx && I > 0 && is_first_thread()) {
    // H = 0 or B = 0 with rows present: dx = 0 (nothing flows back)
    fill_rows_with_bias(T * B, I, dx, lddx, 0, 0);
  }

  if (dh0 && is_first_thread()) memory.copy(dh0, carry, <usize>BH << 2);
  barrier();
}
