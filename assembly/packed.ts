import { madd } from './fma';
import { accumulate_column_sums2 } from './rowops';
import { finish4, finish4b, tile_4x8_nn, tile_4x8_nn_bias } from './tile';
import { transpose } from './gemm';
import { MAX_THREADS, barrier, share_end, share_start, thread_slot } from './threads';

// GEMM over pre-packed B panels. A packed B (K,N) is ceil(N/8) panels laid end to end; panel p
// holds columns 8p..8p+8 as K rows of 8 contiguous floats (columns past N are zero):
//   P[p][k][c] = B[k][8p + c],   panel p at P + p·K·8 floats,   packedSize(K,N) = K·ceil(N/8)·8.
// The micro-kernel then reads B strictly sequentially (32 bytes per k), whatever ldb was, so a
// panel streams from L1/L2 with hardware prefetch and no cache-set conflicts. Recurrent weights
// are packed once per sequence call (or once per optimizer update) and reused by every step.
// The 4-row tiles are tile.ts's 4×8 tile (shared with gemm.ts); the 1-row GEMV tiles are here.
//
// Names. A kernel's name is its base, then at most one suffix of each kind below, in this order:
//   base   pack_b      packs B stored (K,N), row-major;
//          pack_bt     packs Bᵀ from W stored (N,K) (PyTorch's (out, in) weights), so the product
//                      is A · Wᵀ;
//          gemm_packed C = alpha · A · B + beta · C over a packed B;
//          gemm_tn_packed  the same with A stored transposed (K,M): C = alpha · Aᵀ · B + beta · C,
//                      packing B and transposing A chunk by chunk in a work buffer (tn_packed_work).
//   _bias  a bias row (N floats, or 0 for none) added to every row of C in the tiles' final store.
//   _pair  two products that share one transposed A (and its column sums): gemm_tn_packed_pair.
//   _share / _cols / _rows  this thread's part of the call in the threaded builds (threads.ts;
//          single-threaded, the part is the whole call and the result is the same):
//          _share  packing: whole panels [p0, p1) of share_start/share_end(panels, 1);
//          _cols   products: C's columns of whole panels [8·p0, 8·p1), A read whole;
//          _rows   products: C's rows [m0, m1) in multiples of 4, every panel read.
//   _ps    panel p at P + p·ps bytes (ps ≥ 32·K) instead of P + p·32·K: two weights stacked in one
//          set of panels (see pack_bt_ps), each product reading the K rows it needs.
// e.g. gemm_packed_bias_cols_ps, pack_bt_share_ps. Helpers of this file only: _body is an exported
// kernel's inlined body; micro_1xn / finish_1x8 name their C shape, (1, 8n) and (1, 8); _edge
// runs one panel as a call, for the right-edge panel and the leftover rows.

/** Floats that a packed (K,N) B occupies: K · ceil(N/8) · 8. */
export function packed_size(K: i32, N: i32): i32 {
  return K * ((N + 7) & ~7);
}

/**
 * Packs B (K,N), row-major with row stride ldb, into panels at P (packed_size(K,N) floats).
 * Shape of use: a weight already stored (in, out), or activations for a weight gradient.
 */
export function pack_b(K: i32, N: i32, B: usize, ldb: i32, P: usize): void {
  const ldb4 = <usize>ldb << 2;
  const full = N >> 3;
  for (let p = 0; p < full; p++) {
    let src = B + (<usize>p << 5);
    let dst = P + (<usize>(p * K) << 5);
    for (let k = 0; k < K; k++) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
      src += ldb4;
      dst += 32;
    }
  }
  const rest = N & 7;
  if (rest != 0) {
    let src = B + (<usize>full << 5);
    let dst = P + (<usize>(full * K) << 5);
    for (let k = 0; k < K; k++) {
      for (let c = 0; c < 8; c++) store<f32>(dst + (<usize>c << 2), c < rest ? load<f32>(src + (<usize>c << 2)) : 0);
      src += ldb4;
      dst += 32;
    }
  }
}

/**
 * Packs Bᵀ where the source W is stored (N,K) row-major with row stride ldw — PyTorch's (out, in)
 * weight layout — so that gemm_packed computes A · Wᵀ. P[p][k][c] = W[8p + c][k].
 * Reads 8 rows of W at a time, 4 columns per step, and writes 4 k-rows of the panel (a 4×8
 * transpose in registers).
 */
