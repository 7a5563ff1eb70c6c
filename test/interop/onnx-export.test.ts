// exportOnnx against onnxruntime-web (its wasm backend, in Node): for every cell (LSTM, GRU with
// either reset form, RNN tanh / relu), 1 and 2 stacked layers, one direction or two (concat and
// sum), token or feature input, a head at every step or at the last, with and without
// sequence_lens and initial states, onnxruntime's output equals strand's predict.
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Dense,
  Dropout,
  Embedding,
  GRU,
  init,
  LSTM,
  OneHot,
  RNN,
  Rng,
  SequenceModel,
  type ModelLayer,
  type RecurrentLayer,
} from '../../src/index.ts';
import { exportOnnx, InteropError } from '../../src/interop/index.ts';

const V = 11;
const E = 5;
const H = 6;
const T = 5;
const B = 3;
const O = 4;
/** Two sets of valid lengths for the same session: a full one, an empty one, every length in between once. */
const LENGTHS = [
  [5, 2, 0],
  [1, 4, 3],
];

beforeAll(async () => {
  await init({ backend: 'wasm' });
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
});

type Cell = 'lstm' | 'gru' | 'gru-reset-before' | 'rnn-tanh' | 'rnn-relu';
type Directions = 'forward' | 'concat' | 'sum';

/** One recurrent layer of `cell` over I inputs. */
function recurrent(
  cell: Cell,
  I: number,
  numLayers: number,
  dirs: Directions,
  bias = true,
  hidden = H,
): RecurrentLayer {
  const o = { numLayers, bidirectional: dirs !== 'forward', merge: dirs === 'sum' ? 'sum' : 'concat', bias } as const;
  if (cell === 'lstm') return new LSTM(I, hidden, o);
  if (cell.startsWith('gru')) return new GRU(I, hidden, { ...o, resetAfter: cell === 'gru' });
  return new RNN(I, hidden, { ...o, nonlinearity: cell === 'rnn-relu' ? 'relu' : 'tanh' });
}

/** Every parameter (the embedding too) drawn from U(−1, 1) with a seeded generator: no two gates alike. */
function randomise(model: SequenceModel, seed: number): void {
  const rng = new Rng(seed);
  const dict = model.stateDict();
  for (const v of Object.values(dict)) for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-1, 1);
  model.loadStateDict(dict);
}

/** Input for the model: token ids (T·B) or features (T·B·I). */
function inputFor(model: SequenceModel, rng: Rng): Int32Array | Float32Array {
  if (model.embedding) return Int32Array.from({ length: T * B }, () => rng.int(V));
  return Float32Array.from({ length: T * B * model.inputSize }, () => rng.uniform(-1, 1));
}

/** Random initial states in SavedState's layout: h then c (empty unless LSTM) per recurrent layer. */
function statesFor(model: SequenceModel, rng: Rng): Float32Array[] {
  return model.recurrent.flatMap((r) => {
    const n = r.numLayers * r.directions * B * r.hiddenSize;
    const h = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
    const c = r.cell === 'lstm' ? Float32Array.from({ length: n }, () => rng.uniform(-1, 1)) : new Float32Array(0);
    return [h, c];
  });
}

/** strand's predict, from the given initial states (through restoreState and a stateful call) or zeros. */
function strandPredict(
  model: SequenceModel,
  input: ArrayLike<number>,
  lengths?: number[],
  states?: Float32Array[],
): Float32Array {
  if (!states) return model.predict(input, { seqLen: T, batch: B, lengths });
  model.restoreState({ batch: B, buffers: states });
  return model.predict(input, { seqLen: T, batch: B, lengths, stateful: true });
}

/** onnxruntime-web's `output` for an exported file's session and the same inputs. */
async function ortPredict(
  session: ort.InferenceSession,
  model: SequenceModel,
  input: Int32Array | Float32Array,
  lengths?: number[],
  states?: Float32Array[],
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const feeds: Record<string, ort.Tensor> = {
    input:
      input instanceof Int32Array
        ? new ort.Tensor('int64', BigInt64Array.from(input, BigInt), [T, B])
        : new ort.Tensor('float32', input, [T, B, model.inputSize]),
  };
  if (lengths) feeds.sequence_lens = new ort.Tensor('int32', Int32Array.from(lengths), [B]);
  states?.forEach((s, j) => {
    const r = model.recurrent[j >> 1];
    if (s.length > 0)
      feeds[`initial_${j & 1 ? 'c' : 'h'}_${j >> 1}`] = new ort.Tensor('float32', s, [
        r.numLayers * r.directions,
        B,
        r.hiddenSize,
      ]);
  });
  const { output } = await session.run(feeds);
  return { data: output.data as Float32Array, dims: output.dims };
}

