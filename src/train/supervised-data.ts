/**
 * Supervised data as users hold it — batch-major, ragged: `x[i]` a sequence of token ids or of
 * feature vectors, `y[i]` its label (a head at the last step) or one label per step (a head at
 * every step) — checked sample by sample, and cut into the time-major, right-padded {@link Batch}es
 * the trainer steps on.
 */
import type { SequenceModel } from '../nn/model.ts';
import { EncoderDecoder } from '../nn/seq2seq.ts';
import type { Batch } from '../nn/trainable.ts';
import { describe } from '../util/check.ts';
import type { Rng } from '../util/rng.ts';
import { epochOrder } from './fit-position.ts';
import type { LossName } from './metrics.ts';

/** One label: a class id (cross-entropy), or a value / an array of `outputSize` values. */
export type Label = number | ArrayLike<number>;

/**
 * Sequences and their labels for {@link Trainer.fit}, {@link Trainer.evaluate} and the predict
 * functions, batch-major: sample `i` is `x[i]` with label `y[i]`. Lengths may differ.
 */
export interface SupervisedData {
  /**
   * One sequence per sample: token ids (a model with an Embedding), or one feature vector per step
   * (a plain number per step when the model takes one feature).
   */
  x: ArrayLike<ArrayLike<number> | ArrayLike<ArrayLike<number>>>;
  /**
   * One label per sample for a head at the last step; one label per step (`y[i]` as long as
   * `x[i]`) for a head at every step; for an {@link EncoderDecoder}, the target ids of `x[i]`'s
   * translation (any non-empty length, learned as given: no `eos` is appended, so end `y[i]` with
   * the model's `eos` for decoding to learn where to stop).
   */
  y: ArrayLike<Label | ArrayLike<Label>>;
}

/** @internal How a model reads samples: input width, head position, label kind. */
export interface Layout {
  /** Token ids (an Embedding) or features. */
  tokens: boolean;
  /** Token vocabulary, or features per step. */
  width: number;
  /** Head at every step (one label per step). */
  every: boolean;
  /** Class-id labels (cross-entropy). */
  classes: boolean;
  /** The head's outputs, O. */
  outputs: number;
  /** Values must lie in [0, 1] (binary cross-entropy). */
  unit: boolean;
  /** An {@link EncoderDecoder}: `x` source ids, `y` target ids of their own length. */
  seq2seq?: boolean;
}

/** @internal The layout of `model` trained with `loss`. */
export function layoutOf(model: SequenceModel | EncoderDecoder, loss: LossName): Layout {
  if (model instanceof EncoderDecoder) {
    const width = model.sourceEmbedding.numEmbeddings;
    return { tokens: true, width, every: true, classes: true, outputs: model.outputSize, unit: false, seq2seq: true };
  }
  const tokens = model.embedding !== null;
  return {
    tokens,
    width: tokens ? model.embedding!.numEmbeddings : model.inputSize,
    every: model.head.at === 'every',
    classes: loss === 'cross-entropy',
    outputs: model.outputSize,
    unit: loss === 'binary-cross-entropy',
  };
}

/** @internal Checked samples: per sample its length, flat input (L·I) and flat targets (per row: 1 or O). */
export interface Samples {
  /** Steps of each sample. */
  lengths: Int32Array;
  /** Token ids (L) or features (L·I), one array per sample. */
  inputs: Float32Array[];
  /** Targets, (L or 1)·(1 for class ids, else O), one array per sample. */
  targets: Float32Array[];
}

const isList = (v: unknown): v is ArrayLike<unknown> =>
  v !== null && typeof v === 'object' && typeof (v as ArrayLike<unknown>).length === 'number';

/**
 * Checks every sample of `data` against `layout` and copies it; throws a `TypeError` /
 * `RangeError` naming `where`, the sample (`x[12][3]`) and what was expected. `name` prefixes the
 * fields (`validationData.`).
 */
export function readSamples(data: unknown, layout: Layout, where: string, name = ''): Samples {
  const fail = (what: string, E: ErrorConstructor = RangeError): never => {
    throw new E(`${where}: ${name}${what}`);
  };
  if (data === null || typeof data !== 'object') fail(`data must be { x, y }, received ${describe(data)}`, TypeError);
  const { x, y } = data as SupervisedData;
  if (!isList(x) || !isList(y)) fail(`x and y must be arrays, received ${describe(x)} and ${describe(y)}`, TypeError);
  if (x.length !== y.length) fail(`x has ${x.length} samples but y has ${y.length}`);
  if (x.length === 0) fail('x holds no samples');
  const { every, classes, outputs, unit } = layout;
  const per = classes ? 1 : outputs;
  const n = x.length;
  const targets: Float32Array[] = [];
  /** Writes label `v` (at `at`, e.g. `y[3][2]`) into `out` at row `r`. */
  const label = (v: unknown, at: string, out: Float32Array, r: number): void => {
    if (classes) {
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= outputs)
        fail(`${at} is ${describe(v)}, expected a ${layout.seq2seq ? 'target' : 'class'} id in [0, ${outputs})`);
      out[r] = v as number;
      return;
    }
    const values = typeof v === 'number' ? [v] : v;
    if (!isList(values) || values.length !== outputs)
      fail(`${at} has ${isList(values) ? values.length : describe(v)} values, expected ${outputs}`);
    for (let o = 0; o < outputs; o++) {
      const value = (values as ArrayLike<number>)[o];
      const bad =
        typeof value !== 'number' || !Number.isFinite(Math.fround(value)) || (unit && !(value >= 0 && value <= 1));
      if (bad)
        fail(
          `${at}${outputs > 1 ? `[${o}]` : ''} is ${describe(value)}, expected a finite value${unit ? ' in [0, 1]' : ''}`,
        );
      out[r * per + o] = value;
    }
  };
  const { lengths, inputs } = readInputs(x, layout, fail);
  for (let i = 0; i < n; i++) {
    const yi = y[i];
    if (layout.seq2seq && (!isList(yi) || yi.length === 0))
      fail(`y[${i}] is ${describe(yi)}, expected a non-empty array of target ids`);
    const L = layout.seq2seq ? (yi as ArrayLike<Label>).length : lengths[i];
    const rows = every ? L : 1;
    const target = new Float32Array(rows * per);
    if (every) {
      if (!isList(yi) || yi.length !== L)
        fail(`y[${i}] has ${isList(yi) ? yi.length : describe(yi)} labels, expected one per step of x[${i}] (${L})`);
      for (let t = 0; t < L; t++) label((yi as ArrayLike<Label>)[t], `y[${i}][${t}]`, target, t);
    } else label(yi, `y[${i}]`, target, 0);
    targets.push(target);
  }
  return { lengths, inputs, targets };
}

