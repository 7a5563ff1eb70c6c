// Many-to-many, aligned: tag every token of a sentence as name (1) or not (0). Capitalised words
// are names only in context: after "mr" / "ms" or before "said" ("Hill said" is a person, "to Hill"
// a place). Seeing the next word needs a bidirectional LSTM (a forward-only one is trained too, for
// comparison); a 2-class softmax head runs at every step. Sentences have different lengths: they
// are padded at the end and the padding is masked out of the loss and of the metrics. `npx tsx examples/tagging.ts`
import { Dense, Embedding, LSTM, Rng, SequenceModel, Trainer, type Backend } from '../src/index.ts';
import {
  argmaxRow,
  commandLineOptions,
  exampleBackend,
  isDirectRun,
  percent,
  secondsSince,
  type ExampleOptions,
} from './util.ts';

/** The vocabulary: id = index. Id 0 pads. */
export const WORDS = [
  '<pad>',
  'mr',
  'ms',
  'said',
  'Hill',
  'Wood',
  'Brook',
  'King',
  'Lee',
  'Stone',
  'Park',
  'Fields', // capitalised words
  'the',
  'we',
  'went',
  'to',
  'and',
  'then',
  'she',
  'he',
  'saw',
  'home',
  'river',
  'it',
  'was',
  'late', // lower case
] as const;
const PAD = 0;
const TITLES = [1, 2];
const SAID = 3;
const CAPITALISED = [4, 5, 6, 7, 8, 9, 10, 11];
const LOWER = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25];
/** Longest sentence (the padded length). */
export const MAX_LENGTH = 14;
const MIN_LENGTH = 6;

/** What {@link run} measures, on 300 fresh sentences. */
export interface TaggingResult {
  /** Fraction of (unpadded) tokens tagged correctly. */
  tokenAccuracy: number;
  /** Fraction of capitalised tokens tagged correctly: the ones that need context. */
  capitalisedAccuracy: number;
  /** Fraction of sentences with every token right. */
  sentenceAccuracy: number;
  /** Capitalised-token accuracy of the context-free rule "capitalised ⇒ name". */
  capitalisedBaseline: number;
  /** Capitalised-token accuracy of a forward-only LSTM tagger trained alike (it cannot look ahead). */
  forwardOnlyCapitalisedAccuracy: number;
  /** Training loss of the last update. */
  finalLoss: number;
  /** Updates done. */
  steps: number;
}

/** The tag of every token under the rule: capitalised and (after a title or before "said"). */
export function tags(words: readonly number[]): number[] {
  return words.map((w, i) =>
    CAPITALISED.includes(w) && (TITLES.includes(words[i - 1]) || words[i + 1] === SAID) ? 1 : 0,
  );
}

/** One random sentence of word ids. */
export function sentence(rng: Rng): number[] {
  const length = MIN_LENGTH + rng.int(MAX_LENGTH - MIN_LENGTH + 1);
  const pick = (pool: readonly number[]): number => pool[rng.int(pool.length)];
  const words: number[] = [];
  while (words.length < length) {
    const u = rng.next();
    if (u < 0.2)
      words.push(pick(TITLES), pick(CAPITALISED)); // mr Hill
    else if (u < 0.35)
      words.push(pick(CAPITALISED), SAID); // Hill said
    else if (u < 0.4)
      words.push(pick(LOWER), SAID); // she said
    else if (u < 0.6)
      words.push(pick(CAPITALISED)); // Hill (a place)
    else words.push(pick(LOWER));
  }
  return words.slice(0, length);
}

/** `batch` sentences padded to MAX_LENGTH, time-major: ids, tags, and mask (1 on real tokens). */
export function taggedBatch(
  rng: Rng,
  batch: number,
): { input: Int32Array; target: Int32Array; mask: Float32Array; sentences: number[][] } {
  const n = MAX_LENGTH * batch;
  const input = new Int32Array(n).fill(PAD);
  const target = new Int32Array(n);
  const mask = new Float32Array(n);
  const sentences: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const words = sentence(rng);
    const t = tags(words);
    words.forEach((w, i) => {
      input[i * batch + b] = w;
      target[i * batch + b] = t[i];
      mask[i * batch + b] = 1;
    });
    sentences.push(words);
  }
  return { input, target, mask, sentences };
}

