// A seeded, deterministic mutator of strand checkpoints for the loader fuzz tests: bit flips, byte
// inserts and deletes, truncations, header-length and version edits, tensor values, raw header
// text edits and header JSON field edits. After every mutation the CRC-32 is recomputed, so that
// only the loader's semantic checks can catch the damage. Page-safe (no Node imports).
import { crc32 } from '../../src/io/container.ts';

/** mulberry32: a small seeded generator, independent of strand's own. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }
}

/** The parts of a well-formed container. */
export interface ContainerParts {
  /** The header JSON text (without its padding). */
  json: string;
  /** The tensor bytes between the header and the CRC. */
  body: Uint8Array;
}

/** Splits a well-formed container into its header text and tensor bytes. */
export function splitContainer(bytes: Uint8Array): ContainerParts {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = view.getUint32(8, true);
  const json = new TextDecoder().decode(bytes.subarray(12, 12 + h)).trimEnd();
  return { json, body: bytes.slice(12 + h, bytes.length - 4) };
}

/** Builds a container (version 1) from a header text and tensor bytes, with a correct CRC. */
export function joinContainer(json: string, body: Uint8Array, version = 1): Uint8Array {
  let text = new TextEncoder().encode(json);
  const padded = Math.ceil(text.length / 4) * 4;
  if (padded !== text.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(text);
    text = p;
  }
  const bytes = new Uint8Array(12 + text.length + body.length + 4);
  const view = new DataView(bytes.buffer);
  bytes.set([0x53, 0x54, 0x52, 0x44], 0);
  view.setUint32(4, version, true);
  view.setUint32(8, text.length, true);
  bytes.set(text, 12);
  bytes.set(body, 12 + text.length);
  return withCrc(bytes);
}

/** Rewrites the last four bytes as the CRC-32 of every byte before them (in place; returns `bytes`). */
export function withCrc(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= 4) {
    const at = bytes.length - 4;
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(at, crc32(bytes, 0, at), true);
  }
  return bytes;
}

/** A well-formed container whose header JSON is replaced by `edit(header)` (tensor bytes kept). */
export function editHeader(bytes: Uint8Array, edit: (header: Record<string, unknown>) => unknown): Uint8Array {
  const { json, body } = splitContainer(bytes);
  const header = JSON.parse(json) as Record<string, unknown>;
  const edited = edit(header);
  return joinContainer(JSON.stringify(edited === undefined ? header : edited), body);
}

/** Values a hostile header field may take (frozen: every use takes a copy, so runs cannot leak into each other). */
const HOSTILE: readonly unknown[] = deepFreeze([
  0,
  -1,
  1,
  2,
  1.5,
  -0.5,
  3,
  7,
  4096,
  100000,
  1e9,
  2 ** 31,
  2 ** 32 + 1,
  2 ** 53,
  1e308,
  -1e308,
  1e-300,
  '4096',
  '',
  'x',
  'lstm',
  'gru',
  'rnn',
  'dense',
  'dropout',
  'embedding',
  'onehot',
  'softmax',
  'linear',
  'last',
  'sum',
  true,
  false,
  null,
  [],
  {},
  [1, 2],
  [0, null],
  { type: 'lstm' },
]);

/** Freezes a JSON value and everything in it. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Raw snippets spliced into the header text (some are not JSON at all). */
const SNIPPETS: readonly string[] = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '-1e999',
  'null',
  '"',
  '}',
  ']',
  ',',
  '{',
  '[',
  '"\\ud800"',
  '\u0000',
  '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
  '"__proto__"',
];

/** Every container path of a JSON value: [] for the root, then keys / indices. */
function paths(value: unknown, at: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  return out;
}

