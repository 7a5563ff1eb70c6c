// Fuzzing importTfjs with seeded damage to three saved TF.js models: model.json mutations (fields
// deleted, values replaced by other types and absurd values, absurd weight shapes), weight bytes
// cut short, padded, split into shards or flipped, model.json text cut at every length or with
// characters replaced. Every outcome must be an InteropError or a model that computes what the
// damaged files describe: TF.js's own predict on the same files when TF.js can load them, else
// the undamaged model's (the damage was to something neither reads: a name, an initializer).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { InteropError, importTfjs } from '../../src/interop/index.ts';
import type { SequenceModel } from '../../src/nn/model.ts';
import { Rng } from '../../src/util/rng.ts';
import { jsBackend, randomArray } from '../helpers/backends.ts';
import { expectClose } from '../helpers/close.ts';
import {
  ids,
  initTfjs,
  loadInTfjs,
  type ModelJson,
  predictTfjs,
  randomize,
  type Saved,
  save,
  strandPredict,
  tf,
} from './tfjs-models.ts';

const [T, B] = [4, 2];

interface Base {
  name: string;
  saved: Saved;
  x: Float32Array;
  shape: number[];
  F: number;
  expected: Float32Array;
}

let backend: Backend;
const bases: Base[] = [];

beforeAll(async () => {
  await initTfjs();
  // The pure-TypeScript backend: a flipped exponent bit makes a weight as large as 1e37, and the
  // wasm kernels' σ and tanh clamp their argument to ±40 (σ(−40) = 4e-18, not 0), a residue such a
  // weight amplifies into a different output; the importer under test is the same on both.
  backend = jsBackend();
  const sigmoid = { recurrentActivation: 'sigmoid' } as const;
  const inp = tf.input({ shape: [T, 2] });
  const h = tf.layers.simpleRNN({ units: 3, activation: 'relu', returnSequences: true }).apply(inp);
  const models: Array<[string, tf.LayersModel, number]> = [
    [
      'frozen Embedding → LSTM → Dropout → Dense(softmax)',
      tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: 6, outputDim: 3, inputShape: [T], trainable: false }),
          tf.layers.lstm({ units: 3, returnSequences: true, ...sigmoid }),
          tf.layers.dropout({ rate: 0.3 }),
          tf.layers.dense({ units: 4, activation: 'softmax' }),
        ],
      }),
      6,
    ],
    [
      'Bidirectional(GRU, sum) → Dense(sigmoid) at the last step',
      tf.sequential({
        layers: [
          tf.layers.bidirectional({
            layer: tf.layers.gru({ units: 3, ...sigmoid }) as tf.RNN,
            mergeMode: 'sum',
            inputShape: [T, 2],
          }),
          tf.layers.dense({ units: 2, activation: 'sigmoid' }),
        ],
      }),
      0,
    ],
    [
      'Functional Input → SimpleRNN(relu) → Dense',
      tf.model({ inputs: inp, outputs: tf.layers.dense({ units: 2 }).apply(h) as tf.SymbolicTensor }),
      0,
    ],
  ];
  for (const [i, [name, model, V]] of models.entries()) {
    randomize(model, 900 + i);
    const x = V ? Float32Array.from(ids(B, T, V, 910 + i)) : randomArray(B * T * 2, 910 + i, -1, 1);
    const shape = V ? [B, T] : [B, T, 2];
    bases.push({ name, saved: await save(model), x, shape, F: V ? 1 : 2, expected: predictTfjs(model, x, shape) });
  }
});

/** How the outcomes split. */
const counts = { refused: 0, asTfjs: 0, asUndamaged: 0 };

/**
 * Imports damaged files and judges the outcome (see the file's comment). A refusal must be an
 * InteropError; anything else thrown fails the test with `what`.
 */
