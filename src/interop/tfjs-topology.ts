/**
 * A TF.js Layers / Keras `modelTopology` read as strand layers: each kept layer becomes one strand
 * {@link LayerConfig} with the Keras weight shapes it owns, in the file's order, and the conversion
 * of those weights to strand's (PyTorch's) layout. Dropout and InputLayer keep no weights and are
 * left out; anything strand would compute differently is refused, naming the layer and the field.
 */
import type { DenseConfig } from '../nn/dense.ts';
import type { LayerConfig } from '../nn/layers.ts';
import type { CellType, RecurrentConfig } from '../nn/recurrent.ts';
import type { OutputKind } from '../nn/trainable.ts';
import { describe } from '../util/check.ts';
import { InteropError } from './error.ts';
import { fromKerasKernel, gateCount, reorderGates, transpose } from './gates.ts';

/** One strand layer read from the topology. */
export interface TfjsPiece {
  /** The strand layer. */
  config: LayerConfig;
  /** The Keras weights it owns, in the file's order: their shapes. */
  shapes: number[][];
  /** Whether Keras marks it `trainable: false` (TF.js then saves its weights after all others). */
  frozen: boolean;
  /** Keras weights (as `shapes`) → strand tensors in `parameterShapes(config)` order. */
  convert(w: Float32Array[]): Float32Array[];
}

/** A JSON object's own field, or undefined. */
export function at(x: unknown, key: string | number): unknown {
  return x !== null && typeof x === 'object' && Object.hasOwn(x, key) ? (x as Record<string, unknown>)[key] : undefined;
}

/** An InteropError of the tfjs reader. */
export function bad(problem: string, field: string, expected: string, found: string): InteropError {
  return new InteropError('tfjs', problem, { field, expected, found });
}

/** The layer list under `field`: an array of at most 1024 entries. */
function list(x: unknown, field: string): unknown[] {
  if (!Array.isArray(x) || x.length > 1024) throw bad('no layer list', field, 'an array of ≤ 1024 layers', describe(x));
  return x;
}

const RECURRENT: Record<string, CellType> = { LSTM: 'lstm', GRU: 'gru', SimpleRNN: 'rnn' };

/** The strand cell of a Keras recurrent class name, or undefined. */
function cellOf(cls: unknown): CellType | undefined {
  return typeof cls === 'string' && Object.hasOwn(RECURRENT, cls) ? RECURRENT[cls] : undefined;
}
const KNOWN = 'InputLayer, Embedding, LSTM, GRU, SimpleRNN, Bidirectional, Dropout, Dense, TimeDistributed';

/**
 * Reads a Sequential model or a Functional one whose layers form one chain.
 * @returns the strand layers (embedding?, recurrent+, dense) and the head's output kind
 */
export function readTopology(topology: unknown): { pieces: TfjsPiece[]; output: OutputKind } {
  let path = 'modelTopology';
  let model = topology;
  if (at(model, 'model_config') !== undefined) [model, path] = [at(model, 'model_config'), `${path}.model_config`];
  const cls = at(model, 'class_name');
  const functional = cls === 'Model' || cls === 'Functional';
  if (cls !== 'Sequential' && !functional)
    throw bad('not a Layers model', `${path}.class_name`, '"Sequential", "Functional" or "Model"', describe(cls));
  const config = at(model, 'config');
  // older Keras writes a Sequential's config as the layer list itself
  const layers = Array.isArray(config)
    ? list(config, `${path}.config`)
    : list(at(config, 'layers'), `${path}.config.layers`);
  path += Array.isArray(config) ? '.config' : '.config.layers';
  if (functional) {
    // one chain: each layer's single inbound node is the layer listed before it, the last is the output
    const name = (i: number) => at(layers[i], 'name');
    layers.forEach((l, i) => {
      const from = at(at(at(at(l, 'inbound_nodes'), 0), 0), 0);
      const nodes = at(l, 'inbound_nodes') as unknown[];
      const ok = i === 0 ? nodes?.length === 0 : nodes?.length === 1 && (nodes[0] as unknown[])?.length === 1;
      if (!ok || (i > 0 && (from !== name(i - 1) || typeof from !== 'string')))
        throw bad(
          'not a linear model',
          `${path}[${i}].inbound_nodes`,
          `one input, layer ${describe(name(i - 1))}`,
          describe(from),
        );
    });
    const out = at(config, 'output_layers') as unknown[];
    if (out?.length !== 1 || at(out[0], 0) !== name(layers.length - 1))
      throw bad('not a linear model', `${path.slice(0, -7)}.output_layers`, 'the last layer alone', describe(out));
  }
  return readLayers(layers, path);
}