/** The parent object / array of a path and its last key. */
function parentOf(root: unknown, path: Array<string | number>): { parent: unknown; key: string | number } {
  let parent = root;
  for (const k of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[k];
  return { parent, key: path[path.length - 1] };
}

/** One mutation of a JSON header (in place); returns a description. */
function mutateJson(root: Record<string, unknown>, rng: Prng): string {
  const all = paths(root).filter((p) => p.length > 0);
  // favour the architecture: half of the edits land under `model` (`encoderDecoder` for an encoder-decoder)
  const model = all.filter((p) => p[0] === 'model' || p[0] === 'encoderDecoder');
  const path = rng.next() < 0.5 && model.length > 0 ? rng.pick(model) : rng.pick(all);
  const { parent, key } = parentOf(root, path);
  const holder = parent as Record<string | number, unknown>;
  const old = holder[key];
  const name = path.join('.');
  const op = rng.int(10);
  if (op <= 3) {
    const v = structuredClone(rng.pick(HOSTILE));
    holder[key] = v;
    return `set ${name} = ${JSON.stringify(v)}`;
  }
  if (op === 4 && typeof old === 'number') {
    const v = rng.pick([old + 1, old - 1, old * 2, -old, old * 1000, old + 0.5, Math.floor(old / 2)]);
    holder[key] = v;
    return `set ${name} = ${v} (was ${old})`;
  }
  if (op === 5) {
    if (Array.isArray(holder)) holder.splice(key as number, 1);
    else delete holder[key];
    return `remove ${name}`;
  }
  if (op === 6 && Array.isArray(holder)) {
    holder.splice(key as number, 0, structuredClone(old));
    return `duplicate ${name}`;
  }
  if (op === 7 && Array.isArray(holder) && holder.length > 1) {
    const j = rng.int(holder.length);
    [holder[key as number], holder[j]] = [holder[j], holder[key as number]];
    return `swap ${name} with index ${j}`;
  }
  if (op === 8 && !Array.isArray(holder)) {
    const extra = rng.pick(['extra', 'hiddenSiz', 'weights', '__proto__', 'size', 'name']);
    holder[extra] = structuredClone(rng.pick(HOSTILE));
    return `add ${path.slice(0, -1).join('.')}.${extra}`;
  }
  if (old !== null && typeof old === 'object' && !Array.isArray(old)) {
    const k = rng.pick(Object.keys(old).concat(['none']));
    (old as Record<string, unknown>)[`${k}x`] = (old as Record<string, unknown>)[k];
    delete (old as Record<string, unknown>)[k];
    return `rename ${name}.${k}`;
  }
  holder[key] = structuredClone(rng.pick(HOSTILE));
  return `set ${name}`;
}

/** The mutation kinds, by name. */
export const MUTATIONS = [
  'bit flips',
  'byte set',
  'byte insert',
  'byte delete',
  'truncate',
  'append',
  'header length',
  'version',
  'tensor value',
  'header text',
  'header field',
  'header fields',
  'size bomb',
] as const;

/** A mutated file and what was done to it. */
export interface Mutant {
  bytes: Uint8Array;
  kind: (typeof MUTATIONS)[number];
  detail: string;
}

/** One random mutation of a well-formed checkpoint, with the CRC recomputed afterwards. */
export function mutate(original: Uint8Array, rng: Prng): Mutant {
  const kind = rng.pick(MUTATIONS);
  const n = original.length;
  const bytes = original.slice();
  const view = new DataView(bytes.buffer);
  const span = (k: number) => 1 + rng.int(k);
  switch (kind) {
    case 'bit flips': {
      const flips = span(4);
      for (let i = 0; i < flips; i++) bytes[rng.int(n - 4)] ^= 1 << rng.int(8);
      return { bytes: withCrc(bytes), kind, detail: `${flips} bits` };
    }
    case 'byte set': {
      const at = rng.int(n - 4);
      bytes[at] = rng.int(256);
      return { bytes: withCrc(bytes), kind, detail: `byte ${at}` };
    }
    case 'byte insert': {
      const at = rng.int(n - 4);
      const k = span(16);
      const extra = Uint8Array.from({ length: k }, () => rng.int(256));
      const out = new Uint8Array(n + k);
      out.set(bytes.subarray(0, at));
      out.set(extra, at);
      out.set(bytes.subarray(at), at + k);
      return { bytes: withCrc(out), kind, detail: `${k} at ${at}` };
    }
    case 'byte delete': {
      const at = rng.int(n - 4);
      const k = Math.min(span(16), n - 4 - at);
      const out = new Uint8Array(n - k);
      out.set(bytes.subarray(0, at));
      out.set(bytes.subarray(at + k), at);
      return { bytes: withCrc(out), kind, detail: `${k} at ${at}` };
    }
    case 'truncate': {
      const to = rng.int(n);
      return { bytes: withCrc(bytes.slice(0, to)), kind, detail: `to ${to}` };
    }
    case 'append': {
      const k = 4 * span(8);
      const out = new Uint8Array(n + k);
      out.set(bytes);
      return { bytes: withCrc(out), kind, detail: `${k} zero bytes` };
    }
    case 'header length': {
      const h = view.getUint32(8, true);
      const v = rng.pick([0, 1, h - 4, h + 4, h - 1, h + 1, n, n - 16, 0x7fffffff, 0xffffffff, rng.int(2 ** 32)]);
      view.setUint32(8, v >>> 0, true);
      return { bytes: withCrc(bytes), kind, detail: `${h} → ${v >>> 0}` };
    }
    case 'version': {
      const v = rng.pick([0, 2, 255, 0xffffffff]);
      view.setUint32(4, v, true);
      return { bytes: withCrc(bytes), kind, detail: String(v) };
    }
    case 'tensor value': {
      const h = view.getUint32(8, true);
      const floats = (n - 16 - h) / 4;
      if (floats < 1) return mutate(original, rng);
      const at = 12 + h + 4 * rng.int(floats);
      const v = rng.pick([NaN, Infinity, -Infinity, 3.4e38, -3.4e38, 1e30, 1e-45, -0, 1e4]);
      view.setFloat32(at, v, true);
      return { bytes: withCrc(bytes), kind, detail: `${v} at byte ${at}` };
    }
    case 'header text': {
      const { json, body } = splitContainer(original);
      const at = rng.int(json.length);
      const cut = rng.int(4);
      const snippet = rng.pick(SNIPPETS);
      return { bytes: joinContainer(json.slice(0, at) + snippet + json.slice(at + cut), body), kind, detail: snippet };
    }
    case 'header field':
    case 'header fields': {
      const edits = kind === 'header field' ? 1 : 2 + rng.int(3);
      const details: string[] = [];
      const out = editHeader(original, (header) => {
        for (let i = 0; i < edits; i++) details.push(mutateJson(header, rng));
      });
      return { bytes: out, kind, detail: details.join('; ') };
    }
    case 'size bomb': {
      // the architecture grows, the file does not: a size or layer count far above the tensors present
      let detail = '';
      const out = editHeader(original, (header) => {
        // a sequence model's layers, or an encoder-decoder's architecture (one flat record)
        const layers = (header.model as { layers: Array<Record<string, unknown>> } | undefined)?.layers;
        const layer = layers
          ? rng.pick(layers.filter((l) => l.type !== 'dropout'))
          : (header.encoderDecoder as Record<string, unknown>);
        const fields = Object.keys(layer).filter((k) => typeof layer[k] === 'number');
        const field = rng.pick(fields);
        const v = rng.pick([4096, 65536, 100000, 1e6, 2 ** 24, 2 ** 31, 1e12]);
        layer[field] = v;
        detail = `${layers ? layer.type : 'encoderDecoder'}.${field} = ${v}`;
      });
      return { bytes: out, kind, detail };
    }
  }
}
