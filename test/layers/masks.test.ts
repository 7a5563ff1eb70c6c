// Padded batches through the public API: lengths / masks on layers, the sum merge of
// bidirectional layers, and a model with a last-step head over right-padded sequences — each
// checked against running every sequence alone, unpadded.
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, GRU, LSTM, RNN, SequenceModel, init, type RecurrentLayer } from '../../src/index.ts';
import { maxErrors, randomArray } from '../helpers/backends.ts';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

const T = 6,
  I = 3,
  H = 4;
const lengths = [6, 2, 4];
const B = lengths.length;

function slice(x: Float32Array, b: number, width: number, len: number): Float32Array {
  const out = new Float32Array(len * width);
  for (let t = 0; t < len; t++) out.set(x.subarray((t * B + b) * width, (t * B + b + 1) * width), t * width);
  return out;
}

describe('padded batches', () => {
  for (const [name, make] of [
    [
      'LSTM bidirectional, 2 layers',
      () => new LSTM({ inputSize: I, hiddenSize: H, numLayers: 2, bidirectional: true, seed: 1 }),
    ],
    [
      'GRU bidirectional, summed',
      () => new GRU({ inputSize: I, hiddenSize: H, bidirectional: true, merge: 'sum', seed: 2 }),
    ],
    ['RNN relu', () => new RNN({ inputSize: I, hiddenSize: H, nonlinearity: 'relu', seed: 3 })],
  ] as Array<[string, () => RecurrentLayer]>) {
    it(`${name}: lengths give each sequence's own outputs, final states and gradients`, () => {
      const layer = make();
      const W = layer.outputSize;
      const x = randomArray(T * B * I, 7);
      const dy = randomArray(T * B * W, 8);
      const padded = layer.forward(x, { seqLen: T, batch: B, lengths });
      layer.zeroGrad();
      const gPadded = layer.backward({ output: dy });
      const gradsPadded = layer.gradDict();
      const summed: Record<string, Float32Array> = {};
      const D = layer.directions;
      lengths.forEach((len, b) => {
        const alone = layer.forward(slice(x, b, I, len), { seqLen: len, batch: 1 });
        expect(maxErrors(alone.output, slice(padded.output, b, W, len)).abs).toBeLessThan(1e-5);
        for (let t = len; t < T; t++)
          expect(Array.from(padded.output.subarray((t * B + b) * W, (t * B + b + 1) * W)).every((v) => v === 0)).toBe(
            true,
          );
        for (let i = 0; i < layer.numLayers * D; i++) {
          expect(
            maxErrors(alone.h.subarray(i * H, (i + 1) * H), padded.h.subarray((i * B + b) * H, (i * B + b + 1) * H))
              .abs,
          ).toBeLessThan(1e-5);
        }
        layer.zeroGrad();
        const g = layer.backward({ output: slice(dy, b, W, len) });
        expect(maxErrors(g.input, slice(gPadded.input, b, I, len)).abs).toBeLessThan(1e-5);
        for (const [k, v] of Object.entries(layer.gradDict()))
          summed[k] = summed[k] ? summed[k].map((s, i) => s + v[i]) : v;
      });
      for (const [k, v] of Object.entries(gradsPadded)) expect(maxErrors(v, summed[k]).abs, k).toBeLessThan(1e-4);
      layer.dispose();
    });
  }

  it('the sum merge outputs forward + reverse', () => {
    const concat = new LSTM({ inputSize: I, hiddenSize: H, bidirectional: true, seed: 5 });
    const sum = new LSTM({ inputSize: I, hiddenSize: H, bidirectional: true, merge: 'sum', seed: 6 });
    sum.loadStateDict(concat.stateDict());
    const x = randomArray(T * B * I, 9);
    const a = concat.forward(x, { seqLen: T, batch: B }).output;
    const s = sum.forward(x, { seqLen: T, batch: B }).output;
    expect(s.length).toBe(T * B * H);
    for (let r = 0; r < T * B; r++)
      for (let j = 0; j < H; j++) expect(s[r * H + j]).toBeCloseTo(a[r * 2 * H + j] + a[r * 2 * H + H + j], 6);
    concat.dispose();
    sum.dispose();
  });

  it('a many-to-one model over right-padded sequences predicts as on each sequence alone', () => {
    const model = new SequenceModel({
      layers: [
        new GRU({ inputSize: I, hiddenSize: H, bidirectional: true, seed: 4 }),
        new Dense(2 * H, 3, { at: 'last', seed: 5 }),
      ],
      output: 'linear',
    });
    const x = randomArray(T * B * I, 10);
    const padded = model.predict(x, { seqLen: T, batch: B, lengths });
    lengths.forEach((len, b) => {
      const alone = model.predict(slice(x, b, I, len), { seqLen: len, batch: 1 });
      expect(maxErrors(alone, padded.subarray(b * 3, (b + 1) * 3)).abs).toBeLessThan(1e-5);
    });
    expect(() => model.predict(x, { seqLen: T, batch: B, lengths: [6, 7, 1] })).toThrow(
      /lengths must be integers in \[0, 6\], received 7 at index 1/,
    );
    model.dispose();
  });
});
