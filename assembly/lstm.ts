// LSTM: gates i, f, g, o; c_t = f∘c_{t-1} + i∘g; h_t = o∘tanh(c_t).
// Contract and buffer layouts: src/backend/kernels.ts (lstm_forward / lstm_backward).
// STUB: to be implemented.

export function lstm_forward(T: i32, B: i32, I: i32, H: i32, reverse: i32,
  x: usize, ldx: i32, wih: usize, whh: usize, bih: usize, bhh: usize, h0: usize, c0: usize,
  y: usize, ldy: i32, gates: usize, hseq: usize, cseq: usize, work: usize): void {
  unreachable();
}

export function lstm_backward(T: i32, B: i32, I: i32, H: i32, reverse: i32,
  x: usize, ldx: i32, wih: usize, whh: usize, gates: usize, hseq: usize, cseq: usize,
  dy: usize, lddy: i32, dhT: usize, dcT: usize, dx: usize, lddx: i32, accumDx: i32,
  dh0: usize, dc0: usize, dwih: usize, dwhh: usize, dbih: usize, dbhh: usize,
  dgates: usize, work: usize): void {
  unreachable();
}
