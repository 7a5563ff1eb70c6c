/**
 * TF.js Layers models (model.json and its binary weight shards, as `model.save()` and the
 * tensorflowjs converter write them) as strand {@link SequenceModel}s.
 *
 * Weights are matched to layers by order and shape, never by name (TF.js names such as
 * `lstm_LSTM1` change from run to run). TF.js saves the weights of `trainable: false` layers after
 * all the others, the converter in layer order: both orders are tried, and a file both fit is refused.
 */
import { type LoadOptions, loadOptions } from '../nn/checkpoint.ts';
import { parameterShapes } from '../nn/layers.ts';
import { SequenceModel } from '../nn/model.ts';
import { FormatError } from '../io/format-error.ts';
import { numel } from './tensor.ts';
import { at, bad, readTopology, type TfjsPiece } from './tfjs-topology.ts';
import { joinShards, manifestEntries, storage, type TfjsEntry } from './tfjs-weights.ts';

/** Weight `j` of strand layer `i`, of Keras shape `s`. */
interface Slot {
  i: number;
  j: number;
  s: number[];
}

/**
 * Imports a TF.js Layers model: a Sequential model, or a Functional one whose layers form a chain,
 * of InputLayer, Embedding, LSTM / GRU / SimpleRNN (optionally in Bidirectional, merge_mode concat
 * or sum), Dropout (skipped: inference only) and a final Dense or TimeDistributed(Dense) head
 * (activation softmax, sigmoid or linear, which becomes the model's `output`; after a recurrent
 * layer with `return_sequences: false` the head runs at the last step). Keras is batch-major
 * (B, T, ·), strand time-major (T, B, ·): transpose inputs for `predict`, whose softmax / sigmoid
 * outputs are logits. Anything strand would compute differently (hard_sigmoid, mask_zero,
 * go_backwards, …) is refused, as is a damaged file, with an {@link InteropError} naming the field.
 * @param modelJson model.json's text or parsed object (`modelTopology` and `weightsManifest`;
 *   model artifacts with `weightSpecs` also do)
 * @param weights the shards concatenated, or the shards in the manifest's order
 * @param options `backend`, `maxBytes` (of the weights, default 256 MiB), `maxParameters`
 */
export function importTfjs(
  modelJson: string | object,
  weights: Uint8Array | ArrayBuffer | ReadonlyArray<Uint8Array | ArrayBuffer>,
  options: LoadOptions = {},
): SequenceModel {
  const where = 'importTfjs';
  const { backend, limits } = loadOptions(options, where);
  let json: unknown = modelJson;
  try {
    if (typeof json === 'string')
      json = json.length > limits.maxBytes ? `${json.length} characters, above maxBytes` : JSON.parse(json);
  } catch (e) {
    json = (e as Error).message;
  }
  if (json === null || typeof json !== 'object')
    throw bad('model.json is not a JSON object', 'model.json', 'JSON text', json);
  const { pieces, output } = readTopology(at(json, 'modelTopology'));
  const entries = manifestEntries(json);
  const slots = order(pieces, entries);
  const stores = entries.map(storage);
  const bytes = joinShards(
    weights,
    slots.reduce((n, x, k) => n + numel(x.s) * stores[k][0], 0),
    limits.maxBytes,
  );
  const configs = pieces.map((p) => p.config);
  const count = configs.reduce((n, c) => n + parameterShapes(c).reduce((m, [, s]) => m + numel(s), 0), 0);
  if (count > limits.maxParameters)
    throw bad('model above maxParameters', 'modelTopology', `≤ ${limits.maxParameters}`, count);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const keras: Float32Array[][] = pieces.map(() => []);
  let o = 0;
  slots.forEach(({ i, j, s }, k) => {
    const [per, read] = stores[k];
    const v = new Float32Array(numel(s));
    for (let m = 0; m < v.length; m++, o += per) {
      v[m] = read(view, o);
      if (!Number.isFinite(v[m]))
        throw bad(`a weight is not finite at byte ${o}`, entries[k].field, 'finite values', v[m]);
    }
    keras[i][j] = v;
  });
  const tensors = new Map<string, Float32Array>();
  pieces.forEach((p, i) => {
    const names = parameterShapes(p.config);
    p.convert(keras[i]).forEach((t, k) => tensors.set(`model.${i}.${names[k][0]}`, t));
  });
  try {
    const header = { model: { output, layers: configs }, dropout: [], metadata: {} };
    return SequenceModel.fromCheckpoint(header, tensors, backend, where, limits);
  } catch (e) {
    // not expected (the checks above cover the checkpoint's), but still the format's error
    throw e instanceof FormatError ? bad('strand cannot build the model', 'modelTopology', 'a model', e.message) : e;
  }
}

/**
 * The strand weight each manifest entry fills: layer order (the converter's), or the trainable
 * layers' weights first (TF.js's `model.save`), whichever the entries' shapes fit.
 */
function order(pieces: TfjsPiece[], entries: TfjsEntry[]): Slot[] {
  const all = pieces.flatMap((p, i) => p.shapes.map((s, j) => ({ i, j, s })));
  const frozenLast = [...all.filter((x) => !pieces[x.i].frozen), ...all.filter((x) => pieces[x.i].frozen)];
  const misfit = (slots: Slot[]) => slots.findIndex((x, k) => !sameShape(at(entries[k].spec, 'shape'), x.s));
  if (entries.length !== all.length)
    throw bad('weight count', 'weightsManifest', `${all.length} weights`, entries.length);
  const [a, b] = [misfit(all), misfit(frozenLast)];
  if (a < 0 && b < 0 && all.some((x, k) => x !== frozenLast[k]))
    throw bad('ambiguous order', 'weightsManifest', 'one order that fits', 'two (frozen layers)');
  if (a < 0 || b < 0) return a < 0 ? all : frozenLast;
  throw bad(
    'a weight of the wrong shape',
    `${entries[a].field}.shape`,
    `[${all[a].s}] (layer ${all[a].i})`,
    shown(at(entries[a].spec, 'shape')),
  );
}

/** A shape from the file, shortened: `[3,8]`, or the value it is instead. */
function shown(x: unknown): unknown {
  return Array.isArray(x) ? `[${x}]`.slice(0, 40) : x;
}

/** Whether a shape from the file is exactly `s`. */
function sameShape(x: unknown, s: number[]): boolean {
  return Array.isArray(x) && x.length === s.length && x.every((d, k) => d === s[k]);
}
