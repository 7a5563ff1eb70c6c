// Worked example: WordNet definitions classified by category (examples/classify-glosses.ts), with
// its naive Bayes baseline, its scores and its split checked by hand, and the committed dataset.
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  classificationScores,
  type GlossResult,
  predictNaiveBayes,
  readGlosses,
  run,
  stratifiedSplit,
  trainNaiveBayes,
} from '../../examples/classify-glosses.ts';
import { definitionOf, withoutWords } from '../../examples/data/make-wordnet-glosses.ts';
import { Rng } from '../../src/util/rng.ts';
import { wasmBackend } from '../helpers/backends.ts';

describe('example: WordNet glosses, naive Bayes baseline', () => {
  it('computes add-one smoothed likelihoods and priors as worked out by hand', () => {
    // V = 4, class 0: [1 1 2]; class 1: [3], [2 3]. Counts + 1: class 0 (1 3 2 1) / 7, class 1 (1 1 2 3) / 7
    const nb = trainNaiveBayes([[1, 1, 2], [3], [2, 3]], [0, 1, 1], 2, 4);
    expect(Array.from(nb.logPrior, Math.exp)).toEqual([expect.closeTo(1 / 3, 12), expect.closeTo(2 / 3, 12)]);
    const expected = [1, 3, 2, 1, 1, 1, 2, 3].map((c) => c / 7);
    Array.from(nb.logLikelihood, Math.exp).forEach((p, i) => expect(p).toBeCloseTo(expected[i], 12));
    // [1]: 1/3·3/7 = 1/7 against 2/3·1/7 = 2/21 → 0;  [2]: 1/3·2/7 against 2/3·2/7 → 1 (the prior decides)
    // [3 1]: 1/3·1/7·3/7 = 1/49 against 2/3·3/7·1/7 = 2/49 → 1;  [1 1]: 3/49 against 2/147 → 0
    expect(predictNaiveBayes(nb, [[1], [2], [3, 1], [1, 1]])).toEqual([0, 1, 1, 0]);
  });

  it('scores accuracy and macro-F1 as worked out by hand', () => {
    // class 0: tp 1, predicted 1, actual 2 → F1 2/3; class 1: tp 1, predicted 3, actual 1 → 1/2; class 2: 0
    const scores = classificationScores([0, 1, 1, 1], [0, 0, 1, 2], 3);
    expect(scores.accuracy).toBe(0.5);
    expect(scores.macroF1).toBeCloseTo((2 / 3 + 1 / 2 + 0) / 3, 12);
    expect(classificationScores([2, 0, 1], [2, 0, 1], 3)).toEqual({ accuracy: 1, macroF1: 1 });
  });
});

describe('example: WordNet glosses, stratified split', () => {
  it('partitions the samples, class by class in the given fractions, the same for the same seed (200 fuzz cases)', () => {
    const rng = new Rng(7);
    for (let c = 0; c < 200; c++) {
      const K = 1 + rng.int(6);
      const labels = Array.from({ length: 1 + rng.int(120) }, () => rng.int(K));
      const fractions = { test: rng.uniform(0, 0.5), validation: rng.uniform(0, 0.3) };
      const seed = rng.int(1000);
      const split = stratifiedSplit(labels, fractions, seed);
      const all = [...split.train, ...split.validation, ...split.test].sort((a, b) => a - b);
      expect(all).toEqual(labels.map((_, i) => i));
      for (let k = 0; k < K; k++) {
        const n = labels.filter((l) => l === k).length;
        const inSplit = (part: number[]): number => part.filter((i) => labels[i] === k).length;
        expect(inSplit(split.test)).toBe(Math.round(n * fractions.test));
        expect(inSplit(split.validation)).toBe(Math.round(n * fractions.validation));
      }
      expect(stratifiedSplit(labels, fractions, seed)).toEqual(split);
    }
  });
});

describe('example: WordNet glosses, the dataset and its builder', () => {
  it('ships 6 × 500 distinct definitions, label<TAB>text, under 250 KB, without quoted examples', () => {
    const file = new URL('../../examples/data/wordnet-glosses.tsv', import.meta.url);
    expect(statSync(file).size).toBeLessThan(250_000);
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
    const data = readGlosses(file);
    expect(data.classes).toEqual(['animal', 'artifact', 'body', 'food', 'person', 'plant']);
    expect(data.classes.map((_, k) => data.labels.filter((l) => l === k).length)).toEqual([
      500, 500, 500, 500, 500, 500,
    ]);
    expect(new Set(data.texts.map((t) => t.toLowerCase())).size).toBe(3000);
    for (const text of data.texts) {
      expect(text).not.toMatch(/\t|"|^\s|\s$|\s\s|\( | [,;:.)]/);
      expect(text.split(' ').length).toBeGreaterThanOrEqual(3);
    }
  });

  it('keeps the definition of a gloss and drops its examples and the defined words', () => {
    const gloss = 'a domesticated carnivorous mammal; "the dog barked all night"; kept as a pet';
    expect(definitionOf(gloss)).toBe('a domesticated carnivorous mammal; kept as a pet');
    expect(withoutWords('a Dog or domestic dog (dog) kept; dogfish differ', ['dog', 'domestic dog'])).toBe(
      'a or kept; dogfish differ',
    );
    expect(withoutWords('the bass (Morone saxatilis) of C++ fame', ['C++'])).toBe(
      'the bass (Morone saxatilis) of fame',
    );
  });
});

describe('example: WordNet glosses, LSTM against naive Bayes', () => {
  it('over 3 seeds: LSTM ≥ 77 % and macro-F1 ≥ 0.76, naive Bayes at least as good, both far above the majority', async () => {
    const backend = await wasmBackend();
    const results: GlossResult[] = [];
    for (const seed of [1, 2, 3]) results.push(await run({ seed, backend }));
    const mean = (f: (r: GlossResult) => number): number => results.reduce((s, r) => s + f(r), 0) / results.length;
    for (const r of results) {
      expect(r.sizes).toEqual({ train: 2100, validation: 300, test: 600 });
      expect(r.majority).toBeCloseTo(1 / 6, 12);
      expect(r.rnn.accuracy).toBeGreaterThanOrEqual(0.77);
      expect(r.rnn.macroF1).toBeGreaterThanOrEqual(0.76);
      expect(r.naiveBayes.accuracy).toBeGreaterThanOrEqual(0.8);
      // the trainer's own metrics agree with the count from predictClasses
      expect(r.evaluated.accuracy).toBeCloseTo(r.rnn.accuracy, 9);
      expect(r.evaluated.macroF1).toBeCloseTo(r.rnn.macroF1, 6);
      expect(r.rnn.accuracy - r.majority).toBeGreaterThan(0.5);
      expect(r.naiveBayes.accuracy - r.majority).toBeGreaterThan(0.5);
      expect(r.training.bestEpoch).toBeLessThanOrEqual(r.training.epochs);
    }
    // measured: bag of words wins on these short definitions (by 0.2 to 4.5 points per seed)
    expect(mean((r) => r.naiveBayes.accuracy)).toBeGreaterThanOrEqual(mean((r) => r.rnn.accuracy));
    expect(mean((r) => r.naiveBayes.macroF1)).toBeGreaterThanOrEqual(mean((r) => r.rnn.macroF1));
  }, 120_000);
});
