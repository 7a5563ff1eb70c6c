/**
 * Checking a model checkpoint before any memory is touched: the whole header (every layer
 * configuration, the stack's order and widths, dropout positions, metadata), the parameter count
 * the header implies against the tensors present (by arithmetic first, then name by name) and
 * against the `maxParameters` ceiling. Loaders build a model only from what these checks return.
 */
import type { Backend } from '../backend/backend.ts';
import { getBackend } from '../backend/index.ts';
import { Vocab, type VocabJSON } from '../data/vocab.ts';
import { DEFAULT_MAX_BYTES } from '../io/container.ts';
import { FormatError } from '../io/format-error.ts';
import { checkField, checkKeys, checkObject, fieldError } from '../io/header-fields.ts';
import { describe } from '../util/check.ts';
import { checkOptions, custom, int, oneOf, type Schema } from '../util/options.ts';
import { checkLayerConfig, heapBytes, outputWidth, parameterShapes, tensorCount, type LayerConfig } from './layers.ts';
import type { OutputKind } from './trainable.ts';
import { BACKEND_OPTION } from '../backend/index.ts';

/** The most parameter values a loader builds unless told otherwise (`maxParameters`): 50 million. */
export const DEFAULT_MAX_PARAMETERS = 50_000_000;

/** The most layers a checkpoint's stack may list. */
export const MAX_STACK_LAYERS = 1024;

/** Options of the loaders ({@link SequenceModel.load}). */
export interface LoadOptions {
  /** Backend to build the model on; default the one chosen by `init()`. */
  backend?: Backend;
  /** The largest file accepted, in bytes; default 256 MiB. Larger files are refused before they are read. */
  maxBytes?: number;
  /**
   * The most parameter values the model may have (every tensor of it, one-hot tables included);
   * default 50 million. A larger model is refused before anything is built.
   */
  maxParameters?: number;
}

/** The ceilings a load enforces (see {@link LoadOptions}). */
export interface LoadLimits {
  /** The largest file accepted, in bytes. */
  maxBytes: number;
  /** The most parameter values a model may have. */
  maxParameters: number;
}

/** The schema of {@link LoadOptions}. */
export const LOAD_OPTIONS: Schema = {
  backend: BACKEND_OPTION,
  maxBytes: int({ min: 16 }),
  maxParameters: int({ min: 1 }),
};

/** Checks a loader's options against {@link LOAD_OPTIONS}; returns the backend and the limits with their defaults. */
export function loadOptions(options: unknown, where: string): { backend: Backend | undefined; limits: LoadLimits } {
  checkOptions(options, LOAD_OPTIONS, where);
  const o = options as LoadOptions;
  return {
    backend: o.backend,
    limits: {
      maxBytes: o.maxBytes ?? DEFAULT_MAX_BYTES,
      maxParameters: o.maxParameters ?? DEFAULT_MAX_PARAMETERS,
    },
  };
}

/** A model checkpoint that passed {@link checkModelCheckpoint}: everything needed to build the model. */
export interface CheckedModel {
  /** The architecture. */
  config: { output: OutputKind; layers: LayerConfig[] };
  /** The parameters by {@link SequenceModel.stateDict} name (`1.weight_ih_l0`), each of the right size and finite. */
  tensors: Record<string, Float32Array>;
  /** One generator position per dropout layer, in order. */
  dropout: Array<[number, number | null]>;
  /** The model's metadata. */
  metadata: Record<string, unknown>;
  /** The vocabulary: the header's `vocab`, else (older files) a valid `metadata.vocab`, else null. */
  vocab: Vocab | null;
  /** The number of parameter values (one-hot tables included). */
  parameters: number;
}

const INVALID_MODEL = "the checkpoint's model is invalid";
const INVALID_VOCAB = "the checkpoint's vocabulary is invalid";
const MISFIT = "the checkpoint's tensors do not fit its model";

/**
 * Checks a checkpoint's model part — the header's `model`, `dropout` and `metadata` fields and the
 * `model.*` tensors — without allocating anything on a backend. Throws a FormatError naming the
 * field or tensor, or a RangeError when the model is larger than `maxParameters`. Tensors whose
 * names do not start with `model.` (a trainer's optimizer state) are left to the caller.
 * @param header the container's header (see container.ts `unpack`)
 * @param tensors the container's tensors, in file order
 * @param limits `maxParameters` (default {@link DEFAULT_MAX_PARAMETERS})
 */
