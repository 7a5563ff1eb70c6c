/**
 * The kernel interface of the recurrent core (GEMM, activations, RNN / LSTM / GRU): the contract
 * between strand's model objects and a compute backend. Its other half, the head kernels
 * (embedding, dense, losses, flat vectors, optimizers), is {@link HeadKernels} in head-kernels.ts;
 * a backend provides both ({@link AllKernels} in backend.ts).
 *
 * Both backends implement it with identical semantics, file for file:
 * - the WebAssembly backend, whose exports carry exactly these names (see `assembly/index.ts`;
 *   assembly/gemm.ts, math.ts, rnn.ts, lstm.ts, gru.ts);
 * - the pure-TypeScript backend (`src/backend/js/`, files of the same names), over an ordinary
 *   ArrayBuffer.
 *
 * Conventions (shared by the head kernels):
 * - Every pointer is a byte offset into the backend's heap, 16-byte aligned when it starts a
 *   buffer. Pointer `0` means "absent" (no bias, zero initial state, skip this output);
 *   no allocation ever lives at offset 0.
 * - Every value is float32, row-major. Sequences are time-major `(T, B, F)`; a "row" is one
 *   `(t, b)` pair and `ld*` arguments are row strides in elements (≥ the row width), so a layer
 *   can read or write a slice of a wider row (bidirectional concat).
 * - Letters: B batch, T time, I input, H hidden, G gates (4H LSTM, 3H GRU, H RNN).
 * - Weights in PyTorch layout and gate order: `wih (G, I)`, `whh (G, H)`, `bih (G)`, `bhh (G)`;
 *   LSTM gates i, f, g, o; GRU gates r, z, n.
 * - Kernels never allocate, never keep a pointer, never throw. Booleans are passed as 0 / 1.
 * - The three sequence forward kernels start their `work` with the packed weights (W_ihᵀ, W_hhᵀ as
 *   8-column panels, see assembly/packed.ts). `prepacked` = 1 says that `work` still holds the
 *   packing an earlier call of the same kernel made of the same weights (same I, H, cell options):
 *   the kernel then skips packing, which for a one-step call (streaming, generation) costs more
 *   than the step. Absent or 0: pack. The pure-TypeScript backend packs nothing and ignores it.
 * - Backward kernels ACCUMULATE into parameter gradients (`dwih += …`), like PyTorch's `.grad`;
 *   they overwrite `dh0` / `dc0`; `dx` is overwritten unless `accumDx` is 1.
 *
 * Saved-state layout of a recurrent sequence (shared by forward and backward):
 * - `hseq`, `cseq`: `(T+1, B, H)`. Forward direction: block 0 holds the initial state and block
 *   t+1 the state after step t. Reverse direction (`reverse = 1`, time runs T-1 … 0): block T
 *   holds the initial state and block t the state after step t. So the final state is block T
 *   (forward) or block 0 (reverse), and "the previous state of step t" is a contiguous
 *   `(T, B, H)` run: blocks 0..T-1 (forward) or 1..T (reverse).
 * - `gates`: `(T, B, G)` activated gates in time order.
 *
 * Step mask of a recurrent sequence (the `mask` argument of the six sequence kernels, right after
 * `ldx`): `(T, B)` float32 in time order, one value per row — 0 marks a padded step, any other
 * value (1) a real one; pointer 0 = every step is real (exactly the unmasked computation). The
 * backward kernel must get the mask its forward got. For a padded row (t, b), in either direction
 * (so with right padding a reverse pass keeps the initial state until it reaches the last real step):
 * - forward: the state does not advance — hseq / cseq hold h_prev / c_prev in the block of step t
 *   — and the output row y_t[b] is written as zeros; that row of `gates` / `hn` is unspecified
 *   (finite);
 * - backward: dy_t[b] is ignored; the row's pre-activation gradients (`dpre`, `dgates`, `dgx`,
 *   `dgh`) are zero, so it adds nothing to dW / db and its dx row is 0 (or left as it was with
 *   accumDx = 1); the dh (and dc) carries pass straight through to the previous step.
 */
