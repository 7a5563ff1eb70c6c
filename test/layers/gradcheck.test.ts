// Gradient checks of strand's layers and cells, on both backends, against the float64 oracle of
// test/reference (whose own backpropagation is checked against central finite differences in
// test/reference/reference.test.ts): every cell, both GRU forms, both RNN non-linearities,
// 2 layers, bidirectional, T ≥ 5, non-zero initial states, bias on and off.
import { describe, expect, it } from 'vitest';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell, type RecurrentLayer } from '../../src/index.ts';
import type { Backend } from '../../src/backend/backend.ts';
import { jsBackend, wasmBackend } from '../helpers/backends.ts';
import { expectClose as expectWithin } from '../helpers/close.ts';
import {
  analyticGrads64,
  finiteDifferenceGrad,
  forward64,
  randomParams64,
  seededUniform64,
  weightedLoss64,
  type RecurrentSpec,
  type RunSpec,
} from '../reference/recurrent64.ts';

const f32 = (a: Float64Array): Float32Array => Float32Array.from(a);

/** f32 rounding through a whole layer: rel 1e-4, abs 2e-5 of the array's scale unless stated. */
const expectClose = (a: ArrayLike<number>, e: ArrayLike<number>, what: string, rel = 1e-4, abs = 2e-5): void =>
  expectWithin(a, e, what, rel, abs);

const variants: Array<[string, RecurrentSpec]> = [
  [
    'RNN tanh, 2 layers, bidirectional',
    { cell: 'rnn', inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, bias: true, nonlinearity: 'tanh' },
  ],
  [
    'RNN relu, 2 layers',
    { cell: 'rnn', inputSize: 4, hiddenSize: 3, numLayers: 2, bidirectional: false, bias: true, nonlinearity: 'relu' },
  ],
  [
    'LSTM, 2 layers, bidirectional',
    { cell: 'lstm', inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, bias: true },
  ],
  ['LSTM without bias', { cell: 'lstm', inputSize: 7, hiddenSize: 2, numLayers: 1, bidirectional: false, bias: false }],
  [
    'GRU reset-after, 2 layers, bidirectional',
    { cell: 'gru', inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, bias: true, resetAfter: true },
  ],
  [
    'GRU reset-before, 2 layers, bidirectional',
    { cell: 'gru', inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, bias: true, resetAfter: false },
  ],
  [
    'GRU reset-before without bias',
    { cell: 'gru', inputSize: 5, hiddenSize: 3, numLayers: 1, bidirectional: false, bias: false, resetAfter: false },
  ],
];

function makeLayer(spec: RecurrentSpec, backend: Backend): RecurrentLayer {
  const common = {
    inputSize: spec.inputSize,
    hiddenSize: spec.hiddenSize,
    numLayers: spec.numLayers,
    bidirectional: spec.bidirectional,
    bias: spec.bias,
    backend,
  };
  if (spec.cell === 'lstm') return new LSTM(common);
  if (spec.cell === 'gru') return new GRU({ ...common, resetAfter: spec.resetAfter ?? true });
  return new RNN({ ...common, nonlinearity: spec.nonlinearity ?? 'tanh' });
}

