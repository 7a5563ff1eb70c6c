// Time-series forecasting: an hourly series with a trend, a daily and a weekly season and noise.
// The series is split in time order (train, validation, test; the later parts start with `lookback`
// steps of context), scaled with statistics of the training part only, cut into windows of 48
// hours, and a small GRU learns to predict the next hour. The bar to clear is the seasonal-naive
// forecast "the same hour yesterday"; the floor no model can pass is the noise's own variance.
// `npx tsx examples/forecast.ts`
import { Dense, GRU, Rng, SequenceModel, Trainer } from '../src/index.ts';
import {
  chronologicalSplit,
  forecastRecursive,
  predictWindows,
  Scaler,
  toBatches,
  windows,
  type ScalerJSON,
} from '../src/entry/timeseries.ts';
import { commandLineOptions, exampleBackend, isDirectRun, secondsSince, type ExampleOptions } from './util.ts';

/** Hours in a day: the main season, and the seasonal-naive lag. */
export const DAY = 24;
/** Hours the model reads. */
export const LOOKBACK = 48;
/** Standard deviation of the additive Gaussian noise. */
export const NOISE = 0.3;

/** `length` hourly values: level 10, trend 0.002 / h, daily swing ±2, weekly ±1, noise σ = {@link NOISE}. */
export function hourlySeries(length: number, seed: number): number[] {
  const rng = new Rng(seed);
  return Array.from(
    { length },
    (_, t) =>
      10 +
      0.002 * t +
      2 * Math.sin((2 * Math.PI * t) / DAY) +
      Math.sin((2 * Math.PI * t) / (7 * DAY) + 0.5) +
      NOISE * rng.normal(),
  );
}

/** What {@link run} measures on the test part, in the series' own units. */
export interface ForecastResult {
  /** Mean squared error of the model's next-hour forecasts. */
  testMse: number;
  /** MSE of the seasonal-naive forecast (the value 24 hours before). */
  seasonalNaiveMse: number;
  /** The model's MSE on the validation part. */
  validationMse: number;
  /** NOISE²: the MSE of a perfect model of the noise-free series. */
  noiseFloor: number;
  /** MSE of a 24-hour recursive forecast from the first test window (one run: noisy). */
  recursiveDayMse: number;
  /** Steps in the training part (the scaler saw exactly these). */
  trainSteps: number;
  /** The fitted scaler, as saved in `model.metadata.scaler`. */
  scaler: ScalerJSON;
  /** Updates done. */
  steps: number;
}

/** Trains for `epochs` (default 30) passes over the training windows; `steps` is ignored (use epochs). */
export async function run(options: ExampleOptions & { epochs?: number } = {}): Promise<ForecastResult> {
  const { seed = 1, epochs = 30, log = () => {} } = options;
  const backend = await exampleBackend(options);
  const series = hourlySeries(24 * 7 * 10, seed); // ten weeks
  const parts = chronologicalSplit(series, { validation: 0.15, test: 0.15, context: LOOKBACK });
  const scaler = new Scaler().fit(parts.train);
  const cut = (part: number[]) => windows(scaler.transform(part), { lookback: LOOKBACK });
  const train = cut(parts.train);
  const model = new SequenceModel({
    layers: [new GRU(1, 24, { seed, backend }), new Dense(24, 1, { at: 'last', seed: seed + 1, backend })],
    output: 'linear',
  });
  model.metadata.scaler = scaler.toJSON();
  const batches = toBatches(train, 32);
  const trainer = new Trainer(model, {
    optimizer: { type: 'adam', lr: 1e-2 },
    schedule: { type: 'cosine', total: epochs * batches.length, minFactor: 0.02 },
  });
  const start = performance.now();
  const fit = await trainer.fit(batches, { epochs, shuffle: true, seed: seed + 2 });
  log(
    `trained ${fit.steps} updates in ${secondsSince(start)}; epoch losses ${fit.epochLosses.map((l) => l.toFixed(4))}`,
  );

  /** MSE in the series' units of the model and of seasonal-naive over a part's windows. */
  const evaluate = (part: number[]) => {
    const { x, y } = cut(part);
    const predicted = predictWindows(model, x).map((p) => scaler.inverseTransform(p)[0]);
    const actual = y.map((v) => scaler.inverseTransform(v)[0]);
    // x holds LOOKBACK ≥ DAY steps: the value one day before the target is x[i][LOOKBACK − DAY]
    const naive = x.map((w) => scaler.inverseTransform(w[LOOKBACK - DAY])[0]);
    const mse = (p: number[]) => p.reduce((s, v, i) => s + (v - actual[i]) ** 2, 0) / p.length;
    return { model: mse(predicted), naive: mse(naive), x };
  };
  const test = evaluate(parts.test);
  const day = scaler.inverseTransform(forecastRecursive(model, test.x[0], DAY));
  const truth = parts.test.slice(LOOKBACK, LOOKBACK + DAY);
  const result: ForecastResult = {
    testMse: test.model,
    seasonalNaiveMse: test.naive,
    validationMse: evaluate(parts.validation).model,
    noiseFloor: NOISE ** 2,
    recursiveDayMse: day.reduce((s, v, i) => s + (v - truth[i]) ** 2, 0) / DAY,
    trainSteps: parts.train.length,
    scaler: scaler.toJSON(),
    steps: fit.steps,
  };
  log(
    `test MSE ${result.testMse.toFixed(4)} against ${result.seasonalNaiveMse.toFixed(4)} for seasonal naive ` +
      `(${(result.seasonalNaiveMse / result.testMse).toFixed(2)}× worse); validation ${result.validationMse.toFixed(4)}; ` +
      `noise floor ${result.noiseFloor.toFixed(4)}; 24 h recursive ${result.recursiveDayMse.toFixed(4)}`,
  );
  trainer.dispose();
  model.dispose();
  return result;
}

if (isDirectRun(import.meta.url)) {
  const result = await run(commandLineOptions());
  console.log(result);
}