/** Trains a tagger for `steps` updates of 32 sentences and returns it. */
function train(
  bidirectional: boolean,
  steps: number,
  seed: number,
  backend: Backend,
  log: (line: string) => void,
): { model: SequenceModel; finalLoss: number } {
  const hidden = 24;
  const model = new SequenceModel({
    layers: [
      new Embedding(WORDS.length, 12, { seed, backend }),
      new LSTM(12, hidden, { bidirectional, seed: seed + 1, backend }),
      new Dense((bidirectional ? 2 : 1) * hidden, 2, { seed: seed + 2, backend }),
    ],
    output: 'softmax',
  });
  const trainer = new Trainer(model, { optimizer: { type: 'adam', lr: 1e-2 }, clip: { norm: 5 } });
  const data = new Rng(seed + 3);
  let finalLoss = NaN;
  for (let step = 1; step <= steps; step++) {
    const { input, target, mask } = taggedBatch(data, 32);
    finalLoss = trainer.step({ input, target, mask, seqLen: MAX_LENGTH }).loss;
    if (step % 100 === 0)
      log(`${bidirectional ? 'bidirectional' : 'forward-only'} step ${step}  loss ${finalLoss.toFixed(4)}`);
  }
  trainer.dispose();
  return { model, finalLoss };
}

/** Per-token predictions of `model` for a test batch of B sentences and the resulting accuracies. */
function score(
  model: SequenceModel,
  test: ReturnType<typeof taggedBatch>,
  B: number,
): Omit<TaggingResult, 'forwardOnlyCapitalisedAccuracy' | 'finalLoss' | 'steps'> & { predicted: number[][] } {
  const logits = model.predict(test.input, { seqLen: MAX_LENGTH });
  let tokens = 0;
  let tokensRight = 0;
  let capitalised = 0;
  let capitalisedRight = 0;
  let baselineRight = 0;
  let sentencesRight = 0;
  const predicted: number[][] = [];
  for (let b = 0; b < B; b++) {
    const words = test.sentences[b];
    const guess = words.map((_, t) => argmaxRow(logits, t * B + b, 2));
    predicted.push(guess);
    let allRight = true;
    words.forEach((w, t) => {
      const right = guess[t] === test.target[t * B + b];
      tokens++;
      if (right) tokensRight++;
      else allRight = false;
      if (CAPITALISED.includes(w)) {
        capitalised++;
        if (right) capitalisedRight++;
        if (test.target[t * B + b] === 1) baselineRight++;
      }
    });
    if (allRight) sentencesRight++;
  }
  return {
    predicted,
    tokenAccuracy: tokensRight / tokens,
    capitalisedAccuracy: capitalisedRight / capitalised,
    sentenceAccuracy: sentencesRight / B,
    capitalisedBaseline: baselineRight / capitalised,
  };
}

/**
 * Trains a bidirectional tagger, and for comparison a forward-only one of the same size and
 * budget (it cannot see the "said" that follows a name), then tags 300 fresh sentences.
 */
export async function run(options: ExampleOptions = {}): Promise<TaggingResult> {
  const { steps = 400, seed = 1, log = () => {} } = options;
  const backend = await exampleBackend(options);
  const start = performance.now();
  const B = 300;
  const test = taggedBatch(new Rng(seed + 1000), B);
  const forward = train(false, steps, seed, backend, log);
  const forwardScore = score(forward.model, test, B);
  forward.model.dispose();
  const both = train(true, steps, seed, backend, log);
  const s = score(both.model, test, B);
  both.model.dispose();
  const result: TaggingResult = {
    tokenAccuracy: s.tokenAccuracy,
    capitalisedAccuracy: s.capitalisedAccuracy,
    sentenceAccuracy: s.sentenceAccuracy,
    capitalisedBaseline: s.capitalisedBaseline,
    forwardOnlyCapitalisedAccuracy: forwardScore.capitalisedAccuracy,
    finalLoss: both.finalLoss,
    steps,
  };
  log(
    `trained 2 × ${steps} updates in ${secondsSince(start)}; on ${B} fresh sentences the bidirectional tagger gets ` +
      `${percent(result.tokenAccuracy)} of tokens, ${percent(result.capitalisedAccuracy)} of capitalised words and ` +
      `${percent(result.sentenceAccuracy)} of whole sentences right`,
  );
  log(
    `capitalised words right: forward-only LSTM ${percent(result.forwardOnlyCapitalisedAccuracy)}, ` +
      `rule "capitalised ⇒ name" ${percent(result.capitalisedBaseline)}`,
  );
  for (let b = 0; b < 3; b++) {
    log(`  ${test.sentences[b].map((w, t) => (s.predicted[b][t] ? `[${WORDS[w]}]` : WORDS[w])).join(' ')}`);
  }
  return result;
}

if (isDirectRun(import.meta.url)) {
  const result = await run(commandLineOptions());
  console.log(result);
}
