// The protobuf writer against the wire format (the protobuf documentation's examples and hand-
// worked negative int64s), the ONNX protos it builds against onnx.proto's field numbers, and the
// graph builder's pruning of what no output needs (checked by onnxruntime, which would refuse the
// unknown op if it were kept).
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { ONNX_FLOAT, OnnxGraph, tensorProto, valueInfo } from '../../src/interop/onnx-graph.ts';
import { ProtoWriter } from '../../src/interop/protobuf-writer.ts';

const bytes = (w: ProtoWriter): number[] => [...w.finish()];
const FF9 = Array(9).fill(0xff);

describe('ProtoWriter', () => {
  it('writes varints, strings and nested messages', () => {
    expect(bytes(new ProtoWriter().varint(1, 150))).toEqual([0x08, 0x96, 0x01]);
    expect(bytes(new ProtoWriter().string(2, 'testing'))).toEqual([0x12, 0x07, ...new TextEncoder().encode('testing')]);
    expect(bytes(new ProtoWriter().message(3, new ProtoWriter().varint(1, 150)))).toEqual([0x1a, 3, 0x08, 0x96, 0x01]);
    expect(bytes(new ProtoWriter().varint(1, 2 ** 35))).toEqual([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(bytes(new ProtoWriter().varint(1, 0).bytes(2, new Uint8Array(0)))).toEqual([0x08, 0, 0x12, 0]);
  });

  it('writes negative int64s as ten-byte two’s complement varints; varint refuses them', () => {
    expect(bytes(new ProtoWriter().int64(1, -1))).toEqual([0x08, ...FF9, 0x01]);
    expect(bytes(new ProtoWriter().int64(1, -2))).toEqual([0x08, 0xfe, ...FF9.slice(1), 0x01]);
    // −(2⁵³ − 1) = 0xFFE0_0000_0000_0001
    expect(bytes(new ProtoWriter().int64(1, Number.MIN_SAFE_INTEGER))).toEqual([
      0x08, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0xf0, 0xff, 0x01,
    ]);
    expect(bytes(new ProtoWriter().int64(1, 5))).toEqual([0x08, 0x05]);
    expect(() => new ProtoWriter().varint(1, -1)).toThrow(RangeError);
    expect(() => new ProtoWriter().int64(1, 2 ** 53)).toThrow(RangeError);
    expect(() => new ProtoWriter().int64(1, 0.5)).toThrow(RangeError);
  });

  it('writes fixed32 floats and packed int64s', () => {
    expect(bytes(new ProtoWriter().float32(1, 1))).toEqual([0x0d, 0x00, 0x00, 0x80, 0x3f]);
    expect(bytes(new ProtoWriter().float32(2, -2.5))).toEqual([0x15, 0x00, 0x00, 0x20, 0xc0]);
    // the protobuf documentation's packed example: field 4 = [3, 270, 86942]
    expect(bytes(new ProtoWriter().packedInt64(4, [3, 270, 86942]))).toEqual([
      0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05,
    ]);
    expect(bytes(new ProtoWriter().packedInt64(1, [0, -1]))).toEqual([0x0a, 11, 0x00, ...FF9, 0x01]);
    expect(bytes(new ProtoWriter().packedInt64(1, []))).toEqual([0x0a, 0]);
  });
});

describe('ONNX protos', () => {
  it('TensorProto: dims 1, data_type 2, int64_data 7, name 8, raw_data 9', () => {
    expect(bytes(tensorProto('x', [2], [-1, 0]))).toEqual([
      0x0a,
      1,
      2,
      0x10,
      7,
      0x3a,
      11,
      ...FF9,
      0x01,
      0x00,
      0x42,
      1,
      0x78,
    ]);
    expect(bytes(tensorProto('w', [1, 2], Float32Array.of(1, -2.5)))).toEqual([
      0x0a, 2, 1, 2, 0x10, 1, 0x42, 1, 0x77, 0x4a, 8, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0,
    ]);
  });

  it('ValueInfoProto: name 1, type 2 { tensor_type 1 { elem_type 1, shape 2 { dim 1 { dim_value 1 | dim_param 2 } } } }', () => {
    const dims = [0x0a, 3, 0x12, 1, 0x54, 0x0a, 2, 0x08, 4]; // dim { dim_param "T" }, dim { dim_value 4 }
    const tensorType = [0x08, 1, 0x12, dims.length, ...dims];
    expect(bytes(valueInfo('y', ONNX_FLOAT, ['T', 4]))).toEqual([
      0x0a,
      1,
      0x79,
      0x12,
      tensorType.length + 2,
      0x0a,
      tensorType.length,
      ...tensorType,
    ]);
  });

  it('a graph keeps only the nodes and initializers its outputs need', async () => {
    const g = new OnnxGraph();
    g.io('x', ONNX_FLOAT, [2]);
    g.node('NoSuchOp', ['x', g.ints([7])]); // dangling: no output reads it
    const y = g.node('Neg', ['x'])[0];
    g.node('Add', [y, g.initializer('one', [1], Float32Array.of(1))], {}, ['y']);
    g.io('y', ONNX_FLOAT, [2], true);
    const file = g.encode('test', 'test');
    expect(new TextDecoder().decode(file)).not.toContain('NoSuchOp');
    const session = await ort.InferenceSession.create(file);
    try {
      const { y: out } = await session.run({ x: new ort.Tensor('float32', Float32Array.of(2, -3), [2]) });
      expect([...(out.data as Float32Array)]).toEqual([-1, 4]);
    } finally {
      await session.release();
    }
  });
});
