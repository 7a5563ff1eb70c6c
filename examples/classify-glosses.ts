// Text classification on real sentences: WordNet 3.0 noun definitions ("a genus of fungi belonging
// to the order Eurotiales") labelled by their WordNet category — animal, artifact, body, food,
// person, plant (examples/data/wordnet-glosses.tsv, 500 each; see examples/data/README-wordnet.md).
// A stratified, seeded split holds out 20 % for the test and 10 % for validation. A word vocabulary
// built from the training texts feeds Embedding → dropout → LSTM → dropout → softmax at the last
// step, trained with supervised fit() and early stopping on the validation loss (best epoch restored). The baseline
// is multinomial naive Bayes over the same vocabulary (bag of words, add-one smoothing).
// `npx tsx examples/classify-glosses.ts [--seed N]`
import { readFileSync } from 'node:fs';
import {
  Dense,
  Dropout,
  Embedding,
  LSTM,
  predictClasses,
  Rng,
  SequenceModel,
  Trainer,
  Vocab,
  type SupervisedData,
} from '../src/index.ts';
import { commandLineOptions, exampleBackend, isDirectRun, percent, secondsSince, type ExampleOptions } from './util.ts';

/** The labelled definitions: class names (sorted) and, per sample, its text and class id. */
export interface Glosses {
  /** Class names, sorted; a label is an index into this list. */
  classes: string[];
  /** The definitions. */
  texts: string[];
  /** Class id of each definition. */
  labels: number[];
}

/** Reads a `label<TAB>text` file (default: the committed WordNet definitions). */
export function readGlosses(path: URL | string = new URL('./data/wordnet-glosses.tsv', import.meta.url)): Glosses {
  const rows = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line, i) => {
      const tab = line.indexOf('\t');
      if (tab <= 0) throw new Error(`readGlosses: line ${i + 1} is not label<TAB>text: ${JSON.stringify(line)}`);
      return [line.slice(0, tab), line.slice(tab + 1)] as const;
    });
  const classes = [...new Set(rows.map(([label]) => label))].sort();
  return { classes, texts: rows.map(([, text]) => text), labels: rows.map(([label]) => classes.indexOf(label)) };
}

/**
 * Sample indices cut into train / validation / test, per class in the given fractions (stratified),
 * each class shuffled with `seed` first; the three lists are shuffled too (no class runs).
 */
export function stratifiedSplit(
  labels: readonly number[],
  fractions: { test: number; validation: number },
  seed: number,
): { train: number[]; validation: number[]; test: number[] } {
  const rng = new Rng(seed);
  const shuffle = (list: number[]): number[] => {
    for (let i = list.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [list[i], list[j]] = [list[j], list[i]];
    }
    return list;
  };
  const split = { train: [] as number[], validation: [] as number[], test: [] as number[] };
  for (const k of [...new Set(labels)].sort((a, b) => a - b)) {
    const members = shuffle(labels.flatMap((label, i) => (label === k ? [i] : [])));
    const nTest = Math.round(members.length * fractions.test);
    const nValidation = Math.round(members.length * fractions.validation);
    split.test.push(...members.slice(0, nTest));
    split.validation.push(...members.slice(nTest, nTest + nValidation));
    split.train.push(...members.slice(nTest + nValidation));
  }
  return { train: shuffle(split.train), validation: shuffle(split.validation), test: shuffle(split.test) };
}

/** A trained multinomial naive Bayes classifier: log P(class) and log P(token | class), (K·V) row-major. */
export interface NaiveBayes {
  /** Classes, K. */
  classes: number;
  /** Token ids, V. */
  vocabSize: number;
  /** log P(k), K. */
  logPrior: Float64Array;
  /** log P(token v | class k) at k·V + v, smoothed: (count + α) / (total_k + α·V). */
  logLikelihood: Float64Array;
}

