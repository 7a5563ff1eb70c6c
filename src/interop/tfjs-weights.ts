/**
 * TF.js weights: the manifest's entries (`weightsManifest[g].weights[k]`: name, shape, dtype,
 * quantization), how each entry's values are stored, and the binary shards joined into one buffer.
 * Values are little-endian: float32; or quantized uint8 / uint16 (value = q·scale + min); or float16.
 */
import { at, bad } from './tfjs-topology.ts';
import { float16ToFloat32 } from './dtypes.ts';

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
  const specs = at(json, 'weightSpecs');
  const groups = at(json, 'weightsManifest') ?? (Array.isArray(specs) ? [{ weights: specs }] : specs);
  if (!Array.isArray(groups)) throw bad('no weights manifest', 'weightsManifest', 'an array', groups);
  return groups.flatMap((g, i) => {
    const list = at(g, 'weights');
    const field = `weightsManifest[${i}].weights`;
    if (!Array.isArray(list)) throw bad('no weights manifest', field, 'an array', list);
    return list.map((spec, k) => ({ spec, field: `${field}[${k}]` }));
  });
}

/**
 * How an entry's values are stored: bytes per value, and the reader of the value at a byte offset.
 * `dtype` must be float32, stored as it is or as its `quantization` says.
 */
export function storage({ spec, field }: TfjsEntry): [number, (v: DataView, o: number) => number] {
  const q = at(spec, 'quantization');
  const kind = at(q, 'dtype');
  const [scale, min] = [at(q, 'scale'), at(q, 'min')];
  const check = (key: string, ok: boolean, expected: string, found: unknown) => {
    if (!ok) throw bad('weight type', `${field}.${key}`, expected, found);
  };
  check('dtype', at(spec, 'dtype') === 'float32', '"float32"', at(spec, 'dtype'));
  if (q == null) return [4, (v, o) => v.getFloat32(o, true)];
  if (kind === 'float16') return [2, (v, o) => float16ToFloat32(v.getUint16(o, true))];
  check('quantization.dtype', kind === 'uint8' || kind === 'uint16', '"uint8", "uint16" or "float16"', kind);
  for (const [key, x] of [
    ['scale', scale],
    ['min', min],
  ])
    check(`quantization.${key}`, Number.isFinite(x), 'a finite number', x);
  const [s, m] = [scale as number, min as number];
  return kind === 'uint8' ? [1, (v, o) => v.getUint8(o) * s + m] : [2, (v, o) => v.getUint16(o, true) * s + m];
}

/**
 * The weight shards as one buffer (a view of the only shard, else a copy), after checking that
 * they hold exactly the `declared` bytes and that these are at most `maxBytes`.
 */
export function joinShards(weights: unknown, declared: number, maxBytes: number): Uint8Array {
  if (declared > maxBytes) throw bad('weights above maxBytes', 'weightsManifest', `≤ ${maxBytes} bytes`, declared);
  const parts = (Array.isArray(weights) ? weights : [weights]).map((w: unknown, i) => {
    if (ArrayBuffer.isView(w)) return new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
    if (w instanceof ArrayBuffer) return new Uint8Array(w);
    throw bad('weights that are not bytes', `weights[${i}]`, 'a Uint8Array or an ArrayBuffer', w);
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  if (out.length !== declared)
    throw bad('shards differ from what the manifest declares', 'weights', `${declared} bytes`, out.length);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
