/**
 * strand's versioned binary container for checkpoints:
 *
 * ```
 * offset 0   'STRD'                magic
 *        4   u32 version           (1)
 *        8   u32 header bytes      h
 *       12   header                UTF-8 JSON, space-padded to a multiple of 4 bytes
 *   12 + h   tensors               float32 little-endian, in the header's `tensors` order
 *  end − 4   u32 CRC-32            of every byte before it
 * ```
 * A truncated, corrupted or foreign file is rejected with a {@link FormatError} that says which, and
 * where in the file.
 */

import { describe } from '../util/check.ts';
import { FormatError } from './format-error.ts';

const MAGIC = [0x53, 0x54, 0x52, 0x44]; // 'STRD'
/** The container version this build writes (and the newest it reads). */
export const FORMAT_VERSION = 1;

/** A named float32 tensor in a container. */
export interface NamedTensor {
  name: string;
  data: Float32Array;
}

/** Packs a JSON header and tensors into one container. */
export function pack(header: Record<string, unknown>, tensors: NamedTensor[]): Uint8Array {
  const fullHeader = { ...header, tensors: tensors.map((t) => ({ name: t.name, size: t.data.length })) };
  let json = new TextEncoder().encode(JSON.stringify(fullHeader));
  const padded = Math.ceil(json.length / 4) * 4;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const floats = tensors.reduce((n, t) => n + t.data.length, 0);
  const bytes = new Uint8Array(12 + json.length + floats * 4 + 4);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint32(4, FORMAT_VERSION, true);
  view.setUint32(8, json.length, true);
  bytes.set(json, 12);
  let at = 12 + json.length;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i], true);
  }
  view.setUint32(at, crc32(bytes, 0, at), true);
  return bytes;
}

/** The most bytes a loader reads unless told otherwise (`maxBytes`): 256 MiB. */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
/** The largest header a container may declare: 32 MiB of JSON (vocabularies included). */
export const MAX_HEADER_BYTES = 32 * 1024 * 1024;
/** The deepest nesting of arrays and objects a header may have. */
export const MAX_HEADER_DEPTH = 64;

/** A container's contents, as {@link unpack} returns them. */
export interface Unpacked {
  /** The JSON header, without its `tensors` list checked against the model (that is the caller's). */
  header: Record<string, unknown>;
  /** Every tensor by name, in file order. */
  tensors: Map<string, Float32Array>;
}

/**
 * Unpacks a container, checking everything the format itself says before reading a tensor: the
 * size limit, magic, version, a header of bounded size that is UTF-8 JSON of bounded depth, a
 * tensor list of unique names with integer sizes whose bytes are exactly those present, the CRC,
 * and finite values. Throws a {@link FormatError} naming `where` and the place in the file;
 * a `TypeError` when `bytes` is not a Uint8Array; a `RangeError` above `maxBytes`.
 * @param limits `maxBytes`: the largest file accepted (default {@link DEFAULT_MAX_BYTES})
 */