/** Fits multinomial naive Bayes to token-id sequences with add-`alpha` (Laplace) smoothing. */
export function trainNaiveBayes(
  x: readonly ArrayLike<number>[],
  y: readonly number[],
  classes: number,
  vocabSize: number,
  alpha = 1,
): NaiveBayes {
  const counts = new Float64Array(classes * vocabSize).fill(alpha);
  const docs = new Float64Array(classes);
  for (let i = 0; i < x.length; i++) {
    docs[y[i]]++;
    for (let t = 0; t < x[i].length; t++) counts[y[i] * vocabSize + x[i][t]]++;
  }
  const logPrior = docs.map((d) => Math.log(d / x.length));
  const logLikelihood = new Float64Array(classes * vocabSize);
  for (let k = 0; k < classes; k++) {
    let total = 0;
    for (let v = 0; v < vocabSize; v++) total += counts[k * vocabSize + v];
    for (let v = 0; v < vocabSize; v++) logLikelihood[k * vocabSize + v] = Math.log(counts[k * vocabSize + v] / total);
  }
  return { classes, vocabSize, logPrior, logLikelihood };
}

/** The class of each sequence with the highest log P(k) + Σ_t log P(x_t | k). */
export function predictNaiveBayes(nb: NaiveBayes, x: readonly ArrayLike<number>[]): number[] {
  return x.map((ids) => {
    let best = 0;
    let bestScore = -Infinity;
    for (let k = 0; k < nb.classes; k++) {
      let score = nb.logPrior[k];
      for (let t = 0; t < ids.length; t++) score += nb.logLikelihood[k * nb.vocabSize + ids[t]];
      if (score > bestScore) [best, bestScore] = [k, score];
    }
    return best;
  });
}

/** Accuracy and macro-F1 (unweighted mean over the `classes` of per-class F1; F1 = 0 when undefined). */
export function classificationScores(
  predicted: readonly number[],
  truth: readonly number[],
  classes: number,
): { accuracy: number; macroF1: number } {
  const tp = new Float64Array(classes);
  const predictedCount = new Float64Array(classes);
  const actualCount = new Float64Array(classes);
  for (let i = 0; i < truth.length; i++) {
    predictedCount[predicted[i]]++;
    actualCount[truth[i]]++;
    if (predicted[i] === truth[i]) tp[truth[i]]++;
  }
  let f1Sum = 0;
  for (let k = 0; k < classes; k++) {
    const denominator = predictedCount[k] + actualCount[k];
    f1Sum += denominator === 0 ? 0 : (2 * tp[k]) / denominator; // 2PR/(P+R) = 2·tp/(pred + actual)
  }
  return { accuracy: tp.reduce((a, b) => a + b, 0) / truth.length, macroF1: f1Sum / classes };
}

/** Options of {@link run}: those of every example, and the training budget. */
export interface GlossOptions extends ExampleOptions {
  /** Most epochs (early stopping usually ends sooner); default 20. */
  epochs?: number;
  /** Stop training after this many seconds; default 60. */
  timeLimit?: number;
}

/** What {@link run} measures on the held-out test split. */
export interface GlossResult {
  /** The category names. */
  classes: string[];
  /** Samples in the train, validation and test splits. */
  sizes: { train: number; validation: number; test: number };
  /** Tokens in the vocabulary (specials included). */
  vocabSize: number;
  /** The LSTM's test accuracy and macro-F1 (own count from predictClasses). */
  rnn: { accuracy: number; macroF1: number };
  /** The same, as trainer.evaluate() reports them. */
  evaluated: { accuracy: number; macroF1: number };
  /** Naive Bayes over the same vocabulary. */
  naiveBayes: { accuracy: number; macroF1: number };
  /** Accuracy of always answering the most common training class. */
  majority: number;
  /** Epochs run, the epoch restored, why training stopped and how long it took (s). */
  training: { epochs: number; bestEpoch: number; stopped: string; seconds: number };
}

