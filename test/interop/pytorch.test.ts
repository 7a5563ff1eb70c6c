// readPyTorch against files torch 1.13 wrote (test/fixtures/interop/make_pytorch.py): every tensor
// exactly as torch reads it back (float32, float16, bfloat16 and float64 storages; shared storages
// viewed at offsets, transposed, strided, expanded; nested checkpoints; protocol 4; Parameters),
// strand models built from the read state dicts predicting as torch does, and the files it refuses.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, SequenceModel, type Backend } from '../../src/index.ts';
import { InteropError, readPyTorch, type TensorDict } from '../../src/interop/index.ts';
import { flatten } from '../../src/interop/tensor.ts';
import { layersFromConfig, type LayerConfig } from '../../src/nn/layers.ts';
import { jsBackend, wasmBackend } from '../helpers/backends.ts';

const DIR = new URL('../fixtures/interop/pytorch/', import.meta.url);
const file = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DIR)));

interface Reference {
  tensors: Record<string, { shape: number[]; data: number[] }>;
  model?: {
    architecture: { output: string; layers: LayerConfig[] };
    T: number;
    B: number;
    lengths: number[];
    input: number[];
    output: number[];
    outputWithLengths: number[];
  };
}
const reference = (name: string): Reference => JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8'));

/** Every tensor of `got` equal to the reference, bit for bit once the reference is rounded to float32, in order. */
function expectTensors(got: TensorDict, ref: Reference['tensors']): void {
  expect(Object.keys(got)).toEqual(Object.keys(ref));
  for (const [name, { shape, data }] of Object.entries(ref)) {
    expect(got[name].shape, name).toEqual(shape);
    expect(got[name].data, name).toBeInstanceOf(Float32Array);
    expect(Array.from(got[name].data), name).toEqual(data.map(Math.fround));
  }
}

const MODELS = ['lstm', 'gru_2bi', 'rnn_features', 'lstm_half', 'gru_bf16', 'rnn_2bi_double', 'lstm_dataparallel_p4'];

describe('readPyTorch reads what torch.save wrote', () => {
  for (const name of [...MODELS, 'shared', 'checkpoint'])
    it(`${name}.pt: every tensor, exactly, in file order`, () => {
      expectTensors(readPyTorch(file(`${name}.pt`)), reference(name).tensors);
    });

  it('views of a shared storage each get their own values (checked against plain index arithmetic)', () => {
    const t = readPyTorch(file('shared.pt'));
    const w = t.w.data; // (4, 6)
    const at = (r: number, c: number) => w[r * 6 + c];
    expect(t.t.shape).toEqual([6, 4]);
    for (let r = 0; r < 6; r++) for (let c = 0; c < 4; c++) expect(t.t.data[r * 4 + c]).toBe(at(c, r));
    expect(Array.from(t.row.data)).toEqual(Array.from(w.subarray(12, 18)));
    expect(t.cols.shape).toEqual([4, 3]);
    for (let r = 0; r < 4; r++) for (let c = 0; c < 3; c++) expect(t.cols.data[r * 3 + c]).toBe(at(r, c + 1));
    expect(Array.from(t.strided.data)).toEqual([at(0, 0), at(0, 3), at(2, 0), at(2, 3)]);
    expect(t.scalar.shape).toEqual([]);
    expect(Array.from(t.scalar.data)).toEqual([at(1, 2)]);
    expect(Array.from(t.expanded.data)).toEqual([0, 1, 2].flatMap(() => Array.from(w.subarray(6, 12))));
    expect(Array.from(t.alias.data)).toEqual(Array.from(w));
    expect(t.empty).toEqual({ shape: [0, 3], data: new Float32Array(0) });
    // 'b' is the flat buffer's values 12..29 as (6, 3); 'bt' its transpose
    for (let r = 0; r < 3; r++) for (let c = 0; c < 6; c++) expect(t.bt.data[r * 6 + c]).toBe(t.b.data[c * 3 + r]);
  });

  it('a checkpoint: nested dicts give dotted names, non-tensor leaves are skipped', () => {
    const names = Object.keys(readPyTorch(file('checkpoint.pt')));
    expect(names).toContain('model.rnn.weight_ih_l0');
    expect(names).toContain('optimizer.state.0.exp_avg');
    expect(names).toContain('params.weight');
    expect(names.some((n) => /epoch|loss|name|flags|param_groups/.test(n))).toBe(false);
  });

  it('the DataParallel file keeps its module. prefix', () => {
    expect(Object.keys(readPyTorch(file('lstm_dataparallel_p4.pt')))[0]).toBe('module.embedding.weight');
  });

  it('float16, bfloat16 and float64 edge values: subnormals, extremes, overflow, infinities, NaN, -0', () => {
    const got = readPyTorch(file('dtypes.pt'));
    const { bits } = JSON.parse(readFileSync(new URL('dtypes.json', DIR), 'utf8')) as {
      bits: Record<string, number[]>;
    };
    expect(Object.keys(got)).toEqual(['half', 'bf16', 'double']);
    for (const [name, want] of Object.entries(bits)) {
      const have = new Uint32Array(Float32Array.from(got[name].data).buffer);
      want.forEach((w, i) => {
        const nan = (w & 0x7f800000) === 0x7f800000 && (w & 0x7fffff) !== 0;
        if (nan) expect(Number.isNaN(got[name].data[i]), `${name}[${i}]`).toBe(true);
        else expect(have[i], `${name}[${i}]`).toBe(w);
      });
    }
  });
});

