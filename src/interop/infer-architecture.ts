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
import { RECURRENT_PARAM, fullName, groupTensors, mapOnto, misfit, refuse, type Group } from './state-dict.ts';
import type { TensorDict } from './tensor.ts';

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
  for (const e of entries.values()) if (!e.shape) throw refuse('no shape', e.name, 'a Tensor', 'an array');
  const dims = (g: Group, p: string) => g.entries.get(p)?.shape ?? [];
  const keys = (g: Group) => [...g.entries.keys()];
  const layers: LayerConfig[] = [];
  let k = 0;
  let width = 0;
  if (groups.length > 1 && keys(groups[0]).join() === 'weight') {
    const [numEmbeddings, embeddingDim] = dims(groups[0], 'weight');
    layers.push({ type: 'embedding', numEmbeddings, embeddingDim });
    width = embeddingDim;
    k = 1;
  }
  // recurrent modules, each fed by the one below (its own input size only at the bottom)
  const start = k;
  for (; groups[k] && keys(groups[k]).some((p) => RECURRENT_PARAM.test(p)); k++) {
    const g = groups[k];
    const names = keys(g).join();
    const hh = dims(g, 'weight_hh_l0');
    const type = CELLS[hh[0] / hh[1]];
    const proj = keys(g).find((p) => p.includes('_hr_'));
    if (!type || proj)
      throw refuse(
        'not an RNN, LSTM or GRU strand has',
        fullName(g, proj ?? 'weight_hh_l0'),
        'weight_hh_l0 of shape (4H, 3H or H; H) and no proj_size',
        proj ? 'an LSTM projection (proj_size)' : `[${hh}]`,
      );
    const D = names.includes('_reverse') ? 2 : 1;
    layers.push({
      type,
      inputSize: width || (dims(g, 'weight_ih_l0')[1] ?? 0),
      hiddenSize: hh[1],
      // a higher layer index than the tensors can fill is one of them missing: misfit names it below
      numLayers: Math.min(
        keys(g).reduce((n, p) => Math.max(n, 1 + Number(RECURRENT_PARAM.exec(p)?.[3] ?? 0)), 1),
        g.entries.size,
      ),
      bidirectional: D > 1,
      bias: names.includes('bias'),
      merge: 'concat',
      ...(type === 'rnn'
        ? { nonlinearity: options.nonlinearity ?? 'tanh' }
        : type === 'gru'
          ? { resetAfter: true }
          : {}),
    });
    width = D * hh[1];
  }
  const head = groups[k];
  if (k === start || k !== groups.length - 1)
    throw refuse(
      'not a stack strand has',
      head && [...head.entries.values()][0].name,
      'modules Embedding?, (RNN | LSTM | GRU)+, Linear in order',
      head ? `module ${describe(head.prefix)} here` : 'no Linear head',
    );
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
 * `architecture` or `rename` is given (a one-hot input layer then needs its table in the dict, as
 * `weight` (V, V) of a module before the recurrent ones). Everything is checked before the model is built — the
 * architecture as a checkpoint's is, against `maxParameters` (an InteropError above it), and the
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
  const architectureSpec = custom(
    `a ModelConfig of up to ${MAX_STACK_LAYERS} layers`,
    (a) => Array.isArray((a as ModelConfig)?.layers) && (a as ModelConfig).layers.length <= MAX_STACK_LAYERS,
  );
  checkOptions(
    options,
    { ...LOAD_OPTIONS, ...INFER_OPTIONS, architecture: architectureSpec, rename: RENAME_OPTION },
    where,
  );
  const { architecture, rename, output, nonlinearity, at, ...load } = options;
  const { backend, limits } = loadOptions(load, where);
  if (architecture && (output ?? nonlinearity ?? at))
    throw new TypeError(`${where}: output, nonlinearity and at are for an inferred architecture`);
  try {
    let config = architecture;
    let pins = rename;
    if (config) config.layers.forEach((c, i) => checkLayerConfig(c, `architecture.layers[${i}]`, where));
    else {
      // each module to the layer it was read for (a module without a prefix is matched as usual)
      const [inferred, groups] = infer(tensors, { output, nonlinearity, at }, where);
      config = inferred;
      pins ??= Object.fromEntries(groups.flatMap((g, i) => (g.prefix ? [[g.prefix, `${i}`]] : [])));
    }
    const { layers } = config;
    const dict = mapOnto(layers, tensors, pins);
    const bytes = Object.values(dict).reduce((n, v) => n + 4 * v.length, 0);
    if (bytes > limits.maxBytes)
      throw refuse(
        'larger than maxBytes',
        undefined,
        `at most ${limits.maxBytes} bytes (options.maxBytes)`,
        `${bytes} bytes of tensors`,
      );
    const values = bytes / 4;
    if (values > limits.maxParameters)
      throw refuse(
        'larger than maxParameters',
        undefined,
        `at most ${limits.maxParameters} values (options.maxParameters)`,
        `${values}`,
      );
    const header = {
      model: config,
      dropout: layers.filter((c) => c.type === 'dropout').map(() => new Rng(0).snapshot()),
      metadata: {},
    };
    const named = new Map(Object.entries(dict).map(([k, v]) => [`model.${k}`, v]));
    return SequenceModel.fromCheckpoint(header, named, backend, where, limits);
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    const problem = error.part === 'tensors' ? 'the tensors do not load' : 'a bad architecture';
    throw refuse(problem, error.field, error.expected, error.found);
  }
}
