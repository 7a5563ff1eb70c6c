import type { HeadKernels } from '../head-kernels.ts';

/**
 * Pure-TypeScript twins of the training kernels (dense, embedding, losses, flat vector ops,
 * optimizers), with exactly the semantics documented in head-kernels.ts. Plain loops over
 * a Float32Array (and an Int32Array for ids) covering the whole heap memory.
 */
export class JsTrainingKernels implements HeadKernels {
  private readonly memory: () => Float32Array;
  private intView: Int32Array | null = null;

  /** @param memory returns a Float32Array over the whole heap memory (re-read on every call) */
  constructor(memory: () => Float32Array) {
    this.memory = memory;
  }

  private ints(): Int32Array {
    const f = this.memory();
    if (this.intView === null || this.intView.buffer !== f.buffer) this.intView = new Int32Array(f.buffer);
    return this.intView;
  }

  dense_forward(
    M: number,
    I: number,
    O: number,
    x: number,
    ldx: number,
    w: number,
    b: number,
    y: number,
    ldy: number,
    _work: number,
  ): void {
    const m = this.memory();
    const X = x >> 2,
      W = w >> 2,
      Bp = b >> 2,
      Y = y >> 2;
    for (let r = 0; r < M; r++) {
      const xr = X + r * ldx;
      const yr = Y + r * ldy;
      for (let o = 0; o < O; o++) {
        const wr = W + o * I;
        let acc = b !== 0 ? m[Bp + o] : 0;
        for (let k = 0; k < I; k++) acc += m[xr + k] * m[wr + k];
        m[yr + o] = acc;
      }
    }
  }

  dense_backward(
    M: number,
    I: number,
    O: number,
    x: number,
    ldx: number,
    w: number,
    dy: number,
    lddy: number,
    dx: number,
    lddx: number,
    accumDx: number,
    dw: number,
    db: number,
  ): void {
    const m = this.memory();
    const X = x >> 2,
      W = w >> 2,
      DY = dy >> 2,
      DX = dx >> 2,
      DW = dw >> 2,
      DB = db >> 2;
    for (let r = 0; r < M; r++) {
      const dyr = DY + r * lddy;
      const xr = X + r * ldx;
      if (dx !== 0) {
        const dxr = DX + r * lddx;
        if (accumDx === 0) m.fill(0, dxr, dxr + I);
        for (let o = 0; o < O; o++) {
          const g = m[dyr + o];
          if (g === 0) continue;
          const wr = W + o * I;
          for (let k = 0; k < I; k++) m[dxr + k] += g * m[wr + k];
        }
      }
      for (let o = 0; o < O; o++) {
        const g = m[dyr + o];
        if (db !== 0) m[DB + o] += g;
        if (g === 0) continue;
        const dwr = DW + o * I;
        for (let k = 0; k < I; k++) m[dwr + k] += g * m[xr + k];
      }
    }
  }

  embedding_forward(n: number, E: number, ids: number, w: number, y: number, ldy: number): void {
    const m = this.memory();
    const id = this.ints();
    for (let i = 0; i < n; i++) {
      const src = (w >> 2) + id[(ids >> 2) + i] * E;
      m.copyWithin((y >> 2) + i * ldy, src, src + E);
    }
  }

  embedding_backward(n: number, E: number, ids: number, dy: number, lddy: number, dw: number): void {
    const m = this.memory();
    const id = this.ints();
    for (let i = 0; i < n; i++) {
      const dst = (dw >> 2) + id[(ids >> 2) + i] * E;
      const src = (dy >> 2) + i * lddy;
      for (let j = 0; j < E; j++) m[dst + j] += m[src + j];
    }
  }

  softmax_xent(
    M: number,
    V: number,
    logits: number,
    ldl: number,
    targets: number,
    weights: number,
    scale: number,
    dlogits: number,
    lddl: number,
  ): number {
    const m = this.memory();
    const id = this.ints();
    let total = 0;
    for (let r = 0; r < M; r++) {
      const row = (logits >> 2) + r * ldl;
      const drow = (dlogits >> 2) + r * lddl;
      const target = id[(targets >> 2) + r];
      const weight = target < 0 ? 0 : weights !== 0 ? m[(weights >> 2) + r] : 1;
      if (weight === 0) {
        if (dlogits !== 0) m.fill(0, drow, drow + V);
        continue;
      }
      let max = -Infinity;
      for (let j = 0; j < V; j++) max = Math.max(max, m[row + j]);
      const logit = m[row + target];
      let sum = 0;
      for (let j = 0; j < V; j++) {
        const e = Math.exp(m[row + j] - max);
        if (dlogits !== 0) m[drow + j] = e;
        sum += e;
      }
      total += weight * (Math.log(sum) + max - logit);
      if (dlogits !== 0) {
        const k = (scale * weight) / sum;
        for (let j = 0; j < V; j++) m[drow + j] *= k;
        m[drow + target] -= scale * weight;
      }
    }
    return total;
  }

