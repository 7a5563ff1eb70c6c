/**
 * A strand architecture read from a PyTorch state dict alone (its modules in the dict's order: an
 * optional embedding, recurrent modules, a Linear head), and the model built from a state dict.
 */
import { FormatError } from '../io/format-error.ts';
import { LOAD_OPTIONS, MAX_STACK_LAYERS, loadOptions, type LoadOptions } from '../nn/checkpoint.ts';
import { checkLayerConfig, parameterShapes, type LayerConfig } from '../nn/layers.ts';
import { RENAME_OPTION, SequenceModel, type ModelConfig } from '../nn/model.ts';
import { describe } from '../util/check.ts';
import { checkOptions, custom, oneOf } from '../util/options.ts';
import { Rng } from '../util/rng.ts';
import { InteropError } from './error.ts';
import { RECURRENT_PARAM, float32, groupTensors, mapOnto, misfit, type Group } from './state-dict.ts';
import { numel, type TensorDict } from './tensor.ts';

/** Options of {@link inferArchitecture}: what a state dict does not say. */
export interface InferArchitectureOptions {
  /** How the head's outputs are read; default `'softmax'`. */
  output?: 'softmax' | 'sigmoid' | 'linear';
  /** A vanilla RNN's activation, which its weights cannot tell; default `'tanh'` (PyTorch's). */
  nonlinearity?: 'tanh' | 'relu';
  /** Where the head applies: at `'every'` step (default) or at the `'last'` one. */
  at?: 'every' | 'last';
}

/** Options of {@link modelFromStateDict}. */
export interface ModelFromStateDictOptions extends LoadOptions, InferArchitectureOptions {
  /** The model to build (as {@link inferArchitecture} returns one); default the inferred one. */
  architecture?: ModelConfig;
  /** Name prefixes of the dict to strand's layer indices, as for {@link mapStateDict}. */
  rename?: Record<string, string>;
}

const FORMAT = 'state dict';
const INFER_OPTIONS = {
  output: oneOf('softmax', 'sigmoid', 'linear'),
  nonlinearity: oneOf('tanh', 'relu'),
  at: oneOf('every', 'last'),
};
const CELLS: Record<number, 'lstm' | 'gru' | 'rnn'> = { 4: 'lstm', 3: 'gru', 1: 'rnn' };

/** The architecture and, layer by layer, the module it was read from. */
function infer(tensors: unknown, options: InferArchitectureOptions, where: string): [ModelConfig, Group[]] {
  checkOptions(options, INFER_OPTIONS, where);
  const { entries, groups } = groupTensors(tensors);
  const bare = entries.find((e) => !e.shape);
  if (bare) throw new InteropError(FORMAT, 'no shape', { field: bare.name, expected: 'a Tensor', found: 'an array' });
  const first = (g: Group) => [...g.entries.values()][0].name;
  const dims = (g: Group, p: string) => g.entries.get(p)?.shape ?? [];
  const layers: LayerConfig[] = [];
  let k = 0;
  let width = 0;
  if (groups.length > 1 && [...groups[0].entries.keys()].join() === 'weight') {
    const [numEmbeddings, embeddingDim] = dims(groups[0], 'weight');
    layers.push({ type: 'embedding', numEmbeddings, embeddingDim });
    width = embeddingDim;
    k = 1;
  }
  // recurrent modules, each fed by the one below (its own input size only at the bottom)
  const start = k;
  for (; k < groups.length && [...groups[k].entries.keys()].some((p) => RECURRENT_PARAM.test(p)); k++) {
    const g = groups[k];
    const proj = [...g.entries.values()].find((e) => e.param.includes('_hr_'));
    if (proj)
      throw new InteropError(FORMAT, 'an LSTM projection (proj_size), which strand lacks', {
        field: proj.name,
        expected: 'no such tensor',
        found: `shape [${proj.shape}]`,
      });
    const hh = dims(g, 'weight_hh_l0');
    const [G, H] = hh;
    const type = CELLS[G / H];
    if (!type)
      throw new InteropError(FORMAT, 'not an RNN, LSTM or GRU', {
        field: `${g.prefix && `${g.prefix}.`}weight_hh_l0`,
        expected: 'a (gates·H, H) weight, 4 (LSTM), 3 (GRU) or 1 (RNN) gates',
        found: hh.length ? `[${hh.join(', ')}]` : 'no such tensor',
      });
    let numLayers = 0;
    for (const p of g.entries.keys()) numLayers = Math.max(numLayers, Number(RECURRENT_PARAM.exec(p)?.[3] ?? 0) + 1);
    const names = [...g.entries.keys()].join();
    layers.push({
      type,
      inputSize: width || (dims(g, 'weight_ih_l0')[1] ?? 0),
      hiddenSize: H,
      numLayers: Math.min(numLayers, g.entries.size), // a higher index is a tensor misfit names below
      bidirectional: names.includes('_reverse'),
      bias: names.includes('bias'),
      merge: 'concat',
      ...(type === 'rnn'
        ? { nonlinearity: options.nonlinearity ?? 'tanh' }
        : type === 'gru'
          ? { resetAfter: true }
          : {}),
    });
    width = (names.includes('_reverse') ? 2 : 1) * H;
  }
  const head = groups[groups.length - 1];
  if (k === start || k !== groups.length - 1)
    throw new InteropError(FORMAT, 'not a stack strand has', {
      field: groups[k] && first(groups[k]),
      expected: '[Embedding?, (RNN | LSTM | GRU)+, Linear] modules in this order',
      found: groups[k] ? `module ${describe(groups[k].prefix)} here` : 'no Linear head',
    });
  layers.push({
    type: 'dense',
    inFeatures: width,
    outFeatures: dims(head, 'weight')[0] ?? 0,
    bias: head.entries.has('bias'),
    at: options.at ?? 'every',
  });
  layers.forEach((c, i) => {
    const error = misfit(groups[i], parameterShapes(c));
    if (error) throw error;
  });
  return [{ output: options.output ?? 'softmax', layers }, groups];
}

