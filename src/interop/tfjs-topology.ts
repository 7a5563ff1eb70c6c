/**
 * A TF.js Layers / Keras `modelTopology` read as strand layers: each kept layer becomes one strand
 * {@link LayerConfig} with the Keras weight shapes it owns, in the file's order, and the conversion
 * of those weights to strand's (PyTorch's) layout. Dropout and InputLayer keep no weights and are
 * left out; anything strand would compute differently is refused, naming the layer and the field.
 */
import type { LayerConfig } from '../nn/layers.ts';
import type { CellType, RecurrentConfig } from '../nn/recurrent.ts';
import type { OutputKind } from '../nn/trainable.ts';
import { describe } from '../util/check.ts';
import { fail, type InteropError } from './error.ts';
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

/** An InteropError of the tfjs reader, `found` described (strings quoted, objects named). */
export function bad(problem: string, field: string, expected: string, found: unknown): InteropError {
  return fail('tfjs', problem, field, expected, describe(found));
}

const CELLS: Record<string, CellType> = { LSTM: 'lstm', GRU: 'gru', SimpleRNN: 'rnn' };
const ORDER = 'InputLayer?, Embedding?, (LSTM|GRU|SimpleRNN|Bidirectional)+, Dense|TimeDistributed';

/** A refusal of one layer's field `key`. */
type Refuse = (key: string, expected: string, found: unknown) => InteropError;

/**
 * Reads a Sequential model, or a Functional one whose layers form one chain.
 * @returns the strand layers (embedding?, recurrent+, dense) and the head's output kind
 */
export function readTopology(topology: unknown): { pieces: TfjsPiece[]; output: OutputKind } {
  let path = 'modelTopology';
  let model = topology;
  // the converter wraps the model: { model_config: { class_name, config }, keras_version, … }
  if (at(model, 'model_config')) [model, path] = [at(model, 'model_config'), `${path}.model_config`];
  const cls = at(model, 'class_name');
  const functional = cls === 'Model' || cls === 'Functional';
  const config = at(model, 'config');
  // older Keras writes a Sequential's config as the layer list itself
  const layers = Array.isArray(config) ? config : at(config, 'layers');
  path += Array.isArray(config) ? '.config' : '.config.layers';
  if ((cls !== 'Sequential' && !functional) || !Array.isArray(layers) || layers.length > 1024)
    throw bad('not a Layers model', path, 'a Sequential or Functional model of ≤ 1024 layers', cls);
  const name = (i: number) => at(at(layers[i], 'config'), 'name');
  if (functional) {
    // one chain: each layer's one inbound node is the layer before it (TF.js and Keras 2:
    // inbound_nodes [[[name, 0, 0, {}]]]), the InputLayer's is none, the last one is the output
    layers.forEach((l, i) => {
      const nodes = at(l, 'inbound_nodes');
      const from = i ? at(at(at(nodes, 0), 0), 0) : undefined;
      const one = at(nodes, 'length') === (i ? 1 : 0) && at(at(nodes, 0), 'length') === (i ? 1 : undefined);
      if (!one || from !== name(i - 1) || typeof from !== (i ? 'string' : 'undefined'))
        throw bad('not a linear model', `${path}[${i}].inbound_nodes`, `one input: ${describe(name(i - 1))}`, from);
    });
    const out = at(config, 'output_layers');
    if (at(out, 'length') !== 1 || at(at(out, 0), 0) !== name(layers.length - 1))
      throw bad('not a linear model', `${path.slice(0, -7)}.output_layers`, 'the last layer', out);
  }

  const pieces: TfjsPiece[] = [];
  let width: number | undefined; // features reaching the next layer
  let sequences = true; // whether they are still a sequence (no recurrent layer has ended it)
  let stage = 0; // 1 after an embedding, 2 after a recurrent layer, 3 after the head
  let output: OutputKind = 'linear';
  for (const [i, layer] of layers.entries()) {
    let cls = at(layer, 'class_name');
    let c = at(layer, 'config');
    const frozen = at(c, 'trainable') === false;
    const refuse: Refuse = (key, expected, found) =>
      bad(`layer ${describe(name(i))} (${String(cls)})`, `${path}[${i}]${key && `.config.${key}`}`, expected, found);
    const shape = at(c, 'batch_input_shape') ?? at(c, 'batch_shape'); // Keras 3 names it batch_shape
    if (!i && at(shape, 'length') === 3) width = size(shape, 2, refuse, 'batch_input_shape[2]');
    if (cls === 'Dropout' || (cls === 'InputLayer' && !i)) continue;
    let merge: 'concat' | 'sum' | undefined;
    if (cls === 'Bidirectional') {
      merge = pick(c, 'merge_mode', ['concat', 'sum'], 'concat', refuse) as 'concat' | 'sum';
      pick(c, 'backward_layer', [undefined], undefined, refuse);
    }
    if (cls === 'Bidirectional' || cls === 'TimeDistributed') {
      const inner = at(c, 'layer');
      [cls, c] = [at(inner, 'class_name'), at(inner, 'config')];
      if (merge ? cls === 'Dense' : cls !== 'Dense') cls = `wrapped ${String(cls)}`;
    }
    const cell = typeof cls === 'string' && Object.hasOwn(CELLS, cls) ? CELLS[cls] : undefined;
    const kind = cls === 'Embedding' ? 1 : cell ? 2 : cls === 'Dense' ? 3 : 0;
    if (kind === 1 ? stage : kind === 2 ? stage > 2 || !sequences : kind !== 3 || stage !== 2)
      throw refuse('', `a layer of [${ORDER}] in that order`, cls);
    stage = kind;
    if (kind === 1) {
      pick(c, 'mask_zero', [false], false, refuse, ' (give predict lengths for padding)');
      const [V, E] = [size(c, 'input_dim', refuse), size(c, 'output_dim', refuse)];
      width = E;
      pieces.push({
        config: { type: 'embedding', numEmbeddings: V, embeddingDim: E },
        shapes: [[V, E]],
        frozen,
        convert: (w) => w,
      });
    } else if (width === undefined) {
      throw refuse('batch_input_shape', '[batch, steps, features]', undefined);
    } else if (cell) {
      const r = recurrent(cell, c, width, merge, refuse);
      pieces.push({ ...r, frozen });
      width = merge === 'concat' ? 2 * r.config.hiddenSize : r.config.hiddenSize;
      sequences = pick(c, 'return_sequences', [true, false], false, refuse) as boolean;
    } else {
      output = pick(c, 'activation', ['softmax', 'sigmoid', 'linear'], 'linear', refuse) as OutputKind;
      const [I, O] = [width, size(c, 'units', refuse)];
      const bias = pick(c, 'use_bias', [true, false], true, refuse) as boolean;
      pieces.push({
        config: { type: 'dense', inFeatures: I, outFeatures: O, bias, at: sequences ? 'every' : 'last' },
        shapes: bias ? [[I, O], [O]] : [[I, O]],
        frozen,
        // kernel (I, O) → weight (O, I); the bias as it is
        convert: (w) => [transpose(w[0], I, O), ...w.slice(1)],
      });
    }
  }
  if (stage !== 3) throw bad('no Dense head', path, `a model of [${ORDER}]`, 'none');
  return { pieces, output };
}

