// Damaged safetensors files, seeded: every truncation, random byte flips in every part of the file,
// random header lengths and absurd header values. Each outcome is an InteropError or a result the
// file really describes (equal to the original where the damage cannot matter), never another
// error, and never more memory than a small multiple of the input.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, Dropout, Embedding, GRU, LSTM, SequenceModel, init } from '../../src/index.ts';
import { encodeFloats } from '../../src/interop/dtypes.ts';
import {
  InteropError,
  loadSafetensors,
  readSafetensors,
  saveSafetensors,
  type SafetensorsContents,
} from '../../src/interop/index.ts';
import { Rng } from '../../src/util/rng.ts';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

/** The call's result, or the InteropError it threw; any other error fails the test. */
function outcome<T>(run: () => T): T | InteropError {
  try {
    return run();
  } catch (error) {
    if (error instanceof InteropError) return error;
    throw error;
  }
}

/** A file of every dtype, a scalar and an empty tensor, in an order other than the offsets'. */
function mixedFile(): Uint8Array {
  const parts: Array<[string, 'F64' | 'F32' | 'F16' | 'BF16', number[], Float32Array]> = [
    ['half', 'F16', [2, 3], Float32Array.of(1, -2, 0.5, 1e-6, 65504, -0)],
    ['scalar', 'F32', [], Float32Array.of(Math.PI)],
    ['empty', 'F32', [0, 4], new Float32Array(0)],
    ['brain', 'BF16', [3], Float32Array.of(1e30, -1e-30, 3)],
    ['double', 'F64', [2], Float32Array.of(0.25, -7)],
  ];
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', about: 'mixed' } };
  const data: Uint8Array[] = [];
  let at = 0;
  for (const [name, dtype, shape, values] of parts) {
    const raw = encodeFloats(values, dtype);
    header[name] = { dtype, shape, data_offsets: [at, at + raw.length] };
    data.push(raw);
    at += raw.length;
  }
  const entries = Object.entries(header);
  const text = new TextEncoder().encode(
    JSON.stringify(Object.fromEntries([entries[0], ...entries.slice(1).reverse()])),
  );
  const n = Math.ceil(text.length / 8) * 8;
  const out = new Uint8Array(8 + n + at).fill(0x20, 8, 8 + n);
  new DataView(out.buffer).setUint32(0, n, true);
  out.set(text, 8);
  let p = 8 + n;
  for (const d of data) {
    out.set(d, p);
    p += d.length;
  }
  return out;
}

function savedModel(): SequenceModel {
  return new SequenceModel({
    layers: [
      new Embedding(7, 3, { seed: 1 }),
      new GRU(3, 4, { seed: 2 }),
      new Dropout(0.25, { seed: 3 }),
      new LSTM(4, 2, { seed: 4, bidirectional: true }),
      new Dense(4, 5, { seed: 5 }),
    ],
  });
}
const RENAME = { '0': 'embedding', '1': 'gru', '3': 'lstm', '4': 'fc' };

const originals = (): Array<[string, Uint8Array]> => {
  const model = savedModel();
  const saved = saveSafetensors(model, { rename: RENAME });
  model.dispose();
  const torch = new Uint8Array(
    readFileSync(new URL('../fixtures/interop/safetensors/lstm_F16.safetensors', import.meta.url)),
  );
  return [
    ['torch F16', torch],
    ['mixed dtypes', mixedFile()],
    ['strand export', saved],
  ];
};

/** The header length and where the header's JSON text ends (before its padding). */
function layout(bytes: Uint8Array): { n: number; textEnd: number } {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  let textEnd = 8 + n;
  while (bytes[textEnd - 1] === 0x20) textEnd--;
  return { n, textEnd };
}

/** Checks a successful read: consistent tensors, and no more float32 memory than twice the file. */
function checkRead(result: SafetensorsContents, bytes: Uint8Array): void {
  let floats = 0;
  for (const t of Object.values(result.tensors)) {
    expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
    floats += t.data.length;
  }
  expect(4 * floats).toBeLessThanOrEqual(2 * bytes.length);
}

