// Parity with an independent implementation: TensorFlow.js 4.22 (cpu backend) layers given the
// same PyTorch-layout weights (converted in test/reference/tfjs-stack.ts), against the float64
// reference (test/reference/recurrent64.ts), and — in the last section — strand's own layers
// against TF.js.
//
// Which forms can be compared with TF.js: LSTM, SimpleRNN (tanh and relu), and GRU in the
// reset-BEFORE form only (resetAfter: false). TF.js 4.22's GRUCell throws on resetAfter: true (a
// test below pins that down), so the reset-after GRU is checked against the float64 reference
// only (test/reference/reference.test.ts and the layer tests).
//
// Tolerances. TF.js's cpu backend computes in float32; the reference in float64 on the very same
// (float32-representable) inputs. An element passes when
//     |tfjs − ref| ≤ 1e-5·|ref| + 2e-6·max(1, max|ref| of that array)
// i.e. 1e-5 relative, with an absolute floor of 2e-6 of the array's scale for entries near zero,
// where a relative bound means nothing in float32 (ε = 6e-8; each value here is the sum of a few
// hundred rounded products). Measured at T = 6, B = 2, H = 4, 2 bidirectional layers: outputs
// within 3.5e-7 abs, gradients within 2.3e-6 abs on arrays peaking at 15 (≤ 2.7e-7 of max(1, peak)).
import { beforeAll, describe, expect, it } from 'vitest';
import {
  analyticGrads64,
  forward64,
  numDirections,
  paramShapes,
  randomParams64,
  seededUniform64,
  type Grads64,
  type Params64,
  type RecurrentSpec,
  type RunSpec,
} from './reference/recurrent64.ts';
import { initTfjs, tf, tfjsRun, toKerasWeights } from './reference/tfjs-stack.ts';

const RTOL = 1e-5;
const ATOL_OF_SCALE = 2e-6;

/** Asserts |actual − expected| ≤ RTOL·|expected| + ATOL_OF_SCALE·max(1, max|expected|) everywhere. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  const atol = ATOL_OF_SCALE * scale;
  let worst = -Infinity;
  let worstAt = -1;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (RTOL * Math.abs(expected[i]) + atol);
    if (!(excess <= worst)) {
      worst = excess;
      worstAt = i;
    }
  }
  expect(worst, `${what}[${worstAt}]: got ${actual[worstAt]}, expected ${expected[worstAt]}`).toBeLessThanOrEqual(0);
}

/** Every gradient array of a result by name (x, h0, c0 and the parameters). */
function gradArrays(g: Grads64): Record<string, ArrayLike<number>> {
  const out: Record<string, ArrayLike<number>> = { x: g.x, h0: g.h0, ...g.params };
  if (g.c0) out.c0 = g.c0;
  return out;
}

interface Problem {
  run: RunSpec;
  params: Params64;
  x: Float64Array;
  h0?: Float64Array;
  c0?: Float64Array;
  weights: { output: Float64Array; hN: Float64Array; cN?: Float64Array };
}

/** A seeded problem whose every number is exactly representable in float32. */
function problem(spec: RecurrentSpec, seed: number, T: number, B: number, withInitialState = true): Problem {
  const run: RunSpec = { ...spec, seqLen: T, batch: B };
  const D = numDirections(spec);
  const H = spec.hiddenSize;
  const S = spec.numLayers * D * B * H;
  const f32 = true;
  return {
    run,
    params: randomParams64(spec, seed, { scale: 0.8, float32Exact: f32 }),
    x: seededUniform64(T * B * spec.inputSize, seed + 1, -1, 1, f32),
    h0: withInitialState ? seededUniform64(S, seed + 2, -0.8, 0.8, f32) : undefined,
    c0: withInitialState && spec.cell === 'lstm' ? seededUniform64(S, seed + 3, -0.8, 0.8, f32) : undefined,
    weights: {
      output: seededUniform64(T * B * D * H, seed + 4, -1, 1, f32),
      hN: seededUniform64(S, seed + 5, -1, 1, f32),
      cN: spec.cell === 'lstm' ? seededUniform64(S, seed + 6, -1, 1, f32) : undefined,
    },
  };
}

const T = 6;
const B = 2;