  sigmoid_bce(n: number, logits: number, targets: number, weights: number, scale: number, dlogits: number): number {
    const m = this.memory();
    let total = 0;
    for (let i = 0; i < n; i++) {
      const z = m[(logits >> 2) + i];
      const y = m[(targets >> 2) + i];
      const w = weights !== 0 ? m[(weights >> 2) + i] : 1;
      total += w * (Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z))));
      if (dlogits !== 0) {
        const s = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
        m[(dlogits >> 2) + i] = scale * w * (s - y);
      }
    }
    return total;
  }

  mse(n: number, pred: number, targets: number, weights: number, scale: number, dpred: number): number {
    const m = this.memory();
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = m[(pred >> 2) + i] - m[(targets >> 2) + i];
      const w = weights !== 0 ? m[(weights >> 2) + i] : 1;
      total += w * d * d;
      if (dpred !== 0) m[(dpred >> 2) + i] = scale * w * 2 * d;
    }
    return total;
  }

  softmax_rows(M: number, V: number, logits: number, ldl: number, temperature: number, probs: number): void {
    const m = this.memory();
    for (let r = 0; r < M; r++) {
      const row = (logits >> 2) + r * ldl;
      const out = (probs >> 2) + r * V;
      let max = -Infinity;
      for (let j = 0; j < V; j++) max = Math.max(max, m[row + j]);
      let sum = 0;
      for (let j = 0; j < V; j++) {
        const e = Math.exp((m[row + j] - max) / temperature);
        m[out + j] = e;
        sum += e;
      }
      for (let j = 0; j < V; j++) m[out + j] /= sum;
    }
  }

  sum_squares(n: number, x: number): number {
    const m = this.memory();
    let total = 0;
    for (let i = x >> 2, end = (x >> 2) + n; i < end; i++) total += m[i] * m[i];
    return total;
  }

  scale(n: number, x: number, s: number): void {
    const m = this.memory();
    for (let i = x >> 2, end = (x >> 2) + n; i < end; i++) m[i] *= s;
  }

  clip_value(n: number, x: number, c: number): void {
    const m = this.memory();
    for (let i = x >> 2, end = (x >> 2) + n; i < end; i++) m[i] = Math.min(Math.max(m[i], -c), c);
  }

  count_nonfinite(n: number, x: number): number {
    const m = this.memory();
    let count = 0;
    for (let i = x >> 2, end = (x >> 2) + n; i < end; i++) if (!Number.isFinite(m[i])) count++;
    return count;
  }

  dropout_forward(n: number, x: number, y: number, mask: number, p: number, seed: number): void {
    const m = this.memory();
    let s = (seed | 1) >>> 0;
    const keep = Math.fround(1 / Math.fround(1 - p));
    for (let i = 0; i < n; i++) {
      s = (s ^ (s << 13)) >>> 0;
      s = (s ^ (s >>> 17)) >>> 0;
      s = (s ^ (s << 5)) >>> 0;
      const u = (s >>> 8) / 16777216;
      const k = u >= p ? keep : 0;
      m[(mask >> 2) + i] = k;
      m[(y >> 2) + i] = m[(x >> 2) + i] * k;
    }
  }

  dropout_backward(n: number, dy: number, mask: number, dx: number): void {
    const m = this.memory();
    for (let i = 0; i < n; i++) m[(dx >> 2) + i] = m[(dy >> 2) + i] * m[(mask >> 2) + i];
  }

  sgd_step(
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
    const m = this.memory();
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

  adagrad_step(n: number, p: number, g: number, sum: number, lr: number, eps: number, weightDecay: number): void {
    const m = this.memory();
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

  rmsprop_step(
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
    const m = this.memory();
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

  adam_step(
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
    const m = this.memory();
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
}
