/**
 * The part of ONNX's ModelProto (onnx.proto) that strand's importer reads, decoded with the
 * bounded protobuf reader, and the values of its tensors: FLOAT, FLOAT16, BFLOAT16 (weights),
 * INT32, INT64 (shapes, axes) — from raw_data or the typed fields, the element count checked
 * against the bytes present before anything is allocated.
 */
import { fail } from './error.ts';
import { decodeProto, type ProtoSchema } from './protobuf-reader.ts';
import { bfloat16ToFloat32, float16ToFloat32 } from './dtypes.ts';

/** TensorProto: a tensor's dims, element type and values (in one of several fields). */
export interface OnnxTensor {
  dims?: number[];
  data_type?: number;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  raw_data?: Uint8Array;
  name?: string;
  external_data?: object[];
  data_location?: number;
}

/** AttributeProto: a named constant of a node (one of its value fields is set). */
export interface OnnxAttribute {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
  strings?: string[];
}

/** NodeProto: one operator call. */
export interface OnnxNode {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: OnnxAttribute[];
}

/** ValueInfoProto: a graph input's or output's name (its type is not needed). */
export interface OnnxValueInfo {
  name?: string;
}

/** GraphProto: nodes, initializers, inputs and outputs. */
export interface OnnxGraph {
  node?: OnnxNode[];
  initializer?: OnnxTensor[];
  input?: OnnxValueInfo[];
  output?: OnnxValueInfo[];
  name?: string;
}

/** ModelProto: the file. */
export interface OnnxModel {
  ir_version?: number;
  opset_import?: Array<{ domain?: string; version?: number }>;
  graph?: OnnxGraph;
  metadata_props?: Array<{ key?: string; value?: string }>;
}

// field numbers from onnx.proto
const TENSOR: ProtoSchema = {
  1: ['dims', 'ints'],
  2: ['data_type', 'int'],
  4: ['float_data', 'floats'],
  5: ['int32_data', 'ints'],
  7: ['int64_data', 'ints'],
  8: ['name', 'string'],
  9: ['raw_data', 'bytes'],
  13: ['external_data', [{}]],
  14: ['data_location', 'int'],
};
const ATTRIBUTE: ProtoSchema = {
  1: ['name', 'string'],
  20: ['type', 'int'],
  2: ['f', 'float'],
  3: ['i', 'int'],
  4: ['s', 'string'],
  5: ['t', TENSOR],
  7: ['floats', 'floats'],
  8: ['ints', 'ints'],
  9: ['strings', 'strings'],
};
const NODE: ProtoSchema = {
  1: ['input', 'strings'],
  2: ['output', 'strings'],
  3: ['name', 'string'],
  4: ['op_type', 'string'],
  7: ['domain', 'string'],
  5: ['attribute', [ATTRIBUTE]],
};
const VALUE_INFO: ProtoSchema = {
  1: ['name', 'string'],
};
const GRAPH: ProtoSchema = {
  1: ['node', [NODE]],
  2: ['name', 'string'],
  5: ['initializer', [TENSOR]],
  11: ['input', [VALUE_INFO]],
  12: ['output', [VALUE_INFO]],
};
const MODEL: ProtoSchema = {
  1: ['ir_version', 'int'],
  8: ['opset_import', [{ 1: ['domain', 'string'], 2: ['version', 'int'] }]],
  7: ['graph', GRAPH],
  14: ['metadata_props', [{ 1: ['key', 'string'], 2: ['value', 'string'] }]],
};

/** Decodes an ONNX file's ModelProto (the fields above; others are skipped). */
export function readOnnxModel(bytes: Uint8Array): OnnxModel {
  return decodeProto(bytes, MODEL, 'model') as OnnxModel;
}

/** TensorProto.DataType names by number, for messages. */
export const ONNX_TYPES =
  'UNDEFINED FLOAT UINT8 INT8 UINT16 INT16 INT32 INT64 STRING BOOL FLOAT16 DOUBLE UINT32 UINT64 COMPLEX64 COMPLEX128 BFLOAT16'.split(
    ' ',
  );

/** Bytes per element in raw_data of the element types read: FLOAT, INT32, INT64, FLOAT16, BFLOAT16. */
const RAW_BYTES: Record<number, number> = { 1: 4, 6: 4, 7: 8, 10: 2, 16: 2 };

/** A tensor's shape and values: float32 for FLOAT, FLOAT16 and BFLOAT16, float64 (exact to 2⁵³) for INT32 and INT64. */
export interface TensorValues {
  shape: number[];
  data: Float32Array | Float64Array;
}

/**
 * A tensor's values as numbers, with its shape (FLOAT, FLOAT16, BFLOAT16, INT32 or INT64).
 * Refuses external data, other element types, and a value count that is not the product of the
 * dims — before allocating.
 * @param field the tensor's place, for errors (`graph.initializer[3]`)
 */
export function tensorValues(t: OnnxTensor, field: string): TensorValues {
  const refuse = (problem: string, expected: string, found: unknown) => fail('onnx', problem, field, expected, found);
  if (t.data_location === 1 || t.external_data) throw refuse('external data', 'values in the file', 'external data');
  const type = t.data_type ?? 0;
  const size = RAW_BYTES[type];
  if (!size)
    throw refuse('element type', 'FLOAT, FLOAT16, BFLOAT16, INT32 or INT64', ONNX_TYPES[type] ?? `data_type ${type}`);
  const shape = t.dims ?? [];
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw refuse('dimension', 'dims ≥ 0', d);
    n *= d;
  }
  const raw = t.raw_data;
  const typed = type === 1 ? t.float_data : type === 7 ? t.int64_data : t.int32_data;
  const count = raw ? raw.length / size : (typed?.length ?? 0);
  if (count !== n)
    throw refuse(
      'values do not fill the dims',
      `${n} values ([${shape.join(', ')}])`,
      raw ? `${raw.length} bytes of raw_data` : `${count} values`,
    );
  const data = type === 6 || type === 7 ? new Float64Array(n) : new Float32Array(n);
  const view = raw && new DataView(raw.buffer, raw.byteOffset, raw.length);
  for (let i = 0; i < n; i++) {
    const bits = view
      ? size === 2
        ? view.getUint16(2 * i, true)
        : type === 1
          ? view.getFloat32(4 * i, true)
          : size === 8
            ? view.getInt32(8 * i + 4, true) * 2 ** 32 + view.getUint32(8 * i, true)
            : view.getInt32(4 * i, true)
      : (typed as number[])[i];
    data[i] = type === 10 ? float16ToFloat32(bits & 0xffff) : type === 16 ? bfloat16ToFloat32(bits & 0xffff) : bits;
  }
  return { shape, data };
}