/** An integer size from 1 to 2²⁴ (strand's limit on every size). */
function size(c: unknown, key: string | number, refuse: Refuse, field = String(key)): number {
  const v = at(c, key);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2 ** 24)
    throw refuse(field, 'an integer from 1 to 2^24', v);
  return v;
}

/** A setting that must be one of `allowed`; absent or null means `fallback`. */
function pick(c: unknown, key: string, allowed: unknown[], fallback: unknown, refuse: Refuse, note = ''): unknown {
  const v = at(c, key) ?? fallback;
  if (!allowed.includes(v)) throw refuse(key, allowed.map((a) => JSON.stringify(a) ?? 'none').join(' or ') + note, v);
  return v;
}

/** One recurrent layer (both directions when `merge` is given) on `I` input features. */
function recurrent(
  cell: CellType,
  c: unknown,
  I: number,
  merge: 'concat' | 'sum' | undefined,
  refuse: Refuse,
): Omit<TfjsPiece, 'frozen'> & { config: RecurrentConfig } {
  const H = size(c, 'units', refuse);
  const G = gateCount(cell) * H;
  const activation = pick(c, 'activation', cell === 'rnn' ? ['tanh', 'relu'] : ['tanh'], 'tanh', refuse);
  if (cell !== 'rnn')
    pick(
      c,
      'recurrent_activation',
      ['sigmoid'],
      undefined,
      refuse,
      ': strand has no hard_sigmoid, and sigmoid would be silently wrong',
    );
  for (const key of ['return_state', 'go_backwards', 'time_major']) pick(c, key, [false], false, refuse);
  // stateful and unroll change how Keras runs, not what it computes (a strand predict is
  // stateless unless asked to carry state, and never unrolled)
  for (const key of ['stateful', 'unroll']) pick(c, key, [true, false], false, refuse);
  const bias = pick(c, 'use_bias', [true, false], true, refuse) as boolean;
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
  // per direction: kernel (I, G), recurrent_kernel (H, G), bias (G) or, reset-after GRU, (2, G)
  const one = [[I, G], [H, G], ...(bias ? [resetAfter ? [2, G] : [G]] : [])];
  const gates = (b: Float32Array) => reorderGates(b, cell, 'keras', H, 1, false);
  return {
    config,
    shapes: merge ? [...one, ...one] : one,
    convert: (w) =>
      w.flatMap((v, j) => {
        const k = j % one.length;
        if (k < 2) return [fromKerasKernel(v, cell, H, k ? H : I)];
        // Keras's one bias is b_ih + b_hh (LSTM, RNN, and the reset-before GRU, whose recurrent
        // candidate bias sits outside r∘(…)); a reset-after GRU's rows are b_ih and b_hh
        return resetAfter ? [gates(v.subarray(0, G)), gates(v.subarray(G))] : [gates(v), new Float32Array(G)];
      }),
  };
}
