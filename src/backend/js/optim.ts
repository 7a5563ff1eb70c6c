// Optimizer updates in plain TypeScript over flat parameter / gradient / state slabs of n floats,
// with PyTorch's definitions; arithmetic in float64, each stored value rounded to float32.
// Mirrors assembly/optim.ts (single-threaded: the wasm kernels' thread split never changes a
// value); contract: src/backend/head-kernels.ts. Arguments named like the contract are byte
// pointers (0 = absent); `m` is the whole heap.

/**
 * SGD with momentum, dampening, Nesterov and L2 weight decay (buf = momentum buffer, or 0 when
 * momentum = 0): g' = g + wd·p; if momentum: buf = first ? g' : momentum·buf + (1 − dampening)·g',
 * g' = nesterov ? g' + momentum·buf : buf; p −= lr·g'.
 */
export function sgdStep(
  m: Float32Array,
  n: number,
  p: number,
  g: number,
  buf: number,
  lr: number,
  momentum: number,
  dampening: number,
  nesterov: number,
  weightDecay: number,
  first: number,
): void {
  const P = p >> 2,
    Gp = g >> 2,
    Bf = buf >> 2;
  for (let i = 0; i < n; i++) {
    const w = m[P + i];
    let d = m[Gp + i] + weightDecay * w;
    if (momentum !== 0) {
      const b = first !== 0 ? d : momentum * m[Bf + i] + (1 - dampening) * d;
      m[Bf + i] = b;
      d = nesterov !== 0 ? d + momentum * b : b;
    }
    m[P + i] = w - lr * d;
  }
}

/** Adagrad: g' = g + wd·p; sum += g'²; p −= lr·g' / (√sum + eps) (lr already decayed by the caller). */
export function adagradStep(
  m: Float32Array,
  n: number,
  p: number,
  g: number,
  sum: number,
  lr: number,
  eps: number,
  weightDecay: number,
): void {
  const P = p >> 2,
    Gp = g >> 2,
    S = sum >> 2;
  for (let i = 0; i < n; i++) {
    const w = m[P + i];
    const d = m[Gp + i] + weightDecay * w;
    const s = m[S + i] + d * d;
    m[S + i] = s;
    m[P + i] = w - (lr * d) / (Math.sqrt(s) + eps);
  }
}

/**
 * RMSprop: g' = g + wd·p; sq = alpha·sq + (1 − alpha)·g'²; d = g' / (√sq + eps);
 * if momentum > 0: buf = momentum·buf + d, p −= lr·buf; else p −= lr·d (buf unused, may be 0).
 */
export function rmspropStep(
  m: Float32Array,
  n: number,
  p: number,
  g: number,
  sq: number,
  buf: number,
  lr: number,
  alpha: number,
  eps: number,
  weightDecay: number,
  momentum: number,
): void {
  const P = p >> 2,
    Gp = g >> 2,
    Q = sq >> 2,
    Bf = buf >> 2;
  for (let i = 0; i < n; i++) {
    const w = m[P + i];
    const d = m[Gp + i] + weightDecay * w;
    const s = alpha * m[Q + i] + (1 - alpha) * d * d;
    m[Q + i] = s;
    const step = d / (Math.sqrt(s) + eps);
    if (momentum > 0) {
      const b = momentum * m[Bf + i] + step;
      m[Bf + i] = b;
      m[P + i] = w - lr * b;
    } else {
      m[P + i] = w - lr * step;
    }
  }
}

/**
 * Adam / AdamW with bias correction (decoupled = 1: p −= lr·wd·p first; else g' = g + wd·p):
 * mm = β1·mm + (1 − β1)·g'; v = β2·v + (1 − β2)·g'²;
 * p −= lr · (mm / (1 − β1^step)) / (√(v / (1 − β2^step)) + eps). `step` counts from 1; `mm` is
 * the contract's first moment `m` (here `m` is the heap).
 */
export function adamStep(
  m: Float32Array,
  n: number,
  p: number,
  g: number,
  mm: number,
  v: number,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  weightDecay: number,
  decoupled: number,
  step: number,
): void {
  const P = p >> 2,
    Gp = g >> 2,
    M1 = mm >> 2,
    V2 = v >> 2;
  const stepSize = lr / (1 - beta1 ** step);
  const invSqrtBc2 = 1 / Math.sqrt(1 - beta2 ** step);
  const decay = decoupled !== 0 ? 1 - lr * weightDecay : 1;
  const l2 = decoupled !== 0 ? 0 : weightDecay;
  for (let i = 0; i < n; i++) {
    const w = m[P + i];
    const d = m[Gp + i] + l2 * w;
    const a = beta1 * m[M1 + i] + (1 - beta1) * d;
    const b = beta2 * m[V2 + i] + (1 - beta2) * d * d;
    m[M1 + i] = a;
    m[V2 + i] = b;
    m[P + i] = w * decay - (stepSize * a) / (Math.sqrt(b) * invSqrtBc2 + eps);
  }
}
