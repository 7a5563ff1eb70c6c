// The ONNX importer's decoding, on hand-built bytes: the bounded protobuf reader (varints,
// wire types, lengths, nesting, unknown fields), a tensor's values in every storage ONNX allows,
// and graphs that are damaged in ways a fixture cannot be.
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/index.ts';
import { InteropError, importOnnx } from '../../src/interop/index.ts';
import { readOnnxModel, tensorValues, type OnnxTensor } from '../../src/interop/onnx-read.ts';
import { decodeProto, MAX_MESSAGE_DEPTH, type ProtoSchema } from '../../src/interop/protobuf-reader.ts';
import {
  bytes,
  f32,
  floatStorages,
  floatTensor,
  int,
  intAttribute,
  intStorages,
  key,
  le32,
  len,
  node,
  str,
  TINY_RNN_STATE,
  tinyRnn,
  varint,
} from './onnx-import-proto.ts';

/** The InteropError `f` throws (failing the test when it throws none, or another error). */
function refusal(f: () => unknown): InteropError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(InteropError);
    return error as InteropError;
  }
  throw new Error('expected an InteropError');
}

const SCHEMA: ProtoSchema = {
  1: ['n', 'int'],
  2: ['list', 'ints'],
  3: ['x', 'float'],
  4: ['name', 'string'],
  5: ['sub', { 1: ['n', 'int'] }],
  6: ['subs', [{ 1: ['n', 'int'] }]],
  7: ['floats', 'floats'],
};
const decode = (...parts: number[][]): Record<string, unknown> => decodeProto(bytes(...parts), SCHEMA, 'm');

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

