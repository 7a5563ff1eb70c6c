/**
 * Reading PyTorch `.pt` / `.pth` files as `torch.save(model.state_dict(), path)` writes them since
 * torch 1.6: a zip archive of `<root>/data.pkl` (the dict, pickled) and `<root>/data/<key>` (each
 * storage's raw little-endian values). The pickle is read by the restricted unpickler (pickle.ts),
 * which allows only the globals a state dict needs, as data. Tensors are views into storages —
 * several may share one (tied weights, transposes, a flat cuDNN buffer) — so each is copied out
 * through its own offset, sizes and strides, after checking that every index it touches is inside
 * its storage.
 */
import { DEFAULT_MAX_BYTES } from '../io/container.ts';
import { describe } from '../util/check.ts';
import { checkOptions, int } from '../util/options.ts';
import { fail as failure } from './error.ts';
import { PickleGlobal, unpickle } from './pickle.ts';
import type { Tensor, TensorDict } from './tensor.ts';
import { readZip } from './zip.ts';
import { bfloat16ToFloat32, float16ToFloat32 } from './dtypes.ts';

/** Options of {@link readPyTorch}. */
export interface PyTorchReadOptions {
  /** The largest file accepted, in bytes; default 256 MiB. Larger files are refused before they are read. */
  maxBytes?: number;
}

/** Bytes per value of the storage types strand reads. */
const STORAGES: Record<string, number> = {
  'torch.FloatStorage': 4,
  'torch.HalfStorage': 2,
  'torch.BFloat16Storage': 2,
  'torch.DoubleStorage': 8,
};
const ORDERED_DICT = 'collections.OrderedDict';
const REBUILD_TENSOR = 'torch._utils._rebuild_tensor_v2';
const REBUILD_PARAMETER = 'torch._utils._rebuild_parameter';
/** Every global a state dict's pickle may name; any other is refused the moment it is read. */
const GLOBALS = [ORDERED_DICT, REBUILD_TENSOR, REBUILD_PARAMETER, ...Object.keys(STORAGES)];
/** How deeply a checkpoint's dicts may nest. */
const MAX_DEPTH = 32;
const RESAVE = 'torch.save(model.state_dict(), path), torch ≥ 1.6';

/** A storage a persistent id names: its type, its number of values and its bytes. */
class Storage {
  constructor(
    readonly type: string,
    readonly numel: number,
    readonly bytes: Uint8Array,
  ) {}
}

/**
 * The tensors of a PyTorch file (`torch.save(model.state_dict(), path)`, torch ≥ 1.6), by their
 * state-dict names in file order, as float32 (float16, bfloat16 and float64 storages are
 * converted). Dicts nested in a checkpoint (`{ model: state_dict, epoch: 3 }`) give dotted names
 * (`model.rnn.weight_ih_l0`); values that are not tensors or dicts are skipped.
 *
 * The pickle inside is read as data only: it may name just the globals a state dict uses
 * (`collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` and `_rebuild_parameter`, and the
 * Float, Half, BFloat16 and Double storage types); nothing in the file is ever run.
 *
 * Throws an {@link InteropError} for a damaged, hostile or unsupported file — one naming any
 * other global, a legacy (pre-1.6) or TorchScript file, compressed zip entries, storages of other
 * types — a `TypeError` when `bytes` is not a Uint8Array, and an `InteropError` above `maxBytes`.
 * @param bytes the file's contents
 * @param options `maxBytes`: the largest file accepted (default 256 MiB)
 */
