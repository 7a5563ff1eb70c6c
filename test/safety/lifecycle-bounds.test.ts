// Every heap write is bounds-checked against the object that owns it, before anything is written:
// a saved state, a state dict or a cell state of the wrong size (or from another architecture) is
// refused with strand's own message, and the whole memory — the model itself and the model that
// lives next to it — is bit-identical afterwards.
import { describe, expect, it } from 'vitest';
import {
  Dense,
  Embedding,
  GRU,
  LSTM,
  LSTMCell,
  RecurrentState,
  SequenceModel,
  type Backend,
  type SavedState,
} from '../../src/index.ts';
import { jsBackend, wasmBackend } from '../helpers/backends.ts';

/** Embedding → LSTM (2 layers) → GRU → Dense: four state buffers, h and c of the LSTM, h and (empty) c of the GRU. */
function stacked(backend: Backend, hidden = 4): SequenceModel {
  return new SequenceModel({
    layers: [
      new Embedding(5, 3, { seed: 1, backend }),
      new LSTM({ inputSize: 3, hiddenSize: hidden, numLayers: 2, seed: 2, backend }),
      new GRU({ inputSize: hidden, hiddenSize: 3, seed: 3, backend }),
      new Dense(3, 5, { seed: 4, backend }),
    ],
  });
}

function snapshot(backend: Backend): Int32Array {
  return new Int32Array(backend.heap.all().buffer.slice(0));
}

function expectSameMemory(backend: Backend, before: Int32Array): void {
  const now = new Int32Array(backend.heap.all().buffer);
  expect(now.length).toBe(before.length);
  let first = -1;
  for (let i = 0; i < now.length && first < 0; i++) if (now[i] !== before[i]) first = i;
  expect(first, 'first changed word of memory').toBe(-1);
}