export function pack_bt(K: i32, N: i32, W: usize, ldw: i32, P: usize): void {
  pack_bt_ps(K, N, W, ldw, P, <usize>K << 5);
}

/**
 * {@link pack_bt} with panel p at P + p·ps bytes (ps ≥ 32·K): two weights stacked in one set of
 * panels, e.g. the LSTM's W_ihᵀ in the first I rows of each (I+H)-row panel and W_hhᵀ in the rest.
 */
function pack_bt_ps(K: i32, N: i32, W: usize, ldw: i32, P: usize, ps: usize): void {
  const ldw4 = <usize>ldw << 2;
  const K4 = K & ~3;
  const panels = (N + 7) >> 3;
  for (let p = 0; p < panels; p++) {
    const n0 = p << 3;
    const rows = min(8, N - n0);
    const dst0 = P + <usize>p * ps;
    if (rows == 8) {
      const w0 = W + <usize>n0 * ldw4;
      const w1 = w0 + ldw4, w2 = w1 + ldw4, w3 = w2 + ldw4;
      const w4 = w3 + ldw4, w5 = w4 + ldw4, w6 = w5 + ldw4, w7 = w6 + ldw4;
      for (let k = 0; k < K4; k += 4) {
        const o = <usize>k << 2;
        // rows r0..r3 → columns 0..3 of k-rows k..k+3
        const a0 = v128.load(w0 + o), a1 = v128.load(w1 + o), a2 = v128.load(w2 + o), a3 = v128.load(w3 + o);
        const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
        const d = dst0 + (<usize>k << 5);
        v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
        v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 32);
        v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 64);
        v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 96);
        const b0 = v128.load(w4 + o), b1 = v128.load(w5 + o), b2 = v128.load(w6 + o), b3 = v128.load(w7 + o);
        const u0 = v128.shuffle<f32>(b0, b1, 0, 4, 1, 5);
        const u1 = v128.shuffle<f32>(b2, b3, 0, 4, 1, 5);
        const u2 = v128.shuffle<f32>(b0, b1, 2, 6, 3, 7);
        const u3 = v128.shuffle<f32>(b2, b3, 2, 6, 3, 7);
        v128.store(d, v128.shuffle<f32>(u0, u1, 0, 1, 4, 5), 16);
        v128.store(d, v128.shuffle<f32>(u0, u1, 2, 3, 6, 7), 48);
        v128.store(d, v128.shuffle<f32>(u2, u3, 0, 1, 4, 5), 80);
        v128.store(d, v128.shuffle<f32>(u2, u3, 2, 3, 6, 7), 112);
      }
      for (let k = K4; k < K; k++) {
        const d = dst0 + (<usize>k << 5);
        for (let c = 0; c < 8; c++) store<f32>(d + (<usize>c << 2), load<f32>(W + <usize>(n0 + c) * ldw4 + (<usize>k << 2)));
      }
    } else {
      for (let k = 0; k < K; k++) {
        const d = dst0 + (<usize>k << 5);
        for (let c = 0; c < 8; c++) {
          store<f32>(d + (<usize>c << 2), c < rows ? load<f32>(W + <usize>(n0 + c) * ldw4 + (<usize>k << 2)) : 0);
        }
      }
    }
  }
}

/** Bytes of A kept in L1 by one row block of gemm_packed (half of a 32 KiB L1). */
const MC_BYTES: i32 = 16384;
/**
 * Fewest rows in one row block of gemm_packed, whatever K: a batch of 32 stays one block. Measured
 * on the dh carry's shape (32, 256, K 1024): 4-row blocks 49–53 GFLOP/s, 32-row blocks 51–54.
 */
const MC_MIN_ROWS: i32 = 32;

/**
 * Scratch for a partial (4,8) tile at the right edge (columns past N are not stored): 128 bytes
 * per thread, since threads computing different rows may reach the edge panel at once.
 */
const EDGE_TILES: usize = memory.data(128 * MAX_THREADS, 64);

