/**
 * ONNX → strand: reads the graph torch.onnx.export writes for an (Embedding →) RNN/LSTM/GRU stack
 * → Linear model and builds the {@link SequenceModel} it describes. The walk follows the data
 * path back from the graph's first output: [Softmax | LogSoftmax | Sigmoid] ← dense head (Gemm,
 * or MatMul [+ Add]) ← (Squeeze, or Transpose [0,2,1,3] + Reshape [0,0,-1]) ← LSTM | GRU | RNN …
 * ← [Gather on a table] ← the graph input. The shape arithmetic torch adds beside it (Shape,
 * Gather, Unsqueeze, Concat, ConstantOfShape, Expand, Slice, Constant, Cast) is accepted; every
 * other operator, and every recurrent feature strand cannot run, is refused.
 */
import type { LoadOptions } from '../nn/checkpoint.ts';
import { loadOptions } from '../nn/checkpoint.ts';
import { FormatError } from '../io/format-error.ts';
import type { LayerConfig } from '../nn/layers.ts';
import { SequenceModel } from '../nn/model.ts';
import type { CellType } from '../nn/recurrent.ts';
import type { OutputKind } from '../nn/trainable.ts';
import { fail, type InteropError } from './error.ts';
import { gateCount, reorderGates, transpose } from './gates.ts';
import {
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxNode,
  readOnnxModel,
  type TensorValues,
  tensorValues,
} from './onnx-read.ts';

const CELLS: Readonly<Record<string, CellType>> = { LSTM: 'lstm', GRU: 'gru', RNN: 'rnn' };

/** The operators accepted: those of the data path, then the shape arithmetic beside it. */
const OPERATORS = new Set(
  'Gather LSTM GRU RNN Squeeze Transpose Reshape MatMul Add Gemm Softmax LogSoftmax Sigmoid Identity Shape Unsqueeze Concat Expand ConstantOfShape Constant Cast Slice'.split(
    ' ',
  ),
);

/**
 * The attributes a recurrent node may have, with the values strand runs ([] for any; activations
 * are checked apart). Others, such as clip or activation_alpha, are refused.
 */
const RECURRENT_ATTRIBUTES: Readonly<Record<string, readonly (string | number)[]>> = {
  direction: ['forward', 'bidirectional'],
  hidden_size: [],
  activations: [],
  linear_before_reset: [0, 1],
  layout: [0],
  input_forget: [0],
};

/** The default activations of one direction, by cell. */
const ACTIVATIONS: Readonly<Record<CellType, string>> = { lstm: 'Sigmoid Tanh Tanh', gru: 'Sigmoid Tanh', rnn: 'Tanh' };

/** One ONNX recurrent node, read: its sizes and per direction strand's four tensors. */
interface RecurrentNode {
  cell: CellType;
  inputSize: number;
  hiddenSize: number;
  directions: number;
  nonlinearity?: 'tanh' | 'relu';
  resetAfter?: boolean;
  /** Per direction: weight_ih, weight_hh, bias_ih, bias_hh in PyTorch's gate order. */
  weights: Float32Array[][];
  /** The node's place in the graph. */
  field: string;
}

/** What the walk knows of the graph, for the readers of its parts. */
interface Walk {
  /** The node producing a value (through Identity) and its place; undefined for an input or an initializer. */
  producer(name: string): [OnnxNode, string] | undefined;
  /** A constant's values (an initializer or a Constant node); undefined for any other value. */
  constant(name: string): TensorValues | undefined;
  /** A constant of the given shape, finite, as float32. */
  weight(name: string, shape: readonly number[], field: string): Float32Array;
  /** The graph's inputs that are not initializers. */
  inputs: ReadonlySet<string>;
  /** A bound on the steps of a walk: the number of nodes. */
  nodes: number;
}

/** The value field of each attribute type (AttributeProto.type). */
const ATTRIBUTE_TYPES = { f: 1, i: 2, s: 3, t: 4, floats: 6, ints: 7, strings: 8 } as const;

/**
 * The value of a node's attribute `key` as `kind` (a zero / empty value when the file omits it, as
 * proto3 writers do), or undefined when the node has no such attribute; refuses another type.
 */