/** The forms TF.js can run, each once as a single layer and once stacked and bidirectional. */
const cases: Array<{ name: string; spec: RecurrentSpec; initialState: boolean }> = [];
for (const [name, base] of [
  ['LSTM', { cell: 'lstm' }],
  ['GRU (reset before)', { cell: 'gru', resetAfter: false }],
  ['SimpleRNN tanh', { cell: 'rnn', nonlinearity: 'tanh' }],
  ['SimpleRNN relu', { cell: 'rnn', nonlinearity: 'relu' }],
] as const) {
  cases.push({
    name: `${name}, 1 layer`,
    spec: { ...base, inputSize: 3, hiddenSize: 4, numLayers: 1, bidirectional: false, bias: true },
    initialState: true,
  });
  cases.push({
    name: `${name}, 2 layers bidirectional`,
    spec: { ...base, inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, bias: true },
    initialState: true,
  });
}
cases.push({
  name: 'LSTM without bias, zero initial state',
  spec: { cell: 'lstm', inputSize: 5, hiddenSize: 3, numLayers: 1, bidirectional: false, bias: false },
  initialState: false,
});
cases.push({
  name: 'GRU (reset before) without bias, 2 layers',
  spec: {
    cell: 'gru',
    resetAfter: false,
    inputSize: 2,
    hiddenSize: 5,
    numLayers: 2,
    bidirectional: false,
    bias: false,
  },
  initialState: true,
});

beforeAll(async () => {
  await initTfjs();
});

describe('TF.js parity: the float64 reference against TF.js layers', () => {
  it('runs on the cpu backend', () => {
    expect(tf.getBackend()).toBe('cpu');
  });

  it('TF.js 4.22 implements only the reset-before GRU', () => {
    // resetAfter exists at run time but not in TF.js's GRULayerArgs type.
    type GruArgs = Parameters<typeof tf.layers.gru>[0];
    expect(() => tf.layers.gru({ units: 2, resetAfter: true } as GruArgs)).toThrow(/reset_after/);
    expect(() => tf.layers.gru({ units: 2, resetAfter: false } as GruArgs)).not.toThrow();
  });

  it('converts gate blocks to Keras order (LSTM i,f,g,o = i,f,c,o; GRU r,z,n → z,r,h)', () => {
    // weight_ih (G, 1) with value = gate row index, so the kernel (1, G) shows where each row went.
    const gru: RecurrentSpec = {
      cell: 'gru',
      resetAfter: false,
      inputSize: 1,
      hiddenSize: 2,
      numLayers: 1,
      bidirectional: false,
      bias: true,
    };
    const ramp = (n: number, base = 0) => Float64Array.from({ length: n }, (_, i) => base + i);
    const gp = { weight_ih_l0: ramp(6), weight_hh_l0: ramp(12), bias_ih_l0: ramp(6), bias_hh_l0: ramp(6, 100) };
    const [kernel, recurrent, bias] = toKerasWeights(gru, gp, 0, 0);
    expect(Array.from(kernel)).toEqual([2, 3, 0, 1, 4, 5]); // z rows, r rows, n rows
    expect(Array.from(recurrent.subarray(0, 6))).toEqual([4, 6, 0, 2, 8, 10]); // column 0 of W_hh, permuted
    expect(Array.from(bias)).toEqual([104, 106, 100, 102, 108, 110]); // b_ih + b_hh, permuted
    const lstm: RecurrentSpec = {
      cell: 'lstm',
      inputSize: 1,
      hiddenSize: 1,
      numLayers: 1,
      bidirectional: false,
      bias: false,
    };
    const [lk] = toKerasWeights(lstm, { weight_ih_l0: ramp(4), weight_hh_l0: ramp(4) }, 0, 0);
    expect(Array.from(lk)).toEqual([0, 1, 2, 3]);
  });

  for (const { name, spec, initialState } of cases) {
    it(`${name}: outputs, final states and gradients`, () => {
      const p = problem(spec, 40 + cases.findIndex((c) => c.name === name) * 10, T, B, initialState);
      const ours = forward64(p.run, p.params, p.x, p.h0, p.c0);
      const grads = analyticGrads64(p.run, p.params, p.x, p.h0, p.c0, p.weights);
      const theirs = tfjsRun(p.run, p.params, p.x, p.h0, p.c0, p.weights);

      expectClose(theirs.output, ours.output, 'output');
      expectClose(theirs.hN, ours.hN, 'hN');
      if (spec.cell === 'lstm') expectClose(theirs.cN!, ours.cN!, 'cN');
      // The top layer's last forward step is also in the output; the check is not vacuous.
      expect(Math.max(...Array.from(ours.output, Math.abs))).toBeGreaterThan(0.05);

      const tg = theirs.grads!;
      expect(tg.loss).toBeCloseTo(grads.loss, 5);
      const mine = gradArrays(grads);
      const other = gradArrays(tg);
      expect(Object.keys(other).sort()).toEqual(Object.keys(mine).sort());
      expect(Object.keys(mine)).toEqual(expect.arrayContaining(['x', 'h0', ...Object.keys(paramShapes(spec))]));
      for (const key of Object.keys(mine)) {
        expect(Math.max(...Array.from(mine[key], Math.abs)), `${key} carries gradient`).toBeGreaterThan(1e-3);
        expectClose(other[key], mine[key], `d${key}`);
      }
    });
  }
});