/** names and shapes of a read */
const outline = (r: SafetensorsContents) => Object.entries(r.tensors).map(([name, t]) => [name, t.shape]);

describe('readSafetensors on damaged files', () => {
  let files: Array<[string, Uint8Array]> = [];
  beforeAll(() => {
    files = originals();
  });

  it('refuses every truncation of every original', () => {
    let count = 0;
    for (const [what, bytes] of files) {
      for (let len = 0; len < bytes.length; len++) {
        const r = outcome(() => readSafetensors(bytes.slice(0, len)));
        expect(r, `${what} cut at ${len}`).toBeInstanceOf(InteropError);
        count++;
      }
    }
    expect(count).toBeGreaterThan(3000);
  });

  it('random byte flips: the length field is refused; header, padding and data flips change nothing they may not', () => {
    const rng = new Rng(20261208);
    const counts = { length: 0, header: 0, padding: 0, data: 0, refused: 0, read: 0 };
    for (const [what, bytes] of files) {
      const original = readSafetensors(bytes);
      const { n, textEnd } = layout(bytes);
      for (let k = 0; k < 1500; k++) {
        const damaged = bytes.slice();
        // half of the flips hit the header, where the rules are
        const at = k % 2 === 0 ? 8 + rng.int(n) : rng.int(bytes.length);
        damaged[at] ^= 1 + rng.int(255);
        const r = outcome(() => readSafetensors(damaged));
        const where = `${what}: byte ${at} ^ ${damaged[at] ^ bytes[at]}`;
        if (r instanceof InteropError) counts.refused++;
        else {
          counts.read++;
          checkRead(r, damaged);
        }
        if (at < 8) {
          counts.length++;
          expect(r, where).toBeInstanceOf(InteropError);
        } else if (at < textEnd) {
          counts.header++;
          // a flip the rules let through changes a name or the metadata: shapes and values stay, in order
          if (!(r instanceof InteropError))
            expect(Object.values(r.tensors), where).toEqual(Object.values(original.tensors));
        } else if (at < 8 + n) {
          // JSON allows \t \n \r as well as spaces after the text
          counts.padding++;
          if (!(r instanceof InteropError)) expect(r, where).toEqual(original);
        } else {
          counts.data++;
          expect(r, where).not.toBeInstanceOf(InteropError);
          expect(outline(r as SafetensorsContents), where).toEqual(outline(original));
          expect((r as SafetensorsContents).metadata).toEqual(original.metadata);
        }
      }
    }
    console.log('byte flips (reads):', counts);
    expect(counts.length + counts.header + counts.padding + counts.data).toBe(4500);
    expect(Math.min(counts.length, counts.header, counts.padding, counts.data)).toBeGreaterThan(10);
    expect(counts.refused).toBeGreaterThan(1000);
  });

  it('random header lengths are refused unless they are the true one', () => {
    const rng = new Rng(7);
    let count = 0;
    for (const [what, bytes] of files) {
      const { n } = layout(bytes);
      for (let k = 0; k < 400; k++) {
        const damaged = bytes.slice();
        const view = new DataView(damaged.buffer);
        const choice = k % 4;
        const lo = choice === 0 ? rng.int(bytes.length + 16) : choice === 1 ? n + rng.int(17) - 8 : rng.int(2 ** 32);
        view.setUint32(0, lo >>> 0, true);
        view.setUint32(4, choice === 3 ? 1 + rng.int(2 ** 32 - 1) : 0, true);
        const r = outcome(() => readSafetensors(damaged));
        if (lo === n && choice !== 3) expect(r, `${what}: n = ${lo}`).toEqual(readSafetensors(bytes));
        else expect(r, `${what}: n = ${lo}`).toBeInstanceOf(InteropError);
        count++;
      }
    }
    expect(count).toBe(1200);
  });

  it('absurd header values (sizes, offsets, dtypes) are refused or read within the memory bound', () => {
    const rng = new Rng(99);
    const absurd = [-1, 0, 1, 2, 3, 7, 8, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 60, 1e300, -0, null, 'x', [], {}];
    let refused = 0;
    let read = 0;
    for (const [what, bytes] of files) {
      const { n, textEnd } = layout(bytes);
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, textEnd)));
      const names = Object.keys(header).filter((k) => k !== '__metadata__');
      for (let k = 0; k < 500; k++) {
        const h = structuredClone(header);
        const entry = h[names[rng.int(names.length)]];
        const value = absurd[rng.int(absurd.length)];
        const field = rng.int(5);
        if (field === 0) entry.shape[rng.int(entry.shape.length + 1)] = value;
        else if (field === 1) entry.shape = Array.from({ length: 1 + rng.int(40) }, () => value);
        else if (field === 2) entry.data_offsets[rng.int(2)] = value;
        else if (field === 3) entry.dtype = ['F32', 'F16', 'BF16', 'F64', 'I64', 'U8', ''][rng.int(7)];
        else entry.data_offsets = [value, value];
        const text = new TextEncoder().encode(JSON.stringify(h));
        const damaged = new Uint8Array(8 + text.length + bytes.length - 8 - n);
        new DataView(damaged.buffer).setUint32(0, text.length, true);
        damaged.set(text, 8);
        damaged.set(bytes.subarray(8 + n), 8 + text.length);
        const r = outcome(() => readSafetensors(damaged));
        if (r instanceof InteropError) refused++;
        else {
          read++;
          checkRead(r, damaged);
        }
      }
      expect(what).toBeTruthy();
    }
    console.log(`absurd header values: ${refused} refused, ${read} read`);
    expect(refused).toBeGreaterThan(1000);
  });
});

