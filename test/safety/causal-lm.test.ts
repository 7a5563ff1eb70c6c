// Numbers that are probabilities: every language-model function refuses a model that sees the
// future (a bidirectional recurrent layer), whose "probabilities" summed over every sequence exceed
// 1, with one message naming the function and the layer. A causal model's probabilities of every
// sequence of a given length sum to 1.
import { describe, expect, it } from 'vitest';
import {
  Dense,
  Embedding,
  GRU,
  LSTM,
  RNN,
  SequenceModel,
  beamSearch,
  compare,
  generate,
  logProbability,
  perplexity,
  stream,
  type Backend,
} from '../../src/index.ts';
import { jsBackend, wasmBackend } from '../helpers/backends.ts';

const V = 3;

function tokenModel(backend: Backend, bidirectional: [boolean, boolean]): SequenceModel {
  return new SequenceModel({
    layers: [
      new Embedding(V, 4, { seed: 1, backend }),
      new LSTM({ inputSize: 4, hiddenSize: 3, bidirectional: bidirectional[0], seed: 2, backend }),
      new GRU({
        inputSize: bidirectional[0] ? 6 : 3,
        hiddenSize: 3,
        bidirectional: bidirectional[1],
        seed: 3,
        backend,
      }),
      new Dense(bidirectional[1] ? 6 : 3, V, { seed: 4, backend }),
    ],
  });
}

/** Every function, called with valid arguments for a V = 3 model. */
const CALLS: Array<[string, (model: SequenceModel) => unknown]> = [
  ['logProbability', (m) => logProbability(m, [0, 1], { prime: [2] })],
  ['perplexity', (m) => perplexity(m, [0, 1], { prime: [2] })],
  ['compare', (m) => compare(m, [0, 1], [1, 0], { prime: [2] })],
  ['beamSearch', (m) => beamSearch(m, { maxLength: 2, prime: [2] })],
  ['generate', (m) => generate(m, { length: 2, prime: [2], seed: 1 })],
];

for (const [backendName, make] of [
  ['wasm', wasmBackend],
  ['js', async () => jsBackend()],
] as const) {
  describe(`language-model functions need a causal model (${backendName})`, () => {
    for (const [layer, bidirectional] of [
      [0, [true, false]],
      [1, [false, true]],
    ] as const) {
      it(`every function refuses a model whose recurrent layer ${layer} is bidirectional`, async () => {
        const backend = await make();
        const model = tokenModel(backend, [...bidirectional]);
        model.resetState(1);
        const state = model.saveState();
        for (const [name, call] of CALLS) {
          expect(() => call(model), name).toThrow(
            `${name}: recurrent layer ${layer} is bidirectional: it reads the future, so the model's outputs are not next-token probabilities`,
          );
        }
        await expect(stream(model, { length: 2, prime: [2] }).next()).rejects.toThrow(
          `stream: recurrent layer ${layer} is bidirectional`,
        );
        expect(model.saveState()).toEqual(state);
        model.dispose();
      });
    }

    it('a causal model works, and its probabilities of every sequence of length 3 sum to 1', async () => {
      const backend = await make();
      const model = tokenModel(backend, [false, false]);
      for (const [name, call] of CALLS) expect(() => call(model), name).not.toThrow();
      let total = 0;
      for (let s = 0; s < V ** 3; s++) {
        const ids = [Math.floor(s / 9), Math.floor(s / 3) % 3, s % 3];
        total += Math.exp(logProbability(model, ids, { prime: [2] }).logProb);
      }
      expect(total).toBeCloseTo(1, 5);
      model.dispose();
      const rnn = new SequenceModel({
        layers: [
          new Embedding(V, 2, { seed: 5, backend }),
          new RNN({ inputSize: 2, hiddenSize: 3, seed: 6, backend }),
          new Dense(3, V, { seed: 7, backend }),
        ],
      });
      expect(generate(rnn, { length: 3, seed: 2, prime: [1] })).toHaveLength(3);
      rnn.dispose();
    });
  });
}