export function checkModelCheckpoint(
  header: Record<string, unknown>,
  tensors: ReadonlyMap<string, Float32Array>,
  where: string,
  limits: { maxParameters?: number } = {},
): CheckedModel {
  const model = checkObject(header.model, 'model', where, INVALID_MODEL);
  checkKeys(model, ['output', 'layers'], 'model', where, INVALID_MODEL);
  checkField(model.output, oneOf('softmax', 'sigmoid', 'linear'), 'model.output', where, INVALID_MODEL);
  const raw = model.layers;
  if (!Array.isArray(raw) || raw.length < 2 || raw.length > MAX_STACK_LAYERS)
    throw fieldError(
      where,
      INVALID_MODEL,
      'model.layers',
      `an array of 2 to ${MAX_STACK_LAYERS} layer configurations`,
      describe(raw),
    );
  const layers = raw.map((c, i) => checkLayerConfig(c, `model.layers[${i}]`, where));
  checkStack(layers, where);

  // the tensors the header declares, against those present: first their number, by arithmetic
  // alone, then their sizes, then name by name
  let presentTensors = 0;
  let presentValues = 0;
  for (const [name, data] of tensors) {
    if (!name.startsWith('model.')) continue;
    presentTensors++;
    presentValues += data.length;
  }
  const declaredTensors = layers.reduce((n, c) => n + tensorCount(c), 0);
  if (declaredTensors !== presentTensors)
    throw new FormatError(where, MISFIT, {
      part: 'tensors',
      expected: `${declaredTensors} model tensors (as the header field model declares)`,
      found: `${presentTensors}`,
    });
  const shapes = layers.map(parameterShapes);
  let declaredValues = 0;
  for (const list of shapes) for (const [, shape] of list) declaredValues += shape.reduce((a, b) => a * b, 1);
  if (declaredValues !== presentValues)
    throw new FormatError(where, MISFIT, {
      part: 'tensors',
      expected: `${declaredValues} values in the model tensors (as the header field model declares)`,
      found: `${presentValues}`,
    });
  const maxParameters = limits.maxParameters ?? DEFAULT_MAX_PARAMETERS;
  if (declaredValues > maxParameters)
    throw new RangeError(
      `${where}: the checkpoint's model has ${declaredValues} parameter values, above maxParameters = ${maxParameters} (pass a larger options.maxParameters to load it)`,
    );
  const dict: Record<string, Float32Array> = {};
  const index = new Map([...tensors.keys()].map((name, i) => [name, i]));
  shapes.forEach((list, i) => {
    for (const [name, shape] of list) {
      const full = `model.${i}.${name}`;
      const data = tensors.get(full);
      const n = shape.reduce((a, b) => a * b, 1);
      if (data === undefined)
        throw new FormatError(where, MISFIT, {
          part: 'tensors',
          expected: `a tensor '${full}' of shape [${shape.join(', ')}] (model.layers[${i}] is ${layers[i].type})`,
          found: 'no tensor of that name',
        });
      if (data.length !== n)
        throw fieldError(
          where,
          MISFIT,
          `tensors[${index.get(full)}].size`,
          `${n} values for '${full}' of shape [${shape.join(', ')}]`,
          String(data.length),
        );
      dict[`${i}.${name}`] = data;
    }
  });
  // the counts matched and every expected name was found, so no model.* tensor is left over
  const dropout = checkDropout(header.dropout, layers.filter((c) => c.type === 'dropout').length, where);
  const metadata = checkObject(header.metadata, 'metadata', where, INVALID_MODEL);

  return {
    config: { output: model.output as OutputKind, layers },
    tensors: dict,
    dropout,
    metadata,
    vocab: checkVocab(header.vocab, metadata.vocab, layers[0], where),
    parameters: declaredValues,
  };
}

/**
 * The header field `vocab` as a {@link Vocab}, checked as {@link Vocab.fromJSON} checks one and
 * against the embedding's size. Files written before the field existed carry the vocabulary in
 * `metadata.vocab`, free-form data: it is taken when it is a valid vocabulary of the right size.
 */
function checkVocab(raw: unknown, older: unknown, bottom: LayerConfig, where: string): Vocab | null {
  const size = bottom.type === 'embedding' || bottom.type === 'onehot' ? bottom.numEmbeddings : undefined;
  if (raw === undefined) {
    try {
      const vocab = older === undefined ? null : Vocab.fromJSON(older as VocabJSON);
      return vocab !== null && (size === undefined || vocab.size === size) ? vocab : null;
    } catch {
      return null;
    }
  }
  let vocab: Vocab;
  try {
    vocab = Vocab.fromJSON(raw as VocabJSON);
  } catch (error) {
    // `Vocab.fromJSON: json.tokens[3] must be <expected>, received <found>` → field vocab.tokens[3]
    const m = /^Vocab\.fromJSON: (?:unknown option )?json(\S*?)(?: must be |[;:] )(.*?)(?:, received (.*))?$/s.exec(
      (error as Error).message,
    );
    throw fieldError(where, INVALID_VOCAB, `vocab${m?.[1] ?? ''}`, m?.[2] ?? (error as Error).message, m?.[3] ?? '');
  }
  if (size !== undefined && vocab.size !== size)
    throw fieldError(
      where,
      INVALID_VOCAB,
      'vocab.tokens',
      `${size} tokens (the model reads ${size} token ids)`,
      `${vocab.size}`,
    );
  return vocab;
}