/** @internal Checks and copies the sequences `x` (see {@link readSamples}); `fail` throws with the prefix. */
export function readInputs(
  x: SupervisedData['x'],
  layout: Layout,
  fail: (what: string, E?: ErrorConstructor) => never,
): Pick<Samples, 'lengths' | 'inputs'> {
  const { tokens, width } = layout;
  const I = tokens ? 1 : width;
  const lengths = new Int32Array(x.length);
  const inputs: Float32Array[] = [];
  for (let i = 0; i < x.length; i++) {
    const seq = x[i];
    if (!isList(seq))
      fail(`x[${i}] is ${describe(seq)}, expected an array of ${tokens ? 'token ids' : 'steps'}`, TypeError);
    const L = seq.length;
    if (L === 0) fail(`x[${i}] is empty, expected at least one step`);
    const input = new Float32Array(L * I);
    for (let t = 0; t < L; t++) {
      const step = seq[t] as unknown;
      if (tokens) {
        if (!Number.isInteger(step) || (step as number) < 0 || (step as number) >= width)
          fail(`x[${i}][${t}] is ${describe(step)}, expected a token id in [0, ${width})`);
        input[t] = step as number;
        continue;
      }
      const vec = typeof step === 'number' ? [step] : step;
      if (!isList(vec) || vec.length !== I)
        fail(`x[${i}][${t}] has ${isList(vec) ? vec.length : describe(step)} features, expected ${I}`);
      for (let f = 0; f < I; f++) {
        const v = (vec as ArrayLike<number>)[f];
        if (typeof v !== 'number' || !Number.isFinite(Math.fround(v)))
          fail(`x[${i}][${t}][${f}] is ${describe(v)}, expected a finite number`);
        input[t * I + f] = v;
      }
    }
    lengths[i] = L;
    inputs.push(input);
  }
  return { lengths, inputs };
}

/** @internal Samples `from` (inclusive) to `to` (exclusive). */
export function sliceSamples(s: Samples, from: number, to: number): Samples {
  return { lengths: s.lengths.slice(from, to), inputs: s.inputs.slice(from, to), targets: s.targets.slice(from, to) };
}

/**
 * One time-major batch of the samples at `order` (B of them), right-padded to the longest (T):
 * input (T·B[·I]), targets per output row — (B) or (T·B), class ids (padding −1) or values
 * (·O, padding 0); seq2seq: (Tt·B) target ids padded to the longest target with −1 — and `lengths` (B).
 */
export function makeBatch(s: Samples, order: ArrayLike<number>, layout: Layout): Batch {
  const B = order.length;
  const I = layout.tokens ? 1 : layout.width;
  const per = layout.classes ? 1 : layout.outputs;
  const lengths = new Int32Array(B);
  for (let b = 0; b < B; b++) lengths[b] = s.lengths[order[b]];
  const T = Math.max(...lengths);
  // target steps of each sample: its own (seq2seq) or its input's
  const steps = (b: number): number => (layout.seq2seq ? s.targets[order[b]].length : lengths[b]);
  const Tt = layout.seq2seq ? Math.max(...Array.from(order, (i) => s.targets[i].length)) : T;
  const input = layout.tokens ? new Int32Array(T * B) : new Float32Array(T * B * I);
  const target = new Float32Array((layout.every ? Tt * B : B) * per).fill(layout.classes && layout.every ? -1 : 0);
  for (let b = 0; b < B; b++) {
    const i = order[b];
    const src = s.inputs[i];
    const tg = s.targets[i];
    // step t of sample b is row t·B + b
    for (let t = 0; t < lengths[b]; t++) input.set(src.subarray(t * I, (t + 1) * I), (t * B + b) * I);
    if (layout.every)
      for (let t = 0; t < steps(b); t++) target.set(tg.subarray(t * per, (t + 1) * per), (t * B + b) * per);
    else target.set(tg, b * per);
  }
  return { input, target, seqLen: T, batch: B, lengths };
}

/**
 * The batches of one epoch over `count` samples: in a random order drawn from `rng` (or in order
 * without one); with `bucket`, sorted by length within chunks of 16 batches, so that a batch holds
 * sequences of similar lengths, and the batches then visited in a random order.
 */
export function epochBatches(lengths: Int32Array, batchSize: number, rng: Rng | null, bucket: boolean): Int32Array[] {
  const order = epochOrder(lengths.length, rng);
  const chunk = 16 * batchSize;
  if (bucket)
    for (let c = 0; c < order.length; c += chunk)
      order.subarray(c, c + chunk).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const batches: Int32Array[] = [];
  for (let b = 0; b < order.length; b += batchSize) batches.push(order.slice(b, b + batchSize));
  if (!bucket || rng === null) return batches;
  return Array.from(epochOrder(batches.length, rng), (k) => batches[k]);
}