/** The layers in order → strand pieces, with the stack's order and widths checked. */
function readLayers(layers: unknown[], path: string): { pieces: TfjsPiece[]; output: OutputKind } {
  const pieces: TfjsPiece[] = [];
  let width: number | undefined; // features reaching the next layer
  let sequences = true; // whether they are a sequence (no recurrent layer has ended it)
  let output: OutputKind | undefined;
  for (const [i, layer] of layers.entries()) {
    const p = `${path}[${i}]`;
    let cls = at(layer, 'class_name');
    let c = at(layer, 'config');
    const frozen = at(c, 'trainable') === false;
    const name = describe(at(c, 'name'));
    const refuse = (problem: string, key: string, expected: string, found: unknown): InteropError =>
      bad(`layer ${name} (${String(cls)}): ${problem}`, `${p}.config.${key}`, expected, describe(found));
    const shape = at(c, 'batch_input_shape');
    if (i === 0 && at(shape, 'length') === 3) width = size(shape, 2, refuse, 'batch_input_shape[2]');
    if (cls === 'InputLayer' || cls === 'Dropout') {
      if (i > 0 && cls === 'InputLayer') throw refuse('an input inside the model', 'name', 'no InputLayer', cls);
      continue;
    }
    if (output !== undefined) throw refuse('a layer after the Dense head', 'name', 'the Dense head last', name);
    if (cls === 'Embedding') {
      if (pieces.length > 0) throw refuse('an embedding inside the model', 'name', 'the first layer', i);
      if (at(c, 'mask_zero'))
        throw refuse('mask_zero is not supported', 'mask_zero', 'false (pass predict lengths for padding)', true);
      const V = size(c, 'input_dim', refuse);
      const E = size(c, 'output_dim', refuse);
      width = E;
      pieces.push({
        config: { type: 'embedding', numEmbeddings: V, embeddingDim: E },
        shapes: [[V, E]],
        frozen,
        convert: (w) => w,
      });
      continue;
    }
    let merge: unknown;
    if (cls === 'Bidirectional' || cls === 'TimeDistributed') {
      if (cls === 'Bidirectional') {
        merge = pick(c, 'merge_mode', ['concat', 'sum'], 'concat', refuse);
        if (at(c, 'backward_layer') !== undefined)
          throw refuse('a separate backward layer', 'backward_layer', 'none', 'one');
      }
      const inner = at(c, 'layer');
      [cls, c] = [at(inner, 'class_name'), at(inner, 'config')];
      if (merge ? !cellOf(cls) : cls !== 'Dense')
        throw refuse(
          'an unsupported wrapped layer',
          'layer.class_name',
          merge ? 'LSTM, GRU or SimpleRNN' : 'Dense',
          cls,
        );
    }
    const cell = cellOf(cls);
    if (cell) {
      if (!sequences) throw refuse('a recurrent layer after a sequence ended', 'return_sequences', 'true below', false);
      if (width === undefined)
        throw refuse('no input width', 'batch_input_shape', '[batch, steps, features]', undefined);
      const piece = recurrent(cell, c, width, merge as 'concat' | 'sum' | undefined, refuse);
      pieces.push({ ...piece, frozen });
      width = piece.width;
      sequences = piece.sequences;
    } else if (cls === 'Dense') {
      if (pieces.every((q) => q.config.type === 'embedding'))
        throw refuse('a Dense layer before any recurrent one', 'name', 'a recurrent layer first', name);
      output = pick(c, 'activation', ['softmax', 'sigmoid', 'linear'], 'linear', refuse) as OutputKind;
      const O = size(c, 'units', refuse);
      const bias = pick(c, 'use_bias', [true, false], true, refuse) as boolean;
      const I = width as number;
      const config: DenseConfig = {
        type: 'dense',
        inFeatures: I,
        outFeatures: O,
        bias,
        at: sequences ? 'every' : 'last',
      };
      // kernel (I, O) → weight (O, I); bias (O) as it is
      const convert = (w: Float32Array[]) => [transpose(w[0], I, O), ...w.slice(1)];
      pieces.push({ config, shapes: bias ? [[I, O], [O]] : [[I, O]], frozen, convert });
    } else {
      throw refuse('an unsupported layer class', 'name', KNOWN, cls);
    }
  }
  if (output === undefined)
    throw bad('no Dense head', `${path}[${layers.length}]`, 'a Dense or TimeDistributed(Dense) last layer', 'none');
  return { pieces, output };
}

