// The WebAssembly module's exports: every kernel of src/backend/kernels.ts, and nothing else, in
// every published build. The scalar references `*_ref` that tests compare against and the
// bench-only kernels are exported by reference.ts, in the reference builds only (build.mjs).
// Kernels never allocate: the TypeScript heap owns all memory above `heap_base()`.

export { gemm_nn, gemm_nt, gemm_tn, transpose } from './gemm';
export { packed_size, pack_b, pack_bt, gemm_packed, gemm_packed_bias, gemm_tn_packed, tn_packed_work } from './packed';
export { sigmoid, tanh, relu } from './math';

/** First byte above the module's static data: where the TypeScript heap may start. */
export function heap_base(): usize {
  return __heap_base;
}

export { rnn_forward, rnn_backward } from './rnn';
export { lstm_forward, lstm_backward } from './lstm';
export { gru_forward, gru_backward } from './gru';
export { gru_gates_forward, gru_gates_forward_rz, gru_gates_forward_n, gru_gates_backward, gru_gates_backward_zn, gru_gates_backward_r } from './gru';
export { lstm_gates_forward, lstm_gates_backward } from './lstm';
export { rnn_act_forward, rnn_act_backward } from './rnn';
export { fill_rows_with_bias, accumulate_column_sums } from './rowops';

// embedding, dense head, losses, vector ops, optimizers (src/backend/head-kernels.ts)
export { dense_forward, dense_backward } from './dense';
export { embedding_forward, embedding_backward } from './embedding';
export { softmax_xent, softmax_rows, sigmoid_bce, mse } from './loss';
export { sum_squares, scale, clip_value, count_nonfinite, dropout_forward, dropout_backward } from './vec';
export { sgd_step, adagrad_step, rmsprop_step, adam_step } from './optim';

// threads (assembly/threads.ts): which share of the threaded kernels this instance computes
export { set_thread, set_spin_limit } from './threads';
