// safetensors in and out: files written by PyTorch's side (make_safetensors.py) in F32, F16, BF16
// and F64 predict as torch does; saveSafetensors → loadSafetensors and writeSafetensors →
// readSafetensors round-trip bit for bit.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, Dropout, Embedding, GRU, LSTM, SequenceModel, init } from '../../src/index.ts';
import {
  InteropError,
  loadSafetensors,
  readSafetensors,
  saveSafetensors,
  writeSafetensors,
  type TensorDict,
} from '../../src/interop/index.ts';
import { expectClose } from '../helpers/close.ts';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

const fixture = (name: string) => new URL(`../fixtures/interop/safetensors/${name}`, import.meta.url);

interface Reference {
  architecture: { output: string; layers: Array<Record<string, number | boolean | string>> };
  input: number[];
  T: number;
  B: number;
  lengths: number[];
  output: number[][][];
  outputWithLengths: number[][][];
  values?: Record<string, number[]>;
}

/** The torch model of the fixtures, built by hand from torch_models.architecture(). */
function modelOf(ref: Reference): SequenceModel {
  const [e, r, d] = ref.architecture.layers as Array<Record<string, number>>;
  return new SequenceModel({
    layers: [
      new Embedding(e.numEmbeddings, e.embeddingDim, { seed: 1 }),
      new LSTM(r.inputSize, r.hiddenSize, { seed: 2 }),
      new Dense(d.inFeatures, d.outFeatures, { seed: 3 }),
    ],
  });
}

const TORCH_TO_STRAND: Record<string, string> = { embedding: '0', rnn: '1', fc: '2' };

describe('safetensors files written for torch', () => {
  for (const dtype of ['F32', 'F64', 'F16', 'BF16']) {
    it(`${dtype}: read, mapped onto a strand model, predicts as torch does (with and without lengths)`, () => {
      const ref = JSON.parse(readFileSync(fixture(`lstm_${dtype}.json`), 'utf8')) as Reference;
      const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(fixture(`lstm_${dtype}.safetensors`))));
      expect(metadata).toEqual({ format: 'pt' });
      expect(Object.keys(tensors)).toEqual([
        'embedding.weight',
        'rnn.weight_ih_l0',
        'rnn.weight_hh_l0',
        'rnn.bias_ih_l0',
        'rnn.bias_hh_l0',
        'fc.weight',
        'fc.bias',
      ]);
      expect(tensors['rnn.weight_ih_l0'].shape).toEqual([24, 5]);
      if (ref.values) {
        // the decoded values are torch's own rounding of the weights, bit for bit
        for (const [name, values] of Object.entries(ref.values))
          expect([...tensors[name].data], name).toEqual([...Float32Array.from(values)]);
      }
      const model = modelOf(ref);
      const dict: Record<string, Float32Array> = {};
      for (const [name, t] of Object.entries(tensors)) {
        const dot = name.indexOf('.');
        dict[`${TORCH_TO_STRAND[name.slice(0, dot)]}${name.slice(dot)}`] = t.data;
      }
      model.loadStateDict(dict);
      const input = Int32Array.from(ref.input);
      const shape = { seqLen: ref.T, batch: ref.B };
      expectClose(model.predict(input, shape), ref.output.flat(2), `${dtype} output`);
      expectClose(
        model.predict(input, { ...shape, lengths: ref.lengths }),
        ref.outputWithLengths.flat(2),
        `${dtype} output with lengths`,
      );
      model.dispose();
    });
  }

  it('F32 and F64 hold the same weights; F16 and BF16 differ from them by their rounding only', () => {
    const read = (dtype: string) =>
      readSafetensors(new Uint8Array(readFileSync(fixture(`lstm_${dtype}.safetensors`)))).tensors;
    const f32 = read('F32');
    expect(read('F64')).toEqual(f32);
    for (const [dtype, eps] of [
      ['F16', 2 ** -11],
      ['BF16', 2 ** -8],
    ] as const) {
      const t = read(dtype);
      for (const [name, { data }] of Object.entries(f32)) {
        expect(t[name].shape).toEqual(f32[name].shape);
        expectClose(t[name].data, data, `${dtype} ${name}`, eps, 0);
        expect([...t[name].data], `${dtype} ${name} is rounded`).not.toEqual([...data]);
      }
    }
  });

  it('a torch file without the strand architecture is refused by loadSafetensors, pointing to modelFromStateDict', () => {
    const bytes = new Uint8Array(readFileSync(fixture('lstm_F32.safetensors')));
    expect(() => loadSafetensors(bytes)).toThrow(InteropError);
    expect(() => loadSafetensors(bytes)).toThrow(/no strand architecture.*readSafetensors.*modelFromStateDict/);
  });
});

