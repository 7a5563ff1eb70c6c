// Scoring: log-probability and perplexity of token sequences, comparisons and beam search, on
// models whose probabilities are known: a uniform model and a hand-built tanh RNN whose
// predictions are recomputed here from its equations.
import { describe, expect, it } from 'vitest';
import { Dense, Embedding, LSTM, RNN, SequenceModel, generate, type Backend } from '../../src/index.ts';
import { beamSearch, compare, logProbability, perplexity } from '../../src/lm/score.ts';
import { jsBackend, wasmBackend } from '../helpers/backends.ts';

const backends: Array<[string, () => Promise<Backend> | Backend]> = [
  ['wasm', wasmBackend],
  ['js', jsBackend],
];

/** V = 4 tokens, one-hot embedding, tanh RNN with H = 2, dense head: every weight given. */
const W_IH = [
  [0.9, -0.4, 0.2, -1.1],
  [-0.3, 0.8, 1.2, 0.5],
]; // (H, V): column v is token v's input
const W_HH = [
  [0.5, -0.6],
  [0.7, 0.2],
];
const B_IH = [0.1, -0.2];
const B_HH = [0.05, 0.0];
const W_OUT = [
  [1.5, -0.5],
  [-1.0, 2.0],
  [0.3, 0.3],
  [-2.0, -1.0],
]; // (V, H)
const B_OUT = [0.2, -0.1, 0.0, 0.4];

