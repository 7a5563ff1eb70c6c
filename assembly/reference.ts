// The second entry of the reference builds (build.mjs: `reference`, `reference-relaxed`), which
// tests and benchmarks load and the package never ships: the scalar references (`*_ref`) of the
// SIMD kernels, exported beside them so that tests compare both in one memory, `exp_lanes` (the
// vector exp, tested lane by lane), and the benchmark's register-only kernels. The published
// builds leave all of these out: they are not needed to run models, and each .wasm stays under
// its size budget.

export { gemm_nn_ref, gemm_nt_ref, gemm_tn_ref, transpose_ref } from './gemm';
export { sigmoid_ref, tanh_ref, relu_ref, exp_lanes } from './math';
export { gru_gates_forward_ref, gru_gates_forward_rz_ref, gru_gates_forward_n_ref, gru_gates_backward_ref, gru_gates_backward_zn_ref, gru_gates_backward_r_ref } from './gru';
export { lstm_gates_forward_ref, lstm_gates_backward_ref } from './lstm';
export { rnn_act_forward_ref, rnn_act_backward_ref } from './rnn';
export { fill_rows_with_bias_ref, accumulate_column_sums_ref } from './rowops';
export { ceiling_4x8, peak_12 } from './ceiling';
