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
 * A truncated, corrupted or foreign file is rejected with an error that says which.
 */

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

/** Unpacks a container; throws a clear error naming `where` when it is not a valid one. */
export function unpack(
  bytes: Uint8Array,
  where: string,
): { header: Record<string, unknown>; tensors: Map<string, Float32Array> } {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(
      `${where}: expected the bytes of a strand checkpoint (Uint8Array), received ${bytes === null ? 'null' : typeof bytes}`,
    );
  if (bytes.length < 16 || MAGIC.some((m, i) => bytes[i] !== m))
    throw new Error(`${where}: not a strand checkpoint (the file does not start with 'STRD')`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version < 1 || version > FORMAT_VERSION)
    throw new Error(
      `${where}: checkpoint format version ${version} is not supported (this build reads 1 to ${FORMAT_VERSION})`,
    );
  const headerBytes = view.getUint32(8, true);
  if (12 + headerBytes + 4 > bytes.length)
    throw new Error(`${where}: the checkpoint is truncated (header of ${headerBytes} bytes, file of ${bytes.length})`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerBytes))) as Record<string, unknown>;
  } catch {
    throw new Error(`${where}: the checkpoint header is corrupted (not valid JSON)`);
  }
  const list = header.tensors as Array<{ name: string; size: number }> | undefined;
  if (!Array.isArray(list)) throw new Error(`${where}: the checkpoint header lists no tensors`);
  const floats = list.reduce((n, t) => n + t.size, 0);
  const expected = 12 + headerBytes + floats * 4 + 4;
  if (bytes.length !== expected) {
    throw new Error(
      `${where}: the checkpoint is ${bytes.length < expected ? 'truncated' : 'too long'}: expected ${expected} bytes, received ${bytes.length}`,
    );
  }
  const stored = view.getUint32(expected - 4, true);
  if (stored !== crc32(bytes, 0, expected - 4))
    throw new Error(`${where}: checksum mismatch: the checkpoint is corrupted`);
  const tensors = new Map<string, Float32Array>();
  let at = 12 + headerBytes;
  for (const t of list) {
    const data = new Float32Array(t.size);
    for (let i = 0; i < t.size; i++, at += 4) data[i] = view.getFloat32(at, true);
    tensors.set(t.name, data);
  }
  return { header, tensors };
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
