/**
 * Loss and metrics of a model's outputs against labels, accumulated batch by batch: accuracy,
 * mean squared and absolute error, perplexity, and per-class precision / recall / F1.
 */
import type { Batch } from '../nn/trainable.ts';

/** Loss functions, each fused with its gradient in the backend. */
export type LossName = 'cross-entropy' | 'binary-cross-entropy' | 'mse';

/** A metric {@link Trainer.fit} and {@link Trainer.evaluate} can report. */
export type MetricName = 'accuracy' | 'mse' | 'mae' | 'perplexity' | 'f1';

/** Per-class precision, recall and F1 (classes of a softmax head, or the outputs of a sigmoid head). */
export interface ClassScores {
  /** Per class: true positives / predicted positives (0 when the class is never predicted). */
  precision: number[];
  /** Per class: true positives / actual positives (0 when the class never occurs). */
  recall: number[];
  /** Per class: the harmonic mean of precision and recall (0 when both are 0). */
  f1: number[];
  /** Per class: how many labels are of the class. */
  support: number[];
  /** The unweighted mean of the per-class F1 scores. */
  macroF1: number;
}

/** The loss and the requested metrics of some labelled data. */
export interface Scores {
  /** Mean loss per counted label (as the trainer's `'mean'` reduction). */
  loss: number;
  /** Fraction of labels predicted right (softmax: argmax; sigmoid: each output, logit > 0). */
  accuracy?: number;
  /** Mean squared error of the values (classifiers: of the probabilities against one-hot / 0–1 labels). */
  mse?: number;
  /** Mean absolute error, read as `mse`. */
  mae?: number;
  /** e^loss (cross-entropy only). */
  perplexity?: number;
  /** Per-class precision, recall and F1 (classifiers only). */
  f1?: ClassScores;
}

/** @internal Refuses metrics that mean nothing for the loss: accuracy and f1 need a classifier, perplexity cross-entropy. */
export function checkMetrics(metrics: readonly MetricName[], loss: LossName, where: string): void {
  for (const m of metrics) {
    if ((m === 'accuracy' || m === 'f1') && loss === 'mse')
      throw new TypeError(`${where}: metric '${m}' needs a classifier (cross-entropy or binary cross-entropy loss)`);
    if (m === 'perplexity' && loss !== 'cross-entropy')
      throw new TypeError(`${where}: metric 'perplexity' needs the cross-entropy loss, this trainer uses ${loss}`);
  }
}

/** @internal Accumulates outputs of batches against their targets; {@link Scorer.result} gives the {@link Scores}. */
export interface Scorer {
  /** Adds a batch's outputs (rows·O) against its targets; `every`: rows are steps (padded ones left out). */
  add(outputs: ArrayLike<number>, batch: Batch, every: boolean): void;
  /** The scores so far. */
  result(): Scores;
}

/** @internal A scorer of `O` outputs under `loss`, reporting `metrics`. */
export function scorer(O: number, loss: LossName, metrics: readonly MetricName[]): Scorer {
  const classes = loss === 'cross-entropy';
  const K = O;
  const tp = new Float64Array(K);
  const fp = new Float64Array(K);
  const fn = new Float64Array(K);
  const support = new Float64Array(K);
  let lossSum = 0;
  let counted = 0;
  let correct = 0;
  let se = 0;
  let ae = 0;
  /** Counts one prediction of class / label `k` (`predicted`) against the truth (`actual`). */
  const tally = (k: number, predicted: boolean, actual: boolean): void => {
    if (actual) support[k]++;
    if (predicted && actual) tp[k]++;
    else if (predicted) fp[k]++;
    else if (actual) fn[k]++;
  };
  return {
    add(out, batch, every) {
      const B = batch.batch!;
      const rows = every ? batch.seqLen! * B : B;
      const target = batch.target;
      const probs = new Float64Array(O);
      for (let r = 0; r < rows; r++) {
        if (every && Math.floor(r / B) >= batch.lengths![r % B]) continue; // padding
        const z = r * O;
        if (classes) {
          const c = target[r];
          let arg = 0;
          for (let o = 1; o < O; o++) if (out[z + o] > out[z + arg]) arg = o;
          const max = out[z + arg];
          let sum = 0;
          for (let o = 0; o < O; o++) {
            probs[o] = Math.exp(out[z + o] - max);
            sum += probs[o];
          }
          lossSum += Math.log(sum) + max - out[z + c];
          counted++;
          if (arg === c) correct++;
          for (let k = 0; k < K; k++) tally(k, k === arg, k === c);
          for (let o = 0; o < O; o++) {
            const d = probs[o] / sum - (o === c ? 1 : 0);
            se += d * d;
            ae += Math.abs(d);
          }
          continue;
        }
        for (let o = 0; o < O; o++) {
          const v = out[z + o];
          const y = target[z + o];
          let d = v - y;
          if (loss === 'mse') lossSum += d * d;
          else {
            // binary cross-entropy with logits, stable: max(v, 0) − v·y + log(1 + e^−|v|)
            lossSum += Math.max(v, 0) - v * y + Math.log1p(Math.exp(-Math.abs(v)));
            d = 1 / (1 + Math.exp(-v)) - y;
            if (v > 0 === y >= 0.5) correct++;
            tally(o, v > 0, y >= 0.5);
          }
          se += d * d;
          ae += Math.abs(d);
          counted++;
        }
      }
    },
    result() {
      const loss = lossSum / counted;
      const scores: Scores = { loss };
      const values = classes ? counted * O : counted;
      for (const m of metrics) {
        if (m === 'accuracy') scores.accuracy = correct / counted;
        else if (m === 'mse') scores.mse = se / values;
        else if (m === 'mae') scores.mae = ae / values;
        else if (m === 'perplexity') scores.perplexity = Math.exp(loss);
        else {
          const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);
          const precision = Array.from(tp, (t, k) => ratio(t, t + fp[k]));
          const recall = Array.from(tp, (t, k) => ratio(t, t + fn[k]));
          const f1 = precision.map((p, k) => ratio(2 * p * recall[k], p + recall[k]));
          const macroF1 = f1.reduce((a, b) => a + b, 0) / K;
          scores.f1 = { precision, recall, f1, support: Array.from(support), macroF1 };
        }
      }
      return scores;
    },
  };
}
