// A table of hand-made hostile checkpoints, each with its CRC recomputed so that only the loader's
// own checks can catch it: huge sizes and layer counts, impossible numbers, tensors that do not fit,
// wrong types, broken structure. Each must be refused with strand's error and message, leave no
// block on the heap, and not grow the memory — on both backends.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { Dense, Dropout, Embedding, FormatError, GRU, LSTM, SequenceModel, Trainer } from '../../src/index.ts';
import { bothBackends } from '../helpers/backends.ts';
import { editHeader, joinContainer, splitContainer, withCrc } from '../io/checkpoint-mutator.ts';

// biome-ignore lint/suspicious/noExplicitAny: the tests edit parsed JSON headers freely
type Header = Record<string, any>;

let backends: Backend[];
/** Per backend: a model checkpoint of about 12 KB and a smaller one with dropout and a GRU. */
const files = new Map<Backend, { big: Uint8Array; small: Uint8Array; trainer: Uint8Array }>();

beforeAll(async () => {
  backends = await bothBackends();
  for (const backend of backends) {
    const o = { backend };
    const big = new SequenceModel({
      layers: [
        new Embedding(20, 16, { ...o, seed: 1 }),
        new LSTM(16, 16, { ...o, seed: 2 }),
        new Dense(16, 20, { ...o, seed: 3 }),
      ],
    });
    const small = new SequenceModel({
      layers: [
        new Embedding(6, 4, { ...o, seed: 4 }),
        new LSTM(4, 5, { ...o, seed: 5 }),
        new Dropout(0.1, { seed: 6 }),
        new GRU({ inputSize: 5, hiddenSize: 3, ...o, seed: 7 }),
        new Dense(3, 6, { ...o, seed: 8 }),
      ],
    });
    small.metadata = { note: 'hostile' };
    const trainer = new Trainer(small, { optimizer: { type: 'adam', lr: 0.01 } });
    files.set(backend, { big: big.save(), small: small.save(), trainer: trainer.save() });
    trainer.dispose();
    big.dispose();
    small.dispose();
  }
});

/** Moves one float from tensor `to`'s neighbour: tensor `a` declares one value more, tensor `b` one fewer. */
function shiftSize(a: number, b: number) {
  return (h: Header) => {
    h.tensors[a].size += 1;
    h.tensors[b].size -= 1;
  };
}

/** A file with an extra tensor `name` of `n` zeros appended. */
function withExtraTensor(bytes: Uint8Array, name: string, n: number): Uint8Array {
  const { json, body } = splitContainer(bytes);
  const header = JSON.parse(json) as Header;
  header.tensors.push({ name, size: n });
  const more = new Uint8Array(body.length + 4 * n);
  more.set(body);
  return joinContainer(JSON.stringify(header), more);
}

/** A file whose float number `index` (from the first tensor byte) is `value`. */
function withValue(bytes: Uint8Array, index: number, value: number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  view.setFloat32(12 + view.getUint32(8, true) + 4 * index, value, true);
  return withCrc(out);
}

/** A file with the u32 at `offset` replaced. */
function withU32(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(offset, value, true);
  return withCrc(out);
}

/** A file whose header text is `text` (tensors kept). */
function withHeaderText(bytes: Uint8Array, edit: (json: string) => string): Uint8Array {
  const { json, body } = splitContainer(bytes);
  return joinContainer(edit(json), body);
}

type Make = (f: { big: Uint8Array; small: Uint8Array; trainer: Uint8Array }) => Uint8Array;
const big =
  (edit: (h: Header) => unknown): Make =>
  (f) =>
    editHeader(f.big, edit);
const small =
  (edit: (h: Header) => unknown): Make =>
  (f) =>
    editHeader(f.small, edit);

/**
 * [what, file, error name, message (after 'SequenceModel.load: '), part, field or offset].
 * The big file's layers: 0 embedding (20, 16), 1 lstm (16 → 16), 2 dense (16 → 20).
 * The small file's: 0 embedding (6, 4), 1 lstm (4 → 5), 2 dropout, 3 gru (5 → 3), 4 dense (3 → 6).
 */