/**
 * C (1, 8n) = alpha · a (1,K) · n adjacent panels (pb bytes apart) + bias + beta · C, for
 * n = 1, 2 or 3 (a constant where inlined): the batch-1 (GEMV) kernel, also used for leftover rows.
 * Each k broadcasts a[k] once and feeds it to 2n multiply-adds, one per accumulator; every
 * accumulator is one chain over k in order, as in the 4×8 tile, so a column's value does not
 * depend on how the panels were grouped (nor on which thread's share a panel fell in).
 * Why three panels: a batch-1 product streams its whole packed weight once per call (a recurrent
 * step's 1 MiB W_hh from L2), and per k one broadcast feeds six multiply-adds against the
 * three loads per two that one panel with three partial sums along K needed. V8 issues a loop
 * body's loads before its multiply-adds, so the body's live vectors are its loads plus its
 * accumulators: 1 + 6 + 6 = 13 of x64's 16 (a fourth panel, 17, spills). Six chains cover the
 * multiply-add latency at about 1.5 a cycle. Measured on 1×1024×256 (W in L2) in alternating
 * runs: 13.1–13.4 µs a call against 13.5–14.2 for one panel at a time with three partial sums
 * along K; a plain read of the same 1 MiB takes 10.7–11.0. Seven vectors at once (three and a half
 * panels, 15 live) ran slower (13.6–13.8): seven streams, not one.
 */
@inline function micro_1xn(n: i32, K: i32, a: usize, b: usize, pb: usize, c: usize, alpha: f32, beta: f32, bias: usize): void {
  let x0 = f32x4.splat(0), x1 = f32x4.splat(0), y0 = f32x4.splat(0), y1 = f32x4.splat(0);
  let z0 = f32x4.splat(0), z1 = f32x4.splat(0);
  const end = b + (<usize>K << 5);
  while (b < end) {
    const s = v128.load32_splat(a);
    x0 = madd(s, v128.load(b), x0);
    x1 = madd(s, v128.load(b, 16), x1);
    if (n > 1) {
      y0 = madd(s, v128.load(b + pb), y0);
      y1 = madd(s, v128.load(b + pb, 16), y1);
    }
    if (n > 2) {
      z0 = madd(s, v128.load(b + 2 * pb), z0);
      z1 = madd(s, v128.load(b + 2 * pb, 16), z1);
    }
    a += 4;
    b += 32;
  }
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  finish_1x8(c, x0, x1, va, vb, beta != 0, bias);
  if (n > 1) finish_1x8(c + 32, y0, y1, va, vb, beta != 0, bias != 0 ? bias + 32 : 0);
  if (n > 2) finish_1x8(c + 64, z0, z1, va, vb, beta != 0, bias != 0 ? bias + 64 : 0);
}

/** c[0..8] = alpha · (lo, hi) + bias[0..8] (bias 0: none) + beta · c[0..8] (read when readC). */
@inline function finish_1x8(c: usize, lo: v128, hi: v128, va: v128, vb: v128, readC: bool, bias: usize): void {
  if (bias == 0) {
    finish4(c, lo, va, vb, readC);
    finish4(c + 16, hi, va, vb, readC);
  } else {
    finish4b(c, lo, va, v128.load(bias), vb, readC);
    finish4b(c + 16, hi, va, v128.load(bias, 16), vb, readC);
  }
}

/** {@link micro_1xn} over one panel as a call, for the edge panel and the edge rows. */
function micro_1x8_edge(K: i32, a: usize, b: usize, c: usize, alpha: f32, beta: f32): void {
  micro_1xn(1, K, a, b, 0, c, alpha, beta, 0);
}

/**
 * C row (1, 8·panels) = alpha · a (1,K) · panels [0, panels) (pb bytes apart) + bias + beta · C
 * row: one row against whole panels, three at a time, then the one or two left (bias: 8·panels
 * floats, or 0 for none).
 * A call, not inlined: one copy of the three kernels serves every caller.
 */
function gemv_row(K: i32, panels: i32, a: usize, P: usize, pb: usize, c: usize, alpha: f32, beta: f32, bias: usize): void {
  let p = 0;
  for (; p + 3 <= panels; p += 3) {
    micro_1xn(3, K, a, P + <usize>p * pb, pb, c + (<usize>p << 5), alpha, beta, bias != 0 ? bias + (<usize>p << 5) : 0);
  }
  const left = panels - p;
  const b = P + <usize>p * pb, cl = c + (<usize>p << 5), bl = bias != 0 ? bias + (<usize>p << 5) : 0;
  if (left == 2) micro_1xn(2, K, a, b, pb, cl, alpha, beta, bl);
  else if (left == 1) micro_1xn(1, K, a, b, pb, cl, alpha, beta, bl);
}

