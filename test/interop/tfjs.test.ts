// importTfjs against TF.js itself: models built, randomised and saved in TF.js (model.save's
// model.json + weight bytes), imported, and strand's predict compared with TF.js's predict
// (Keras is batch-major (B, T, ·), strand time-major (T, B, ·); strand's softmax / sigmoid outputs
// are logits, activated here). Also: the reset-after GRU (which TF.js refuses to run) against the
// Keras equations written out below, the refusals, and other shapes of the same files.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { InteropError, importTfjs } from '../../src/interop/index.ts';
import type { SequenceModel } from '../../src/nn/model.ts';
import { jsBackend, randomArray, wasmBackend } from '../helpers/backends.ts';
import { expectClose } from '../helpers/close.ts';
import {
  ids,
  initTfjs,
  type ModelJson,
  predictTfjs,
  randomize,
  type Saved,
  save,
  strandPredict as predictAsTfjs,
  tf,
} from './tfjs-models.ts';

let backend: Backend;
beforeAll(async () => {
  await initTfjs();
  backend = await wasmBackend();
});

const T = 5;
const B = 3;

/** What a model reads: token ids below V, or F features. */
type Input = { V: number } | { F: number };

/** A batch-major input (B, T) of ids or (B, T, F) of features, and its TF.js shape. */
function inputFor(input: Input, seed: number, b = B): { x: Float32Array; shape: number[]; F: number } {
  if ('V' in input) return { x: Float32Array.from(ids(b, T, input.V, seed)), shape: [b, T], F: 1 };
  return { x: randomArray(b * T * input.F, seed, -1, 1), shape: [b, T, input.F], F: input.F };
}

/** strand's outputs as TF.js gives them (T steps). */
function strandPredict(model: SequenceModel, x: Float32Array, F: number, b = B, lengths?: number[]): Float32Array {
  return predictAsTfjs(model, x, T, b, F, lengths);
}

/** Randomises, saves, imports; checks strand's predict against TF.js's. */
async function roundTrip(
  model: tf.LayersModel,
  input: Input,
  seed: number,
): Promise<{ saved: Saved; ours: SequenceModel }> {
  randomize(model, seed);
  const saved = await save(model);
  const ours = importTfjs(JSON.stringify(saved.json), saved.data, { backend });
  const { x, shape, F } = inputFor(input, seed + 1);
  expectClose(strandPredict(ours, x, F), predictTfjs(model, x, shape), 'strand vs TF.js');
  return { saved, ours };
}

const sigmoid = { recurrentActivation: 'sigmoid' } as const;