export function unpack(bytes: Uint8Array, where: string, limits: { maxBytes?: number } = {}): Unpacked {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(
      `${where}: expected the bytes of a strand checkpoint (Uint8Array), received ${bytes === null ? 'null' : typeof bytes}`,
    );
  const n = bytes.length;
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  if (n > maxBytes)
    throw new RangeError(
      `${where}: the file is ${n} bytes, above maxBytes = ${maxBytes} (pass a larger options.maxBytes to load it)`,
    );
  if (n < 4 || MAGIC.some((m, i) => bytes[i] !== m))
    throw new FormatError(where, 'not a strand checkpoint', {
      part: 'magic',
      offset: 0,
      expected: '"STRD"',
      found: describe(String.fromCharCode(...bytes.subarray(0, 4))),
    });
  if (n < 16)
    throw new FormatError(where, 'the checkpoint is truncated', {
      part: 'file',
      expected: 'at least 16 bytes (magic, version, header size, checksum)',
      found: `${n} bytes`,
    });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version < 1 || version > FORMAT_VERSION)
    throw new FormatError(where, `checkpoint format version ${version} is not supported`, {
      part: 'version',
      offset: 4,
      expected: FORMAT_VERSION === 1 ? 'version 1' : `a version from 1 to ${FORMAT_VERSION}`,
      found: `version ${version}`,
    });
  const headerBytes = view.getUint32(8, true);
  const room = n - 16;
  if (headerBytes > MAX_HEADER_BYTES || headerBytes > room || headerBytes % 4 !== 0)
    throw new FormatError(
      where,
      headerBytes > room && headerBytes <= MAX_HEADER_BYTES
        ? 'the checkpoint is truncated'
        : 'the header size is impossible',
      {
        part: 'header size',
        offset: 8,
        expected: `a multiple of 4 of at most ${Math.min(MAX_HEADER_BYTES, room)} bytes (the file has ${n})`,
        found: `${headerBytes} bytes`,
      },
    );
  const header = parseHeader(bytes.subarray(12, 12 + headerBytes), where);
  const list = checkTensorList(header.tensors, n, where);
  const floats = list.reduce((sum, t) => sum + t.size, 0);
  const expected = 12 + headerBytes + floats * 4 + 4;
  if (n !== expected) {
    throw new FormatError(where, `the checkpoint is ${n < expected ? 'truncated' : 'too long'}`, {
      part: 'tensors',
      offset: 12 + headerBytes,
      expected: `${expected} bytes in the file (${list.length} tensors of ${floats} floats in all, then the checksum)`,
      found: `${n} bytes`,
    });
  }
  const stored = view.getUint32(expected - 4, true);
  const computed = crc32(bytes, 0, expected - 4);
  if (stored !== computed)
    throw new FormatError(where, 'checksum mismatch: the checkpoint is corrupted', {
      part: 'checksum',
      offset: expected - 4,
      expected: `CRC-32 ${hex(computed)} of the bytes before it`,
      found: hex(stored),
    });
  const tensors = new Map<string, Float32Array>();
  let at = 12 + headerBytes;
  for (const t of list) {
    const start = at;
    const data = new Float32Array(t.size);
    for (let i = 0; i < t.size; i++, at += 4) {
      const v = view.getFloat32(at, true);
      if (!Number.isFinite(v))
        throw new FormatError(where, 'the checkpoint holds a value that is not finite', {
          part: 'tensors',
          offset: at,
          expected: `finite float32 values in tensor '${t.name}' (from byte ${start})`,
          found: `${v} at index ${i}`,
        });
      data[i] = v;
    }
    tensors.set(t.name, data);
  }
  return { header, tensors };
}

/** The header: UTF-8 JSON text of bounded depth whose value is an object. */
function parseHeader(text: Uint8Array, where: string): Record<string, unknown> {
  const corrupted = (offset: number, expected: string, found: string): FormatError =>
    new FormatError(where, 'the checkpoint header is corrupted', { part: 'header', offset, expected, found });
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(text);
  } catch {
    throw corrupted(12, 'UTF-8 text', 'bytes that are not UTF-8');
  }
  const deep = tooDeep(text);
  if (deep >= 0) throw corrupted(12 + deep, `JSON nested at most ${MAX_HEADER_DEPTH} levels deep`, 'deeper nesting');
  let header: unknown;
  try {
    header = JSON.parse(json);
  } catch {
    throw corrupted(12, 'JSON text', 'malformed JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw corrupted(12, 'a JSON object', describe(header));
  return header as Record<string, unknown>;
}

/** The byte index where UTF-8 JSON text first nests deeper than {@link MAX_HEADER_DEPTH}, or −1. */
function tooDeep(text: Uint8Array): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_HEADER_DEPTH) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

/** The header's `tensors` list: objects `{ name, size }` with unique non-empty names and sizes that fit the file. */
function checkTensorList(list: unknown, fileBytes: number, where: string): Array<{ name: string; size: number }> {
  const bad = (field: string, expected: string, found: unknown): FormatError =>
    new FormatError(where, "the checkpoint's tensor list is invalid", {
      part: 'header',
      field,
      expected,
      found: describe(found),
    });
  if (!Array.isArray(list)) throw bad('tensors', 'an array of { name, size }', list);
  const seen = new Map<string, number>();
  const maxSize = Math.floor(fileBytes / 4);
  list.forEach((t: unknown, i) => {
    if (t === null || typeof t !== 'object' || Array.isArray(t))
      throw bad(`tensors[${i}]`, 'an object { name, size }', t);
    const { name, size, ...rest } = t as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) throw bad(`tensors[${i}].${extra}`, 'only the fields name and size', rest[extra]);
    if (typeof name !== 'string' || name === '') throw bad(`tensors[${i}].name`, 'a non-empty string', name);
    if (seen.has(name))
      throw bad(`tensors[${i}].name`, `a name not already used (by tensors[${seen.get(name)}])`, name);
    seen.set(name, i);
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || size > maxSize)
      throw bad(`tensors[${i}].size`, `an integer from 0 to ${maxSize} (the floats the file could hold)`, size);
  });
  return list as Array<{ name: string; size: number }>;
}

/** 0x1a2b3c4d */
function hex(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}

let table: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3 polynomial, reflected) of bytes[start, end). */
export function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (table === null) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