/** This thread's edge tile: 128 bytes of per-thread scratch (also the LSTM kernel's tail columns). */
@inline export function edge_tile(): usize {
  return EDGE_TILES + (<usize>thread_slot() << 7);
}

/** Copies the first `cols` columns of `rows` rows of the EDGE tile (rows 32 bytes apart) into C. */
function edge_store(rows: i32, cols: i32, c: usize, ldc4: usize): void {
  const EDGE = edge_tile();
  for (let r = 0; r < rows; r++) {
    memory.copy(c + <usize>r * ldc4, EDGE + (<usize>r << 5), <usize>cols << 2);
  }
}

/** Loads `rows`×`cols` of C into the EDGE tile (for beta ≠ 0 at the right edge). */
function edge_load(rows: i32, cols: i32, c: usize, ldc4: usize): void {
  const EDGE = edge_tile();
  for (let r = 0; r < rows; r++) {
    memory.copy(EDGE + (<usize>r << 5), c + <usize>r * ldc4, <usize>cols << 2);
  }
}

/**
 * C (M,N) = alpha · A (M,K) · B + beta · C, where B (K,N) was packed by pack_b / pack_bt into P.
 * A row-major (stride lda), C row-major (stride ldc); beta = 0: C written without being read.
 */
export function gemm_packed(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, P: usize, beta: f32, C: usize, ldc: i32): void {
  gemm_packed_body(M, N, K, alpha, A, lda, P, <usize>K << 5, beta, 0, C, ldc);
}

/**
 * C (M,N) = alpha · A (M,K) · B + bias + beta · C: {@link gemm_packed} with a bias row (N floats,
 * added to every row; 0 = none) fused into the tiles' final store, so that a bias-initialised
 * product (an input projection) writes C once instead of filling it and then reading it back.
 * Panels outer, 4-row tiles inner: a panel (K·32 bytes) stays in L1 while every row tile passes;
 * M < 4 takes the GEMV path, one row against one panel at a time.
 */
export function gemm_packed_bias(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, P: usize, beta: f32, bias: usize, C: usize, ldc: i32): void {
  gemm_packed_bias_ps(M, N, K, alpha, A, lda, P, <usize>K << 5, beta, bias, C, ldc);
}

/**
 * {@link gemm_packed_bias} over panels ps bytes apart (ps ≥ 32·K): the first K rows of each panel
 * of a stacked packing (see pack_bt_ps), from P on.
 */
export function gemm_packed_bias_ps(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, P: usize, ps: usize, beta: f32, bias: usize, C: usize, ldc: i32): void {
  gemm_packed_body(M, N, K, alpha, A, lda, P, ps, beta, bias, C, ldc);
}

/**
 * The body of {@link gemm_packed_bias_ps}, inlined into it and (bias = 0, folded away) into
 * {@link gemm_packed}; panel p of B at P + p·panelBytes.
 */
