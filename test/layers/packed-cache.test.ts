// The packed-weight cache of the recurrent layers (src/nn/recurrent.ts, PACKED_CACHE_MAX_ROWS) and
// Dense's kept Wᵀ (src/nn/dense.ts):
// small forward calls keep their packed weight panels between calls while the parameters are
// unchanged, and pack again after anything that may change them (loadStateDict, an optimizer
// step, a gradient check's perturbations). Checked on the wasm backend, whose kernels pack:
// - the cache is really used (a kernel spy sees prepacked = 1 on repeated calls, 0 after a change);
// - cached results equal uncached ones bit for bit, and the pure-TS backend's within f32 tolerance;
// - after each kind of parameter change the output equals a fresh layer's with the new weights.
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { Dense, GRU, LSTM, RNN, SequenceModel, Trainer, gradcheck, type RecurrentLayer } from '../../src/index.ts';
import { jsBackend, randomArray, wasmBackend } from '../helpers/backends.ts';
import { expectClose } from '../helpers/close.ts';

type Fn = (...a: number[]) => void;
const KERNELS = ['lstm_forward', 'gru_forward', 'rnn_forward'] as const;
/** prepacked is the last argument of each sequence forward kernel. */
const PREPACKED_ARG: Record<(typeof KERNELS)[number], number> = { lstm_forward: 20, gru_forward: 20, rnn_forward: 18 };

/**
 * A copy of a wasm backend whose sequence forward kernels record their prepacked argument in
 * `seen`, and whose dense_forward records its transposed argument in `dense`.
 */
async function spiedBackend(): Promise<{ backend: Backend; seen: number[]; dense: number[] }> {
  const real = await wasmBackend();
  const backend = { ...real, kernels: { ...real.kernels } } as Backend;
  const seen: number[] = [];
  const dense: number[] = [];
  const kernels = backend.kernels as unknown as Record<string, Fn>;
  const spy = (name: string, arg: number, into: number[]): void => {
    const fn = kernels[name];
    kernels[name] = (...args: number[]) => {
      into.push(args[arg] ?? 0);
      fn(...args);
    };
  };
  for (const name of KERNELS) spy(name, PREPACKED_ARG[name], seen);
  spy('dense_forward', 10, dense);
  return { backend, seen, dense };
}

const VARIANTS: Array<[string, (backend: Backend) => RecurrentLayer]> = [
  ['LSTM', (backend) => new LSTM(5, 12, { seed: 1, backend })],
  ['GRU reset-after', (backend) => new GRU(5, 12, { seed: 2, backend })],
  ['GRU reset-before', (backend) => new GRU(5, 12, { seed: 3, backend, resetAfter: false })],
  ['RNN relu', (backend) => new RNN(5, 12, { seed: 4, backend, nonlinearity: 'relu' })],
  [
    'LSTM, 2 layers, bidirectional',
    (backend) => new LSTM(5, 12, { seed: 5, backend, numLayers: 2, bidirectional: true }),
  ],
  [
    'GRU, 2 layers, bidirectional',
    (backend) => new GRU(5, 12, { seed: 6, backend, numLayers: 2, bidirectional: true }),
  ],
];

