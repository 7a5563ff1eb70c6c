// Optimizer updates over flat parameter / gradient / state slabs, with PyTorch's definitions.
// Element-wise, SIMD main loop + scalar tail; n floats each.
// Threaded (threads.ts): each thread updates its share of the n elements, in whole groups of four,
// so that the scalar tail is the same last elements whatever the thread count (bit-identical to
// one thread), then meets the others at a barrier.

import { barrier, share_end, share_start } from './threads';

/** Byte offset of this thread's share of n elements (4-aligned), and its length, for the updates below. */
@inline function share_offset(n: i32): usize {
  return <usize>share_start(n, 4) << 2;
}
@inline function share_length(n: i32): i32 {
  return share_end(n, 4) - share_start(n, 4);
}
/** ptr + off, leaving an absent (0) state pointer absent. */
@inline function shifted(ptr: usize, off: usize): usize {
  return ptr != 0 ? ptr + off : 0;
}

/** SGD (+ momentum, dampening, Nesterov, L2 weight decay). See HeadKernels.sgd_step. */
export function sgd_step(n: i32, p: usize, g: usize, buf: usize, lr: f32, momentum: f32, dampening: f32,
  nesterov: i32, weightDecay: f32, first: i32): void {
  const off = share_offset(n);
  sgd_range(share_length(n), p + off, g + off, shifted(buf, off), lr, momentum, dampening, nesterov, weightDecay, first);
  barrier();
}

@inline function sgd_range(n: i32, p: usize, g: usize, buf: usize, lr: f32, momentum: f32, dampening: f32,
  nesterov: i32, weightDecay: f32, first: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const w = load<f32>(p + o);
    let d = load<f32>(g + o) + weightDecay * w;
    if (momentum != 0) {
      const b = first != 0 ? d : momentum * load<f32>(buf + o) + (1 - dampening) * d;
      store<f32>(buf + o, b);
      d = nesterov != 0 ? d + momentum * b : b;
    }
    store<f32>(p + o, w - lr * d);
  }
}

/** Adagrad: sum += g'²; p −= lr·g' / (√sum + eps). */
export function adagrad_step(n: i32, p: usize, g: usize, sum: usize, lr: f32, eps: f32, weightDecay: f32): void {
  const off = share_offset(n);
  adagrad_range(share_length(n), p + off, g + off, sum + off, lr, eps, weightDecay);
  barrier();
}

@inline function adagrad_range(n: i32, p: usize, g: usize, sum: usize, lr: f32, eps: f32, weightDecay: f32): void {
  const vlr = f32x4.splat(lr);
  const veps = f32x4.splat(eps);
  const vwd = f32x4.splat(weightDecay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const w = v128.load(p + o);
    const d = f32x4.add(v128.load(g + o), f32x4.mul(vwd, w));
    const s = f32x4.add(v128.load(sum + o), f32x4.mul(d, d));
    v128.store(sum + o, s);
    v128.store(p + o, f32x4.sub(w, f32x4.div(f32x4.mul(vlr, d), f32x4.add(f32x4.sqrt(s), veps))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const w = load<f32>(p + o);
    const d = load<f32>(g + o) + weightDecay * w;
    const s = load<f32>(sum + o) + d * d;
    store<f32>(sum + o, s);
    store<f32>(p + o, w - lr * d / (Mathf.sqrt(s) + eps));
  }
}

/** RMSprop (+ momentum). See HeadKernels.rmsprop_step. */
export function rmsprop_step(n: i32, p: usize, g: usize, sq: usize, buf: usize, lr: f32, alpha: f32, eps: f32,
  weightDecay: f32, momentum: f32): void {
  const off = share_offset(n);
  rmsprop_range(share_length(n), p + off, g + off, sq + off, shifted(buf, off), lr, alpha, eps, weightDecay, momentum);
  barrier();
}

@inline function rmsprop_range(n: i32, p: usize, g: usize, sq: usize, buf: usize, lr: f32, alpha: f32, eps: f32,
  weightDecay: f32, momentum: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const w = load<f32>(p + o);
    const d = load<f32>(g + o) + weightDecay * w;
    const s = alpha * load<f32>(sq + o) + (1 - alpha) * d * d;
    store<f32>(sq + o, s);
    const step = d / (Mathf.sqrt(s) + eps);
    if (momentum > 0) {
      const b = momentum * load<f32>(buf + o) + step;
      store<f32>(buf + o, b);
      store<f32>(p + o, w - lr * b);
    } else {
      store<f32>(p + o, w - lr * step);
    }
  }
}

/** Adam / AdamW with bias correction. See HeadKernels.adam_step. */
export function adam_step(n: i32, p: usize, g: usize, m: usize, v: usize, lr: f32, beta1: f32, beta2: f32,
  eps: f32, weightDecay: f32, decoupled: i32, step: i32): void {
  const off = share_offset(n);
  adam_range(share_length(n), p + off, g + off, m + off, v + off, lr, beta1, beta2, eps, weightDecay, decoupled, step);
  barrier();
}

@inline function adam_range(n: i32, p: usize, g: usize, m: usize, v: usize, lr: f32, beta1: f32, beta2: f32,
  eps: f32, weightDecay: f32, decoupled: i32, step: i32): void {
  const bc1 = 1 - Math.pow(<f64>beta1, <f64>step);
  const bc2 = 1 - Math.pow(<f64>beta2, <f64>step);
  const stepSize = <f32>(<f64>lr / bc1);
  const invSqrtBc2 = <f32>(1.0 / Math.sqrt(bc2));
  const decay: f32 = decoupled != 0 ? 1 - lr * weightDecay : 1;
  const l2: f32 = decoupled != 0 ? 0 : weightDecay;
  const vb1 = f32x4.splat(beta1), vb1c = f32x4.splat(1 - beta1);
  const vb2 = f32x4.splat(beta2), vb2c = f32x4.splat(1 - beta2);
  const vstep = f32x4.splat(stepSize), vinv = f32x4.splat(invSqrtBc2), veps = f32x4.splat(eps);
  const vdecay = f32x4.splat(decay), vl2 = f32x4.splat(l2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const w = v128.load(p + o);
    const d = f32x4.add(v128.load(g + o), f32x4.mul(vl2, w));
    const mm = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vb1c, d));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vb2c, f32x4.mul(d, d)));
    v128.store(m + o, mm);
    v128.store(v + o, vv);
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vv), vinv), veps);
    v128.store(p + o, f32x4.sub(f32x4.mul(w, vdecay), f32x4.div(f32x4.mul(vstep, mm), denom)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const w = load<f32>(p + o);
    const d = load<f32>(g + o) + l2 * w;
    const mm = beta1 * load<f32>(m + o) + (1 - beta1) * d;
    const vv = beta2 * load<f32>(v + o) + (1 - beta2) * d * d;
    store<f32>(m + o, mm);
    store<f32>(v + o, vv);
    store<f32>(p + o, w * decay - stepSize * mm / (Mathf.sqrt(vv) * invSqrtBc2 + eps));
  }
}