describe('loadSafetensors on damaged files', () => {
  it('every truncation is refused; random flips give an InteropError or the weights the file holds', () => {
    const model = savedModel();
    const bytes = saveSafetensors(model, { rename: RENAME });
    const configs = (m: SequenceModel) =>
      m.layers.map((l) => l.config()).map((c) => (c.type === 'dropout' ? { type: 'dropout' } : c));
    for (let len = 0; len < bytes.length; len++)
      expect(outcome(() => loadSafetensors(bytes.slice(0, len)))).toBeInstanceOf(InteropError);
    const rng = new Rng(4242);
    const { n, textEnd } = layout(bytes);
    const counts = { refused: 0, loaded: 0, headerLoaded: 0 };
    for (let k = 0; k < 1200; k++) {
      const damaged = bytes.slice();
      const at = k % 2 === 0 ? 8 + rng.int(textEnd - 8) : rng.int(bytes.length);
      damaged[at] ^= 1 + rng.int(255);
      const r = outcome(() => loadSafetensors(damaged));
      if (r instanceof InteropError) {
        counts.refused++;
        continue;
      }
      counts.loaded++;
      if (at < 8 + n) counts.headerLoaded++;
      // the loaded weights are exactly the file's tensors, under their original names
      const { tensors } = readSafetensors(damaged);
      const state = r.stateDict();
      for (const [name, data] of Object.entries(state)) {
        const [i, rest] = name.split('.');
        expect(data, `byte ${at}: ${name}`).toEqual(tensors[`${RENAME[i as '0']}.${rest}`].data);
      }
      expect(Object.keys(state).length).toBe(Object.keys(tensors).length);
      expect(configs(r), `byte ${at}`).toEqual(configs(model));
      r.dispose();
    }
    console.log('byte flips (loads):', counts);
    expect(counts.refused).toBeGreaterThan(300);
    expect(counts.loaded).toBeGreaterThan(150);
    model.dispose();
  });
});
