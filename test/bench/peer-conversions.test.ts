// The benchmark's peer conversions (bench/peers/): strand's PyTorch-layout weights turned into an
// ONNX LSTM model (hand-written protobuf), brain.js GRU / RNN matrices and a Keras dense kernel
// must compute what the independent float64 reference (test/reference/recurrent64.ts) computes
// with the same weights. Also: the equality checks refuse results that differ.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { createRequire } from 'node:module';
import { brainGruLayer, brainRnnLayer, kerasDenseWeights, onnxLstmWeights } from '../../bench/peers/convert.ts';
import { checkLoss, checkOutputs } from '../../bench/peers/measure.ts';
import { lstmOnnxModel, ProtoWriter } from '../../bench/peers/onnx.ts';
import { forward64, randomParams64, seededUniform64, type RunSpec } from '../reference/recurrent64.ts';
import { initTfjs, tf } from '../reference/tfjs-stack.ts';

/** Float32 copies of a float64 parameter record (a strand state dict). */
function toStateDict(params: Record<string, Float64Array>): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Float32Array.from(v)]));
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('ProtoWriter', () => {
  it('encodes varints, strings and nested messages with protobuf wire format', () => {
    // the protobuf documentation's examples: field 1 = 150 → 08 96 01; field 2 = "testing"
    expect([...new ProtoWriter().varint(1, 150).finish()]).toEqual([0x08, 0x96, 0x01]);
    expect([...new ProtoWriter().string(2, 'testing').finish()]).toEqual([
      0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67,
    ]);
    expect([...new ProtoWriter().message(3, new ProtoWriter().varint(1, 150)).finish()]).toEqual([
      0x1a, 0x03, 0x08, 0x96, 0x01,
    ]);
    expect([...new ProtoWriter().varint(1, 2 ** 35).finish()]).toEqual([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(() => new ProtoWriter().varint(1, -1)).toThrow(RangeError);
  });
});

describe('ONNX LSTM from PyTorch-layout weights', () => {
  it('onnxruntime-web runs the generated model and matches the float64 reference', async () => {
    const spec: RunSpec = {
      cell: 'lstm',
      inputSize: 3,
      hiddenSize: 5,
      numLayers: 1,
      bidirectional: false,
      bias: true,
      seqLen: 4,
      batch: 2,
    };
    const params = randomParams64(spec, 11, { scale: 0.8, float32Exact: true });
    const x = seededUniform64(4 * 2 * 3, 12, -1, 1, true);
    const expected = forward64(spec, params, x).output;
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(
      lstmOnnxModel({ T: 4, B: 2, I: 3, H: 5 }, onnxLstmWeights(toStateDict(params), 3, 5)),
    );
    try {
      const { Y } = await session.run({ X: new ort.Tensor('float32', Float32Array.from(x), [4, 2, 3]) });
      expect(Y.dims).toEqual([4, 1, 2, 5]);
      expect(maxDiff(Y.data as Float32Array, expected)).toBeLessThan(1e-5);
    } finally {
      await session.release();
    }
  });
});

interface BrainNet {
  initialize(): void;
  model: {
    input: { weights: Float32Array };
    hiddenLayers: Array<Record<string, { weights: Float32Array }>>;
    equationConnections: Array<Array<{ weights: Float32Array }>>;
  };
  trainInput(input: number[]): number;
}
const brain = createRequire(import.meta.url)('brain.js') as {
  recurrent: Record<'GRU' | 'RNN', new (o: object) => BrainNet>;
};

/**
 * Runs a brain.js net on token values (n tokens → n + 1 steps, start token 0 first) with the
 * given embedding and hidden-layer matrices; returns its hidden states, (steps, H).
 */
function brainHidden(
  kind: 'GRU' | 'RNN',
  I: number,
  H: number,
  rows: number,
  embedding: Float32Array,
  layer: Record<string, Float32Array>,
  values: number[],
): Float64Array {
  const net = new brain.recurrent[kind]({
    inputSize: I,
    inputRange: rows - 1,
    hiddenLayers: [H],
    outputSize: rows - 1,
  });
  net.initialize();
  net.model.input.weights.set(embedding);
  for (const [name, v] of Object.entries(layer)) {
    expect(net.model.hiddenLayers[0][name].weights.length).toBe(v.length);
    net.model.hiddenLayers[0][name].weights.set(v);
  }
  net.trainInput(values);
  const out = new Float64Array((values.length + 1) * H);
  for (let t = 0; t <= values.length; t++) out.set(net.model.equationConnections[t][0].weights, t * H);
  return out;
}

describe('brain.js matrices from PyTorch-layout weights', () => {
  const I = 4;
  const H = 6;
  const rows = 5;
  const values = [2, 0, 3, 1, 3];
  const embedding = Float32Array.from(seededUniform64(rows * I, 21, -1, 1, true));
  // strand's view of the same steps: x_t = embedding row of source token s_t (s_0 = 0, then value + 1)
  const sources = [0, ...values.map((v) => v + 1)];
  const x = new Float64Array(sources.length * I);
  sources.forEach((s, t) => x.set(embedding.subarray(s * I, (s + 1) * I), t * I));

  it('GRU (reset-before) matches the float64 reference with resetAfter = false', () => {
    const spec: RunSpec = {
      cell: 'gru',
      inputSize: I,
      hiddenSize: H,
      numLayers: 1,
      bidirectional: false,
      bias: true,
      resetAfter: false,
      seqLen: sources.length,
      batch: 1,
    };
    const params = randomParams64(spec, 22, { scale: 0.9, float32Exact: true });
    const got = brainHidden('GRU', I, H, rows, embedding, brainGruLayer(toStateDict(params), I, H), values);
    expect(maxDiff(got, forward64(spec, params, x).output)).toBeLessThan(1e-5);
    // the reset-after form is a different function: the check must be able to tell them apart
    expect(maxDiff(got, forward64({ ...spec, resetAfter: true }, params, x).output)).toBeGreaterThan(1e-3);
  });

  it('RNN (relu) matches the float64 reference with nonlinearity relu', () => {
    const spec: RunSpec = {
      cell: 'rnn',
      inputSize: I,
      hiddenSize: H,
      numLayers: 1,
      bidirectional: false,
      bias: true,
      nonlinearity: 'relu',
      seqLen: sources.length,
      batch: 1,
    };
    const params = randomParams64(spec, 23, { scale: 0.9, float32Exact: true });
    const got = brainHidden('RNN', I, H, rows, embedding, brainRnnLayer(toStateDict(params)), values);
    expect(maxDiff(got, forward64(spec, params, x).output)).toBeLessThan(1e-5);
  });
});

describe('Keras dense kernel from a PyTorch-layout Linear', () => {
  it('tf.layers.dense with the converted weights computes x·Wᵀ + b', async () => {
    await initTfjs();
    const inF = 3;
    const outF = 4;
    const weight = Float32Array.from(seededUniform64(outF * inF, 31, -1, 1, true));
    const bias = Float32Array.from(seededUniform64(outF, 32, -1, 1, true));
    const x = Float32Array.from(seededUniform64(2 * inF, 33, -1, 1, true));
    const [kernel, kBias] = kerasDenseWeights({ weight, bias }, inF, outF);
    const layer = tf.layers.dense({ units: outF });
    const got = tf.tidy(() => {
      layer.apply(tf.zeros([1, inF]));
      layer.setWeights([tf.tensor(kernel, [inF, outF]), tf.tensor(kBias, [outF])]);
      return (layer.apply(tf.tensor(x, [2, inF])) as tf.Tensor).dataSync();
    });
    layer.dispose();
    const expected = new Float64Array(2 * outF);
    for (let r = 0; r < 2; r++) {
      for (let o = 0; o < outF; o++) {
        let s = bias[o];
        for (let i = 0; i < inF; i++) s += x[r * inF + i] * weight[o * inF + i];
        expected[r * outF + o] = s;
      }
    }
    expect(maxDiff(got, expected)).toBeLessThan(1e-6);
  });
});

describe('equality checks', () => {
  it('refuse outputs or losses that differ from strand', () => {
    expect(checkOutputs('peer', 'W1', [0.5, 0.25], [0.5, 0.25 + 5e-5])).toMatch(/max \|Δ\|/);
    expect(() => checkOutputs('peer', 'W1', [0.5, 0.25], [0.5, 0.26])).toThrow(/not the same function/);
    expect(() => checkOutputs('peer', 'W1', [0.5], [0.5, 0.25])).toThrow(/not the same function/);
    expect(() => checkOutputs('peer', 'W1', [Number.NaN], [0.5])).toThrow(/not the same function/);
    expect(checkLoss('peer', 'W3', 4.17421, 4.1742)).toMatch(/loss/);
    expect(() => checkLoss('peer', 'W3', 4.18, 4.17)).toThrow(/not the same function/);
    expect(() => checkLoss('peer', 'W3', Number.NaN, 4.17)).toThrow(/not the same function/);
  });
});
