/**
 * A minimal zip reader for the archives `torch.save` writes: the end-of-central-directory record,
 * the central directory and each entry's local header. Only what such archives use is read —
 * stored (uncompressed) entries on one disk, below zip64's sizes; encrypted entries, multi-disk
 * and zip64 archives are refused, and compressed entries when they are read. Every offset and
 * size is checked against the bytes present before it is read, and every entry's CRC-32 before
 * its bytes are handed out.
 */
import { crc32 } from '../io/container.ts';
import { fail as failure, type InteropFormat } from './error.ts';

/** A zip archive's entry names, and its entries' bytes (see {@link readZip}). */
export interface ZipArchive {
  /** Every entry's name, in central-directory order. */
  names: string[];
  /** An entry's bytes (a view into the archive) after checking them, or undefined when it has none of that name. */
  read(name: string): Uint8Array | undefined;
}

/**
 * The central directory of `bytes`; throws an {@link InteropError} of `format` for anything but a
 * single-disk archive of unencrypted entries, and on reading an entry that is compressed, out of
 * bounds or fails its CRC-32.
 */
export function readZip(bytes: Uint8Array, format: InteropFormat): ZipArchive {
  const n = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const fail = (offset: number, expected: string, found: unknown, problem = 'bad zip'): never => {
    throw failure(format, problem, offset, expected, found);
  };
  const multiDisk = 'multi-disk';
  const zip64 = 'zip64';

  // the end record: the last 22 bytes but for a comment (at most 65535 bytes) that ends the file
  const first = Math.max(0, n - 22 - 0xffff);
  let end = n - 22;
  while (end >= first && !(u32(end) === 0x06054b50 && end + 22 + u16(end + 20) === n)) end--;
  if (end < first) fail(first, 'an end-of-central-directory record', 'none', 'not a zip');
  const count = u16(end + 10);
  const size = u32(end + 12);
  const start = u32(end + 16);
  const stop = start + size;
  if (u16(end + 4) || u16(end + 6) || u16(end + 8) !== count) fail(end + 4, 'disk 0 of 1', u16(end + 4), multiDisk);
  if (count === 0xffff || size === 0xffffffff || start === 0xffffffff)
    fail(end + 10, 'sizes below the zip64 markers', 'the markers', zip64);
  if (stop > end) fail(end + 16, `a central directory ending by byte ${end}`, stop);

  // name → [local header offset, size, CRC-32, method, compressed − size, central header offset]
  const entries = new Map<string, number[]>();
  const checked = new Map<string, Uint8Array>();
  for (let i = 0, at = start; i < count; i++) {
    const next = at + 46 + (at + 46 > stop ? 0 : u16(at + 28) + u16(at + 30) + u16(at + 32));
    if (next > stop || u32(at) !== 0x02014b50) fail(at, `central directory header ${i + 1} of ${count}`, 'none');
    const name = text.decode(bytes.subarray(at + 46, at + 46 + u16(at + 28)));
    const stored = u32(at + 24);
    const header = u32(at + 42);
    if (u16(at + 8) & 1) fail(at + 8, 'no encryption', `encrypted ${name}`, 'encrypted');
    if (stored === 0xffffffff || header === 0xffffffff) fail(at + 24, 'sizes below 4 GiB', 'the markers', zip64);
    if (u16(at + 34)) fail(at + 34, 'disk 0', u16(at + 34), multiDisk);
    if (entries.has(name)) fail(at + 46, 'unique names', name, 'a name repeats');
    entries.set(name, [header, stored, u32(at + 16), u16(at + 10), u32(at + 20) - stored, at]);
    at = next;
  }

  return {
    names: [...entries.keys()],
    read(name) {
      const entry = entries.get(name);
      if (!entry || checked.has(name)) return checked.get(name);
      const [header, size, crc, method, packed, at] = entry;
      // compression is refused only here, for the entries read (TorchScript's are compressed, for one)
      if (method || packed) fail(at + 10, `${name} stored (method 0)`, `method ${method}`, 'compressed');
      if (header + 30 > n || u32(header) !== 0x04034b50) fail(header, `the local header of ${name}`, 'none');
      const from = header + 30 + u16(header + 26) + u16(header + 28);
      if (from + size > n) fail(from, `${size} bytes of ${name}`, Math.max(0, n - from), 'truncated');
      const actual = crc32(bytes, from, from + size);
      if (actual !== crc) fail(from, `CRC-32 ${crc} for ${name}`, actual);
      const data = bytes.subarray(from, from + size);
      checked.set(name, data);
      return data;
    },
  };
}

const text = new TextDecoder();
