// Losses in plain TypeScript, each with its gradient fused in the same pass and numerically
// stable (max-shifted softmax, log1p form of the binary cross-entropy); sums in float64.
// Mirrors assembly/loss.ts; contract: src/backend/head-kernels.ts (softmax_xent, softmax_rows,
// sigmoid_bce, mse). Arguments named like the contract are byte pointers (0 = absent); `m` is the
// whole heap as float32 and `i32` the same memory as int32 (for the targets).

/**
 * Softmax cross-entropy. logits (M,V) stride ldl; targets int32 (M), rows with target < 0 are
 * ignored; weights (M) or 0 (= all 1). Returns Σ weight·(logsumexp(row) − row[target]).
 * dlogits (M,V) stride lddl (may alias logits) = scale·weight·(softmax(row) − onehot), when ≠ 0;
 * an ignored or zero-weight row gets zeros.
 */
export function softmaxXent(
  m: Float32Array,
  i32: Int32Array,
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
  let total = 0;
  for (let r = 0; r < M; r++) {
    const row = (logits >> 2) + r * ldl;
    const drow = (dlogits >> 2) + r * lddl;
    const target = i32[(targets >> 2) + r];
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

/** probs (M,V), dense rows = softmax(logits / temperature) row by row; logits (M,V) stride ldl. */
export function softmaxRows(
  m: Float32Array,
  M: number,
  V: number,
  logits: number,
  ldl: number,
  temperature: number,
  probs: number,
): void {
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

/**
 * Sigmoid binary cross-entropy from logits z (n) against targets y (n, in [0, 1]); weights (n)
 * or 0 (= all 1): Σ weight·(max(z,0) − z·y + log(1 + e^{−|z|})); dlogits = scale·weight·(σ(z) − y)
 * when ≠ 0, with σ computed on the side of zero that cannot overflow.
 */
export function sigmoidBce(
  m: Float32Array,
  n: number,
  logits: number,
  targets: number,
  weights: number,
  scale: number,
  dlogits: number,
): number {
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

/** Mean-squared-error sum: Σ weight·(p − y)² over n values (weights 0 = all 1); dpred = scale·weight·2(p − y) when ≠ 0. */
export function mse(
  m: Float32Array,
  n: number,
  pred: number,
  targets: number,
  weights: number,
  scale: number,
  dpred: number,
): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = m[(pred >> 2) + i] - m[(targets >> 2) + i];
    const w = weights !== 0 ? m[(weights >> 2) + i] : 1;
    total += w * d * d;
    if (dpred !== 0) m[(dpred >> 2) + i] = scale * w * 2 * d;
  }
  return total;
}