@inline function gemm_packed_body(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, P: usize, panelBytes: usize, beta: f32, bias: usize, C: usize, ldc: i32): void {
  const EDGE = edge_tile();
  if (M <= 0 || N <= 0) return;
  if (K <= 0) { scale_add_bias(M, N, beta, bias, C, ldc); return; }
  const lda4 = <usize>lda << 2;
  const ldc4 = <usize>ldc << 2;
  const full = N >> 3;
  const rest = N & 7;
  const M4 = M & ~3;
  let p = 0;
  if (M < 4) {
    // GEMV-like: each row of A against every panel, the bias fused into the panels' store; at the
    // right edge the bias goes in first (C = beta·C + bias) and the product adds on
    const eb = bias != 0 ? <f32>1 : beta;
    for (let i = 0; i < M; i++) {
      const a = A + <usize>i * lda4;
      const c = C + <usize>i * ldc4;
      gemv_row(K, full, a, P, panelBytes, c, alpha, beta, bias);
      if (rest != 0) {
        const ce = c + (<usize>full << 5);
        if (bias != 0) scale_add_bias(1, rest, beta, bias + (<usize>full << 5), ce, ldc);
        if (eb != 0) edge_load(1, rest, ce, ldc4);
        micro_1x8_edge(K, a, P + <usize>full * panelBytes, EDGE, alpha, eb);
        edge_store(1, rest, ce, ldc4);
      }
    }
    return;
  }
  // rows in blocks whose (rows, K) slice of A stays in L1 while every panel passes over it, but
  // at least MC_MIN_ROWS: for a deep K (a recurrent step's dh carry, K = 4H) fewer rows would send
  // every panel through L2 once per few rows, which costs more than A's rows streaming from L2
  const mc = max(MC_MIN_ROWS, min(M4, (MC_BYTES / (K << 2)) & ~3));
  for (let i0 = 0; i0 < M4; i0 += mc) {
    const i1 = min(i0 + mc, M4);
    for (p = 0; p < full; p++) {
      const b = P + <usize>p * panelBytes;
      const cp = C + (<usize>p << 5);
      const bp = bias != 0 ? bias + (<usize>p << 5) : 0;
      if (bias == 0) for (let i = i0; i < i1; i += 4) tile_4x8_nn(K, A + <usize>i * lda4, lda4, b, 32, cp + <usize>i * ldc4, ldc4, alpha, beta);
      else for (let i = i0; i < i1; i += 4) tile_4x8_nn_bias(K, A + <usize>i * lda4, lda4, b, 32, cp + <usize>i * ldc4, ldc4, alpha, beta, bp);
    }
  }
  // leftover rows: the GEMV kernel, bias fused; the edge panel below: the bias goes in first, then
  // the product adds on
  const eb = bias != 0 ? <f32>1 : beta;
  for (let i = M4; i < M; i++) gemv_row(K, full, A + <usize>i * lda4, P, panelBytes, C + <usize>i * ldc4, alpha, beta, bias);
  if (rest != 0) {
    const b = P + <usize>full * panelBytes;
    const cp = C + (<usize>full << 5);
    for (let i = 0; i < M; i += 4) {
      const rows = min(4, M - i);
      if (bias != 0) scale_add_bias(rows, rest, beta, bias + (<usize>full << 5), cp + <usize>i * ldc4, ldc);
      if (eb != 0) edge_load(rows, rest, cp + <usize>i * ldc4, ldc4);
      if (rows == 4) tile_4x8_nn(K, A + <usize>i * lda4, lda4, b, 32, EDGE, 32, alpha, eb);
      else for (let r = 0; r < rows; r++) micro_1x8_edge(K, A + <usize>(i + r) * lda4, b, EDGE + (<usize>r << 5), alpha, eb);
      edge_store(rows, rest, cp + <usize>i * ldc4, ldc4);
    }
  }
}

/** C (M,N) = beta · C + bias (C never read when beta = 0; bias (N) or 0 for none). */
function scale_add_bias(M: i32, N: i32, beta: f32, bias: usize, C: usize, ldc: i32): void {
  for (let i = 0; i < M; i++) {
    const c = C + (<usize>(i * ldc) << 2);
    for (let j = 0; j < N; j++) {
      const o = c + (<usize>j << 2);
      const v = beta == 0 ? <f32>0 : beta * load<f32>(o);
      store<f32>(o, bias != 0 ? v + load<f32>(bias + (<usize>j << 2)) : v);
    }
  }
}

/**
 * Rows of K per chunk of gemm_tn_packed: both products' packed B chunks (KC_TN·(N1+N2) floats)
 * stay in L2 while every block of A's columns passes over them.
 */
const KC_TN: i32 = 256;
/**
 * Columns of A (rows of C) per transposed block: a (MB_TN, KC_TN) block, 128 KiB, is transposed,
 * used by both products while it is in L2, and overwritten by the next block. Transposing a whole
 * (M, KC_TN) chunk at once (1 MiB for the LSTM's G = 1024) pushed the packed B chunks out of L2.
 */
const MB_TN: i32 = 128;

/** Rows per K chunk of a K-row gemm_tn_packed_pair: KC_TN, or K itself when shorter (at least 1). */
@inline function tn_chunk(K: i32): i32 {
  return max(1, min(KC_TN, K));
}

