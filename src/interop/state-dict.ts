/**
 * PyTorch state dicts onto strand models: a foreign dict's tensors (`embedding.weight`,
 * `module.lstm.weight_ih_l0`, `fc.bias`, …) grouped by module and renamed to strand's
 * `<layer index>.<torch name>`. PyTorch's parameter names, shapes and gate orders are strand's, so
 * only the module prefix changes; no value is moved.
 */
import { LAYER_CONFIG_LIMITS, parameterShapes, type LayerConfig } from '../nn/layers.ts';
import { RENAME_OPTION, renamePrefixes, type SequenceModel } from '../nn/model.ts';
import { describe } from '../util/check.ts';
import { checkOptions, type Schema } from '../util/options.ts';
import { InteropError } from './error.ts';
import { numel, type TensorDict } from './tensor.ts';

/** @internal One foreign tensor: its full name, parameter name, shape when given, and values. */
export interface Entry {
  name: string;
  param: string;
  shape?: number[];
  data: ArrayLike<number>;
}

/** @internal The tensors of one module (everything before the parameter name), in the dict's order. */
export interface Group {
  prefix: string;
  entries: Map<string, Entry>;
  /** Position of its first tensor in the dict. */
  at: number;
}

/** A recurrent module's parameter (`weight_ih_l0`, `bias_hh_l1_reverse`, LSTM projections `weight_hr_l0`). */
export const RECURRENT_PARAM = /^(weight|bias)_(ih|hh|hr)_l(\d+)(_reverse)?$/;

const FORMAT = 'state dict';
const shown = (shape: readonly number[] | undefined, n: number): string =>
  shape ? `[${shape.join(', ')}]` : `${n} values`;

/** @internal Values as a Float32Array: the array itself when it is one. */
export const float32 = (a: ArrayLike<number>): Float32Array => (a instanceof Float32Array ? a : Float32Array.from(a));

/**
 * @internal The dict's tensors, checked (a Tensor's shape of integers in [1, 2²⁴] holding exactly
 * its values; a bare array of numbers), grouped by module in the dict's order.
 */
export function groupTensors(tensors: unknown): { entries: Entry[]; groups: Group[] } {
  if (tensors === null || typeof tensors !== 'object')
    throw new InteropError(FORMAT, 'not a dict', { expected: 'tensors by name', found: describe(tensors) });
  const entries: Entry[] = [];
  const groups = new Map<string, Group>();
  for (const [name, v] of Object.entries(tensors)) {
    const t = v as { shape?: unknown; data?: unknown; length?: unknown };
    const bad = (expected: string, found: string) =>
      new InteropError(FORMAT, 'bad tensor', { field: name, expected, found });
    if (t === null || typeof t !== 'object') throw bad('a Tensor { shape, data } or an array of numbers', describe(t));
    let entry: Entry;
    const dot = name.lastIndexOf('.');
    const param = name.slice(dot + 1);
    if (typeof t.length === 'number') entry = { name, param, data: t as ArrayLike<number> };
    else {
      const { shape, data } = t as { shape: number[]; data: ArrayLike<number> };
      const dims =
        Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d > 0 && d <= LAYER_CONFIG_LIMITS.maxSize);
      if (!dims)
        throw bad(
          `a shape of sizes 1 to ${LAYER_CONFIG_LIMITS.maxSize}`,
          Array.isArray(shape) ? `[${shape.slice(0, 8)}]` : describe(shape),
        );
      if (data === null || typeof data !== 'object' || data.length !== numel(shape))
        throw bad(`data of ${numel(shape)} values for shape ${shown(shape, 0)}`, describe(data));
      entry = { name, param, shape, data };
    }
    const prefix = name.slice(0, Math.max(dot, 0));
    const group = groups.get(prefix) ?? { prefix, entries: new Map(), at: entries.length };
    group.entries.set(param, entry);
    groups.set(prefix, group);
    entries.push(entry);
  }
  return { entries, groups: [...groups.values()] };
}

