// Use after dispose: once an object is disposed, every method and every getter that would touch
// memory throws `<Class>.<method>: this <model|layer|cell> has been disposed`, before reading its
// arguments and without touching the heap (the freed blocks may belong to another object by then).
// The methods are enumerated from each prototype, so a method added later is checked too: list it
// under `privates` only if it is a TypeScript-private helper, and a getter under `metadata` only if
// it reads plain fields. RecurrentState is not here: it holds plain JavaScript arrays, nothing to free.
import { describe, expect, it } from 'vitest';
import {
  Dense,
  Embedding,
  EncoderDecoder,
  GRU,
  GRUCell,
  LSTM,
  LSTMCell,
  OneHot,
  RNN,
  RNNCell,
  SequenceModel,
  beamSearch,
  compare,
  generate,
  logProbability,
  perplexity,
  stream,
  type Backend,
  type RecurrentLayer,
  type RecurrentOptions,
} from '../../src/index.ts';
import { jsBackend, randomArray, wasmBackend } from '../helpers/backends.ts';

interface Case {
  /** The class name the messages carry. */
  name: string;
  noun: 'model' | 'layer' | 'cell';
  make: (backend: Backend) => object;
  /** TypeScript-private helpers (on the prototype, not callable by users). */
  privates: string[];
  /** Getters that read plain fields, never memory: they keep working. */
  metadata: string[];
  /** Realistic arguments for some methods (the others are called with none), built before dispose. */
  args?: (live: object) => Record<string, unknown[]>;
}

const layerPrivates = ['forwardChecked', 'shapeOf', 'initialise', 'assertLive'];
const layerMetadata = ['directions', 'outputSize', 'gateRows', 'disposed'];
const layerArgs = (live: object): Record<string, unknown[]> => {
  const layer = live as LSTM;
  const x = randomArray(2 * 3, 1);
  layer.forward(x, { seqLen: 2, batch: 1 });
  return {
    forward: [x, { seqLen: 2, batch: 1 }],
    backward: [{ output: new Float32Array(2 * layer.outputSize) }],
    loadStateDict: [layer.stateDict()],
  };
};

const tokenModel = (backend: Backend): SequenceModel =>
  new SequenceModel({
    layers: [
      new Embedding(5, 3, { seed: 1, backend }),
      new LSTM({ inputSize: 3, hiddenSize: 4, seed: 2, backend }),
      new Dense(4, 5, { seed: 3, backend }),
    ],
  });

const CASES: Case[] = [
  {
    name: 'SequenceModel',
    noun: 'model',
    make: tokenModel,
    privates: [
      'plan',
      'slots',
      'gatherLast',
      'scatterLast',
      'ensureState',
      'zeroStates',
      'namedSets',
      'assertLive',
      'checkSavedState',
    ],
    metadata: ['inputSize', 'outputSize', 'vocab', 'disposed'], // plain values: readable after dispose
    args: (live) => {
      const model = live as SequenceModel;
      model.predict(Int32Array.from([1, 2]), { batch: 2, stateful: true });
      return {
        predict: [Int32Array.from([1, 2, 3]), { stateful: true }],
        saveState: [],
        restoreState: [model.saveState()],
        resetState: [2],
        reorderState: [[1, 0]],
        loadStateDict: [model.stateDict()],
        writeInput: [Int32Array.from([1, 2]), 2, 1, 'input'],
      };
    },
  },
  ...(
    [
      ['RNN', RNN],
      ['LSTM', LSTM],
      ['GRU', GRU],
    ] as Array<[string, new (options: RecurrentOptions) => RecurrentLayer]>
  ).map(
    ([name, Layer]): Case => ({
      name,
      noun: 'layer',
      make: (backend) =>
        new Layer({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 4, backend }),
      privates: layerPrivates,
      metadata: layerMetadata,
      args: layerArgs,
    }),
  ),
  ...(
    [
      ['RNNCell', RNNCell],
      ['LSTMCell', LSTMCell],
      ['GRUCell', GRUCell],
    ] as const
  ).map(
    ([name, Cell]): Case => ({
      name,
      noun: 'cell',
      make: (backend) => new Cell(3, 4, { seed: 5, backend }),
      privates: ['assertLive'],
      metadata: ['disposed'],
      args: (live) => {
        const cell = live as LSTMCell;
        const state = cell.step(randomArray(3, 2), cell.zeroState());
        return {
          step: [randomArray(3, 3), state],
          backward: [{ h: new Float32Array(4) }],
          zeroState: [1],
          loadStateDict: [cell.stateDict()],
        };
      },
    }),
  ),
  {
    name: 'Embedding',
    noun: 'layer',
    make: (backend) => new Embedding(6, 3, { seed: 6, backend }),
    privates: ['assertLive'],
    metadata: ['disposed'],
    args: (live) => ({ loadStateDict: [(live as Embedding).stateDict()], checkIds: [[1, 2], 'ids'] }),
  },
  {
    name: 'OneHot',
    noun: 'layer',
    make: (backend) => new OneHot(6, { backend }),
    privates: ['assertLive'],
    metadata: ['disposed'],
  },
  {
    name: 'Dense',
    noun: 'layer',
    make: (backend) => new Dense(3, 2, { seed: 7, backend }),
    privates: ['assertLive'],
    metadata: ['disposed'],
    args: (live) => ({ loadStateDict: [(live as Dense).stateDict()] }),
  },
  {
    name: 'EncoderDecoder',
    noun: 'model',
    make: (backend) =>
      new EncoderDecoder({ sourceVocab: 5, targetVocab: 6, embed: 3, hidden: 4, bos: 1, eos: 2, seed: 8, backend }),
    privates: ['plan', 'forwardInPlace', 'backwardInPlace', 'encode', 'decodeStep', 'namedParts', 'assertLive'],
    metadata: ['outputSize', 'disposed'],
    args: () => ({
      greedy: [[1, 2, 3], { maxLength: 3 }],
      beamSearch: [[1, 2, 3], { beamWidth: 2, maxLength: 3 }],
      prepare: [{ input: [1, 2], target: [3, 4] }, 'Trainer.step'],
    }),
  },
];

