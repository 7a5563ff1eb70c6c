// The bad-input suite's fixture and runner: a world of live objects on one backend (layers, cells,
// models, an encoder–decoder, a vocabulary, a sampler's generator), a snapshot of everything they
// hold, and a table runner that makes each bad call and asserts that it throws the expected error
// type and message and that afterwards every object and both heaps are bit for bit as before.
// Page-safe: no Node imports (the suite also runs in Chromium).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import {
  Dense,
  Dropout,
  Embedding,
  EncoderDecoder,
  GRU,
  GRUCell,
  LSTM,
  LSTMCell,
  RNN,
  Rng,
  SequenceModel,
  Vocab,
  getBackend,
  gradcheck,
  init,
} from '../../src/index.ts';
import { jsBackend, randomArray, wasmBackend } from '../helpers/backends.ts';

/** Every live object a bad call could touch, all on {@link World.backend}. */
export interface World {
  /** The backend the objects live on. */
  backend: Backend;
  /** A two-layer LSTM that has run forward and backward (T 2, B 2). */
  lstm: LSTM;
  /** A bidirectional GRU that has run forward (T 2, B 2). */
  gru: GRU;
  /** A ReLU RNN that has never run. */
  rnn: RNN;
  /** An LSTM cell that has stepped once (B 1). */
  lstmCell: LSTMCell;
  /** A GRU cell that has stepped once (B 1). */
  gruCell: GRUCell;
  /** A standalone embedding (7, 4). */
  embedding: Embedding;
  /** A standalone dense layer (4 → 7). */
  dense: Dense;
  /**
   * A character language model (Embedding 7·4, Dropout, LSTM 4→5, Dense 5→7) carrying state for
   * B 2, with the gradients of {@link World.data}'s batch.
   */
  lm: SequenceModel;
  /** The dropout layer inside {@link lm}. */
  dropout: Dropout;
  /** A many-to-one regressor over 3 features (GRU 3→4, Dense 4→2 at the last step, linear). */
  regressor: SequenceModel;
  /** An encoder–decoder (source vocabulary 6, target 5, bos 0, eos 1). */
  encdec: EncoderDecoder;
  /** A character vocabulary. */
  vocab: Vocab;
  /** A sampler's generator. */
  rng: Rng;
  /** A sampler's scratch buffer (7 values). */
  scratch: Float64Array;
  /** Valid inputs to build bad calls from. */
  data: {
    /** LSTM / GRU / RNN input, (2, 2, 3). */
    x: Float32Array;
    /** Token ids for the language model, (2, 2) as the carried state's shape. */
    ids: Int32Array;
    /** The regressor's input, (4, 1, 3). */
    features: Float32Array;
    /** Source ids for the encoder–decoder, (3, 1). */
    source: Int32Array;
    /** Next-token logits over the language model's 7 tokens. */
    logits: number[];
    /** A training batch for gradcheck on the language model. */
    batch: { input: Int32Array; target: Int32Array; seqLen: number; batch: number };
  };
  /** Frees everything. */
  dispose(): void;
}

/** Builds the world on `backend`, each object past its first use (so no buffer is allocated lazily by a valid call later). */
export function buildWorld(backend: Backend): World {
  const x = randomArray(2 * 2 * 3, 1);
  const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 1, backend });
  lstm.forward(x, { seqLen: 2, batch: 2 });
  lstm.backward({ output: randomArray(2 * 2 * 4, 2) });
  const gru = new GRU(3, 4, { bidirectional: true, seed: 2, backend });
  gru.forward(x, { seqLen: 2, batch: 2 });
  const rnn = new RNN(3, 4, { nonlinearity: 'relu', seed: 3, backend });
  const lstmCell = new LSTMCell(3, 4, { seed: 4, backend });
  lstmCell.step(randomArray(3, 3), lstmCell.zeroState());
  const gruCell = new GRUCell(3, 4, { seed: 5, backend });
  gruCell.step(randomArray(3, 4), gruCell.zeroState());
  const embedding = new Embedding(7, 4, { seed: 6, backend });
  const dense = new Dense(4, 7, { seed: 7, backend });
  const dropout = new Dropout(0.25, { seed: 8 });
  const lm = new SequenceModel({
    layers: [
      new Embedding(7, 4, { seed: 9, backend }),
      dropout,
      new LSTM(4, 5, { seed: 10, backend }),
      new Dense(5, 7, { seed: 11, backend }),
    ],
  });
  const ids = Int32Array.from([3, 4, 5, 6]);
  const batch = { input: ids, target: Int32Array.from([4, 5, 6, 0]), seqLen: 2, batch: 2 };
  gradcheck(lm, batch, { samples: 2 }); // leaves the batch's gradients in the model
  lm.predict(ids, { batch: 2, stateful: true });
  const regressor = new SequenceModel({
    layers: [new GRU(3, 4, { seed: 12, backend }), new Dense(4, 2, { at: 'last', seed: 13, backend })],
    output: 'linear',
  });
  const features = randomArray(4 * 3, 14);
  regressor.predict(features);
  const encdec = new EncoderDecoder({
    sourceVocab: 6,
    targetVocab: 5,
    embed: 3,
    hidden: 4,
    bos: 0,
    eos: 1,
    seed: 15,
    backend,
  });
  const source = Int32Array.from([2, 3, 4]);
  encdec.greedy(source, { maxLength: 2 });
  const vocab = Vocab.fromText('hello world');
  const scratch = new Float64Array(7).fill(0.5);
  const objects = [lstm, gru, rnn, lstmCell, gruCell, embedding, dense, lm, regressor, encdec];
  return {
    backend,
    lstm,
    gru,
    rnn,
    lstmCell,
    gruCell,
    embedding,
    dense,
    lm,
    dropout,
    regressor,
    encdec,
    vocab,
    rng: new Rng(16),
    scratch,
    data: {
      x,
      ids,
      features,
      source,
      logits: [1, 0.5, -0.3, 2, 0, -1, 1.7],
      batch,
    },
    dispose: () => {
      for (const o of objects) o.dispose();
    },
  };
}

