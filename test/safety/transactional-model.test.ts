// A rejected call leaves a model as before: a rejected stateful predict does not touch the carried
// state, and a stateful Trainer.step rejected after its forward (a non-finite gradient) puts the
// carried state back — the model then goes on bit for bit as a twin that never saw the rejected
// call. A model has no public backward: its saved forward is forgotten when a new input is written,
// so an internal backward after a rejected input says to run forward first.
import { describe, expect, it } from 'vitest';
import {
  Dense,
  Embedding,
  EncoderDecoder,
  GRU,
  LSTM,
  NonFiniteError,
  RNN,
  SequenceModel,
  Trainer,
  type Backend,
  type SavedState,
} from '../../src/index.ts';
import { jsBackend, randomArray, wasmBackend } from '../helpers/backends.ts';

const T = 4;
const B = 2;
const I = 3;

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(Float32Array.from(a).buffer);
  const y = new Uint32Array(Float32Array.from(b).buffer);
  return x.every((v, i) => v === y[i]);
}

function sameState(a: SavedState, b: SavedState): boolean {
  return (
    a.batch === b.batch && a.buffers.length === b.buffers.length && a.buffers.every((x, i) => sameBits(x, b.buffers[i]))
  );
}

function sameWeights(a: SequenceModel, b: SequenceModel): boolean {
  const x = a.stateDict();
  const y = b.stateDict();
  return Object.keys(x).every((k) => sameBits(x[k], y[k]));
}

/** Features → LSTM (2 layers) → GRU → linear Dense at every step. */
function featureModel(backend: Backend): SequenceModel {
  return new SequenceModel({
    layers: [
      new LSTM({ inputSize: I, hiddenSize: 4, numLayers: 2, seed: 1, backend }),
      new GRU({ inputSize: 4, hiddenSize: 3, seed: 2, backend }),
      new Dense(3, 2, { seed: 3, backend }),
    ],
    output: 'linear',
  });
}