describe('strand models from the read state dicts predict as torch does', () => {
  let backends: Backend[];
  beforeAll(async () => {
    await init({ backend: 'js' });
    backends = [await wasmBackend(), jsBackend()];
  });

  for (const name of MODELS)
    it(`${name}: within 1e-5 relative, with and without lengths, on both backends`, () => {
      const ref = reference(name).model!;
      const tensors = readPyTorch(file(`${name}.pt`));
      // torch names → strand's: <module>.<param> → <layer index>.<param>
      const index: Record<string, number> = {};
      ref.architecture.layers.forEach((c, i) => {
        index[c.type === 'embedding' ? 'embedding' : c.type === 'dense' ? 'fc' : 'rnn'] = i;
      });
      const renamed: TensorDict = {};
      for (const [torchName, t] of Object.entries(tensors)) {
        const [module, ...rest] = torchName.replace(/^module\./, '').split('.');
        renamed[`${index[module]}.${rest.join('.')}`] = t;
      }
      for (const backend of backends) {
        const model = new SequenceModel({
          layers: layersFromConfig(ref.architecture.layers, backend, 'test'),
          output: 'linear', // torch's reference is the head's logits
        });
        model.loadStateDict(flatten(renamed));
        const { T, B } = ref;
        const full = model.predict(ref.input, { seqLen: T, batch: B });
        const masked = model.predict(ref.input, { seqLen: T, batch: B, lengths: ref.lengths });
        for (const [got, want] of [
          [full, ref.output],
          [masked, ref.outputWithLengths], // padded steps too: the head of zeros, as torch's pad_packed_sequence
        ] as const) {
          expect(got.length).toBe(want.length);
          for (let i = 0; i < want.length; i++)
            expect(Math.abs(got[i] - want[i]), `${name} [${i}]`).toBeLessThanOrEqual(
              1e-5 * Math.max(1, Math.abs(want[i])),
            );
        }
        // the lengths matter: the outputs differ where a sequence has ended
        expect(ref.output.some((v, i) => Math.abs(v - ref.outputWithLengths[i]) > 1e-3)).toBe(true);
        model.dispose();
      }
    });
});

describe('files readPyTorch refuses, and how', () => {
  const refusal = (bytes: Uint8Array): InteropError => {
    try {
      readPyTorch(bytes);
    } catch (e) {
      expect(e).toBeInstanceOf(InteropError);
      return e as InteropError;
    }
    throw new Error('expected an InteropError');
  };

  it('the legacy (pre-1.6) format: says how to re-save', () => {
    const e = refusal(file('legacy.pt'));
    expect(e.message).toMatch(/legacy \(pre-1\.6\).*torch\.save\(model\.state_dict\(\), path\)/);
    expect(e.offset).toBe(0);
  });

  it('a legacy tar file', () => {
    const tar = new Uint8Array(1024);
    tar.set(new TextEncoder().encode('ustar'), 257);
    expect(refusal(tar).found).toBe('a tar');
  });

  it('a TorchScript archive: says it is one and how to re-save', () => {
    const e = refusal(file('torchscript.pt'));
    expect(e.message).toMatch(/TorchScript.*torch\.save\(model\.state_dict\(\), path\)/);
    expect(e.field).toBe('torchscript/code/');
  });

  it('not a zip archive at all', () => {
    const e = refusal(new TextEncoder().encode('{"not": "a torch file"}'));
    expect(e.message).toMatch(/not a zip/);
    expect(refusal(new Uint8Array(0)).message).toMatch(/not a zip/);
  });

  it('checks its arguments and honours maxBytes', () => {
    const bytes = file('lstm.pt');
    expect(() => readPyTorch([1, 2, 3] as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => readPyTorch(bytes, { maxbytes: 10 } as never)).toThrow(/unknown option options\.maxbytes/);
    expect(() => readPyTorch(bytes, { maxBytes: bytes.length - 1 })).toThrow(/pytorch: larger than maxBytes/);
    expect(Object.keys(readPyTorch(bytes, { maxBytes: bytes.length }))).toHaveLength(7);
    // a view of the bytes inside a larger buffer reads the same
    const padded = new Uint8Array(bytes.length + 13);
    padded.set(bytes, 7);
    expectTensors(readPyTorch(padded.subarray(7, 7 + bytes.length)), reference('lstm').tensors);
  });
});