function handModel(backend: Backend): SequenceModel {
  const model = new SequenceModel({
    layers: [
      new Embedding(4, 4, { backend, seed: 1 }),
      new RNN({ inputSize: 4, hiddenSize: 2, backend, seed: 2 }),
      new Dense(2, 4, { backend, seed: 3 }),
    ],
  });
  model.loadStateDict({
    '0.weight': [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
    '1.weight_ih_l0': W_IH.flat(),
    '1.weight_hh_l0': W_HH.flat(),
    '1.bias_ih_l0': B_IH,
    '1.bias_hh_l0': B_HH,
    '2.weight': W_OUT.flat(),
    '2.bias': B_OUT,
  });
  return model;
}

/** log p of each token of `ids` given `prime`, from the model's equations in float64. */
function byHand(prime: number[], ids: number[]): number[] {
  const seq = [...prime, ...ids];
  let h = [0, 0];
  const out: number[] = [];
  for (let t = 0; t < seq.length - 1; t++) {
    const v = seq[t];
    h = [0, 1].map((i) => Math.tanh(W_IH[i][v] + B_IH[i] + W_HH[i][0] * h[0] + W_HH[i][1] * h[1] + B_HH[i]));
    if (t < prime.length - 1) continue;
    const logits = W_OUT.map((row, o) => row[0] * h[0] + row[1] * h[1] + B_OUT[o]);
    const lse = Math.log(logits.reduce((s, z) => s + Math.exp(z), 0));
    out.push(logits[seq[t + 1]] - lse);
  }
  return out;
}

describe('logProbability and perplexity', () => {
  for (const [name, make] of backends) {
    it(`a uniform model (zero head) has perplexity equal to the vocabulary size (${name})`, async () => {
      const backend = await make();
      const V = 7;
      const model = new SequenceModel({
        layers: [
          new Embedding(V, 3, { backend, seed: 1 }),
          new LSTM({ inputSize: 3, hiddenSize: 5, backend, seed: 2 }),
          new Dense(5, V, { backend, seed: 3 }),
        ],
      });
      model.loadStateDict({ '2.weight': new Float32Array(5 * V), '2.bias': new Float32Array(V) }, false);
      const ids = [3, 4, 6, 0, 1, 5, 5, 2, 3];
      const score = logProbability(model, ids);
      expect(score.tokens).toBe(ids.length);
      expect(score.perplexity).toBeCloseTo(V, 10);
      expect(score.logProb).toBeCloseTo(-ids.length * Math.log(V), 10);
      expect(score.bits).toBeCloseTo(-ids.length * Math.log2(V), 10);
      for (const l of score.tokenLogProbs) expect(l).toBeCloseTo(-Math.log(V), 12);
      expect(perplexity(model, [1], { prime: [4, 4] })).toBeCloseTo(V, 10);
      model.dispose();
    });

    it(`gives the log-probabilities of a hand-built RNN, with any prime and window (${name})`, async () => {
      const backend = await make();
      const model = handModel(backend);
      const ids = [0, 1, 3, 3, 2, 0, 1];
      const expected = byHand([2], ids);
      const score = logProbability(model, ids);
      expect(score.tokenLogProbs).toHaveLength(ids.length);
      for (let t = 0; t < ids.length; t++) expect(score.tokenLogProbs[t], `token ${t}`).toBeCloseTo(expected[t], 5);
      const sum = expected.reduce((a, b) => a + b, 0);
      expect(score.logProb).toBeCloseTo(sum, 5);
      expect(score.nll).toBeCloseTo(-sum / ids.length, 5);
      expect(score.perplexity).toBeCloseTo(Math.exp(-sum / ids.length), 5);
      // a longer prime, and windows of 2 steps whose state carries across calls
      const primed = byHand([1, 3, 0], ids);
      const windowed = logProbability(model, ids, { prime: [1, 3, 0], window: 2 });
      for (let t = 0; t < ids.length; t++)
        expect(windowed.tokenLogProbs[t], `primed token ${t}`).toBeCloseTo(primed[t], 5);
      expect(Math.abs(windowed.logProb - score.logProb)).toBeGreaterThan(1e-3); // the prime matters
      model.dispose();
    });
  }

  it('rejects models that are not next-token models and ids out of range, naming the argument', async () => {
    const backend = await wasmBackend();
    const model = handModel(backend);
    expect(() => logProbability(model, [0, 4])).toThrow(
      /logProbability: ids must hold integer token ids in \[0, 4\), received 4 at index 1/,
    );
    expect(() => logProbability(model, [])).toThrow(/at least one token/);
    expect(() => logProbability(model, [1], { prime: [] })).toThrow(/prime/);
    expect(() => logProbability(model, [1], { window: 0 })).toThrow(/window/);
    const classifier = new SequenceModel({
      layers: [
        new Embedding(4, 2, { backend, seed: 1 }),
        new RNN({ inputSize: 2, hiddenSize: 2, backend, seed: 1 }),
        new Dense(2, 4, { at: 'last', backend, seed: 1 }),
      ],
    });
    expect(() => logProbability(classifier, [1, 2])).toThrow(/next-token model/);
    model.dispose();
    classifier.dispose();
  });
});

describe('compare', () => {
  it('picks the continuation with the larger log-probability and reports the difference', async () => {
    const backend = await wasmBackend();
    const model = handModel(backend);
    const a = [0, 1, 1];
    const b = [3, 2, 3];
    const ha = byHand([2], a).reduce((s, l) => s + l, 0);
    const hb = byHand([2], b).reduce((s, l) => s + l, 0);
    expect(Math.abs(ha - hb)).toBeGreaterThan(0.5); // a clear case
    const result = compare(model, a, b);
    expect(result.likelier).toBe(ha > hb ? 'a' : 'b');
    expect(result.difference).toBeCloseTo(ha - hb, 5);
    expect(compare(model, b, a).likelier).toBe(ha > hb ? 'b' : 'a');
    expect(compare(model, a, a).likelier).toBe('equal');
    model.dispose();
  });
});

describe('beamSearch', () => {
  it('finds the most likely sequence of a small case, as exhaustive search does', async () => {
    const backend = await wasmBackend();
    const model = handModel(backend);
    const length = 3;
    // exhaustive: all 4³ sequences, scored by hand
    let best = { ids: [] as number[], logProb: -Infinity };
    for (let i = 0; i < 64; i++) {
      const ids = [(i >> 4) & 3, (i >> 2) & 3, i & 3];
      const lp = byHand([1], ids).reduce((s, l) => s + l, 0);
      if (lp > best.logProb) best = { ids, logProb: lp };
    }
    // a width of V^(length−1) = 16 keeps every prefix: exhaustive
    const beams = beamSearch(model, { prime: [1], maxLength: length, beamWidth: 16 });
    expect(Array.from(beams[0].ids)).toEqual(best.ids);
    expect(beams[0].logProb).toBeCloseTo(best.logProb, 5);
    expect(beams).toHaveLength(16);
    for (let i = 1; i < beams.length; i++) expect(beams[i].logProb).toBeLessThanOrEqual(beams[i - 1].logProb);
    for (const beam of beams.slice(0, 4))
      expect(beam.logProb).toBeCloseTo(logProbability(model, beam.ids, { prime: [1] }).logProb, 5);
    // width 1 is greedy decoding
    const greedy = generate(model, { prime: [1], length, temperature: 0 });
    expect(Array.from(beamSearch(model, { prime: [1], maxLength: length, beamWidth: 1 })[0].ids)).toEqual(
      Array.from(greedy),
    );
    // a finished hypothesis is not extended
    const stopped = beamSearch(model, { prime: [1], maxLength: 5, beamWidth: 8, stopAt: best.ids[0] });
    for (const beam of stopped) {
      const at = Array.from(beam.ids).indexOf(best.ids[0]);
      if (at >= 0) expect(beam.ids.length).toBe(at + 1);
    }
    model.dispose();
  });
});