for (const [backendName, make] of [
  ['wasm', wasmBackend],
  ['js', async () => jsBackend()],
] as const) {
  describe(`bounds of every heap write (${backendName})`, () => {
    it('restoreState refuses a wrong batch, buffer count, length or architecture; nothing is written', async () => {
      const backend = await make();
      const model = stacked(backend);
      model.predict(Int32Array.from([1, 2, 3, 4]), { batch: 2, stateful: true });
      // allocated after the model's state: the neighbour an unchecked write would overwrite
      const neighbour = stacked(backend);
      const other = stacked(backend, 5);
      other.resetState(2);
      const good = model.saveState();
      const [h1, c1, h2, c2] = good.buffers;
      const longer = new Float32Array(h1.length + 10_000).fill(7);
      const cases: Array<[string, unknown, string | RegExp]> = [
        [
          'null',
          null,
          /SequenceModel.restoreState: saved must be a SavedState \{ batch, buffers \} from saveState\(\), received null/,
        ],
        ['a number', 3, /saved must be a SavedState .* received 3/],
        ['negative batch', { batch: -1, buffers: good.buffers }, 'batch must be a non-negative integer, received -1'],
        ['fractional batch', { batch: 1.5, buffers: good.buffers }, 'received 1.5'],
        ['NaN batch', { batch: Number.NaN, buffers: good.buffers }, 'received NaN'],
        ['string batch', { batch: '2', buffers: good.buffers }, 'received "2"'],
        [
          'no buffers',
          { batch: 2 },
          'buffers must be an array of 4 state buffers (h and c of each of the 2 recurrent layers), received undefined',
        ],
        ['too few buffers', { batch: 2, buffers: [h1, c1, h2] }, 'received Array(3)'],
        ['too many buffers', { batch: 2, buffers: [...good.buffers, h1] }, 'received Array(5)'],
        [
          'h too long',
          { batch: 2, buffers: [longer, c1, h2, c2] },
          /buffers\[0\] \(layer 0 h\) must have numLayers·directions·batch·hiddenSize = 2·1·2·4 = 16 values, received 10016/,
        ],
        ['h too short', { batch: 2, buffers: [h1.subarray(1), c1, h2, c2] }, 'received 15'],
        [
          'c too long',
          { batch: 2, buffers: [h1, longer, h2, c2] },
          /buffers\[1\] \(layer 0 c\) must have .* = 16 values, received 10016/,
        ],
        [
          'a GRU c',
          { batch: 2, buffers: [h1, c1, h2, h2] },
          /buffers\[3\] \(layer 1 c\) must be empty \(a GRU layer has no cell state\), received Float32Array\(6\)/,
        ],
        [
          'not an array',
          { batch: 2, buffers: [h1, c1, 5, c2] },
          /buffers\[2\] \(layer 1 h\) must be a Float32Array .* received 5/,
        ],
        [
          'a batch the buffers do not have',
          { batch: 3, buffers: good.buffers },
          'must have numLayers·directions·batch·hiddenSize = 2·1·3·4 = 24 values, received 16',
        ],
        ['batch 0 with data', { batch: 0, buffers: good.buffers }, '= 2·1·0·4 = 0 values, received 16'],
        [
          'another architecture',
          other.saveState(),
          'buffers[0] (layer 0 h) must have numLayers·directions·batch·hiddenSize = 2·1·2·4 = 16 values, received 20',
        ],
      ];
      const weights = neighbour.stateDict();
      const memory = snapshot(backend);
      const stats = backend.heap.stats();
      for (const [label, saved, message] of cases) {
        expect(() => model.restoreState(saved as SavedState), label).toThrow(message);
        expectSameMemory(backend, memory);
      }
      expect(backend.heap.stats()).toEqual(stats);
      expect(neighbour.stateDict()).toEqual(weights);
      expect(model.saveState()).toEqual(good);
      // what saveState gives always goes back, also across batches and from an empty state
      model.restoreState(good);
      expect(model.saveState()).toEqual(good);
      const empty = stacked(backend).saveState();
      model.restoreState(empty);
      expect(model.saveState()).toEqual(empty);
      model.restoreState(good);
      expect(model.saveState()).toEqual(good);
      for (const m of [model, neighbour, other]) m.dispose();
    });

    it('loadStateDict refuses a tensor longer than its parameter on every kind of object', async () => {
      const backend = await make();
      const model = stacked(backend);
      const neighbour = stacked(backend);
      const cell = new LSTMCell(3, 4, { seed: 5, backend });
      const dense = new Dense(3, 2, { seed: 6, backend });
      const table = new Embedding(4, 2, { seed: 7, backend });
      const weights = neighbour.stateDict();
      const memory = snapshot(backend);
      const long = (n: number): Float32Array => new Float32Array(n + 1000).fill(3);
      expect(() => model.loadStateDict({ ...model.stateDict(), '3.bias': long(5) })).toThrow(
        "SequenceModel.loadStateDict: parameter '3.bias' must have [5] = 5 values, received 1005",
      );
      expect(() => model.recurrent[0].loadStateDict({ bias_hh_l1: long(16) }, false)).toThrow(
        "LSTM.loadStateDict: parameter 'bias_hh_l1' must have shape [16] (16 values), received 1016 values",
      );
      expect(() => cell.loadStateDict({ bias_hh: long(16) }, false)).toThrow(
        "LSTMCell.loadStateDict: parameter 'bias_hh' must have shape [16] (16 values), received 1016 values",
      );
      expect(() => dense.loadStateDict({ bias: long(2) }, false)).toThrow(
        "Dense.loadStateDict: parameter 'bias' must have shape [2] (2 values), received 1002 values",
      );
      expect(() => table.loadStateDict({ weight: long(8) })).toThrow(
        "Embedding.loadStateDict: parameter 'weight' must have shape [4, 2] (8 values), received 1008 values",
      );
      expectSameMemory(backend, memory);
      expect(neighbour.stateDict()).toEqual(weights);
      for (const o of [model, neighbour, cell, dense, table]) o.dispose();
    });

    it('a cell state is checked against batch·hiddenSize before anything is allocated or written', async () => {
      const backend = await make();
      // a JSON state claiming 10¹² values: strand's own message, no engine error, no allocation
      expect(() => RecurrentState.fromJSON({ batch: 1_000_000, hiddenSize: 1_000_000, h: [1] })).toThrow(
        'RecurrentState: h must have batch·hiddenSize = 1000000·1000000 = 1000000000000 values, received 1',
      );
      expect(() => RecurrentState.fromJSON({ batch: 2, hiddenSize: 2, h: [0, 0, 0, 0], c: [1, 2] })).toThrow(
        'RecurrentState: c must have batch·hiddenSize = 2·2 = 4 values, received 2',
      );
      expect(() => RecurrentState.fromJSON({ batch: 1, hiddenSize: 2, h: [0, Number.NaN] })).toThrow(
        'RecurrentState: h must be finite (as float32), received NaN at index 1',
      );
      expect(() => RecurrentState.fromJSON({ batch: 1, hiddenSize: 2, h: [0, 0], c: null as never })).toThrow(
        'RecurrentState: c must be a Float32Array of batch·hiddenSize = 1·2 = 2 values, received null',
      );
      expect(() => RecurrentState.fromJSON({ batch: 0, hiddenSize: 2, h: [] })).toThrow(
        'RecurrentState: batch must be a positive integer, received 0',
      );
      // a state object whose arrays were swapped for longer ones is refused by the cell it reaches
      const cell = new LSTMCell(3, 4, { seed: 8, backend });
      const neighbour = stacked(backend);
      const forged = Object.assign(Object.create(RecurrentState.prototype) as RecurrentState, {
        batch: 2,
        hiddenSize: 4,
        h: new Float32Array(100_000).fill(9),
        c: new Float32Array(100_000).fill(9),
      });
      const weights = neighbour.stateDict();
      const memory = snapshot(backend);
      expect(() => cell.step(new Float32Array(6), forged)).toThrow(
        'LSTMCell.forward: h0 must have numLayers·directions·batch·hiddenSize = 1·1·2·4 = 8 values, received 100000',
      );
      expectSameMemory(backend, memory);
      expect(neighbour.stateDict()).toEqual(weights);
      cell.dispose();
      neighbour.dispose();
    });
  });
}
