/**
 * Forecasting with a trained many-to-one model (feature input, a Dense head at the last step, linear
 * output), and the conversion of batch-major windows into the time-major batches models read.
 */
import { SequenceModel } from '../nn/model.ts';
import type { Batch } from '../nn/trainable.ts';
import { readSeries } from '../data/timeseries.ts';
import { describe, positiveInt } from '../util/check.ts';

/** One window: `lookback` rows of feature values (lookback × F), or `lookback` values of one feature. */
export type Window = readonly (readonly number[])[] | readonly number[];

/** Windows laid out for {@link SequenceModel.predict} and a {@link Batch}. */
export interface TimeMajor {
  /** Feature values (T·B·F), time-major. */
  input: Float32Array;
  /** Time steps T. */
  seqLen: number;
  /** Windows B. */
  batch: number;
}

/** x (B, T, F) → input (T·B·F), each window of F features (default: those of x[0]); `one` names a lone window. */
function timeMajor(x: unknown, where: string, F?: number, one?: string): TimeMajor {
  if (!Array.isArray(x) || !x.length)
    throw new TypeError(`${where}: x must be a non-empty array of windows, received ${describe(x)}`);
  const width = F ?? readSeries(x[0], where, 'x[0]')[0].length;
  const rows = x.map((w, b) => readSeries(w, where, one ?? `x[${b}]`, width));
  const T = rows[0].length;
  const B = x.length;
  const input = new Float32Array(T * B * width);
  rows.forEach((w, b) => {
    if (w.length !== T) throw new RangeError(`${where}: x[${b}] has ${w.length} steps; x[0] has ${T}`);
    w.forEach((r, t) => input.set(r, (t * B + b) * width));
  });
  return { input, seqLen: T, batch: B };
}

/**
 * Batch-major windows → a time-major input: x (B, T, F) → input (T·B·F), with
 * input[(t·B + b)·F + f] = x[b][t][f]. Every window needs the same T and F (rows of values; a
 * univariate window may also be T plain values).
 */
export function toTimeMajor(x: readonly Window[]): TimeMajor {
  return timeMajor(x, 'toTimeMajor');
}

/**
 * Samples (e.g. from `windows`) as a list of {@link Batch}es for `Trainer.fit`, in order (the
 * trainer can shuffle them): each input time-major (T·B·F), each target (B·O) row-major. The last
 * batch holds the remainder.
 * @param samples x (N, T, F) windows and y (N, O) targets
 * @param batchSize samples per batch
 */
export function toBatches(
  samples: { x: readonly Window[]; y: readonly (readonly number[])[] },
  batchSize: number,
): Batch[] {
  const where = 'toBatches';
  positiveInt(batchSize, `${where}: batchSize`);
  const { x, y } = samples ?? {};
  if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length || x.length === 0)
    throw new TypeError(`${where}: samples must be { x, y } of equal non-empty lengths`);
  readSeries(y, where, 'samples.y'); // (N, O) finite
  const out: Batch[] = [];
  for (let from = 0; from < x.length; from += batchSize)
    out.push({
      ...toTimeMajor(x.slice(from, from + batchSize)),
      target: Float32Array.from(y.slice(from, from + batchSize).flat()),
    });
  return out;
}

/** The model, checked: feature input, a head at the last step, linear output. */
function forecaster(model: SequenceModel, where: string): SequenceModel {
  if (
    !(model instanceof SequenceModel) ||
    model.embedding !== null ||
    model.head.at !== 'last' ||
    model.output !== 'linear'
  )
    throw new TypeError(
      `${where}: model must take features and end in a linear Dense head at: 'last', received ${describe(model)}`,
    );
  return model;
}

/** Outputs (B, O) of the checked model for windows x (B, T, F). */
function outputs(model: SequenceModel, x: unknown, where: string, one?: string): number[][] {
  const m = forecaster(model, where);
  const { input, seqLen, batch } = timeMajor(x, where, m.inputSize, one);
  const out = m.predict(input, { seqLen, batch }); // (B, O)
  const O = m.outputSize;
  return Array.from({ length: batch }, (_, b) => Array.from(out.subarray(b * O, (b + 1) * O)));
}

/**
 * Runs the model on many windows at once: x (B, T, F) → outputs (B, O), one row per window.
 * @param model a many-to-one model with linear output
 */
export function predictWindows(model: SequenceModel, x: readonly Window[]): number[][] {
  return outputs(model, x, 'predictWindows');
}

/**
 * Direct multi-step forecast: the model predicts all `horizon` values at once (a head with
 * horizon · targets outputs, trained on `windows(..., { horizon })`).
 * @param model a many-to-one model with linear output
 * @param window the last `lookback` rows (or values) of the series, scaled as in training
 * @returns the model's O outputs, laid out like `Samples.y` (step-major)
 */
export function forecastDirect(model: SequenceModel, window: Window): number[] {
  return outputs(model, [window], 'forecastDirect', 'window')[0];
}

/**
 * Builds the input row of the next step from the model's prediction: `prediction` (O values) for
 * step `step` (0-based) and the window's last row; returns a row of F finite values.
 */
export type NextRow = (prediction: readonly number[], step: number, lastRow: readonly number[]) => number[];

/**
 * Recursive forecast: predicts one step, appends it to the window (dropping the oldest row, so the
 * model always reads `lookback` rows as in training), and repeats `steps` times.
 *
 * Without `nextRow` the model's outputs must be its inputs' next values (output size = input size:
 * a univariate series predicting itself, or every feature of a multivariate one); otherwise pass
 * `nextRow` to build the next input row (e.g. put the predicted target beside known covariates).
 * @param model a many-to-one model with linear output
 * @param window the last `lookback` rows (or values) of the series, scaled as in training
 * @param steps how many steps to forecast
 * @param nextRow how a prediction becomes the next input row (see {@link NextRow})
 * @returns steps · O values, step-major (step 0's outputs first)
 */
export function forecastRecursive(model: SequenceModel, window: Window, steps: number, nextRow?: NextRow): number[] {
  const where = 'forecastRecursive';
  const m = forecaster(model, where);
  positiveInt(steps, `${where}: steps`);
  const F = m.inputSize;
  if (nextRow === undefined && m.outputSize !== F)
    throw new RangeError(`${where}: the model predicts ${m.outputSize} values from ${F} features; pass nextRow`);
  if (nextRow !== undefined && typeof nextRow !== 'function')
    throw new TypeError(`${where}: nextRow must be a function, received ${describe(nextRow)}`);
  let rows = readSeries(window, where, 'window', F);
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    const prediction = outputs(m, [rows], where, 'window')[0];
    out.push(...prediction);
    const row = nextRow ? nextRow(prediction, s, rows[rows.length - 1]) : prediction;
    rows = [...rows.slice(1), ...readSeries([row], where, `nextRow(step ${s}) result`, F)];
  }
  return out;
}
