import type { SequenceModel } from '../nn/model.ts';
import type { ParameterSet } from '../nn/params.ts';
import { Rng } from '../util/rng.ts';
import type { LossName } from '../train/trainer.ts';
import { describe } from '../util/check.ts';
import { checkOptions, custom, int, num, oneOf, type Spec } from '../util/options.ts';
import type { Batch } from '../nn/trainable.ts';

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** Parameters checked, sampled at random (at least one per tensor when possible); default 40. */
  samples?: number;
  /** Finite-difference step added to and subtracted from each checked parameter; default 1e-2. */
  epsilon?: number;
  /** Largest accepted relative error |analytic − numeric| / max(|analytic|, |numeric|, floor); default 1e-2. */
  tolerance?: number;
  /**
   * Gradients smaller than this count as this size in the relative error, so that float32
   * rounding in tiny gradients is not reported as a failure; default 1e-3.
   */
  floor?: number;
  /** The loss, as in the Trainer; default by the model's output (softmax → cross-entropy, …). */
  loss?: LossName;
  /** `'mean'` (default, as the Trainer) or `'sum'`. */
  reduction?: 'mean' | 'sum';
  /** Seed of the parameter sampling; default 1. */
  seed?: number;
}

/** What {@link GradcheckOptions} accepts, option by option. */
const GRADCHECK_OPTIONS = {
  samples: int({ min: 1 }),
  // added to float32 parameters
  epsilon: num({ min: 0, exclusiveMin: true, float32: true }),
  tolerance: num({ min: 0, exclusiveMin: true }),
  floor: num({ min: 0, exclusiveMin: true }),
  loss: oneOf('cross-entropy', 'binary-cross-entropy', 'mse'),
  reduction: oneOf('mean', 'sum'),
  seed: int(),
} satisfies Record<keyof GradcheckOptions, Spec>;

/**
 * What the batch of {@link gradcheck} accepts: a Trainer batch without `lengths` (the check runs
 * unmasked steps) and stateless (each run starts from zero states). Array values are checked by
 * the call.
 */
const GRADCHECK_BATCH = {
  input: custom('token ids or features'),
  target: custom('class ids or values'),
  seqLen: int({ min: 1 }),
  batch: int({ min: 1 }),
  mask: custom('one weight per output row'),
  stateful: oneOf(false),
} satisfies Partial<Record<keyof Batch, Spec>>;

/** One checked parameter value. */
export interface GradcheckEntry {
  /** Its name as in `model.stateDict()`, e.g. `'1.weight_hh_l0'`. */
  parameter: string;
  /** Flat index inside that tensor. */
  index: number;
  /** The gradient from the model's backward pass. */
  analytic: number;
  /** (L(θ + ε) − L(θ − ε)) / 2ε. */
  numeric: number;
  /** |analytic − numeric| / max(|analytic|, |numeric|, floor). */
  relativeError: number;
  /** relativeError ≤ tolerance. */
  passed: boolean;
}

/** What {@link gradcheck} returns. */
export interface GradcheckReport {
  /** Whether every checked value passed. */
  passed: boolean;
  /** Largest relative error seen. */
  maxRelativeError: number;
  /** Largest absolute difference seen. */
  maxAbsoluteError: number;
  /** Number of checked values. */
  checked: number;
  /** Number of values over the tolerance. */
  failures: number;
  /** The loss of the batch at the unperturbed parameters. */
  loss: number;
  /** The tolerance used. */
  tolerance: number;
  /** Every checked value, worst first. */
  entries: GradcheckEntry[];
  /** A one-paragraph human-readable summary. */
  summary: string;
}

/**
 * A finite-difference gradient check of a {@link SequenceModel} under the Trainer's loss: for a
 * sample of parameters, the gradient of the model's backward pass is compared with the central
 * difference (L(θ + ε) − L(θ − ε)) / 2ε. Run after changing a model, a loss or a kernel to see
 * that backpropagation still computes the gradient of what the forward pass computes.
 *
 * Dropout is off (evaluation mode) so the loss is deterministic, and each run starts from zero
 * states. The loss is evaluated in float64 from the model's float32 outputs, so an ε of about
 * 1e-2 balances truncation and float32 rounding. Parameters are restored bit for bit; the
 * model's gradients are left holding the batch's analytic gradients.
 */
