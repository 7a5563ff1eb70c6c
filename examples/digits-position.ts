// Many-to-one: read five random digits (one-hot, 10 classes) and answer with the digit that stood
// at a given position. The network must store that one digit and ignore the rest: an LSTM of
// 25 units with Adam, a softmax head at the last step only. `npx tsx examples/digits-position.ts`
import { Dense, LSTM, Rng, SequenceModel, Trainer } from '../src/index.ts';
import {
  argmaxRow,
  commandLineOptions,
  exampleBackend,
  isDirectRun,
  percent,
  putOneHot,
  secondsSince,
  type ExampleOptions,
} from './util.ts';

/** Digits per sequence. */
export const LENGTH = 5;
/** The position (0-based) whose digit is the answer: the 2nd digit. */
export const POSITION = 1;
const CLASSES = 10;

/** What {@link run} measures. */
export interface DigitsPositionResult {
  /** Fraction of 100 fresh sequences answered correctly. */
  accuracy: number;
  /** Training loss (cross-entropy, nats) of the last update. */
  finalLoss: number;
  /** Updates done. */
  steps: number;
}

/**
 * A batch of `batch` sequences, time-major: input (LENGTH, batch, 10) one-hot digits, target the
 * digit at {@link POSITION} of each sequence.
 */
export function digitBatch(rng: Rng, batch: number): { input: Float32Array; target: Int32Array } {
  const input = new Float32Array(LENGTH * batch * CLASSES);
  const target = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < LENGTH; t++) {
      const digit = rng.int(CLASSES);
      putOneHot(input, (t * batch + b) * CLASSES, CLASSES, digit);
      if (t === POSITION) target[b] = digit;
    }
  }
  return { input, target };
}

/** Trains the model for `steps` updates of 32 sequences and tests it on 100 fresh ones. */
export async function run(options: ExampleOptions = {}): Promise<DigitsPositionResult> {
  const { steps = 300, seed = 1, log = () => {} } = options;
  const backend = await exampleBackend(options);
  const model = new SequenceModel({
    layers: [new LSTM(CLASSES, 25, { seed, backend }), new Dense(25, CLASSES, { at: 'last', seed: seed + 1, backend })],
    output: 'softmax',
  });
  const trainer = new Trainer(model, { optimizer: { type: 'adam', lr: 1e-2 } });
  const data = new Rng(seed + 2);
  const start = performance.now();
  let finalLoss = NaN;
  for (let step = 1; step <= steps; step++) {
    const batch = digitBatch(data, 32);
    finalLoss = trainer.step({ ...batch, seqLen: LENGTH }).loss;
    if (step % 50 === 0) log(`step ${step}  loss ${finalLoss.toFixed(4)}`);
  }
  const test = digitBatch(new Rng(seed + 1000), 100);
  const logits = model.predict(test.input, { seqLen: LENGTH });
  let correct = 0;
  for (let b = 0; b < 100; b++) if (argmaxRow(logits, b, CLASSES) === test.target[b]) correct++;
  const accuracy = correct / 100;
  log(`trained ${steps} updates in ${secondsSince(start)}; accuracy on 100 fresh sequences: ${percent(accuracy)}`);
  trainer.dispose();
  model.dispose();
  return { accuracy, finalLoss, steps };
}

if (isDirectRun(import.meta.url)) {
  const result = await run(commandLineOptions());
  console.log(result);
}
