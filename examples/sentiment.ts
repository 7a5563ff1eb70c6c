// Sequence classification standing in for sentiment analysis. Sentences are made of positive
// words, negative words, neutral filler and "not", which flips the polarity of the word after it
// ("not good" counts as negative). The label is 1 when positive words outnumber negative ones
// after the flips. Sentences have different lengths and are padded on the left, so the last step
// of every row is the sentence's last word. Embedding → GRU → one sigmoid output at the last
// step, trained with binary cross-entropy. `npx tsx examples/sentiment.ts`
import { Dense, Embedding, GRU, Rng, SequenceModel, Trainer } from '../src/index.ts';
import { commandLineOptions, exampleBackend, isDirectRun, percent, secondsSince, type ExampleOptions } from './util.ts';

/** The vocabulary: id = index. Id 0 pads. */
export const WORDS = [
  '<pad>',
  'not',
  'good',
  'great',
  'fine',
  'lovely', // positive
  'bad',
  'awful',
  'dull',
  'poor', // negative
  'the',
  'film',
  'was',
  'plot',
  'and',
  'acting',
  'a',
  'story', // neutral
] as const;
const PAD = 0;
const NOT = 1;
const POSITIVE = [2, 3, 4, 5];
const NEGATIVE = [6, 7, 8, 9];
const NEUTRAL = [10, 11, 12, 13, 14, 15, 16, 17];
/** Shortest and longest sentence. */
export const MIN_LENGTH = 5;
export const MAX_LENGTH = 12;

/** What {@link run} measures. */
export interface SentimentResult {
  /** Fraction of 500 fresh sentences classified correctly. */
  accuracy: number;
  /** Fraction of those sentences containing at least one "not" that were classified correctly. */
  negatedAccuracy: number;
  /** Accuracy of always answering the majority label of the test set. */
  majorityBaseline: number;
  /** Accuracy of counting positive against negative words while ignoring "not" (the baseline to beat). */
  ignoreNotBaseline: number;
  /** Training loss of the last update. */
  finalLoss: number;
  /** Updates done. */
  steps: number;
}

/** One random sentence (word ids) and its label. */
export function sentence(rng: Rng): { words: number[]; label: number } {
  const length = MIN_LENGTH + rng.int(MAX_LENGTH - MIN_LENGTH + 1);
  const words: number[] = [];
  let score = 0;
  let flip = 1;
  for (let i = 0; i < length; i++) {
    const u = rng.next();
    // "not" is never last and never doubled, so each one flips exactly the following word
    if (u < 0.15 && flip === 1 && i < length - 1) {
      words.push(NOT);
      flip = -1;
      continue;
    }
    const pool = u < 0.45 ? POSITIVE : u < 0.75 ? NEGATIVE : NEUTRAL;
    const word = pool[rng.int(pool.length)];
    words.push(word);
    if (pool === POSITIVE) score += flip;
    else if (pool === NEGATIVE) score -= flip;
    flip = 1;
  }
  return { words, label: score > 0 ? 1 : 0 };
}

/** `batch` sentences, left-padded to MAX_LENGTH, time-major ids (MAX_LENGTH·batch). */
export function sentenceBatch(
  rng: Rng,
  batch: number,
): { input: Int32Array; target: Float32Array; negated: boolean[]; naive: number[] } {
  const input = new Int32Array(MAX_LENGTH * batch).fill(PAD);
  const target = new Float32Array(batch);
  const negated: boolean[] = [];
  const naive: number[] = [];
  for (let b = 0; b < batch; b++) {
    const { words, label } = sentence(rng);
    const offset = MAX_LENGTH - words.length;
    words.forEach((w, i) => (input[(offset + i) * batch + b] = w));
    target[b] = label;
    negated.push(words.includes(NOT));
    const count = (pool: number[]): number => words.filter((w) => pool.includes(w)).length;
    naive.push(count(POSITIVE) > count(NEGATIVE) ? 1 : 0);
  }
  return { input, target, negated, naive };
}

/** Trains for `steps` updates of 64 sentences, then classifies 500 fresh ones. */
export async function run(options: ExampleOptions = {}): Promise<SentimentResult> {
  const { steps = 600, seed = 1, log = () => {} } = options;
  const backend = await exampleBackend(options);
  const model = new SequenceModel({
    layers: [
      new Embedding(WORDS.length, 16, { seed, backend }),
      new GRU(16, 48, { seed: seed + 1, backend }),
      new Dense(48, 1, { at: 'last', seed: seed + 2, backend }),
    ],
    output: 'sigmoid',
  });
  const trainer = new Trainer(model, { optimizer: { type: 'adam', lr: 5e-3 }, clip: { norm: 5 } });
  const data = new Rng(seed + 3);
  const start = performance.now();
  let finalLoss = NaN;
  for (let step = 1; step <= steps; step++) {
    const { input, target } = sentenceBatch(data, 64);
    finalLoss = trainer.step({ input, target, seqLen: MAX_LENGTH }).loss;
    if (step % 100 === 0) log(`step ${step}  loss ${finalLoss.toFixed(4)}`);
  }
  const test = sentenceBatch(new Rng(seed + 1000), 500);
  const logits = model.predict(test.input, { seqLen: MAX_LENGTH });
  let correct = 0;
  let negated = 0;
  let negatedCorrect = 0;
  let positives = 0;
  let naiveCorrect = 0;
  for (let b = 0; b < 500; b++) {
    const ok = (logits[b] > 0 ? 1 : 0) === test.target[b];
    if (ok) correct++;
    if (test.negated[b]) {
      negated++;
      if (ok) negatedCorrect++;
    }
    positives += test.target[b];
    if (test.naive[b] === test.target[b]) naiveCorrect++;
  }
  const result: SentimentResult = {
    accuracy: correct / 500,
    negatedAccuracy: negatedCorrect / negated,
    majorityBaseline: Math.max(positives, 500 - positives) / 500,
    ignoreNotBaseline: naiveCorrect / 500,
    finalLoss,
    steps,
  };
  log(
    `trained ${steps} updates in ${secondsSince(start)}; accuracy on 500 fresh sentences ${percent(result.accuracy)} ` +
      `(with a "not": ${percent(result.negatedAccuracy)}); ` +
      `baselines: majority label ${percent(result.majorityBaseline)}, counting words but ignoring "not" ${percent(result.ignoreNotBaseline)}`,
  );
  const show = (text: string): void => {
    const ids = text.split(' ').map((w) => WORDS.indexOf(w as (typeof WORDS)[number]));
    const padded = new Int32Array(MAX_LENGTH).fill(PAD);
    padded.set(ids, MAX_LENGTH - ids.length);
    const p = 1 / (1 + Math.exp(-model.predict(padded, { seqLen: MAX_LENGTH })[0]));
    log(`  P(positive | "${text}") = ${p.toFixed(3)}`);
  };
  show('the film was good and the acting great');
  show('the film was not good and the acting dull');
  show('the plot was not bad and the acting not awful');
  trainer.dispose();
  model.dispose();
  return result;
}

if (isDirectRun(import.meta.url)) {
  const result = await run(commandLineOptions());
  console.log(result);
}
