import type { Backend } from '../backend/backend.ts';
import type { ParameterSet } from '../nn/params.ts';
import { describe } from '../util/check.ts';
import {
  type OptimizerOptions,
  type OptimizerSettings,
  type OptimizerType,
  optimizerSettings,
} from './optimizer-options.ts';

export type { OptimizerOptions } from './optimizer-options.ts';

/** The largest update count an optimizer accepts: the kernels take the count of the next update as an int32. */
export const MAX_STEP_COUNT = 2 ** 31 - 2;

/** What each optimizer keeps in its two state slabs, and whether the values are sums of squares (≥ 0). */
const STATE_NAMES: Readonly<Record<OptimizerType, { a: readonly [string, boolean]; b: readonly [string, boolean] }>> = {
  sgd: { a: ['momentum buffer', false], b: ['(none)', false] },
  adagrad: { a: ['sum of squared gradients', true], b: ['(none)', false] },
  rmsprop: { a: ['mean of squared gradients', true], b: ['momentum buffer', false] },
  adam: { a: ['first moment', false], b: ['second moment', true] },
  adamw: { a: ['first moment', false], b: ['second moment', true] },
};

/** Throws strand's `RangeError` unless `value` is an update count in [0, {@link MAX_STEP_COUNT}]; `what` names it. */
export function checkStepCount(value: unknown, where: string, what: string): void {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_STEP_COUNT)
    throw new RangeError(`${where}: ${what} must be an integer in [0, ${MAX_STEP_COUNT}], received ${describe(value)}`);
}

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
  private disposedFlag = false;

  /**
   * @internal The {@link Trainer} builds its optimizer from the model's parameter slabs; read it as
   * `trainer.optimizer`.
   */
  constructor(sets: ParameterSet[], options: OptimizerOptions) {
    const settings: OptimizerSettings = optimizerSettings(options, 'Optimizer', 'optimizer');
    this.options = settings as Required<OptimizerOptions> & Record<string, unknown>;
    if (sets.length === 0) throw new Error('Optimizer: no parameters to optimise');
    this.backend = sets[0].backend;
    const o = this.options;
    const needsA = o.type !== 'sgd' || (o.momentum as number) !== 0;
    const needsB = o.type === 'adam' || o.type === 'adamw' || (o.type === 'rmsprop' && (o.momentum as number) > 0);
    this.states = sets.map((set) => ({ set, a: 0, b: 0 }));
    try {
      for (const s of this.states) {
        if (needsA) s.a = this.backend.heap.allocF32(s.set.size);
        if (needsB) s.b = this.backend.heap.allocF32(s.set.size);
      }
    } catch (error) {
      // an allocation failed part-way: free the slabs already taken, so the throw leaks nothing
      this.dispose();
      throw error;
    }
  }

  /** The current base learning rate. */
  get lr(): number {
    return this.options.lr as number;
  }

  /**
   * Applies one update with learning rate `lr` (default: the configured one). Refuses, changing
   * nothing, a rate that is not finite and ≥ 0 as float32, or a {@link stepCount} that is not an
   * integer in [0, 2³¹ − 2] (the kernels take the next count as an int32).
   */
  step(lr = this.lr): void {
    this.checkUpdate(lr, 'Optimizer.step');
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

  /**
   * @internal Throws, changing nothing, unless the next update can run with learning rate `lr`: the
   * optimizer is live, `lr` (the effective rate, after any schedule) is finite and ≥ 0 as float32,
   * and {@link stepCount} is an integer in [0, {@link MAX_STEP_COUNT}].
   */
  checkUpdate(lr: number, where: string): void {
    if (this.disposedFlag) throw new Error(`${where}: the optimizer has been disposed`);
    const n = this.stepCount;
    checkStepCount(n, where, 'stepCount');
    if (typeof lr !== 'number' || !Number.isFinite(Math.fround(lr)) || lr < 0)
      throw new RangeError(
        `${where}: the learning rate of update ${n + 1} must be a finite number ≥ 0 (as float32), received ${describe(lr)}; the weights and the optimizer state were left unchanged`,
      );
  }

  /** @internal the state slabs (for save / resume), in order. */
  stateSlabs(): Array<{ ptr: number; size: number }> {
    return this.slabs().map(({ ptr, size }) => ({ ptr, size }));
  }

  /**
   * @internal Replaces the state slabs and {@link stepCount} with a checkpoint's, in
   * {@link stateSlabs}' order, after checking all of them: the right number and sizes, finite
   * values, and no negative sums of squares (Adagrad's sums, RMSprop's and Adam's second moments).
   * A refused state changes nothing.
   */
  loadState(data: readonly Float32Array[], stepCount: unknown, where: string): void {
    checkStepCount(stepCount, where, "the optimizer's stepCount");
    const slabs = this.slabs();
    if (data.length !== slabs.length)
      throw new RangeError(
        `${where}: the ${this.options.type} optimizer has ${slabs.length} state tensors, the checkpoint holds ${data.length}`,
      );
    slabs.forEach((s, i) => {
      const d = data[i];
      if (d.length !== s.size)
        throw new RangeError(
          `${where}: optimizer state ${i} (${s.what}) must have ${s.size} values, received ${d.length}`,
        );
      for (let j = 0; j < d.length; j++) {
        const v = d[j];
        if (!Number.isFinite(v) || (s.nonNegative && v < 0))
          throw new RangeError(
            `${where}: optimizer state ${i} (${s.what}) must hold finite values${s.nonNegative ? ' ≥ 0' : ''}, received ${v} at index ${j}`,
          );
      }
    });
    slabs.forEach((s, i) => this.backend.heap.write(s.ptr, data[i]));
    this.stepCount = stepCount as number;
  }

  /** Every state slab, in order, with what it holds and whether it must be ≥ 0. */
  private slabs(): Array<{ ptr: number; size: number; what: string; nonNegative: boolean }> {
    const t = this.options.type as OptimizerType;
    const names = STATE_NAMES[t];
    const out: Array<{ ptr: number; size: number; what: string; nonNegative: boolean }> = [];
    this.states.forEach((s, i) => {
      for (const [ptr, [what, nonNegative]] of [
        [s.a, names.a],
        [s.b, names.b],
      ] as const) {
        if (ptr) out.push({ ptr, size: s.set.size, what: `${t} ${what} of parameter set ${i}`, nonNegative });
      }
    });
    return out;
  }

  /** Frees the state slabs. Idempotent; a disposed optimizer refuses to update. */
  dispose(): void {
    this.disposedFlag = true;
    for (const s of this.states) {
      if (s.a) this.backend.heap.release(s.a);
      if (s.b) this.backend.heap.release(s.b);
      s.a = 0;
      s.b = 0;
    }
  }
}