/**
 * @internal Why a group does not hold exactly `expected`'s tensors (names and shapes; sizes where the
 * dict gave bare arrays), as an error naming the tensor; undefined when it does.
 */
export function misfit(group: Group, expected: ReadonlyArray<[string, number[]]>): InteropError | undefined {
  const at = (p: string) => (group.prefix ? `${group.prefix}.${p}` : p);
  for (const [param, shape] of expected) {
    const e = group.entries.get(param);
    const found = e ? shown(e.shape, e.data.length) : 'no such tensor';
    if (!e || (e.shape ? shown(e.shape, 0) !== shown(shape, 0) : e.data.length !== numel(shape)))
      return new InteropError(FORMAT, 'a tensor does not fit', { field: at(param), expected: shown(shape, 0), found });
  }
  const names = new Set(expected.map(([p]) => p));
  for (const p of group.entries.keys())
    if (!names.has(p))
      return new InteropError(FORMAT, 'a tensor strand cannot place', { field: at(p), expected: 'none', found: p });
}

/** `'embedding'`, `'dense'` or `'recurrent'`: what kind of layer a group of parameters belongs to. */
function kindOf(names: string[], beforeRecurrent: boolean): string {
  if (names.every((p) => RECURRENT_PARAM.test(p))) return 'recurrent';
  if (names.join() === 'weight') return beforeRecurrent ? 'embedding' : 'dense';
  return names.sort().join() === 'bias,weight' ? 'dense' : 'other';
}

/**
 * @internal The dict in strand's names for a model of these layers (see {@link mapStateDict}).
 * `fixed(i)` gives the values of a layer without trainable parameters (a one-hot table).
 */
export function mapOnto(
  layers: readonly LayerConfig[],
  tensors: unknown,
  rename: Record<string, string> | undefined,
  fixed: (i: number) => Float32Array,
): Record<string, Float32Array> {
  const { entries, groups } = groupTensors(tensors);
  const out: Record<string, Float32Array> = {};
  const wanted = new Map<string, number[]>();
  let open = layers.flatMap((c, i) => {
    const params = parameterShapes(c);
    for (const [p, shape] of params) wanted.set(`${i}.${p}`, shape);
    if (c.type === 'onehot') out[`${i}.weight`] = fixed(i);
    const kind = c.type === 'embedding' || c.type === 'dense' ? c.type : 'recurrent';
    return params.length && c.type !== 'onehot' ? [{ i, kind, params, name: `${i} (${c.type})` }] : [];
  });
  const put = (to: string, e: Entry) => {
    const shape = wanted.get(to);
    if (!shape)
      throw new InteropError(FORMAT, 'renamed to no parameter of the model', {
        field: e.name,
        expected: `one of ${[...wanted.keys()].join(', ')}`,
        found: describe(to),
      });
    const fits = e.shape ? shown(e.shape, 0) === shown(shape, 0) : e.data.length === numel(shape);
    if (!fits)
      throw new InteropError(FORMAT, `does not fit ${to}`, {
        field: e.name,
        expected: shown(shape, 0),
        found: shown(e.shape, e.data.length),
      });
    out[to] = float32(e.data);
  };
  // renamed tensors go where they are told, and their layers take no other module
  let free = groups;
  if (rename) {
    let names: Record<string, string>;
    try {
      names = renamePrefixes(Object.fromEntries(entries.map((e) => [e.name, e.name])), rename, 'options.rename');
    } catch (error) {
      throw new InteropError(FORMAT, 'options.rename does not fit', {
        expected: 'keys that are prefixes of its names',
        found: (error as Error).message,
      });
    }
    const byName = new Map(entries.map((e) => [e.name, e]));
    const pinned = new Set<string>();
    for (const [to, from] of Object.entries(names)) {
      if (to === from) continue;
      pinned.add(from);
      put(to, byName.get(from)!);
    }
    const taken = new Set(Object.keys(out).map((k) => k.slice(0, k.indexOf('.'))));
    open = open.filter((l) => !taken.has(String(l.i)));
    free = groups
      .map((g) => ({ ...g, entries: new Map([...g.entries].filter(([, e]) => !pinned.has(e.name))) }))
      .filter((g) => g.entries.size);
  }
  // the rest by kind (a lone weight before the first recurrent tensor is an embedding) and shapes
  const firstRecurrent = entries.findIndex((e) => RECURRENT_PARAM.test(e.param));
  const kinds = free.map((g) => kindOf([...g.entries.keys()], g.at < firstRecurrent));
  const candidates = open.map((l) => free.filter((g, j) => kinds[j] === l.kind && !misfit(g, l.params)));
  const list = open.map((l, j) => `${l.name} ← ${candidates[j].map((g) => describe(g.prefix)).join(' or ') || 'none'}`);
  const fail = (problem: string, field?: string) =>
    new InteropError(FORMAT, `${problem}; pass options.rename to say which module is which layer`, {
      field,
      expected: 'one module per layer',
      found: list.join('; '),
    });
  const lost = free.find((g) => !candidates.some((c) => c.includes(g)));
  if (lost) throw fail(`module ${describe(lost.prefix)} fits no layer`, [...lost.entries.values()][0].name);
  const empty = candidates.findIndex((c) => c.length === 0);
  if (empty >= 0) throw fail(`no module fits layer ${open[empty].name}`);
  if (
    free.length !== open.length ||
    candidates.some((c) => c.length > 1) ||
    new Set(candidates.flat()).size < open.length
  )
    throw fail('more than one assignment fits');
  open.forEach((l, j) => {
    for (const [p] of l.params) put(`${l.i}.${p}`, candidates[j][0].entries.get(p)!);
  });
  for (const name of wanted.keys())
    if (!(name in out))
      throw new InteropError(FORMAT, 'a parameter is missing', {
        field: name,
        expected: 'a tensor renamed to it',
        found: 'none',
      });
  return out;
}

