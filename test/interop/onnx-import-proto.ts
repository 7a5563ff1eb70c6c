// Test helpers for the ONNX importer's tests: protobuf encoding primitives (any varint, any wire
// type, lengths that lie) and a small hand-built ONNX model, with onnx.proto's field numbers.

/** Encoded bytes, concatenated by spreading. */
export type Bytes = number[];

/** A varint: a non-negative value as is, a negative one as its 64-bit two's complement (10 bytes). */
export function varint(value: number | bigint): Bytes {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: Bytes = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** A field key: field number and wire type. */
export const key = (field: number, wire: number): Bytes => varint(field * 8 + wire);
/** A varint field. */
export const int = (field: number, value: number | bigint): Bytes => [...key(field, 0), ...varint(value)];
/** A length-delimited field holding `body`. */
export const len = (field: number, ...body: Bytes[]): Bytes => [
  ...key(field, 2),
  ...varint(body.flat().length),
  ...body.flat(),
];
/** A string field. */
export const str = (field: number, text: string): Bytes => len(field, [...new TextEncoder().encode(text)]);
/** A fixed32 float field. */
export const f32 = (field: number, value: number): Bytes => [...key(field, 5), ...le32(value)];

/** A float32's 4 little-endian bytes. */
export function le32(value: number): Bytes {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, value, true);
  return [...b];
}

/** Bytes of a message. */
export const bytes = (...parts: Bytes[]): Uint8Array => Uint8Array.from(parts.flat());

// onnx.proto field numbers
const T = { dims: 1, dataType: 2, floatData: 4, int32Data: 5, int64Data: 7, name: 8, rawData: 9 };
const N = { input: 1, output: 2, opType: 4, attribute: 5 };
const A = { name: 1, i: 3, type: 20 };

/** A TensorProto of FLOAT values (raw_data) with dims. */
export function floatTensor(name: string, dims: number[], values: number[]): Bytes {
  return [
    ...dims.flatMap((d) => int(T.dims, d)),
    ...int(T.dataType, 1),
    ...str(T.name, name),
    ...len(T.rawData, values.flatMap(le32)),
  ];
}

/** The tensor fields of the ways ONNX stores the same FLOAT values. */
export const floatStorages = {
  raw: (v: number[]): Bytes => len(T.rawData, v.flatMap(le32)),
  packed: (v: number[]): Bytes => len(T.floatData, v.flatMap(le32)),
  unpacked: (v: number[]): Bytes => v.flatMap((x) => f32(T.floatData, x)),
};

/** The tensor fields of the ways ONNX stores the same INT64 (or INT32) values. */
export const intStorages = {
  int64Packed: (v: number[]): Bytes => [
    ...int(T.dataType, 7),
    ...len(
      T.int64Data,
      v.flatMap((x) => varint(x)),
    ),
  ],
  int64Unpacked: (v: number[]): Bytes => [...int(T.dataType, 7), ...v.flatMap((x) => int(T.int64Data, x))],
  int64Raw: (v: number[]): Bytes => {
    const b = new Uint8Array(8 * v.length);
    v.forEach((x, i) => new DataView(b.buffer).setBigInt64(8 * i, BigInt(x), true));
    return [...int(T.dataType, 7), ...len(T.rawData, [...b])];
  },
  int32Packed: (v: number[]): Bytes => [
    ...int(T.dataType, 6),
    ...len(
      T.int32Data,
      v.flatMap((x) => varint(x)),
    ),
  ],
};

/** A NodeProto. */
export function node(op: string, inputs: string[], outputs: string[], ...attributes: Bytes[]): Bytes {
  return [
    ...inputs.flatMap((i) => str(N.input, i)),
    ...outputs.flatMap((o) => str(N.output, o)),
    ...str(N.opType, op),
    ...attributes.flatMap((a) => len(N.attribute, a)),
  ];
}

/** An INT AttributeProto. */
export const intAttribute = (name: string, value: number): Bytes => [
  ...str(A.name, name),
  ...int(A.i, value),
  ...int(A.type, 2),
];

/**
 * A ModelProto (opset 17) of features (T, B, 2) → RNN (hidden 2) → Squeeze(axes) → MatMul → output
 * (T, B, 3), with the values below; `axes` is the Squeeze axes tensor's storage fields, `weights`
 * the way W, R and B are stored.
 */
export function tinyRnn(
  axes: Bytes = intStorages.int64Packed([1]),
  weights: (v: number[]) => Bytes = floatStorages.raw,
  extraGraphFields: Bytes = [],
): Uint8Array {
  const W = [0.5, -0.25, 0.75, 1]; // (1, 2, 2)
  const R = [0.125, -0.5, 0.25, 0.375]; // (1, 2, 2)
  const B = [0.1, -0.2, 0.3, 0.4]; // (1, 4)
  const head = [1, 2, 3, -1, -2, -3]; // (2, 3): MatMul's B is (in, out)
  const weight = (name: string, dims: number[], v: number[]): Bytes => [
    ...dims.flatMap((d) => int(T.dims, d)),
    ...int(T.dataType, 1),
    ...str(T.name, name),
    ...weights(v),
  ];
  const graph = [
    ...len(1, node('RNN', ['x', 'W', 'R', 'B'], ['y'], intAttribute('hidden_size', 2))),
    ...len(1, node('Squeeze', ['y', 'axes'], ['ys'])),
    ...len(1, node('MatMul', ['ys', 'head'], ['out'])),
    ...len(5, weight('W', [1, 2, 2], W)),
    ...len(5, weight('R', [1, 2, 2], R)),
    ...len(5, weight('B', [1, 4], B)),
    ...len(5, floatTensor('head', [2, 3], head)),
    ...len(5, int(T.dims, 1), str(T.name, 'axes'), axes),
    ...len(11, str(1, 'x')),
    ...len(12, str(1, 'out')),
    ...extraGraphFields,
  ];
  return bytes(int(1, 8), len(8, int(2, 17)), len(7, graph));
}

/** What strand's state dict holds for {@link tinyRnn}: RNN weights as stored, the head transposed. */
export const TINY_RNN_STATE = {
  '0.weight_ih_l0': [0.5, -0.25, 0.75, 1],
  '0.weight_hh_l0': [0.125, -0.5, 0.25, 0.375],
  '0.bias_ih_l0': [0.1, -0.2],
  '0.bias_hh_l0': [0.3, 0.4],
  '1.weight': [1, -1, 2, -2, 3, -3],
};