/**
 * Floats of `work` that gemm_tn_packed_pair needs for K rows, with kc = min(KC_TN, K) rows per
 * chunk: M·kc for the transposed blocks (each thread's block starts at its first row of C) and
 * kc·⌈N/8⌉·8 for each product's packed B chunk (N1, N2; 0 for a product that is skipped), so a
 * short sequence's backward holds no 256-row chunk. src/backend/kernels.ts mirrors it.
 */
export function tn_packed_work(M: i32, N1: i32, N2: i32, K: i32): i32 {
  const kc = tn_chunk(K);
  return M * kc + packed_size(kc, N1) + packed_size(kc, N2);
}

/**
 * C (M,N) = alpha · A (K,M)ᵀ · B (K,N) + beta · C, through the packed kernel: K in chunks of
 * KC_TN rows; each chunk of B is packed into panels and each (MB_TN, KC_TN) block of the chunk of
 * A transposed, in `work` (tn_packed_work(M, N, 0) floats), then accumulated by gemm_packed.
 * Shape of use: the weight gradients of the sequence kernels, dW (G,I) += dGates (T·B,G)ᵀ · X
 * (T·B,I), with K = T·B.
 */
export function gemm_tn_packed(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, B: usize, ldb: i32,
  beta: f32, C: usize, ldc: i32, work: usize): void {
  gemm_tn_packed_pair(M, K, alpha, A, lda, B, ldb, N, C, ldc, 0, 0, 0, 0, 0, beta, 0, 0, work, 0, K);
}

/**
 * Two products over one transposed A, and its column sums: C1 (M,N1) = alpha·Aᵀ·B1 + beta·C1 and
 * C2 (M,N2) = alpha·Aᵀ·B2 + beta·C2 for A (K,M) stride lda, B1 (K,N1), B2 (K,N2); each product is
 * skipped when its C is 0. s1 and s2 (M) += Σ_k A[k,·] (unscaled; each skipped when 0), summed
 * per block while the block is in cache. Shape of use: a recurrent layer's backward, where
 * dW_ih += dGatesᵀ·X, dW_hh += dGatesᵀ·H_prev and db_ih, db_hh += Σ dGates share every block of
 * dGatesᵀ. work: tn_packed_work(M, N1, N2, K) floats (with 0 for a skipped product's N).
 * Rows of B2 outside [lo2, hi2) are known to be zero (a zero initial state's row block) and are
 * skipped; pass 0, K for none. Skipping them is exact: they would add only zero products.
 * Per K chunk: both B chunks are packed (threaded: shares of their panels), then each thread
 * transposes its rows of C's A columns block by block and runs both products on each block.
 */
export function gemm_tn_packed_pair(M: i32, K: i32, alpha: f32, A: usize, lda: i32,
  B1: usize, ldb1: i32, N1: i32, C1: usize, ldc1: i32, B2: usize, ldb2: i32, N2: i32, C2: usize, ldc2: i32,
  beta: f32, s1: usize, s2: usize, work: usize, lo2: i32, hi2: i32): void {
  if (M <= 0) return;
  const do1 = C1 != 0 && N1 > 0, do2 = C2 != 0 && N2 > 0;
  const KC = tn_chunk(K);                        // the layout of tn_packed_work(M, N1, N2, K)
  const P1 = work;
  const P2 = P1 + (<usize>packed_size(KC, do1 ? N1 : 0) << 2);
  const At = P2 + (<usize>packed_size(KC, do2 ? N2 : 0) << 2);
  const m0 = share_start(M, 4), m1 = share_end(M, 4);
  const at = At + (<usize>(m0 * KC) << 2);       // this thread's transposed block
  let k0 = 0;
  do { // runs once when K <= 0: C = beta·C
    const kc = max(0, min(KC, K - k0));
    const b = k0 == 0 ? beta : <f32>1;
    // this chunk's rows of B2 that may be nonzero: [k0 + j0, k0 + j1); with none, the first
    // chunk still applies beta. Both conditions are the same on every thread (barriers match).
    const j0 = min(kc, max(0, lo2 - k0)), j1 = max(j0, min(kc, hi2 - k0));
    const run2 = do2 && (j1 > j0 || (k0 == 0 && b != 1));
    if (do1 && kc > 0) pack_b_share(kc, N1, B1 + (<usize>k0 * <usize>ldb1 << 2), ldb1, P1);
    if (run2 && j1 > j0) pack_b_share(j1 - j0, N2, B2 + (<usize>(k0 + j0) * <usize>ldb2 << 2), ldb2, P2);
    barrier();
    for (let i0 = m0; i0 < m1; i0 += MB_TN) {
      const rows = min(MB_TN, m1 - i0);
      const chunk = A + (<usize>k0 * <usize>lda << 2) + (<usize>i0 << 2);
      if (kc > 0) {
        if (do1 || run2) transpose(kc, rows, chunk, lda, at, kc);
        accumulate_column_sums2(kc, rows, chunk, lda, s1 != 0 ? s1 + (<usize>i0 << 2) : 0, s2 != 0 ? s2 + (<usize>i0 << 2) : 0);
      }
      if (do1) gemm_packed(rows, N1, kc, alpha, at, kc, P1, b, C1 + (<usize>i0 * <usize>ldc1 << 2), ldc1);
      if (run2) gemm_packed(rows, N2, j1 - j0, alpha, at + (<usize>j0 << 2), kc, P2, b, C2 + (<usize>i0 * <usize>ldc2 << 2), ldc2);
    }
    barrier();
    k0 += KC;
  } while (k0 < K);
}

