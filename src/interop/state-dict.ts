/**
 * PyTorch state dicts onto strand models: a foreign dict's tensors (`embedding.weight`,
 * `module.lstm.weight_ih_l0`, `fc.bias`, …) grouped by module and renamed to strand's
 * `<layer index>.<torch name>`. PyTorch's parameter names, shapes and gate orders are strand's, so
 * only the module prefix changes; no value is moved.
 */
import { LAYER_CONFIG_LIMITS, parameterShapes, type LayerConfig } from '../nn/layers.ts';
import { RENAME_OPTION, renamePrefixes, type SequenceModel } from '../nn/model.ts';
import { describe } from '../util/check.ts';
import { checkOptions } from '../util/options.ts';
import { fail, type InteropError } from './error.ts';
import { numel, type Tensor, type TensorDict } from './tensor.ts';

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

/** @internal A recurrent module's parameter (`weight_ih_l0`, `bias_hh_l1_reverse`, an LSTM projection `weight_hr_l0`). */
export const RECURRENT_PARAM = /^(weight|bias)_(ih|hh|hr)_l(\d+)(_reverse)?$/;

/** @internal An InteropError of the state dict format. */
export const refuse = (problem: string, field: string | undefined, expected: string, found: string): InteropError =>
  fail('state dict', problem, field, expected, found);

/** @internal A group's tensor `p` by its full name. */
export const fullName = (g: Group, p: string): string => (g.prefix ? `${g.prefix}.${p}` : p);

/** @internal Values as a Float32Array: the array itself when it is one. */
export const float32 = (a: ArrayLike<number>): Float32Array => (a instanceof Float32Array ? a : Float32Array.from(a));

/** `[24,5]`, or `35 values` for a bare array. */
const shown = (e: Entry): string => (e.shape ? `[${e.shape}]` : `${e.data.length} values`);

/** Whether an entry holds a tensor of `shape` (of its size, for a bare array). */
const fits = (e: Entry, shape: number[]): boolean =>
  e.shape ? `${e.shape}` === `${shape}` : e.data.length === numel(shape);

/**
 * @internal The dict's tensors, checked (a Tensor's shape of integers in [1, 2²⁴] holding exactly
 * its values; a bare array of numbers), by name and grouped by module, in the dict's order.
 */
export function groupTensors(tensors: unknown): { entries: Map<string, Entry>; groups: Group[] } {
  if (tensors === null || typeof tensors !== 'object')
    throw refuse('not a dict of tensors', undefined, 'an object', describe(tensors));
  const entries = new Map<string, Entry>();
  const groups = new Map<string, Group>();
  for (const [name, v] of Object.entries(tensors)) {
    const dot = name.lastIndexOf('.');
    const bare = typeof v === 'object' && typeof v?.length === 'number';
    const { shape, data } = (bare ? { data: v } : (v ?? {})) as Partial<Tensor>;
    const ok = (s: unknown) => Number.isInteger(s) && (s as number) > 0 && (s as number) <= LAYER_CONFIG_LIMITS.maxSize;
    if (
      !bare &&
      !(Array.isArray(shape) && shape.every(ok) && typeof data === 'object' && data?.length === numel(shape))
    )
      throw refuse(
        'not a tensor',
        name,
        'an array, or a Tensor whose shape (sizes 1 to 2^24) holds its data',
        `shape ${Array.isArray(shape) ? `[${shape.slice(0, 8).map(describe)}]` : describe(shape)}, data ${describe(data)}`,
      );
    const entry: Entry = { name, param: name.slice(dot + 1), shape, data: data as ArrayLike<number> };
    const prefix = name.slice(0, Math.max(dot, 0));
    const group = groups.get(prefix) ?? { prefix, entries: new Map(), at: entries.size };
    groups.set(prefix, group);
    group.entries.set(entry.param, entry);
    entries.set(name, entry);
  }
  return { entries, groups: [...groups.values()] };
}

/**
 * @internal Why a group does not hold exactly `expected`'s tensors (names and shapes; sizes where the
 * dict gave bare arrays), as an error naming the tensor; undefined when it does.
 */
export function misfit(g: Group, expected: ReadonlyArray<[string, number[]]>): InteropError | undefined {
  for (const [p, shape] of expected) {
    const e = g.entries.get(p);
    if (!e || !fits(e, shape))
      return refuse('a tensor does not fit', fullName(g, p), `[${shape}]`, e ? shown(e) : 'no such tensor');
  }
  const names = new Set(expected.map(([p]) => p));
  for (const p of g.entries.keys())
    if (!names.has(p)) return refuse('a tensor strand has no place for', fullName(g, p), 'no such tensor', p);
}

/** What kind of layer a module's parameters are: `'recurrent'`, `'embedding'`, `'dense'` or `'other'`. */
function kindOf(names: string[], beforeRecurrent: boolean): string {
  if (names.every((p) => RECURRENT_PARAM.test(p))) return 'recurrent';
  if (names.join() === 'weight') return beforeRecurrent ? 'embedding' : 'dense';
  return names.sort().join() === 'bias,weight' ? 'dense' : 'other';
}