describe('decodeProto', () => {
  it('reads each field type, packed and unpacked, and skips unknown fields of every wire type', () => {
    const m = decode(
      int(1, 300),
      int(2, 1),
      len(2, varint(2), varint(-3)),
      f32(3, 1.5),
      str(4, 'é'),
      len(5, int(1, 7)),
      len(6, int(1, 1)),
      len(6),
      len(7, le32(0.5), le32(-2)),
      f32(7, 4),
      int(99, 5),
      [...key(98, 1), 1, 2, 3, 4, 5, 6, 7, 8],
      len(97, [1, 2, 3]),
      f32(96, 1),
    );
    expect(m).toEqual({
      n: 300,
      list: [1, 2, -3],
      x: 1.5,
      name: 'é',
      sub: { n: 7 },
      subs: [{ n: 1 }, {}],
      floats: [0.5, -2, 4],
    });
  });

  it('reads int64 varints exactly up to 2^53 and negative ones as their value', () => {
    expect(decode(int(1, -1)).n).toBe(-1);
    expect(decode(int(1, -(2 ** 40))).n).toBe(-(2 ** 40));
    expect(decode(int(1, 2 ** 53)).n).toBe(2 ** 53);
    expect(decode(int(1, 2 ** 32 + 5)).n).toBe(2 ** 32 + 5);
  });

  it('refuses varints of 11 bytes and varints that run past their message', () => {
    const long = refusal(() => decode(key(1, 0), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    expect(long.message).toContain('too long');
    expect(long.offset).toBe(1);
    expect(refusal(() => decode(key(1, 0), [0x80, 0x80])).message).toContain('overruns');
    // a varint that runs past its sub-message but not the buffer
    const inner = refusal(() => decode([...key(5, 2), 2, ...key(1, 0), 0x80], int(1, 1)));
    expect(inner.message).toContain('overruns');
    expect(inner.field).toBe('m.sub.n');
  });

  it('refuses a known field of the wrong wire type, naming it and its offset', () => {
    const e = refusal(() => decode(int(1, 1), len(5, int(1, 2)), int(4, 3)));
    expect(e.field).toBe('m.name');
    expect(e.offset).toBe(6);
    expect(e.message).toContain('wire type');
    expect(refusal(() => decode(f32(1, 1))).field).toBe('m.n');
    expect(refusal(() => decode(int(6, 1))).field).toBe('m.subs');
  });

  it('refuses invalid tags: field 0, groups, wire types 6 and 7', () => {
    for (const tag of [[0x00], key(1, 3), key(1, 4), key(1, 6), key(1, 7)])
      expect(refusal(() => decode(tag, [0])).message).toContain('tag');
  });

  it('refuses lengths beyond the bytes left, absurd ones included', () => {
    for (const n of [3, 1000, 2 ** 31, 2 ** 62, -1]) {
      const e = refusal(() => decode([...key(4, 2), ...varint(n), 65, 66]));
      expect(e.message).toContain('length overruns');
      expect(e.offset).toBe(1);
    }
    // a packed run whose last value crosses its end; packed floats not a multiple of 4
    expect(refusal(() => decode([...key(2, 2), 1, 0x80, 0x01])).message).toContain('overruns');
    expect(refusal(() => decode(len(7, [0, 0, 0, 0, 0]))).message).toContain('overruns');
    // a fixed64 / fixed32 unknown field cut short
    expect(refusal(() => decode([...key(98, 1), 1, 2, 3])).message).toContain('overruns');
  });

  it('bounds the nesting depth and the number of messages', () => {
    const nested: ProtoSchema = {};
    (nested as Record<number, [string, unknown]>)[1] = ['child', nested];
    let m: number[] = [];
    for (let i = 0; i < MAX_MESSAGE_DEPTH + 5; i++) m = len(1, m);
    expect(refusal(() => decodeProto(bytes(m), nested, 'm')).message).toContain('nest too deep');
    m = [];
    for (let i = 0; i < MAX_MESSAGE_DEPTH; i++) m = len(1, m);
    expect(() => decodeProto(bytes(m), nested, 'm')).not.toThrow();
    // 2-byte empty messages: more of them than a quarter of the bytes
    const many = Array.from({ length: 1000 }, () => len(6)).flat();
    expect(refusal(() => decode(many)).message).toContain('too many messages');
  });
});

describe('tensorValues', () => {
  const tensor = (t: OnnxTensor): number[] => [...tensorValues(t, 't').data];
  const raw = (...b: number[]): Uint8Array => Uint8Array.from(b);

  it('decodes FLOAT16 and BFLOAT16 from raw_data and int32_data', () => {
    // 1, −2, the smallest subnormal, 65504
    const halves = [0x3c00, 0xc000, 0x0001, 0x7bff];
    const le = halves.flatMap((h) => [h & 0xff, h >> 8]);
    expect(tensor({ dims: [4], data_type: 10, raw_data: raw(...le) })).toEqual([1, -2, 2 ** -24, 65504]);
    expect(tensor({ dims: [4], data_type: 10, int32_data: halves })).toEqual([1, -2, 2 ** -24, 65504]);
    expect(tensor({ dims: [2], data_type: 10, int32_data: [0x7c00, 0xfc00] })).toEqual([Infinity, -Infinity]);
    expect(tensor({ dims: [3], data_type: 16, int32_data: [0x3f80, 0xc000, 0x3e20] })).toEqual([1, -2, 0.15625]);
    expect(tensor({ dims: [1], data_type: 16, raw_data: raw(0x80, 0xbf) })).toEqual([-1]);
  });

  it('decodes INT64 and INT32 from raw_data and the typed fields', () => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setBigInt64(0, -1n, true);
    new DataView(b.buffer).setBigInt64(8, 2n ** 40n, true);
    expect(tensor({ dims: [2], data_type: 7, raw_data: b })).toEqual([-1, 2 ** 40]);
    expect(tensor({ dims: [2], data_type: 7, int64_data: [-1, 3] })).toEqual([-1, 3]);
    expect(tensor({ dims: [1], data_type: 6, raw_data: raw(0xfe, 0xff, 0xff, 0xff) })).toEqual([-2]);
    expect(tensor({ dims: [], data_type: 1, float_data: [2.5] })).toEqual([2.5]);
  });

  it('refuses dims that the values do not fill, before allocating', () => {
    const huge = 2 ** 31;
    for (const dims of [[huge, huge], [huge, huge, huge, huge], [3], [0]]) {
      const e = refusal(() => tensorValues({ dims, data_type: 1, raw_data: new Uint8Array(8) }, 'w'));
      expect(e.message).toContain('do not fill');
      expect(e.field).toBe('w');
    }
    expect(refusal(() => tensorValues({ dims: [3], data_type: 1, raw_data: new Uint8Array(11) }, 'w')).found).toBe(
      '11 bytes of raw_data',
    );
    expect(refusal(() => tensorValues({ dims: [-1], data_type: 1 }, 'w')).message).toContain('dimension');
    expect(refusal(() => tensorValues({ dims: [1], data_type: 1, float_data: [] }, 'w')).found).toBe('0 values');
  });

  it('refuses other element types and external data', () => {
    expect(refusal(() => tensorValues({ dims: [1], data_type: 11, raw_data: new Uint8Array(8) }, 'w')).found).toBe(
      'DOUBLE',
    );
    expect(refusal(() => tensorValues({ dims: [1], data_type: 3 }, 'w')).found).toBe('INT8');
    expect(refusal(() => tensorValues({ dims: [1], data_type: 99 }, 'w')).found).toBe('data_type 99');
    expect(refusal(() => tensorValues({ dims: [1], data_type: 1, data_location: 1 }, 'w')).message).toContain(
      'external',
    );
  });
});

describe('importOnnx on hand-built graphs', () => {
  const state = (b: Uint8Array): Record<string, number[]> => {
    const model = importOnnx(b);
    const dict = model.stateDict();
    model.dispose();
    return Object.fromEntries(Object.entries(dict).map(([k, v]) => [k, [...v]]));
  };
  const expected = Object.fromEntries(Object.entries(TINY_RNN_STATE).map(([k, v]) => [k, [...Float32Array.from(v)]]));

  it('reads weights stored as raw_data, packed float_data and unpacked float_data alike', () => {
    for (const [how, storage] of Object.entries(floatStorages))
      expect(state(tinyRnn(undefined, storage)), how).toEqual(expected);
  });

  it('reads the Squeeze axes as packed, unpacked and raw INT64, and as INT32', () => {
    for (const [how, storage] of Object.entries(intStorages))
      expect(state(tinyRnn(storage([1]))), how).toEqual(expected);
    const wrong = refusal(() => importOnnx(tinyRnn(intStorages.int64Unpacked([0]))));
    expect(wrong.message).toContain('Squeeze');
  });

  it('skips unknown fields and ONNX fields it does not read', () => {
    const extra = [...int(99, 1), ...len(10, str(1, 'doc')), ...len(13, str(1, 'value info')), ...f32(98, 1)];
    expect(state(tinyRnn(undefined, undefined, extra))).toEqual(expected);
  });

  it('refuses a non-finite weight, naming it', () => {
    const nan = (v: number[]): number[] => floatStorages.raw(v.map((x, i) => (i === 1 ? Number.NaN : x)));
    const e = refusal(() => importOnnx(tinyRnn(undefined, nan)));
    expect(e.message).toContain('not finite');
    expect(e.field).toBe('graph.node[0].input[1]');
  });

  it('refuses graphs with a cycle, a value produced twice, no graph, no opset', () => {
    const cycle = [...len(1, node('Identity', ['c2'], ['c1'])), ...len(1, node('Identity', ['c1'], ['c2']))];
    const cyclic = bytes(int(1, 8), len(8, int(2, 17)), len(7, cycle, len(12, str(1, 'c1'))));
    expect(refusal(() => importOnnx(cyclic)).message).toContain('cycle');
    const twice = bytes(
      int(1, 8),
      len(8, int(2, 17)),
      len(7, len(1, node('Shape', ['a'], ['b'])), len(1, node('Shape', ['a'], ['b']))),
    );
    expect(refusal(() => importOnnx(twice)).message).toContain('two producers');
    expect(refusal(() => importOnnx(bytes(int(1, 8)))).message).toContain('no graph');
    expect(refusal(() => importOnnx(bytes(int(1, 8), len(7)))).message).toContain('opset');
    expect(refusal(() => importOnnx(new Uint8Array(0))).message).toContain('no graph');
  });

  it('refuses a stack deeper than strand holds (1025 stacked nodes sharing their weights)', () => {
    const graph: number[] = [];
    let x = 'x';
    for (let k = 0; k < 1025; k++) {
      graph.push(...len(1, node('RNN', [x, 'W', 'R', 'B'], [`y${k}`], intAttribute('hidden_size', 1))));
      graph.push(...len(1, node('Squeeze', [`y${k}`, 'axes'], [`s${k}`])));
      x = `s${k}`;
    }
    graph.push(...len(1, node('MatMul', [x, 'head'], ['out'])));
    const weights: Array<[string, number[]]> = [
      ['W', [1, 1, 1]],
      ['R', [1, 1, 1]],
      ['B', [1, 2]],
      ['head', [1, 1]],
    ];
    for (const [name, dims] of weights) {
      const values = new Array(dims.reduce((a, b) => a * b)).fill(0.5);
      graph.push(...len(5, floatTensor(name, dims, values)));
    }
    graph.push(...len(5, int(1, 1), str(8, 'axes'), intStorages.int64Packed([1])));
    graph.push(...len(11, str(1, 'x')), ...len(12, str(1, 'out')));
    const e = refusal(() => importOnnx(bytes(len(8, int(2, 17)), len(7, graph))));
    expect(e.message).toContain('numLayers');
  });

  it('refuses an attribute of the wrong type', () => {
    const axes = [...str(1, 'axes'), ...int(3, 1), ...int(20, 2)]; // an INT, where Squeeze has INTS
    const graph = [
      ...len(1, node('Squeeze', ['y'], ['ys'], axes)),
      ...len(1, node('MatMul', ['ys', 'head'], ['o'])),
      ...len(5, floatTensor('head', [2, 3], [1, 2, 3, 4, 5, 6])),
      ...len(12, str(1, 'o')),
    ];
    const e = refusal(() => importOnnx(bytes(len(8, int(2, 11)), len(7, graph))));
    expect(e.field).toBe('graph.node[0].attribute.axes');
  });

  it('reads the ModelProto subset: opsets, graph name, node names and attributes', () => {
    const m = readOnnxModel(
      bytes(
        int(1, 8),
        len(8, str(1, ''), int(2, 17)),
        len(7, str(2, 'g'), len(1, str(3, 'n0'), node('LSTM', ['x'], ['y'], intAttribute('hidden_size', 4)))),
      ),
    );
    expect(m.ir_version).toBe(8);
    expect(m.opset_import).toEqual([{ domain: '', version: 17 }]);
    expect(m.graph?.name).toBe('g');
    expect(m.graph?.node?.[0]).toMatchObject({
      name: 'n0',
      op_type: 'LSTM',
      attribute: [{ name: 'hidden_size', i: 4, type: 2 }],
    });
  });
});
