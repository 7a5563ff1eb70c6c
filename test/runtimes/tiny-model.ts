// A small character language model trained in a second or two, saved in strand's format with its
// vocabulary in the metadata (as `strand train` saves it), for the runtime tests to load elsewhere.
import { Dense, Embedding, LSTM, SequenceModel, Trainer, Vocab, init } from '../../src/index.ts';

/** The text it learns: a few short phrases repeated. */
export const TINY_TEXT = 'the lamp is lit. the sea is calm. keep the bell. '.repeat(40);

/** Trains the model on the plain SIMD build (seeded: the same bytes every run) and returns its saved bytes. */
export async function tinyModel(): Promise<Uint8Array> {
  await init({ flavor: 'simd' });
  const vocab = Vocab.fromText(TINY_TEXT, { level: 'char' });
  const model = new SequenceModel({
    layers: [
      new Embedding(vocab.size, 8, { seed: 21 }),
      new LSTM(8, 24, { seed: 22 }),
      new Dense(24, vocab.size, { seed: 23 }),
    ],
    output: 'softmax',
  });
  const trainer = new Trainer(model, {
    optimizer: { type: 'adam', lr: 0.02 },
    clip: { norm: 5 },
    tbptt: { k1: 16 },
    batchSize: 8,
  });
  await trainer.fit(vocab.encode(TINY_TEXT), { epochs: 30 });
  model.metadata.vocab = vocab.toJSON();
  const bytes = model.save();
  trainer.dispose();
  model.dispose();
  return bytes;
}