/**
 * @internal The dict in strand's names for a model of these layers (see {@link mapStateDict}).
 * `fixed(i)`, when given, gives the values of a one-hot table (else it is matched as an embedding).
 */
export function mapOnto(
  layers: readonly LayerConfig[],
  tensors: unknown,
  rename: Record<string, string> | undefined,
  fixed?: (i: number) => Float32Array,
): Record<string, Float32Array> {
  const { entries, groups } = groupTensors(tensors);
  const out: Record<string, Float32Array> = {};
  const wanted = new Map<string, number[]>();
  let open = layers.flatMap((c, i) => {
    const params = parameterShapes(c);
    for (const [p, shape] of params) wanted.set(`${i}.${p}`, shape);
    const kind =
      c.type === 'dense' ? c.type : c.type === 'embedding' || c.type === 'onehot' ? 'embedding' : 'recurrent';
    if (fixed && c.type === 'onehot') out[`${i}.weight`] = fixed(i);
    else if (params.length) return [{ i, kind, params, name: `${i} (${c.type})` }];
    return [];
  });
  const put = (to: string, e: Entry) => {
    const shape = wanted.get(to);
    if (!shape || !fits(e, shape))
      throw refuse(`does not fit ${describe(to)}`, e.name, shape ? `[${shape}]` : 'a parameter of the model', shown(e));
    out[to] = float32(e.data);
  };
  // renamed tensors go where they are told, and their layers take no other module
  let free = groups;
  if (rename) {
    const names = renamePrefixes(Object.fromEntries([...entries.keys()].map((n) => [n, n])), rename, 'options.rename');
    const pinned = new Set<string>();
    for (const [to, from] of Object.entries(names))
      if (to !== from) {
        pinned.add(from);
        put(to, entries.get(from)!);
      }
    const taken = new Set(Object.keys(out).map((k) => k.split('.')[0]));
    open = open.filter((l) => !taken.has(`${l.i}`));
    free = groups
      .map((g) => ({ ...g, entries: new Map([...g.entries].filter(([, e]) => !pinned.has(e.name))) }))
      .filter((g) => g.entries.size);
  }
  // the rest by kind (a lone weight before the first recurrent tensor is an embedding) and shapes
  const firstRecurrent = [...entries.values()].findIndex((e) => RECURRENT_PARAM.test(e.param));
  const kinds = free.map((g) => kindOf([...g.entries.keys()], g.at < firstRecurrent));
  const candidates = open.map((l) => free.filter((g, j) => kinds[j] === l.kind && !misfit(g, l.params)));
  const unsure = (problem: string, field?: string) =>
    refuse(
      `${problem}; pass options.rename`,
      field,
      'one module per layer',
      open
        .map((l, j) => {
          const c = candidates[j];
          return `${l.name} ← ${c.length > 8 ? `${c.length} modules` : c.map((g) => describe(g.prefix)).join(' or ') || 'none'}`;
        })
        .join('; '),
    );
  const fitting = new Set(candidates.flat());
  const lost = free.find((g) => !fitting.has(g));
  if (lost) throw unsure(`module ${describe(lost.prefix)} fits no layer`, [...lost.entries.values()][0].name);
  const empty = open.find((_, j) => !candidates[j].length);
  if (empty) throw unsure(`no module fits layer ${empty.name}`);
  // every module a candidate of some layer, one candidate per layer, as many modules as layers: a bijection
  if (free.length !== open.length || candidates.some((c) => c.length > 1))
    throw unsure('more than one assignment fits');
  open.forEach((l, j) => {
    for (const [p] of l.params) put(`${l.i}.${p}`, candidates[j][0].entries.get(p)!);
  });
  for (const name of wanted.keys())
    if (!(name in out)) throw refuse('a parameter is missing', name, 'a tensor renamed to it', 'none');
  return out;
}

/**
 * A PyTorch `state_dict`'s tensors in strand's names (`<layer index>.<torch name>`), ready for
 * `model.loadStateDict`. Without `rename`, each module's tensors (`lstm.weight_ih_l0`, …) go to the
 * one layer of the same kind (embedding: a lone `weight` before the recurrent modules; recurrent;
 * dense: `weight` + `bias`, or a lone `weight` after them) whose parameters they match name for name
 * and shape for shape (size for size when the dict holds bare arrays). A module that fits no layer,
 * a layer that no module fits, and more than one way to assign them (two same-shaped modules, a
 * second head) throw an {@link InteropError} listing each layer's candidates. `rename` (as
 * `loadStateDict`'s: `{ lstm: '1', 'module.fc': '2' }`) places modules by hand (a key that matches
 * nothing is an Error); the rest are still matched. A one-hot input table keeps its values.
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
  checkOptions(options, { rename: RENAME_OPTION }, 'mapStateDict');
  return mapOnto(model.config().layers, tensors, options.rename, (i) => model.stateDict()[`${i}.weight`]);
}