export function gradcheck(model: SequenceModel, batch: Batch, options: GradcheckOptions = {}): GradcheckReport {
  const where = 'gradcheck';
  if (model === null || typeof model !== 'object' || typeof (model as SequenceModel).forwardInPlace !== 'function') {
    throw new TypeError(`${where}: model must be a SequenceModel, received ${describe(model)}`);
  }
  checkOptions(batch, GRADCHECK_BATCH, where, 'batch');
  checkOptions(options, GRADCHECK_OPTIONS, where);
  const samples = options.samples ?? 40;
  const epsilon = options.epsilon ?? 1e-2;
  const tolerance = options.tolerance ?? 1e-2;
  const floor = options.floor ?? 1e-3;
  const lossName: LossName =
    options.loss ??
    (model.output === 'softmax' ? 'cross-entropy' : model.output === 'sigmoid' ? 'binary-cross-entropy' : 'mse');
  const reduction = options.reduction ?? 'mean';

  const { T, B } = model.shapeOf(batch.input, batch, where);
  const rows = model.outputRows(T, B);
  const O = model.outputSize;
  const classes = lossName === 'cross-entropy';
  const target = checkTargets(batch.target, rows, O, classes, where);
  const weights = checkMask(batch.mask, rows, where);
  let counted = 0;
  for (let r = 0; r < rows; r++) if (!classes || target[r] >= 0) counted += weights[r] * (classes ? 1 : O);
  const scale = reduction === 'mean' ? 1 / Math.max(counted, 1e-12) : 1;

  const heap = model.backend.heap;
  const kernels = model.backend.kernels;
  const n = classes ? rows : rows * O;
  // targets (int32 ids or float values), per-value weights, dL/dlogits
  const tPtr = heap.allocF32(Math.max(n, 1));
  const wPtr = heap.allocF32(Math.max(n, 1));
  const dPtr = heap.allocF32(rows * O);
  try {
    // the loss in float64 from the float32 outputs of one forward pass
    const lossAt = (): number => {
      const input = model.writeInput(batch.input, T, B, `${where}: batch.input`);
      const out = model.forwardInPlace(T, B, input, false, false);
      const logits = heap.read(out, rows * O);
      return lossValue(lossName, logits, target, weights, rows, O) * scale;
    };

    // analytic gradients: forward, the Trainer's loss kernel for dL/dlogits, backward
    const input = model.writeInput(batch.input, T, B, `${where}: batch.input`);
    model.zeroGrad();
    const out = model.forwardInPlace(T, B, input, false, false);
    const mem = heap.all();
    if (classes) new Int32Array(mem.buffer, tPtr, n).set(target);
    else mem.set(target, tPtr >> 2);
    for (let r = 0; r < rows; r++) {
      if (classes) mem[(wPtr >> 2) + r] = weights[r];
      else mem.fill(weights[r], (wPtr >> 2) + r * O, (wPtr >> 2) + (r + 1) * O);
    }
    if (lossName === 'cross-entropy') kernels.softmax_xent(rows, O, out, O, tPtr, wPtr, scale, dPtr, O);
    else if (lossName === 'mse') kernels.mse(rows * O, out, tPtr, wPtr, scale, dPtr);
    else kernels.sigmoid_bce(rows * O, out, tPtr, wPtr, scale, dPtr);
    model.backwardInPlace(dPtr);
    const loss = lossAt();

    // the values to check: one per tensor first, then uniformly at random
    const tensors: Array<{ name: string; param: number; grad: number; size: number; set: ParameterSet }> = [];
    const named = Object.keys(model.stateDict());
    let k = 0;
    for (const set of model.parameterSets()) {
      for (const e of set.entries()) {
        tensors.push({
          name: named[k++],
          param: set.slab + e.offset * 4,
          grad: set.gradSlab + e.offset * 4,
          size: e.size,
          set,
        });
      }
    }
    const rng = new Rng(options.seed ?? 1);
    const total = tensors.reduce((s, t) => s + t.size, 0);
    const picks: Array<[number, number]> = [];
    const seen = new Set<string>();
    const pick = (t: number, i: number): void => {
      const key = `${t}:${i}`;
      if (seen.has(key)) return;
      seen.add(key);
      picks.push([t, i]);
    };
    for (let t = 0; t < tensors.length && picks.length < samples; t++) pick(t, rng.int(tensors[t].size));
    for (let attempts = 0; picks.length < Math.min(samples, total) && attempts < 20 * samples; attempts++) {
      let flat = rng.int(total);
      let t = 0;
      while (flat >= tensors[t].size) flat -= tensors[t++].size;
      pick(t, flat);
    }

    const entries: GradcheckEntry[] = [];
    let maxAbs = 0;
    for (const [t, i] of picks) {
      const { name, param, grad, set } = tensors[t];
      const analytic = heap.all()[(grad >> 2) + i];
      const saved = heap.all()[(param >> 2) + i];
      // each write goes through a pointer taken earlier: tell the set, so cached packings repack
      const setParam = (v: number): void => {
        heap.all()[(param >> 2) + i] = v;
        set.markWritten();
      };
      setParam(saved + epsilon);
      const plus = lossAt();
      setParam(saved - epsilon);
      const minus = lossAt();
      setParam(saved);
      // the step actually taken in float32
      const step = Math.fround(saved + epsilon) - Math.fround(saved - epsilon);
      const numeric = (plus - minus) / step;
      const abs = Math.abs(analytic - numeric);
      const relativeError = abs / Math.max(Math.abs(analytic), Math.abs(numeric), floor);
      maxAbs = Math.max(maxAbs, abs);
      entries.push({ parameter: name, index: i, analytic, numeric, relativeError, passed: relativeError <= tolerance });
    }
    entries.sort((a, b) => b.relativeError - a.relativeError);
    const failures = entries.filter((e) => !e.passed).length;
    const maxRelativeError = entries.length > 0 ? entries[0].relativeError : 0;
    const worst = entries[0];
    const summary =
      `gradcheck ${failures === 0 ? 'passed' : 'FAILED'}: ${entries.length} values checked, ${failures} over the tolerance ${tolerance}; ` +
      `max relative error ${maxRelativeError.toExponential(2)}` +
      (worst
        ? ` at ${worst.parameter}[${worst.index}] (analytic ${worst.analytic.toExponential(4)}, numeric ${worst.numeric.toExponential(4)})`
        : '');
    return {
      passed: failures === 0,
      maxRelativeError,
      maxAbsoluteError: maxAbs,
      checked: entries.length,
      failures,
      loss,
      tolerance,
      entries,
      summary,
    };
  } finally {
    heap.release(dPtr);
    heap.release(wPtr);
    heap.release(tPtr);
  }
}