// ================================================================================================
// strand layers vs TF.js
// ================================================================================================
// strand's LSTM / GRU / RNN layers (both backends) given the same PyTorch-layout weights as the
// TF.js stack: outputs, final states, input/state gradients and accumulated parameter gradients.
// Same tolerance rule as above (float32 against float32, with different summation orders).

import { GRU, LSTM, RNN, createBackend, init, type Backend } from '../src/index.ts';

/** A strand layer for `spec` on `backend`, loaded with `params` (as float32). */
function strandLayer(spec: RecurrentSpec, params: Params64, backend: Backend) {
  const common = {
    inputSize: spec.inputSize,
    hiddenSize: spec.hiddenSize,
    numLayers: spec.numLayers,
    bidirectional: spec.bidirectional,
    bias: spec.bias,
    seed: 1,
    backend,
  };
  const layer =
    spec.cell === 'lstm'
      ? new LSTM(common)
      : spec.cell === 'gru'
        ? new GRU({ ...common, resetAfter: spec.resetAfter ?? true })
        : new RNN({ ...common, nonlinearity: spec.nonlinearity ?? 'tanh' });
  const dict: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(params)) dict[k] = Float32Array.from(v);
  layer.loadStateDict(dict);
  return layer;
}

describe('strand layers vs TF.js', () => {
  const backends: Record<string, Backend> = {};
  beforeAll(async () => {
    backends.wasm = await init({ backend: 'wasm' });
    backends.js = await createBackend({ backend: 'js' });
  });

  for (const backendName of ['wasm', 'js']) {
    for (const { name, spec, initialState } of cases) {
      it(`${backendName}: ${name}`, () => {
        const p = problem(spec, 400 + cases.findIndex((c) => c.name === name) * 10, T, B, initialState);
        const theirs = tfjsRun(p.run, p.params, p.x, p.h0, p.c0, p.weights);
        const layer = strandLayer(spec, p.params, backends[backendName]);
        try {
          const out = layer.forward(Float32Array.from(p.x), {
            seqLen: T,
            batch: B,
            h0: p.h0 ? Float32Array.from(p.h0) : undefined,
            c0: p.c0 ? Float32Array.from(p.c0) : undefined,
          });
          expectClose(out.output, theirs.output, 'output');
          expectClose(out.h, theirs.hN, 'h');
          if (spec.cell === 'lstm') expectClose(out.c!, theirs.cN!, 'c');
          else expect(out.c).toBeUndefined();

          layer.zeroGrad();
          const g = layer.backward({
            output: Float32Array.from(p.weights.output),
            h: Float32Array.from(p.weights.hN),
            c: p.weights.cN ? Float32Array.from(p.weights.cN) : undefined,
          });
          const tg = theirs.grads!;
          expectClose(g.input, tg.x, 'dx');
          expectClose(g.h0, tg.h0, 'dh0');
          if (spec.cell === 'lstm') expectClose(g.c0!, tg.c0!, 'dc0');
          const dict = layer.gradDict();
          expect(Object.keys(dict).sort()).toEqual(Object.keys(tg.params).sort());
          for (const [key, value] of Object.entries(tg.params)) expectClose(dict[key], value, `d${key}`);
        } finally {
          layer.dispose();
        }
      });
    }
  }
});
