/**
 * The strand architecture carried in a foreign file's string metadata, so that strand rebuilds its
 * own exports whole: `strand.model` (JSON of { output, layers }), `strand.dropout` (the dropout
 * generator positions), `strand.metadata` (the model's metadata), `strand.vocab` (its vocabulary, when it has one) and `strand.rename` (strand's layer
 * prefixes → the names the file uses, so that PyTorch's `load_state_dict` accepts the file).
 */
import type { Backend } from '../backend/backend.ts';
import { FormatError } from '../io/format-error.ts';
import { checkModelCheckpoint, type LoadLimits } from '../nn/checkpoint.ts';
import { parameterShapes } from '../nn/layers.ts';
import { SequenceModel } from '../nn/model.ts';
import { describe } from '../util/check.ts';
import { fail, type InteropFormat } from './error.ts';
import type { Tensor, TensorDict } from './tensor.ts';

/** The metadata key of the architecture: its presence marks a file strand wrote. */
export const STRAND_MODEL = 'strand.model';

/** Whether `v` is a JSON object (not null, not an array). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** strand's metadata entries for `model`, each a JSON string. */
export function strandMetadata(model: SequenceModel, rename: Record<string, string>): Record<string, string> {
  const { model: config, dropout, metadata, vocab } = model.checkpointHeader('model');
  const entries = Object.entries({ model: config, dropout, metadata, rename, ...(vocab ? { vocab } : {}) });
  return Object.fromEntries(entries.map(([key, value]) => [`strand.${key}`, JSON.stringify(value)]));
}

/**
 * The model's parameters with their shapes, in state-dict order, named `<prefix>.<name>` where the
 * prefix is `rename[layer index]` or the index itself. Throws a TypeError for a `rename` key that
 * is no layer with parameters, a value that is not a non-empty string, or two layers given one prefix.
 */
export function strandTensors(model: SequenceModel, rename: Record<string, string>, where: string): TensorDict {
  const dict = model.stateDict();
  const layers = model.checkpointHeader('model').model.layers;
  const indices = layers.flatMap((c, i) => (parameterShapes(c).length > 0 ? [String(i)] : []));
  const prefixes = indices.map((i) => (Object.hasOwn(rename, i) ? rename[i] : i));
  const bad = Object.keys(rename).find((k) => !indices.includes(k) || typeof rename[k] !== 'string' || !rename[k]);
  if (bad !== undefined || new Set(prefixes).size < prefixes.length)
    throw new TypeError(
      `${where}: options.rename must give layers ${indices.join(', ')} (those with parameters) distinct non-empty names, received ${bad === undefined ? `the names ${prefixes.join(', ')}` : `the key '${bad.slice(0, 40)}'`}`,
    );
  return Object.fromEntries(
    indices.flatMap((i, k) =>
      parameterShapes(layers[+i]).map(([name, shape]): [string, Tensor] => [
        `${prefixes[k]}.${name}`,
        { shape, data: dict[`${i}.${name}`] },
      ]),
    ),
  );
}

/**
 * Builds the model `metadata`'s strand entries describe from `tensors`: the architecture gets the
 * checks of a strand checkpoint (and `maxParameters`), the names lose their rename, every tensor
 * must have its parameter's shape. A refusal is an {@link InteropError} naming the entry
 * (`<place>.strand.model.layers[1].hiddenSize`) or the tensor; a model above `maxParameters` an InteropError.
 * @param place how the format names its metadata in messages (`'__metadata__'`)
 */
export function modelFromStrandMetadata(
  format: InteropFormat,
  place: string,
  metadata: Record<string, string>,
  tensors: TensorDict,
  where: string,
  backend: Backend | undefined,
  limits: LoadLimits,
): SequenceModel {
  const entry = (key: string): unknown => {
    if (!Object.hasOwn(metadata, `strand.${key}`)) return undefined;
    const text = metadata[`strand.${key}`];
    try {
      return JSON.parse(text);
    } catch {
      throw fail(format, 'not JSON', `${place}.strand.${key}`, 'JSON text', describe(text));
    }
  };
  const header = {
    model: entry('model'),
    dropout: entry('dropout'),
    metadata: entry('metadata'),
    vocab: entry('vocab'),
  };
  const rename = entry('rename') ?? {};
  const names = isObject(rename) ? Object.values(rename) : [0];
  if (!names.every((v) => typeof v === 'string') || new Set(names).size !== names.length)
    throw fail(format, 'rename map is invalid', `${place}.strand.rename`, 'distinct strings', describe(rename));
  // a parameter name has no dot, so the prefix is everything before the last one
  const indexOf = new Map(Object.entries(rename as Record<string, string>).map(([i, prefix]) => [prefix, i]));
  const named = new Map<string, [string, Tensor]>();
  for (const [name, t] of Object.entries(tensors)) {
    const dot = name.lastIndexOf('.');
    const key = `model.${dot < 0 ? name : (indexOf.get(name.slice(0, dot)) ?? name.slice(0, dot)) + name.slice(dot)}`;
    const other = named.get(key);
    if (other !== undefined)
      throw fail(format, 'two tensors are one parameter', name, `one tensor for ${key.slice(6)}`, `also ${other[0]}`);
    named.set(key, [name, t]);
  }
  const data = new Map([...named].map(([key, [, t]]) => [key, t.data]));
  let values = 0;
  for (const t of data.values()) values += t.length;
  if (values > limits.maxParameters)
    throw fail(
      format,
      'larger than maxParameters',
      undefined,
      `at most ${limits.maxParameters} values (options.maxParameters)`,
      values,
    );
  try {
    const checked = checkModelCheckpoint(header, data, where, limits);
    checked.config.layers.forEach((c, i) => {
      for (const [name, shape] of parameterShapes(c)) {
        const [file, t] = named.get(`model.${i}.${name}`)!;
        if (`${t.shape}` !== `${shape}`)
          throw fail(format, 'wrong shape', file, `[${shape.join(', ')}]`, `[${t.shape.join(', ')}]`);
      }
    });
    return SequenceModel.fromCheckpoint(header, data, backend, where, limits);
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    const ofHeader = error.part === 'header';
    throw fail(
      format,
      ofHeader ? 'strand architecture is invalid' : 'tensors do not fit',
      ofHeader ? `${place}.strand.${error.field}` : error.field,
      error.expected,
      error.found,
    );
  }
}
