// Every rule the safetensors reader and loader enforce, each with a file built to break it: the
// refusal is an InteropError that names the problem and the place.
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, Embedding, LSTM, SequenceModel, init } from '../../src/index.ts';
import {
  InteropError,
  loadSafetensors,
  readSafetensors,
  saveSafetensors,
  writeSafetensors,
} from '../../src/interop/index.ts';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

/** A file: the 8-byte length of `header` (or `length` when given), the header's UTF-8 bytes, `data` zero bytes. */
function file(header: string | object, data: number, length?: number | bigint): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data);
  new DataView(out.buffer).setBigUint64(0, BigInt(length ?? text.length), true);
  out.set(text, 8);
  return out;
}

const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

/** Expects `run` to throw an InteropError about safetensors whose message matches every pattern. */
function refused(run: () => unknown, ...patterns: RegExp[]): InteropError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'an InteropError').toBeInstanceOf(InteropError);
  const error = caught as InteropError;
  expect(error.format).toBe('safetensors');
  for (const p of patterns) expect(error.message).toMatch(p);
  return error;
}

describe('readSafetensors refuses', () => {
  it('a valid file is read (the baseline the refusals below depart from)', () => {
    const { tensors } = readSafetensors(file({ a: f32([2], 0, 8), b: f32([1, 1], 8, 12) }, 12));
    expect(Object.keys(tensors)).toEqual(['a', 'b']);
  });

  it('a file shorter than the header length field', () => {
    for (const n of [0, 1, 7]) refused(() => readSafetensors(new Uint8Array(n)), /truncated/, /8 bytes or more/);
  });

  it('a header length beyond the file', () => {
    const e = refused(() => readSafetensors(file('{}', 0, 3)), /runs past the end of the file/, /at most 2, found 3/);
    expect(e.offset).toBe(0);
  });

  it('a header length above the 100 MB limit, however large', () => {
    for (const n of [100_000_001, 2 ** 32, 2n ** 64n - 1n])
      refused(
        () => readSafetensors(file('{}', 0, n)),
        /header length is above 100 MB/,
        new RegExp(`found ${Number(n)}\\)`),
      );
  });

  it('a header that is not JSON, not UTF-8, not an object, or does not start with {', () => {
    refused(() => readSafetensors(file('{"a":', 0)), /not a JSON object/);
    refused(() => readSafetensors(file('', 0)), /not a JSON object/);
    const bad = file('{"a":1}', 0);
    bad[10] = 0xff;
    refused(() => readSafetensors(bad), /not a JSON object/, /not UTF-8/);
    refused(() => readSafetensors(file('[]', 0)), /not a JSON object/);
    refused(() => readSafetensors(file('null', 0)), /not a JSON object/);
    refused(() => readSafetensors(file(' {}', 0)), /not a JSON object/, /UTF-8 JSON from \{/);
  });

  it('a repeated name, also when spelt with escapes, and a repeated __metadata__', () => {
    const entry = JSON.stringify(f32([1], 0, 4));
    const e = refused(() => readSafetensors(file(`{"w":${entry},"w":${entry}}`, 4)), /name is repeated/);
    expect(e.field).toBe('w');
    refused(() => readSafetensors(file(`{"w":${entry},"\\u0077":${entry}}`, 4)), /name is repeated/);
    refused(
      () => readSafetensors(file(`{"__metadata__":{},"w":${entry},"__metadata__":{"x":"y"}}`, 4)),
      /name is repeated.*__metadata__/,
    );
    // names repeated inside a value are not names
    const nested = `{"__metadata__":{"w":"1","q":"{\\"w\\":2}"},"w":${entry}}`;
    expect(Object.keys(readSafetensors(file(nested, 4)).tensors)).toEqual(['w']);
  });

  it('__metadata__ that is not an object of strings', () => {
    const e = refused(() => readSafetensors(file({ __metadata__: { a: 1 } }, 0)), /__metadata__ value is not a string/);
    expect(e.field).toBe('__metadata__.a');
    refused(() => readSafetensors(file({ __metadata__: ['x'] }, 0)), /__metadata__ is not an object/);
    refused(() => readSafetensors(file({ __metadata__: 'x' }, 0)), /__metadata__ is not an object/);
    // null is no metadata, as the reference reads it
    expect(readSafetensors(file({ __metadata__: null }, 0)).metadata).toEqual({});
  });

  it('a dtype it does not read, by name', () => {
    for (const dtype of ['I64', 'F8_E4M3', 'f32', 'BOOL', 7])
      refused(
        () => readSafetensors(file({ w: { dtype, shape: [1], data_offsets: [0, 8] } }, 8)),
        /invalid dtype/,
        new RegExp(`found ${JSON.stringify(dtype)}`),
        /expected F64, F32, F16 or BF16/,
      );
  });

  it('a shape of negative, fractional, unsafe or non-numbers, and malformed entries', () => {
    for (const shape of [[-1], [1.5], [2 ** 53], ['2'], [null], 3, null])
      refused(
        () => readSafetensors(file({ w: { dtype: 'F32', shape, data_offsets: [0, 4] } }, 4)),
        /invalid shape/,
        /w\.shape/,
      );
    refused(
      () => readSafetensors(file('{"w":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}}', 4)),
      /invalid shape/,
    );
    // a shape whose product overflows is refused, as the reference refuses it, even with a zero
    refused(() => readSafetensors(file({ a: f32([2 ** 40, 2 ** 40, 0], 0, 0) }, 0)), /invalid shape/);
    refused(() => readSafetensors(file({ w: [] }, 0)), /invalid entry/);
    refused(() => readSafetensors(file({ w: 'F32' }, 0)), /invalid entry/);
    refused(() => readSafetensors(file({ w: { dtype: 'F32', shape: [1] } }, 4)), /invalid data_offsets/);
  });

  it('offsets that are not [begin, end] with 0 ≤ begin ≤ end', () => {
    for (const offsets of [[0], [0, 4, 8], [4, 0], [-4, 0], [0, 4.5], ['0', '4']])
      refused(
        () => readSafetensors(file({ w: { dtype: 'F32', shape: [1], data_offsets: offsets } }, 4)),
        /invalid data_offsets/,
      );
  });

  it('a gap between tensors or before the first', () => {
    const e = refused(
      () => readSafetensors(file({ a: f32([2], 0, 8), b: f32([2], 12, 20) }, 20)),
      /gap before a tensor/,
    );
    expect(e.field).toBe('b.data_offsets');
    expect(e.expected).toBe('begin 8');
    refused(() => readSafetensors(file({ a: f32([2], 4, 12) }, 12)), /gap before a tensor/);
  });

  it('tensors that overlap, or share their bytes', () => {
    refused(() => readSafetensors(file({ a: f32([2], 0, 8), b: f32([2], 4, 12) }, 12)), /tensors overlap/);
    refused(() => readSafetensors(file({ a: f32([2], 0, 8), b: f32([2], 0, 8) }, 8)), /tensors overlap/);
  });

  it('bytes after the last tensor', () => {
    const e = refused(
      () => readSafetensors(file({ a: f32([2], 0, 8) }, 9)),
      /bytes after the last tensor/,
      /found 1 bytes/,
    );
    expect(e.offset).toBe(8 + JSON.stringify({ a: f32([2], 0, 8) }).length + 8);
    refused(() => readSafetensors(file({}, 1)), /bytes after the last tensor/);
  });

  it("a tensor's byte count that disagrees with its shape and dtype", () => {
    refused(() => readSafetensors(file({ a: f32([3], 0, 8) }, 8)), /does not match its shape/, /expected 12 bytes/);
    refused(
      () => readSafetensors(file({ a: { dtype: 'F16', shape: [2, 2], data_offsets: [0, 16] } }, 16)),
      /does not match/,
    );
  });

  it('a tensor that runs past the end of the file', () => {
    refused(() => readSafetensors(file({ a: f32([2], 0, 8) }, 4)), /runs past the end of the file/, /end ≤ 4/);
  });

  it('files above maxBytes (an InteropError, as every interop refusal), and bad arguments', () => {
    const bytes = file({ a: f32([2], 0, 8) }, 8);
    expect(() => readSafetensors(bytes, { maxBytes: bytes.length - 1 })).toThrow(/safetensors: larger than maxBytes/);
    expect(readSafetensors(bytes, { maxBytes: bytes.length }).tensors.a.shape).toEqual([2]);
    expect(() => readSafetensors(bytes, { maxbytes: 1 } as never)).toThrow(/unknown option/);
    expect(() => readSafetensors([1, 2] as never)).toThrow(TypeError);
  });
});

describe('loadSafetensors refuses', () => {
  function saved(): { tensors: ReturnType<typeof readSafetensors>['tensors']; metadata: Record<string, string> } {
    const model = new SequenceModel({
      layers: [new Embedding(6, 3, { seed: 1 }), new LSTM(3, 4, { seed: 2 }), new Dense(4, 6, { seed: 3 })],
    });
    const bytes = saveSafetensors(model, { rename: { '0': 'embedding', '1': 'rnn', '2': 'fc' } });
    model.dispose();
    return readSafetensors(bytes);
  }

  it('an invalid architecture, naming the entry and field', () => {
    const { tensors, metadata } = saved();
    const model = JSON.parse(metadata['strand.model']);
    model.layers[1].hiddenSize = 0;
    const e = refused(
      () => loadSafetensors(writeSafetensors(tensors, { ...metadata, 'strand.model': JSON.stringify(model) })),
      /strand architecture is invalid/,
    );
    expect(e.field).toBe('__metadata__.strand.model.layers[1].hiddenSize');
    model.layers[1].hiddenSize = 4;
    model.layers[1].type = 'transformer';
    refused(
      () => loadSafetensors(writeSafetensors(tensors, { ...metadata, 'strand.model': JSON.stringify(model) })),
      /layers\[1\]\.type/,
    );
    refused(
      () => loadSafetensors(writeSafetensors(tensors, { ...metadata, 'strand.model': '{"output":' })),
      /not JSON/,
      /strand\.model/,
    );
    refused(
      () => loadSafetensors(writeSafetensors(tensors, { ...metadata, 'strand.dropout': '{}' })),
      /strand\.dropout/,
    );
    refused(
      () => loadSafetensors(writeSafetensors(tensors, { ...metadata, 'strand.metadata': '[]' })),
      /strand\.metadata/,
    );
  });

  it('tensors that do not fit: missing, extra, of a wrong shape (same size), not finite', () => {
    const { tensors, metadata } = saved();
    const { 'rnn.bias_hh_l0': _, ...missing } = tensors;
    refused(() => loadSafetensors(writeSafetensors(missing, metadata)), /do not fit/);
    const extra = { ...tensors, 'rnn.weight_ih_l1': tensors['rnn.weight_ih_l0'] };
    refused(() => loadSafetensors(writeSafetensors(extra, metadata)), /do not fit/);
    const w = tensors['rnn.weight_ih_l0'];
    const transposed = { ...tensors, 'rnn.weight_ih_l0': { shape: [3, 16], data: w.data } };
    const e = refused(() => loadSafetensors(writeSafetensors(transposed, metadata)), /wrong shape/);
    expect([e.field, e.expected, e.found]).toEqual(['rnn.weight_ih_l0', '[16, 3]', '[3, 16]']);
    const nan = w.data.slice();
    nan[5] = Number.NaN;
    refused(
      () =>
        loadSafetensors(writeSafetensors({ ...tensors, 'rnn.weight_ih_l0': { shape: w.shape, data: nan } }, metadata)),
      /do not fit/,
      /finite/,
    );
  });

  it('a rename map that is not distinct strings, and two tensors that map to one parameter', () => {
    const { tensors, metadata } = saved();
    for (const rename of ['[]', '{"0":1}', '{"0":"a","1":"a"}', '"x"'])
      refused(
        () => loadSafetensors(writeSafetensors(tensors, { ...metadata, 'strand.rename': rename })),
        /rename map is invalid/,
      );
    const twice = { ...tensors, '1.weight_ih_l0': tensors['rnn.weight_ih_l0'] };
    refused(() => loadSafetensors(writeSafetensors(twice, metadata)), /two tensors are one parameter/);
  });

  it('a model above maxParameters (an InteropError, as every interop refusal)', () => {
    const { tensors, metadata } = saved();
    expect(() => loadSafetensors(writeSafetensors(tensors, metadata), { maxParameters: 100 })).toThrow(
      /safetensors: larger than maxParameters/,
    );
    expect(() => loadSafetensors(writeSafetensors(tensors, metadata), { maxParameter: 100 } as never)).toThrow(
      /unknown option/,
    );
  });
});