for (const [backendName, make] of [
  ['wasm', wasmBackend],
  ['js', async () => jsBackend()],
] as const) {
  describe(`layer gradients on the ${backendName} backend`, () => {
    for (const [name, spec] of variants) {
      it(`${name}: outputs, states and every gradient match the float64 reference`, async () => {
        const backend = await make();
        const run: RunSpec = { ...spec, seqLen: 6, batch: 2 };
        const D = spec.bidirectional ? 2 : 1;
        const stateSize = spec.numLayers * D * run.batch * spec.hiddenSize;
        const params = randomParams64(spec, 17, { float32Exact: true });
        const x = seededUniform64(run.seqLen * run.batch * spec.inputSize, 1, -1, 1, true);
        const h0 = seededUniform64(stateSize, 2, -0.8, 0.8, true);
        const c0 = spec.cell === 'lstm' ? seededUniform64(stateSize, 3, -0.8, 0.8, true) : undefined;
        const weights = {
          output: seededUniform64(run.seqLen * run.batch * D * spec.hiddenSize, 4, -1, 1, true),
          hN: seededUniform64(stateSize, 5, -1, 1, true),
          cN: c0 ? seededUniform64(stateSize, 6, -1, 1, true) : undefined,
        };
        const ref = analyticGrads64(run, params, x, h0, c0, weights);
        const refForward = forward64(run, params, x, h0, c0);

        const layer = makeLayer(spec, backend);
        layer.loadStateDict(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, f32(v)])));
        const out = layer.forward(f32(x), { seqLen: run.seqLen, batch: run.batch, h0: f32(h0), c0: c0 && f32(c0) });
        expectClose(out.output, refForward.output, 'output', 1e-5, 2e-6);
        expectClose(out.h, refForward.hN, 'final h', 1e-5, 2e-6);
        if (c0) expectClose(out.c!, refForward.cN!, 'final c', 1e-5, 2e-6);

        layer.zeroGrad();
        const g = layer.backward({ output: f32(weights.output), h: f32(weights.hN), c: weights.cN && f32(weights.cN) });
        expectClose(g.input, ref.x, 'dL/dx');
        expectClose(g.h0, ref.h0, 'dL/dh0');
        if (c0) expectClose(g.c0!, ref.c0!, 'dL/dc0');
        const grads = layer.gradDict();
        expect(Object.keys(grads).sort()).toEqual(Object.keys(ref.params).sort());
        for (const [k, v] of Object.entries(ref.params)) expectClose(grads[k], v, `dL/d${k}`);

        // gradients accumulate across backward calls, like PyTorch's .grad
        layer.backward({ output: f32(weights.output), h: f32(weights.hN), c: weights.cN && f32(weights.cN) });
        const twice = layer.gradDict();
        for (const [k, v] of Object.entries(ref.params))
          expectClose(
            twice[k],
            v.map((e) => 2 * e),
            `2·dL/d${k}`,
          );
        layer.dispose();
      });
    }

    it('finite differences of the f32 layer itself agree with its backward (LSTM, spot checks)', async () => {
      const backend = await make();
      const spec: RecurrentSpec = {
        cell: 'lstm',
        inputSize: 3,
        hiddenSize: 4,
        numLayers: 1,
        bidirectional: false,
        bias: true,
      };
      const layer = makeLayer(spec, backend);
      const T = 5,
        B = 2;
      const x = f32(seededUniform64(T * B * 3, 8));
      const h0 = f32(seededUniform64(B * 4, 9));
      const wOut = f32(seededUniform64(T * B * 4, 10));
      const lossOf = (): number => {
        const o = layer.forward(x, { seqLen: T, batch: B, h0 }).output;
        let s = 0;
        for (let i = 0; i < o.length; i++) s += o[i] * wOut[i];
        return s;
      };
      lossOf();
      layer.zeroGrad();
      const g = layer.backward({ output: wOut });
      // f32 central differences with a large step: a coarse but independent check
      const x64 = Float64Array.from(x);
      const fd = finiteDifferenceGrad(
        () => {
          x.set(x64);
          return lossOf();
        },
        x64,
        1e-2,
      );
      x.set(x64);
      expectClose(g.input, fd, 'dL/dx by f32 finite differences', 2e-2, 2e-3);
      layer.dispose();
    });

    it('cells: one step and its backward match the float64 reference', async () => {
      const backend = await make();
      for (const cellSpec of [
        { cell: 'lstm', make: () => new LSTMCell(3, 4, { backend }) },
        { cell: 'gru', make: () => new GRUCell(3, 4, { backend, resetAfter: false }), resetAfter: false },
        { cell: 'gru', make: () => new GRUCell(3, 4, { backend }), resetAfter: true },
        { cell: 'rnn', make: () => new RNNCell(3, 4, { backend, nonlinearity: 'relu' }), nonlinearity: 'relu' },
      ] as const) {
        const spec: RunSpec = {
          cell: cellSpec.cell,
          inputSize: 3,
          hiddenSize: 4,
          numLayers: 1,
          bidirectional: false,
          bias: true,
          seqLen: 1,
          batch: 3,
          resetAfter: 'resetAfter' in cellSpec ? cellSpec.resetAfter : undefined,
          nonlinearity: 'nonlinearity' in cellSpec ? cellSpec.nonlinearity : undefined,
        };
        const params = randomParams64(spec, 23, { float32Exact: true });
        const x = seededUniform64(3 * 3, 1, -1, 1, true);
        const h0 = seededUniform64(3 * 4, 2, -1, 1, true);
        const c0 = spec.cell === 'lstm' ? seededUniform64(3 * 4, 3, -1, 1, true) : undefined;
        const wh = seededUniform64(3 * 4, 4, -1, 1, true);
        const wc = c0 ? seededUniform64(3 * 4, 5, -1, 1, true) : undefined;
        const ref = analyticGrads64(spec, params, x, h0, c0, { output: new Float64Array(12), hN: wh, cN: wc });
        const refOut = forward64(spec, params, x, h0, c0);
        expect(weightedLoss64(refOut, { output: new Float64Array(12), hN: wh, cN: wc })).toBeCloseTo(ref.loss, 10);

        const cell = cellSpec.make();
        cell.loadStateDict(Object.fromEntries(Object.entries(params).map(([k, v]) => [k.replace('_l0', ''), f32(v)])));
        const state = cell.zeroState(3);
        state.h.set(f32(h0));
        if (c0) state.c!.set(f32(c0));
        const next = cell.step(f32(x), state);
        expectClose(next.h, refOut.hN, `${cellSpec.cell} h'`, 1e-5, 2e-6);
        cell.zeroGrad();
        const g = cell.backward({ h: f32(wh), c: wc && f32(wc) });
        expectClose(g.input, ref.x, `${cellSpec.cell} dx`);
        expectClose(g.h, ref.h0, `${cellSpec.cell} dh`);
        if (c0) expectClose(g.c!, ref.c0!, `${cellSpec.cell} dc`);
        for (const [k, v] of Object.entries(ref.params))
          expectClose(cell.gradDict()[k.replace('_l0', '')], v, `${cellSpec.cell} d${k}`);
        cell.dispose();
      }
    });
  });
}
