// Regression, many-to-one: read 24 values of a noisy signal made of three sine waves and predict
// the next value. An LSTM reads the window; a linear head at the last step gives one number,
// trained with mean squared error. The bar to clear is the naive forecast "the next value equals
// the last one"; the floor no model can pass is the noise's own variance.
// `npx tsx examples/regression.ts`
import { Dense, LSTM, Rng, SequenceModel, Trainer } from '../src/index.ts';
import { commandLineOptions, exampleBackend, isDirectRun, secondsSince, type ExampleOptions } from './util.ts';

/** Values the model reads before predicting. */
export const WINDOW = 24;
/** Standard deviation of the additive Gaussian noise. */
export const NOISE = 0.05;

/** The noise-free signal at time t: three sines of incommensurate periods (≈ 31, 12 and 5.7 steps). */
export function signal(t: number): number {
  return Math.sin(0.2 * t) + 0.5 * Math.sin(0.53 * t + 1) + 0.3 * Math.sin(1.1 * t + 2);
}

/** What {@link run} measures, on 1000 fresh windows. */
export interface RegressionResult {
  /** Mean squared error of the model's next-value predictions. */
  testMse: number;
  /** MSE of predicting that the next value equals the last value read. */
  naiveMse: number;
  /** The noise variance NOISE²: the MSE of a perfect model of the noise-free signal. */
  noiseFloor: number;
  /** Training loss (MSE) of the last update. */
  finalLoss: number;
  /** Updates done. */
  steps: number;
}

/**
 * `batch` windows starting at random times in [from, to): input (WINDOW, batch, 1) noisy values,
 * target (batch) the noisy value that follows each window.
 */
export function windows(
  rng: Rng,
  batch: number,
  from: number,
  to: number,
): { input: Float32Array; target: Float32Array } {
  const input = new Float32Array(WINDOW * batch);
  const target = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    const start = from + rng.int(to - from);
    for (let t = 0; t <= WINDOW; t++) {
      const value = signal(start + t) + NOISE * rng.normal();
      if (t < WINDOW) input[t * batch + b] = value;
      else target[b] = value;
    }
  }
  return { input, target };
}

/** Trains on windows starting in [0, 50 000) for `steps` updates, tests on windows from later times. */
export async function run(options: ExampleOptions = {}): Promise<RegressionResult> {
  const { steps = 800, seed = 1, log = () => {} } = options;
  const backend = await exampleBackend(options);
  const model = new SequenceModel({
    layers: [new LSTM(1, 32, { seed, backend }), new Dense(32, 1, { at: 'last', seed: seed + 1, backend })],
    output: 'linear',
  });
  const trainer = new Trainer(model, {
    optimizer: { type: 'adam', lr: 1e-2 },
    schedule: { type: 'cosine', total: steps, minFactor: 0.01 },
  });
  const data = new Rng(seed + 2);
  const start = performance.now();
  let finalLoss = NaN;
  for (let step = 1; step <= steps; step++) {
    const batch = windows(data, 32, 0, 50_000);
    finalLoss = trainer.step({ ...batch, seqLen: WINDOW }).loss;
    if (step % 100 === 0) log(`step ${step}  loss ${finalLoss.toFixed(5)}`);
  }
  const B = 1000;
  const test = windows(new Rng(seed + 1000), B, 50_000, 60_000);
  const predicted = model.predict(test.input, { seqLen: WINDOW });
  let modelSq = 0;
  let naiveSq = 0;
  for (let b = 0; b < B; b++) {
    modelSq += (predicted[b] - test.target[b]) ** 2;
    naiveSq += (test.input[(WINDOW - 1) * B + b] - test.target[b]) ** 2;
  }
  const result: RegressionResult = {
    testMse: modelSq / B,
    naiveMse: naiveSq / B,
    noiseFloor: NOISE ** 2,
    finalLoss,
    steps,
  };
  log(
    `trained ${steps} updates in ${secondsSince(start)}; test MSE ${result.testMse.toFixed(5)} against ` +
      `${result.naiveMse.toFixed(5)} for "repeat the last value" (${(result.naiveMse / result.testMse).toFixed(1)}× worse); ` +
      `noise floor ${result.noiseFloor.toFixed(5)}`,
  );
  trainer.dispose();
  model.dispose();
  return result;
}

if (isDirectRun(import.meta.url)) {
  const result = await run(commandLineOptions());
  console.log(result);
}
