/**
 * An ONNX graph builder over {@link ProtoWriter}: nodes, initializers, typed inputs and outputs,
 * and the ModelProto around them (IR 8, opset 17). Field numbers are onnx.proto's: ModelProto
 * { ir_version 1, producer_name 2, graph 7, opset_import 8 }, GraphProto { node 1, name 2,
 * initializer 5, input 11, output 12 }, NodeProto { input 1, output 2, op_type 4, attribute 5 },
 * AttributeProto { name 1, i 3, s 4, ints 8, strings 9, type 20 }, TensorProto { dims 1,
 * data_type 2, int64_data 7, name 8, raw_data 9 }, ValueInfoProto { name 1, type 2 { tensor_type 1
 * { elem_type 1, shape 2 { dim 1 { dim_value 1 | dim_param 2 } } } } }.
 */
import { ProtoWriter } from './protobuf-writer.ts';

/** TensorProto.DataType FLOAT. */
export const ONNX_FLOAT = 1;
/** TensorProto.DataType INT32. */
export const ONNX_INT32 = 6;
/** TensorProto.DataType INT64. */
export const ONNX_INT64 = 7;
/** TensorProto.DataType BOOL. */
export const ONNX_BOOL = 9;

/** A dimension: a size, or a symbolic name such as `'T'`. */
export type OnnxDim = number | string;

/** A node attribute: INT (2), STRING (3), INTS (7) or STRINGS (8) by the value's type. */
export type OnnxAttribute = number | string | number[] | string[];

/** A float32 TensorProto (little-endian raw_data), or an int64 one (int64_data) from plain numbers. */
export function tensorProto(name: string, dims: number[], values: Float32Array | number[]): ProtoWriter {
  const t = new ProtoWriter().packedInt64(1, dims);
  if (Array.isArray(values)) return t.varint(2, ONNX_INT64).packedInt64(7, values).string(8, name);
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return t.varint(2, ONNX_FLOAT).string(8, name).bytes(9, raw);
}

/** A ValueInfoProto: a tensor's name, element type and shape. */
export function valueInfo(name: string, elemType: number, dims: OnnxDim[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims)
    shape.message(1, typeof d === 'number' ? new ProtoWriter().varint(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().varint(1, elemType).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

/** An AttributeProto of an INT, STRING, INTS or STRINGS value. */
function attribute(name: string, value: OnnxAttribute): ProtoWriter {
  const a = new ProtoWriter().string(1, name);
  if (typeof value === 'number') return a.int64(3, value).varint(20, 2);
  if (typeof value === 'string') return a.string(4, value).varint(20, 3);
  if (value.every((v) => typeof v === 'number')) return a.packedInt64(8, value as number[]).varint(20, 7);
  for (const s of value) a.string(9, String(s));
  return a.varint(20, 8);
}

/** One ONNX graph under construction; every value it names itself is `v<n>`. */
export class OnnxGraph {
  private readonly nodes: Array<{ inputs: string[]; outputs: string[]; proto: ProtoWriter }> = [];
  private readonly initializers: Array<[string, ProtoWriter]> = [];
  private readonly inputs: ProtoWriter[] = [];
  private readonly outputs: Array<[string, ProtoWriter]> = [];
  private readonly constants = new Map<string, string>();
  private count = 0;

  /**
   * Adds a node; returns its output names (`outputs` as given, else one fresh name). An empty
   * input name skips an optional input.
   */
  node(
    op: string,
    inputs: string[],
    attributes: Record<string, OnnxAttribute> = {},
    outputs: string[] = [this.name()],
  ): string[] {
    while (inputs.at(-1) === '') inputs.pop();
    const proto = new ProtoWriter();
    for (const i of inputs) proto.string(1, i);
    for (const o of outputs) proto.string(2, o);
    proto.string(4, op);
    for (const [k, v] of Object.entries(attributes)) proto.message(5, attribute(k, v));
    this.nodes.push({ inputs, outputs, proto });
    return outputs;
  }

  /** A fresh value name. */
  name(): string {
    return `v${this.count++}`;
  }

  /** Adds a float32 initializer; returns its name. */
  initializer(name: string, dims: number[], values: Float32Array): string {
    this.initializers.push([name, tensorProto(name, dims, values)]);
    return name;
  }

  /** A 1-D int64 initializer holding `values` (one per distinct list); returns its name. */
  ints(values: number[]): string {
    const key = values.join();
    let name = this.constants.get(key);
    if (name === undefined) {
      name = this.name();
      this.constants.set(key, name);
      this.initializers.push([name, tensorProto(name, [values.length], values)]);
    }
    return name;
  }

  /** Declares a graph input (`output` false) or output. */
  io(name: string, elemType: number, dims: OnnxDim[], output = false): void {
    const info = valueInfo(name, elemType, dims);
    if (output) this.outputs.push([name, info]);
    else this.inputs.push(info);
  }

  /**
   * The ModelProto: IR 8, opset 17 of the default domain, this graph without the nodes and
   * initializers no graph output depends on, and `metadata` as its metadata_props (field 14:
   * StringStringEntryProto { key 1, value 2 }).
   */
  encode(graphName: string, producer: string, metadata: Record<string, string> = {}): Uint8Array {
    const needed = new Set(this.outputs.map(([name]) => name));
    const kept: ProtoWriter[] = [];
    for (const n of [...this.nodes].reverse()) {
      // backwards: a node is needed when a graph output or a needed node reads one of its outputs
      if (!n.outputs.some((o) => needed.has(o))) continue;
      for (const v of n.inputs) needed.add(v);
      kept.unshift(n.proto);
    }
    const g = new ProtoWriter();
    for (const n of kept) g.message(1, n);
    g.string(2, graphName);
    for (const [name, t] of this.initializers) if (needed.has(name)) g.message(5, t);
    for (const i of this.inputs) g.message(11, i);
    for (const [, o] of this.outputs) g.message(12, o);
    const model = new ProtoWriter()
      .varint(1, 8)
      .string(2, producer)
      .message(7, g)
      .message(8, new ProtoWriter().string(1, '').varint(2, 17));
    for (const [key, value] of Object.entries(metadata))
      model.message(14, new ProtoWriter().string(1, key).string(2, value));
    return model.finish();
  }
}
