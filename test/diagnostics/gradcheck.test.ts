// gradcheck: passes on correct models under each of the Trainer's losses, and reports a failure
// when the backward pass is deliberately wrong.
import { describe, expect, it } from 'vitest';
import { Dense, Dropout, Embedding, GRU, LSTM, RNN, SequenceModel, type Backend } from '../../src/index.ts';
import { gradcheck } from '../../src/diagnostics/gradcheck.ts';
import { jsBackend, randomArray, wasmBackend } from '../helpers/backends.ts';

function tokenModel(backend: Backend): SequenceModel {
  return new SequenceModel({
    layers: [
      new Embedding(9, 4, { seed: 1, backend }),
      new LSTM({ inputSize: 4, hiddenSize: 5, numLayers: 2, seed: 2, backend }),
      new Dropout(0.3, { seed: 3 }),
      new GRU({ inputSize: 5, hiddenSize: 3, bidirectional: true, seed: 4, backend }),
      new Dense(6, 9, { seed: 5, backend }),
    ],
  });
}

const T = 5;
const B = 3;
const ids = Array.from({ length: T * B }, (_, i) => (i * 7 + 3) % 9);
const tokenBatch = {
  input: ids,
  target: ids.map((v, i) => (i === 4 ? -1 : (v + 2) % 9)),
  mask: ids.map((_, i) => (i % 5 === 0 ? 0.5 : 1)),
  seqLen: T,
  batch: B,
};

describe('gradcheck', () => {
  for (const [name, make] of [
    ['wasm', wasmBackend],
    ['js', jsBackend],
  ] as const) {
    it(`passes on a correct token model (cross-entropy, mask, ignored target) (${name})`, async () => {
      const model = tokenModel(await make());
      const before = model.stateDict();
      const report = gradcheck(model, tokenBatch, { samples: 50 });
      expect(report.passed, report.summary).toBe(true);
      expect(report.failures).toBe(0);
      expect(report.checked).toBe(50);
      expect(report.maxRelativeError).toBeLessThan(report.tolerance);
      expect(report.loss).toBeGreaterThan(0);
      // every tensor was sampled at least once
      expect(new Set(report.entries.map((e) => e.parameter))).toEqual(new Set(Object.keys(before)));
      // some checked gradients are large enough for the comparison to mean something
      expect(report.entries.filter((e) => Math.abs(e.numeric) > 1e-3).length).toBeGreaterThan(5);
      // parameters restored bit for bit
      const after = model.stateDict();
      for (const [k, v] of Object.entries(before)) expect(after[k], k).toEqual(v);
      model.dispose();
    });
  }

  it('passes under mean squared error (features, head at the last step) and binary cross-entropy', async () => {
    const backend = await wasmBackend();
    const regression = new SequenceModel({
      layers: [
        new RNN({ inputSize: 3, hiddenSize: 4, seed: 6, backend }),
        new GRU({ inputSize: 4, hiddenSize: 4, resetAfter: false, seed: 7, backend }),
        new Dense(4, 2, { at: 'last', seed: 8, backend }),
      ],
      output: 'linear',
    });
    const mse = gradcheck(
      regression,
      { input: randomArray(6 * 2 * 3, 9), target: [0.5, -1, 2, 0.25], seqLen: 6, batch: 2 },
      { samples: 30 },
    );
    expect(mse.passed, mse.summary).toBe(true);
    const tagger = new SequenceModel({
      layers: [new LSTM({ inputSize: 3, hiddenSize: 4, seed: 10, backend }), new Dense(4, 2, { seed: 11, backend })],
      output: 'sigmoid',
    });
    const target = Array.from({ length: 4 * 2 * 2 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const bce = gradcheck(
      tagger,
      { input: randomArray(4 * 2 * 3, 12), target, seqLen: 4, batch: 2 },
      { samples: 30, reduction: 'sum' },
    );
    expect(bce.passed, bce.summary).toBe(true);
    regression.dispose();
    tagger.dispose();
  });

  it('fails when the head gradient is 10 % off', async () => {
    const model = tokenModel(await wasmBackend());
    const original = model.backwardInPlace.bind(model);
    model.backwardInPlace = (dlogits: number): void => {
      original(dlogits);
      const heap = model.backend.heap;
      const set = model.head.params;
      const g = heap.f32(set.gradSlab, set.size);
      for (let i = 0; i < g.length; i++) g[i] *= 1.1;
    };
    const report = gradcheck(model, tokenBatch, { samples: 50 });
    expect(report.passed).toBe(false);
    expect(report.failures).toBeGreaterThan(0);
    expect(report.maxRelativeError).toBeGreaterThan(0.05);
    expect(report.summary).toMatch(/FAILED/);
    const failed = new Set(report.entries.filter((e) => !e.passed).map((e) => e.parameter));
    expect([...failed].every((p) => p.startsWith('4.'))).toBe(true); // only the head (layer 4)
    model.dispose();
  });

  it('fails when a recurrent weight gradient is perturbed', async () => {
    const model = tokenModel(await wasmBackend());
    const original = model.backwardInPlace.bind(model);
    model.backwardInPlace = (dlogits: number): void => {
      original(dlogits);
      const set = model.recurrent[0].params;
      const e = set.entries().find((x) => x.name === 'weight_hh_l1')!;
      const g = model.backend.heap.f32(set.gradSlab + e.offset * 4, e.size);
      for (let i = 0; i < g.length; i++) g[i] += 0.01;
    };
    const report = gradcheck(model, tokenBatch, { samples: 50 });
    expect(report.passed).toBe(false);
    expect(report.entries[0].parameter).toBe('1.weight_hh_l1');
    model.dispose();
  });

  it('rejects bad options and batches with a message naming them', async () => {
    const model = tokenModel(await wasmBackend());
    expect(() => gradcheck(model, tokenBatch, { samples: 0 })).toThrow(
      /options\.samples must be an integer ≥ 1, received 0/,
    );
    expect(() => gradcheck(model, tokenBatch, { epsilon: -1 })).toThrow(
      /options\.epsilon must be a finite number > 0, received -1/,
    );
    expect(() => gradcheck(model, { ...tokenBatch, target: [1, 2] })).toThrow(/batch.target must have 15/);
    expect(() => gradcheck(model, { ...tokenBatch, target: tokenBatch.target.map(() => 9) })).toThrow(
      /class ids in \[0, 9\)/,
    );
    model.dispose();
  });
});