const CASES: Array<[string, Make, string, RegExp, string?, (string | number)?]> = [
  // sizes far above the tensors present: refused by arithmetic, before anything is built
  [
    'a 12 KB file whose header says hiddenSize 4096 (stack kept consistent)',
    big((h) => {
      h.model.layers[1].hiddenSize = 4096;
      h.model.layers[2].inFeatures = 4096;
    }),
    'FormatError',
    /^the checkpoint's tensors do not fit its model \(tensors: expected 67486036 values in the model tensors \(as the header field model declares\), found 2836\)$/,
    'tensors',
  ],
  [
    'hiddenSize 4096 alone (the head no longer fits)',
    big((h) => {
      h.model.layers[1].hiddenSize = 4096;
    }),
    'FormatError',
    /^the checkpoint's model is invalid \(header field model\.layers\[2\]\.inFeatures: expected 4096 \(the output size of model\.layers\[1\]\), found 16\)$/,
    'header',
    'model.layers[2].inFeatures',
  ],
  [
    'numLayers 100000',
    big((h) => {
      h.model.layers[1].numLayers = 100000;
    }),
    'FormatError',
    /header field model\.layers\[1\]\.numLayers: expected an integer ≥ 1 and ≤ 1024, found 100000\)$/,
    'header',
    'model.layers[1].numLayers',
  ],
  [
    'numLayers 1024 (within the limit, far above the tensors)',
    big((h) => {
      h.model.layers[1].numLayers = 1024;
    }),
    'FormatError',
    /tensors do not fit its model \(tensors: expected 4099 model tensors \(as the header field model declares\), found 7\)$/,
    'tensors',
  ],
  [
    'a size of 2^24 + 1',
    big((h) => {
      h.model.layers[0].numEmbeddings = 2 ** 24 + 1;
    }),
    'FormatError',
    /numEmbeddings: expected an integer ≥ 1 and ≤ 16777216, found 16777217\)$/,
  ],
  [
    'a size of 1e308',
    big((h) => {
      h.model.layers[2].outFeatures = 1e308;
    }),
    'FormatError',
    /outFeatures: expected an integer ≥ 1 and ≤ 16777216, found 1e\+308\)$/,
  ],
  [
    'a negative size',
    big((h) => {
      h.model.layers[1].hiddenSize = -16;
    }),
    'FormatError',
    /hiddenSize: expected an integer ≥ 1 and ≤ 16777216, found -16\)$/,
  ],
  [
    'a zero size',
    big((h) => {
      h.model.layers[0].embeddingDim = 0;
    }),
    'FormatError',
    /embeddingDim: expected an integer ≥ 1 .*, found 0\)$/,
  ],
  [
    'a fractional size',
    big((h) => {
      h.model.layers[1].inputSize = 15.5;
    }),
    'FormatError',
    /inputSize: expected an integer ≥ 1 .*, found 15\.5\)$/,
  ],
  [
    'a NaN size (null in JSON)',
    big((h) => {
      h.model.layers[1].hiddenSize = null;
    }),
    'FormatError',
    /hiddenSize: expected an integer ≥ 1 .*, found null\)$/,
  ],
  [
    'a size as a string',
    big((h) => {
      h.model.layers[1].hiddenSize = '16';
    }),
    'FormatError',
    /hiddenSize: expected an integer ≥ 1 .*, found "16"\)$/,
  ],
  [
    'a missing size',
    big((h) => {
      delete h.model.layers[2].outFeatures;
    }),
    'FormatError',
    /model\.layers\[2\]\.outFeatures: expected an integer .*, found undefined\)$/,
  ],
  // wrong types and values
  [
    'bias as a string',
    big((h) => {
      h.model.layers[1].bias = 'no';
    }),
    'FormatError',
    /model\.layers\[1\]\.bias: expected true or false, found "no"\)$/,
  ],
  [
    'bidirectional as 1',
    big((h) => {
      h.model.layers[1].bidirectional = 1;
    }),
    'FormatError',
    /bidirectional: expected true or false, found 1\)$/,
  ],
  [
    'an unknown layer type',
    big((h) => {
      h.model.layers[1].type = 'LSTM';
    }),
    'FormatError',
    /model\.layers\[1\]\.type: expected a layer type \(embedding, onehot, dense, dropout, rnn, lstm, gru\), found "LSTM"\)$/,
  ],
  [
    'a misspelt field',
    big((h) => {
      h.model.layers[1].hiddenSiz = 16;
    }),
    'FormatError',
    /model\.layers\[1\]\.hiddenSiz: expected only the fields type, inputSize, hiddenSize, numLayers, bidirectional, bias, merge, found an unknown field \(did you mean 'hiddenSize'\?\)\)$/,
  ],
  [
    'a field of another cell',
    big((h) => {
      h.model.layers[1].resetAfter = true;
    }),
    'FormatError',
    /model\.layers\[1\]\.resetAfter: expected only the fields .*, found an unknown field\)$/,
  ],
  [
    'a bad merge',
    big((h) => {
      h.model.layers[1].merge = 'avg';
    }),
    'FormatError',
    /merge: expected 'concat' or 'sum', found "avg"\)$/,
  ],
  [
    'a bad head position',
    big((h) => {
      h.model.layers[2].at = 'first';
    }),
    'FormatError',
    /model\.layers\[2\]\.at: expected 'every' or 'last', found "first"\)$/,
  ],
  [
    'a bad output',
    big((h) => {
      h.model.output = 'softmax2';
    }),
    'FormatError',
    /model\.output: expected 'softmax', 'sigmoid' or 'linear', found "softmax2"\)$/,
  ],
  [
    'dropout p of 1',
    small((h) => {
      h.model.layers[2].p = 1;
    }),
    'FormatError',
    /model\.layers\[2\]\.p: expected a finite number ≥ 0 and ≤ 0\.99999994\d*, found 1\)$/,
  ],
  [
    'dropout p that rounds to 1 in float32',
    small((h) => {
      h.model.layers[2].p = 0.99999999;
    }),
    'FormatError',
    /\.p: expected .*, found 0\.99999999\)$/,
  ],
  [
    'dropout p below 0',
    small((h) => {
      h.model.layers[2].p = -0.1;
    }),
    'FormatError',
    /\.p: expected .*, found -0\.1\)$/,
  ],
  [
    'a layer that is not an object',
    big((h) => {
      h.model.layers[1] = 'lstm';
    }),
    'FormatError',
    /header field model\.layers\[1\]: expected an object, found "lstm"\)$/,
  ],
  [
    'no model',
    big((h) => {
      delete h.model;
    }),
    'FormatError',
    /header field model: expected an object, found undefined\)$/,
  ],
  [
    'a model that is null',
    big((h) => {
      h.model = null;
    }),
    'FormatError',
    /header field model: expected an object, found null\)$/,
  ],
  [
    'layers as an object',
    big((h) => {
      h.model.layers = {};
    }),
    'FormatError',
    /model\.layers: expected an array of 2 to 1024 layer configurations, found an object\)$/,
  ],
  [
    'an unknown model field',
    big((h) => {
      h.model.extra = 1;
    }),
    'FormatError',
    /model\.extra: expected only the fields output, layers, found an unknown field\)$/,
  ],
  // the stack
  [
    'a stack without a recurrent layer',
    big((h) => void h.model.layers.splice(1, 1)),
    'FormatError',
    /model\.layers\[1\]\.type: expected 'rnn', 'lstm' or 'gru' \(the stack is .*\), found "dense"\)$/,
  ],
  [
    'a stack without a head',
    big((h) => void h.model.layers.pop()),
    'FormatError',
    /model\.layers\[1\]\.type: expected 'dense' .*, found "lstm"\)$/,
  ],
  [
    'a layer after the head',
    small((h) => void h.model.layers.push({ type: 'dropout', p: 0.1 })),
    'FormatError',
    /model\.layers\[5\]\.type: expected no layer after the dense head .*, found "dropout"\)$/,
  ],
  [
    'an embedding in the middle',
    big((h) => void h.model.layers.splice(2, 0, h.model.layers[0])),
    'FormatError',
    /model\.layers\[2\]\.type: expected 'dense' .*, found "embedding"\)$/,
  ],
  [
    'inputs that do not chain',
    small((h) => {
      h.model.layers[3].inputSize = 4;
    }),
    'FormatError',
    /model\.layers\[3\]\.inputSize: expected 5 \(the output size of model\.layers\[1\]\), found 4\)$/,
  ],
  [
    'a one-hot table that is not square',
    big((h) => {
      h.model.layers[0].type = 'onehot';
    }),
    'FormatError',
    /model\.layers\[0\]\.embeddingDim: expected 20, equal to numEmbeddings \(a one-hot table is square\), found 16\)$/,
  ],
  // tensors against the model
  [
    'a tensor one value longer, its neighbour one shorter',
    (f) => editHeader(f.big, shiftSize(1, 2)),
    'FormatError',
    /tensors do not fit its model \(header field tensors\[1\]\.size: expected 1024 values for 'model\.1\.weight_ih_l0' of shape \[64, 16\], found 1025\)$/,
    'header',
    'tensors[1].size',
  ],
  [
    'a missing tensor (renamed)',
    big((h) => {
      h.tensors[4].name = 'model.1.bias_hh_l9';
    }),
    'FormatError',
    /tensors do not fit its model \(tensors: expected a tensor 'model\.1\.bias_hh_l0' of shape \[64\] \(model\.layers\[1\] is lstm\), found no tensor of that name\)$/,
  ],
  [
    'an extra model tensor',
    (f) => withExtraTensor(f.big, 'model.9.weight', 3),
    'FormatError',
    /expected 7 model tensors \(as the header field model declares\), found 8\)$/,
  ],
  [
    'a tensor removed with its bytes',
    big((h) => {
      h.model.layers[2].bias = false;
    }),
    'FormatError',
    /expected 6 model tensors .*, found 7\)$/,
  ],
  [
    'a duplicate tensor name',
    big((h) => {
      h.tensors[2].name = h.tensors[1].name;
    }),
    'FormatError',
    /tensor list is invalid \(header field tensors\[2\]\.name: expected a name not already used \(by tensors\[1\]\), found "model\.1\.weight_ih_l0"\)$/,
  ],
  [
    'a negative tensor size',
    big((h) => {
      h.tensors[0].size = -1;
    }),
    'FormatError',
    /header field tensors\[0\]\.size: expected an integer from 0 to \d+ .*, found -1\)$/,
  ],
  [
    'a fractional tensor size',
    big((h) => {
      h.tensors[0].size = 0.5;
    }),
    'FormatError',
    /tensors\[0\]\.size: expected an integer .*, found 0\.5\)$/,
  ],
  [
    'a huge tensor size',
    big((h) => {
      h.tensors[0].size = 2 ** 40;
    }),
    'FormatError',
    /tensors\[0\]\.size: expected an integer from 0 to \d+ \(the floats the file could hold\), found 1099511627776\)$/,
  ],
  [
    'a tensor without a name',
    big((h) => {
      delete h.tensors[0].name;
    }),
    'FormatError',
    /tensors\[0\]\.name: expected a non-empty string, found undefined\)$/,
  ],
  [
    'a tensor named by a number',
    big((h) => {
      h.tensors[0].name = 7;
    }),
    'FormatError',
    /tensors\[0\]\.name: expected a non-empty string, found 7\)$/,
  ],
  [
    'a tensor entry that is null',
    big((h) => {
      h.tensors[0] = null;
    }),
    'FormatError',
    /tensors\[0\]: expected an object \{ name, size \}, found null\)$/,
  ],
  [
    'a tensor entry with an extra field',
    big((h) => {
      h.tensors[0].shape = [20, 16];
    }),
    'FormatError',
    /tensors\[0\]\.shape: expected only the fields name and size, found Array\(2\)\)$/,
  ],
  [
    'no tensor list',
    big((h) => {
      delete h.tensors;
    }),
    'FormatError',
    /header field tensors: expected an array of \{ name, size \}, found undefined\)$/,
  ],
  [
    'a NaN weight',
    (f) => withValue(f.big, 5, Number.NaN),
    'FormatError',
    /holds a value that is not finite \(tensors at byte \d+: expected finite float32 values in tensor 'model\.0\.weight' \(from byte \d+\), found NaN at index 5\)$/,
    'tensors',
  ],
  [
    'an infinite weight',
    (f) => withValue(f.big, 400, Number.NEGATIVE_INFINITY),
    'FormatError',
    /found -Infinity at index 80\)$/,
  ],
  // dropout positions and metadata
  [
    'no dropout positions',
    small((h) => {
      delete h.dropout;
    }),
    'FormatError',
    /header field dropout: expected an array of 1 generator positions \(one per dropout layer\), found undefined\)$/,
  ],
  [
    'too many dropout positions',
    small((h) => void h.dropout.push([1, null])),
    'FormatError',
    /header field dropout: expected an array of 1 .*, found Array\(2\)\)$/,
  ],
  [
    'a dropout position as a string',
    small((h) => {
      h.dropout[0][0] = '1';
    }),
    'FormatError',
    /dropout\[0\]\[0\]: expected an integer ≥ -2147483648 and ≤ 4294967295, found "1"\)$/,
  ],
  [
    'a dropout spare as a string',
    small((h) => {
      h.dropout[0][1] = 'x';
    }),
    'FormatError',
    /dropout\[0\]\[1\]: expected a finite number or null, found "x"\)$/,
  ],
  [
    'metadata as an array',
    small((h) => {
      h.metadata = [];
    }),
    'FormatError',
    /header field metadata: expected an object, found Array\(0\)\)$/,
  ],
  [
    'no metadata',
    small((h) => {
      delete h.metadata;
    }),
    'FormatError',
    /header field metadata: expected an object, found undefined\)$/,
  ],
  // the container
  [
    'truncated header JSON',
    (f) => withHeaderText(f.big, (j) => j.slice(0, j.length - 9)),
    'FormatError',
    /^the checkpoint header is corrupted \(header at byte 12: expected JSON text, found malformed JSON\)$/,
    'header',
    12,
  ],
  [
    'a header that is an array',
    (f) => withHeaderText(f.big, () => '[1, 2]'),
    'FormatError',
    /header at byte 12: expected a JSON object, found Array\(2\)\)$/,
  ],
  [
    'a header that is null',
    (f) => withHeaderText(f.big, () => 'null'),
    'FormatError',
    /header at byte 12: expected a JSON object, found null\)$/,
  ],
  [
    'NaN in the header',
    (f) => withHeaderText(f.big, (j) => j.replace('"hiddenSize":16', '"hiddenSize":NaN')),
    'FormatError',
    /expected JSON text, found malformed JSON\)$/,
  ],
  [
    'a header nested 10,000 deep',
    (f) => withHeaderText(f.big, (j) => j.replace(/}$/, `,"deep":${'['.repeat(10000)}${']'.repeat(10000)}}`)),
    'FormatError',
    /header at byte \d+: expected JSON nested at most 64 levels deep, found deeper nesting\)$/,
  ],
  [
    'a header that is not UTF-8',
    (f) => {
      const { json, body } = splitContainer(f.big);
      const out = joinContainer(json, body);
      out[20] = 0xff;
      return withCrc(out);
    },
    'FormatError',
    /header at byte 12: expected UTF-8 text, found bytes that are not UTF-8\)$/,
  ],
  [
    'a header size of 0xffffffff',
    (f) => withU32(f.big, 8, 0xffffffff),
    'FormatError',
    /^the header size is impossible \(header size at byte 8: expected a multiple of 4 of at most \d+ bytes \(the file has \d+\), found 4294967295 bytes\)$/,
    'header size',
    8,
  ],
  [
    'a header size past the end',
    (f) => withU32(f.big, 8, f.big.length),
    'FormatError',
    /^the checkpoint is truncated \(header size at byte 8: /,
  ],
  [
    'a header size not a multiple of 4',
    (f) => withU32(f.big, 8, 101),
    'FormatError',
    /^the header size is impossible .*found 101 bytes\)$/,
  ],
  [
    'version 2',
    (f) => withU32(f.big, 4, 2),
    'FormatError',
    /^checkpoint format version 2 is not supported \(version at byte 4: expected version 1, found version 2\)$/,
    'version',
    4,
  ],
  [
    'a foreign file',
    () => new TextEncoder().encode('{"not": "a checkpoint"}'),
    'FormatError',
    /^not a strand checkpoint \(magic at byte 0: expected "STRD", found "\{\\"no"\)$/,
    'magic',
    0,
  ],
  ['an empty file', () => new Uint8Array(0), 'FormatError', /^not a strand checkpoint .*found ""\)$/],
  [
    'twelve bytes',
    (f) => f.big.slice(0, 12),
    'FormatError',
    /^the checkpoint is truncated \(file: expected at least 16 bytes .*, found 12 bytes\)$/,
    'file',
  ],
  [
    'a flipped bit with the CRC left alone',
    (f) => {
      const out = f.big.slice();
      out[out.length - 40] ^= 1;
      return out;
    },
    'FormatError',
    /^checksum mismatch: the checkpoint is corrupted \(checksum at byte \d+: expected CRC-32 0x[0-9a-f]{8} of the bytes before it, found 0x[0-9a-f]{8}\)$/,
    'checksum',
  ],
];

