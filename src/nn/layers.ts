/**
 * The layers a {@link SequenceModel} stacks, as data: their serialisable configurations, checking
 * one read from a file, the parameters it declares, building a fresh layer from one, and the
 * dropout generator positions a checkpoint carries.
 */
import type { Backend } from '../backend/backend.ts';
import { checkField, checkKeys, checkObject, fieldError } from '../io/header-fields.ts';
import { describe } from '../util/check.ts';
import { bool, int, num, oneOf, type Spec } from '../util/options.ts';
import { Dense, type DenseConfig } from './dense.ts';
import { Dropout, type DropoutConfig } from './dropout.ts';
import { Embedding, OneHot, type EmbeddingConfig } from './embedding.ts';
import { GRU, LSTM, RNN, type RecurrentConfig, type RecurrentLayer } from './recurrent.ts';

/** Anything a {@link SequenceModel} can stack. */
export type ModelLayer = Embedding | RecurrentLayer | Dropout | Dense;

/** The serialisable configuration of one {@link ModelLayer}. */
export type LayerConfig = EmbeddingConfig | RecurrentConfig | DropoutConfig | DenseConfig;

/**
 * Limits on a layer configuration read from a file: every size (features, hidden units, classes,
 * vocabulary) is an integer from 1 to `maxSize` (2²⁴), a recurrent layer stacks at most
 * `maxNumLayers` (1024) layers. The model's total size is limited separately (`maxParameters`).
 */
export const LAYER_CONFIG_LIMITS = { maxSize: 2 ** 24, maxNumLayers: 1024 } as const;

/** What a file holds when one of its layer configurations is refused. */
const INVALID_MODEL = "the checkpoint's model is invalid";

const size = int({ min: 1, max: LAYER_CONFIG_LIMITS.maxSize });
const RECURRENT: Record<string, Spec> = {
  inputSize: size,
  hiddenSize: size,
  numLayers: int({ min: 1, max: LAYER_CONFIG_LIMITS.maxNumLayers }),
  bidirectional: bool(),
  bias: bool(),
};

/** Every field of every layer type: the required ones, then the optional ones. */
const CONFIG_FIELDS: Record<LayerConfig['type'], { required: Record<string, Spec>; optional: Record<string, Spec> }> = {
  embedding: { required: { numEmbeddings: size, embeddingDim: size }, optional: {} },
  onehot: { required: { numEmbeddings: size, embeddingDim: size }, optional: {} },
  dense: { required: { inFeatures: size, outFeatures: size, bias: bool(), at: oneOf('every', 'last') }, optional: {} },
  // below 1 also once rounded to float32, as the kernel reads it
  dropout: { required: { p: num({ min: 0, max: 1 - 2 ** -24 }) }, optional: {} },
  rnn: { required: RECURRENT, optional: { merge: oneOf('concat', 'sum'), nonlinearity: oneOf('tanh', 'relu') } },
  lstm: { required: RECURRENT, optional: { merge: oneOf('concat', 'sum') } },
  gru: { required: RECURRENT, optional: { merge: oneOf('concat', 'sum'), resetAfter: bool() } },
};

/**
 * Checks one layer configuration read from a file: a known `type`, every field it needs with the
 * right type and an integer size within {@link LAYER_CONFIG_LIMITS}, no unknown field. Throws a
 * FormatError naming the field (`field` is the configuration's own path, e.g. `model.layers[2]`).
 */
export function checkLayerConfig(raw: unknown, field: string, where: string): LayerConfig {
  const c = checkObject(raw, field, where, INVALID_MODEL);
  const types = Object.keys(CONFIG_FIELDS);
  if (typeof c.type !== 'string' || !Object.hasOwn(CONFIG_FIELDS, c.type))
    throw fieldError(where, INVALID_MODEL, `${field}.type`, `a layer type (${types.join(', ')})`, describe(c.type));
  const { required, optional } = CONFIG_FIELDS[c.type as LayerConfig['type']];
  checkKeys(c, ['type', ...Object.keys(required), ...Object.keys(optional)], field, where, INVALID_MODEL);
  for (const [key, spec] of Object.entries(required)) checkField(c[key], spec, `${field}.${key}`, where, INVALID_MODEL);
  for (const [key, spec] of Object.entries(optional))
    if (c[key] !== undefined) checkField(c[key], spec, `${field}.${key}`, where, INVALID_MODEL);
  if (c.type === 'onehot' && c.embeddingDim !== c.numEmbeddings)
    throw fieldError(
      where,
      INVALID_MODEL,
      `${field}.embeddingDim`,
      `${c.numEmbeddings}, equal to numEmbeddings (a one-hot table is square)`,
      describe(c.embeddingDim),
    );
  return c as unknown as LayerConfig;
}

/** The features a layer hands to the next one (undefined for dropout, which keeps its input's width). */
export function outputWidth(c: LayerConfig): number | undefined {
  switch (c.type) {
    case 'embedding':
    case 'onehot':
      return c.embeddingDim;
    case 'dense':
      return c.outFeatures;
    case 'dropout':
      return undefined;
    default:
      return c.merge === 'sum' ? c.hiddenSize : (c.bidirectional ? 2 : 1) * c.hiddenSize;
  }
}

/** Rows of each gate weight matrix of a recurrent layer: 4H (LSTM), 3H (GRU), H (RNN). */
function gateRows(c: RecurrentConfig): number {
  return (c.type === 'lstm' ? 4 : c.type === 'gru' ? 3 : 1) * c.hiddenSize;
}