/** Float32 values as their bit patterns, so that the comparison is bit for bit (−0, NaN payloads). */
function bits(dict: Record<string, Float32Array>): Record<string, Uint32Array> {
  const out: Record<string, Uint32Array> = {};
  for (const [name, v] of Object.entries(dict)) out[name] = new Uint32Array(Float32Array.from(v).buffer);
  return out;
}

/** The allocation statistics and every byte of a backend's memory. */
function heapOf(backend: Backend): { stats: unknown; bytes: Uint8Array } {
  return { stats: backend.heap.stats(), bytes: new Uint8Array(backend.heap.all().buffer).slice() };
}

/** Everything the world's objects hold, and both heaps (the world's and the default backend's). */
interface Snapshot {
  values: Record<string, unknown>;
  heaps: Array<{ stats: unknown; bytes: Uint8Array }>;
  current: Backend;
}

function snapshot(w: World): Snapshot {
  const values: Record<string, unknown> = {};
  const layers = { lstm: w.lstm, gru: w.gru, rnn: w.rnn, lstmCell: w.lstmCell, gruCell: w.gruCell };
  for (const [name, layer] of Object.entries(layers)) {
    values[`${name}.params`] = bits(layer.stateDict());
    values[`${name}.grads`] = bits(layer.gradDict());
  }
  values['embedding.params'] = bits(w.embedding.stateDict());
  values['dense.params'] = bits(w.dense.stateDict());
  for (const name of ['lm', 'regressor'] as const) {
    values[`${name}.params`] = bits(w[name].stateDict());
    w[name].parameterSets().forEach((set, i) => {
      values[`${name}.${i}.grads`] = bits(set.gradDict());
    });
    const saved = w[name].saveState();
    values[`${name}.state`] = { batch: saved.batch, buffers: saved.buffers.map((b) => bits({ b }).b) };
  }
  w.encdec.parameterSets().forEach((set, i) => {
    values[`encdec.${i}.params`] = bits(set.stateDict());
    values[`encdec.${i}.grads`] = bits(set.gradDict());
  });
  values['dropout.rng'] = w.dropout.rng.snapshot();
  values.rng = w.rng.snapshot();
  values.scratch = Array.from(w.scratch);
  values.vocab = w.vocab.toJSON();
  const current = getBackend();
  return { values, heaps: [heapOf(w.backend), heapOf(current)], current };
}

/** The first byte offset where two memories differ (−1: none; the length when only the sizes differ). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function expectUnchanged(before: Snapshot, after: Snapshot): void {
  expect(after.current, 'the default backend changed').toBe(before.current);
  for (const [name, value] of Object.entries(before.values)) expect(after.values[name], name).toEqual(value);
  before.heaps.forEach((heap, i) => {
    const which = i === 0 ? "the world's heap" : "the default backend's heap";
    expect(after.heaps[i].stats, `${which}: allocation statistics`).toEqual(heap.stats);
    expect(firstDifference(after.heaps[i].bytes, heap.bytes), `${which}: first changed byte`).toBe(-1);
  });
}

/** Runs `call`, awaiting a returned promise; returns what it threw (undefined when nothing). */
async function caught(call: () => unknown): Promise<unknown> {
  try {
    const result = call();
    if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function')
      await result;
  } catch (error) {
    return error;
  }
  return undefined;
}

/** One bad call: what it is, and the error it must throw (exactly this class, a message matching). */
export interface BadCall {
  /** What the call gets wrong. */
  name: string;
  /** The call, on the world's objects (a returned promise is awaited: it must reject). */
  call: (w: World) => unknown;
  /** The error's class: `TypeError`, `RangeError` or `Error`. */
  type: new (
    message?: string,
  ) => Error;
  /** The error's message. */
  message: RegExp;
}

/** Shorthand for a {@link BadCall}. */
export function bad(
  name: string,
  type: new (message?: string) => Error,
  message: RegExp,
  call: (w: World) => unknown,
): BadCall {
  return { name, call, type, message };
}

const BACKENDS: ReadonlyArray<readonly [string, () => Promise<Backend>]> = [
  ['wasm', wasmBackend],
  ['js', async () => jsBackend()],
];

/**
 * Runs every case on a fresh world per backend (wasm, js): each must throw its error, and leave
 * every object of the world, the world's heap and the default backend's heap unchanged.
 */
export function runBadCalls(title: string, cases: readonly BadCall[]): void {
  const names = new Set(cases.map((c) => c.name));
  it(`${title}: the case names are distinct`, () => expect(names.size).toBe(cases.length));
  for (const [backendName, make] of BACKENDS) {
    describe(`${title} (${backendName} backend)`, () => {
      let world: World;
      beforeAll(async () => {
        await init({ backend: 'js' }); // the default backend: a call that fell through to it would show in its heap
        world = buildWorld(await make());
      });
      afterAll(() => world.dispose());
      it.each(cases)('$name', async ({ call, type, message }) => {
        const before = snapshot(world);
        const error = await caught(() => call(world));
        expect(error, 'the call did not throw').toBeInstanceOf(Error);
        expect((error as Error).constructor, (error as Error).message).toBe(type);
        expect((error as Error).message).toMatch(message);
        expectUnchanged(before, snapshot(world));
      });
    });
  }
}

/** A regular expression matching exactly `text` (no special characters). */
export function exact(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}