/** Loads, expecting a refusal; returns the error. */
function refusal(load: () => unknown): Error {
  try {
    load();
  } catch (error) {
    return error as Error;
  }
  throw new Error('the file was accepted');
}

describe('hostile checkpoints are refused before memory is touched', () => {
  it.each(CASES)('%s', (_, make, name, message, part, at) => {
    for (const backend of backends) {
      const bytes = make(files.get(backend)!);
      const before = backend.heap.stats();
      const error = refusal(() => SequenceModel.load(bytes, { backend }));
      const after = backend.heap.stats();
      expect(error.name, error.message).toBe(name);
      expect(error.message.startsWith('SequenceModel.load: '), error.message).toBe(true);
      expect(error.message.slice('SequenceModel.load: '.length)).toMatch(message);
      if (name === 'FormatError') {
        expect(error).toBeInstanceOf(FormatError);
        const f = error as FormatError;
        if (part !== undefined) expect(f.part).toBe(part);
        if (typeof at === 'string') expect(f.field).toBe(at);
        if (typeof at === 'number') expect(f.offset).toBe(at);
        expect(f.expected.length).toBeGreaterThan(0);
        expect(f.found.length).toBeGreaterThan(0);
      }
      // nothing allocated, nothing left, the memory did not grow
      expect(after.memoryBytes).toBe(before.memoryBytes);
      expect(after.peakBytes).toBe(before.peakBytes);
      expect(after.blocks).toBe(before.blocks);
      expect(after.bytesInUse).toBe(before.bytesInUse);
    }
  });

  it('a model larger than maxParameters is refused with a RangeError, before anything is built', () => {
    for (const backend of backends) {
      const bytes = files.get(backend)!.big;
      const before = backend.heap.stats();
      expect(() => SequenceModel.load(bytes, { backend, maxParameters: 2835 })).toThrow(
        /^SequenceModel\.load: the checkpoint's model has 2836 parameter values, above maxParameters = 2835 \(pass a larger options\.maxParameters to load it\)$/,
      );
      expect(() => SequenceModel.load(bytes, { backend, maxBytes: bytes.length - 1 })).toThrow(
        new RegExp(
          `^SequenceModel\\.load: the file is ${bytes.length} bytes, above maxBytes = ${bytes.length - 1} \\(pass a larger options\\.maxBytes to load it\\)$`,
        ),
      );
      expect(refusal(() => SequenceModel.load(bytes, { backend, maxParameters: 2835 }))).toBeInstanceOf(RangeError);
      expect(backend.heap.stats()).toEqual(before);
      // at the limits exactly, it loads
      const model = SequenceModel.load(bytes, { backend, maxParameters: 2836, maxBytes: bytes.length });
      expect(model.parameterCount()).toBe(2836);
      model.dispose();
    }
  });

  it('a load the memory cannot hold is refused before anything is built, and leaves nothing', async () => {
    // a model of about 1.2 MB of parameters, saved elsewhere, loaded on fresh backends whose memory
    // may grow by a few pages at most: every load either fits or is refused, never half-built
    const source = backends[0];
    const o = { backend: source };
    const model = new SequenceModel({
      layers: [
        new Embedding(1000, 64, { ...o, seed: 1 }),
        new LSTM(64, 128, { ...o, seed: 2 }),
        new Dense(128, 1000, { ...o, seed: 3 }),
      ],
    });
    const bytes = model.save();
    model.dispose();
    for (const backend of await bothBackends()) {
      const heap = backend.heap;
      const memory = (heap as unknown as { memory: { grow(pages: number): number; buffer: ArrayBuffer } }).memory;
      const grow = memory.grow;
      const start = memory.buffer.byteLength;
      let loaded = false;
      try {
        for (let pages = 0; !loaded; pages += 8) {
          const cap = start + pages * 65536;
          memory.grow = (n: number): number => {
            if (memory.buffer.byteLength + n * 65536 > cap)
              throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
            return grow.call(memory, n);
          };
          const before = heap.stats();
          try {
            SequenceModel.load(bytes, { backend }).dispose();
            loaded = true;
          } catch (error) {
            expect(error).toBeInstanceOf(RangeError);
            expect((error as Error).message).toMatch(
              /^SequenceModel\.load: the backend's memory could not grow to hold the checkpoint's model \(292328 parameter values, 2338688 bytes with gradients\)$/,
            );
          }
          expect(heap.stats().blocks, `memory capped ${pages} pages above the start`).toBe(before.blocks);
          expect(heap.stats().bytesInUse).toBe(before.bytesInUse);
        }
      } finally {
        memory.grow = grow;
      }
    }
  });

  it('load options are checked: unknown keys, types and ranges', () => {
    const bytes = files.get(backends[0])!.big;
    expect(() => SequenceModel.load(bytes, { maxParameter: 10 } as never)).toThrow(
      /^SequenceModel\.load: unknown option options\.maxParameter \(did you mean 'maxParameters'\?\); valid options: backend, maxBytes, maxParameters$/,
    );
    expect(() => SequenceModel.load(bytes, { backend: 'wasm' } as never)).toThrow(
      /^SequenceModel\.load: options\.backend must be a Backend from init\(\) or createBackend\(\), received "wasm"$/,
    );
    expect(() => SequenceModel.load(bytes, { maxBytes: -1 })).toThrow(RangeError);
    expect(() => SequenceModel.load(bytes, { maxParameters: 1.5 })).toThrow(
      /options\.maxParameters must be an integer ≥ 1, received 1\.5/,
    );
    expect(() => SequenceModel.load(bytes, { maxBytes: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => SequenceModel.load(bytes, null as never)).toThrow(
      /^SequenceModel\.load: options must be an object, received null$/,
    );
    expect(() => SequenceModel.load('abc' as never)).toThrow(TypeError);
  });

  it("a trainer's checkpoint loads as a model (its optimizer tensors are the trainer's), and so does every original", () => {
    for (const backend of backends) {
      const f = files.get(backend)!;
      for (const bytes of [f.big, f.small, f.trainer]) {
        const before = backend.heap.stats().blocks;
        const model = SequenceModel.load(bytes, { backend });
        expect(model.predict([1, 2, 3], { seqLen: 3 }).every(Number.isFinite)).toBe(true);
        model.dispose();
        expect(backend.heap.stats().blocks).toBe(before);
      }
    }
  });

  it('the same damage through Trainer.load is refused with the same message', () => {
    const backend = backends[0];
    const bytes = editHeader(files.get(backend)!.trainer, (h: Header) => {
      h.model.layers[1].hiddenSize = 4096;
    });
    const before = backend.heap.stats();
    expect(() => Trainer.load(bytes, { backend })).toThrow(
      /^Trainer\.load: the checkpoint's model is invalid \(header field model\.layers\[3\]\.inputSize: expected 4096 \(the output size of model\.layers\[1\]\), found 5\)$/,
    );
    expect(backend.heap.stats()).toEqual(before);
  });
});
