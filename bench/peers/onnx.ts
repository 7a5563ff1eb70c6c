/**
 * A tiny protobuf writer and the one ONNX model the benchmark needs: a graph with a single `LSTM`
 * node whose weights are initializers, so onnxruntime can run strand's LSTM without Python or the
 * onnx package. Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto, TypeProto, TensorShapeProto).
 */

/** Protobuf wire types. */
const VARINT = 0;
const LENGTH_DELIMITED = 2;

/** Builds one protobuf message; nested messages are written by value with {@link ProtoWriter.message}. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private rawVarint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`protobuf varint must be a non-negative safe integer, received ${value}`);
    const out: number[] = [];
    let v = value;
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wireType: number): void {
    this.rawVarint(field * 8 + wireType);
  }

  /** An int32 / int64 / enum field (non-negative values only). */
  varint(field: number, value: number): this {
    this.tag(field, VARINT);
    this.rawVarint(value);
    return this;
  }

  /** A bytes field. */
  bytes(field: number, data: Uint8Array): this {
    this.tag(field, LENGTH_DELIMITED);
    this.rawVarint(data.length);
    this.push(data);
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, text: string): this {
    return this.bytes(field, new TextEncoder().encode(text));
  }

  /** An embedded message field. */
  message(field: number, inner: ProtoWriter): this {
    return this.bytes(field, inner.finish());
  }

  /** The encoded message. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** ONNX TensorProto.DataType.FLOAT. */
const ONNX_FLOAT = 1;
/** ONNX AttributeProto.AttributeType.INT. */
const ATTRIBUTE_INT = 2;

/** TensorProto { dims = 1, data_type = 2, name = 8, raw_data = 9 } of float32 values (little-endian). */
function floatTensor(name: string, dims: number[], values: Float32Array): ProtoWriter {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== values.length)
    throw new RangeError(`ONNX tensor ${name}: dims ${dims.join('×')} hold ${count} values, received ${values.length}`);
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  const t = new ProtoWriter();
  for (const d of dims) t.varint(1, d);
  return t.varint(2, ONNX_FLOAT).string(8, name).bytes(9, raw);
}

/** ValueInfoProto { name = 1, type = 2 { tensor_type = 1 { elem_type = 1, shape = 2 { dim = 1 { dim_value = 1 } } } } }. */
function floatValueInfo(name: string, dims: number[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, new ProtoWriter().varint(1, d));
  const tensorType = new ProtoWriter().varint(1, ONNX_FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

/** Weights of a one-layer, forward-only ONNX `LSTM` node (gate order i, o, f, c). */
export interface OnnxLstmWeights {
  /** W, (1, 4H, I). */
  W: Float32Array;
  /** R, (1, 4H, H). */
  R: Float32Array;
  /** B, (1, 8H): the input biases (Wb) then the recurrent biases (Rb). */
  B: Float32Array;
}

/**
 * Encodes an ONNX model (IR 8, opset 17) computing `Y = LSTM(X, W, R, B)` with X (T, B, I) and
 * Y (T, 1, B, H), the default activations (sigmoid, tanh, tanh), no peepholes and zero initial
 * state. The weights are initializers, so the only graph input is X.
 */
export function lstmOnnxModel(
  dims: { T: number; B: number; I: number; H: number },
  weights: OnnxLstmWeights,
): Uint8Array {
  const { T, B, I, H } = dims;
  const node = new ProtoWriter()
    .string(1, 'X')
    .string(1, 'W')
    .string(1, 'R')
    .string(1, 'B')
    .string(2, 'Y')
    .string(3, 'lstm')
    .string(4, 'LSTM')
    .message(5, new ProtoWriter().string(1, 'hidden_size').varint(3, H).varint(20, ATTRIBUTE_INT));
  const graph = new ProtoWriter()
    .message(1, node)
    .string(2, 'strand_lstm')
    .message(5, floatTensor('W', [1, 4 * H, I], weights.W))
    .message(5, floatTensor('R', [1, 4 * H, H], weights.R))
    .message(5, floatTensor('B', [1, 8 * H], weights.B))
    .message(11, floatValueInfo('X', [T, B, I]))
    .message(12, floatValueInfo('Y', [T, 1, B, H]));
  return new ProtoWriter()
    .varint(1, 8) // ir_version
    .string(2, 'strand-bench') // producer_name
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, '').varint(2, 17)) // opset_import: default domain, 17
    .finish();
}