/**
 * The number of parameter tensors a layer built from a (checked) configuration holds, by
 * arithmetic alone: nothing is listed, however many stacked layers it declares.
 */
export function tensorCount(c: LayerConfig): number {
  switch (c.type) {
    case 'dense':
      return c.bias ? 2 : 1;
    case 'dropout':
      return 0;
    case 'embedding':
    case 'onehot':
      return 1;
    default:
      return c.numLayers * (c.bidirectional ? 2 : 1) * (c.bias ? 4 : 2);
  }
}

/**
 * The parameter tensors (name, shape) a layer built from a configuration holds, in the layer's
 * order and with its names (PyTorch's: `weight_ih_l0`, `bias_hh_l1_reverse`, …). Call it after
 * {@link tensorCount} has shown the list to be of a sensible length.
 */
export function parameterShapes(c: LayerConfig): Array<[string, number[]]> {
  switch (c.type) {
    case 'embedding':
    case 'onehot':
      return [['weight', [c.numEmbeddings, c.embeddingDim]]];
    case 'dense':
      return c.bias
        ? [
            ['weight', [c.outFeatures, c.inFeatures]],
            ['bias', [c.outFeatures]],
          ]
        : [['weight', [c.outFeatures, c.inFeatures]]];
    case 'dropout':
      return [];
    default: {
      const D = c.bidirectional ? 2 : 1;
      const G = gateRows(c);
      const H = c.hiddenSize;
      const out: Array<[string, number[]]> = [];
      for (let k = 0; k < c.numLayers; k++) {
        for (let d = 0; d < D; d++) {
          const sfx = `_l${k}${d === 1 ? '_reverse' : ''}`;
          out.push([`weight_ih${sfx}`, [G, k === 0 ? c.inputSize : D * H]], [`weight_hh${sfx}`, [G, H]]);
          if (c.bias) out.push([`bias_ih${sfx}`, [G]], [`bias_hh${sfx}`, [G]]);
        }
      }
      return out;
    }
  }
}

/**
 * The heap bytes a layer built from a (checked) configuration allocates when built: its parameter
 * slab and its gradient slab, laid out as a ParameterSet lays them out (each tensor padded to 16
 * floats, at least 16 floats in all). Workspaces come later, with the first forward pass.
 */
export function heapBytes(c: LayerConfig): number {
  const shapes = parameterShapes(c);
  if (shapes.length === 0) return 0;
  let floats = 0;
  for (const [, shape] of shapes) floats += Math.ceil(shape.reduce((a, b) => a * b, 1) / 16) * 16;
  return 2 * 4 * Math.max(floats, 16);
}

/**
 * Builds fresh (randomly initialised) layers from their configurations. If one cannot be built,
 * those built before it are freed before the error propagates.
 */
export function layersFromConfig(
  configs: readonly LayerConfig[],
  backend: Backend | undefined,
  where: string,
): ModelLayer[] {
  const built: ModelLayer[] = [];
  try {
    for (const [i, c] of configs.entries()) built.push(layerFromConfig(c, i, backend, where));
  } catch (error) {
    disposeLayers(built);
    throw error;
  }
  return built;
}

/** Frees every layer that holds memory (all but dropout). */
export function disposeLayers(layers: readonly ModelLayer[]): void {
  for (const l of layers) if (!(l instanceof Dropout)) l.dispose();
}

/** Builds one fresh layer from its configuration. */
function layerFromConfig(c: LayerConfig, i: number, backend: Backend | undefined, where: string): ModelLayer {
  switch (c.type) {
    case 'embedding':
      return new Embedding(c.numEmbeddings, c.embeddingDim, { backend, seed: 0 });
    case 'onehot':
      return new OneHot(c.numEmbeddings, { backend });
    case 'dense':
      return new Dense(c.inFeatures, c.outFeatures, { bias: c.bias, at: c.at, backend, seed: 0 });
    case 'dropout':
      return new Dropout(c.p, { seed: 0 });
    case 'rnn':
      return new RNN({ ...recurrentSizes(c), nonlinearity: c.nonlinearity, backend, seed: 0 });
    case 'lstm':
      return new LSTM({ ...recurrentSizes(c), backend, seed: 0 });
    case 'gru':
      return new GRU({ ...recurrentSizes(c), resetAfter: c.resetAfter, backend, seed: 0 });
    default:
      throw new Error(`${where}: unknown layer type ${JSON.stringify((c as { type: unknown }).type)} at index ${i}`);
  }
}

/** The options every recurrent layer kind shares, taken from its configuration. */
function recurrentSizes(c: RecurrentConfig): {
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  bias: boolean;
  merge?: 'concat' | 'sum';
} {
  return {
    inputSize: c.inputSize,
    hiddenSize: c.hiddenSize,
    numLayers: c.numLayers,
    bidirectional: c.bidirectional,
    bias: c.bias,
    merge: c.merge,
  };
}

/** Dropout generator positions of a layer stack, in layer order. */
export function dropoutStates(layers: readonly ModelLayer[]): Array<[number, number | null]> {
  return layers.filter((l): l is Dropout => l instanceof Dropout).map((d) => d.rng.snapshot());
}

/** Restores dropout generator positions saved by {@link dropoutStates}. */
export function restoreDropoutStates(layers: readonly ModelLayer[], states: unknown): void {
  if (!Array.isArray(states)) return;
  layers
    .filter((l): l is Dropout => l instanceof Dropout)
    .forEach((d, i) => {
      if (states[i]) d.rng.restore(states[i] as [number, number | null]);
    });
}
