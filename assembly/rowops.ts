// Row helpers shared by the sequence kernels (RNN, LSTM, GRU): filling rows with a sum of biases
// (one row, b_ih + b_hh, for the input projection's fused bias; or zeros), the column sums that
// turn the pre-activation gradients of all T·B rows into bias gradients, and the rows of a zero
// initial state. Pointer 0 = absent bias.

import { all_zero } from './vec';

// ---------------------------------------------------------------- zero initial state

/**
 * How many rows of a sequence kernel's (T·B, H) previous-state operand hold a zero initial state:
 * B when the initial block of hseq (T+1,B,H) (block 0 forward, block T reversed) is all ±0, else 0.
 * Those rows lead the operand forward and trail it reversed; a weight gradient may skip them.
 */
export function zero_initial_rows(T: i32, B: i32, H: i32, reverse: i32, hseq: usize): i32 {
  const block = reverse != 0 ? <usize>T * <usize>(B * H) << 2 : 0;
  return all_zero(B * H, hseq + block) ? B : 0;
}

// ---------------------------------------------------------------- bias fill

/**
 * Every row r of dst (R,C) stride ldd = b1 + b2, where b1 (C) and b2 (C) may each be 0 (absent);
 * with both absent the rows are zeroed.
 */
export function fill_rows_with_bias(R: i32, C: i32, dst: usize, ldd: i32, b1: usize, b2: usize): void {
  // dst (R, C) stride ldd; b1 (C) or 0; b2 (C) or 0
  if (R <= 0 || C <= 0) return;
  // the first row gets the sum, every later row is a copy of it
  const first = dst;
  let j = 0;
  for (; j + 4 <= C; j += 4) {
    const off = <usize>j << 2;
    let v = f32x4.splat(0);
    if (b1 != 0) v = f32x4.add(v, v128.load(b1 + off));
    if (b2 != 0) v = f32x4.add(v, v128.load(b2 + off));
    v128.store(first + off, v);
  }
  for (; j < C; j++) {
    const off = <usize>j << 2;
    let v: f32 = 0;
    if (b1 != 0) v += load<f32>(b1 + off);
    if (b2 != 0) v += load<f32>(b2 + off);
    store<f32>(first + off, v);
  }
  const rowBytes = <usize>C << 2;
  for (let r = 1; r < R; r++) memory.copy(dst + (<usize>r * <usize>ldd << 2), first, rowBytes);
}

/** Scalar reference of {@link fill_rows_with_bias}. */
export function fill_rows_with_bias_ref(R: i32, C: i32, dst: usize, ldd: i32, b1: usize, b2: usize): void {
  // dst (R, C) stride ldd; b1 (C) or 0; b2 (C) or 0
  for (let r = 0; r < R; r++) {
    for (let j = 0; j < C; j++) {
      let v: f32 = 0;
      if (b1 != 0) v += load<f32>(b1 + (<usize>j << 2));
      if (b2 != 0) v += load<f32>(b2 + (<usize>j << 2));
      store<f32>(dst + (<usize>(r * ldd + j) << 2), v);
    }
  }
}

// ---------------------------------------------------------------- column sums

/**
 * out[j] += Σ_r src[r, j] for src (R,C) stride lds. The rows are summed in order into a zero
 * accumulator, which is then added to out (out may be 0: nothing happens).
 */
export function accumulate_column_sums(R: i32, C: i32, src: usize, lds: i32, out: usize): void {
  accumulate_column_sums2(R, C, src, lds, out, 0);
}

/** Adds one column-sum vector to out (or nothing when out is 0). */
@inline function add_sums(out: usize, j: i32, at: u32, v: v128): void {
  if (out != 0) {
    const o = out + (<usize>j << 2) + <usize>at;
    v128.store(o, f32x4.add(v128.load(o), v));
  }
}

/**
 * {@link accumulate_column_sums} into two outputs at once (either may be 0): out1[j] += s[j] and
 * out2[j] += s[j], with s computed once — the two bias gradients of a recurrent layer (b_ih and
 * b_hh receive the same sum).
 */
export function accumulate_column_sums2(R: i32, C: i32, src: usize, lds: i32, out1: usize, out2: usize): void {
  // src (R, C) stride lds; out1, out2 (C) or 0
  if ((out1 == 0 && out2 == 0) || C <= 0) return;
  const rowStride = <usize>lds << 2;
  let j = 0;
  // 16 columns at a time: four independent accumulators, each row read as 64 contiguous bytes
  for (; j + 16 <= C; j += 16) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let p = src + (<usize>j << 2);
    for (let r = 0; r < R; r++) {
      a0 = f32x4.add(a0, v128.load(p));
      a1 = f32x4.add(a1, v128.load(p, 16));
      a2 = f32x4.add(a2, v128.load(p, 32));
      a3 = f32x4.add(a3, v128.load(p, 48));
      p += rowStride;
    }
    add_sums(out1, j, 0, a0); add_sums(out1, j, 16, a1); add_sums(out1, j, 32, a2); add_sums(out1, j, 48, a3);
    add_sums(out2, j, 0, a0); add_sums(out2, j, 16, a1); add_sums(out2, j, 32, a2); add_sums(out2, j, 48, a3);
  }
  for (; j + 4 <= C; j += 4) {
    let a = f32x4.splat(0);
    let p = src + (<usize>j << 2);
    for (let r = 0; r < R; r++) {
      a = f32x4.add(a, v128.load(p));
      p += rowStride;
    }
    add_sums(out1, j, 0, a);
    add_sums(out2, j, 0, a);
  }
  for (; j < C; j++) {
    let a: f32 = 0;
    let p = src + (<usize>j << 2);
    for (let r = 0; r < R; r++) {
      a += load<f32>(p);
      p += rowStride;
    }
    const o = <usize>j << 2;
    if (out1 != 0) store<f32>(out1 + o, load<f32>(out1 + o) + a);
    if (out2 != 0) store<f32>(out2 + o, load<f32>(out2 + o) + a);
  }
}

/** Scalar reference of {@link accumulate_column_sums}. */
export function accumulate_column_sums_ref(R: i32, C: i32, src: usize, lds: i32, out: usize): void {
  // src (R, C) stride lds; out (C)
  if (out == 0) return;
  for (let j = 0; j < C; j++) {
    let a: f32 = 0;
    for (let r = 0; r < R; r++) a += load<f32>(src + (<usize>(r * lds + j) << 2));
    store<f32>(out + (<usize>j << 2), load<f32>(out + (<usize>j << 2)) + a);
  }
}

/**
 * Rows [b0, b0 + nb) of the staging block S (B, I+H) = [x rows (stride ldxB bytes) | h rows (B,H)]:
 * the A operand of a fused LSTM or RNN step's product, [x_t | h_{t−1}] · [W_ihᵀ; W_hhᵀ].
 */
export function stage_rows(b0: i32, nb: i32, I: i32, H: i32, xs: usize, ldxB: usize, hs: usize, S: usize): void {
  const rowS = <usize>(I + H) << 2, rowI = <usize>I << 2, rowH = <usize>H << 2;
  for (let b = b0; b < b0 + nb; b++) {
    memory.copy(S + <usize>b * rowS, xs + <usize>b * ldxB, rowI);
    memory.copy(S + <usize>b * rowS + rowI, hs + <usize>b * rowH, rowH);
  }
}