/** A model with every kind of layer: embedding, dropout, stacked bidirectional LSTM, GRU, dense. */
function bigModel(): SequenceModel {
  const model = new SequenceModel({
    layers: [
      new Embedding(9, 4, { seed: 11 }),
      new Dropout(0.1, { seed: 12 }),
      new LSTM(4, 5, { seed: 13, numLayers: 2, bidirectional: true }),
      new Dropout(0.2, { seed: 14 }),
      new GRU(10, 3, { seed: 15, resetAfter: false }),
      new Dense(3, 6, { seed: 16, at: 'last' }),
    ],
    output: 'sigmoid',
  });
  model.metadata = { vocab: ['a', 'b'], note: 'round trip' };
  return model;
}

const input = Int32Array.from({ length: 12 }, (_, i) => (i * 7) % 9);

describe('saveSafetensors → loadSafetensors', () => {
  for (const rename of [undefined, { '0': 'embedding', '2': 'encoder.rnn', '5': 'fc' }]) {
    it(`round-trips the state dict bit for bit and predicts identically (${rename ? 'renamed' : 'strand names'})`, () => {
      const model = bigModel();
      const bytes = saveSafetensors(model, rename ? { rename } : {});
      const { tensors, metadata } = readSafetensors(bytes);
      expect(metadata.format).toBe('pt');
      expect(JSON.parse(metadata['strand.rename'])).toEqual(rename ?? {});
      const names = Object.keys(model.stateDict()).map((n) => {
        const [i, rest] = n.split('.');
        return `${rename?.[i as '0'] ?? i}.${rest}`;
      });
      expect(Object.keys(tensors)).toEqual(names);
      expect(tensors[rename ? 'encoder.rnn.weight_ih_l1_reverse' : '2.weight_ih_l1_reverse'].shape).toEqual([20, 10]);

      const back = loadSafetensors(bytes);
      const original = model.stateDict();
      const loaded = back.stateDict();
      expect(Object.keys(loaded)).toEqual(Object.keys(original));
      for (const name of Object.keys(original))
        expect(new Uint32Array(loaded[name].buffer), name).toEqual(new Uint32Array(original[name].buffer));
      expect(back.layers.map((l) => l.config())).toEqual(model.layers.map((l) => l.config()));
      expect(back.output).toBe('sigmoid');
      expect(back.metadata).toEqual(model.metadata);
      expect(back.predict(input, { seqLen: 4, batch: 3 })).toEqual(model.predict(input, { seqLen: 4, batch: 3 }));
      // and the file is the same when saved again
      expect(saveSafetensors(back, rename ? { rename } : {})).toEqual(bytes);
      model.dispose();
      back.dispose();
    });
  }

  it('refuses a rename of a layer without parameters, an unknown layer, an empty name and a clash', () => {
    const model = bigModel();
    const refusal = /options\.rename must give layers 0, 2, 4, 5 \(those with parameters\) distinct non-empty names/;
    for (const [rename, found] of [
      [{ '1': 'drop' }, "the key '1'"],
      [{ '7': 'x' }, "the key '7'"],
      [{ rnn: '2' }, "the key 'rnn'"],
      [{ '0': '' }, "the key '0'"],
      [{ '0': 5 }, "the key '0'"],
      [{ '0': '2' }, 'the names 2, 2, 4, 5'],
      [{ '0': 'a', '2': 'a' }, 'the names a, a, 4, 5'],
    ] as const) {
      expect(() => saveSafetensors(model, { rename: rename as never })).toThrow(TypeError);
      expect(() => saveSafetensors(model, { rename: rename as never })).toThrow(refusal);
      expect(() => saveSafetensors(model, { rename: rename as never })).toThrow(`received ${found}`);
    }
    expect(() => saveSafetensors(model, { renames: {} } as never)).toThrow(/unknown option/);
    model.dispose();
  });

  it('loads a strand export whose tensors were renamed back by hand (torch names are undone by the map)', () => {
    const model = bigModel();
    const rename = { '0': 'embedding', '2': 'lstm', '4': 'gru', '5': 'fc' };
    const { tensors, metadata } = readSafetensors(saveSafetensors(model, { rename }));
    // a file with the tensors in another order, as a torch writer might order them
    const reversed = Object.fromEntries(Object.entries(tensors).reverse());
    const back = loadSafetensors(writeSafetensors(reversed, metadata));
    expect(back.stateDict()).toEqual(model.stateDict());
    model.dispose();
    back.dispose();
  });
});

