// The loader decides whether a checkpoint fits before building anything, from the layer
// configurations alone: the parameter names, shapes and counts and the heap bytes it computes must
// be exactly those of the layers it then builds, for every layer kind and option.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { Dense, Dropout, Embedding, GRU, LSTM, OneHot, RNN } from '../../src/index.ts';
import { heapBytes, layersFromConfig, parameterShapes, tensorCount, type ModelLayer } from '../../src/nn/layers.ts';
import { jsBackend } from '../helpers/backends.ts';

let backend: Backend;

beforeAll(() => {
  backend = jsBackend();
});

/** Layers of every kind and option combination. */
function layers(): ModelLayer[] {
  const o = { backend, seed: 1 };
  const out: ModelLayer[] = [
    new Embedding(7, 3, o),
    new OneHot(5, { backend }),
    new Dense(4, 3, o),
    new Dense(1, 1, { ...o, bias: false, at: 'last' }),
    new Dropout(0.3, { seed: 1 }),
  ];
  for (const Cell of [RNN, LSTM, GRU]) {
    for (const numLayers of [1, 3]) {
      for (const bidirectional of [false, true]) {
        for (const bias of [true, false]) {
          for (const merge of ['concat', 'sum'] as const) {
            out.push(new Cell({ inputSize: 3, hiddenSize: 5, numLayers, bidirectional, bias, merge, ...o }));
          }
        }
      }
    }
  }
  return out;
}

describe('what a configuration declares is what its layer holds', () => {
  it('names, shapes, counts and heap bytes, for every layer kind and option', () => {
    const all = layers();
    expect(all.length).toBe(5 + 3 * 2 * 2 * 2 * 2);
    for (const layer of all) {
      const config = layer.config();
      const shapes = parameterShapes(config);
      const what = JSON.stringify(config);
      if (layer instanceof Dropout) {
        expect(shapes, what).toEqual([]);
        expect(tensorCount(config), what).toBe(0);
        expect(heapBytes(config)).toBe(0);
        continue;
      }
      const actual = Object.entries(layer.params.shapes());
      expect(shapes, what).toEqual(actual);
      expect(tensorCount(config), what).toBe(actual.length);
      // rebuilding from the configuration allocates exactly the bytes computed
      const before = backend.heap.stats().bytesInUse;
      const [again] = layersFromConfig([config], backend, 'test');
      expect(backend.heap.stats().bytesInUse - before, what).toBe(heapBytes(config));
      expect(again.config()).toEqual(config);
      if (!(again instanceof Dropout)) again.dispose();
      layer.dispose();
    }
  });
});