/** The options of {@link mapStateDict}. */
const MAP_OPTIONS: Schema = { rename: RENAME_OPTION };

/**
 * A PyTorch `state_dict`'s tensors in strand's names (`<layer index>.<torch name>`), ready for
 * `model.loadStateDict`. Without `rename`, each module's tensors (`lstm.weight_ih_l0`, …) go to the
 * one layer of the same kind (embedding: a lone `weight` before the recurrent modules; recurrent;
 * dense: `weight` + `bias`, or a lone `weight` after them) whose parameters they match name for name
 * and shape for shape (size for size when the dict holds bare arrays). A module that fits no layer,
 * a layer that no module fits, and more than one way to assign them (two same-shaped modules, a
 * second head) throw an {@link InteropError} listing each layer's candidates. `rename` (as
 * `loadStateDict`'s: `{ lstm: '1', 'module.fc': '2' }`) places modules by hand; the rest are still
 * matched. A one-hot input table keeps its values.
 * @param tensors Tensors, or bare arrays, by PyTorch name
 * @example
 * ```ts
 * const dict = mapStateDict(model, tensors); // { '0.weight': …, '1.weight_ih_l0': …, '2.bias': … }
 * model.loadStateDict(dict);
 * ```
 */
export function mapStateDict(
  model: SequenceModel,
  tensors: TensorDict | Record<string, ArrayLike<number>>,
  options: {
    /** Name prefixes of the dict to strand's layer indices (`{ lstm: '1' }`); see `SequenceModel.loadStateDict`. */
    rename?: Record<string, string>;
  } = {},
): Record<string, Float32Array> {
  checkOptions(options, MAP_OPTIONS, 'mapStateDict');
  const own = model.stateDict();
  return mapOnto(model.config().layers, tensors, options.rename, (i) => own[`${i}.weight`]);
}