describe('writeSafetensors → readSafetensors', () => {
  it('round-trips names, order, shapes and values bit for bit, scalars and empty tensors included', () => {
    const tensors: TensorDict = {
      'b.scalar': { shape: [], data: Float32Array.of(-0) },
      'a.empty': { shape: [3, 0], data: new Float32Array(0) },
      ['__proto__']: { shape: [2], data: Float32Array.of(1.5, Number.NEGATIVE_INFINITY) },
      'ünï.códe': {
        shape: [2, 1, 2],
        data: new Float32Array(new Uint32Array([0x7fa00001, 1, 0x80000001, 0x3f800000]).buffer),
      },
      '': { shape: [1], data: Float32Array.of(3) },
    };
    const metadata = { format: 'pt', 'a key': 'a "value"\n' };
    const bytes = writeSafetensors(tensors, metadata);
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect(n % 8).toBe(0);
    expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(0);
    expect(Object.keys(tensors)).toContain('__proto__');
    expect(bytes.length).toBe(8 + n + 4 * 8);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.startsWith('{"__metadata__":')).toBe(true);
    // padded with at most 7 spaces (n counts bytes, the text has 2-byte characters)
    expect(new TextEncoder().encode(text.trimEnd()).length).toBeGreaterThan(n - 8);
    expect(text.slice(text.lastIndexOf('}') + 1)).toMatch(/^ {0,7}$/);
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual(metadata);
    expect(Object.keys(back.tensors)).toEqual(Object.keys(tensors));
    for (const [name, t] of Object.entries(tensors)) {
      expect(back.tensors[name].shape, name).toEqual(t.shape);
      expect(new Uint32Array(back.tensors[name].data.slice().buffer), name).toEqual(
        new Uint32Array(t.data.slice().buffer),
      );
    }
    expect(Object.getPrototypeOf(back.tensors)).toBe(Object.prototype);
    // without metadata, none is written, and none is read
    const plain = writeSafetensors({ x: { shape: [1], data: Float32Array.of(2) } });
    expect(new TextDecoder().decode(plain).includes('__metadata__')).toBe(false);
    expect(readSafetensors(plain).metadata).toEqual({});
  });

  it('reads a Node Buffer, whose slice is a view of a shared pool (every dtype)', () => {
    for (const dtype of ['F32', 'F64', 'F16', 'BF16']) {
      const bytes = readFileSync(fixture(`lstm_${dtype}.safetensors`));
      const pooled = Buffer.from(bytes);
      expect(pooled.buffer.byteLength).toBeGreaterThan(bytes.length);
      expect(readSafetensors(pooled)).toEqual(readSafetensors(new Uint8Array(bytes)));
    }
  });

  it('reads a file that sits at an odd offset of a larger buffer', () => {
    const bytes = writeSafetensors({ w: { shape: [3], data: Float32Array.of(1, 2, 3) } });
    const big = new Uint8Array(bytes.length + 7);
    big.set(bytes, 3);
    expect(readSafetensors(big.subarray(3, 3 + bytes.length)).tensors.w.data).toEqual(Float32Array.of(1, 2, 3));
  });

  it('refuses tensors it cannot write', () => {
    const ok = { shape: [2], data: new Float32Array(2) };
    expect(() => writeSafetensors({ __metadata__: ok })).toThrow(InteropError);
    expect(() => writeSafetensors({ x: { shape: [3], data: new Float32Array(2) } })).toThrow(
      /cannot write a tensor \(field x: .*found Float32Array\(2\)/,
    );
    expect(() => writeSafetensors({ x: { shape: [-2], data: new Float32Array(2) } })).toThrow(InteropError);
    expect(() => writeSafetensors({ x: { shape: [2], data: [1, 2] } as never })).toThrow(InteropError);
    expect(() => writeSafetensors({ x: ok }, { a: 1 } as never)).toThrow(/metadata/);
  });
});
