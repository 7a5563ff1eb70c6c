// The scalar references (`*_ref`) of the SIMD kernels, exported beside them in the plain-SIMD build
// (the reference build, which the tests load) so that tests compare both in one memory. The other
// builds leave them out: they are not needed to run models, and keep each .wasm under its size budget.

export { gemm_nn_ref, gemm_nt_ref, gemm_tn_ref, transpose_ref } from './gemm';
export { sigmoid_ref, tanh_ref, relu_ref, exp_lanes } from './math';
export { gru_gates_forward_ref, gru_gates_forward_rz_ref, gru_gates_forward_n_ref, gru_gates_backward_ref, gru_gates_backward_zn_ref, gru_gates_backward_r_ref } from './gru';
export { lstm_gates_forward_ref, lstm_gates_backward_ref } from './lstm';
export { rnn_act_forward_ref, rnn_act_backward_ref } from './rnn';
export { fill_rows_with_bias_ref, accumulate_column_sums_ref } from './rowops';
