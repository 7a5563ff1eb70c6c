/**
 * A bounded protobuf decoder, driven by a schema of the fields wanted: every read is checked
 * against the bytes left in its message (varints of at most 10 bytes, lengths within the
 * enclosing message), a known field with the wrong wire type is refused, unknown fields are
 * skipped, messages nest at most {@link MAX_MESSAGE_DEPTH} deep, and the number of messages is
 * bounded by the input's size. Strings are UTF-8; `bytes` fields are views into the input.
 */
import { InteropError } from './error.ts';

/**
 * What a field holds: a single varint (`'int'`, as a number; int64 beyond ±2⁵³ is rounded), a
 * repeated one (`'ints'`, packed or not), a 32-bit float or repeated floats, a string or
 * repeated strings, bytes, a message (its schema) or repeated messages (`[schema]`).
 */
export type FieldType =
  | 'int'
  | 'ints'
  | 'float'
  | 'floats'
  | 'string'
  | 'strings'
  | 'bytes'
  | ProtoSchema
  | [ProtoSchema];

/** The fields of a message to decode: field number → [name, type]. Other fields are skipped. */
export interface ProtoSchema {
  readonly [field: number]: readonly [string, FieldType];
}

/** The deepest nesting of messages decoded. */
export const MAX_MESSAGE_DEPTH = 16;

/**
 * Decodes `bytes` as one message of `schema`: an object with a property per field present (an
 * array for repeated fields). Throws an {@link InteropError} (format `'onnx'`) naming the byte
 * offset and the field path (`root.graph.node[2].op_type`) of the first problem.
 */
export function decodeProto(bytes: Uint8Array, schema: ProtoSchema, root: string): Record<string, unknown> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder();
  let pos = 0;
  // each message takes at least 2 bytes; real ones at least 4 (tag, length, one field)
  let messages = 16 + (bytes.length >> 2);

  const fail = (problem: string, field: string, offset: number, expected: string, found: string): InteropError =>
    new InteropError('onnx', problem, { field, offset, expected, found });

  /** A varint within [pos, end): at most 10 bytes, as a signed 64-bit number. */
  const varint = (end: number, field: string): number => {
    const at = pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw fail('varint overruns', field, at, `a byte at ${pos}`, 'the end');
      const b = bytes[pos++];
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) return hi * 2 ** 32 + (lo >>> 0);
    }
    throw fail('varint too long', field, at, 'at most 10 bytes', 'more');
  };

  /** The length of a length-delimited field, within [pos, end). */
  const length = (end: number, field: string): number => {
    const at = pos;
    const n = varint(end, field);
    if (n < 0 || n > end - pos) throw fail('length overruns', field, at, `at most ${end - pos} bytes`, `${n}`);
    return n;
  };

  /** Bytes [pos, pos + n) must lie within end. */
  const take = (n: number, end: number, field: string): number => {
    if (n > end - pos) throw fail('value overruns', field, pos, `${n} bytes`, `${end - pos}`);
    pos += n;
    return pos - n;
  };

  /** A varint (wire type 0) or a little-endian float32 (wire type 5) within [pos, end). */
  const scalar = (wire: number, end: number, field: string): number =>
    wire === 0 ? varint(end, field) : view.getFloat32(take(4, end, field), true);

  const message = (end: number, s: ProtoSchema, path: string, depth: number): Record<string, unknown> => {
    if (depth > MAX_MESSAGE_DEPTH)
      throw fail('messages nest too deep', path, pos, `at most ${MAX_MESSAGE_DEPTH} levels`, 'more');
    if (--messages < 0) throw fail('too many messages', path, pos, `at most ${bytes.length >> 2}`, 'more');
    const out: Record<string, unknown> = {};
    while (pos < end) {
      const at = pos;
      const tag = varint(end, path);
      const wire = tag & 7;
      if (tag < 8 || tag >= 2 ** 32 || wire === 3 || wire === 4 || wire > 5)
        throw fail('bad tag', path, at, 'field ≥ 1, wire type 0, 1, 2 or 5', `${tag}`);
      const spec = s[Math.floor(tag / 8)];
      if (spec === undefined) {
        if (wire === 0) varint(end, path);
        else take(wire === 1 ? 8 : wire === 5 ? 4 : length(end, path), end, path);
        continue;
      }
      const [key, type] = spec;
      const field = `${path}.${key}`;
      const repeated = type === 'ints' || type === 'floats' || type === 'strings' || Array.isArray(type);
      const wanted = type === 'int' || type === 'ints' ? 0 : type === 'float' || type === 'floats' ? 5 : 2;
      const values: unknown[] = [];
      if (wire === 2 && wanted !== 2 && repeated) {
        // packed: one length-delimited run of varints or floats
        const n = length(end, field);
        const stop = pos + n;
        while (pos < stop) values.push(scalar(wanted, stop, field));
      } else if (wire !== wanted) throw fail('wrong wire type', field, at, `wire type ${wanted}`, `${wire}`);
      else if (wanted !== 2) values.push(scalar(wanted, end, field));
      else {
        const n = length(end, field);
        const start = pos;
        if (type === 'bytes' || type === 'string' || type === 'strings') {
          pos += n;
          values.push(type === 'bytes' ? bytes.subarray(start, pos) : text.decode(bytes.subarray(start, pos)));
        } else {
          const list = out[key] as unknown[] | undefined;
          const [sub, place] = Array.isArray(type) ? [type[0], `${field}[${list?.length ?? 0}]`] : [type, field];
          values.push(message(start + n, sub as ProtoSchema, place, depth + 1));
        }
      }
      const list = out[key] as unknown[] | undefined;
      if (!repeated) out[key] = values[0];
      else if (!list) out[key] = values;
      else for (const v of values) list.push(v);
    }
    return out;
  };

  return message(bytes.length, schema, root, 0);
}