// ------------------------------------------------ shares of the threaded build (threads.ts)

/** pack_bt, this thread's share of the panels. */
export function pack_bt_share(K: i32, N: i32, W: usize, ldw: i32, P: usize): void {
  pack_bt_share_ps(K, N, W, ldw, P, <usize>K << 5);
}

/** pack_bt_ps (panels ps bytes apart), this thread's share of the panels. */
export function pack_bt_share_ps(K: i32, N: i32, W: usize, ldw: i32, P: usize, ps: usize): void {
  const panels = (N + 7) >> 3;
  const p0 = share_start(panels, 1), p1 = share_end(panels, 1);
  if (p1 > p0) pack_bt_ps(K, min(N, p1 << 3) - (p0 << 3), W + (<usize>(p0 << 3) * <usize>ldw << 2), ldw, P + <usize>p0 * ps, ps);
}

/** pack_b, this thread's share of the panels. */
export function pack_b_share(K: i32, N: i32, B: usize, ldb: i32, P: usize): void {
  const panels = (N + 7) >> 3;
  const p0 = share_start(panels, 1), p1 = share_end(panels, 1);
  if (p1 > p0) pack_b(K, min(N, p1 << 3) - (p0 << 3), B + (<usize>p0 << 5), ldb, P + (<usize>(p0 * K) << 5));
}

/** gemm_packed, this thread's share of the columns (whole panels). */
export function gemm_packed_cols(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, P: usize, beta: f32, C: usize, ldc: i32): void {
  const panels = (N + 7) >> 3;
  const p0 = share_start(panels, 1), p1 = share_end(panels, 1);
  if (p1 > p0) gemm_packed(M, min(N, p1 << 3) - (p0 << 3), K, alpha, A, lda, P + (<usize>(p0 * K) << 5), beta, C + (<usize>p0 << 5), ldc);
}

/** gemm_packed_bias_ps (panels ps bytes apart; bias N floats or 0), this thread's share of the columns (whole panels). */
export function gemm_packed_bias_cols_ps(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, P: usize, ps: usize, beta: f32, bias: usize, C: usize, ldc: i32): void {
  const panels = (N + 7) >> 3;
  const p0 = share_start(panels, 1), p1 = share_end(panels, 1);
  if (p1 > p0) {
    gemm_packed_bias_ps(M, min(N, p1 << 3) - (p0 << 3), K, alpha, A, lda, P + <usize>p0 * ps, ps, beta,
      bias != 0 ? bias + (<usize>p0 << 5) : 0, C + (<usize>p0 << 5), ldc);
  }
}

/** gemm_packed, this thread's share of the rows (multiples of 4). */
export function gemm_packed_rows(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, P: usize, beta: f32, C: usize, ldc: i32): void {
  const m0 = share_start(M, 4), m1 = share_end(M, 4);
  if (m1 > m0) gemm_packed(m1 - m0, N, K, alpha, A + (<usize>m0 * <usize>lda << 2), lda, P, beta, C + (<usize>m0 * <usize>ldc << 2), ldc);
}
