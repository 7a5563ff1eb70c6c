// The pure-TypeScript backend's kernel table: every kernel of the contract (src/backend/kernels.ts
// and src/backend/head-kernels.ts) by its contract name, as assembly/index.ts lists the
// WebAssembly exports. Each kernel lives in the file named like its assembly/ twin (gemm, math,
// rnn, lstm, gru; dense, embedding, loss, vec, optim) as a plain function over the heap view;
// this table only fetches that view per call and, for the GEMM and activation kernels, turns byte
// pointers into element indices. It is the pure-TypeScript baseline for "how much does
// WebAssembly SIMD buy", the fallback where SIMD is missing, and a second implementation for
// differential tests.

import type { AllKernels } from '../backend.ts';
import { denseBackward, denseForward } from './dense.ts';
import { embeddingBackward, embeddingForward } from './embedding.ts';
import { gemmNN, gemmNT, gemmTN, transpose } from './gemm.ts';
import { gruBackward, gruForward } from './gru.ts';
import { mse, sigmoidBce, softmaxRows, softmaxXent } from './loss.ts';
import { lstmBackward, lstmForward } from './lstm.ts';
import { reluArray, sigmoidArray, tanhArray } from './math.ts';
import { adagradStep, adamStep, rmspropStep, sgdStep } from './optim.ts';
import { rnnBackward, rnnForward } from './rnn.ts';
import { clipValue, countNonfinite, dropoutBackward, dropoutForward, scale, sumSquares } from './vec.ts';

/**
 * The kernels in plain TypeScript over a Float32Array view of the whole heap, as ONE object
 * typed against {@link AllKernels}: a missing or misnamed kernel is a compile error.
 *
 * The view is fetched from `memory()` at the start of every call and never kept, because the
 * heap replaces its buffer when it grows; kernels that read int32 ids or targets also get the
 * same memory as an Int32Array, rebuilt only when the buffer changed. Pointers are byte offsets
 * (4-byte aligned), so element index = ptr >>> 2. GEMM's `alpha` / `beta` are rounded to float32
 * as the wasm exports do. Every kernel is a closure, so — like the wasm exports — it may be called
 * detached from the object.
 *
 * @param memory returns a Float32Array over the whole heap memory (rebuilt by the heap after
 *   every grow); called once per kernel call.
 */
export function createJsKernels(memory: () => Float32Array): AllKernels {
  let intView: Int32Array | null = null;
  /** The memory of `m` as int32, for ids and targets. */
  const ints = (m: Float32Array): Int32Array => {
    if (intView === null || intView.buffer !== m.buffer) intView = new Int32Array(m.buffer);
    return intView;
  };
  /** The contract kernel that calls `kernel` with the heap view, then the contract's arguments. */
  const onHeap =
    <A extends number[], R>(kernel: (m: Float32Array, ...args: A) => R) =>
    (...args: A): R =>
      kernel(memory(), ...args);
  /** Likewise for a kernel that reads int32 ids or targets: it gets the heap view, then the same memory as int32. */
  const onHeapWithInts =
    <A extends number[], R>(kernel: (m: Float32Array, i32: Int32Array, ...args: A) => R) =>
    (...args: A): R => {
      const m = memory();
      return kernel(m, ints(m), ...args);
    };

  return {
    // gemm.ts and math.ts take element indices
    gemm_nn: (M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) =>
      gemmNN(memory(), M, N, K, Math.fround(alpha), A >>> 2, lda, B >>> 2, ldb, Math.fround(beta), C >>> 2, ldc),
    gemm_nt: (M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) =>
      gemmNT(memory(), M, N, K, Math.fround(alpha), A >>> 2, lda, B >>> 2, ldb, Math.fround(beta), C >>> 2, ldc),
    gemm_tn: (M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) =>
      gemmTN(memory(), M, N, K, Math.fround(alpha), A >>> 2, lda, B >>> 2, ldb, Math.fround(beta), C >>> 2, ldc),
    transpose: (R, C, src, lds, dst, ldd) => transpose(memory(), R, C, src >>> 2, lds, dst >>> 2, ldd),
    sigmoid: (x, y, n) => sigmoidArray(memory(), x >>> 2, y >>> 2, n),
    tanh: (x, y, n) => tanhArray(memory(), x >>> 2, y >>> 2, n),
    relu: (x, y, n) => reluArray(memory(), x >>> 2, y >>> 2, n),

    // the sequence kernels take the contract's byte pointers; the forward ones pack nothing and
    // take neither `work` nor `prepacked` (their trailing arguments, dropped)
    rnn_forward: onHeap(rnnForward),
    rnn_backward: onHeap(rnnBackward),
    lstm_forward: onHeap(lstmForward),
    lstm_backward: onHeap(lstmBackward),
    gru_forward: onHeap(gruForward),
    gru_backward: onHeap(gruBackward),

    // the head kernels take the contract's byte pointers; dense_forward takes neither `work` nor
    // `transposed` (its trailing arguments, dropped)
    dense_forward: onHeap(denseForward),
    dense_backward: onHeap(denseBackward),
    embedding_forward: onHeapWithInts(embeddingForward),
    embedding_backward: onHeapWithInts(embeddingBackward),
    softmax_xent: onHeapWithInts(softmaxXent),
    softmax_rows: onHeap(softmaxRows),
    sigmoid_bce: onHeap(sigmoidBce),
    mse: onHeap(mse),
    sum_squares: onHeap(sumSquares),
    scale: onHeap(scale),
    clip_value: onHeap(clipValue),
    count_nonfinite: onHeap(countNonfinite),
    dropout_forward: onHeap(dropoutForward),
    dropout_backward: onHeap(dropoutBackward),
    sgd_step: onHeap(sgdStep),
    adagrad_step: onHeap(adagradStep),
    rmsprop_step: onHeap(rmspropStep),
    adam_step: onHeap(adamStep),
  };
}
