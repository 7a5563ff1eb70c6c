// The head kernels: the half of the kernel contract outside the recurrent core (`Kernels` in
// kernels.ts holds GEMM, activations and the RNN / LSTM / GRU sequence kernels). They cover what
// a model puts around its recurrent layers — the embedding that feeds them, the dense head that
// reads them, softmax and the losses — plus the flat-vector ops and optimizer steps a trainer runs
// over parameter slabs. Inference uses three of them (dense_forward, embedding_forward,
// softmax_rows); training uses all.
//
// Implemented twice, file for file: assembly/dense.ts, embedding.ts, loss.ts, vec.ts, optim.ts
// (WebAssembly SIMD) and the src/backend/js/ files of the same names (pure TypeScript).

import { packedSize } from './kernels.ts';

/**
 * Kernels for the embedding, dense head, losses, flat vectors and optimizers. Same conventions
 * as {@link Kernels}: byte pointers, 0 = absent, f32 row-major, never allocate, never throw,
 * gradients accumulate. Integer arrays (token ids, targets) are int32. Kernels trust their
 * inputs: the TypeScript front end validates ids and shapes first.
 */
export interface HeadKernels {
  // ---------------------------------------------------------------- dense (linear) layer
  /**
   * y (M,O) stride ldy = x (M,I) stride ldx · Wᵀ + b; W (O,I) PyTorch layout, b (O) or 0.
   * work ≥ denseForwardWork(I,O) floats (holds Wᵀ packed as panels); transposed = 1: work still
   * holds that packing of this W from an earlier call, so it is not redone (absent or 0: pack).
   * The pure-TS backend reads W directly and ignores both.
   */
  dense_forward(
    M: number,
    I: number,
    O: number,
    x: number,
    ldx: number,
    w: number,
    b: number,
    y: number,
    ldy: number,
    work: number,
    transposed?: number,
  ): void;
  /**
   * From dy (M,O) stride lddy: dx (M,I) stride lddx = dy·W (added when accumDx = 1; skipped
   * when dx = 0); dw (O,I) += dyᵀ·x; db (O) += column sums of dy (skipped when 0).
   */
  dense_backward(
    M: number,
    I: number,
    O: number,
    x: number,
    ldx: number,
    w: number,
    dy: number,
    lddy: number,
    dx: number,
    lddx: number,
    accumDx: number,
    dw: number,
    db: number,
  ): void;

  // ---------------------------------------------------------------- embedding
  /** y[i, :] (stride ldy) = W[ids[i], :] for i < n; W (V,E); ids int32 in [0, V). */
  embedding_forward(n: number, E: number, ids: number, w: number, y: number, ldy: number): void;
  /** dw[ids[i], :] += dy[i, :] (stride lddy) for i < n. */
  embedding_backward(n: number, E: number, ids: number, dy: number, lddy: number, dw: number): void;

  // ---------------------------------------------------------------- losses (forward + gradient fused)
  /**
   * Softmax cross-entropy from logits (M,V) stride ldl and int32 targets (M); a row whose target
   * is < 0 is ignored. Returns Σ_rows weight·(logsumexp − logit[target]) (weights (M) or 0 = 1).
   * When dlogits ≠ 0 it receives scale·weight·(softmax − onehot) (stride lddl; may equal logits).
   */
  softmax_xent(
    M: number,
    V: number,
    logits: number,
    ldl: number,
    targets: number,
    weights: number,
    scale: number,
    dlogits: number,
    lddl: number,
  ): number;
  /**
   * Sigmoid binary cross-entropy from logits (n) and targets (n, in [0,1]), numerically stable:
   * Σ weight·(max(z,0) − z·y + log(1 + e^{−|z|})); dlogits = scale·weight·(σ(z) − y) when ≠ 0.
   */
  sigmoid_bce(n: number, logits: number, targets: number, weights: number, scale: number, dlogits: number): number;
  /** Σ weight·(p − y)²; dpred = scale·weight·2(p − y) when ≠ 0. */
  mse(n: number, pred: number, targets: number, weights: number, scale: number, dpred: number): number;
  /** probs (M,V) = softmax(logits / temperature) row by row (temperature > 0). */
  softmax_rows(M: number, V: number, logits: number, ldl: number, temperature: number, probs: number): void;

  // ---------------------------------------------------------------- flat vectors (slabs)
  /** Σ x² over n floats, accumulated in f64. */
  sum_squares(n: number, x: number): number;
  /** x *= s over n floats. */
  scale(n: number, x: number, s: number): void;
  /** x = clamp(x, −c, c) over n floats. */
  clip_value(n: number, x: number, c: number): void;
  /** Number of NaN or ±Inf values among n floats. */
  count_nonfinite(n: number, x: number): number;
  /** y = x ∘ mask where mask[i] = (u_i ≥ p) / (1 − p), u_i uniform from `seed`; mask saved (n). */
  dropout_forward(n: number, x: number, y: number, mask: number, p: number, seed: number): void;
  /** dx = dy ∘ mask (dx may equal dy). */
  dropout_backward(n: number, dy: number, mask: number, dx: number): void;

  // ---------------------------------------------------------------- optimizers (PyTorch definitions)
  /**
   * SGD with momentum / Nesterov / weight decay over n floats (buf = momentum buffer or 0):
   * g' = g + wd·p; if momentum: buf = first ? g' : momentum·buf + (1 − dampening)·g',
   * g' = nesterov ? g' + momentum·buf : buf; p −= lr·g'.
   */
  sgd_step(
    n: number,
    p: number,
    g: number,
    buf: number,
    lr: number,
    momentum: number,
    dampening: number,
    nesterov: number,
    weightDecay: number,
    first: number,
  ): void;
  /** Adagrad: g' = g + wd·p; sum += g'²; p −= lr·g' / (√sum + eps) (lr already decayed). */
  adagrad_step(n: number, p: number, g: number, sum: number, lr: number, eps: number, weightDecay: number): void;
  /**
   * RMSprop: g' = g + wd·p; sq = alpha·sq + (1 − alpha)·g'²; d = g' / (√sq + eps);
   * if momentum > 0: buf = momentum·buf + d, p −= lr·buf; else p −= lr·d.
   */
  rmsprop_step(
    n: number,
    p: number,
    g: number,
    sq: number,
    buf: number,
    lr: number,
    alpha: number,
    eps: number,
    weightDecay: number,
    momentum: number,
  ): void;
  /**
   * Adam / AdamW (decoupled = 1: p −= lr·wd·p first; else g' = g + wd·p):
   * m = β1·m + (1 − β1)·g'; v = β2·v + (1 − β2)·g'²;
   * p −= lr · (m / (1 − β1^step)) / (√(v / (1 − β2^step)) + eps).
   */
  adam_step(
    n: number,
    p: number,
    g: number,
    m: number,
    v: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    decoupled: number,
    step: number,
  ): void;
}

/** Workspace (floats) dense_forward needs: Wᵀ (I,O) packed as 8-column panels. */
export const denseForwardWork = (I: number, O: number): number => packedSize(I, O);
