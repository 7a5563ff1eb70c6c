// Losses with their gradients fused in one pass, numerically stable. Sums are accumulated in f64.
import { v_exp } from './math';

/**
 * Softmax cross-entropy. logits (M,V) stride ldl; targets int32 (M), rows with target < 0 are
 * ignored; weights (M) or 0. Returns Σ weight·(logsumexp(row) − row[target]).
 * dlogits (M,V) stride lddl (may alias logits) = scale·weight·(softmax(row) − onehot), when ≠ 0.
 */
export function softmax_xent(M: i32, V: i32, logits: usize, ldl: i32, targets: usize, weights: usize, scale: f32, dlogits: usize, lddl: i32): f64 {
  let total: f64 = 0;
  for (let r = 0; r < M; r++) {
    const row = logits + (<usize>(r * ldl) << 2);
    const target = load<i32>(targets + (<usize>r << 2));
    const drow = dlogits + (<usize>(r * lddl) << 2);
    const weight: f32 = target < 0 ? 0 : weights != 0 ? load<f32>(weights + (<usize>r << 2)) : 1;
    if (weight == 0) {
      if (dlogits != 0) memory.fill(drow, 0, <usize>V << 2);
      continue;
    }
    const max = row_max(row, V);
    const logit = <f64>load<f32>(row + (<usize>target << 2)); // read before dlogits may overwrite the row
    // Σ exp(l − max), kept in the gradient row when there is one
    const vmax = f32x4.splat(max);
    let vsum = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= V; j += 4) {
      const e = v_exp(f32x4.sub(v128.load(row + (<usize>j << 2)), vmax));
      if (dlogits != 0) v128.store(drow + (<usize>j << 2), e);
      vsum = f32x4.add(vsum, e);
    }
    let sum: f64 = <f64>f32x4.extract_lane(vsum, 0) + <f64>f32x4.extract_lane(vsum, 1)
      + <f64>f32x4.extract_lane(vsum, 2) + <f64>f32x4.extract_lane(vsum, 3);
    for (; j < V; j++) {
      const e = f32x4.extract_lane(v_exp(f32x4.splat(load<f32>(row + (<usize>j << 2)) - max)), 0);
      if (dlogits != 0) store<f32>(drow + (<usize>j << 2), e);
      sum += <f64>e;
    }
    total += <f64>weight * (Math.log(sum) + <f64>max - logit);
    if (dlogits != 0) {
      const k = <f32>(<f64>(scale * weight) / sum);
      const vk = f32x4.splat(k);
      j = 0;
      for (; j + 4 <= V; j += 4) v128.store(drow + (<usize>j << 2), f32x4.mul(v128.load(drow + (<usize>j << 2)), vk));
      for (; j < V; j++) store<f32>(drow + (<usize>j << 2), load<f32>(drow + (<usize>j << 2)) * k);
      const t = drow + (<usize>target << 2);
      store<f32>(t, load<f32>(t) - scale * weight);
    }
  }
  return total;
}

/** probs (M,V) = softmax(logits / temperature) row by row. */
export function softmax_rows(M: i32, V: i32, logits: usize, ldl: i32, temperature: f32, probs: usize): void {
  const inv: f32 = 1.0 / temperature;
  for (let r = 0; r < M; r++) {
    const row = logits + (<usize>(r * ldl) << 2);
    const out = probs + (<usize>(r * V) << 2);
    const max = row_max(row, V);
    let sum: f64 = 0;
    for (let j = 0; j < V; j++) {
      const e = f32x4.extract_lane(v_exp(f32x4.splat((load<f32>(row + (<usize>j << 2)) - max) * inv)), 0);
      store<f32>(out + (<usize>j << 2), e);
      sum += <f64>e;
    }
    const k = <f32>(1.0 / sum);
    for (let j = 0; j < V; j++) store<f32>(out + (<usize>j << 2), load<f32>(out + (<usize>j << 2)) * k);
  }
}

/**
 * Sigmoid binary cross-entropy from logits z (n) against targets y (n):
 * Σ weight·(max(z,0) − z·y + log(1 + e^{−|z|})); dlogits = scale·weight·(σ(z) − y) when ≠ 0.
 */
export function sigmoid_bce(n: i32, logits: usize, targets: usize, weights: usize, scale: f32, dlogits: usize): f64 {
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const z = <f64>load<f32>(logits + (<usize>i << 2));
    const y = <f64>load<f32>(targets + (<usize>i << 2));
    const w = weights != 0 ? <f64>load<f32>(weights + (<usize>i << 2)) : 1.0;
    total += w * (Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z))));
    if (dlogits != 0) {
      const s = z >= 0 ? 1.0 / (1.0 + Math.exp(-z)) : Math.exp(z) / (1.0 + Math.exp(z));
      store<f32>(dlogits + (<usize>i << 2), <f32>(<f64>scale * w * (s - y)));
    }
  }
  return total;
}

/** Σ weight·(p − y)²; dpred = scale·weight·2(p − y) when ≠ 0. */
export function mse(n: i32, pred: usize, targets: usize, weights: usize, scale: f32, dpred: usize): f64 {
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const d = <f64>load<f32>(pred + (<usize>i << 2)) - <f64>load<f32>(targets + (<usize>i << 2));
    const w = weights != 0 ? <f64>load<f32>(weights + (<usize>i << 2)) : 1.0;
    total += w * d * d;
    if (dpred != 0) store<f32>(dpred + (<usize>i << 2), <f32>(<f64>scale * w * 2 * d));
  }
  return total;
}

/** max over V floats. */
function row_max(row: usize, V: i32): f32 {
  let vmax = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= V; j += 4) vmax = f32x4.max(vmax, v128.load(row + (<usize>j << 2)));
  let max = Mathf.max(Mathf.max(f32x4.extract_lane(vmax, 0), f32x4.extract_lane(vmax, 1)), Mathf.max(f32x4.extract_lane(vmax, 2), f32x4.extract_lane(vmax, 3)));
  for (; j < V; j++) max = Mathf.max(max, load<f32>(row + (<usize>j << 2)));
  return max;
}
