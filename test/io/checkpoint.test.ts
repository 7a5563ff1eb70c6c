// Save and resume: the versioned binary format round-trips models and trainers bit for bit and
// rejects truncated, corrupted and foreign files with clear errors.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Dense,
  Dropout,
  Embedding,
  GRU,
  LSTM,
  SequenceModel,
  Trainer,
  Vocab,
  init,
  type Batch,
} from '../../src/index.ts';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

const vocab = Vocab.fromText('the lamp on the reef, the bell in the fog. ');

function makeModel(): SequenceModel {
  return new SequenceModel({
    layers: [
      new Embedding(vocab.size, 6, { seed: 1 }),
      new LSTM(6, 8, { seed: 2, numLayers: 2 }),
      new Dropout(0.2, { seed: 3 }),
      new GRU(8, 5, { seed: 4, resetAfter: false, bidirectional: true }),
      new Dense(10, vocab.size, { seed: 5 }),
    ],
  });
}

function batch(i: number): Batch {
  const ids = vocab.encode('the lamp on the reef, the bell in the fog. ');
  const T = 6,
    B = 3;
  const input = new Int32Array(T * B);
  const target = new Int32Array(T * B);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const at = (i * 5 + b * 11 + t) % (ids.length - 1);
      input[t * B + b] = ids[at];
      target[t * B + b] = ids[at + 1];
    }
  }
  return { input, target, seqLen: T, batch: B };
}

describe('model checkpoints', () => {
  it('round-trip architecture, weights and metadata', () => {
    const model = makeModel();
    model.metadata = { vocab: vocab.toJSON(), note: 'hello' };
    const bytes = model.save();
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x53, 0x54, 0x52, 0x44]);
    const again = SequenceModel.load(bytes);
    expect(again.stateDict()).toEqual(model.stateDict());
    expect(again.metadata).toEqual(model.metadata);
    expect(Vocab.fromJSON(again.metadata.vocab as never).encode('the fog')).toEqual(vocab.encode('the fog'));
    const input = batch(0).input as Int32Array;
    expect(again.predict(input, { seqLen: 6, batch: 3 })).toEqual(model.predict(input, { seqLen: 6, batch: 3 }));
    model.dispose();
    again.dispose();
  });

  it('reject truncated, corrupted and foreign files, naming the problem', () => {
    const model = makeModel();
    const bytes = model.save();
    expect(() => SequenceModel.load(bytes.subarray(0, bytes.length - 9))).toThrow(
      /SequenceModel.load: the checkpoint is truncated \(tensors at byte \d+: expected \d+ bytes in the file .*, found \d+ bytes\)/,
    );
    const flipped = bytes.slice();
    flipped[bytes.length - 40] ^= 0x10;
    expect(() => SequenceModel.load(flipped)).toThrow(/checksum mismatch: the checkpoint is corrupted/);
    expect(() => SequenceModel.load(new TextEncoder().encode('{"not": "a checkpoint"}'))).toThrow(
      /not a strand checkpoint/,
    );
    const future = bytes.slice();
    future[4] = 9;
    expect(() => SequenceModel.load(future)).toThrow(/format version 9 is not supported/);
    expect(() => SequenceModel.load('abc' as never)).toThrow(/expected the bytes of a strand checkpoint/);
    model.dispose();
  });
});

describe('trainer checkpoints', () => {
  it('train 10 → save → load → train 10 gives exactly the weights of 20 uninterrupted steps', () => {
    const options = { optimizer: { type: 'adam', lr: 1e-2 } as const, clip: { norm: 1 } };
    const straight = new Trainer(makeModel(), options);
    for (let i = 0; i < 20; i++) straight.step(batch(i));

    const first = new Trainer(makeModel(), options);
    for (let i = 0; i < 10; i++) first.step(batch(i));
    const bytes = first.save();
    const resumed = Trainer.load(bytes);
    expect(resumed.optimizer.stepCount).toBe(10);
    for (let i = 10; i < 20; i++) resumed.step(batch(i));

    const a = straight.model.stateDict();
    const b = resumed.model.stateDict();
    for (const k of Object.keys(a)) expect(b[k], k).toEqual(a[k]);
    // and the weights did move, so the comparison means something
    const fresh = makeModel();
    expect(fresh.stateDict()['1.weight_hh_l0']).not.toEqual(a['1.weight_hh_l0']);
    for (const t of [straight, first, resumed]) {
      t.dispose();
      t.model.dispose();
    }
    fresh.dispose();
  });

  it('a model-only checkpoint is refused by Trainer.load', () => {
    const model = makeModel();
    expect(() => Trainer.load(model.save())).toThrow(/holds a model only/);
    model.dispose();
  });
});

describe('one-hot input', () => {
  it('feeds identity rows, has no trainable parameters, and round-trips through save/load', async () => {
    const { OneHot } = await import('../../src/index.ts');
    const model = new SequenceModel({
      layers: [new OneHot(5), new LSTM(5, 4, { seed: 1 }), new Dense(4, 5, { seed: 2 })],
    });
    const trainable = model.parameterSets().reduce((n, s) => n + s.count(), 0);
    expect(trainable).toBe(4 * 4 * (5 + 4) + 2 * 16 + 4 * 5 + 5);
    const before = model.stateDict()['0.weight'];
    const trainer = new Trainer(model, { optimizer: { type: 'sgd', lr: 0.5 } });
    trainer.step({ input: [0, 1, 2, 3], target: [1, 2, 3, 4], seqLen: 4, batch: 1 });
    expect(model.stateDict()['0.weight']).toEqual(before);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(before[i * 5 + j]).toBe(i === j ? 1 : 0);
    const again = SequenceModel.load(model.save());
    expect(again.predict([0, 3], { seqLen: 2 })).toEqual(model.predict([0, 3], { seqLen: 2 }));
    trainer.dispose();
    model.dispose();
    again.dispose();
  });
});