/** The largest |a − b| / max(1, |b|). */
function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return w;
}

/**
 * Exports `model` with every combination of lengths and initial states (or the one `only` names)
 * and checks onnxruntime's output against predict's; returns the largest difference.
 */
async function checkAll(
  model: SequenceModel,
  seed: number,
  only?: { lengths: boolean; initialState: boolean },
): Promise<number> {
  const rng = new Rng(seed);
  const input = inputFor(model, rng);
  const states = statesFor(model, rng);
  let w = 0;
  for (const withLengths of only ? [only.lengths] : [false, true]) {
    for (const initial of only ? [only.initialState ? states : undefined] : [undefined, states]) {
      const bytes = exportOnnx(model, { lengths: withLengths, initialState: initial !== undefined });
      const session = await ort.InferenceSession.create(bytes);
      try {
        for (const lengths of withLengths ? LENGTHS : [undefined]) {
          const expected = strandPredict(model, input, lengths, initial);
          const got = await ortPredict(session, model, input, lengths, initial);
          expect(got.dims).toEqual(model.head.at === 'last' ? [B, model.outputSize] : [T, B, model.outputSize]);
          const d = worst(got.data, expected);
          expect(d, `lengths ${lengths}, initial state ${initial !== undefined}`).toBeLessThan(1e-5);
          w = Math.max(w, d);
          runs++;
        }
      } finally {
        await session.release();
      }
    }
  }
  return w;
}

let runs = 0;

const CELLS: Cell[] = ['lstm', 'gru', 'gru-reset-before', 'rnn-tanh', 'rnn-relu'];
const ARCHS = CELLS.flatMap((cell) =>
  [1, 2].flatMap((numLayers) =>
    (['forward', 'concat', 'sum'] as Directions[]).map((dirs) => ({ cell, numLayers, dirs })),
  ),
);

describe('exportOnnx: onnxruntime equals predict', () => {
  it.each(ARCHS)('$cell, $numLayers layer(s), $dirs', async ({ cell, numLayers, dirs }) => {
    let seed = 100;
    const before = runs;
    for (const tokens of [true, false]) {
      for (const at of ['every', 'last'] as const) {
        const r = recurrent(cell, tokens ? E : 3, numLayers, dirs);
        const width = r.outputSize;
        const layers = tokens ? [new Embedding(V, E), r] : [r];
        const model = new SequenceModel({ layers: [...layers, new Dense(width, O, { at })] });
        try {
          randomise(model, seed++);
          await checkAll(model, seed++);
        } finally {
          model.dispose();
        }
      }
    }
    // 4 models × (no lengths, two sets of lengths) × (zero, given initial states)
    expect(runs - before).toBe(24);
  });
});

