// GRU: gates r, z, n; h_t = (1 - z)∘n + z∘h_{t-1}; "reset after" (PyTorch) and "reset before" (Cho).
// Contract and buffer layouts: src/backend/kernels.ts (gru_forward / gru_backward).
// STUB: to be implemented.

export function gru_forward(T: i32, B: i32, I: i32, H: i32, reverse: i32, resetAfter: i32,
  x: usize, ldx: i32, wih: usize, whh: usize, bih: usize, bhh: usize, h0: usize,
  y: usize, ldy: i32, gates: usize, hn: usize, hseq: usize, work: usize): void {
  unreachable();
}

export function gru_backward(T: i32, B: i32, I: i32, H: i32, reverse: i32, resetAfter: i32,
  x: usize, ldx: i32, wih: usize, whh: usize, gates: usize, hn: usize, hseq: usize,
  dy: usize, lddy: i32, dhT: usize, dx: usize, lddx: i32, accumDx: i32, dh0: usize,
  dwih: usize, dwhh: usize, dbih: usize, dbhh: usize, dgx: usize, dgh: usize, work: usize): void {
  unreachable();
}
