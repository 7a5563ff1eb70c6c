// Vanilla RNN: h_t = act(x_t·W_ihᵀ + b_ih + h_{t-1}·W_hhᵀ + b_hh), act = tanh or relu.
// Contract and buffer layouts: src/backend/kernels.ts (rnn_forward / rnn_backward).
// STUB: to be implemented.

export function rnn_forward(T: i32, B: i32, I: i32, H: i32, reverse: i32, relu: i32,
  x: usize, ldx: i32, wih: usize, whh: usize, bih: usize, bhh: usize, h0: usize,
  y: usize, ldy: i32, hseq: usize, work: usize): void {
  unreachable();
}

export function rnn_backward(T: i32, B: i32, I: i32, H: i32, reverse: i32, relu: i32,
  x: usize, ldx: i32, wih: usize, whh: usize, hseq: usize,
  dy: usize, lddy: i32, dhT: usize, dx: usize, lddx: i32, accumDx: i32, dh0: usize,
  dwih: usize, dwhh: usize, dbih: usize, dbhh: usize, dpre: usize, work: usize): void {
  unreachable();
}
