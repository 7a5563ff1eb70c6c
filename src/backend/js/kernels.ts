// The pure-TypeScript implementation of the kernel interface (src/backend/kernels.ts): the
// baseline for "how much does WebAssembly SIMD buy", the fallback where SIMD is missing, and a
// second implementation for differential tests. Each kernel lives in a file of its own kind
// (gemm, activations, rnn, lstm, gru); this class only converts byte pointers to element
// indices and fetches the heap view.

import type { Kernels } from '../kernels.ts';
import { reluArray, sigmoidArray, tanhArray } from './activations.ts';
import { gemmNN, gemmNT, gemmTN, transpose } from './gemm.ts';
import { gruBackward, gruForward } from './gru.ts';
import { lstmBackward, lstmForward } from './lstm.ts';
import { rnnBackward, rnnForward } from './rnn.ts';

/**
 * The kernels in plain TypeScript over a Float32Array view of the whole heap.
 *
 * The view is fetched from `memory()` at the start of every call and never kept, because the
 * heap replaces its buffer when it grows. Pointers are byte offsets (4-byte aligned), so element
 * index = ptr >>> 2. Scalars `alpha` / `beta` are rounded to float32 as the wasm exports do.
 * Every kernel is an own arrow-function property, so — like the wasm exports — it may be called
 * detached from the object.
 */
export class JsKernels implements Kernels {
  private readonly memory: () => Float32Array;

  /**
   * @param memory returns a Float32Array over the whole heap memory (rebuilt by the heap after
   *   every grow); called once per kernel call.
   */
  constructor(memory: () => Float32Array) {
    this.memory = memory;
  }

  /** C = alpha·A·B + beta·C; A (M,K) stride lda, B (K,N) stride ldb. beta = 0: C is not read. */
  readonly gemm_nn = (
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
  ): void => {
    gemmNN(this.memory(), M, N, K, Math.fround(alpha), A >>> 2, lda, B >>> 2, ldb, Math.fround(beta), C >>> 2, ldc);
  };

  /** C = alpha·A·Bᵀ + beta·C; A (M,K) stride lda, B (N,K) stride ldb. beta = 0: C is not read. */
  readonly gemm_nt = (
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
  ): void => {
    gemmNT(this.memory(), M, N, K, Math.fround(alpha), A >>> 2, lda, B >>> 2, ldb, Math.fround(beta), C >>> 2, ldc);
  };

  /** C = alpha·Aᵀ·B + beta·C; A (K,M) stride lda, B (K,N) stride ldb. beta = 0: C is not read. */
  readonly gemm_tn = (
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
  ): void => {
    gemmTN(this.memory(), M, N, K, Math.fround(alpha), A >>> 2, lda, B >>> 2, ldb, Math.fround(beta), C >>> 2, ldc);
  };

  /** dst (C,R) stride ldd = transpose of src (R,C) stride lds. */
  readonly transpose = (R: number, C: number, src: number, lds: number, dst: number, ldd: number): void => {
    transpose(this.memory(), R, C, src >>> 2, lds, dst >>> 2, ldd);
  };

  /** y[i] = 1 / (1 + exp(-x[i])) for n values (y may equal x). */
  readonly sigmoid = (x: number, y: number, n: number): void => {
    sigmoidArray(this.memory(), x >>> 2, y >>> 2, n);
  };

  /** y[i] = tanh(x[i]) for n values (y may equal x). */
  readonly tanh = (x: number, y: number, n: number): void => {
    tanhArray(this.memory(), x >>> 2, y >>> 2, n);
  };

  /** y[i] = max(x[i], 0) for n values (y may equal x). */
  readonly relu = (x: number, y: number, n: number): void => {
    reluArray(this.memory(), x >>> 2, y >>> 2, n);
  };

  /** Vanilla RNN forward; see {@link Kernels.rnn_forward}. Uses no workspace. */
  readonly rnn_forward = (
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
    _work: number,
  ): void => {
    rnnForward(this.memory(), T, B, I, H, reverse, relu, x, ldx, mask, wih, whh, bih, bhh, h0, y, ldy, hseq);
  };

  /** Vanilla RNN backward; see {@link Kernels.rnn_backward}. */
  readonly rnn_backward = (
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
  ): void => {
    rnnBackward(
      this.memory(),
      T,
      B,
      I,
      H,
      reverse,
      relu,
      x,
      ldx,
      mask,
      wih,
      whh,
      hseq,
      dy,
      lddy,
      dhT,
      dx,
      lddx,
      accumDx,
      dh0,
      dwih,
      dwhh,
      dbih,
      dbhh,
      dpre,
      work,
    );
  };

  /** LSTM forward; see {@link Kernels.lstm_forward}. Uses no workspace. */
  readonly lstm_forward = (
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
    _work: number,
  ): void => {
    lstmForward(
      this.memory(),
      T,
      B,
      I,
      H,
      reverse,
      x,
      ldx,
      mask,
      wih,
      whh,
      bih,
      bhh,
      h0,
      c0,
      y,
      ldy,
      gates,
      hseq,
      cseq,
    );
  };

  /** LSTM backward; see {@link Kernels.lstm_backward}. */
  readonly lstm_backward = (
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
  ): void => {
    lstmBackward(
      this.memory(),
      T,
      B,
      I,
      H,
      reverse,
      x,
      ldx,
      mask,
      wih,
      whh,
      gates,
      hseq,
      cseq,
      dy,
      lddy,
      dhT,
      dcT,
      dx,
      lddx,
      accumDx,
      dh0,
      dc0,
      dwih,
      dwhh,
      dbih,
      dbhh,
      dgates,
      work,
    );
  };

  /** GRU forward; see {@link Kernels.gru_forward}. */
  readonly gru_forward = (
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
  ): void => {
    gruForward(
      this.memory(),
      T,
      B,
      I,
      H,
      reverse,
      resetAfter,
      x,
      ldx,
      mask,
      wih,
      whh,
      bih,
      bhh,
      h0,
      y,
      ldy,
      gates,
      hn,
      hseq,
      work,
    );
  };

  /** GRU backward; see {@link Kernels.gru_backward}. */
  readonly gru_backward = (
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
  ): void => {
    gruBackward(
      this.memory(),
      T,
      B,
      I,
      H,
      reverse,
      resetAfter,
      x,
      ldx,
      mask,
      wih,
      whh,
      gates,
      hn,
      hseq,
      dy,
      lddy,
      dhT,
      dx,
      lddx,
      accumDx,
      dh0,
      dwih,
      dwhh,
      dbih,
      dbhh,
      dgx,
      dgh,
      work,
    );
  };
}