async function judge(base: Base, json: unknown, data: Uint8Array | Uint8Array[], what: string): Promise<string> {
  let ours: SequenceModel;
  try {
    ours = importTfjs(json as object, data, { backend });
  } catch (e) {
    if (!(e instanceof InteropError)) throw new Error(`${what}: not an InteropError: ${String(e)}`, { cause: e });
    counts.refused++;
    return 'refused';
  }
  try {
    const got = strandPredict(ours, base.x, T, B, base.F);
    let reference: Float32Array | undefined;
    try {
      const parsed = (typeof json === 'string' ? JSON.parse(json) : json) as ModelJson;
      const bytes = Array.isArray(data) ? Uint8Array.from(data.flatMap((d) => [...d])) : data;
      const model = await loadInTfjs(parsed, bytes);
      try {
        reference = predictTfjs(model, base.x, base.shape);
      } finally {
        model.dispose();
      }
    } catch {
      reference = undefined; // TF.js cannot load or run these files
    }
    if (reference) counts.asTfjs++;
    else counts.asUndamaged++;
    // a flipped exponent bit can make a weight huge: outputs that overflow to the same ±Infinity
    // in both agree (and must not fail the comparison through Infinity − Infinity)
    const want = reference ?? base.expected;
    const same = (i: number) => Object.is(got[i], want[i]);
    expectClose(
      got.map((v, i) => (same(i) ? 0 : v)),
      want.map((v, i) => (same(i) ? 0 : v)),
      `${what}: accepted, compared with ${reference ? 'TF.js' : 'the undamaged model'}`,
    );
    return reference ? 'as TF.js' : 'as undamaged';
  } finally {
    ours.dispose();
  }
}

/** Other values a field may be given: other types, other settings, absurd sizes. */
const POOL: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1,
  3,
  2.5,
  1e9,
  2 ** 31,
  -(2 ** 53),
  '',
  'x',
  'tanh',
  'relu',
  'sigmoid',
  'hard_sigmoid',
  'linear',
  'softmax',
  'sum',
  'mul',
  'concat',
  'float32',
  'float16',
  'uint8',
  'int32',
  'LSTM',
  'Dense',
  [],
  [0],
  [-1, 3],
  [null, 4, 2],
  {},
  { dtype: 'uint8', scale: 0.01, min: -1 },
  { dtype: 'float16' },
];
/** Absurd weight shapes. */
const SHAPES: unknown[] = [
  [2 ** 31, 2 ** 31],
  [2 ** 53, 1],
  [0],
  [],
  [1e300],
  [-1, 12],
  [3.5],
  [1, 1, 1],
  [Number.NaN],
  '3,12',
  [3, 12, 1],
  [12, 3],
];

type Path = Array<string | number>;

/** Every field and array element of a JSON value, as paths. */
function paths(x: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (x !== null && typeof x === 'object')
    for (const k of Object.keys(x)) {
      const p = [...prefix, Array.isArray(x) ? Number(k) : k];
      out.push(p);
      paths((x as Record<string, unknown>)[k], p, out);
    }
  return out;
}

/** One seeded mutation of `json` in place; returns what it did. */
function mutate(json: ModelJson, rng: Rng): string {
  const op = rng.int(3);
  if (op === 2) {
    const specs = json.weightsManifest?.[0]?.weights;
    if (Array.isArray(specs) && specs.length > 0) {
      const k = rng.int(specs.length);
      const shape = structuredClone(SHAPES[rng.int(SHAPES.length)]);
      if (specs[k] && typeof specs[k] === 'object') (specs[k] as { shape: unknown }).shape = shape;
      return `weights[${k}].shape = ${JSON.stringify(shape)}`;
    }
  }
  const all = paths(json);
  const p = all[rng.int(all.length)];
  let parent: unknown = json;
  for (const k of p.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[k];
  const key = p[p.length - 1];
  if (op === 0) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete (parent as Record<string, unknown>)[key];
    return `delete ${p.join('.')}`;
  }
  const value = structuredClone(POOL[rng.int(POOL.length)]);
  (parent as Record<string | number, unknown>)[key] = value;
  return `${p.join('.')} = ${JSON.stringify(value)}`;
}

