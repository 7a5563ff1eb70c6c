// The Trainer's backward releases an LSTM's or GRU's saved activations: the gate gradients
// overwrite the saved gates, so no (T,B,4H) or (T,B,3H) gate-gradient buffer is ever allocated on
// that path; nor, for a one-layer stack fed from data, the input-gradient buffers. The public
// layer backward keeps them (it may run twice and accumulate) and allocates that buffer once.
// A backward after a releasing one throws a clear error instead of reading overwritten gates.
// (That the released path computes the same gradients is checked in input-grad.test.ts, against
// the layer's own backward.)
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { Dense, GRU, LSTM, SequenceModel, Trainer } from '../../src/index.ts';
import { randomArray, wasmBackend, jsBackend } from '../helpers/backends.ts';

/** The gated layers, by name, with their gate rows per hidden unit. */
const CELLS = [
  ['LSTM', 4, (I: number, H: number, backend: Backend) => new LSTM(I, H, { seed: 1, backend })],
  ['GRU', 3, (I: number, H: number, backend: Backend) => new GRU(I, H, { seed: 1, backend })],
  [
    'GRU reset-before',
    3,
    (I: number, H: number, backend: Backend) => new GRU(I, H, { seed: 1, backend, resetAfter: false }),
  ],
] as const;

for (const [name, make] of [
  ['wasm', wasmBackend],
  ['js', async () => jsBackend()],
] as const) {
  for (const [cell, gates, layer] of CELLS)
    describe(`released activations (${cell}, ${name})`, () => {
      it(`the Trainer allocates no ${cell} gate-gradient or input-gradient buffer; the public backward allocates them once`, async () => {
        const backend = await make();
        const T = 7,
          B = 3,
          I = 5,
          H = 8,
          V = 4;
        const rec = layer(I, H, backend);
        const model = new SequenceModel({ layers: [rec, new Dense(H, V, { seed: 2, backend })] });
        const trainer = new Trainer(model);
        const x = randomArray(T * B * I, 3);
        const target = Array.from({ length: T * B }, (_, i) => i % V);
        trainer.step({ input: x, target, seqLen: T, batch: B });
        trainer.step({ input: x, target, seqLen: T, batch: B });
        const afterTraining = backend.heap.stats().bytesInUse;

        // the public API keeps the activations: forward (same shape: no new workspace), backward twice
        rec.forward(x, { seqLen: T, batch: B });
        const dy = randomArray(T * B * H, 4);
        rec.zeroGrad();
        rec.backward({ output: dy });
        const once = Object.values(rec.gradDict()).map((g) => g.slice());
        rec.backward({ output: dy });
        const twice = Object.values(rec.gradDict());
        twice.forEach((g, k) => g.forEach((v, i) => expect(v).toBeCloseTo(2 * once[k][i], 5)));
        // the public backward also passes an input gradient, through two (T,B,max(I,H)) buffers that
        // the Trainer's backward of a one-layer stack fed from data never needs
        const gateGradBytes = Math.ceil((T * B * gates * H) / 16) * 64;
        const inputGradBytes = 2 * Math.ceil((T * B * Math.max(I, H)) / 16) * 64;
        expect(backend.heap.stats().bytesInUse - afterTraining).toBe(gateGradBytes + inputGradBytes);

        trainer.dispose();
        model.dispose();
      });

      it("a backward after the Trainer's released one throws until the next forward", async () => {
        const backend = await make();
        const T = 4,
          B = 2,
          I = 3,
          H = 5;
        const rec = layer(I, H, backend);
        const model = new SequenceModel({ layers: [rec, new Dense(H, 2, { seed: 2, backend })] });
        const trainer = new Trainer(model);
        trainer.step({ input: randomArray(T * B * I, 5), target: [0, 1, 0, 1, 0, 1, 0, 1], seqLen: T, batch: B });
        expect(() => rec.backward({ output: new Float32Array(T * B * H) })).toThrow(
          /released by an earlier backward.*run forward\(\) again/,
        );
        rec.forward(randomArray(T * B * I, 6), { seqLen: T, batch: B });
        expect(() => rec.backward({ output: new Float32Array(T * B * H) })).not.toThrow();
        trainer.dispose();
        model.dispose();
      });
    });
}