describe('exportOnnx: whole stacks', () => {
  it('two recurrent layers with dropout, one-hot input, layers without bias, fixed dimensions', async () => {
    for (const at of ['every', 'last'] as const) {
      const lstm = new LSTM(V, H, { numLayers: 2, bidirectional: true, bias: false });
      const gru = new GRU(2 * H, H, { bidirectional: true, merge: 'sum', resetAfter: false });
      const layers = [
        new OneHot(V),
        new Dropout(0.3),
        lstm,
        new Dropout(0.5),
        gru,
        new Dense(H, O, { at, bias: false }),
      ];
      const model = new SequenceModel({ layers, output: 'sigmoid' });
      randomise(model, 7);
      expect(await checkAll(model, 8)).toBeLessThan(1e-5);
      // with T and B fixed the file runs those shapes only
      const session = await ort.InferenceSession.create(exportOnnx(model, { batch: B, seqLen: T }));
      try {
        const rng = new Rng(9);
        const ids = inputFor(model, rng) as Int32Array;
        const got = await ortPredict(session, model, ids);
        expect(worst(got.data, model.predict(ids, { seqLen: T, batch: B }))).toBeLessThan(1e-5);
        const wrong = new ort.Tensor('int64', new BigInt64Array(T * (B + 1)), [T, B + 1]);
        await expect(session.run({ input: wrong })).rejects.toThrow();
      } finally {
        await session.release();
        model.dispose();
      }
    }
  });

  it('the comparison tells swapped gates apart: the weights are asymmetric', async () => {
    for (const cell of ['lstm', 'gru'] as const) {
      const model = new SequenceModel({ layers: [recurrent(cell, 3, 1, 'concat'), new Dense(2 * H, O)] });
      randomise(model, 21);
      const bytes = exportOnnx(model);
      // swap PyTorch gate blocks 0 and 1 (LSTM i ↔ f, GRU r ↔ z) in every weight and bias
      const dict = model.stateDict();
      for (const [name, v] of Object.entries(dict)) {
        if (!name.startsWith('0.')) continue;
        const block = v.length / (cell === 'lstm' ? 4 : 3);
        const first = v.slice(0, block);
        v.copyWithin(0, block, 2 * block);
        v.set(first, block);
      }
      model.loadStateDict(dict);
      const rng = new Rng(22);
      const x = inputFor(model, rng);
      const session = await ort.InferenceSession.create(bytes);
      try {
        const got = await ortPredict(session, model, x);
        expect(worst(got.data, model.predict(x, { seqLen: T, batch: B }))).toBeGreaterThan(1e-2);
      } finally {
        await session.release();
      }
      model.dispose();
    }
  });

  it('random stacks (seeded): 40 models, each equal to predict', async () => {
    const rng = new Rng(2024);
    const dirs: Directions[] = ['forward', 'concat', 'sum'];
    let w = 0;
    for (let n = 0; n < 40; n++) {
      const layers: ModelLayer[] = [];
      const input = rng.int(3);
      let width = input === 2 ? 1 + rng.int(4) : input === 1 ? V : E;
      if (input === 0) layers.push(new Embedding(V, E));
      if (input === 1) layers.push(new OneHot(V));
      if (rng.next() < 0.3) layers.push(new Dropout(0.2));
      for (let i = 1 + rng.int(2); i > 0; i--) {
        const cell = CELLS[rng.int(CELLS.length)];
        const r = recurrent(cell, width, 1 + rng.int(2), dirs[rng.int(3)], rng.next() < 0.8, 1 + rng.int(7));
        layers.push(r);
        width = r.outputSize;
        if (rng.next() < 0.3) layers.push(new Dropout(0.5));
      }
      const at = rng.next() < 0.5 ? 'every' : 'last';
      layers.push(new Dense(width, 1 + rng.int(5), { at, bias: rng.next() < 0.8 }));
      const model = new SequenceModel({ layers, output: 'linear' });
      try {
        randomise(model, 3000 + n);
        const only = { lengths: rng.next() < 0.5, initialState: rng.next() < 0.5 };
        w = Math.max(w, await checkAll(model, 4000 + n, only));
      } finally {
        model.dispose();
      }
    }
    expect(w).toBeLessThan(1e-5);
  });
});

describe('exportOnnx: refusals', () => {
  it('refuses a disposed model or one with a disposed layer, and anything else, with an InteropError', () => {
    const lstm = new LSTM(3, H);
    const model = new SequenceModel({ layers: [lstm, new Dense(H, O)] });
    lstm.dispose();
    expect(() => exportOnnx(model)).toThrow(InteropError);
    model.dispose();
    const e = (() => {
      try {
        exportOnnx(model);
      } catch (error) {
        return error as InteropError;
      }
    })();
    expect(e).toBeInstanceOf(InteropError);
    expect(e?.format).toBe('onnx');
    expect(e?.field).toBe('model');
    expect(e?.message).toMatch(/disposed/);
    expect(() => exportOnnx({} as SequenceModel)).toThrow(InteropError);
    expect(() => exportOnnx(null as unknown as SequenceModel)).toThrow(InteropError);
  });

  it('checks its options', () => {
    const model = new SequenceModel({ layers: [new GRU(3, H), new Dense(H, O)] });
    expect(() => exportOnnx(model, { lenghts: true } as never)).toThrow(/did you mean 'lengths'/);
    expect(() => exportOnnx(model, { batch: 0 })).toThrow(RangeError);
    expect(() => exportOnnx(model, { seqLen: 2.5 })).toThrow(RangeError);
    expect(() => exportOnnx(model, { initialState: 1 } as never)).toThrow(TypeError);
    expect(() => exportOnnx(model, null as never)).toThrow(TypeError);
    model.dispose();
  });
});
