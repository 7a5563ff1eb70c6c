// The threads' barrier when every thread sleeps at it (assembly/threads.ts, spin limit 0): each
// barrier then goes through memory.atomic.wait32 and memory.atomic.notify instead of the spin.
// Node 20's baseline compiler (Liftoff) could hand back a clobbered local after that wait, and a
// thread left the barrier before its partner had packed a shared panel: the weight gradients of
// one thread's rows came out zero or wrong. This file runs first in its own worker, so its
// kernels start in baseline code, as a short-lived process (a CLI run, a serverless call) does.
// LSTM, GRU, RNN and dense training steps must still equal one thread bit for bit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import type { ThreadedBackend } from '../../src/backend/threads.ts';
import { Dense, GRU, LSTM, RNN, SequenceModel, Trainer } from '../../src/index.ts';
import { randomArray, wasmBackend } from '../helpers/backends.ts';
import { threadedBackend } from '../helpers/threads.ts';

let single: Backend;
let sleepy: ThreadedBackend;

beforeAll(async () => {
  single = await wasmBackend();
  sleepy = await threadedBackend(2);
  const setSpinLimit = sleepy.exports.set_spin_limit as (limit: number) => void;
  expect(typeof setSpinLimit).toBe('function');
  setSpinLimit(0);
});

afterAll(() => {
  sleepy?.dispose(); // the spin limit lives in this backend's memory and goes with it
});

/** Whether two lists of arrays are equal bit for bit. */
function sameBits(a: Float32Array[], b: Float32Array[]): boolean {
  return (
    a.length === b.length && a.every((x, i) => x.length === b[i].length && x.every((v, j) => Object.is(v, b[i][j])))
  );
}

/** Output and every gradient of one forward + backward of an 11→21 LSTM, GRU or RNN. */
function layerRun(backend: Backend, cell: 'lstm' | 'gru' | 'rnn', T: number, B: number): Float32Array[] {
  const layer =
    cell === 'lstm'
      ? new LSTM(11, 21, { seed: 7, backend })
      : cell === 'gru'
        ? new GRU(11, 21, { seed: 7, backend })
        : new RNN(11, 21, { seed: 7, backend });
  try {
    const out = layer.forward(randomArray(T * B * 11, 1), { seqLen: T, batch: B });
    const grads = layer.backward({ output: randomArray(out.output.length, 2), h: randomArray(out.h.length, 3) });
    return [out.output, out.h, grads.input, grads.h0, ...Object.values(layer.gradDict())];
  } finally {
    layer.dispose();
  }
}

/** Every weight after two Adam steps of LSTM → Dense(65) at every step. */
function trainRun(backend: Backend): Float32Array[] {
  const model = new SequenceModel({
    layers: [new LSTM(6, 12, { seed: 3, backend }), new Dense(12, 65, { seed: 4, backend })],
    output: 'softmax',
  });
  const trainer = new Trainer(model, { optimizer: { type: 'adam', lr: 0.01 } });
  try {
    const target = Int32Array.from({ length: 5 * 3 }, (_, i) => (i * 7) % 65);
    for (let s = 0; s < 2; s++) trainer.step({ input: randomArray(5 * 3 * 6, 11 + s), target, seqLen: 5, batch: 3 });
    return Object.values(model.stateDict());
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

describe('threads sleeping at every barrier equal one thread bit for bit', () => {
  it.each([
    ['LSTM, T 9, B 5', 'lstm', 9, 5],
    ['LSTM, T 140, B 4 (several weight-gradient chunks)', 'lstm', 140, 4],
    ['GRU, T 9, B 5', 'gru', 9, 5],
    ['GRU, T 140, B 4', 'gru', 140, 4],
    ['RNN, T 9, B 5', 'rnn', 9, 5],
    ['RNN, T 140, B 4', 'rnn', 140, 4],
  ] as const)('%s', (_name, cell, T, B) => {
    const reference = layerRun(single, cell, T, B);
    const before = sleepy.parallelCalls;
    // several times: each call must come out the same, whichever thread sleeps longer
    for (let rep = 0; rep < 5; rep++)
      expect(sameBits(layerRun(sleepy, cell, T, B), reference), `repeat ${rep}`).toBe(true);
    expect(sleepy.parallelCalls).toBeGreaterThan(before);
  });

  it('two training steps of LSTM → Dense', () => {
    const reference = trainRun(single);
    for (let rep = 0; rep < 3; rep++) expect(sameBits(trainRun(sleepy), reference), `repeat ${rep}`).toBe(true);
  });
});