function attr<K extends keyof typeof ATTRIBUTE_TYPES>(
  n: OnnxNode,
  key: string,
  kind: K,
  field: string,
): NonNullable<OnnxAttribute[K]> | undefined {
  const a = n.attribute?.find((x) => x.name === key);
  if (!a) return undefined;
  const type = ATTRIBUTE_TYPES[kind];
  if (a.type !== undefined && a.type !== type)
    throw refuse('wrong attribute type', `${field}.attribute.${key}`, `type ${type}`, a.type);
  const empty = kind === 'i' || kind === 'f' ? 0 : kind === 's' ? '' : kind === 't' ? undefined : [];
  return (a[kind] ?? empty) as NonNullable<OnnxAttribute[K]> | undefined;
}

const refuse = (problem: string, field: string, expected: string, found: unknown): InteropError =>
  fail('onnx', problem, field, expected, found);

const same = (a: ArrayLike<number> | undefined, b: readonly number[]): boolean =>
  a !== undefined && a.length === b.length && b.every((v, i) => a[i] === v);

/**
 * Builds a strand {@link SequenceModel} from the bytes of an ONNX model exported from PyTorch
 * (`torch.onnx.export`, opset 7 or later): token ids in through an embedding table (a `Gather`)
 * or feature vectors in, one or more `LSTM` / `GRU` / `RNN` nodes (stacked nodes of the same cell,
 * size and direction become one layer with `numLayers`), and a dense head (`Gemm` or
 * `MatMul` + `Add`) at every step. A final `Softmax` / `LogSoftmax` makes the output `'softmax'`,
 * `Sigmoid` `'sigmoid'`, none `'linear'`; `predict` returns the values before that activation.
 *
 * A `sequence_lens` graph input becomes `predict`'s `lengths` option (pass the same values);
 * `initial_h` / `initial_c` graph inputs start from zeros unless set with
 * `model.restoreState({ batch, buffers })` and `predict(…, { stateful: true })` (buffers h, c per
 * recurrent layer, each (numLayers·directions, batch, hidden) as ONNX's). Weights may be FLOAT,
 * FLOAT16 or BFLOAT16; ONNX's gate orders are converted to strand's.
 *
 * Refused with an {@link InteropError} naming the node, attribute or tensor: peepholes, `clip`,
 * `input_forget`, activations other than the defaults (an RNN may use Tanh or Relu), activation
 * parameters, a lone `'reverse'` direction, `layout` 1, non-zero constant initial states,
 * control flow (`Loop`, `Scan`, `If`) and any other operator, external data, other element types,
 * and damaged files. A file above `maxBytes` or a model above `maxParameters` is refused before it
 * is read or built.
 * @param bytes the `.onnx` file
 * @param options `backend` to build on, `maxBytes` (default 256 MiB), `maxParameters` (default 50 million)
 */
