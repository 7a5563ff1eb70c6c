// PyTorch state dicts onto strand models: models built from the fixtures' dicts alone
// (modelFromStateDict, inferArchitecture) and hand-built models loaded through mapStateDict run as
// PyTorch ran them (test/fixtures/interop/make_state_dict.py), with and without lengths.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, Dropout, Embedding, GRU, LSTM, RNN, SequenceModel, init } from '../../src/index.ts';
import {
  InteropError,
  inferArchitecture,
  mapStateDict,
  modelFromStateDict,
  type TensorDict,
} from '../../src/interop/index.ts';
import { expectClose } from '../helpers/close.ts';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

// torch_models.py's sizes
const [VOCAB, EMBED, HIDDEN, CLASSES, FEATURES, T, B] = [11, 5, 6, 7, 4, 5, 3];
const LENGTHS = [5, 3, 1];

interface Fixture {
  stateDict: Record<string, { shape: number[]; data: number[] }>;
  input: number[];
  output: number[];
  outputWithLengths: number[];
}

function fixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`../fixtures/interop/state_dict_${name}.json`, import.meta.url), 'utf8'));
}

/** The fixture's dict as the readers hand tensors over: float32 data with shapes. */
function tensors(f: Fixture): TensorDict {
  const out: TensorDict = {};
  for (const [k, t] of Object.entries(f.stateDict)) out[k] = { shape: t.shape, data: Float32Array.from(t.data) };
  return out;
}

function input(f: Fixture, model: SequenceModel): Int32Array | Float32Array {
  return model.embedding ? Int32Array.from(f.input) : Float32Array.from(f.input);
}

function expectLikeTorch(model: SequenceModel, f: Fixture, what: string): void {
  const x = input(f, model);
  expectClose(model.predict(x, { seqLen: T, batch: B }), f.output, `${what}: full`);
  // past a sequence's length strand's recurrent output is zero, as pad_packed_sequence's: the
  // head gives its bias there, in both
  expectClose(model.predict(x, { seqLen: T, batch: B, lengths: LENGTHS }), f.outputWithLengths, `${what}: lengths`);
}

const CASES = ['lstm_1', 'lstm_2bi', 'gru_1', 'gru_2bi', 'rnn_1', 'rnn_2bi', 'lstm_ddp', 'lstm_nested'];

