// readPyTorch on hostile and damaged files: pickles naming forbidden globals (torch's own files
// carrying a __reduce__ payload, hand-built ones), views reaching outside their storages, dicts that
// contain or share each other, absurd sizes, every zip feature strand refuses — and fuzzing
// (every truncation, seeded byte flips in the zip structure and in data.pkl, data.pkl mutated
// behind a recomputed CRC, random opcode streams). Every outcome is the right tensors or an
// InteropError: never another error, a hang, or values that are not in the file.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/io/container.ts';
import { InteropError, readPyTorch, type TensorDict } from '../../src/interop/index.ts';
import { readZip } from '../../src/interop/zip.ts';
import { Rng } from '../../src/util/rng.ts';

const DIR = new URL('../fixtures/interop/pytorch/', import.meta.url);
const file = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DIR)));
const tensorsOf = (name: string): Record<string, { shape: number[]; data: number[] }> =>
  JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8')).tensors;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const MARKER = '/tmp/strand-pytorch-hostile-marker'; // what the hostile payloads would create

// ---- a zip writer (stored entries) and a pickle builder, to make files torch would not ----

interface ZipTweaks {
  method?: number;
  flags?: number;
  disk?: number;
  count?: number;
}

function zip(entries: Array<[string, Uint8Array]>, tweaks: ZipTweaks = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = utf8(name);
    const crc = crc32(data, 0, data.length);
    const local = new Uint8Array(30 + n.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, tweaks.flags ?? 0, true);
    lv.setUint16(8, tweaks.method ?? 0, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, n.length, true);
    local.set(n, 30);
    const c = new Uint8Array(46 + n.length);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, tweaks.flags ?? 0, true);
    cv.setUint16(10, tweaks.method ?? 0, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, n.length, true);
    cv.setUint32(42, offset, true);
    c.set(n, 46);
    parts.push(local, data);
    central.push(c);
    offset += local.length + data.length;
  }
  const size = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(4, tweaks.disk ?? 0, true);
  ev.setUint16(6, tweaks.disk ?? 0, true);
  ev.setUint16(8, tweaks.count ?? entries.length, true);
  ev.setUint16(10, tweaks.count ?? entries.length, true);
  ev.setUint32(12, size, true);
  ev.setUint32(16, offset, true);
  return concat([...parts, ...central, end]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

type Ops = number[];
const le = (v: number, k: number): Ops => Array.from({ length: k }, (_, i) => Math.floor(v / 256 ** i) % 256);
const str = (s: string): Ops => {
  const e = utf8(s);
  return [0x58, ...le(e.length, 4), ...e];
};
const int = (v: number): Ops => [0x4a, ...le(v >>> 0, 4)];
const global = (module: string, name: string): Ops => [0x63, ...utf8(`${module}\n${name}\n`)];
const tuple = (...items: Ops[]): Ops => [0x28, ...items.flat(), 0x74];
const [MARK, REDUCE, STOP, EMPTY_DICT, SETITEM, SETITEMS, NEWFALSE, BINPERSID, EMPTY_TUPLE] = [
  0x28, 0x52, 0x2e, 0x7d, 0x73, 0x75, 0x89, 0x51, 0x29,
];
const orderedDict: Ops = [...global('collections', 'OrderedDict'), EMPTY_TUPLE, REDUCE];

interface View {
  key?: string;
  type?: string;
  numel: number;
  offset?: number;
  size: number[];
  stride: number[];
}
/** `_rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())` */
const tensor = ({ key = '0', type = 'FloatStorage', numel, offset = 0, size, stride }: View): Ops => [
  ...global('torch._utils', '_rebuild_tensor_v2'),
  MARK,
  ...tuple(str('storage'), global('torch', type), str(key), str('cpu'), int(numel)),
  BINPERSID,
  ...int(offset),
  ...tuple(...size.map(int)),
  ...tuple(...stride.map(int)),
  NEWFALSE,
  ...orderedDict,
  0x74,
  REDUCE,
];
const dictOf = (entries: Array<[string, Ops]>): Ops => [
  EMPTY_DICT,
  MARK,
  ...entries.flatMap(([k, v]) => [...str(k), ...v]),
  SETITEMS,
];
const pickle = (...ops: Ops[]): Uint8Array => Uint8Array.from([0x80, 2, ...ops.flat(), STOP]);
const floats = (...v: number[]): Uint8Array => new Uint8Array(Float32Array.from(v).buffer);
/** A torch-like archive: archive/data.pkl, archive/data/<key>…, archive/version. */
const pt = (pkl: Uint8Array, storages: Record<string, Uint8Array> = { 0: floats(0, 1, 2, 3, 4, 5) }): Uint8Array =>
  zip([
    ['archive/data.pkl', pkl],
    ...Object.entries(storages).map(([k, v]): [string, Uint8Array] => [`archive/data/${k}`, v]),
    ['archive/version', utf8('3\n')],
  ]);

function refusal(bytes: Uint8Array): InteropError {
  try {
    readPyTorch(bytes);
  } catch (e) {
    if (!(e instanceof InteropError)) throw e;
    return e;
  }
  throw new Error('expected an InteropError, but the file was read');
}

describe('hostile pickles: refused by the global they name, with no side effects', () => {
  const cases: Array<[string, string]> = [
    ['hostile_os_system', 'os.system'],
    ['hostile_eval', 'builtins.eval'],
    ['hostile_stack_global', 'posix.system'],
    ['hostile_reduce', 'posix.system'],
    ['hostile_pickle_dumps', 'posix.system'],
    ['hostile_load_from_bytes', 'torch.storage._load_from_bytes'],
  ];
  for (const [name, global] of cases)
    it(`${name}.pt names ${global}`, () => {
      rmSync(MARKER, { force: true });
      const e = refusal(file(`${name}.pt`));
      expect(e.message).toContain('global not allowed');
      expect(e.found).toBe(global);
      expect(e.expected).toContain('collections.OrderedDict, torch._utils._rebuild_tensor_v2');
      expect(typeof e.offset).toBe('number');
      expect(existsSync(MARKER)).toBe(false);
    });

  it('the __reduce__ payload after a good tensor, in a file torch.save wrote: refused at its byte', () => {
    // the payload's GLOBAL comes after the tensor 'weight' (pickletools: byte 181)
    expect(refusal(file('hostile_reduce.pt')).offset).toBe(181);
  });

  it('a storage type called as a constructor is refused by name', () => {
    const e = refusal(file('hostile_call_storage.pt'));
    expect(e.message).toContain('not a function');
    expect(e.found).toBe('torch.FloatStorage');
  });

  it('a forbidden global is refused even when it is never called, and before anything after it', () => {
    // {'w': tensor, 'f': subprocess.Popen} — and then a view far outside its storage, never reached
    const pkl = pickle(
      dictOf([
        ['w', tensor({ numel: 6, size: [6], stride: [1] })],
        ['f', global('subprocess', 'Popen')],
        ['x', tensor({ numel: 6, size: [99], stride: [1] })],
      ]),
    );
    expect(refusal(pt(pkl)).found).toBe('subprocess.Popen');
  });

  it('near-misses of allowed names are refused: other members, other modules, other spellings', () => {
    for (const [m, n] of [
      ['collections', 'defaultdict'],
      ['torch._utils', '_rebuild_tensor'],
      ['torch', 'LongStorage'],
      ['torch', 'storage.FloatStorage'],
      ['torch._utils ', '_rebuild_tensor_v2'],
      ['__builtin__', 'getattr'],
      ['torch', '_utils._rebuild_tensor_v2'],
    ]) {
      const e = refusal(pt(pickle(global(m, n))));
      // module 'torch', name '_utils._rebuild_tensor_v2' joins to an allowed name (the function Python's
      // protocol-4 lookup would find too); this file is then refused for holding no dict
      expect(e).toBeInstanceOf(InteropError);
      if (m !== 'torch' || n !== '_utils._rebuild_tensor_v2') expect(e.found).toBe(`${m}.${n}`);
    }
  });

  it('a name like __proto__ is an ordinary tensor name; no prototype is touched', () => {
    const pkl = pickle(dictOf([['__proto__', tensor({ numel: 6, size: [2, 3], stride: [3, 1] })]]));
    const out = readPyTorch(pt(pkl));
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(Array.from(Object.getOwnPropertyDescriptor(out, '__proto__')?.value.data)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(({} as Record<string, unknown>).shape).toBeUndefined();
  });
});

describe('views, storages and dicts the file cannot back', () => {
  const view = (v: Partial<View>) => pt(pickle(dictOf([['w', tensor({ numel: 6, size: [6], stride: [1], ...v })]])));

  it('reads a hand-built view through offset, sizes and strides', () => {
    const out = readPyTorch(view({ offset: 1, size: [2, 2], stride: [1, 3] }));
    expect(out.w).toEqual({ shape: [2, 2], data: Float32Array.from([1, 4, 2, 5]) });
  });

  it('refuses every view that touches an index outside its storage, before allocating', () => {
    for (const v of [
      { size: [7], stride: [1] },
      { offset: 1, size: [6], stride: [1] },
      { size: [2, 4], stride: [4, 1] },
      { size: [2, 2], stride: [5, 1] },
      { offset: 6, size: [1], stride: [1] },
      { size: [2 ** 31 - 1, 2 ** 31 - 1], stride: [2 ** 31 - 1, 1] },
    ]) {
      const e = refusal(view(v));
      expect(e.message, JSON.stringify(v)).toMatch(/outside its storage|more values than bytes/);
    }
    // an empty view touches nothing, wherever it points
    expect(readPyTorch(view({ offset: 5, size: [0, 9], stride: [9, 1] })).w.data).toHaveLength(0);
  });

  it('refuses more values in all than the file has bytes (stride-0 views of one value)', () => {
    const one = pickle(dictOf([['w', tensor({ numel: 1, size: [100_000], stride: [0] })]]));
    const e = refusal(pt(one, { 0: floats(7) }));
    expect(e.message).toContain('more values than bytes');
    // the same call, memoized, made again and again: 1000 values for every 13 bytes
    const fn = global('torch._utils', '_rebuild_tensor_v2');
    const args = tensor({ numel: 1000, size: [1000], stride: [1] }).slice(fn.length, -1);
    const first: Ops = [...fn, 0x71, 0, ...args, 0x71, 1, REDUCE];
    const again: Ops = [0x68, 0, 0x68, 1, REDUCE];
    const many = Array.from({ length: 50 }, (_, i): [string, Ops] => [`v${i}`, i ? again : first]);
    const storage = { 0: new Uint8Array(4000) };
    expect(refusal(pt(pickle(dictOf(many)), storage)).message).toContain('more values than bytes');
    expect(Object.keys(readPyTorch(pt(pickle(dictOf(many.slice(0, 3))), storage)))).toHaveLength(3);
  });

  it('refuses a storage of the wrong size, a missing one, and a persistent id that names no storage', () => {
    expect(refusal(view({ numel: 5, size: [5] })).message).toContain('storage size');
    expect(refusal(view({ key: '9' })).field).toBe('archive/data/9');
    expect(refusal(view({ type: 'HalfStorage', numel: 6 })).message).toContain('storage size'); // 24 bytes ≠ 6×2
    const badPid = pickle(dictOf([['w', [...tuple(str('module'), int(1)), BINPERSID]]]));
    expect(refusal(pt(badPid)).message).toContain('bad storage');
    // a key 100 000 tuples deep (torch's keys are strings): refused, not stringified
    const deep: Ops = [...new Array(100_000).fill(MARK), ...new Array(100_000).fill(0x74)];
    const pid = tuple(str('storage'), global('torch', 'FloatStorage'), deep, str('cpu'), int(6));
    expect(refusal(pt(pickle(dictOf([['w', [...pid, BINPERSID]]])))).message).toContain('bad storage');
  });

  it('refuses calls with the wrong arguments', () => {
    const odictWithArgs = [...global('collections', 'OrderedDict'), ...tuple(int(1)), REDUCE];
    expect(refusal(pt(pickle(odictWithArgs))).message).toContain('bad collections.OrderedDict');
    const paramOfInt = [
      ...global('torch._utils', '_rebuild_parameter'),
      ...tuple(int(1), [NEWFALSE], orderedDict),
      REDUCE,
    ];
    expect(refusal(pt(pickle(paramOfInt))).message).toContain('bad torch._utils._rebuild_parameter');
    const fiveArgs = [...global('torch._utils', '_rebuild_tensor_v2'), ...tuple(int(1), int(2)), REDUCE];
    expect(refusal(pt(pickle(fiveArgs))).message).toContain('bad torch._utils._rebuild_tensor_v2');
    const reduceString = [...str('os.system'), EMPTY_TUPLE, REDUCE];
    expect(refusal(pt(pickle(reduceString))).expected).toBe('a global and a tuple');
  });

  it('a dict that contains itself, and dicts sharing dicts 40 levels deep: refused, quickly', () => {
    // d = {}; d['a'] = d
    const loop = pickle([EMPTY_DICT, 0x71, 0, ...str('a'), 0x68, 0, SETITEM]);
    expect(refusal(pt(loop)).message).toContain('dicts too deep or repeated');
    // d0 = {t: tensor}; d(k+1) = {a: dk, b: dk}: 2^40 paths in a file of a few hundred bytes
    let ops: Ops = dictOf([['t', tensor({ numel: 6, size: [6], stride: [1] })]]);
    for (let k = 1; k <= 40; k++)
      ops = [EMPTY_DICT, MARK, ...str('a'), ...ops, 0x71, k, ...str('b'), 0x68, k, SETITEMS];
    const started = performance.now();
    expect(refusal(pt(pickle(ops))).message).toContain('dicts too deep or repeated');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('two names that flatten alike are refused', () => {
    const t = tensor({ numel: 6, size: [6], stride: [1] });
    const pkl = pickle(
      dictOf([
        ['a.b', t],
        ['a', dictOf([['b', t]])],
      ]),
    );
    expect(refusal(pt(pkl)).message).toContain('a name repeats');
  });

  it('names from int keys; tuple keys, lists, None and floats skipped; a bare tensor is no state dict', () => {
    const t = tensor({ numel: 6, size: [6], stride: [1] });
    const pkl = pickle([
      EMPTY_DICT,
      ...int(7),
      ...t,
      SETITEM,
      ...tuple(int(1)),
      ...t,
      SETITEM,
      ...str('n'),
      0x4e,
      SETITEM,
    ]);
    expect(Object.keys(readPyTorch(pt(pkl)))).toEqual(['7']);
    expect(refusal(pt(pickle(t))).message).toContain('no dict');
  });
});

describe('the pickle machine refuses what it does not implement, and absurd sizes', () => {
  const cases: Array<[string, Ops, RegExp]> = [
    ['POP (0x30), an opcode strand does not read', [EMPTY_DICT, 0x30], /opcode.*found 0x30/],
    ['INST (0x69)', [0x69, ...utf8('os\nsystem\n')], /found 0x69/],
    ['NEWOBJ (0x81)', [0x81], /found 0x81/],
    ['a memo index beyond the pickle', [EMPTY_DICT, 0x72, ...le(0xffffffff, 4)], /memo index/],
    ['a memo slot never written', [0x68, 3], /memo slot written/],
    ['BINUNICODE of 4 GiB', [0x58, ...le(0xffffffff, 4), 0x41], /truncated/],
    ['BINUNICODE8 of 2^60 bytes', [0x8d, ...le(2 ** 60, 8)], /truncated/],
    ['LONG1 of 255 bytes', [0x8a, 255, ...new Array(255).fill(0xff), 0x85], /no dict/],
    ['a GLOBAL without its newline', [0x63, ...utf8('os system')], /truncated/],
    ['STACK_GLOBAL of non-strings', [...int(1), ...int(2), 0x93], /two strings/],
    ['APPEND to a dict', [EMPTY_DICT, ...int(1), 0x61], /expected a list/],
    ['SETITEM on a list', [0x5d, ...int(1), ...int(2), SETITEM], /expected a dict/],
    ['SETITEMS with a key and no value', [EMPTY_DICT, MARK, ...int(1), SETITEMS], /key-value pairs/],
    ['BUILD on a list', [0x5d, EMPTY_DICT, 0x62], /expected a dict/],
    ['a TUPLE without a MARK', [0x74], /a MARK/],
    ['popping below a MARK', [EMPTY_DICT, MARK, 0x85], /1 values on the stack/],
  ];
  for (const [name, ops, message] of cases)
    it(name, () => {
      const started = performance.now();
      expect(refusal(pt(pickle(ops))).message).toMatch(message);
      expect(performance.now() - started).toBeLessThan(500);
    });

  it('protocols other than 2 to 5, a value left on the stack, bytes after STOP', () => {
    expect(refusal(pt(Uint8Array.from([0x80, 6, EMPTY_DICT, STOP]))).message).toMatch(/protocol 2 to 5/);
    expect(refusal(pt(Uint8Array.from([0x80, 1, EMPTY_DICT, STOP]))).message).toMatch(/protocol 2 to 5/);
    expect(refusal(pt(pickle([EMPTY_DICT, EMPTY_DICT]))).message).toMatch(/one value, then the end/);
    expect(refusal(pt(Uint8Array.from([0x80, 2, EMPTY_DICT, STOP, 0]))).message).toMatch(/one value, then the end/);
    // and the plain state dict reads
    expect(readPyTorch(pt(pickle([EMPTY_DICT])))).toEqual({});
  });
});

describe('zip features strand refuses', () => {
  const good = (): Array<[string, Uint8Array]> => [
    ['archive/data.pkl', pickle(dictOf([['w', tensor({ numel: 6, size: [6], stride: [1] })]]))],
    ['archive/data/0', floats(0, 1, 2, 3, 4, 5)],
    ['archive/version', utf8('3\n')],
  ];

  it('the hand-made archive itself reads', () => {
    expect(Array.from(readPyTorch(zip(good())).w.data)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('compressed, encrypted, multi-disk, zip64, repeated names, no data.pkl, a bad CRC', () => {
    expect(refusal(zip(good(), { method: 8 })).message).toMatch(/compressed.*archive\/data\.pkl stored/);
    expect(refusal(zip(good(), { flags: 1 })).message).toMatch(/encrypted.*found encrypted archive\/data\.pkl/);
    expect(refusal(zip(good(), { disk: 1 })).message).toMatch(/multi-disk/);
    expect(refusal(zip(good(), { count: 0xffff })).message).toMatch(/zip64/);
    expect(refusal(zip([...good(), good()[1]])).message).toMatch(/a name repeats/);
    expect(refusal(zip(good().slice(1))).message).toMatch(/no data\.pkl/);
    const bad = zip(good());
    bad[30 + 'archive/data.pkl'.length + 4] ^= 1; // a byte of data.pkl, behind its CRC
    expect(refusal(bad).message).toMatch(/CRC-32/);
  });

  it('a byteorder entry: little reads, big is refused; torch 2 extras are ignored', () => {
    const extra: Array<[string, Uint8Array]> = [['archive/.data/serialization_id', utf8('123')]];
    expect(Object.keys(readPyTorch(zip([...good(), ...extra, ['archive/byteorder', utf8('little')]])))).toEqual(['w']);
    expect(refusal(zip([...good(), ['archive/byteorder', utf8('big')]])).message).toMatch(/big-endian/);
  });

  it('a root folder of any name, taken from data.pkl', () => {
    const renamed = good().map(([n, d]): [string, Uint8Array] => [n.replace('archive/', 'my model v2/'), d]);
    expect(Object.keys(readPyTorch(zip(renamed)))).toEqual(['w']);
  });
});

// ---- fuzzing ----

/** Whether a result is exactly the reference's tensors (names, order, shapes, float32 values). */
function isExactly(got: TensorDict, ref: ReturnType<typeof tensorsOf>): boolean {
  const names = Object.keys(ref);
  if (Object.keys(got).join('\n') !== names.join('\n')) return false;
  return names.every(
    (n) =>
      got[n].shape.join() === ref[n].shape.join() &&
      got[n].data.length === ref[n].data.length &&
      ref[n].data.every((v, i) => Object.is(Math.fround(v), got[n].data[i])),
  );
}

type Outcome = 'exact' | 'refused';
/** Reads bytes: 'exact' for the reference's tensors, 'refused' for an InteropError; anything else fails the test. */
function outcome(bytes: Uint8Array, ref: ReturnType<typeof tensorsOf>, label: string): Outcome {
  try {
    const got = readPyTorch(bytes);
    if (!isExactly(got, ref)) throw new Error(`${label}: read, but not the file's tensors`);
    return 'exact';
  } catch (e) {
    if (e instanceof InteropError) return 'refused';
    throw new Error(`${label}: ${(e as Error).name}: ${(e as Error).message}`);
  }
}

/**
 * A result that could be a file's: each tensor a Float32Array of its shape's size, every value one
 * of the storages' own values, no more values in all than the file has bytes.
 */
function expectWellFormed(got: TensorDict, values: Set<number>, bytes: number, label: string): void {
  let total = 0;
  for (const [name, t] of Object.entries(got)) {
    expect(t.data, label).toBeInstanceOf(Float32Array);
    expect(t.data.length, `${label} ${name}`).toBe(t.shape.reduce((a, b) => a * b, 1));
    for (const v of t.data)
      if (!values.has(v)) throw new Error(`${label}: ${name} holds ${v}, not a value of the file`);
    total += t.data.length;
  }
  expect(total).toBeLessThanOrEqual(bytes);
}

/** Reads bytes: 'refused' for an InteropError, 'read' for a well-formed result; anything else fails. */
function anyOutcome(bytes: Uint8Array, values: Set<number>, label: string): 'read' | 'refused' {
  let got: TensorDict;
  try {
    got = readPyTorch(bytes);
  } catch (e) {
    if (e instanceof InteropError) return 'refused';
    throw new Error(`${label}: ${(e as Error).name}: ${(e as Error).message}`);
  }
  expectWellFormed(got, values, bytes.length, label);
  return 'read';
}

const FUZZED = ['lstm', 'shared', 'checkpoint', 'gru_bf16'];

describe('fuzz: every outcome is the right tensors or an InteropError', () => {
  it('every truncation of four files', () => {
    let refused = 0;
    let total = 0;
    for (const name of FUZZED) {
      const bytes = file(`${name}.pt`);
      const ref = tensorsOf(name);
      for (let n = 0; n < bytes.length; n++, total++)
        if (outcome(bytes.subarray(0, n), ref, `${name} cut at ${n}`) === 'refused') refused++;
    }
    expect(total).toBeGreaterThan(19_000);
    expect(refused).toBe(total); // the end record must end the file: no truncation reads
  });

  it('2400 seeded byte flips in the zip structure and in data.pkl (CRC-protected)', () => {
    const rng = new Rng(20240611);
    const counts = { exact: 0, refused: 0, structure: 0, pickle: 0, anywhere: 0 };
    for (const name of FUZZED) {
      const original = file(`${name}.pt`);
      const ref = tensorsOf(name);
      const zipOf = readZip(original, 'pytorch');
      const spans = zipOf.names.map((n) => {
        const d = zipOf.read(n) as Uint8Array;
        return { name: n, from: d.byteOffset, to: d.byteOffset + d.length };
      });
      const pkl = spans.find((s) => s.name.endsWith('/data.pkl'))!;
      const inData = (at: number) => spans.some((s) => at >= s.from && at < s.to);
      const structure = Array.from({ length: original.length }, (_, i) => i).filter((i) => !inData(i));
      for (let i = 0; i < 600; i++) {
        const bytes = original.slice();
        const where = i % 3;
        const at =
          where === 0
            ? structure[rng.int(structure.length)]
            : where === 1
              ? pkl.from + rng.int(pkl.to - pkl.from)
              : rng.int(original.length);
        bytes[at] ^= 1 + rng.int(255);
        counts[where === 0 ? 'structure' : where === 1 ? 'pickle' : 'anywhere']++;
        counts[outcome(bytes, ref, `${name} flip at ${at}`)]++;
      }
    }
    expect(counts.exact + counts.refused).toBe(2400);
    expect(counts.refused).toBeGreaterThan(1200);
    expect(counts.exact).toBeGreaterThan(50); // flips in fields strand ignores (times, extras, versions)
  });

  it('2400 mutations of data.pkl behind a recomputed CRC, and 1200 random opcode streams', () => {
    const rng = new Rng(77);
    let read = 0;
    let refused = 0;
    for (const name of FUZZED) {
      const original = file(`${name}.pt`);
      const z = readZip(original, 'pytorch');
      const entries = z.names.map((n): [string, Uint8Array] => [n, (z.read(n) as Uint8Array).slice()]);
      const pkl = entries.find(([n]) => n.endsWith('/data.pkl'))![1];
      const values = new Set<number>(Object.values(tensorsOf(name)).flatMap((t) => t.data.map(Math.fround)));
      const rebuilt = (p: Uint8Array) =>
        zip(entries.map(([n, d]): [string, Uint8Array] => [n, n.endsWith('/data.pkl') ? p : d]));
      for (let i = 0; i < 600; i++) {
        const p = pkl.slice();
        const k = 1 + rng.int(4);
        for (let j = 0; j < k; j++) {
          const at = rng.int(p.length);
          p[at] = i % 2 ? p[at] ^ (1 << rng.int(8)) : rng.int(256);
        }
        const cut = i % 5 === 0 ? rng.int(p.length) : p.length; // sometimes a cut too
        if (anyOutcome(rebuilt(p.subarray(0, cut)), values, `${name} mutation ${i}`) === 'read') read++;
        else refused++;
      }
    }
    // random streams of the opcodes strand reads (and some it does not), with random arguments
    const OPS = [
      0x28, 0x2e, 0x7d, 0x5d, 0x29, 0x74, 0x6c, 0x85, 0x86, 0x87, 0x64, 0x61, 0x65, 0x73, 0x75, 0x4a, 0x4b, 0x4d, 0x8a,
      0x47, 0x58, 0x8c, 0x8d, 0x4e, 0x88, 0x89, 0x71, 0x72, 0x94, 0x68, 0x6a, 0x63, 0x93, 0x52, 0x62, 0x51, 0x80, 0x95,
      0x30, 0x81,
    ];
    const values = new Set([0, 1, 2, 3, 4, 5]);
    for (let i = 0; i < 1200; i++) {
      const ops: number[] = [0x80, 2];
      const n = 1 + rng.int(60);
      for (let j = 0; j < n; j++) {
        ops.push(OPS[rng.int(OPS.length)]);
        const args = rng.int(4);
        for (let a = 0; a < args; a++) ops.push(rng.next() < 0.7 ? rng.int(8) : rng.int(256));
      }
      // now and then a well-formed fragment among the noise
      if (i % 4 === 0) ops.splice(2, 0, ...dictOf([['w', tensor({ numel: 6, size: [2, 3], stride: [1, 2] })]]));
      ops.push(STOP);
      if (anyOutcome(pt(Uint8Array.from(ops)), values, `stream ${i}`) === 'read') read++;
      else refused++;
    }
    expect(read + refused).toBe(3600);
    expect(refused).toBeGreaterThan(2000);
    expect(read).toBeGreaterThan(0);
  });

  it('random bytes, and random bytes in a zip, are refused', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from({ length: rng.int(400) }, () => rng.int(256));
      refusal(i % 2 ? bytes : pt(bytes));
    }
  });
});