/**
 * The stack's order and widths: [embedding or onehot?, dropout?, (rnn | lstm | gru, dropout?)+, dense],
 * each layer's input size equal to the output size of the one below.
 */
function checkStack(layers: readonly LayerConfig[], where: string): void {
  const recurrent = (c: LayerConfig | undefined) => c?.type === 'rnn' || c?.type === 'lstm' || c?.type === 'gru';
  const order = '[embedding or onehot?, dropout?, (rnn | lstm | gru, dropout?)+, dense]';
  const wrong = (i: number, expected: string): FormatError =>
    fieldError(
      where,
      INVALID_MODEL,
      `model.layers[${i}].type`,
      `${expected} (the stack is ${order})`,
      describe(layers[i].type),
    );
  let i = 0;
  let width: number | undefined;
  let below = '';
  if (layers[0].type === 'embedding' || layers[0].type === 'onehot') {
    width = outputWidth(layers[0]);
    below = 'model.layers[0]';
    i++;
  }
  if (layers[i].type === 'dropout') i++;
  if (!recurrent(layers[i])) throw wrong(i, "'rnn', 'lstm' or 'gru'");
  while (recurrent(layers[i])) {
    const c = layers[i] as LayerConfig & { inputSize: number };
    if (width !== undefined && c.inputSize !== width)
      throw fieldError(
        where,
        INVALID_MODEL,
        `model.layers[${i}].inputSize`,
        `${width} (the output size of ${below})`,
        describe(c.inputSize),
      );
    width = outputWidth(c);
    below = `model.layers[${i}]`;
    i++;
    if (layers[i]?.type === 'dropout') i++;
  }
  const head = layers[i];
  if (head === undefined || head.type !== 'dense') throw wrong(Math.min(i, layers.length - 1), "'dense'");
  if (head.inFeatures !== width)
    throw fieldError(
      where,
      INVALID_MODEL,
      `model.layers[${i}].inFeatures`,
      `${width} (the output size of ${below})`,
      describe(head.inFeatures),
    );
  if (i !== layers.length - 1) throw wrong(i + 1, 'no layer after the dense head');
}

/** The dropout generator positions: one [state, spare] per dropout layer, state a 32-bit integer (signed or not). */
function checkDropout(raw: unknown, count: number, where: string): Array<[number, number | null]> {
  if (!Array.isArray(raw) || raw.length !== count)
    throw fieldError(
      where,
      INVALID_MODEL,
      'dropout',
      `an array of ${count} generator positions (one per dropout layer)`,
      describe(raw),
    );
  return raw.map((entry: unknown, i) => {
    const field = `dropout[${i}]`;
    if (!Array.isArray(entry) || entry.length !== 2)
      throw fieldError(where, INVALID_MODEL, field, 'a pair [state, spare]', describe(entry));
    checkField(entry[0], int({ min: -(2 ** 31), max: 2 ** 32 - 1 }), `${field}[0]`, where, INVALID_MODEL);
    if (entry[1] !== null)
      checkField(entry[1], custom('a finite number or null', Number.isFinite), `${field}[1]`, where, INVALID_MODEL);
    return [entry[0], entry[1]] as [number, number | null];
  });
}

/**
 * Builds a checked model's layers with `build` (which frees what it built when it fails), after
 * making sure the backend's memory can hold them: a block of their total size is allocated and
 * released first, so that the memory grows (or refuses to) before anything is built, and the
 * build itself never needs to grow it. A refusal is a RangeError saying so.
 */
export function buildWithinMemory<T>(
  where: string,
  backend: Backend | undefined,
  checked: CheckedModel,
  build: () => T,
): T {
  const heap = (backend ?? getBackend()).heap;
  let bytes = 0;
  for (const c of checked.config.layers) bytes += heapBytes(c);
  try {
    heap.release(heap.alloc(bytes));
  } catch (error) {
    throw new RangeError(
      `${where}: the backend's memory could not grow to hold the checkpoint's model (${checked.parameters} parameter values, ${bytes} bytes with gradients)`,
      { cause: error },
    );
  }
  return build();
}
