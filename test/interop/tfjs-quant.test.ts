// importTfjs on quantized weights: a saved TF.js model's manifest rewritten by hand to uint8,
// uint16 and float16 storage. The values the test expects are computed here from the
// dequantisation formula (q·scale + min; the IEEE half-precision layout), checked against TF.js's
// own decoder (tf.io.decodeWeights), then against what strand loaded and what the model computes.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { InteropError, importTfjs } from '../../src/interop/index.ts';
import { randomArray, wasmBackend } from '../helpers/backends.ts';
import { expectClose } from '../helpers/close.ts';
import {
  activate,
  ids,
  initTfjs,
  type ModelJson,
  predictTfjs,
  randomize,
  type Saved,
  save,
  swap01,
  tf,
  type WeightSpec,
} from './tfjs-models.ts';

const [T, B, V] = [4, 2, 7];
let backend: Backend;
let model: tf.LayersModel;
let saved: Saved;

beforeAll(async () => {
  await initTfjs();
  backend = await wasmBackend();
  model = tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: V, outputDim: 4, inputShape: [T] }),
      tf.layers.gru({ units: 5, returnSequences: true, recurrentActivation: 'sigmoid' }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  randomize(model, 500);
  saved = await save(model);
});

/** The float32 values of each manifest entry of `saved`. */
function entryValues(): Float32Array[] {
  const all = new Float32Array(saved.data.slice().buffer);
  let o = 0;
  return saved.json.weightsManifest[0].weights.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    o += n;
    return all.slice(o - n, o);
  });
}

/** saved's model.json with `specs` as its manifest. */
function withSpecs(specs: WeightSpec[]): ModelJson {
  return { ...structuredClone(saved.json), weightsManifest: [{ paths: ['w.bin'], weights: specs }] };
}

/** Joins byte arrays. */
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Checks that TF.js's decoder reads `expected` from (specs, data), that strand stores the
 * embedding table and the head's bias as those values (the same layout in both), and that the
 * imported model computes what TF.js's model computes with them.
 */
function checkDecoded(specs: WeightSpec[], data: Uint8Array, expected: Float32Array[]): void {
  const tfjsDecoded = tf.io.decodeWeights(data.slice().buffer, specs as tf.io.WeightsManifestEntry[]);
  specs.forEach((s, k) => expect(tfjsDecoded[s.name].dataSync(), s.name).toEqual(expected[k]));
  tf.dispose(Object.values(tfjsDecoded));
  const ours = importTfjs(withSpecs(specs), data, { backend });
  const dict = ours.stateDict();
  expect(dict['0.weight']).toEqual(expected[0]);
  expect(dict['2.bias']).toEqual(expected[expected.length - 1]);
  const restore = model.getWeights().map((w) => w.clone()); // getWeights gives the variables’ own tensors
  const ws = expected.map((v, k) => tf.tensor(v, specs[k].shape));
  model.setWeights(ws);
  const x = ids(B, T, V, 501);
  const theirs = predictTfjs(model, x, [B, T]);
  model.setWeights(restore);
  tf.dispose([...ws, ...restore]);
  const raw = ours.predict(Int32Array.from(swap01(x, B, T, 1)), { seqLen: T, batch: B });
  expectClose(swap01(activate(raw, 'softmax', 3), T, B, 3), theirs, 'strand vs TF.js, dequantized weights');
}

describe('importTfjs: quantized weights', () => {
  it('uint8 and uint16: value = q·scale + min', () => {
    const values = entryValues();
    const specs: WeightSpec[] = [];
    const parts: Uint8Array[] = [];
    const expected = values.map((v, k) => {
      const kind = k % 2 === 0 ? 'uint8' : 'uint16';
      const levels = kind === 'uint8' ? 255 : 65535;
      let [min, max] = [Math.min(...v), Math.max(...v)];
      if (max === min) max = min + 1;
      const scale = (max - min) / levels;
      const q = v.map((x) => Math.round((x - min) / scale));
      specs.push({ ...saved.json.weightsManifest[0].weights[k], quantization: { dtype: kind, scale, min } });
      const bytes = new Uint8Array(q.length * (kind === 'uint8' ? 1 : 2));
      const view = new DataView(bytes.buffer);
      q.forEach((x, i) => (kind === 'uint8' ? view.setUint8(i, x) : view.setUint16(2 * i, x, true)));
      parts.push(bytes);
      return Float32Array.from(q, (x) => x * scale + min);
    });
    checkDecoded(specs, concat(parts), expected);
  });

  it('float16: sign, 5-bit exponent (subnormals at 0), 10-bit mantissa', () => {
    const specs: WeightSpec[] = [];
    const parts: Uint8Array[] = [];
    const r = randomArray(4096, 502, 0, 1);
    let next = 0;
    const expected = saved.json.weightsManifest[0].weights.map((w) => {
      const n = w.shape.reduce((a, b) => a * b, 1);
      specs.push({ ...w, quantization: { dtype: 'float16' } });
      const bytes = new Uint8Array(2 * n);
      const view = new DataView(bytes.buffer);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const sign = r[next++] < 0.5 ? 1 : -1;
        const e = Math.floor(r[next++] * 16); // |value| < 2, subnormals included
        const m = Math.floor(r[next++] * 1024);
        view.setUint16(2 * i, (sign < 0 ? 0x8000 : 0) | (e << 10) | m, true);
        out[i] = sign * (e === 0 ? m / 1024 / 2 ** 14 : 2 ** (e - 15) * (1 + m / 1024));
      }
      parts.push(bytes);
      return out;
    });
    checkDecoded(specs, concat(parts), expected);
  });

  it('refuses non-finite halves, unknown quantizations and missing or non-finite parameters', () => {
    const n = saved.json.weightsManifest[0].weights.map((w) => w.shape.reduce((a, b) => a * b, 1));
    const total = n.reduce((a, b) => a + b, 0);
    const half = (bits: number) => {
      const data = new Uint8Array(2 * total);
      new DataView(data.buffer).setUint16(2 * (n[0] + 3), bits, true);
      const specs = saved.json.weightsManifest[0].weights.map((w) => ({ ...w, quantization: { dtype: 'float16' } }));
      return () => importTfjs(withSpecs(specs), data, { backend });
    };
    expect(half(0x3c00)).not.toThrow(); // 1.0
    for (const bits of [0x7c00, 0xfc00, 0x7e00])
      expect(half(bits)).toThrow(/not finite at byte 62.*weightsManifest\[0\]\.weights\[1\]/);
    const oneSpec = (quantization: unknown, text = false) => {
      const specs = saved.json.weightsManifest[0].weights.map((w, k) => (k === 2 ? { ...w, quantization } : w));
      const json = withSpecs(specs as WeightSpec[]);
      return () =>
        importTfjs(text ? JSON.stringify(json).replace('"min":0', '"min":1e999') : json, saved.data, { backend });
    };
    for (const [q, message] of [
      [{ dtype: 'int8', scale: 1, min: 0 }, /quantization\.dtype.*"int8"/],
      [{ dtype: 'uint8', min: 0 }, /quantization\.scale.*undefined/],
      [{ dtype: 'uint16', scale: 1, min: '0' }, /quantization\.min/],
      ['float16', /quantization\.dtype/],
    ] as const)
      expect(oneSpec(q)).toThrow(message);
    expect(oneSpec({ dtype: 'uint8', scale: 1, min: 0 }, true)).toThrow(/quantization\.min.*Infinity/);
    expect(oneSpec(null)).not.toThrow(); // null: stored as float32
    expect(oneSpec({ dtype: 'int8' })).toThrow(InteropError);
  });
});