export interface Kernels {
  // ---------------------------------------------------------------- GEMM (C is M×N, row-major)
  /** C = alpha·A·B + beta·C; A (M,K) stride lda, B (K,N) stride ldb. beta = 0: C is not read. */
  gemm_nn(
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: number,
    lda: number,
    B: number,
    ldb: number,
    beta: number,
    C: number,
    ldc: number,
  ): void;
  /** C = alpha·A·Bᵀ + beta·C; A (M,K) stride lda, B (N,K) stride ldb. */
  gemm_nt(
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: number,
    lda: number,
    B: number,
    ldb: number,
    beta: number,
    C: number,
    ldc: number,
  ): void;
  /** C = alpha·Aᵀ·B + beta·C; A (K,M) stride lda, B (K,N) stride ldb. */
  gemm_tn(
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: number,
    lda: number,
    B: number,
    ldb: number,
    beta: number,
    C: number,
    ldc: number,
  ): void;
  /** dst (C,R) stride ldd = transpose of src (R,C) stride lds. */
  transpose(R: number, C: number, src: number, lds: number, dst: number, ldd: number): void;

  // ---------------------------------------------------------------- element-wise (y may equal x)
  /** y[i] = 1 / (1 + exp(-x[i])) for n values. */
  sigmoid(x: number, y: number, n: number): void;
  /** y[i] = tanh(x[i]) for n values. */
  tanh(x: number, y: number, n: number): void;
  /** y[i] = max(x[i], 0) for n values (for a NaN input the backends may differ: inputs are validated finite). */
  relu(x: number, y: number, n: number): void;

  // ---------------------------------------------------------------- vanilla RNN
  /**
   * h_t = act(x_t·wihᵀ + bih + h_{t-1}·whhᵀ + bhh), act = tanh (relu = 0) or relu (relu = 1).
   * x (T,B,I) stride ldx; y (T,B,·) stride ldy receives h_t; hseq (T+1,B,H) as above;
   * h0 (B,H) or 0 for zeros; mask (T,B) or 0 (step mask, see above); work ≥ rnnForwardWork(B,I,H) floats.
   */
  rnn_forward(
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
    work: number,
    prepacked?: number,
  ): void;
  /**
   * Backward of rnn_forward from dy (T,B,·) stride lddy (or 0) and dhT (B,H) (or 0).
   * Writes dx (T,B,I) stride lddx (or skips when 0), dh0 (B,H) (or 0); accumulates dwih, dwhh,
   * dbih, dbhh (bias pointers may be 0). dpre (T,B,H) is workspace; work ≥ rnnBackwardWork(T,B,I,H).
   * mask (T,B) or 0: the forward's step mask.
   */
  rnn_backward(
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
  ): void;

  // ---------------------------------------------------------------- LSTM
  /**
   * LSTM over T steps. gates (T,B,4H) receives activated i,f,g,o; hseq/cseq (T+1,B,H);
   * h0/c0 (B,H) or 0; y (T,B,·) stride ldy receives h_t; mask (T,B) or 0 (step mask, see above);
   * work ≥ lstmForwardWork(B,I,H) floats.
   */
  lstm_forward(
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
    work: number,
    prepacked?: number,
  ): void;
  /**
   * Backward of lstm_forward. dy (T,B,·) stride lddy or 0; dhT, dcT (B,H) or 0. Writes dx, dh0,
   * dc0 (each may be 0); accumulates dwih, dwhh, dbih, dbhh. dgates (T,B,4H) workspace;
   * work ≥ lstmBackwardWork(T,B,I,H) floats. mask (T,B) or 0: the forward's step mask.
   */
  lstm_backward(
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
  ): void;

