// What mapStateDict, inferArchitecture and modelFromStateDict refuse: every ambiguity and mismatch is
// an InteropError naming the tensor or listing each layer's candidates; a seeded fuzz over damaged
// fixture dicts gives either a model holding exactly the dict's values or an InteropError.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, Embedding, LSTM, SequenceModel, init } from '../../src/index.ts';
import {
  InteropError,
  inferArchitecture,
  mapStateDict,
  modelFromStateDict,
  type Tensor,
  type TensorDict,
} from '../../src/interop/index.ts';
import { Rng } from '../../src/util/rng.ts';
import { expectClose } from '../helpers/close.ts';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

let seed = 1;
/** A tensor of distinct seeded values, so that any two tensors differ. */
function tensor(...shape: number[]): Tensor {
  const rng = new Rng(seed++);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
  return { shape, data };
}

/** A recurrent module's tensors under `prefix` (PyTorch's names and shapes; 4 gates: an LSTM's). */
function lstm(prefix: string, I: number, H: number, layers = 1, reverse = false, gates = 4): TensorDict {
  const out: TensorDict = {};
  for (let k = 0; k < layers; k++)
    for (const sfx of reverse ? [`_l${k}`, `_l${k}_reverse`] : [`_l${k}`]) {
      const input = k === 0 ? I : (reverse ? 2 : 1) * H;
      out[`${prefix}.weight_ih${sfx}`] = tensor(gates * H, input);
      out[`${prefix}.weight_hh${sfx}`] = tensor(gates * H, H);
      out[`${prefix}.bias_ih${sfx}`] = tensor(gates * H);
      out[`${prefix}.bias_hh${sfx}`] = tensor(gates * H);
    }
  return out;
}

/** Expects an InteropError (format 'state dict') whose message matches every pattern. */
function refused(f: () => unknown, ...patterns: RegExp[]): InteropError {
  let caught: unknown;
  try {
    f();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InteropError);
  const error = caught as InteropError;
  expect(error.format).toBe('state dict');
  for (const p of patterns) expect(error.message).toMatch(p);
  return error;
}

/** Embedding(11, 6) → LSTM(6, 6) → LSTM(6, 6) → Dense(6, 7): its two LSTMs have the same shapes. */
function twoLstms(): SequenceModel {
  return new SequenceModel({
    layers: [
      new Embedding(11, 6),
      new LSTM({ inputSize: 6, hiddenSize: 6 }),
      new LSTM({ inputSize: 6, hiddenSize: 6 }),
      new Dense(6, 7),
    ],
  });
}