describe('modelFromStateDict', () => {
  for (const name of CASES) {
    it(`builds ${name} from the dict alone and runs as PyTorch`, () => {
      const f = fixture(name);
      using model = modelFromStateDict(tensors(f));
      expect(model.embedding?.numEmbeddings).toBe(VOCAB);
      expect(model.outputSize).toBe(CLASSES);
      expectLikeTorch(model, f, name);
    });
  }

  it('reads the architecture PyTorch built', () => {
    const config = inferArchitecture(tensors(fixture('gru_2bi')), { output: 'linear', at: 'last' });
    expect(config).toEqual({
      output: 'linear',
      layers: [
        { type: 'embedding', numEmbeddings: VOCAB, embeddingDim: EMBED },
        {
          type: 'gru',
          inputSize: EMBED,
          hiddenSize: HIDDEN,
          numLayers: 2,
          bidirectional: true,
          bias: true,
          merge: 'concat',
          resetAfter: true,
        },
        { type: 'dense', inFeatures: 2 * HIDDEN, outFeatures: CLASSES, bias: true, at: 'last' },
      ],
    });
    const rnn = inferArchitecture(tensors(fixture('rnn_1'))).layers[1];
    expect(rnn).toMatchObject({ type: 'rnn', numLayers: 1, bidirectional: false, nonlinearity: 'tanh' });
  });

  it('takes a relu RNN on feature vectors with nonlinearity: relu, and differs without it', () => {
    const f = fixture('rnn_relu_features');
    const config = inferArchitecture(tensors(f), { nonlinearity: 'relu' });
    expect(config.layers.map((c) => c.type)).toEqual(['rnn', 'dense']);
    expect(config.layers[0]).toMatchObject({ inputSize: FEATURES, nonlinearity: 'relu' });
    using model = modelFromStateDict(tensors(f), { nonlinearity: 'relu' });
    expectLikeTorch(model, f, 'relu features');
    using tanh = modelFromStateDict(tensors(f));
    expect(() => expectLikeTorch(tanh, f, 'tanh')).toThrow();
  });

  it('builds a given architecture, matching the modules to its layers', () => {
    const f = fixture('lstm_2bi');
    const architecture = inferArchitecture(tensors(f));
    // a dropout layer shifts the head's index: the modules still find their layers
    architecture.layers.splice(2, 0, { type: 'dropout', p: 0.5 });
    using model = modelFromStateDict(tensors(f), { architecture });
    expect(Object.keys(model.stateDict()).at(-1)).toBe('3.bias');
    expectLikeTorch(model, f, 'with dropout');
  });

  it('refuses a dict whose values do not load, and frees what it built', async () => {
    const { createJsBackend } = await import('../../src/backend/js/index.ts');
    const backend = createJsBackend();
    const f = tensors(fixture('lstm_1'));
    f['fc.bias'].data[2] = Number.NaN;
    const blocks = backend.heap.stats().blocks;
    expect(() => modelFromStateDict(f, { backend })).toThrow(/the tensors do not load.*must be finite/);
    expect(backend.heap.stats().blocks).toBe(blocks);
    // the same dict, finite, builds (so the refusal was the NaN's)
    f['fc.bias'].data[2] = 0;
    modelFromStateDict(f, { backend }).dispose();
    expect(backend.heap.stats().blocks).toBe(blocks);
  });

  it('checks its options and limits', () => {
    const f = tensors(fixture('lstm_1'));
    expect(() => modelFromStateDict(f, { outptu: 'softmax' } as never)).toThrow(/unknown option options.outptu/);
    expect(() => modelFromStateDict(f, { maxParameters: 100 })).toThrow(/state dict: larger than maxParameters/);
    expect(() => modelFromStateDict(f, { maxBytes: 1000 })).toThrow(/state dict: larger than maxBytes/);
    const architecture = inferArchitecture(f);
    expect(() => modelFromStateDict(f, { architecture, output: 'linear' })).toThrow(TypeError);
    expect(() => modelFromStateDict(f, { architecture, maxParameters: 100 })).toThrow(
      /state dict: larger than maxParameters/,
    );
    const bad = structuredClone(architecture);
    (bad.layers[1] as { hiddenSize: number }).hiddenSize = 0;
    expect(() => modelFromStateDict(f, { architecture: bad })).toThrow(/architecture.layers\[1\].hiddenSize/);
    expect(() => modelFromStateDict(f, { architecture: { output: 'softmax', layers: 3 } as never })).toThrow(
      /options.architecture must be a ModelConfig/,
    );
    // a wrong output kind in a given architecture is the architecture's field
    const output = { ...architecture, output: 'tanh' } as never;
    expect(() => modelFromStateDict(f, { architecture: output })).toThrow(InteropError);
  });
});

