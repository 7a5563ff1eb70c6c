// A whole stacked, bidirectional SequenceModel (embedding → LSTM ×2 bidirectional → dropout →
// GRU → dense, and a feature-input model with a last-step head) checked by finite differences
// under each loss, on both backends.
import { describe, expect, it } from 'vitest';
import { Dense, Dropout, Embedding, GRU, LSTM, RNN, SequenceModel, type Backend } from '../../src/index.ts';
import { jsBackend, randomArray, wasmBackend } from '../helpers/backends.ts';

function check(
  model: SequenceModel,
  input: ArrayLike<number>,
  T: number,
  B: number,
  loss: 'ce' | 'bce' | 'mse',
  target: ArrayLike<number>,
): void {
  const heap = model.backend.heap;
  const k = model.backend.kernels;
  const O = model.outputSize;
  const rows = model.outputRows(T, B);
  const n = loss === 'ce' ? rows : rows * O;
  const targetPtr = heap.allocF32(n);
  if (loss === 'ce') new Int32Array(heap.all().buffer, targetPtr, n).set(target);
  else heap.write(targetPtr, target);
  const d = heap.allocF32(rows * O);
  const value = (withGrad: boolean): number => {
    const prepared = model.prepare({ input, target, seqLen: T, batch: B }, 'test');
    const out = prepared.forward();
    const g = withGrad ? d : 0;
    const v =
      loss === 'ce'
        ? k.softmax_xent(rows, O, out, O, targetPtr, 0, 1, g, O)
        : loss === 'bce'
          ? k.sigmoid_bce(rows * O, out, targetPtr, 0, 1, g)
          : k.mse(rows * O, out, targetPtr, 0, 1, g);
    if (withGrad) prepared.backward(d);
    return v;
  };
  model.zeroGrad();
  value(true);
  let checked = 0;
  for (const set of model.parameterSets()) {
    const grads = set.gradDict();
    for (const [name, values] of Object.entries(set.stateDict())) {
      for (const i of [1, Math.floor(values.length / 3), values.length - 2]) {
        const orig = values[i];
        const at = (v: number) => {
          values[i] = v;
          set.loadStateDict({ [name]: values }, false);
          return value(false);
        };
        const fd = (at(orig + 5e-3) - at(orig - 5e-3)) / 1e-2;
        at(orig);
        expect(
          Math.abs(grads[name][i] - fd),
          `${loss} ${name}[${i}]: analytic ${grads[name][i]} vs finite difference ${fd}`,
        ).toBeLessThan(3e-3 + 3e-2 * Math.abs(fd));
        checked++;
      }
    }
  }
  expect(checked).toBeGreaterThan(20);
  heap.release(targetPtr);
  heap.release(d);
}

for (const [name, make] of [
  ['wasm', wasmBackend],
  ['js', async () => jsBackend()],
] as const) {
  describe(`whole-model gradients on the ${name} backend`, () => {
    it('token model: embedding, stacked bidirectional LSTM, GRU, dense at every step, cross-entropy', async () => {
      const backend: Backend = await make();
      const model = new SequenceModel({
        layers: [
          new Embedding(7, 5, { seed: 1, backend }),
          new LSTM({ inputSize: 5, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 2, backend }),
          new Dropout(0), // p = 0: identity, exercises the plumbing deterministically
          new GRU({ inputSize: 8, hiddenSize: 3, resetAfter: false, seed: 3, backend }),
          new Dense(3, 7, { seed: 4, backend }),
        ],
      });
      const T = 5,
        B = 2;
      const ids = Int32Array.from(randomArray(T * B, 5, 0, 7), Math.floor);
      const target = Int32Array.from(randomArray(T * B, 6, 0, 7), Math.floor);
      check(model, ids, T, B, 'ce', target);
      model.dispose();
    });

    it('feature model: RNN (relu) → bidirectional GRU, dense at the last step, MSE and sigmoid BCE', async () => {
      const backend: Backend = await make();
      for (const loss of ['mse', 'bce'] as const) {
        const model = new SequenceModel({
          layers: [
            new RNN({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu', seed: 7, backend }),
            new GRU({ inputSize: 4, hiddenSize: 3, bidirectional: true, seed: 8, backend }),
            new Dense(6, 2, { at: 'last', seed: 9, backend }),
          ],
          output: loss === 'mse' ? 'linear' : 'sigmoid',
        });
        const T = 6,
          B = 3;
        const x = randomArray(T * B * 3, 10);
        const target =
          loss === 'mse'
            ? randomArray(B * 2, 11)
            : Float32Array.from(randomArray(B * 2, 12, 0, 1), (u) => (u > 0.5 ? 1 : 0));
        check(model, x, T, B, loss, target);
        model.dispose();
      }
    });
  });
}
