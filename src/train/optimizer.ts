import type { Backend } from '../backend/backend.ts';
import type { ParameterSet } from '../nn/params.ts';
import { describe } from '../util/check.ts';

/**
 * Optimizer settings, with PyTorch's names, definitions and defaults. Every number must be finite
 * and ≥ 0. `lr` is the base learning rate: a {@link Schedule} multiplies it per update. Weight
 * decay is an L2 penalty added to the gradient (g + weightDecay·p), except in AdamW, where it is
 * decoupled (p shrinks by lr·weightDecay·p before the Adam step).
 */
export type OptimizerOptions =
  | {
      /** Stochastic gradient descent (PyTorch's `SGD`). */
      type: 'sgd';
      /** Base learning rate; required (as in PyTorch). */
      lr: number;
      /** Momentum factor; default 0 (plain SGD, no momentum buffer). */
      momentum?: number;
      /** Dampening of the momentum: the new gradient enters the buffer scaled by (1 − dampening); default 0. */
      dampening?: number;
      /** Nesterov momentum; default false. Needs momentum > 0 and dampening 0. */
      nesterov?: boolean;
      /** L2 penalty factor; default 0. */
      weightDecay?: number;
    }
  | {
      /** Adagrad: each parameter's step is divided by the root of its summed squared gradients. */
      type: 'adagrad';
      /** Base learning rate; default 0.01. */
      lr?: number;
      /** Learning-rate decay: update n uses lr / (1 + (n − 1)·lrDecay); default 0. */
      lrDecay?: number;
      /** Added to the denominator for numerical stability; default 1e-10. */
      eps?: number;
      /** L2 penalty factor; default 0. */
      weightDecay?: number;
    }
  | {
      /** RMSprop: each parameter's step is divided by the root of a running mean of squared gradients. */
      type: 'rmsprop';
      /** Base learning rate; default 0.01. */
      lr?: number;
      /** Smoothing constant of the running mean of squared gradients; default 0.99. */
      alpha?: number;
      /** Added to the denominator for numerical stability; default 1e-8. */
      eps?: number;
      /** Momentum factor applied to the normalised step; default 0 (none). */
      momentum?: number;
      /** L2 penalty factor; default 0. */
      weightDecay?: number;
    }
  | {
      /** Adam, or AdamW (decoupled weight decay), with bias correction. */
      type: 'adam' | 'adamw';
      /** Base learning rate; default 1e-3. */
      lr?: number;
      /** Decay rate of the first-moment (mean) estimate, in [0, 1); default 0.9. */
      beta1?: number;
      /** Decay rate of the second-moment (uncentred variance) estimate, in [0, 1); default 0.999. */
      beta2?: number;
      /** Added to the denominator for numerical stability; default 1e-8. */
      eps?: number;
      /** Weight decay factor: L2 for `'adam'` (default 0), decoupled for `'adamw'` (default 0.01). */
      weightDecay?: number;
    };

interface SetState {
  set: ParameterSet;
  a: number;
  b: number;
}

/**
 * Updates parameters in place from their gradients, one fused kernel call per parameter slab.
 * State (momentum, second moments) lives in slabs with the parameters' offsets.
 */
export class Optimizer {
  /** The settings, with defaults filled in. */
  readonly options: Required<OptimizerOptions> & Record<string, unknown>;
  /** Updates done so far. */
  stepCount = 0;
  private readonly backend: Backend;
  private readonly states: SetState[];

  /**
   * @internal The {@link Trainer} builds its optimizer from the model's parameter slabs; read it as
   * `trainer.optimizer`.
   */
  constructor(sets: ParameterSet[], options: OptimizerOptions) {
    if (options === null || typeof options !== 'object')
      throw new TypeError(`optimizer must be an object like { type: 'adam', lr: 2e-3 }, received ${describe(options)}`);
    this.options = withDefaults(options) as Required<OptimizerOptions> & Record<string, unknown>;
    if (sets.length === 0) throw new Error('Optimizer: no parameters to optimise');
    this.backend = sets[0].backend;
    const o = this.options;
    const needsA = o.type !== 'sgd' || (o.momentum as number) !== 0;
    const needsB = o.type === 'adam' || o.type === 'adamw' || (o.type === 'rmsprop' && (o.momentum as number) > 0);
    this.states = sets.map((set) => ({
      set,
      a: needsA ? this.backend.heap.allocF32(set.size) : 0,
      b: needsB ? this.backend.heap.allocF32(set.size) : 0,
    }));
  }

  /** The current base learning rate. */
  get lr(): number {
    return this.options.lr as number;
  }