// ------------------------------------------------------------------------------------ internals

function checkTargets(target: ArrayLike<number>, rows: number, O: number, classes: boolean, where: string): number[] {
  const n = classes ? rows : rows * O;
  if (target === null || typeof target !== 'object' || typeof target.length !== 'number') {
    throw new TypeError(
      `${where}: batch.target must be an array of ${n} ${classes ? 'class ids' : 'values'}, received ${describe(target)}`,
    );
  }
  if (target.length !== n)
    throw new RangeError(
      `${where}: batch.target must have ${n} ${classes ? 'class ids (one per output row)' : `values (rows·outputSize = ${rows}·${O})`}, received ${target.length}`,
    );
  const out = Array.from(target);
  out.forEach((v, i) => {
    if (classes ? !Number.isInteger(v) || v < -1 || v >= O : !Number.isFinite(v)) {
      throw new RangeError(
        `${where}: batch.target must hold ${classes ? `class ids in [0, ${O}) or −1 (ignore)` : 'finite values'}, received ${describe(v)} at index ${i}`,
      );
    }
  });
  return out;
}

function checkMask(mask: ArrayLike<number> | undefined, rows: number, where: string): Float64Array {
  const out = new Float64Array(rows).fill(1);
  if (mask === undefined) return out;
  if (mask === null || typeof mask !== 'object' || mask.length !== rows)
    throw new RangeError(
      `${where}: batch.mask must have one weight per output row (${rows}), received ${describe(mask)}`,
    );
  for (let i = 0; i < rows; i++) {
    if (!(mask[i] >= 0 && Number.isFinite(mask[i])))
      throw new RangeError(`${where}: batch.mask must hold finite weights ≥ 0, received ${mask[i]} at index ${i}`);
    // the kernels see float32 weights
    out[i] = Math.fround(mask[i]);
  }
  return out;
}

/** The unscaled weighted loss Σ w·ℓ of float32 outputs, in float64 (the Trainer's definitions). */
function lossValue(
  loss: LossName,
  logits: Float32Array,
  target: number[],
  weights: Float64Array,
  rows: number,
  O: number,
): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const w = weights[r];
    if (loss === 'cross-entropy') {
      const t = target[r];
      if (t < 0 || w === 0) continue;
      let max = -Infinity;
      for (let o = 0; o < O; o++) max = Math.max(max, logits[r * O + o]);
      let sum = 0;
      for (let o = 0; o < O; o++) sum += Math.exp(logits[r * O + o] - max);
      total += w * (max + Math.log(sum) - logits[r * O + t]);
      continue;
    }
    for (let o = 0; o < O; o++) {
      const z = logits[r * O + o];
      const y = Math.fround(target[r * O + o]);
      total +=
        loss === 'mse' ? w * (z - y) * (z - y) : w * (Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z))));
    }
  }
  return total;
}
