/**
 * Predictions of a {@link SequenceModel} on ragged batch-major sequences, one result per sample:
 * class probabilities, classes, or raw values — for a head at the last step one output row per
 * sample, for a head at every step one row per step of the sample.
 */
import { SequenceModel } from '../nn/model.ts';
import { describe } from '../util/check.ts';
import { checkOptions, int } from '../util/options.ts';
import { layoutOf, makeBatch, readInputs, type SupervisedData } from './supervised-data.ts';

/** Options of {@link predictProba}, {@link predictClasses} and {@link predictValues}. */
export interface PredictOptions {
  /** Samples per forward pass; default 32. */
  batchSize?: number;
}

/**
 * Runs `model` on the sequences `x` in batches; returns each sample's output rows, (R·O) with R = 1
 * (head at the last step) or the sample's length (head at every step), row-major.
 */
function outputs(model: SequenceModel, x: SupervisedData['x'], options: PredictOptions, where: string): Float32Array[] {
  if (!(model instanceof SequenceModel))
    throw new TypeError(`${where}: model must be a SequenceModel, received ${describe(model)}`);
  checkOptions(options, { batchSize: int({ min: 1 }) }, where);
  const fail = (what: string, E: ErrorConstructor = RangeError): never => {
    throw new E(`${where}: ${what}`);
  };
  if (x === null || typeof x !== 'object' || typeof x.length !== 'number' || x.length === 0)
    fail(`x must be a non-empty array of sequences, received ${describe(x)}`, TypeError);
  const layout = layoutOf(model, 'mse');
  const read = readInputs(x, layout, fail);
  const samples = { ...read, targets: read.inputs.map(() => new Float32Array(0)) };
  const O = model.outputSize;
  const size = options.batchSize ?? 32;
  const result: Float32Array[] = [];
  for (let s = 0; s < x.length; s += size) {
    const B = Math.min(size, x.length - s);
    const batch = makeBatch(
      samples,
      Int32Array.from({ length: B }, (_, i) => s + i),
      layout,
    );
    const out = model.predict(batch.input, { seqLen: batch.seqLen, batch: B, lengths: batch.lengths });
    for (let b = 0; b < B; b++) {
      if (!layout.every) {
        result.push(out.slice(b * O, (b + 1) * O));
        continue;
      }
      // step t of sample b is output row t·B + b
      const L = read.lengths[s + b];
      const rows = new Float32Array(L * O);
      for (let t = 0; t < L; t++) rows.set(out.subarray((t * B + b) * O, (t * B + b + 1) * O), t * O);
      result.push(rows);
    }
  }
  return result;
}

/** Refuses a linear head for predictions that need class logits. */
function classifier(model: SequenceModel, where: string): void {
  if (model?.output === 'linear')
    throw new TypeError(`${where}: needs a softmax or sigmoid head; this model is linear (use predictValues)`);
}

/**
 * Class probabilities per sample: softmax over each row (softmax head) or a sigmoid of each output
 * (sigmoid head); (O) per sample for a head at the last step, (L·O) step by step for a head at every step.
 */
export function predictProba(
  model: SequenceModel,
  x: SupervisedData['x'],
  options: PredictOptions = {},
): Float32Array[] {
  const where = 'predictProba';
  classifier(model, where);
  const O = model.outputSize;
  return outputs(model, x, options, where).map((z) => {
    if (model.output === 'sigmoid') return z.map((v) => 1 / (1 + Math.exp(-v)));
    for (let r = 0; r < z.length; r += O) {
      const row = z.subarray(r, r + O);
      const max = Math.max(...row);
      let sum = 0;
      for (let o = 0; o < O; o++) {
        row[o] = Math.exp(row[o] - max);
        sum += row[o];
      }
      for (let o = 0; o < O; o++) row[o] /= sum;
    }
    return z;
  });
}

/**
 * Predicted classes per sample: the most likely class of each row (softmax head: (1) per sample
 * at the last step, (L) at every step), or 0 / 1 per output, logit > 0 (sigmoid head: (O) or (L·O)).
 */
export function predictClasses(
  model: SequenceModel,
  x: SupervisedData['x'],
  options: PredictOptions = {},
): Int32Array[] {
  const where = 'predictClasses';
  classifier(model, where);
  const O = model.outputSize;
  return outputs(model, x, options, where).map((z) => {
    if (model.output === 'sigmoid') return Int32Array.from(z, (v) => (v > 0 ? 1 : 0));
    return Int32Array.from({ length: z.length / O }, (_, r) => {
      let arg = 0;
      for (let o = 1; o < O; o++) if (z[r * O + o] > z[r * O + arg]) arg = o;
      return arg;
    });
  });
}

/** The head's raw outputs per sample (values of a linear head; logits of a classifier): (O) or (L·O). */
export function predictValues(
  model: SequenceModel,
  x: SupervisedData['x'],
  options: PredictOptions = {},
): Float32Array[] {
  return outputs(model, x, options, 'predictValues');
}