/**
 * A strand architecture from a PyTorch `state_dict` alone: an `Embedding`(V, E) when a lone
 * `weight` (V, E) comes first; for each recurrent module its cell from `weight_hh_l0` (G, H) (G = 4H:
 * LSTM, 3H: GRU with PyTorch's reset-after formulation, H: RNN), `numLayers` from the highest
 * `_l{k}`, `bidirectional` from `_reverse` tensors, `bias` from `bias_*` ones, the input size from
 * `weight_ih_l0` (stacked modules must chain); a `Dense` head from the last module's `weight`
 * (and `bias`). What a state dict cannot say comes from `options`: an RNN's nonlinearity (tanh and
 * relu weights look alike: pass `'relu'` for a relu RNN), the output kind, where the head applies.
 * Throws an {@link InteropError} naming the tensor for what strand cannot express: an LSTM's
 * `proj_size` (`weight_hr_l0`), a missing layer or direction, shapes that do not agree, modules in
 * another order or left over.
 * @example
 * ```ts
 * const config = inferArchitecture(tensors, { output: 'softmax' });
 * // { output: 'softmax', layers: [{ type: 'embedding', … }, { type: 'lstm', … }, { type: 'dense', … }] }
 * ```
 */
export function inferArchitecture(tensors: TensorDict, options: InferArchitectureOptions = {}): ModelConfig {
  return infer(tensors, options, 'inferArchitecture')[0];
}

/**
 * A {@link SequenceModel} holding a PyTorch `state_dict`'s weights, its architecture given or else
 * read by {@link inferArchitecture} (`output`, `nonlinearity` and `at` are for the inferred one).
 * The tensors go to the layers the inference read them for, or by {@link mapStateDict}'s rules when
 * `architecture` or `rename` is given. Everything is checked before the model is built — the
 * architecture as a checkpoint's is, against `maxParameters` (a RangeError above it), and the
 * tensors' bytes against `maxBytes`; a refusal is an {@link InteropError}, and a model whose
 * loading fails is freed.
 * @example
 * ```ts
 * const model = modelFromStateDict(tensors, { output: 'softmax' });
 * const logits = model.predict(ids, { seqLen: 5, batch: 3 });
 * ```
 */
export function modelFromStateDict(tensors: TensorDict, options: ModelFromStateDictOptions = {}): SequenceModel {
  const where = 'modelFromStateDict';
  const schema = { ...LOAD_OPTIONS, ...INFER_OPTIONS, architecture: custom('a ModelConfig'), rename: RENAME_OPTION };
  checkOptions(options, schema, where);
  const { architecture, rename, output, nonlinearity, at, ...load } = options;
  const { backend, limits } = loadOptions(load, where);
  if (architecture && (output ?? nonlinearity ?? at))
    throw new TypeError(
      `${where}: output, nonlinearity and at are for an inferred architecture, not options.architecture`,
    );
  try {
    let config: ModelConfig;
    let dict: Record<string, Float32Array> = {};
    if (architecture) {
      const layers: unknown = architecture.layers;
      if (!Array.isArray(layers) || layers.length > MAX_STACK_LAYERS)
        throw new InteropError(FORMAT, 'a bad architecture', {
          field: 'architecture.layers',
          expected: `an array of up to ${MAX_STACK_LAYERS} layer configurations`,
          found: describe(layers),
        });
      layers.forEach((c, i) => checkLayerConfig(c, `architecture.layers[${i}]`, where));
      config = architecture;
      let n = 0;
      for (const c of config.layers) for (const [, shape] of parameterShapes(c)) n += numel(shape);
      if (n > limits.maxParameters)
        throw new RangeError(
          `${where}: the architecture has ${n} parameter values, above maxParameters = ${limits.maxParameters}`,
        );
    } else {
      const [inferred, groups] = infer(tensors, { output, nonlinearity, at }, where);
      config = inferred;
      config.layers.forEach((c, i) => {
        for (const [p] of parameterShapes(c)) dict[`${i}.${p}`] = float32(groups[i].entries.get(p)!.data);
      });
    }
    if (architecture || rename)
      dict = mapOnto(config.layers, tensors, rename, (i) => {
        const n = parameterShapes(config.layers[i])[0][1][0]; // a one-hot table: the identity (n, n)
        const eye = new Float32Array(n * n);
        for (let j = 0; j < n; j++) eye[j * n + j] = 1;
        return eye;
      });
    let bytes = 0;
    for (const v of Object.values(dict)) bytes += 4 * v.length;
    if (bytes > limits.maxBytes)
      throw new RangeError(`${where}: the tensors hold ${bytes} bytes, above maxBytes = ${limits.maxBytes}`);
    const header = {
      model: config,
      dropout: config.layers.filter((c) => c.type === 'dropout').map(() => new Rng(0).snapshot()),
      metadata: {},
    };
    const named = new Map(Object.entries(dict).map(([k, v]) => [`model.${k}`, v]));
    return SequenceModel.fromCheckpoint(header, named, backend, where, limits);
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    const problem = error.part === 'tensors' ? 'the tensors do not load into the model' : 'a bad architecture';
    throw new InteropError(FORMAT, problem, { field: error.field, expected: error.expected, found: error.found });
  }
}