export function readPyTorch(bytes: Uint8Array, options: PyTorchReadOptions = {}): TensorDict {
  const where = 'readPyTorch';
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`${where}: expected the bytes of a .pt file (Uint8Array), received ${describe(bytes)}`);
  checkOptions(options, { maxBytes: int({ min: 16 }) }, where);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length > maxBytes)
    throw failure(
      'pytorch',
      'larger than maxBytes',
      undefined,
      `at most ${maxBytes} bytes (options.maxBytes)`,
      bytes.length,
    );
  // offsets are the pickle's (data.pkl's) where a field is not named
  const fail = (problem: string, expected: string, found: unknown, at?: number | string): never => {
    throw failure('pytorch', problem, at, expected, found);
  };
  const tar = String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar';
  if (bytes[0] === 0x80 || tar) fail('legacy (pre-1.6) format', `a zip (${RESAVE})`, tar ? 'a tar' : 'a pickle', 0);

  const zip = readZip(bytes, 'pytorch');
  const pkl = zip.names.find((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pkl === undefined) return fail('no data.pkl', '<root>/data.pkl', zip.names.slice(0, 3), 0);
  const root = pkl.slice(0, -8); // '<root>/'
  const entry = (name: string) => zip.read(root + name);
  if (entry('constants.pkl') || zip.names.some((name) => name.startsWith(`${root}code/`)))
    fail('TorchScript', `a state dict (${RESAVE})`, 'code', `${root}code/`);
  const order = entry('byteorder');
  if (order && String.fromCharCode(...order) !== 'little')
    fail('big-endian', 'little', String.fromCharCode(...order), `${root}byteorder`);
  const pickle = entry('data.pkl') as Uint8Array;

  const tensors = new Set<unknown>();
  let budget = bytes.length; // the values all tensors may hold together: the file's size (4 bytes each)
  const dict = unpickle(pickle, {
    globals: GLOBALS,

    // ('storage', type, key, location, size) → the entry data/<key>, holding size values of type
    persistent(pid, offset) {
      const [kind, type, key, , numel] = Array.isArray(pid) ? pid : [];
      if (
        !Array.isArray(pid) ||
        pid.length !== 5 ||
        kind !== 'storage' ||
        !(type instanceof PickleGlobal && Object.hasOwn(STORAGES, type.name)) ||
        typeof key !== 'string' ||
        !Number.isSafeInteger(numel) ||
        numel < 0
      )
        return fail('bad storage', "('storage', type, key, location, size)", describe(pid), offset);
      const field = `${root}data/${key}`;
      const data = entry(`data/${key}`) ?? fail('no storage', 'an entry', 'none', field);
      const width = STORAGES[type.name];
      if (data.length !== numel * width) fail('storage size', `${numel}×${width} bytes`, data.length, field);
      return new Storage(type.name, numel, data);
    },

    reduce(callable, args, offset) {
      const wrong = (expected: string): never =>
        fail(`bad ${callable.name}`, expected, `${args.length} arguments`, offset);
      switch (callable.name) {
        case ORDERED_DICT:
          return args.length ? wrong('()') : new Map();
        case REBUILD_PARAMETER:
          return args.length === 3 && tensors.has(args[0]) ? args[0] : wrong('(tensor, requires_grad, hooks)');
        case REBUILD_TENSOR: {
          const [storage, start, size, stride, grad, hooks, metadata] = args;
          const counts = (v: unknown): v is number[] =>
            Array.isArray(v) && v.every((x) => Number.isSafeInteger(x) && x >= 0);
          return storage instanceof Storage &&
            counts([start]) &&
            counts(size) &&
            counts(stride) &&
            size.length === stride.length &&
            typeof grad === 'boolean' &&
            hooks instanceof Map &&
            (args.length === 6 || (args.length === 7 && metadata instanceof Map))
            ? view(storage, start as number, size, stride, offset)
            : wrong('(storage, offset, size, stride, requires_grad, hooks)');
        }
      }
      return fail(
        'not a function',
        [ORDERED_DICT, REBUILD_TENSOR, REBUILD_PARAMETER].join(', '),
        callable.name,
        offset,
      );
    },
  });

  /** A tensor's values: storage[start + Σ index[d]·stride[d]] for every index of size, row-major. */
  function view(storage: Storage, start: number, size: number[], stride: number[], offset: number): Tensor {
    let count = 1;
    let last = start;
    size.forEach((s, d) => {
      count *= s;
      last += (s - 1) * stride[d];
    });
    if (count > 0 && last >= storage.numel) fail('outside its storage', `indices < ${storage.numel}`, last, offset);
    budget -= count;
    if (budget < 0) fail('more values than bytes', `≤ ${bytes.length}`, 'more', offset);
    const data = new Float32Array(count);
    const read = reader(storage);
    // an odometer over the dimensions of more than one index (size-1 dimensions never move)
    const dims = size.flatMap((s, d) => (s > 1 ? [[s, stride[d]]] : []));
    const index = dims.map(() => 0);
    for (let i = 0, at = start; i < count; i++) {
      data[i] = read(at);
      for (let d = dims.length - 1; d >= 0; d--) {
        at += dims[d][1];
        if (++index[d] < dims[d][0]) break;
        index[d] = 0;
        at -= dims[d][0] * dims[d][1];
      }
    }
    const tensor = { shape: [...size], data };
    tensors.add(tensor);
    return tensor;
  }

  if (!(dict instanceof Map)) fail('no dict', 'a state dict', describe(dict), 0);
  // dict entries visited plus the characters of the names built: at most the pickle's size, which
  // a tree of dicts never reaches but dicts that share or contain each other would
  let work = pickle.length;
  const out = new Map<string, Tensor>();
  const visit = (d: Map<unknown, unknown>, prefix: string, depth: number): void => {
    for (const [key, value] of d) {
      const kept = (typeof key === 'string' || typeof key === 'number') && (tensors.has(value) || value instanceof Map);
      const name = kept ? prefix + key : '';
      const field = name.slice(0, 80);
      work -= 1 + name.length;
      if (work < 0 || depth > MAX_DEPTH)
        fail('dicts too deep or repeated', `≤ ${MAX_DEPTH} levels, ≤ ${pickle.length} characters`, 'more', field);
      if (!kept) continue;
      if (value instanceof Map) visit(value, `${name}.`, depth + 1);
      else if (out.has(name)) fail('a name repeats', 'unique names', 'two', field);
      else out.set(name, value as Tensor);
    }
  };
  visit(dict as Map<unknown, unknown>, '', 0);
  // fromEntries defines the names: __proto__ is a name like any other
  return Object.fromEntries(out);
}

/** The value at an index of a storage, as a number. */
function reader({ type, bytes }: Storage): (i: number) => number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (type === 'torch.DoubleStorage') return (i) => v.getFloat64(8 * i, true);
  if (type === 'torch.FloatStorage') return (i) => v.getFloat32(4 * i, true);
  if (type === 'torch.HalfStorage') return (i) => float16ToFloat32(v.getUint16(2 * i, true));
  return (i) => bfloat16ToFloat32(v.getUint16(2 * i, true));
}