describe('mapStateDict', () => {
  function strandModel(cell: 'lstm' | 'gru' | 'rnn', numLayers: number, bidirectional: boolean): SequenceModel {
    const D = bidirectional ? 2 : 1;
    const options = { inputSize: EMBED, hiddenSize: HIDDEN, numLayers, bidirectional };
    return new SequenceModel({
      layers: [
        new Embedding(VOCAB, EMBED),
        new Dropout(0.25),
        cell === 'lstm' ? new LSTM(options) : cell === 'gru' ? new GRU(options) : new RNN(options),
        new Dense(D * HIDDEN, CLASSES),
      ],
    });
  }

  for (const [name, cell, L, bi] of [
    ['lstm_2bi', 'lstm', 2, true],
    ['gru_1', 'gru', 1, false],
    ['rnn_2bi', 'rnn', 2, true],
    ['lstm_ddp', 'lstm', 1, false],
  ] as const) {
    it(`loads ${name} into a model built by hand (dropout counts in the index)`, () => {
      const f = fixture(name);
      using model = strandModel(cell, L, bi);
      const dict = mapStateDict(model, tensors(f));
      expect(Object.keys(dict).sort()).toEqual(Object.keys(model.stateDict()).sort());
      expect(dict['0.weight']).toEqual(Float32Array.from(Object.values(f.stateDict)[0].data));
      model.loadStateDict(dict);
      expectLikeTorch(model, f, name);
    });
  }

  it('takes bare arrays (sizes only) as well as Tensors', () => {
    const f = fixture('gru_2bi');
    using model = strandModel('gru', 2, true);
    const flat: Record<string, number[]> = {};
    for (const [k, t] of Object.entries(f.stateDict)) flat[k] = t.data;
    model.loadStateDict(mapStateDict(model, flat));
    expectLikeTorch(model, f, 'bare arrays');
  });

  it('maps modules registered in another order by their kinds and shapes', () => {
    const f = fixture('lstm_nested');
    const entries = Object.entries(tensors(f));
    const shuffled = Object.fromEntries([...entries.slice(-2), ...entries.slice(0, -2)]); // the head first
    using model = new SequenceModel({
      layers: [
        new Embedding(VOCAB, EMBED),
        new LSTM({ inputSize: EMBED, hiddenSize: HIDDEN, numLayers: 2 }),
        new Dense(HIDDEN, CLASSES),
      ],
    });
    model.loadStateDict(mapStateDict(model, shuffled));
    expectLikeTorch(model, f, 'head first');
  });

  it('a swapped layer or direction would show: the fixtures are asymmetric', () => {
    const swaps: Array<[string, string, string]> = [
      ['lstm_2bi', 'rnn.weight_hh_l0', 'rnn.weight_hh_l0_reverse'],
      ['lstm_2bi', 'rnn.weight_hh_l1', 'rnn.weight_hh_l0'],
      ['lstm_2bi', 'rnn.bias_ih_l1', 'rnn.bias_ih_l1_reverse'],
      // an LSTM adds its two biases, a GRU does not for its candidate gate
      ['gru_1', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0'],
    ];
    for (const [name, a, b] of swaps) {
      const f = fixture(name);
      const t = tensors(f);
      [t[a], t[b]] = [t[b], t[a]];
      using model = modelFromStateDict(t);
      expect(() => expectLikeTorch(model, f, `${a} ⇄ ${b}`)).toThrow();
    }
  });

  it('fills a one-hot input table from the model', async () => {
    const { OneHot } = await import('../../src/nn/embedding.ts');
    const f = fixture('lstm_1');
    const t = tensors(f);
    delete t['embedding.weight'];
    using model = new SequenceModel({
      layers: [new OneHot(VOCAB), new LSTM({ inputSize: VOCAB, hiddenSize: HIDDEN }), new Dense(HIDDEN, CLASSES)],
    });
    // the embedding's tensors no longer fit: the LSTM expects VOCAB inputs
    expect(() => mapStateDict(model, t)).toThrow(/module "rnn" fits no layer.*1 \(lstm\) ← none/);
    t['rnn.weight_ih_l0'] = { shape: [4 * HIDDEN, VOCAB], data: new Float32Array(4 * HIDDEN * VOCAB).fill(0.1) };
    const dict = mapStateDict(model, t);
    expect(dict['0.weight']).toEqual(model.stateDict()['0.weight']);
    expect(dict['1.weight_ih_l0'][0]).toBeCloseTo(0.1, 6);
  });

  it('checks its options', () => {
    using model = strandModel('lstm', 1, false);
    const t = tensors(fixture('lstm_1'));
    expect(() => mapStateDict(model, t, { renam: {} } as never)).toThrow(/did you mean 'rename'/);
    expect(() => mapStateDict(model, t, { rename: { fc: 2 } } as never)).toThrow(TypeError);
  });
});