/** One seeded change of the weight bytes: cut, padded or split into shards (which changes nothing). */
function damageData(data: Uint8Array, rng: Rng): [Uint8Array | Uint8Array[], string] {
  const op = rng.int(3);
  if (op === 0) {
    const n = rng.int(data.length);
    return [data.slice(0, n), `cut to ${n} bytes`];
  }
  if (op === 1) {
    const n = 1 + rng.int(8);
    const out = new Uint8Array(data.length + n);
    out.set(data);
    return [out, `padded by ${n} bytes`];
  }
  const cuts = [rng.int(data.length), rng.int(data.length)].sort((a, b) => a - b);
  return [[data.slice(0, cuts[0]), data.slice(cuts[0], cuts[1]), data.slice(cuts[1])], `split at ${cuts}`];
}

describe('importTfjs fuzz', () => {
  it('1200 seeded model.json mutations and shard changes: an InteropError or a correct model', async () => {
    const outcomes: Record<string, number> = {};
    for (let seed = 0; seed < 1200; seed++) {
      const rng = new Rng(seed);
      const base = bases[seed % bases.length];
      const json = structuredClone(base.saved.json);
      let data: Uint8Array | Uint8Array[] = base.saved.data;
      const done: string[] = [];
      const n = 1 + rng.int(2);
      for (let i = 0; i < n; i++) done.push(mutate(json, rng));
      if (rng.int(4) === 0) {
        const [d, what] = damageData(base.saved.data, rng);
        data = d;
        done.push(what);
      }
      const outcome = await judge(
        base,
        seed % 2 ? JSON.stringify(json) : json,
        data,
        `seed ${seed}: ${done.join('; ')}`,
      );
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    // both kinds of outcome happen: the mutations reach the checks and leave valid files too
    expect(outcomes.refused).toBeGreaterThan(300);
    expect((outcomes['as TF.js'] ?? 0) + (outcomes['as undamaged'] ?? 0)).toBeGreaterThan(200);
    console.log('mutations:', JSON.stringify(outcomes));
  });

  it('model.json cut at every length, and weights cut at every length: always an InteropError', () => {
    let cases = 0;
    for (const base of bases) {
      const text = JSON.stringify(base.saved.json);
      for (let n = 0; n < text.length; n++, cases++)
        expect(() => importTfjs(text.slice(0, n), base.saved.data, { backend })).toThrow(InteropError);
      for (let n = 0; n < base.saved.data.length; n++, cases++)
        expect(() => importTfjs(base.saved.json, base.saved.data.subarray(0, n), { backend })).toThrow(InteropError);
    }
    expect(cases).toBeGreaterThan(5000);
    console.log('truncations:', cases);
  });

  it('300 seeded character replacements in model.json and 300 bit flips in the weights', async () => {
    const outcomes: Record<string, number> = {};
    const count = (o: string) => (outcomes[o] = (outcomes[o] ?? 0) + 1);
    for (let seed = 0; seed < 300; seed++) {
      const rng = new Rng(10_000 + seed);
      const base = bases[seed % bases.length];
      const text = JSON.stringify(base.saved.json);
      const at = rng.int(text.length);
      const ch = String.fromCharCode(32 + rng.int(95));
      const damaged = text.slice(0, at) + ch + text.slice(at + 1);
      count(await judge(base, damaged, base.saved.data, `seed ${seed}: char ${at} = ${JSON.stringify(ch)}`));
      const data = base.saved.data.slice();
      const bit = rng.int(8 * data.length);
      data[bit >> 3] ^= 1 << (bit & 7);
      count(await judge(base, base.saved.json, data, `seed ${seed}: bit ${bit} flipped`));
    }
    expect(outcomes['as TF.js']).toBeGreaterThan(100);
    console.log('flips:', JSON.stringify(outcomes));
  });
});