type Refuse = (problem: string, key: string, expected: string, found: unknown) => InteropError;

/** An integer size from 1 to 2²⁴ (strand's limit on every size). */
function size(c: unknown, key: string | number, refuse: Refuse, field = String(key)): number {
  const v = at(c, key);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2 ** 24)
    throw refuse(`${field} is not a size`, field, 'an integer from 1 to 2^24', v);
  return v;
}

/** A setting that must be one of `allowed`; absent or null means `fallback`. */
function pick(c: unknown, key: string, allowed: unknown[], fallback: unknown, refuse: Refuse, note = ''): unknown {
  const v = at(c, key) ?? fallback;
  if (!allowed.includes(v))
    throw refuse(`${key} is not supported`, key, `${allowed.map((a) => JSON.stringify(a)).join(' or ')}${note}`, v);
  return v;
}

/** One recurrent layer (both directions when `merge` is given) on `I` input features. */
function recurrent(
  cell: CellType,
  c: unknown,
  I: number,
  merge: 'concat' | 'sum' | undefined,
  refuse: Refuse,
): Omit<TfjsPiece, 'frozen'> & { width: number; sequences: boolean } {
  const H = size(c, 'units', refuse);
  const G = gateCount(cell) * H;
  const activation = pick(c, 'activation', cell === 'rnn' ? ['tanh', 'relu'] : ['tanh'], 'tanh', refuse);
  if (cell !== 'rnn') {
    const note = ' (strand has no hard_sigmoid, and computing it as sigmoid would be silently wrong)';
    pick(c, 'recurrent_activation', ['sigmoid'], undefined, refuse, note);
  }
  for (const key of ['return_state', 'go_backwards', 'time_major']) pick(c, key, [false], false, refuse);
  // stateful and unroll change how Keras runs, not what it computes: a strand predict is stateless
  // unless asked (`stateful: true`), and its loop is never unrolled
  for (const key of ['stateful', 'unroll']) pick(c, key, [true, false], false, refuse);
  const bias = pick(c, 'use_bias', [true, false], true, refuse) as boolean;
  const sequences = pick(c, 'return_sequences', [true, false], false, refuse) as boolean;
  const resetAfter = cell === 'gru' && (pick(c, 'reset_after', [true, false], false, refuse) as boolean);
  const config: RecurrentConfig = {
    type: cell,
    inputSize: I,
    hiddenSize: H,
    numLayers: 1,
    bidirectional: !!merge,
    bias,
  };
  if (merge) config.merge = merge;
  if (cell === 'rnn') config.nonlinearity = activation as 'tanh' | 'relu';
  if (cell === 'gru') config.resetAfter = resetAfter;
  // per direction: kernel (I, G), recurrent_kernel (H, G), bias (G), or (2, G) for a reset-after GRU
  const one = [[I, G], [H, G], ...(bias ? [resetAfter ? [2, G] : [G]] : [])];
  const gates = (b: Float32Array) => reorderGates(b, cell, 'keras', H, 1, false);
  const convert = (w: Float32Array[]): Float32Array[] =>
    w.flatMap((v, j) => {
      const k = j % one.length;
      if (k < 2) return [fromKerasKernel(v, cell, H, k ? H : I)];
      // Keras adds one bias (LSTM, RNN, reset-before GRU: b_ih + b_hh is all that matters), or for a
      // reset-after GRU its input bias (row 0) and its recurrent bias (row 1), as PyTorch does
      return resetAfter ? [gates(v.subarray(0, G)), gates(v.subarray(G))] : [gates(v), new Float32Array(G)];
    });
  const D = merge ? 2 : 1;
  return {
    config,
    shapes: merge ? [...one, ...one] : one,
    convert,
    width: merge === 'concat' ? D * H : H,
    sequences,
  };
}
