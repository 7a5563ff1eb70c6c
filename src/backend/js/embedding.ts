// Embedding lookup in plain TypeScript: y[i] = W[ids[i]], W (V, E). Forward beside backward.
// Mirrors assembly/embedding.ts; contract: src/backend/head-kernels.ts (embedding_forward /
// embedding_backward). Arguments named like the contract are byte pointers; `m` is the whole heap
// as float32 and `i32` the same memory as int32 (for the ids).

/** y[i, :] (stride ldy) = W[ids[i], :] for i < n; ids int32, already validated to lie in [0, V). */
export function embeddingForward(
  m: Float32Array,
  i32: Int32Array,
  n: number,
  E: number,
  ids: number,
  w: number,
  y: number,
  ldy: number,
): void {
  for (let i = 0; i < n; i++) {
    const src = (w >> 2) + i32[(ids >> 2) + i] * E;
    m.copyWithin((y >> 2) + i * ldy, src, src + E);
  }
}

/** dw[ids[i], :] += dy[i, :] (stride lddy) for i < n; a repeated id accumulates every row. */
export function embeddingBackward(
  m: Float32Array,
  i32: Int32Array,
  n: number,
  E: number,
  ids: number,
  dy: number,
  lddy: number,
  dw: number,
): void {
  for (let i = 0; i < n; i++) {
    const dst = (dw >> 2) + i32[(ids >> 2) + i] * E;
    const src = (dy >> 2) + i * lddy;
    for (let j = 0; j < E; j++) m[dst + j] += m[src + j];
  }
}