for (const [backendName, make] of [
  ['wasm', wasmBackend],
  ['js', async () => jsBackend()],
] as const) {
  describe(`a rejected call leaves a model as before (${backendName})`, () => {
    it('a rejected stateful predict leaves the carried state and the weights; the model goes on as its twin', async () => {
      const backend = await make();
      const model = featureModel(backend);
      const twin = featureModel(backend);
      const x1 = randomArray(T * B * I, 1);
      for (const m of [model, twin]) m.predict(x1, { seqLen: T, batch: B, stateful: true });
      const state = model.saveState();
      const nan = (n: number, at: number): Float32Array => {
        const a = randomArray(n, 2);
        a[at] = Number.NaN;
        return a;
      };
      const rejected: Array<[string, () => unknown, string]> = [
        [
          'NaN input',
          () => model.predict(nan(T * B * I, 5), { seqLen: T, batch: B, stateful: true }),
          'SequenceModel.predict: input must be finite (as float32), received NaN at index 5',
        ],
        [
          'NaN input, another batch',
          () => model.predict(nan(T * 5 * I, 50), { seqLen: T, batch: 5, stateful: true }),
          'received NaN at index 50',
        ],
        [
          'NaN input, longer',
          () => model.predict(nan(9 * B * I, 40), { seqLen: 9, batch: B, stateful: true }),
          'received NaN at index 40',
        ],
        [
          'bad lengths',
          () => model.predict(x1, { seqLen: T, batch: B, stateful: true, lengths: [T, T + 1] }),
          `lengths must be integers in [0, ${T}], received 5 at index 1`,
        ],
        [
          'wrong size',
          () => model.predict(x1.subarray(1), { seqLen: T, batch: B, stateful: true }),
          'input has 23 values',
        ],
      ];
      for (const [label, call, message] of rejected) {
        expect(call, label).toThrow(message);
        expect(sameState(model.saveState(), state), `carried state after ${label}`).toBe(true);
        expect(sameWeights(model, twin), `weights after ${label}`).toBe(true);
      }
      const x2 = randomArray(T * B * I, 3);
      const got = model.predict(x2, { seqLen: T, batch: B, stateful: true });
      const want = twin.predict(x2, { seqLen: T, batch: B, stateful: true });
      expect(sameBits(got, want)).toBe(true);
      expect(sameState(model.saveState(), twin.saveState())).toBe(true);
      model.dispose();
      twin.dispose();
    });

    it('a rejected token predict (an id out of range) leaves the carried state', async () => {
      const backend = await make();
      const model = new SequenceModel({
        layers: [
          new Embedding(6, 3, { seed: 4, backend }),
          new LSTM({ inputSize: 3, hiddenSize: 4, seed: 5, backend }),
          new Dense(4, 6, { seed: 6, backend }),
        ],
      });
      model.predict(Int32Array.from([1, 2, 3, 4]), { batch: 2, stateful: true });
      const state = model.saveState();
      expect(() => model.predict([1, 2, 6, 0], { batch: 2, stateful: true })).toThrow(
        'SequenceModel.predict: input must hold integer token ids in [0, 6), received 6 at index 2',
      );
      expect(() => model.predict([1, 2.5], { batch: 1, stateful: true })).toThrow('received 2.5 at index 1');
      expect(sameState(model.saveState(), state)).toBe(true);
      model.dispose();
    });

    it('a stateful Trainer.step rejected after its forward puts the carried state back', async () => {
      const backend = await make();
      // a ReLU RNN fed 3e38 (finite as float32) overflows: the gradient norm is infinite
      const build = (): SequenceModel =>
        new SequenceModel({
          layers: [
            new RNN({ inputSize: I, hiddenSize: 4, nonlinearity: 'relu', seed: 7, backend }),
            new Dense(4, 2, { seed: 8, backend }),
          ],
          output: 'linear',
        });
      const model = build();
      const twin = build();
      const trainer = new Trainer(model);
      const twinTrainer = new Trainer(twin);
      const batch = (seed: number) => ({
        input: randomArray(T * B * I, seed),
        target: randomArray(T * B * 2, seed + 1),
        seqLen: T,
        batch: B,
        stateful: true,
      });
      trainer.step(batch(10));
      twinTrainer.step(batch(10));
      const state = model.saveState();
      const huge = { ...batch(12), input: new Float32Array(T * B * I).fill(3e38) };
      expect(() => trainer.step(huge)).toThrow(NonFiniteError);
      expect(sameState(model.saveState(), state), 'carried state').toBe(true);
      expect(sameWeights(model, twin), 'weights').toBe(true);
      // a stateful step that starts a new batch size is rejected the same way
      expect(() =>
        trainer.step({
          ...huge,
          input: new Float32Array(T * 3 * I).fill(3e38),
          target: new Float32Array(T * 3 * 2),
          batch: 3,
        }),
      ).toThrow(NonFiniteError);
      expect(sameState(model.saveState(), state), 'carried state after a new batch size').toBe(true);
      const got = trainer.step(batch(14));
      const want = twinTrainer.step(batch(14));
      expect(got.loss).toBe(want.loss);
      expect(got.gradNorm).toBe(want.gradNorm);
      expect(sameWeights(model, twin)).toBe(true);
      expect(sameState(model.saveState(), twin.saveState())).toBe(true);
      trainer.dispose();
      twinTrainer.dispose();
      model.dispose();
      twin.dispose();
    });

    it("after a rejected input, the model's backward says to run forward first", async () => {
      const backend = await make();
      const model = featureModel(backend);
      const x = randomArray(T * B * I, 20);
      const out = model.forwardInPlace(T, B, model.writeInput(x, T, B, 'input'), false, false);
      const bad = x.slice();
      bad[3] = Number.NaN;
      expect(() => model.writeInput(bad, T, B, 'input')).toThrow(
        'input must be finite (as float32), received NaN at index 3',
      );
      expect(() => model.backwardInPlace(out)).toThrow('SequenceModel.backward: run a forward pass first');
      model.dispose();
    });

    it('a rejected EncoderDecoder call leaves its weights', async () => {
      const backend = await make();
      const model = new EncoderDecoder({
        sourceVocab: 5,
        targetVocab: 6,
        embed: 3,
        hidden: 4,
        bos: 1,
        eos: 2,
        seed: 9,
        backend,
      });
      const trainer = new Trainer(model);
      trainer.step({ input: [1, 2, 3, 4], target: [3, 4, 2, 2], batch: 2 });
      const weights = model.parameterSets().map((s) => backend.heap.read(s.slab, s.size));
      expect(() => model.greedy([1, 7], { maxLength: 3 })).toThrow(
        'EncoderDecoder.greedy: source must hold integer token ids in [0, 5), received 7 at index 1',
      );
      expect(() => trainer.step({ input: [1, 2, 3, 4], target: [3, 9, 2, 2], batch: 2 })).toThrow(
        'received 9 at index 1',
      );
      model
        .parameterSets()
        .forEach((s, i) => expect(sameBits(backend.heap.read(s.slab, s.size), weights[i])).toBe(true));
      trainer.dispose();
      model.dispose();
    });
  });
}