export function importOnnx(bytes: Uint8Array, options: LoadOptions = {}): SequenceModel {
  const where = 'importOnnx';
  const { backend, limits } = loadOptions(options, where);
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${where}: expected the bytes of an .onnx file (Uint8Array)`);
  if (bytes.length > limits.maxBytes)
    throw fail('onnx', 'file above maxBytes', undefined, `≤ ${limits.maxBytes} bytes`, bytes.length);
  const { output, layers, tensors, metadata, vocab } = readStack(bytes);
  let parameters = 0;
  for (const t of tensors.values()) parameters += t.length;
  if (parameters > limits.maxParameters)
    throw fail('onnx', 'model above maxParameters', undefined, `≤ ${limits.maxParameters}`, parameters);
  try {
    return SequenceModel.fromCheckpoint(
      { model: { output, layers }, dropout: [], metadata, vocab },
      tensors,
      backend,
      where,
      limits,
    );
  } catch (error) {
    // the checkpoint checks' limits on a layer (sizes up to 2^24, numLayers up to 1024)
    if (!(error instanceof FormatError)) throw error;
    throw fail('onnx', 'beyond strand', undefined, "strand's layer limits", error.message);
  }
}

/** The model an ONNX file describes: strand's layer configurations and tensors (`model.<layer>.<name>`). */
function readStack(bytes: Uint8Array): {
  output: OutputKind;
  layers: LayerConfig[];
  tensors: Map<string, Float32Array>;
  metadata: Record<string, unknown>;
  vocab: unknown;
} {
  const model = readOnnxModel(bytes);
  const props = new Map((model.metadata_props ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const metadata = strandJSON(props.get('strand.metadata'), 'strand.metadata') ?? {};
  // checked as a checkpoint's vocabulary is, when the model is built
  const vocab = strandJSON(props.get('strand.vocab'), 'strand.vocab');
  const graph = model.graph;
  if (!graph) throw refuse('no graph', 'model.graph', 'a GraphProto', 'none');
  const opset = model.opset_import?.find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0;
  if (opset < 7) throw refuse('old opset', 'model.opset_import', '≥ 7', opset);
  const g = walk(graph);

  // the output activation
  let name = graph.output?.[0]?.name ?? '';
  let at = g.producer(name);
  let output: OutputKind = 'linear';
  if (at && /^(Log)?Softmax$|^Sigmoid$/.test(at[0].op_type ?? '')) {
    const [n, field] = at;
    if (n.op_type !== 'Sigmoid') {
      const axis = attr(n, 'axis', 'i', field) ?? (opset >= 13 ? -1 : 1);
      if (axis !== -1 && axis !== 2) throw refuse('softmax axis', `${field}.attribute.axis`, '-1', axis);
    }
    output = n.op_type === 'Sigmoid' ? 'sigmoid' : 'softmax';
    name = n.input?.[0] ?? '';
    at = g.producer(name);
  } else {
    // a graph strand exported ends at the logits and names the output kind in its metadata
    const kind = props.get('strand.output');
    if (kind === 'softmax' || kind === 'sigmoid') output = kind;
  }
  const head = readHead(at, g);

  // the recurrent nodes, top to bottom, down to the embedding or the graph input
  const stack: RecurrentNode[] = [];
  let table: Float32Array | undefined;
  let tableShape: number[] = [];
  name = head.input;
  for (let guard = 0; ; guard++) {
    at = g.producer(name);
    if (!at) break;
    const [n, field] = at;
    if (guard > g.nodes) throw refuse('cycle', field, 'no cycle', 'a cycle');
    if (n.op_type === 'Gather' && stack.length > 0) {
      // the embedding: Gather(table (V, E), ids (T, B)) → (T, B, E)
      const [data = '', ids = ''] = n.input ?? [];
      tableShape = g.constant(data)?.shape ?? [];
      if (tableShape.length !== 2 || attr(n, 'axis', 'i', field))
        throw refuse('not a lookup', field, 'Gather(table (V, E), ids), axis 0', `[${tableShape}]`);
      table = g.weight(data, tableShape, `${field}.input[0]`);
      name = ids;
      break;
    }
    const [y, directions] = readMerge(n, field, g);
    const r = g.producer(y);
    if (!r || !CELLS[r[0].op_type ?? ''] || r[0].output?.[0] !== y)
      throw refuse('no recurrent node', field, 'LSTM, GRU or RNN output Y', y);
    const rec = readRecurrent(r[0], r[1], g);
    if (directions && rec.directions !== directions)
      throw refuse('Squeeze of 2 directions', field, 'Transpose + Reshape', 'Squeeze');
    stack.unshift(rec);
    name = r[0].input?.[0] ?? '';
  }
  if (stack.length === 0) throw refuse('no recurrent node', 'graph.node', 'LSTM, GRU or RNN', 'none');
  if (!g.inputs.has(name)) throw refuse('not from an input', stack[0].field, 'a graph input', name);

  // strand's layers: the table, the recurrent nodes folded into stacks, the head
  const layers: LayerConfig[] = [];
  const tensors = new Map<string, Float32Array>();
  if (table) {
    layers.push({ type: 'embedding', numEmbeddings: tableShape[0], embeddingDim: tableShape[1] });
    tensors.set('model.0.weight', table);
  }
  let width = table ? tableShape[1] : stack[0].inputSize;
  let k = 0; // the node's index within its strand layer
  stack.forEach((r, i) => {
    const below = stack[i - 1];
    const fold =
      below?.cell === r.cell &&
      below.hiddenSize === r.hiddenSize &&
      below.directions === r.directions &&
      below.nonlinearity === r.nonlinearity &&
      below.resetAfter === r.resetAfter;
    if (r.inputSize !== width) throw refuse('input size', `${r.field}.input[1]`, `${width}`, r.inputSize);
    k = fold ? k + 1 : 0;
    if (fold) (layers[layers.length - 1] as { numLayers: number }).numLayers++;
    else
      layers.push({
        type: r.cell,
        inputSize: r.inputSize,
        hiddenSize: r.hiddenSize,
        numLayers: 1,
        bidirectional: r.directions === 2,
        bias: true,
        merge: 'concat',
        ...(r.cell === 'rnn' ? { nonlinearity: r.nonlinearity } : r.cell === 'gru' ? { resetAfter: r.resetAfter } : {}),
      });
    r.weights.forEach((list, d) => {
      list.forEach((t, j) =>
        tensors.set(`model.${layers.length - 1}.${TENSOR_NAMES[j]}_l${k}${d ? '_reverse' : ''}`, t),
      );
    });
    width = r.directions * r.hiddenSize;
  });
  if (head.inFeatures !== width) throw refuse('input size', head.field, `${width}`, head.inFeatures);
  layers.push({ type: 'dense', inFeatures: width, outFeatures: head.outFeatures, bias: !!head.bias, at: 'every' });
  tensors.set(`model.${layers.length - 1}.weight`, head.weight);
  if (head.bias) tensors.set(`model.${layers.length - 1}.bias`, head.bias);
  return { output, layers, tensors, metadata, vocab };
}

const TENSOR_NAMES = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'];

/** Indexes the graph's nodes (refusing unknown operators) and returns the walk's helpers. */
function walk(graph: OnnxGraph): Walk {
  const nodes = graph.node ?? [];
  const initializers = new Map((graph.initializer ?? []).map((t, i) => [t.name ?? '', i]));
  const inputs = new Set((graph.input ?? []).map((v) => v.name ?? '').filter((n) => !initializers.has(n)));
  const producers = new Map<string, number>();
  nodes.forEach((n, i) => {
    const op = n.op_type ?? '';
    if ((n.domain && n.domain !== 'ai.onnx') || !OPERATORS.has(op))
      throw refuse(
        'operator',
        `graph.node[${i}].op_type`,
        'one importOnnx reads',
        `${n.domain ? `${n.domain}.` : ''}${op}`,
      );
    for (const o of n.output ?? []) {
      if (producers.has(o)) throw refuse('two producers', `graph.node[${i}].output`, 'one', o);
      if (o) producers.set(o, i);
    }
  });
  const producer = (name: string): [OnnxNode, string] | undefined => {
    for (let guard = 0; guard <= nodes.length; guard++) {
      const i = producers.get(name);
      if (i === undefined) return undefined;
      if (nodes[i].op_type !== 'Identity') return [nodes[i], `graph.node[${i}]`];
      name = nodes[i].input?.[0] ?? '';
    }
    throw refuse('cycle', 'graph.node', 'no cycle', 'Identity nodes');
  };
  const decoded = new Map<string, TensorValues | undefined>();
  const constant = (name: string): TensorValues | undefined => {
    if (!decoded.has(name)) decoded.set(name, decode(name));
    return decoded.get(name);
  };
  const decode = (name: string): TensorValues | undefined => {
    const i = initializers.get(name);
    if (i !== undefined) return tensorValues(graph.initializer![i], `graph.initializer[${i}]`);
    const p = producer(name);
    if (p?.[0].op_type !== 'Constant') return undefined;
    const [n, field] = p;
    const t = attr(n, 'value', 't', field);
    if (t) return tensorValues(t, `${field}.attribute.value`);
    const list = attr(n, 'value_ints', 'ints', field) ?? attr(n, 'value_floats', 'floats', field);
    const one = attr(n, 'value_int', 'i', field) ?? attr(n, 'value_float', 'f', field);
    if (list) return { shape: [list.length], data: Float64Array.from(list) };
    return one === undefined ? undefined : { shape: [], data: Float64Array.of(one) };
  };
  const weight = (name: string, shape: readonly number[], field: string): Float32Array => {
    const t = constant(name);
    if (!t) throw refuse('not constant', field, 'an initializer', name);
    if (!same(t.shape, shape)) throw refuse('shape', field, `[${shape}]`, `[${t.shape}]`);
    const out = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
    const bad = out.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw refuse('not finite', field, 'finite values', `${t.data[bad]} at ${bad}`);
    return out;
  };
  return { producer, constant, weight, inputs, nodes: nodes.length };
}

/** The dense head: Gemm(x, W, C?), or Add(MatMul(x, W), bias) in either order, or MatMul alone. */
function readHead(
  at: [OnnxNode, string] | undefined,
  g: Walk,
): {
  input: string;
  inFeatures: number;
  outFeatures: number;
  weight: Float32Array;
  bias?: Float32Array;
  field: string;
} {
  if (!at) throw refuse('no head', 'graph.output[0]', 'Gemm or MatMul', 'none');
  let [n, field] = at;
  let bias: string | undefined;
  if (n.op_type === 'Add') {
    const [a = '', b = ''] = n.input ?? [];
    const pa = g.producer(a);
    bias = pa ? b : a;
    const mm = pa ?? g.producer(b);
    if (mm?.[0].op_type !== 'MatMul') throw refuse('no head', field, 'Add(MatMul(…), bias)', 'another Add');
    [n, field] = mm;
  }
  const [x = '', w = '', c] = n.input ?? [];
  let transB = 0;
  if (n.op_type === 'Gemm') {
    // ONNX's Gemm is 2-D; strand applies it to every step's rows
    for (const [key, kind, value] of [
      ['alpha', 'f', 1],
      ['beta', 'f', 1],
      ['transA', 'i', 0],
    ] as const) {
      const v = attr(n, key, kind, field) ?? value;
      if (v !== value) throw refuse('Gemm', `${field}.attribute.${key}`, `${value}`, v);
    }
    transB = attr(n, 'transB', 'i', field) ?? 0;
    bias = c;
  } else if (n.op_type !== 'MatMul') throw refuse('no head', field, 'Gemm or MatMul', n.op_type);
  const shape = g.constant(w)?.shape ?? [];
  if (shape.length !== 2) throw refuse('head weight', `${field}.input[1]`, 'rank 2', `[${shape}]`);
  // MatMul's B and Gemm's without transB are (in, out); strand's weight is (out, in)
  const [inFeatures, outFeatures] = transB ? [shape[1], shape[0]] : shape;
  const m = g.weight(w, shape, `${field}.input[1]`);
  const weight = transB ? m : transpose(m, inFeatures, outFeatures);
  const biasShape = g.constant(bias ?? '')?.shape.length === 2 ? [1, outFeatures] : [outFeatures];
  return {
    input: x,
    inFeatures,
    outFeatures,
    weight,
    bias: bias ? g.weight(bias, biasShape, `${field} bias`) : undefined,
    field,
  };
}

/**
 * The merge after a recurrent node: Squeeze(Y (T, 1, B, H), [1]) → (T, B, H), or
 * Reshape(Transpose(Y (T, D, B, H), [0, 2, 1, 3]), [0, 0, -1]) → (T, B, D·H). Returns Y's name and
 * the directions the merge requires (0: any).
 */
function readMerge(n: OnnxNode, field: string, g: Walk): [string, number] {
  if (n.op_type === 'Squeeze') {
    const axes = attr(n, 'axes', 'ints', field) ?? g.constant(n.input?.[1] ?? '')?.data;
    if (!same(axes, [1]) && !same(axes, [-3])) throw refuse('Squeeze axes', field, '[1]', `[${axes ?? ''}]`);
    return [n.input?.[0] ?? '', 1];
  }
  if (n.op_type === 'Reshape') {
    const t = g.producer(n.input?.[0] ?? '');
    const shape = g.constant(n.input?.[1] ?? '')?.data;
    if (
      t?.[0].op_type === 'Transpose' &&
      same(attr(t[0], 'perm', 'ints', t[1]), [0, 2, 1, 3]) &&
      same(shape, [0, 0, -1])
    )
      return [t[0].input?.[0] ?? '', 0];
    throw refuse(
      'Reshape',
      field,
      'Reshape(Transpose(Y, [0, 2, 1, 3]), [0, 0, -1])',
      `Reshape(${t?.[0].op_type ?? 'a value'}, [${shape ?? ''}])`,
    );
  }
  throw refuse('data path', field, 'Squeeze, or Transpose + Reshape (a head at every step)', n.op_type);
}

/** Reads one LSTM / GRU / RNN node: its attributes, its weights in strand's order, its optional inputs. */
function readRecurrent(n: OnnxNode, field: string, g: Walk): RecurrentNode {
  const cell = CELLS[n.op_type ?? ''];
  for (const a of n.attribute ?? []) {
    const key = a.name ?? '';
    const allowed = Object.hasOwn(RECURRENT_ATTRIBUTES, key) ? RECURRENT_ATTRIBUTES[key] : undefined;
    if (!allowed) throw refuse('attribute', `${field}.attribute.${key}`, 'none', key);
    const value = allowed.length ? attr(n, key, typeof allowed[0] === 'string' ? 's' : 'i', field) : undefined;
    if (value !== undefined && !allowed.includes(value))
      throw refuse(key, `${field}.attribute.${key}`, allowed.join(' or '), value);
  }
  const D = attr(n, 'direction', 's', field) === 'bidirectional' ? 2 : 1;
  const lbr = attr(n, 'linear_before_reset', 'i', field);
  // activations: the defaults, once or per direction; an RNN may use Tanh or Relu
  const listed = attr(n, 'activations', 'strings', field)?.join(' ');
  const one = cell !== 'rnn' ? ACTIVATIONS[cell] : listed?.startsWith('Relu') ? 'Relu' : 'Tanh';
  if (listed !== undefined && listed !== one && listed !== `${one} ${one}`)
    throw refuse(
      'activations',
      `${field}.attribute.activations`,
      cell === 'rnn' ? 'Tanh or Relu' : `${one} (the default)`,
      listed,
    );

  const [, w = '', r = '', b = '', lens = '', h0 = '', c0 = '', p = ''] = n.input ?? [];
  if (p) throw refuse('peepholes', `${field}.input[7]`, 'no P input', p);
  const H = attr(n, 'hidden_size', 'i', field) ?? g.constant(r)?.shape[2] ?? 0;
  const I = g.constant(w)?.shape[2] ?? 0;
  const G = gateCount(cell) * H;
  if (!(H >= 1 && I >= 1)) throw refuse('sizes', `${field}.input[1]`, 'hidden and input sizes ≥ 1', `${H}, ${I}`);
  const W = g.weight(w, [D, G, I], `${field}.input[1]`);
  const R = g.weight(r, [D, G, H], `${field}.input[2]`);
  const B = b ? g.weight(b, [D, 2 * G], `${field}.input[3]`) : new Float32Array(D * 2 * G);
  if (lens && !g.inputs.has(lens)) throw refuse('sequence_lens', `${field}.input[4]`, 'a graph input', lens);
  zeroOrInput(h0, `${field}.input[5]`, g);
  if (cell === 'lstm') zeroOrInput(c0, `${field}.input[6]`, g);

  const weights: Float32Array[][] = [];
  for (let d = 0; d < D; d++) {
    // ONNX's gate blocks (LSTM i, o, f, c; GRU z, r, h) → PyTorch's (i, f, g, o; r, z, n)
    const order = (m: Float32Array, block: number, cols: number) =>
      reorderGates(m.subarray(block * G * cols, (block + 1) * G * cols), cell, 'onnx', H, cols, false);
    weights.push([order(W, d, I), order(R, d, H), order(B, 2 * d, 1), order(B, 2 * d + 1, 1)]);
  }
  return {
    cell,
    inputSize: I,
    hiddenSize: H,
    directions: D,
    nonlinearity: cell === 'rnn' ? (one === 'Relu' ? 'relu' : 'tanh') : undefined,
    resetAfter: cell === 'gru' ? lbr === 1 : undefined,
    weights,
    field,
  };
}

/**
 * Accepts an initial state that is absent, a graph input (set through the model's state API) or
 * zeros (a zero constant, or torch's ConstantOfShape / Expand / Slice of one); refuses any other.
 */
function zeroOrInput(name: string, field: string, g: Walk): void {
  for (let guard = 0; name && !g.inputs.has(name); guard++) {
    const p = g.producer(name);
    const op = p?.[0].op_type;
    const fill = p && op === 'ConstantOfShape' ? attr(p[0], 'value', 't', p[1]) : undefined;
    const values = fill
      ? tensorValues(fill, `${p?.[1]}.attribute.value`)
      : op === 'ConstantOfShape'
        ? { data: [0] }
        : g.constant(name);
    if (values) {
      if (values.data.some((v) => v !== 0))
        throw refuse('initial state', field, 'zeros or a graph input', 'non-zero values');
      return;
    }
    if (!p || guard > g.nodes || !/^(Expand|Slice|Cast|Reshape|Unsqueeze|Squeeze)$/.test(op ?? ''))
      throw refuse('initial state', field, 'zeros or a graph input', op ?? name);
    name = p[0].input?.[0] ?? '';
  }
}

/** A JSON object strand's exporter stores in metadata_props (`strand.metadata`, `strand.vocab`), or undefined. */
function strandJSON(json: string | undefined, key: string): Record<string, unknown> | undefined {
  if (json === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    value = undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw refuse(key, 'model.metadata_props', 'a JSON object', json.slice(0, 40));
  return value as Record<string, unknown>;
}