describe('packed-weight cache', () => {
  it.each(VARIANTS)('%s: streaming steps reuse the packing, and equal the pure-TS backend', async (_, make) => {
    const { backend, seen } = await spiedBackend();
    const layer = make(backend);
    const reference = make(jsBackend());
    const B = 2,
      L = layer.numLayers * layer.directions;
    let state: { h: Float32Array; c: Float32Array } = {
      h: new Float32Array(L * B * 12),
      c: new Float32Array(L * B * 12),
    };
    let stateRef = { h: state.h, c: state.c };
    for (let t = 0; t < 6; t++) {
      const x = randomArray(B * 5, 10 + t);
      const out = layer.forward(x, {
        seqLen: 1,
        batch: B,
        h0: state.h,
        c0: layer.cell === 'lstm' ? state.c : undefined,
      });
      const ref = reference.forward(x, {
        seqLen: 1,
        batch: B,
        h0: stateRef.h,
        c0: layer.cell === 'lstm' ? stateRef.c : undefined,
      });
      expectClose(out.output, ref.output, `step ${t}`, 1e-5, 1e-6);
      state = { h: out.h, c: out.c ?? state.c };
      stateRef = { h: ref.h, c: ref.c ?? stateRef.c };
    }
    // one kernel call per layer and direction per step: packed on the first step only
    expect(seen).toEqual([...new Array(L).fill(0), ...new Array(5 * L).fill(1)]);
    layer.dispose();
  });

  it.each(VARIANTS)(
    '%s: a cached call equals an uncached one bit for bit, and loadStateDict repacks',
    async (_, make) => {
      const { backend, seen } = await spiedBackend();
      const layer = make(backend);
      const x = randomArray(3 * 2 * 5, 7);
      const first = layer.forward(x, { seqLen: 3, batch: 2 }).output; // packs
      const again = layer.forward(x, { seqLen: 3, batch: 2 }).output; // cached
      expect(Array.from(again)).toEqual(Array.from(first));
      expect(seen.slice(-layer.numLayers * layer.directions)).not.toContain(0);
      // new weights: the next call must pack them, and match a fresh layer holding them
      const other = make(backend);
      const fresh = other.stateDict();
      for (const v of Object.values(fresh)) for (let i = 0; i < v.length; i++) v[i] = Math.fround(v[i] * -0.7 + 0.01);
      other.loadStateDict(fresh);
      layer.loadStateDict(fresh);
      seen.length = 0;
      const after = layer.forward(x, { seqLen: 3, batch: 2 }).output;
      expect(seen.every((p) => p === 0)).toBe(true);
      expect(Array.from(after)).toEqual(Array.from(other.forward(x, { seqLen: 3, batch: 2 }).output));
      expect(Array.from(after)).not.toEqual(Array.from(first));
      // another batch size (the GRU's cache grows with B and repacks; the others' does not): the
      // same numbers as the fresh layer
      const wide = randomArray(2 * 9 * 5, 8);
      const w1 = layer.forward(wide, { seqLen: 2, batch: 9 }).output;
      expect(Array.from(w1)).toEqual(Array.from(other.forward(wide, { seqLen: 2, batch: 9 }).output));
      // and a smaller one after it (a GRU's later regions move back): still the fresh layer's numbers
      const narrow = randomArray(4 * 5, 9);
      expect(Array.from(layer.forward(narrow, { seqLen: 4, batch: 1 }).output)).toEqual(
        Array.from(other.forward(narrow, { seqLen: 4, batch: 1 }).output),
      );
      layer.dispose();
      other.dispose();
    },
  );

  it("an optimizer step invalidates the packing and Dense's Wᵀ: the trained model equals a fresh one with its weights", async () => {
    const { backend, seen, dense } = await spiedBackend();
    const make = () =>
      new SequenceModel({
        layers: [new LSTM(4, 10, { seed: 1, backend }), new Dense(10, 3, { seed: 2, backend })],
        output: 'softmax',
      });
    const model = make();
    const trainer = new Trainer(model, { optimizer: { type: 'adam', lr: 0.05 } });
    const input = randomArray(4 * 2 * 4, 3);
    const target = Int32Array.from({ length: 8 }, (_, i) => i % 3);
    const probe = randomArray(4, 9);
    const before = model.predict(probe, { seqLen: 1, batch: 1 }); // fills both caches
    expect(Array.from(model.predict(probe, { seqLen: 1, batch: 1 }))).toEqual(Array.from(before));
    expect([seen, dense]).toEqual([
      [0, 1],
      [0, 1],
    ]); // the second call reused them
    for (let s = 0; s < 3; s++) trainer.step({ input, target, seqLen: 4, batch: 2 });
    seen.length = 0;
    dense.length = 0;
    const after = model.predict(probe, { seqLen: 1, batch: 1 });
    expect([seen, dense]).toEqual([[0], [0]]);
    const copy = make();
    copy.loadStateDict(model.stateDict());
    expect(Array.from(after)).toEqual(Array.from(copy.predict(probe, { seqLen: 1, batch: 1 })));
    expect(Array.from(after)).not.toEqual(Array.from(before));
    trainer.dispose();
    model.dispose();
    copy.dispose();
  });

  it('gradcheck perturbs the weights in place and still agrees with finite differences', async () => {
    const backend = await wasmBackend();
    const model = new SequenceModel({
      layers: [new GRU(3, 6, { seed: 4, backend }), new Dense(6, 4, { seed: 5, backend })],
      output: 'softmax',
    });
    const T = 3,
      B = 1; // T·B within the cache: every evaluation of the loss takes the cached path
    const report = gradcheck(model, {
      input: randomArray(T * B * 3, 2),
      target: Int32Array.from([0, 3, 1]),
      seqLen: T,
      batch: B,
    });
    expect(report.passed, report.summary).toBe(true);
    model.dispose();
  });
});