  // ---------------------------------------------------------------- GRU
  /**
   * GRU over T steps. resetAfter = 1 (PyTorch, Keras-TF2): n = tanh(Wi_n x + bi_n + r∘(Wh_n h + bh_n));
   * resetAfter = 0 (Cho et al.): n = tanh(Wi_n x + bi_n + Wh_n (r∘h) + bh_n). h' = (1-z)∘n + z∘h.
   * gates (T,B,3H) receives activated r,z,n; hn (T,B,H) receives Wh_n h + bh_n (resetAfter = 1)
   * or r∘h_prev (resetAfter = 0); hseq (T+1,B,H); mask (T,B) or 0 (step mask, see above);
   * work ≥ gruForwardWork(B,I,H) floats.
   */
  gru_forward(
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
    prepacked?: number,
  ): void;
  /**
   * Backward of gru_forward. dgx (T,B,3H) receives the gradients of the input-side
   * pre-activations [dr dz dn]; they are the hidden side's too, except reset-after's n, whose
   * hidden-side gradient dn∘r goes to dgx's companion dgh (T,B,H) (reset-after only; unused, and
   * may be 0, for reset-before). dgx may be `gates` itself: each step reads its gates before it
   * overwrites them (the Trainer's backward, which needs no second pass, saves T·B·3H floats so).
   * work ≥ gruBackwardWork(T,B,I,H) floats. mask (T,B) or 0: the forward's step mask.
   */
  gru_backward(
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
  ): void;
}

/** Floats that a (K,N) matrix occupies packed as 8-column panels (see assembly/packed.ts): K·⌈N/8⌉·8. */
export const packedSize = (K: number, N: number): number => K * ((N + 7) & ~7);
/** Rows of K per chunk of the weight-gradient GEMM of the backward kernels (KC_TN, assembly/packed.ts). */
const TN_CHUNK = 256;
/** Rows per chunk of that GEMM over T·B rows: TN_CHUNK, or T·B when shorter (tn_chunk in assembly/packed.ts). */
const tnChunk = (rows: number): number => Math.max(1, Math.min(TN_CHUNK, rows));
/**
 * The weight part of a backward kernel's workspace, for G gate rows and T·B = `rows` rows of K:
 * W_hh (G,H) or W_ih (G,I) packed, or, for the weight gradients, the transposed blocks of dGates
 * (G·kc floats) and the (kc,I) and (kc,H) packed chunks, kc = min(256, rows) (tn_packed_work in
 * assembly/packed.ts).
 */
const backwardWeightWork = (G: number, I: number, H: number, rows: number): number => {
  const kc = tnChunk(rows);
  return Math.max(packedSize(G, Math.max(H, I)), G * kc + packedSize(kc, I) + packedSize(kc, H));
};
/**
 * Workspace (floats) rnn_forward needs: W_ihᵀ and W_hhᵀ packed (as stacked panels for B ≥ 4), then
 * bih + bhh (padded to a multiple of 4), then for B ≥ 4 the (B, I+H) staging block of a step's
 * [x_t | h_{t−1}].
 */
export const rnnForwardWork = (B: number, I: number, H: number): number =>
  packedSize(I + H, H) + ((H + 3) & ~3) + (B >= 4 ? B * (I + H) : 0);
/** Workspace (floats) rnn_backward needs over T steps of B rows: the dh carry, then packed weights / gradient chunks. */
export const rnnBackwardWork = (T: number, B: number, I: number, H: number): number =>
  B * H + backwardWeightWork(H, I, H, T * B);
/**
 * Workspace (floats) lstm_forward needs: W_ihᵀ and W_hhᵀ packed (as stacked panels for B ≥ 4),
 * then bih + bhh, then for B ≥ 4 the (B, I+H) staging block of a step's [x_t | h_{t−1}].
 */
export const lstmForwardWork = (B: number, I: number, H: number): number =>
  packedSize(I + H, 4 * H) + 4 * H + (B >= 4 ? B * (I + H) : 0);
/** Workspace (floats) lstm_backward needs over T steps of B rows: dh and dc carries, then packed weights / gradient chunks. */
export const lstmBackwardWork = (T: number, B: number, I: number, H: number): number =>
  2 * B * H + backwardWeightWork(4 * H, I, H, T * B);
/**
 * Workspace (floats) gru_forward needs: W_ihᵀ packed, W_hhᵀ packed whole or in its (r,z) and n
 * parts, and one (B,3H) hidden projection.
 */
export const gruForwardWork = (B: number, I: number, H: number): number =>
  packedSize(I, 3 * H) + packedSize(H, 2 * H) + packedSize(H, H) + B * 3 * H;
/** Workspace (floats) gru_backward needs over T steps of B rows: dh carry, one (B,H) scratch block, then packed weights / gradient chunks. */
export const gruBackwardWork = (T: number, B: number, I: number, H: number): number =>
  2 * B * H + backwardWeightWork(3 * H, I, H, T * B);
