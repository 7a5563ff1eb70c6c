// The WebAssembly module's exports: every kernel of src/backend/kernels.ts, plus scalar
// references (`*_ref`) for tests. Kernels never allocate: the TypeScript heap owns all memory
// above `heap_base()`.

export { gemm_nn, gemm_nt, gemm_tn, gemm_nn_ref, gemm_nt_ref, gemm_tn_ref, transpose } from './gemm';
export { sigmoid, tanh, relu, sigmoid_ref, tanh_ref, relu_ref } from './math';

/** First byte above the module's static data: where the TypeScript heap may start. */
export function heap_base(): usize {
  return __heap_base;
}

export { rnn_forward, rnn_backward } from './rnn';
export { lstm_forward, lstm_backward } from './lstm';
export { gru_forward, gru_backward } from './gru';
