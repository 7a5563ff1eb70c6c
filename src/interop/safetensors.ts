/**
 * safetensors, the tensor file of the Hugging Face ecosystem:
 *
 * ```
 * offset 0       u64 little-endian header length N (at most 100 MB)
 *        8       N bytes of UTF-8 JSON: { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { key: string } }
 *        8 + N   the tensors' bytes, row-major, little-endian; offsets are relative to here
 * ```
 * The reader checks the whole header as the reference implementation does — and the names' uniqueness,
 * which JSON.parse would hide — before it allocates any tensor. F64, F32, F16 and BF16 are read, as float32.
 */
import { DEFAULT_MAX_BYTES } from '../io/container.ts';
import { LOAD_OPTIONS, loadOptions, type LoadOptions } from '../nn/checkpoint.ts';
import { SequenceModel } from '../nn/model.ts';
import { describe } from '../util/check.ts';
import { checkOptions, custom } from '../util/options.ts';
import { DTYPE_BYTES, decodeFloats, type FloatDType } from './dtypes.ts';
import { fail as failure } from './error.ts';
import { isObject, modelFromStrandMetadata, STRAND_MODEL, strandMetadata, strandTensors } from './strand-metadata.ts';
import { numel, type TensorDict } from './tensor.ts';

/** What {@link readSafetensors} returns. */
export interface SafetensorsContents {
  /** The tensors in file order (by offset), as float32 whatever the file stored. */
  tensors: TensorDict;
  /** The file's `__metadata__` (empty when it has none). */
  metadata: Record<string, string>;
}

/** Options of {@link readSafetensors}. */
export interface ReadSafetensorsOptions {
  /** The largest file accepted, in bytes; default 256 MiB. Larger files are refused before they are read. */
  maxBytes?: number;
}

/** Options of {@link saveSafetensors}. */
export interface SaveSafetensorsOptions {
  /**
   * Names for strand's layer prefixes, the layer index before the first dot of a state-dict name
   * (`'1'` in `1.weight_ih_l0`): your PyTorch module's attribute names, e.g.
   * `{ '0': 'embedding', '1': 'rnn', '2': 'fc' }`, so that `load_state_dict` accepts the file.
   */
  rename?: Record<string, string>;
}

/** The reference implementation's ceiling on the header: 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;

/** An InteropError about a safetensors file: the problem, the field or byte offset, what was expected and found. */
const fail = (problem: string, at: string | number | undefined, expected: string, found: unknown) =>
  failure('safetensors', problem, at, expected, found);
const isShape = (v: unknown): v is number[] => Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0);

/** One header entry, checked. */
interface Entry {
  name: string;
  dtype: FloatDType;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Reads a safetensors file. Throws an {@link InteropError} naming the byte offset or the field
 * (`rnn.weight_ih_l0.data_offsets`) for a file it refuses, before any tensor is allocated:
 * a header length beyond 100 MB or the file, a header that is not a UTF-8 JSON object, a repeated
 * name, `__metadata__` values that are not strings, a dtype other than F64, F32, F16 or BF16, a shape
 * that is not non-negative integers, offsets that leave a gap, overlap, disagree with the shape or
 * leave bytes after the last tensor. A file larger than `maxBytes` is refused before it is read.
 */
export function readSafetensors(bytes: Uint8Array, options: ReadSafetensorsOptions = {}): SafetensorsContents {
  const where = 'readSafetensors';
  checkOptions(options, { maxBytes: LOAD_OPTIONS.maxBytes }, where);
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`${where}: bytes must be a Uint8Array, received ${describe(bytes)}`);
  const max = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length > max)
    throw fail('larger than maxBytes', undefined, `at most ${max} bytes (options.maxBytes)`, bytes.length);
  if (bytes.length < 8) throw fail('truncated', 0, '8 bytes or more', bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  // exact up to 2⁵³; anything larger is refused anyway
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  const limit = Math.min(MAX_HEADER_BYTES, bytes.length - 8);
  if (n > limit)
    throw fail(
      n > MAX_HEADER_BYTES ? 'header length is above 100 MB' : 'header runs past the end of the file',
      0,
      `a header length of at most ${limit}`,
      n,
    );
  let text: string | undefined;
  let header: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    header = JSON.parse(text);
  } catch {
    // refused below
  }
  if (!isObject(header) || text?.[0] !== '{')
    throw fail('header is not a JSON object', 8, 'UTF-8 JSON from {', describe(text ?? 'not UTF-8'));
  const repeated = repeatedKey(text);
  if (repeated !== undefined) throw fail('a name is repeated', repeated, 'unique names', 'it twice');
  const metadata = header.__metadata__ ?? {};
  if (!isObject(metadata)) throw fail('__metadata__ is not an object', '__metadata__', 'an object', describe(metadata));
  for (const [key, value] of Object.entries(metadata))
    if (typeof value !== 'string')
      throw fail('a __metadata__ value is not a string', `__metadata__.${key}`, 'a string', describe(value));
  // the header's own size bounds the number of entries
  const entries = Object.entries(header)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, info]) => checkEntry(name, info));
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const start = 8 + n;
  const length = bytes.length - start;
  let at = 0;
  for (const { name, dtype, shape, begin, end } of entries) {
    const field = `${name}.data_offsets`;
    const size = numel(shape) * DTYPE_BYTES[dtype];
    const found = `[${begin}, ${end}]`;
    if (begin !== at) throw fail(begin > at ? 'a gap before a tensor' : 'tensors overlap', field, `begin ${at}`, found);
    if (end - begin !== size)
      throw fail('a tensor size does not match its shape', field, `${size} bytes ([${shape}] ${dtype})`, found);
    if (end > length) throw fail('a tensor runs past the end of the file', field, `end ≤ ${length}`, found);
    at = end;
  }
  if (at !== length) throw fail('bytes after the last tensor', start + at, 'the end', `${length - at} bytes`);
  const tensors: TensorDict = Object.fromEntries(
    entries.map((e) => [
      e.name,
      { shape: e.shape, data: decodeFloats(bytes, start + e.begin, numel(e.shape), e.dtype) },
    ]),
  );
  return { tensors, metadata: metadata as Record<string, string> };
}