  /** Applies one update with learning rate `lr` (default: the configured one). */
  step(lr = this.lr): void {
    this.stepCount++;
    const k = this.backend.kernels;
    const o = this.options as Record<string, number | boolean | string>;
    const wd = o.weightDecay as number;
    for (const { set, a, b } of this.states) {
      const n = set.size;
      switch (o.type) {
        case 'sgd':
          k.sgd_step(
            n,
            set.slab,
            set.gradSlab,
            a,
            lr,
            o.momentum as number,
            o.dampening as number,
            o.nesterov ? 1 : 0,
            wd,
            this.stepCount === 1 ? 1 : 0,
          );
          break;
        case 'adagrad':
          k.adagrad_step(
            n,
            set.slab,
            set.gradSlab,
            a,
            lr / (1 + (this.stepCount - 1) * (o.lrDecay as number)),
            o.eps as number,
            wd,
          );
          break;
        case 'rmsprop':
          k.rmsprop_step(
            n,
            set.slab,
            set.gradSlab,
            a,
            b,
            lr,
            o.alpha as number,
            o.eps as number,
            wd,
            o.momentum as number,
          );
          break;
        default:
          k.adam_step(
            n,
            set.slab,
            set.gradSlab,
            a,
            b,
            lr,
            o.beta1 as number,
            o.beta2 as number,
            o.eps as number,
            wd,
            o.type === 'adamw' ? 1 : 0,
            this.stepCount,
          );
      }
    }
  }

  /** @internal the state slabs (for save / resume), in order. */
  stateSlabs(): Array<{ ptr: number; size: number }> {
    const out: Array<{ ptr: number; size: number }> = [];
    for (const s of this.states) {
      if (s.a) out.push({ ptr: s.a, size: s.set.size });
      if (s.b) out.push({ ptr: s.b, size: s.set.size });
    }
    return out;
  }

  /** Frees the state slabs. Idempotent. */
  dispose(): void {
    for (const s of this.states) {
      if (s.a) this.backend.heap.release(s.a);
      if (s.b) this.backend.heap.release(s.b);
      s.a = 0;
      s.b = 0;
    }
  }
}

function withDefaults(o: OptimizerOptions): Record<string, unknown> {
  const num = (v: unknown, name: string, def: number, min = 0): number => {
    const x = v ?? def;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < min)
      throw new RangeError(`optimizer.${name} must be a finite number ≥ ${min}, received ${describe(v)}`);
    return x;
  };
  switch (o.type) {
    case 'sgd':
      if (o.lr === undefined) throw new TypeError('optimizer.lr is required for sgd (as in PyTorch)');
      if (o.nesterov && !((o.momentum ?? 0) > 0 && (o.dampening ?? 0) === 0))
        throw new RangeError('optimizer: nesterov needs momentum > 0 and dampening 0');
      return {
        type: 'sgd',
        lr: num(o.lr, 'lr', 0),
        momentum: num(o.momentum, 'momentum', 0),
        dampening: num(o.dampening, 'dampening', 0),
        nesterov: o.nesterov ?? false,
        weightDecay: num(o.weightDecay, 'weightDecay', 0),
      };
    case 'adagrad':
      return {
        type: 'adagrad',
        lr: num(o.lr, 'lr', 0.01),
        lrDecay: num(o.lrDecay, 'lrDecay', 0),
        eps: num(o.eps, 'eps', 1e-10),
        weightDecay: num(o.weightDecay, 'weightDecay', 0),
      };
    case 'rmsprop':
      return {
        type: 'rmsprop',
        lr: num(o.lr, 'lr', 0.01),
        alpha: num(o.alpha, 'alpha', 0.99),
        eps: num(o.eps, 'eps', 1e-8),
        momentum: num(o.momentum, 'momentum', 0),
        weightDecay: num(o.weightDecay, 'weightDecay', 0),
      };
    case 'adam':
    case 'adamw': {
      const beta1 = num(o.beta1, 'beta1', 0.9);
      const beta2 = num(o.beta2, 'beta2', 0.999);
      if (beta1 >= 1 || beta2 >= 1)
        throw new RangeError(`optimizer: beta1 and beta2 must be < 1, received ${beta1}, ${beta2}`);
      return {
        type: o.type,
        lr: num(o.lr, 'lr', 1e-3),
        beta1,
        beta2,
        eps: num(o.eps, 'eps', 1e-8),
        weightDecay: num(o.weightDecay, 'weightDecay', o.type === 'adamw' ? 0.01 : 0),
      };
    }
    default:
      throw new TypeError(
        `optimizer.type must be 'sgd', 'adagrad', 'rmsprop', 'adam' or 'adamw', received ${JSON.stringify((o as { type: unknown }).type)}`,
      );
  }
}
