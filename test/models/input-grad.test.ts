// A SequenceModel fed features straight from data has no consumer for the first recurrent layer's
// input gradient, so its backward skips that GEMM (dx = 0 to the kernel); with an Embedding below
// it, dx is computed and reaches the embedding. Either way the parameter gradients are the same
// as those of the layer's own backward, which always computes dx.
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { Dense, Embedding, GRU, LSTM, SequenceModel, Trainer } from '../../src/index.ts';
import { randomArray, wasmBackend } from '../helpers/backends.ts';

/** Wraps lstm_backward to record the dx pointer (argument 17) of every call. */
function spyDx(backend: Backend): number[] {
  const seen: number[] = [];
  const kernels = backend.kernels as unknown as Record<string, (...a: number[]) => void>;
  const real = kernels.lstm_backward;
  kernels.lstm_backward = (...args: number[]) => {
    seen.push(args[17]);
    real(...args);
  };
  return seen;
}

describe('first-layer input gradient', () => {
  it('is skipped for features from data, computed below an Embedding', async () => {
    const backend = { ...(await wasmBackend()) };
    backend.kernels = { ...backend.kernels } as typeof backend.kernels;
    const seen = spyDx(backend);
    const T = 6,
      B = 3,
      I = 5,
      V = 7;
    const features = new SequenceModel({
      layers: [new LSTM(I, 8, { seed: 1, backend, numLayers: 2 }), new Dense(8, V, { seed: 2, backend })],
    });
    new Trainer(features).step({
      input: randomArray(T * B * I, 3),
      target: Array.from({ length: T * B }, (_, i) => i % V),
      seqLen: T,
      batch: B,
    });
    // two layers, backward from the top: layer 1 computes dx (it feeds layer 0), layer 0 does not
    expect(seen.map((p) => p !== 0)).toEqual([true, false]);
    seen.length = 0;
    const tokens = new SequenceModel({
      layers: [
        new Embedding(V, I, { seed: 4, backend }),
        new LSTM(I, 8, { seed: 1, backend }),
        new Dense(8, V, { seed: 2, backend }),
      ],
    });
    const before = tokens.stateDict()['0.weight'].slice();
    new Trainer(tokens).step({
      input: Int32Array.from({ length: T * B }, (_, i) => i % V),
      target: Array.from({ length: T * B }, (_, i) => (i + 1) % V),
      seqLen: T,
      batch: B,
    });
    expect(seen.map((p) => p !== 0)).toEqual([true]);
    expect(tokens.stateDict()['0.weight']).not.toEqual(before); // the embedding learned: dx reached it
    features.dispose();
    tokens.dispose();
  });

  // the Trainer's backward also writes the gate gradients over the saved gates (release.test.ts)
  const cells = [
    ['LSTM', (I: number, H: number, backend: Backend) => new LSTM(I, H, { seed: 7, backend })],
    ['GRU', (I: number, H: number, backend: Backend) => new GRU(I, H, { seed: 7, backend })],
    [
      'GRU reset-before',
      (I: number, H: number, backend: Backend) => new GRU(I, H, { seed: 7, backend, resetAfter: false }),
    ],
  ] as const;
  for (const [cell, make] of cells)
    it(`${cell}: parameter gradients equal those of the layer backward that computes dx`, async () => {
      const backend = await wasmBackend();
      const T = 5,
        B = 2,
        I = 4,
        H = 6,
        V = 3;
      const x = randomArray(T * B * I, 5);
      const inModel = make(I, H, backend);
      const model = new SequenceModel({ layers: [inModel, new Dense(H, V, { seed: 8, backend })], output: 'linear' });
      const trainer = new Trainer(model, { loss: 'mse', optimizer: { type: 'sgd', lr: 0 } });
      const target = randomArray(T * B * V, 6);
      trainer.step({ input: x, target, seqLen: T, batch: B });
      const layer = make(I, H, backend);
      const head = model.stateDict();
      const out = layer.forward(x, { seqLen: T, batch: B }).output;
      // dL/dy for mse (mean over T·B·V): 2 (y·Wᵀ + b − target) / n, through the head
      const W = head['1.weight'],
        b = head['1.bias'];
      const n = T * B * V;
      const dy = new Float32Array(T * B * H);
      for (let r = 0; r < T * B; r++) {
        for (let o = 0; o < V; o++) {
          let z = b[o];
          for (let h = 0; h < H; h++) z += out[r * H + h] * W[o * H + h];
          const g = (2 * (z - target[r * V + o])) / n;
          for (let h = 0; h < H; h++) dy[r * H + h] += g * W[o * H + h];
        }
      }
      layer.backward({ output: dy });
      const expected = layer.gradDict();
      expect(Object.keys(expected).length).toBe(4);
      for (const [k, v] of Object.entries(expected)) {
        const g = inModel.gradDict()[k];
        for (let i = 0; i < v.length; i++)
          expect(Math.abs(g[i] - v[i]), `${k}[${i}]`).toBeLessThan(1e-6 + 1e-4 * Math.abs(v[i]));
      }
      layer.dispose();
      trainer.dispose();
      model.dispose();
    });
});