describe('mapStateDict: what it cannot decide or place', () => {
  it('two same-shaped recurrent modules: lists both candidates for both layers and asks for rename', () => {
    using model = twoLstms();
    const dict: TensorDict = {
      'emb.weight': tensor(11, 6),
      ...lstm('a', 6, 6),
      ...lstm('b', 6, 6),
      'fc.weight': tensor(7, 6),
      'fc.bias': tensor(7),
    };
    refused(
      () => mapStateDict(model, dict),
      /more than one assignment fits/,
      /options\.rename/,
      /1 \(lstm\) ← "a" or "b"; 2 \(lstm\) ← "a" or "b"/,
      /0 \(embedding\) ← "emb"/,
    );
    // rename settles it, either way round (the user's call), and the rest is still matched
    for (const [first, second] of [
      ['a', 'b'],
      ['b', 'a'],
    ]) {
      const mapped = mapStateDict(model, dict, { rename: { [second]: '2' } });
      expect(mapped['1.weight_ih_l0']).toBe(dict[`${first}.weight_ih_l0`].data);
      expect(mapped['2.bias_hh_l0']).toBe(dict[`${second}.bias_hh_l0`].data);
      expect(mapped['0.weight']).toBe(dict['emb.weight'].data);
      expect(mapped['3.bias']).toBe(dict['fc.bias'].data);
    }
  });

  it('a second head of the same shape is ambiguous; of another shape it fits no layer', () => {
    using model = new SequenceModel({
      layers: [new Embedding(11, 5), new LSTM({ inputSize: 5, hiddenSize: 6 }), new Dense(6, 7)],
    });
    const base = { 'emb.weight': tensor(11, 5), ...lstm('rnn', 5, 6), 'fc.weight': tensor(7, 6), 'fc.bias': tensor(7) };
    refused(
      () => mapStateDict(model, { ...base, 'aux.weight': tensor(7, 6), 'aux.bias': tensor(7) }),
      /more than one assignment fits/,
      /2 \(dense\) ← "fc" or "aux"/,
    );
    const e = refused(
      () => mapStateDict(model, { ...base, 'aux.weight': tensor(3, 6), 'aux.bias': tensor(3) }),
      /module "aux" fits no layer/,
      /2 \(dense\) ← "fc"/,
    );
    expect(e.field).toBe('aux.weight');
    // many candidates are counted, not listed
    const heads: TensorDict = { ...base };
    for (let i = 0; i < 11; i++) Object.assign(heads, { [`h${i}.weight`]: tensor(7, 6), [`h${i}.bias`]: tensor(7) });
    const many = refused(() => mapStateDict(model, heads), /2 \(dense\) ← 12 modules/);
    expect(many.message.length).toBeLessThan(300);
  });

  it('an embedding never becomes a bias-free head of its shape: kinds go by their place', () => {
    // features in, Dense(6, 7) without bias; the dict's lone weight before the LSTM is an embedding
    using features = new SequenceModel({
      layers: [new LSTM({ inputSize: 6, hiddenSize: 6 }), new Dense(6, 7, { bias: false })],
    });
    refused(
      () => mapStateDict(features, { 'emb.weight': tensor(7, 6), ...lstm('rnn', 6, 6), 'fc.weight': tensor(7, 6) }),
      /module "emb" fits no layer/,
      /1 \(dense\) ← "fc"/,
    );
    // with an Embedding(7, 6) and a head of the same shape, each goes to its own layer
    using both = new SequenceModel({
      layers: [new Embedding(7, 6), new LSTM({ inputSize: 6, hiddenSize: 6 }), new Dense(6, 7, { bias: false })],
    });
    const dict = { 'emb.weight': tensor(7, 6), ...lstm('rnn', 6, 6), 'fc.weight': tensor(7, 6) };
    const mapped = mapStateDict(both, dict);
    expect(mapped['0.weight']).toBe(dict['emb.weight'].data);
    expect(mapped['2.weight']).toBe(dict['fc.weight'].data);
    // both lone weights before the LSTM: the head has no candidate
    const early = { 'fc.weight': dict['fc.weight'], 'emb.weight': dict['emb.weight'], ...lstm('rnn', 6, 6) };
    refused(() => mapStateDict(both, early), /fits no layer|no module fits/, /2 \(dense\) ← none/);
  });

  it('a layer no module fits, and shapes that differ only by layout', () => {
    using model = new SequenceModel({
      layers: [new Embedding(11, 5), new LSTM({ inputSize: 5, hiddenSize: 6 }), new Dense(6, 7)],
    });
    const base = { 'emb.weight': tensor(11, 5), ...lstm('rnn', 5, 6), 'fc.weight': tensor(7, 6), 'fc.bias': tensor(7) };
    const { 'fc.weight': _w, 'fc.bias': _b, ...headless } = base;
    refused(() => mapStateDict(model, headless), /no module fits layer 2 \(dense\)/, /2 \(dense\) ← none/);
    // a transposed head weight: the same size, another shape
    const transposed = { ...base, 'fc.weight': { shape: [6, 7], data: base['fc.weight'].data } };
    refused(() => mapStateDict(model, transposed), /module "fc" fits no layer/);
    // bare arrays carry sizes only: the same values then fit (the caller vouches for the layout)
    const flat = Object.fromEntries(Object.entries(transposed).map(([k, t]) => [k, t.data]));
    expect(mapStateDict(model, flat)['2.weight']).toBe(base['fc.weight'].data);
    // another cell: an LSTM's tensors fit no GRU
    const gru = { ...base, ...lstm('rnn', 5, 6, 1, false, 3) };
    refused(() => mapStateDict(model, gru), /module "rnn" fits no layer/, /1 \(lstm\) ← none/);
  });

  it('refuses bad tensors and bad renames, naming them', () => {
    using model = new SequenceModel({
      layers: [new Embedding(11, 5), new LSTM({ inputSize: 5, hiddenSize: 6 }), new Dense(6, 7)],
    });
    const base = { 'emb.weight': tensor(11, 5), ...lstm('rnn', 5, 6), 'fc.weight': tensor(7, 6), 'fc.bias': tensor(7) };
    const cases: Array<[unknown, RegExp]> = [
      [null, /not a dict/],
      [{ ...base, 'fc.bias': null }, /not a tensor \(field fc\.bias: expected an array, or a Tensor/],
      [{ ...base, 'fc.bias': 3 }, /field fc\.bias/],
      [{ ...base, 'fc.bias': { shape: [7, 0], data: new Float32Array(0) } }, /field fc\.bias: .*found shape \[7,0\]/],
      [{ ...base, 'fc.bias': { shape: [2 ** 30], data: new Float32Array(7) } }, /field fc\.bias: .*sizes 1 to 2\^24/],
      [
        { ...base, 'fc.bias': { shape: [8], data: new Float32Array(7) } },
        /field fc\.bias: .*found shape \[8\], data Float32Array\(7\)/,
      ],
      [{ ...base, 'fc.bias': { shape: [7], data: 'abcdefg' } }, /field fc\.bias/],
      [{ ...base, 'fc.bias': { shape: '7', data: new Float32Array(7) } }, /field fc\.bias: .*found shape "7"/],
      [{ ...base, 'bn.running_mean': tensor(6) }, /module "bn" fits no layer/],
    ];
    for (const [dict, pattern] of cases) refused(() => mapStateDict(model, dict as TensorDict), pattern);
    // a rename key that matches nothing is the caller's mistake: an Error naming the key
    expect(() => mapStateDict(model, base, { rename: { lstm: '1' } })).toThrow(
      /rename key "lstm" matches no parameter name/,
    );
    refused(
      () => mapStateDict(model, base, { rename: { rnn: '7' } }),
      /does not fit "7\.weight_ih_l0"/,
      /field rnn\.weight_ih_l0: expected a parameter of the model/,
    );
    refused(() => mapStateDict(model, base, { rename: { fc: '0' } }), /does not fit "0\.weight"/, /field fc\.weight/);
    // a module renamed onto a layer leaves that layer to it alone
    refused(() => mapStateDict(model, base, { rename: { 'fc.bias': '2.bias' } }), /module "fc" fits no layer/);
  });
});

describe('inferArchitecture: what strand cannot express', () => {
  const emb = () => ({ 'emb.weight': tensor(11, 5) });
  const head = (inF = 6) => ({ 'fc.weight': tensor(7, inF), 'fc.bias': tensor(7) });
  const without = (d: TensorDict, ...names: string[]) =>
    Object.fromEntries(Object.entries(d).filter(([k]) => !names.includes(k)));

  it('names the tensor it refuses', () => {
    const proj: TensorDict = {
      ...emb(),
      'rnn.weight_ih_l0': tensor(24, 5),
      'rnn.weight_hh_l0': tensor(24, 3),
      'rnn.bias_ih_l0': tensor(24),
      'rnn.bias_hh_l0': tensor(24),
      'rnn.weight_hr_l0': tensor(3, 6),
      ...head(3),
    };
    const cases: Array<[TensorDict, string, RegExp]> = [
      [proj, 'rnn.weight_hr_l0', /proj_size/],
      // a layer missing in the middle
      [
        without(
          { ...emb(), ...lstm('rnn', 5, 6, 3), ...head() },
          'rnn.weight_ih_l1',
          'rnn.weight_hh_l1',
          'rnn.bias_ih_l1',
          'rnn.bias_hh_l1',
        ),
        'rnn.weight_ih_l1',
        /no such tensor/,
      ],
      // a direction missing on one layer
      [
        without({ ...emb(), ...lstm('rnn', 5, 6, 2, true), ...head(12) }, 'rnn.weight_hh_l1_reverse'),
        'rnn.weight_hh_l1_reverse',
        /no such tensor/,
      ],
      // one bias of two
      [without({ ...emb(), ...lstm('rnn', 5, 6), ...head() }, 'rnn.bias_hh_l0'), 'rnn.bias_hh_l0', /no such tensor/],
      // an embedding of 4 features below an LSTM of 5 inputs
      [
        { 'emb.weight': tensor(11, 4), ...lstm('rnn', 5, 6), ...head() },
        'rnn.weight_ih_l0',
        /expected \[24,4\], found \[24,5\]/,
      ],
      // two LSTMs that do not chain: 6 outputs into 5 inputs
      [
        { ...emb(), ...lstm('a', 5, 6), ...lstm('b', 5, 6), ...head() },
        'b.weight_ih_l0',
        /expected \[24,6\], found \[24,5\]/,
      ],
      // a head that does not take the top's outputs
      [{ ...emb(), ...lstm('rnn', 5, 6, 1, true), ...head(6) }, 'fc.weight', /expected \[7,12\], found \[7,6\]/],
      // gates that are none of strand's
      [
        { ...emb(), ...lstm('rnn', 5, 6), 'rnn.weight_hh_l0': tensor(12, 6), ...head() },
        'rnn.weight_hh_l0',
        /weight_hh_l0 of shape \(4H, 3H or H; H\)/,
      ],
      // a layer index far past the tensors present
      [
        { ...emb(), ...lstm('rnn', 5, 6), 'rnn.weight_ih_l99999999': tensor(24, 6), ...head() },
        'rnn.weight_ih_l1',
        /no such tensor/,
      ],
      // a tensor no recurrent layer has
      [{ ...emb(), ...lstm('rnn', 5, 6), 'rnn.scale': tensor(6), ...head() }, 'rnn.scale', /has no place for/],
      // modules out of strand's order, or left over
      [{ ...head(), ...emb(), ...lstm('rnn', 5, 6) }, 'fc.weight', /Linear in order/],
      [{ ...emb(), ...lstm('rnn', 5, 6), ...head(), 'aux.weight': tensor(3, 7) }, 'fc.weight', /Linear in order/],
      [
        { ...emb(), ...lstm('rnn', 5, 6), 'fc.weight': tensor(7, 6, 1) },
        'fc.weight',
        /expected \[7,6\], found \[7,6,1\]/,
      ],
    ];
    for (const [dict, field, pattern] of cases) {
      const e = refused(() => inferArchitecture(dict), pattern);
      expect(e.field, e.message).toBe(field);
    }
    refused(() => inferArchitecture({ ...emb(), ...lstm('rnn', 5, 6) }), /no Linear head/);
    refused(() => inferArchitecture({}), /no Linear head/);
    const bare = Object.fromEntries(
      Object.entries({ ...emb(), ...lstm('rnn', 5, 6), ...head() }).map(([k, t]) => [k, t.data]),
    );
    refused(() => inferArchitecture(bare as never), /no shape/);
    expect(() => inferArchitecture({}, { nonlinearity: 'sigmoid' } as never)).toThrow(/options.nonlinearity must be/);
  });

  it('reads chained modules, bias-free layers, bare nn.LSTM names and a bias-free head', () => {
    const dict = { ...lstm('a', 5, 6, 1, true), ...lstm('b', 12, 3, 2) };
    for (const k of Object.keys(dict)) if (k.startsWith('b.bias')) delete dict[k];
    const config = inferArchitecture({ ...dict, 'out.weight': tensor(2, 3) }, { output: 'sigmoid', at: 'last' });
    expect(config.layers).toEqual([
      { type: 'lstm', inputSize: 5, hiddenSize: 6, numLayers: 1, bidirectional: true, bias: true, merge: 'concat' },
      { type: 'lstm', inputSize: 12, hiddenSize: 3, numLayers: 2, bidirectional: false, bias: false, merge: 'concat' },
      { type: 'dense', inFeatures: 3, outFeatures: 2, bias: false, at: 'last' },
    ]);
    // two same-shaped modules, which mapStateDict alone cannot tell apart: the inference read them in order
    const same: TensorDict = {
      'emb.weight': tensor(11, 6),
      ...lstm('a', 6, 6),
      ...lstm('b', 6, 6),
      'fc.weight': tensor(7, 6),
    };
    using stacked = modelFromStateDict(same);
    expect(stacked.stateDict()['1.weight_hh_l0']).toEqual(same['a.weight_hh_l0'].data);
    expect(stacked.stateDict()['2.weight_hh_l0']).toEqual(same['b.weight_hh_l0'].data);
    refused(() => mapStateDict(stacked, same), /more than one assignment fits/);
    // names without a module prefix (a bare nn.LSTM saved alone, then its head)
    const top = Object.fromEntries(Object.entries(lstm('x', 5, 6)).map(([k, t]) => [k.slice(2), t]));
    using model = modelFromStateDict({ ...top, 'fc.weight': tensor(7, 6) });
    expect(model.stateDict()['0.weight_hh_l0']).toEqual(top.weight_hh_l0.data);
  });
});

// ------------------------------------------------------------------------------------------ fuzz

interface Fixture {
  stateDict: Record<string, { shape: number[]; data: number[] }>;
  input: number[];
  output: number[];
}

const fixtures = ['lstm_2bi', 'gru_1', 'rnn_2bi', 'lstm_nested'].map(
  (name) =>
    JSON.parse(
      readFileSync(new URL(`../fixtures/interop/state_dict_${name}.json`, import.meta.url), 'utf8'),
    ) as Fixture,
);

function tensors(f: Fixture): TensorDict {
  const out: TensorDict = {};
  for (const [k, t] of Object.entries(f.stateDict)) out[k] = { shape: [...t.shape], data: Float32Array.from(t.data) };
  return out;
}

/** The values of every tensor, as sorted strings: equal multisets of tensors give equal lists. */
function contents(arrays: Iterable<ArrayLike<number>>): string[] {
  return [...arrays].map((a) => Array.from(a).join()).sort();
}

/** One random damage to a dict (in place, or a new one). */
function damage(d: Record<string, unknown>, rng: Rng): Record<string, unknown> {
  const keys = Object.keys(d);
  const key = keys[Math.floor(rng.next() * keys.length)];
  const t = d[key] as Tensor;
  const pick = <T>(xs: T[]): T => xs[Math.floor(rng.next() * xs.length)];
  // a value damaged before is only moved, renamed or dropped
  const isTensor = Array.isArray(t?.shape) && t.data instanceof Float32Array && t.data.length > 0;
  switch (Math.floor(rng.next() * (isTensor ? 10 : 4))) {
    case 0:
      delete d[key];
      return d;
    case 7: {
      // a dimension changed, data kept or resized to agree
      const shape = [...t.shape];
      shape[Math.floor(rng.next() * shape.length)] = pick([0, 1, 2, 3, 7, 12, 24, 2 ** 31, -1, 1.5]);
      const n = shape.reduce((a, b) => a * b, 1);
      d[key] = { shape, data: rng.next() < 0.5 || !(n >= 0 && n < 1e5) ? t.data : new Float32Array(Math.floor(n)) };
      return d;
    }
    case 1: {
      // a renamed tensor: a character of its name changed
      const i = Math.floor(rng.next() * key.length);
      const name = key.slice(0, i) + pick(['.', '_', 'l', '0', '1', 'x', '']) + key.slice(i + 1);
      const out: Record<string, unknown> = {};
      for (const k of keys) out[k === key ? name : k] = d[k];
      return out;
    }
    case 2: {
      // two names swapped
      const other = pick(keys);
      [d[key], d[other]] = [d[other], d[key]];
      return d;
    }
    case 4:
      d[key] = pick([null, 3, 'x', [], {}, { shape: t.shape }, { data: t.data }, t.data]);
      return d;
    case 5:
      t.data[Math.floor(rng.next() * t.data.length)] = pick([Number.NaN, Number.POSITIVE_INFINITY, 1e39]);
      return d;
    case 6: {
      // the module of this tensor copied under another prefix
      const prefix = key.slice(0, key.lastIndexOf('.'));
      for (const k of keys) if (k.startsWith(`${prefix}.`)) d[`copy${k.slice(prefix.length)}`] = d[k];
      return d;
    }
    case 3:
      // entries reordered
      return Object.fromEntries(keys.map((k) => [k, d[k]]).sort(() => rng.next() - 0.5));
    case 8:
      d[key] = { shape: t.shape, data: t.data.subarray(0, Math.floor(rng.next() * t.data.length)) };
      return d;
    default:
      d[`${key.slice(0, key.lastIndexOf('.') + 1)}weight_hr_l0`] = { shape: [3, 6], data: new Float32Array(18) };
      return d;
  }
}

describe('state dict fuzz', () => {
  it('every prefix of every fixture dict: a model only from the whole dict, else an InteropError', () => {
    let runs = 0;
    for (const f of fixtures) {
      const entries = Object.entries(tensors(f));
      for (let n = 0; n <= entries.length; n++) {
        const dict = Object.fromEntries(entries.slice(0, n));
        runs++;
        if (n < entries.length - 1) refused(() => modelFromStateDict(dict));
        else {
          // without its last tensor, the head's bias, the dict is a model with a bias-free head
          using model = modelFromStateDict(dict);
          expect(model.head.config().bias).toBe(n === entries.length);
        }
      }
    }
    expect(runs).toBe(fixtures.reduce((s, f) => s + Object.keys(f.stateDict).length + 1, 0));
  });

  it('damaged dicts give a model holding exactly their values, or an InteropError', () => {
    const rng = new Rng(20240611);
    const counts = { built: 0, refused: 0, mapped: 0, mapRefused: 0 };
    const ITERATIONS = 2000;
    for (let it = 0; it < ITERATIONS; it++) {
      const f = fixtures[it % fixtures.length];
      let dict: Record<string, unknown> = tensors(f);
      const damages = 1 + Math.floor(rng.next() * 3);
      for (let i = 0; i < damages; i++) if (Object.keys(dict).length) dict = damage(dict, rng);
      // read once a call has succeeded, so every value is a tensor or an array
      const given = () => Object.values(dict).map((t) => (t as Tensor).data ?? (t as ArrayLike<number>));
      try {
        using model = modelFromStateDict(dict as TensorDict);
        counts.built++;
        // the model holds the dict's values, each tensor once
        expect(contents(Object.values(model.stateDict()))).toEqual(contents(given()));
      } catch (error) {
        if (!(error instanceof InteropError)) throw error;
        counts.refused++;
      }
      // the same dict onto the fixture's own model
      using reference = modelFromStateDict(tensors(f));
      try {
        const mapped = mapStateDict(reference, dict as TensorDict);
        counts.mapped++;
        expect(Object.keys(mapped).sort()).toEqual(Object.keys(reference.stateDict()).sort());
        expect(contents(Object.values(mapped))).toEqual(contents(given()));
      } catch (error) {
        if (!(error instanceof InteropError)) throw error;
        counts.mapRefused++;
      }
    }
    // both outcomes occur often enough to mean something
    expect(counts.built).toBeGreaterThan(20);
    expect(counts.refused).toBeGreaterThan(1000);
    console.log(`state dict fuzz: ${ITERATIONS} dicts`, counts);
  });

  it('a reordered dict still builds the model PyTorch ran', () => {
    const rng = new Rng(7);
    for (const f of fixtures) {
      const entries = Object.entries(tensors(f));
      // the head (weight and bias) first, then the embedding, then the recurrent tensors shuffled:
      // a lone weight must come before the recurrent tensors to be read as an embedding
      const recurrent = entries.slice(1, -2).sort(() => rng.next() - 0.5);
      const shuffled = Object.fromEntries([...entries.slice(-2), entries[0], ...recurrent]);
      using reference = modelFromStateDict(tensors(f));
      reference.loadStateDict(mapStateDict(reference, shuffled));
      const x = Int32Array.from(f.input);
      expectClose(reference.predict(x, { seqLen: 5, batch: 3 }), f.output, 'shuffled');
    }
  });
});