describe('importTfjs matches TF.js', () => {
  it('Embedding → LSTM → Dense(softmax) at every step', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 7, outputDim: 4, inputShape: [T] }),
        tf.layers.lstm({ units: 5, returnSequences: true, ...sigmoid }),
        tf.layers.dense({ units: 6, activation: 'softmax' }),
      ],
    });
    const { ours } = await roundTrip(m, { V: 7 }, 10);
    expect(ours.config()).toEqual({
      output: 'softmax',
      layers: [
        { type: 'embedding', numEmbeddings: 7, embeddingDim: 4 },
        { type: 'lstm', inputSize: 4, hiddenSize: 5, numLayers: 1, bidirectional: false, bias: true, merge: 'concat' },
        { type: 'dense', inFeatures: 5, outFeatures: 6, bias: true, at: 'every' },
      ],
    });
  });

  it('Embedding → GRU (reset before, TF.js’s only form) → Dense(linear)', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 9, outputDim: 3, inputShape: [T] }),
        tf.layers.gru({ units: 4, returnSequences: true, ...sigmoid }),
        tf.layers.dense({ units: 2 }),
      ],
    });
    const { ours } = await roundTrip(m, { V: 9 }, 20);
    expect(ours.recurrent[0].config()).toMatchObject({ type: 'gru', resetAfter: false, bias: true });
    // Keras's one bias is strand's bias_ih; the recurrent bias stays zero (it sits outside r∘(…) in
    // the reset-before form, so it could be folded into either)
    expect(ours.stateDict()['1.bias_hh_l0'].every((v) => v === 0)).toBe(true);
    expect(ours.output).toBe('linear');
  });

  for (const activation of ['tanh', 'relu'] as const) {
    it(`SimpleRNN (${activation}) on features → TimeDistributed(Dense(sigmoid))`, async () => {
      const m = tf.sequential({
        layers: [
          tf.layers.simpleRNN({ units: 4, activation, returnSequences: true, inputShape: [T, 3] }),
          tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2, activation: 'sigmoid' }) }),
        ],
      });
      const { ours } = await roundTrip(m, { F: 3 }, activation === 'tanh' ? 30 : 31);
      expect(ours.recurrent[0].config()).toMatchObject({ type: 'rnn', nonlinearity: activation });
      expect(ours.output).toBe('sigmoid');
    });
  }

  it('Bidirectional LSTM (concat) → Dense(softmax): forward and backward weights, backward time alignment', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 6, outputDim: 3, inputShape: [T] }),
        tf.layers.bidirectional({
          layer: tf.layers.lstm({ units: 3, returnSequences: true, ...sigmoid }) as tf.RNN,
          mergeMode: 'concat',
        }),
        tf.layers.dense({ units: 4, activation: 'softmax' }),
      ],
    });
    const { ours } = await roundTrip(m, { V: 6 }, 40);
    expect(ours.recurrent[0].config()).toMatchObject({ bidirectional: true, merge: 'concat', hiddenSize: 3 });
    expect(ours.head.inFeatures).toBe(6);
  });

  it('Bidirectional GRU (sum), last step → Dense', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.bidirectional({
          layer: tf.layers.gru({ units: 4, ...sigmoid }) as tf.RNN,
          mergeMode: 'sum',
          inputShape: [T, 2],
        }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const { ours } = await roundTrip(m, { F: 2 }, 50);
    expect(ours.recurrent[0].config()).toMatchObject({ bidirectional: true, merge: 'sum', type: 'gru' });
    expect(ours.head.at).toBe('last');
  });

  it('Bidirectional SimpleRNN (relu, concat), last step → Dense(sigmoid)', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.bidirectional({
          layer: tf.layers.simpleRNN({ units: 3, activation: 'relu' }) as tf.RNN,
          inputShape: [T, 2],
        }),
        tf.layers.dense({ units: 2, activation: 'sigmoid' }),
      ],
    });
    await roundTrip(m, { F: 2 }, 55);
  });

  it('two stacked recurrent layers with Dropout between → separate strand layers', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 8, outputDim: 4, inputShape: [T] }),
        tf.layers.lstm({ units: 5, returnSequences: true, ...sigmoid }),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.gru({ units: 3, returnSequences: true, ...sigmoid }),
        tf.layers.dense({ units: 8, activation: 'softmax' }),
      ],
    });
    const { ours } = await roundTrip(m, { V: 8 }, 60);
    expect(ours.layers.map((l) => l.config().type)).toEqual(['embedding', 'lstm', 'gru', 'dense']);
  });

  it('LSTM with return_sequences false → Dense(sigmoid) at the last step, with and without lengths', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.lstm({ units: 4, inputShape: [null, 3], ...sigmoid }),
        tf.layers.dense({ units: 2, activation: 'sigmoid' }),
      ],
    });
    const { ours } = await roundTrip(m, { F: 3 }, 70);
    expect(ours.head.at).toBe('last');
    // lengths: each sequence's output is TF.js's on its first lengths[b] steps alone
    const { x } = inputFor({ F: 3 }, 71);
    const lengths = [T, 3, 1];
    const got = strandPredict(ours, x, 3, B, lengths);
    for (let b = 0; b < B; b++) {
      const L = lengths[b];
      const xb = x.subarray(b * T * 3, b * T * 3 + L * 3);
      expectClose(got.subarray(b * 2, b * 2 + 2), predictTfjs(m, xb, [1, L, 3]), `sequence ${b} of length ${L}`);
    }
  });

  it('a Functional model whose layers form a chain', async () => {
    const inp = tf.input({ shape: [T, 3] });
    const h = tf.layers.lstm({ units: 4, returnSequences: true, ...sigmoid }).apply(inp) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2 }).apply(h) as tf.SymbolicTensor;
    const { saved } = await roundTrip(tf.model({ inputs: inp, outputs: out }), { F: 3 }, 80);
    expect(saved.json.modelTopology.class_name).toBe('Model');
  });

  it('no biases (use_bias false) on the LSTM and the Dense head', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.lstm({ units: 4, inputShape: [T, 2], useBias: false, returnSequences: true, ...sigmoid }),
        tf.layers.dense({ units: 3, useBias: false }),
      ],
    });
    const { ours } = await roundTrip(m, { F: 2 }, 90);
    expect(Object.keys(ours.stateDict())).toEqual(['0.weight_ih_l0', '0.weight_hh_l0', '1.weight']);
  });

  it('a frozen layer: TF.js saves its weights last, the converter in layer order; both import', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 6, outputDim: 3, inputShape: [T], trainable: false }),
        tf.layers.lstm({ units: 3, returnSequences: true, ...sigmoid }),
        tf.layers.dense({ units: 6, activation: 'softmax' }),
      ],
    });
    const { saved, ours } = await roundTrip(m, { V: 6 }, 100);
    const weights = saved.json.weightsManifest[0].weights;
    expect(weights.at(-1)?.shape).toEqual([6, 3]); // TF.js's order: the frozen embedding last
    // the converter's order: layer by layer, with the Keras model_config wrapper
    const emb = saved.data.slice(saved.data.length - 6 * 3 * 4);
    const converter = {
      modelTopology: { keras_version: '2.15.0', backend: 'tensorflow', model_config: saved.json.modelTopology },
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [weights.at(-1), ...weights.slice(0, -1)] }],
    };
    const data = new Uint8Array(saved.data.length);
    data.set(emb);
    data.set(saved.data.subarray(0, saved.data.length - emb.length), emb.length);
    const again = importTfjs(converter, data, { backend });
    expect(again.stateDict()).toEqual(ours.stateDict());
  });

  it('reads the shards apart, manifest groups, parsed model.json, model artifacts, an older Sequential config, the js backend', async () => {
    const m = tf.sequential({
      layers: [tf.layers.gru({ units: 3, inputShape: [T, 2], ...sigmoid }), tf.layers.dense({ units: 2 })],
    });
    const { saved, ours } = await roundTrip(m, { F: 2 }, 110);
    const want = ours.stateDict();
    const d = saved.data;
    const shards = [d.slice(0, 7).buffer, d.subarray(7, 50), d.slice(50)];
    expect(importTfjs(saved.json, shards, { backend }).stateDict()).toEqual(want);
    const specs = saved.json.weightsManifest[0].weights;
    const groups = [
      { paths: ['a.bin'], weights: specs.slice(0, 2) },
      { paths: ['b.bin', 'c.bin'], weights: specs.slice(2) },
    ];
    expect(importTfjs({ ...saved.json, weightsManifest: groups }, d, { backend }).stateDict()).toEqual(want);
    const artifacts = { modelTopology: saved.json.modelTopology, weightSpecs: specs };
    expect(importTfjs(artifacts, d.slice().buffer, { backend }).stateDict()).toEqual(want);
    const topology = saved.json.modelTopology as { config: { layers: unknown[] } };
    const older = { ...saved.json, modelTopology: { class_name: 'Sequential', config: topology.config.layers } };
    expect(importTfjs(older, d, { backend }).stateDict()).toEqual(want);
    const js = importTfjs(saved.json, d, { backend: jsBackend() });
    const { x, F } = inputFor({ F: 2 }, 111);
    expectClose(strandPredict(js, x, F), strandPredict(ours, x, F), 'js backend vs wasm backend');
  });
});

