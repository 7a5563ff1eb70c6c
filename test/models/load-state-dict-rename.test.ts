// SequenceModel.loadStateDict's options: `strict` (also as the old boolean argument) and `rename`,
// which maps foreign name prefixes (at a dot boundary, longest first) to strand's layer indices.
// A refused call changes no parameter.
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, Dropout, Embedding, LSTM, SequenceModel, init } from '../../src/index.ts';
import { randomArray } from '../helpers/backends.ts';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

/** Embedding(11, 5) → Dropout → LSTM(5, 6) → Dense(6, 7): parameters 0.weight, 2.*, 3.weight, 3.bias. */
function makeModel(): SequenceModel {
  return new SequenceModel({
    layers: [new Embedding(11, 5), new Dropout(0.1), new LSTM({ inputSize: 5, hiddenSize: 6 }), new Dense(6, 7)],
  });
}

/** The model's parameter names with `from` prefixes replaced, holding fresh distinct values. */
function foreign(model: SequenceModel, prefixes: Record<string, string>): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  let seed = 100;
  for (const [name, v] of Object.entries(model.stateDict())) {
    const dot = name.indexOf('.');
    out[`${prefixes[name.slice(0, dot)]}${name.slice(dot)}`] = randomArray(v.length, seed++);
  }
  return out;
}

function expectUnchanged(model: SequenceModel, before: Record<string, Float32Array>): void {
  const after = model.stateDict();
  for (const [k, v] of Object.entries(before)) expect(after[k], k).toEqual(v);
}