/** One tensor's header entry: an object with a known dtype, a shape and two integer offsets. */
function checkEntry(name: string, info: unknown): Entry {
  const bad = (key: string, expected: string, value: unknown) =>
    fail(`a tensor has an invalid ${key}`, `${name}.${key}`, expected, describe(value));
  if (!isObject(info)) throw bad('entry', '{ dtype, shape, data_offsets }', info);
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype))
    throw bad('dtype', 'F64, F32, F16 or BF16', dtype);
  // the product (zeros aside) must be exact: the reference refuses an overflow
  if (!isShape(shape) || shape.reduce((p, d) => p * (d || 1), 1) > Number.MAX_SAFE_INTEGER)
    throw bad('shape', 'non-negative integers', shape);
  if (!isShape(offsets) || offsets.length !== 2 || offsets[0] > offsets[1])
    throw bad('data_offsets', '[begin, end], 0 ≤ begin ≤ end', offsets);
  return { name, dtype: dtype as FloatDType, shape, begin: offsets[0], end: offsets[1] };
}

/** The first name the header's top-level object repeats (JSON.parse keeps only the last), if any. */
function repeatedKey(text: string): string | undefined {
  // text is valid JSON: every string closes, so the scan ends within the text
  const seen = new Set<string>();
  let depth = 0;
  let key = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && key) {
        const name = JSON.parse(text.slice(i, j + 1)) as string;
        if (seen.has(name)) return name;
        seen.add(name);
        key = false;
      }
      i = j;
    } else if (c === '{' || c === '[') key = ++depth === 1;
    else if (c === '}' || c === ']') depth--;
    else if (c === ',') key = depth === 1;
  }
  return undefined;
}

/**
 * Writes tensors as a safetensors file of float32 (`F32`) tensors, in the order given, with the
 * header padded with spaces to a multiple of 8 bytes as the reference writer pads it.
 * @param metadata string entries for `__metadata__` (none when omitted)
 */
export function writeSafetensors(tensors: TensorDict, metadata?: Record<string, string>): Uint8Array {
  const entries: Array<[string, unknown]> = [];
  if (metadata !== undefined) {
    if (!isObject(metadata) || !Object.values(metadata).every((v) => typeof v === 'string'))
      throw fail('cannot write the metadata', '__metadata__', 'an object of strings', describe(metadata));
    entries.push(['__metadata__', metadata]);
  }
  const data: Float32Array[] = [];
  let at = 0;
  for (const [name, t] of Object.entries(isObject(tensors) ? tensors : { '': tensors })) {
    const ok = name !== '__metadata__' && isObject(t) && isShape(t.shape) && t.data instanceof Float32Array;
    if (!ok || t.data.length !== numel(t.shape))
      throw fail('cannot write a tensor', name, '{ shape, data: Float32Array of its size }', describe(ok ? t.data : t));
    entries.push([name, { dtype: 'F32', shape: [...t.shape], data_offsets: [at, at + t.data.byteLength] }]);
    data.push(t.data);
    at += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(Object.fromEntries(entries)));
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + at).fill(0x20, 8, 8 + n);
  new DataView(out.buffer).setUint32(0, n, true);
  out.set(json, 8);
  at = 8 + n;
  for (const d of data) {
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

/**
 * A model as a safetensors file PyTorch's `load_state_dict(safetensors.torch.load_file(path))`
 * accepts (given `rename` for your module's names), which also carries the strand architecture, so
 * {@link loadSafetensors} rebuilds the model whole. `__metadata__` holds `format: 'pt'` and the
 * `strand.`-prefixed entries.
 */
export function saveSafetensors(model: SequenceModel, options: SaveSafetensorsOptions = {}): Uint8Array {
  const where = 'saveSafetensors';
  checkOptions(options, { rename: custom('an object of layer index → module name', isObject) }, where);
  if (!(model instanceof SequenceModel))
    throw new TypeError(`${where}: model must be a SequenceModel, received ${describe(model)}`);
  const rename = options.rename ?? {};
  return writeSafetensors(strandTensors(model, rename, where), { format: 'pt', ...strandMetadata(model, rename) });
}

/**
 * Rebuilds a model from a file written by {@link saveSafetensors}: the architecture in its metadata
 * gets the checks of {@link SequenceModel.load} (and `maxParameters`), the names lose their
 * `rename`, and every tensor must have its parameter's shape. A file without the strand architecture
 * (one written by PyTorch) is refused: read it with {@link readSafetensors} and map the tensors onto
 * a model with `modelFromStateDict`.
 * @param options `backend`; `maxBytes` (default 256 MiB) and `maxParameters` (default 50 million)
 */
export function loadSafetensors(bytes: Uint8Array, options: LoadOptions = {}): SequenceModel {
  const where = 'loadSafetensors';
  const { backend, limits } = loadOptions(options, where);
  const { tensors, metadata } = readSafetensors(bytes, { maxBytes: limits.maxBytes });
  if (!Object.hasOwn(metadata, STRAND_MODEL))
    throw fail(
      'no strand architecture: use readSafetensors and modelFromStateDict',
      `__metadata__.${STRAND_MODEL}`,
      'a file from saveSafetensors',
      'none',
    );
  return modelFromStrandMetadata('safetensors', '__metadata__', metadata, tensors, where, backend, limits);
}