describe('importTfjs: the reset-after GRU (bias (2, 3H)), which TF.js refuses to run', () => {
  it('matches the Keras equations, written out here in float64', () => {
    const [I, H, O] = [3, 4, 2];
    const kernel = randomArray(I * 3 * H, 1, -0.9, 0.9); // (I, 3H), column blocks z, r, h
    const rec = randomArray(H * 3 * H, 2, -0.9, 0.9); // (H, 3H)
    const bias = randomArray(2 * 3 * H, 3, -0.9, 0.9); // row 0: input bias, row 1: recurrent bias
    const dk = randomArray(H * O, 4, -0.9, 0.9);
    const db = randomArray(O, 5, -0.9, 0.9);
    const gru = {
      name: 'gru',
      units: H,
      activation: 'tanh',
      recurrent_activation: 'sigmoid',
      reset_after: true,
      return_sequences: true,
      batch_input_shape: [null, T, I],
    };
    const json = {
      modelTopology: {
        class_name: 'Sequential',
        config: {
          layers: [
            { class_name: 'GRU', config: gru },
            { class_name: 'Dense', config: { units: O } },
          ],
        },
      },
      weightsManifest: [
        {
          paths: ['w.bin'],
          weights: [
            { name: 'gru/kernel', shape: [I, 3 * H], dtype: 'float32' },
            { name: 'gru/recurrent_kernel', shape: [H, 3 * H], dtype: 'float32' },
            { name: 'gru/bias', shape: [2, 3 * H], dtype: 'float32' },
            { name: 'dense/kernel', shape: [H, O], dtype: 'float32' },
            { name: 'dense/bias', shape: [O], dtype: 'float32' },
          ],
        },
      ],
    };
    const all = Float32Array.of(...kernel, ...rec, ...bias, ...dk, ...db);
    const model = importTfjs(json, new Uint8Array(all.buffer), { backend });
    expect(model.recurrent[0].config()).toMatchObject({ type: 'gru', resetAfter: true });

    // Keras (reset_after = True): for gate block g of 3: x·K_g + b_in_g, h·R_g + b_rec_g;
    // z = σ(xz + hz), r = σ(xr + hr), hh = tanh(xh + r∘hh_rec), h' = z∘h + (1 − z)∘hh
    const x = randomArray(B * T * I, 6, -1, 1); // (B, T, I)
    const expected = new Float64Array(B * T * O);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    for (let b = 0; b < B; b++) {
      let h = new Float64Array(H);
      for (let t = 0; t < T; t++) {
        const xt = x.subarray((b * T + t) * I, (b * T + t + 1) * I);
        const proj = (g: number, j: number) => {
          let xs = bias[g * H + j];
          let hs = bias[3 * H + g * H + j];
          for (let i = 0; i < I; i++) xs += xt[i] * kernel[i * 3 * H + g * H + j];
          for (let k = 0; k < H; k++) hs += h[k] * rec[k * 3 * H + g * H + j];
          return [xs, hs];
        };
        const next = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          const [xz, hz] = proj(0, j);
          const [xr, hr] = proj(1, j);
          const [xh, hh] = proj(2, j);
          const z = sig(xz + hz);
          const r = sig(xr + hr);
          next[j] = z * h[j] + (1 - z) * Math.tanh(xh + r * hh);
        }
        h = next;
        for (let o = 0; o < O; o++) {
          let y = db[o];
          for (let j = 0; j < H; j++) y += h[j] * dk[j * O + o];
          expected[(b * T + t) * O + o] = y;
        }
      }
    }
    expectClose(strandPredict(model, x, I), expected, 'strand vs the Keras reset-after equations');
  });
});