/** Methods and getters of `obj`'s prototype chain (string keys, without the constructor). */
function members(obj: object): { methods: string[]; getters: string[] } {
  const methods = new Set<string>();
  const getters = new Set<string>();
  for (let p = Object.getPrototypeOf(obj); p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const key of Object.getOwnPropertyNames(p)) {
      if (key === 'constructor') continue;
      const d = Object.getOwnPropertyDescriptor(p, key)!;
      if (d.get !== undefined) getters.add(key);
      else if (typeof d.value === 'function') methods.add(key);
    }
  }
  return { methods: [...methods].sort(), getters: [...getters].sort() };
}

/** A copy of the whole memory, to compare bit for bit. */
function snapshot(backend: Backend): Int32Array {
  return new Int32Array(backend.heap.all().buffer.slice(0));
}

function sameMemory(backend: Backend, before: Int32Array): boolean {
  const now = new Int32Array(backend.heap.all().buffer);
  if (now.length !== before.length) return false;
  for (let i = 0; i < now.length; i++) if (now[i] !== before[i]) return false;
  return true;
}

for (const [backendName, make] of [
  ['wasm', wasmBackend],
  ['js', async () => jsBackend()],
] as const) {
  describe(`use after dispose (${backendName})`, () => {
    for (const c of CASES) {
      it(`${c.name}: every method and memory getter throws '${c.name}.<method>: this ${c.noun} has been disposed'`, async () => {
        const backend = await make();
        const start = backend.heap.stats().bytesInUse;
        const obj = c.make(backend) as { dispose(): void; disposed: boolean };
        const args = c.args?.(obj) ?? {};
        const { methods, getters } = members(obj);
        const metadataBefore = Object.fromEntries(
          c.metadata.map((g) => [g, g === 'disposed' ? true : (obj as Record<string, unknown>)[g]]),
        );
        obj.dispose();
        obj.dispose(); // idempotent
        expect(obj.disposed).toBe(true);
        expect(backend.heap.stats().bytesInUse).toBe(start);
        // a bystander now owns the freed blocks: nothing below may write into it or read it
        const bystander = tokenModel(backend);
        bystander.predict(Int32Array.from([1, 2, 3]), { stateful: true });
        const weights = bystander.stateDict();
        const memory = snapshot(backend);
        const stats = backend.heap.stats();

        const checked = methods.filter((m) => m !== 'dispose' && !c.privates.includes(m));
        expect(checked.length).toBeGreaterThan(3);
        for (const m of checked) {
          const call = () => (obj as unknown as Record<string, (...a: unknown[]) => unknown>)[m](...(args[m] ?? []));
          expect(call, `${c.name}.${m}`).toThrow(`${c.name}.${m}: this ${c.noun} has been disposed`);
        }
        for (const g of getters) {
          const read = () => (obj as Record<string, unknown>)[g];
          if (c.metadata.includes(g)) expect(read(), `${c.name}.${g}`).toEqual(metadataBefore[g]);
          else expect(read, `${c.name}.${g}`).toThrow(`${c.name}.${g}: this ${c.noun} has been disposed`);
        }
        expect(sameMemory(backend, memory)).toBe(true);
        expect(backend.heap.stats()).toEqual(stats);
        expect(bystander.stateDict()).toEqual(weights);
        bystander.dispose();
      });
    }

    it('a model whose layer was disposed on its own refuses, naming the layer', async () => {
      const backend = await make();
      const model = tokenModel(backend);
      model.recurrent[0].dispose();
      expect(() => model.predict(Int32Array.from([1, 2]))).toThrow(
        'SequenceModel.predict: its layer 1 (LSTM) has been disposed',
      );
      expect(() => model.resetState(1)).toThrow('SequenceModel.resetState: its layer 1 (LSTM) has been disposed');
      model.dispose();
      const encdec = new EncoderDecoder({ sourceVocab: 5, targetVocab: 6, hidden: 4, bos: 1, eos: 2, backend });
      encdec.head.dispose();
      expect(() => encdec.greedy([1, 2], { maxLength: 2 })).toThrow(
        'EncoderDecoder.greedy: its head has been disposed',
      );
      encdec.dispose();
      expect(backend.heap.stats().blocks).toBe(0);
    });

    it('every language-model function refuses a disposed model', async () => {
      const backend = await make();
      const model = tokenModel(backend);
      model.dispose();
      const ids = [1, 2];
      expect(() => logProbability(model, ids)).toThrow('logProbability: the model has been disposed');
      expect(() => perplexity(model, ids)).toThrow('perplexity: the model has been disposed');
      expect(() => compare(model, ids, ids)).toThrow('compare: the model has been disposed');
      expect(() => beamSearch(model, { maxLength: 2 })).toThrow('beamSearch: the model has been disposed');
      expect(() => generate(model, { length: 2 })).toThrow('generate: the model has been disposed');
      await expect(stream(model, { length: 2 }).next()).rejects.toThrow('stream: the model has been disposed');
    });
  });
}
