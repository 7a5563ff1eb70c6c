// Embedding lookup: y[i] = W[ids[i]], W (V, E). Forward beside backward.

/** y[i, :] (stride ldy) = W[ids[i], :] for i < n; ids int32, already validated to lie in [0, V). */
export function embedding_forward(n: i32, E: i32, ids: usize, w: usize, y: usize, ldy: i32): void {
  for (let i = 0; i < n; i++) {
    const src = w + (<usize>(load<i32>(ids + (<usize>i << 2)) * E) << 2);
    memory.copy(y + (<usize>(i * ldy) << 2), src, <usize>E << 2);
  }
}

/** dw[ids[i], :] += dy[i, :] (stride lddy) for i < n. */
export function embedding_backward(n: i32, E: i32, ids: usize, dy: usize, lddy: i32, dw: usize): void {
  for (let i = 0; i < n; i++) {
    const dst = dw + (<usize>(load<i32>(ids + (<usize>i << 2)) * E) << 2);
    const src = dy + (<usize>(i * lddy) << 2);
    let j = 0;
    for (; j + 4 <= E; j += 4) {
      const o = <usize>j << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
    for (; j < E; j++) {
      const o = <usize>j << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
    }
  }
}