/** Splits with `seed`, trains the LSTM and naive Bayes on the training split, scores both on the test split. */
export async function run(options: GlossOptions = {}): Promise<GlossResult> {
  const { seed = 1, epochs = 20, timeLimit = 60, log = () => {} } = options;
  const backend = await exampleBackend(options);
  const data = readGlosses();
  const K = data.classes.length;
  const split = stratifiedSplit(data.labels, { test: 0.2, validation: 0.1 }, seed);
  const vocab = Vocab.fromTexts(
    split.train.map((i) => data.texts[i]),
    { level: 'word', lowercase: true, punctuation: 'strip', minFreq: 2 },
  );
  const pick = (indices: number[]): SupervisedData & { x: Int32Array[]; y: number[] } => ({
    x: indices.map((i) => vocab.encode(data.texts[i])),
    y: indices.map((i) => data.labels[i]),
  });
  const [train, validation, test] = [pick(split.train), pick(split.validation), pick(split.test)];

  const model = new SequenceModel({
    layers: [
      new Embedding(vocab.size, 64, { seed, backend }),
      new Dropout(0.3, { seed: seed + 3 }),
      new LSTM(64, 64, { seed: seed + 1, backend }),
      new Dropout(0.3, { seed: seed + 4 }),
      new Dense(64, K, { at: 'last', seed: seed + 2, backend }),
    ],
    output: 'softmax',
  });
  model.vocab = vocab;
  const trainer = new Trainer(model, { optimizer: { type: 'adam', lr: 3e-3 }, clip: { norm: 5 } });
  const start = performance.now();
  const fit = await trainer.fit(train, {
    epochs,
    batchSize: 32,
    seed,
    bucket: true,
    timeLimit,
    validationData: validation,
    metrics: ['accuracy', 'f1'],
    earlyStopping: { patience: 3, restoreBest: true },
    onEpoch: (e) =>
      log(
        `epoch ${e.epoch}  loss ${e.loss.toFixed(3)}  validation loss ${e.validation?.loss.toFixed(3)}` +
          `  accuracy ${percent(e.validation?.accuracy ?? NaN)}  macro-F1 ${e.validation?.f1?.macroF1.toFixed(3)}`,
      ),
  });
  const seconds = (performance.now() - start) / 1000;
  const scores = trainer.evaluate(test, { metrics: ['accuracy', 'f1'] });
  const rnn = classificationScores(
    predictClasses(model, test.x).map((c) => c[0]),
    test.y,
    K,
  );
  const nb = trainNaiveBayes(train.x, train.y, K, vocab.size);
  const naiveBayes = classificationScores(predictNaiveBayes(nb, test.x), test.y, K);
  const trainCounts = data.classes.map((_, k) => train.y.filter((y) => y === k).length);
  const majorityClass = trainCounts.indexOf(Math.max(...trainCounts));
  const result: GlossResult = {
    classes: data.classes,
    sizes: { train: train.y.length, validation: validation.y.length, test: test.y.length },
    vocabSize: vocab.size,
    rnn,
    evaluated: { accuracy: scores.accuracy ?? NaN, macroF1: scores.f1?.macroF1 ?? NaN },
    naiveBayes,
    majority: test.y.filter((y) => y === majorityClass).length / test.y.length,
    training: { epochs: fit.epochLosses.length, bestEpoch: fit.bestEpoch ?? NaN, stopped: fit.stopped, seconds },
  };
  log(
    `${result.sizes.train} training definitions, vocabulary ${vocab.size}; trained ${result.training.epochs} epochs ` +
      `in ${secondsSince(start)} (best ${result.training.bestEpoch}, stopped: ${fit.stopped})`,
  );
  log(
    `test (${test.y.length}): LSTM ${percent(rnn.accuracy)}, macro-F1 ${rnn.macroF1.toFixed(3)}; ` +
      `naive Bayes ${percent(naiveBayes.accuracy)}, macro-F1 ${naiveBayes.macroF1.toFixed(3)}; ` +
      `majority class ${percent(result.majority)}`,
  );
  trainer.dispose();
  model.dispose();
  return result;
}

if (isDirectRun(import.meta.url)) {
  const options = commandLineOptions();
  const seeds = options.seed === undefined ? [1, 2, 3] : [options.seed];
  for (const seed of seeds) {
    options.log?.(`seed ${seed}`);
    await run({ ...options, seed });
  }
}
