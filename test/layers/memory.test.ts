// Memory rule (docs/architecture.md): after warm-up, forward + backward allocate nothing; a forced
// memory.grow between calls changes no result; dispose() returns every byte.
import { describe, expect, it } from 'vitest';
import { GRU, LSTM, RNN, LSTMCell } from '../../src/index.ts';
import type { Backend } from '../../src/backend/backend.ts';
import { jsBackend, randomArray, wasmBackend } from '../helpers/backends.ts';

const T = 6;
const B = 3;
const I = 5;
const H = 7;

function makeLayers(backend: Backend) {
  return [
    new LSTM({ inputSize: I, hiddenSize: H, numLayers: 2, bidirectional: true, seed: 1, backend }),
    new GRU({ inputSize: I, hiddenSize: H, numLayers: 2, resetAfter: false, seed: 2, backend }),
    new RNN({ inputSize: I, hiddenSize: H, nonlinearity: 'relu', bidirectional: true, seed: 3, backend }),
  ];
}

for (const [name, make] of [
  ['wasm', wasmBackend],
  ['js', async () => jsBackend()],
] as const) {
  describe(`memory on the ${name} backend`, () => {
    it('allocates nothing across 100 forward/backward passes after warm-up', async () => {
      const backend = await make();
      for (const layer of makeLayers(backend)) {
        const x = randomArray(T * B * I, 11);
        const dy = randomArray(T * B * layer.directions * H, 12);
        layer.forward(x, { seqLen: T, batch: B });
        layer.backward({ output: dy });
        const before = backend.heap.stats();
        for (let i = 0; i < 100; i++) {
          layer.forward(x, { seqLen: T, batch: B });
          layer.backward({ output: dy });
        }
        const after = backend.heap.stats();
        expect(after.bytesInUse).toBe(before.bytesInUse);
        expect(after.blocks).toBe(before.blocks);
        expect(after.memoryBytes).toBe(before.memoryBytes);
        expect(after.grows).toBe(before.grows);
        // a smaller shape reuses the workspace too
        layer.forward(x.subarray(0, 2 * B * I), { seqLen: 2, batch: B });
        expect(backend.heap.stats().bytesInUse).toBe(before.bytesInUse);
        layer.dispose();
      }
    });

    it('gives identical results after a forced memory.grow between calls', async () => {
      const backend = await make();
      for (const layer of makeLayers(backend)) {
        const x = randomArray(T * B * I, 21);
        const dy = randomArray(T * B * layer.directions * H, 22);
        const first = layer.forward(x, { seqLen: T, batch: B });
        const g1 = layer.backward({ output: dy });
        const grads1 = layer.gradDict();
        layer.zeroGrad();
        const bufferBefore = backend.heap.all().buffer;
        backend.heap.growBy(4 * 65536);
        expect(backend.heap.all().buffer).not.toBe(bufferBefore);
        const second = layer.forward(x, { seqLen: T, batch: B });
        const g2 = layer.backward({ output: dy });
        expect(second.output).toEqual(first.output);
        expect(second.h).toEqual(first.h);
        expect(g2.input).toEqual(g1.input);
        expect(layer.gradDict()).toEqual(grads1);
        layer.dispose();
      }
    });

    it('returns every byte on dispose()', async () => {
      const backend = await make();
      const start = backend.heap.stats();
      const layers = makeLayers(backend);
      const cell = new LSTMCell(I, H, { backend, seed: 4 });
      for (const layer of layers) {
        layer.forward(randomArray(T * B * I, 5), { seqLen: T, batch: B });
        layer.backward({ output: randomArray(T * B * layer.directions * H, 6) });
      }
      cell.step(randomArray(B * I, 7), cell.zeroState(B));
      expect(backend.heap.stats().bytesInUse).toBeGreaterThan(start.bytesInUse);
      for (const layer of layers) layer.dispose();
      cell.dispose();
      cell.dispose(); // idempotent
      const end = backend.heap.stats();
      expect(end.bytesInUse).toBe(start.bytesInUse);
      expect(end.blocks).toBe(start.blocks);
      expect(() => layers[0].forward(randomArray(T * B * I, 5), { seqLen: T, batch: B })).toThrow(/disposed/);
    });
  });
}
