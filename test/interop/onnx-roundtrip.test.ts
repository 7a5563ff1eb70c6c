// strand → ONNX → strand: a model exported with exportOnnx and read back with importOnnx has the
// same architecture, the same weights (bit for bit: both directions only move float32 values) and
// so the same predictions; the output kind and the model's metadata (a vocabulary, say) travel in
// the file's metadata_props. What importOnnx cannot read back (a head at the last step, a
// bidirectional layer merged by sum) is refused with an InteropError, never misread.
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, Embedding, GRU, init, LSTM, RNN, Rng, SequenceModel, type ModelLayer } from '../../src/index.ts';
import { exportOnnx, importOnnx, InteropError } from '../../src/interop/index.ts';

const [V, E, H, O, T, B] = [11, 5, 6, 4, 5, 3];

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

/** A model whose every weight is drawn from `seed` (so no two gates are alike). */
function model(layers: ModelLayer[], output: 'softmax' | 'sigmoid' | 'linear', seed: number): SequenceModel {
  const m = new SequenceModel({ layers, output });
  const rng = new Rng(seed);
  const dict = m.stateDict();
  for (const v of Object.values(dict)) for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-0.9, 0.9);
  m.loadStateDict(dict);
  return m;
}

const CASES: Array<[string, () => SequenceModel]> = [
  [
    'embedding → LSTM → dense (softmax)',
    () => model([new Embedding(V, E), new LSTM(E, H), new Dense(H, O)], 'softmax', 1),
  ],
  [
    'embedding → 2-layer bidirectional GRU (reset after) → dense',
    () =>
      model(
        [new Embedding(V, E), new GRU(E, H, { numLayers: 2, bidirectional: true }), new Dense(2 * H, O)],
        'softmax',
        2,
      ),
  ],
  [
    'features → GRU (reset before) → dense (sigmoid)',
    () => model([new GRU(E, H, { resetAfter: false }), new Dense(H, O)], 'sigmoid', 3),
  ],
  [
    'features → relu RNN → LSTM → dense (linear)',
    () => model([new RNN(E, H, { nonlinearity: 'relu' }), new LSTM(H, H), new Dense(H, O)], 'linear', 4),
  ],
];

/** A (T, B) batch of token ids, or (T, B, E) features, drawn from `seed`. */
function input(m: SequenceModel, seed: number): Float32Array | Int32Array {
  const rng = new Rng(seed);
  if (m.embedding) return Int32Array.from({ length: T * B }, () => Math.floor(rng.uniform(0, V)));
  return Float32Array.from({ length: T * B * E }, () => rng.uniform(-1, 1));
}

describe('strand → ONNX → strand', () => {
  it.each(CASES)('%s keeps its architecture, weights, output kind and predictions', (_, make) => {
    const original = make();
    original.metadata = { vocab: { level: 'char', tokens: ['<PAD>', '<UNK>', '<EOS>', 'a'] }, note: 'round trip' };
    const back = importOnnx(exportOnnx(original));
    try {
      expect(back.config()).toEqual(original.config());
      expect(back.metadata).toEqual(original.metadata);
      const a = original.stateDict();
      const b = back.stateDict();
      expect(Object.keys(b)).toEqual(Object.keys(a));
      for (const k of Object.keys(a)) expect(b[k]).toEqual(a[k]);
      const x = input(original, 7);
      const lengths = [5, 3, 1];
      expect(back.predict(x, { batch: B })).toEqual(original.predict(x, { batch: B }));
      expect(back.predict(x, { batch: B, lengths })).toEqual(original.predict(x, { batch: B, lengths }));
    } finally {
      original.dispose();
      back.dispose();
    }
  });

  it('refuses, with an InteropError, what it cannot read back', () => {
    const last = model([new Embedding(V, E), new LSTM(E, H), new Dense(H, O, { at: 'last' })], 'softmax', 5);
    const sum = model([new LSTM(E, H, { bidirectional: true, merge: 'sum' }), new Dense(H, O)], 'linear', 6);
    try {
      for (const m of [last, sum]) expect(() => importOnnx(exportOnnx(m))).toThrow(InteropError);
    } finally {
      last.dispose();
      sum.dispose();
    }
  });
});
