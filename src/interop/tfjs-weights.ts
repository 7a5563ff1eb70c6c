/**
 * TF.js weights: the manifest's entries (`weightsManifest[g].weights[k]`: name, shape, dtype,
 * quantization), how each entry's values are stored, and the binary shards joined into one buffer.
 * Values are little-endian: float32; or quantized uint8 / uint16 (value = q·scale + min); or float16.
 */
import { describe } from '../util/check.ts';
import { at, bad } from './tfjs-topology.ts';

/** One manifest entry and its path in model.json. */
export interface TfjsEntry {
  /** The entry as the file holds it. */
  spec: unknown;
  /** Its path, e.g. `weightsManifest[0].weights[3]`. */
  field: string;
}

/**
 * The manifest's entries in order: every group's `weights`. Model artifacts (`model.save` with
 * `tf.io.withSaveHandler`) carry them as one `weightSpecs` list instead.
 */
export function manifestEntries(json: unknown): TfjsEntry[] {
  const groups = at(json, 'weightsManifest');
  const specs = at(json, 'weightSpecs');
  if (groups === undefined && Array.isArray(specs))
    return specs.map((spec, k) => ({ spec, field: `weightSpecs[${k}]` }));
  if (!Array.isArray(groups))
    throw bad('no weights manifest', 'weightsManifest', 'an array of groups', describe(groups));
  return groups.flatMap((g, i) => {
    const list = at(g, 'weights');
    const field = `weightsManifest[${i}].weights`;
    if (!Array.isArray(list)) throw bad('no weights in a manifest group', field, 'an array', describe(list));
    return list.map((spec, k) => ({ spec, field: `${field}[${k}]` }));
  });
}

/** How one entry's values are stored: bytes per value and the reader of the value at a byte offset. */
export interface TfjsStorage {
  /** Bytes per value: 4, 2 or 1. */
  per: number;
  /** The value stored at byte `o`. */
  read(v: DataView, o: number): number;
}

/** The storage an entry declares: `dtype` float32, plus an optional `quantization`. */
export function storage({ spec, field }: TfjsEntry): TfjsStorage {
  const dtype = at(spec, 'dtype');
  if (dtype !== 'float32') throw bad('a weight that is not float32', `${field}.dtype`, '"float32"', describe(dtype));
  const q = at(spec, 'quantization');
  if (q == null) return { per: 4, read: (v, o) => v.getFloat32(o, true) };
  const kind = at(q, 'dtype');
  if (kind === 'float16') return { per: 2, read: (v, o) => half(v.getUint16(o, true)) };
  if (kind !== 'uint8' && kind !== 'uint16')
    throw bad(
      'an unknown quantization',
      `${field}.quantization.dtype`,
      '"uint8", "uint16" or "float16"',
      describe(kind),
    );
  const [scale, min] = [at(q, 'scale'), at(q, 'min')];
  for (const [key, x] of [
    ['scale', scale],
    ['min', min],
  ])
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw bad(
        'a quantization without its parameters',
        `${field}.quantization.${key}`,
        'a finite number',
        describe(x),
      );
  const [s, m] = [scale as number, min as number];
  return kind === 'uint8'
    ? { per: 1, read: (v, o) => v.getUint8(o) * s + m }
    : { per: 2, read: (v, o) => v.getUint16(o, true) * s + m };
}

/**
 * An IEEE 754 half-precision value from its 16 bits. (A small private decoder: strand's shared
 * dtype conversions live in their own module once merged.)
 */
export function half(h: number): number {
  const e = (h >> 10) & 31;
  const m = h & 1023;
  const v =
    e === 0 ? m * 2 ** -24 : e === 31 ? (m ? Number.NaN : Number.POSITIVE_INFINITY) : (1024 + m) * 2 ** (e - 25);
  return h >> 15 ? -v : v;
}

/**
 * The weight shards as one buffer (a view of the only shard, else a copy), after checking that
 * they hold exactly the `declared` bytes and that these are at most `maxBytes`.
 */
export function joinShards(weights: unknown, declared: number, maxBytes: number): Uint8Array {
  if (declared > maxBytes)
    throw bad('the weights are larger than maxBytes', 'weightsManifest', `at most ${maxBytes} bytes`, `${declared}`);
  const parts = (Array.isArray(weights) ? weights : [weights]).map((w: unknown, i) => {
    if (ArrayBuffer.isView(w)) return new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
    if (w instanceof ArrayBuffer) return new Uint8Array(w);
    throw bad('weights that are not bytes', `weights[${i}]`, 'a Uint8Array or an ArrayBuffer', describe(w));
  });
  const total = parts.reduce((n, p) => n + p.length, 0);
  if (total !== declared)
    throw bad(
      'the shards do not hold the manifest',
      'weights',
      `${declared} bytes, as the manifest declares`,
      `${total}`,
    );
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
