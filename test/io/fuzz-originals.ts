// The checkpoints the loader fuzz tests start from: several architectures (LSTM, GRU, RNN; token
// and feature input; one-hot tables; dropout; bidirectional) and a trainer's checkpoint. Page-safe.
import type { Backend } from '../../src/backend/backend.ts';
import { Dense, Dropout, Embedding, GRU, LSTM, OneHot, RNN, SequenceModel, Trainer } from '../../src/index.ts';

/** The checkpoints the fuzz starts from, by name. */
export function originals(backend: Backend): Array<[string, Uint8Array]> {
  const opts = { backend };
  const models: Array<[string, SequenceModel]> = [
    [
      'embedding, 2-layer LSTM, dropout, bidirectional GRU (reset before), dense',
      new SequenceModel({
        layers: [
          new Embedding(7, 4, { ...opts, seed: 1 }),
          new Dropout(0.1, { seed: 2 }),
          new LSTM({ inputSize: 4, hiddenSize: 5, numLayers: 2, ...opts, seed: 3 }),
          new Dropout(0.2, { seed: 4 }),
          new GRU({ inputSize: 5, hiddenSize: 3, bidirectional: true, resetAfter: false, ...opts, seed: 5 }),
          new Dense(6, 7, { ...opts, seed: 6 }),
        ],
      }),
    ],
    [
      'features, relu RNN, dense at the last step, sigmoid',
      new SequenceModel({
        layers: [
          new RNN({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu', ...opts, seed: 7 }),
          new Dense(4, 2, { at: 'last', ...opts, seed: 8 }),
        ],
        output: 'sigmoid',
      }),
    ],
    [
      'one-hot, GRU, dense',
      new SequenceModel({
        layers: [
          new OneHot(5, opts),
          new GRU({ inputSize: 5, hiddenSize: 4, ...opts, seed: 9 }),
          new Dense(4, 5, { ...opts, seed: 12 }),
        ],
      }),
    ],
    [
      'features, bidirectional LSTM summed without bias, linear head without bias',
      new SequenceModel({
        layers: [
          new LSTM({ inputSize: 2, hiddenSize: 3, bidirectional: true, merge: 'sum', bias: false, ...opts, seed: 10 }),
          new Dense(3, 2, { bias: false, ...opts, seed: 11 }),
        ],
        output: 'linear',
      }),
    ],
  ];
  const out: Array<[string, Uint8Array]> = models.map(([name, m]) => {
    m.metadata = { note: 'fuzz', vocab: { level: 'char', tokens: ['<PAD>', '<UNK>', '<EOS>', 'a'] } };
    return [name, m.save()];
  });
  // a trainer's checkpoint (optimizer moments and options beside the model) after two updates
  const model = models[0][1];
  const trainer = new Trainer(model, { optimizer: { type: 'adam', lr: 0.01 }, clip: { norm: 1 } });
  for (let i = 0; i < 2; i++) {
    const input = Int32Array.from({ length: 6 }, (_, j) => (i + j) % 7);
    trainer.step({ input, target: input.map((v) => (v + 1) % 7), seqLen: 3, batch: 2 });
  }
  out.push(["a trainer's checkpoint of the first model (adam, clipping)", trainer.save()]);
  trainer.dispose();
  for (const [, m] of models) m.dispose();
  return out;
}