describe('importTfjs refuses what strand would compute differently', () => {
  let base: Saved;
  beforeAll(async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 5, outputDim: 3, inputShape: [T] }),
        tf.layers.lstm({ units: 2, returnSequences: true, ...sigmoid }),
        tf.layers.dense({ units: 5, activation: 'softmax' }),
      ],
    });
    base = await save(m);
  });
  /** base's model.json with `edit` applied to a copy of its layer list. */
  const edited = (
    edit: (layers: Array<{ class_name: string; config: Record<string, unknown> }>) => void,
  ): ModelJson => {
    const json = structuredClone(base.json);
    edit(
      (json.modelTopology.config as { layers: Array<{ class_name: string; config: Record<string, unknown> }> }).layers,
    );
    return json;
  };
  const refused = (json: unknown, data: Uint8Array, message: RegExp, field?: string, options = {}): void => {
    let error: unknown;
    try {
      importTfjs(json as ModelJson, data, { backend, ...options });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InteropError);
    expect((error as InteropError).message).toMatch(message);
    if (field !== undefined) expect((error as InteropError).field).toBe(field);
  };
  const layerField = (i: number, key: string) => `modelTopology.config.layers[${i}].config.${key}`;

  it('hard_sigmoid (TF.js’s default recurrent activation), saying why', async () => {
    const m = tf.sequential({
      layers: [tf.layers.lstm({ units: 2, inputShape: [T, 2] }), tf.layers.dense({ units: 1 })],
    });
    const saved = await save(m);
    refused(saved.json, saved.data, /layer "lstm_LSTM\d+" \(LSTM\).*recurrent_activation.*found "hard_sigmoid"/);
    refused(saved.json, saved.data, /silently wrong/, layerField(0, 'recurrent_activation'));
    refused(
      edited((l) => delete l[1].config.recurrent_activation),
      base.data,
      /recurrent_activation/,
    );
  });

  it('settings strand has no equivalent for, naming the layer and the setting', () => {
    const cases: Array<[number, string, unknown]> = [
      [0, 'mask_zero', true],
      [1, 'activation', 'relu'],
      [1, 'go_backwards', true],
      [1, 'return_state', true],
      [1, 'time_major', true],
      [1, 'units', 2.5],
      [1, 'use_bias', 'yes'],
      [1, 'stateful', 1],
      [0, 'input_dim', 0],
      [2, 'activation', 'relu'],
      [2, 'units', 2 ** 24 + 1],
    ];
    for (const [i, key, value] of cases) {
      const message = /^tfjs: layer "\w+" \((Embedding|LSTM|Dense)\) \(field .+, found .+\)$/;
      refused(
        edited((l) => (l[i].config[key] = value)),
        base.data,
        message,
        layerField(i, key),
      );
    }
    refused(
      edited((l) => (l[0].config.mask_zero = true)),
      base.data,
      /lengths/,
      layerField(0, 'mask_zero'),
    );
    refused(
      edited((l) => (l[2].config.activation = 'tanh')),
      base.data,
      /activation/,
      layerField(2, 'activation'),
    );
  });

  it('unknown and masking layer classes, layer order, heads, wrappers, non-linear graphs', () => {
    const order = (i: number, cls: string) =>
      [
        new RegExp(
          `field modelTopology.config.layers\\[${i}\\]: expected a layer of \\[.+\\] in that order, found "${cls}"`,
        ),
        `modelTopology.config.layers[${i}]`,
      ] as const;
    refused(
      edited((l) => (l[1].class_name = 'Conv1D')),
      base.data,
      ...order(1, 'Conv1D'),
    );
    refused(
      edited((l) => l.splice(1, 0, { class_name: 'Masking', config: {} })),
      base.data,
      ...order(1, 'Masking'),
    );
    refused(
      edited((l) => l.push(structuredClone(l[2]))),
      base.data,
      ...order(3, 'Dense'),
    ); // after the head
    refused(
      edited((l) => l.splice(1, 1)),
      base.data,
      ...order(1, 'Dense'),
    ); // before any recurrent layer
    refused(
      edited((l) => l.unshift(structuredClone(l[0]))),
      base.data,
      ...order(1, 'Embedding'),
    );
    refused(
      edited((l) => l.splice(1, 0, { class_name: 'InputLayer', config: {} })),
      base.data,
      ...order(1, 'InputLayer'),
    );
    refused(
      edited((l) => {
        l.splice(2, 0, structuredClone(l[1]));
        l[1].config.return_sequences = false; // a second recurrent layer after the sequence ended
      }),
      base.data,
      ...order(2, 'LSTM'),
    );
    refused(
      edited((l) => l.pop()),
      base.data,
      /no Dense head/,
      'modelTopology.config.layers',
    );
    const bidi = (extra: Record<string, unknown>) =>
      edited((l) => (l[1] = { class_name: 'Bidirectional', config: { layer: l[1], merge_mode: 'concat', ...extra } }));
    refused(bidi({ merge_mode: 'mul' }), base.data, /"concat" or "sum", found "mul"/, layerField(1, 'merge_mode'));
    refused(bidi({ backward_layer: {} }), base.data, /expected none, found an object/, layerField(1, 'backward_layer'));
    refused(bidi({ layer: { class_name: 'Dense', config: {} } }), base.data, ...order(1, 'wrapped Dense'));
    const timeDistributed = edited((l) => (l[1] = { class_name: 'TimeDistributed', config: { layer: l[1] } }));
    refused(timeDistributed, base.data, ...order(1, 'wrapped LSTM'));
    const json = edited(() => {});
    json.modelTopology = { class_name: 'Model', config: { layers: [], input_layers: [], output_layers: [] } };
    refused(json, base.data, /not a linear model/, 'modelTopology.config.output_layers');
    json.modelTopology = { class_name: 'Sequential', config: { layers: Array(1025).fill({}) } };
    refused(json, base.data, /not a Layers model.*≤ 1024 layers/, 'modelTopology.config.layers');
  });

  it('a Functional model with a branch', () => {
    const inp = tf.input({ shape: [T, 2] });
    const a = tf.layers.lstm({ units: 2, returnSequences: true, ...sigmoid }).apply(inp) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 2 }).apply(inp) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2 }).apply(sum) as tf.SymbolicTensor;
    const json = { modelTopology: tf.model({ inputs: inp, outputs: out }).toJSON(null, false), weightsManifest: [] };
    refused(json, new Uint8Array(0), /not a linear model/);
  });

  it('stateful and unroll are accepted: they change how Keras runs, not what it computes', () => {
    const json = edited((l) => {
      l[1].config.stateful = true;
      l[1].config.unroll = true;
    });
    expect(importTfjs(json, base.data, { backend }).stateDict()).toEqual(
      importTfjs(base.json, base.data, { backend }).stateDict(),
    );
  });

  it('weights that do not fit: count, shape, bytes, dtype, values, limits', () => {
    const manifest = (edit: (w: Array<Record<string, unknown>>) => void) => {
      const json = structuredClone(base.json);
      edit(json.weightsManifest[0].weights as unknown as Array<Record<string, unknown>>);
      return json;
    };
    refused(
      manifest((w) => w.pop()),
      base.data,
      /6 weights.*found 5/,
      'weightsManifest',
    );
    refused(
      manifest((w) => (w[1].shape = [2, 3])),
      base.data,
      /wrong shape.*expected \[3,8\] \(layer 1\), found "\[2,3\]"/,
    );
    refused(
      manifest((w) => (w[1].shape = 'big')),
      base.data,
      /wrong shape/,
      'weightsManifest[0].weights[1].shape',
    );
    refused(
      manifest((w) => (w[0].dtype = 'int32')),
      base.data,
      /float32/,
      'weightsManifest[0].weights[0].dtype',
    );
    refused(base.json, base.data.subarray(1), /declares/, 'weights');
    refused(base.json, [base.data, new Uint8Array(1)] as unknown as Uint8Array, /declares/);
    refused(base.json, 'bytes' as unknown as Uint8Array, /not bytes/);
    const nan = base.data.slice();
    new DataView(nan.buffer).setFloat32(8, Number.NaN, true);
    refused(base.json, nan, /not finite at byte 8.*found NaN/, 'weightsManifest[0].weights[0]');
    refused(base.json, base.data, /maxParameters/, 'modelTopology', { maxParameters: 50 });
    refused(base.json, base.data, /maxBytes/, 'weightsManifest', { maxBytes: 100 });
    refused('{"modelTopology": ', base.data, /not a JSON object.*found "Unexpected end/, 'model.json');
    refused({}, base.data, /not a Layers model/);
  });
});