describe('SequenceModel.loadStateDict rename', () => {
  it('renames whole prefixes of PyTorch names onto layer indices', () => {
    using model = makeModel();
    const dict = foreign(model, { 0: 'embedding', 2: 'lstm', 3: 'fc' });
    model.loadStateDict(dict, { rename: { embedding: '0', lstm: '2', fc: '3' } });
    const sd = model.stateDict();
    expect(sd['2.weight_hh_l0']).toEqual(dict['lstm.weight_hh_l0']);
    expect(sd['3.bias']).toEqual(dict['fc.bias']);
    expect(sd['0.weight']).toEqual(dict['embedding.weight']);
  });

  it('matches at a dot boundary only', () => {
    using model = makeModel();
    // 'lstm' must not take 'lstm2.…'; 'fc' must not take 'fc_out.…'
    const dict = foreign(model, { 0: '0', 2: 'lstm2', 3: 'fc_out' });
    model.loadStateDict(dict, { rename: { lstm2: '2', fc_out: '3' } });
    expect(model.stateDict()['2.bias_hh_l0']).toEqual(dict['lstm2.bias_hh_l0']);
    expect(() => model.loadStateDict(dict, { rename: { lstm: '2', fc_out: '3' } })).toThrow(
      /rename key "lstm" matches no parameter name/,
    );
    expect(() => model.loadStateDict(dict, { rename: { lstm2: '2', fc: '3' } })).toThrow(/rename key "fc" matches no/);
    // nor inside a name: 'stm' is no prefix of 'lstm2.…'
    expect(() => model.loadStateDict(dict, { rename: { lstm2: '2', fc_out: '3', stm: '9' } })).toThrow(/"stm"/);
    // a whole name is a prefix of itself
    const one = { '3.weight': dict['fc_out.weight'] };
    model.loadStateDict({ 'head.w': one['3.weight'] }, { strict: false, rename: { 'head.w': '3.weight' } });
    expect(model.stateDict()['3.weight']).toEqual(one['3.weight']);
    expect(model.stateDict()['0.weight']).toEqual(dict['0.weight']);
  });

  it('lets the longest key win, and an empty value drop a prefix', () => {
    using model = makeModel();
    const dict = foreign(model, { 0: 'module.0', 2: 'module.2', 3: 'module.head.fc' });
    // 'module' drops the DDP prefix; the longer 'module.head.fc' wins over it for the head's names
    const before = model.stateDict();
    // a key that every name it matches gives to a longer key matches nothing: an error
    expect(() =>
      model.loadStateDict(dict, { rename: { module: '', 'module.head.fc': '3', 'module.head': '9' } }),
    ).toThrow(/rename key "module\.head" matches no parameter name/);
    expectUnchanged(model, before);
    model.loadStateDict(dict, { rename: { module: '', 'module.head.fc': '3' } });
    expect(model.stateDict()['3.weight']).toEqual(dict['module.head.fc.weight']);
    expect(model.stateDict()['2.bias_ih_l0']).toEqual(dict['module.2.bias_ih_l0']);
  });

  it('changes nothing when it throws', () => {
    using model = makeModel();
    const before = model.stateDict();
    const dict = foreign(model, { 0: 'embedding', 2: 'lstm', 3: 'fc' });
    const bad: Array<[Record<string, unknown>, Record<string, string>, RegExp]> = [
      [dict, { embedding: '0', lstm: '2', fc: '3', decoder: '3' }, /rename key "decoder" matches no parameter name/],
      [dict, { embedding: '0', lstm: '2', fc: '1' }, /unexpected parameter '1\.weight'/],
      [dict, { embedding: '0', lstm: '2' }, /unexpected parameter 'fc\.weight'/],
      [{ ...dict, 'fc.bias': new Float32Array(3) }, { embedding: '0', lstm: '2', fc: '3' }, /3\.bias/],
      [
        { ...dict, '3.bias': new Float32Array(7) },
        { embedding: '0', lstm: '2', fc: '3' },
        /two parameters become "3\.bias"/,
      ],
      [{ ...dict, 'fc.bias': new Float32Array(7).fill(Number.NaN) }, { embedding: '0', lstm: '2', fc: '3' }, /finite/],
      [{ ...dict, __proto__x: new Float32Array(1) }, { embedding: '0', lstm: '2', fc: '3' }, /unexpected parameter/],
    ];
    for (const [d, rename, pattern] of bad) {
      expect(() => model.loadStateDict(d as Record<string, Float32Array>, { rename })).toThrow(pattern);
      expectUnchanged(model, before);
    }
    // a name '__proto__' stays a name (and is refused as one)
    const proto = JSON.parse('{"__proto__": [1, 2]}') as Record<string, number[]>;
    expect(() => model.loadStateDict(proto, { rename: { x: '0' } })).toThrow(/"x"/);
    expect(() =>
      model.loadStateDict({ ...proto, 'x.weight': dict['embedding.weight'] }, { rename: { x: '0' } }),
    ).toThrow(/unexpected parameter '__proto__'/);
    expectUnchanged(model, before);
  });

  it('keeps the boolean strict argument and checks its options', () => {
    using model = makeModel();
    const before = model.stateDict();
    const head = { '3.bias': randomArray(7, 9) };
    expect(() => model.loadStateDict(head)).toThrow(/missing parameter '0\.weight'/);
    expect(() => model.loadStateDict(head, true)).toThrow(/missing parameter/);
    expect(() => model.loadStateDict(head, { strict: true })).toThrow(/missing parameter/);
    expectUnchanged(model, before);
    model.loadStateDict(head, false);
    expect(model.stateDict()['3.bias']).toEqual(head['3.bias']);
    model.loadStateDict({ 'fc.bias': before['3.bias'] }, { strict: false, rename: { fc: '3' } });
    expect(model.stateDict()['3.bias']).toEqual(before['3.bias']);
    const wrong: Array<[unknown, RegExp]> = [
      [{ stict: false }, /unknown option options\.stict \(did you mean 'strict'\?\)/],
      [{ strict: 'no' }, /options\.strict must be true or false/],
      [{ rename: 'lstm' }, /options\.rename must be an object of strings/],
      [{ rename: { lstm: 1 } }, /options\.rename must be an object of strings/],
      [{ rename: null }, /options\.rename must be/],
      [null, /options must be an object/],
    ];
    for (const [options, pattern] of wrong) expect(() => model.loadStateDict(head, options as never)).toThrow(pattern);
  });
});
