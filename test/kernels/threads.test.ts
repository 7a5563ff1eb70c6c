// The threaded backend (src/backend/threads.ts, assembly/threads.ts): LSTM, GRU and RNN layers and the
// dense head (whole training steps) on 2 and 3
// threads give bit-for-bit the results of the single-threaded plain-SIMD build — the threads
// split columns, rows and panels but never change the order of any sum — over awkward batch sizes
// (1, odd, fewer rows than threads), masks, two layers and both directions; so do the optimizer
// updates, split into 4-aligned shares; kernels that are not threaded (embedding, loss) still run,
// on the calling thread; dispose() falls back to one thread; bad options are refused with clear
// errors. Runs in Node (worker_threads) and in the cross-origin isolated Chromium page (Web Workers,
// where the page's thread may not block and only spins).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import {
  DEFAULT_MIN_PARALLEL_FLOPS,
  createThreadedBackend,
  threadsSupported,
  type ThreadedBackend,
} from '../../src/backend/threads.ts';
import { Dense, Embedding, GRU, LSTM, RNN, SequenceModel, Trainer, createBackend } from '../../src/index.ts';
import { randomArray, wasmBackend } from '../helpers/backends.ts';
import { threadedBackend } from '../helpers/threads.ts';

let single: Backend;
let two: ThreadedBackend;
let three: ThreadedBackend;

beforeAll(async () => {
  expect(threadsSupported()).toBe(true);
  single = await wasmBackend();
  two = await threadedBackend(2);
  three = await threadedBackend(3);
});

afterAll(() => {
  two?.dispose();
  three?.dispose();
});

interface RunOptions {
  lengths?: number[];
  bidirectional?: boolean;
  numLayers?: number;
  gru?: 'after' | 'before';
  rnn?: 'tanh' | 'relu';
}

/** Output, input gradient, state gradients and every weight gradient of one forward + backward (LSTM, GRU or RNN). */
function run(backend: Backend, T: number, B: number, opts: RunOptions): Float32Array[] {
  const I = 11,
    H = 21;
  const shape = { seed: 7, backend, bidirectional: opts.bidirectional, numLayers: opts.numLayers ?? 1 };
  const layer = opts.gru
    ? new GRU(I, H, { ...shape, resetAfter: opts.gru === 'after' })
    : opts.rnn
      ? new RNN(I, H, { ...shape, nonlinearity: opts.rnn })
      : new LSTM(I, H, shape);
  try {
    const out = layer.forward(randomArray(T * B * I, 1), { seqLen: T, batch: B, lengths: opts.lengths });
    const grads = layer.backward({
      output: randomArray(out.output.length, 2),
      h: randomArray(out.h.length, 3),
      ...(out.c ? { c: randomArray(out.c.length, 4) } : {}),
    });
    return [
      out.output,
      out.h,
      ...(out.c ? [out.c] : []),
      grads.input,
      grads.h0,
      ...(grads.c0 ? [grads.c0] : []),
      ...Object.values(layer.gradDict()),
    ];
  } finally {
    layer.dispose();
  }
}

/** Whether two lists of arrays are equal bit for bit (NaN patterns included). */
function sameBits(a: Float32Array[], b: Float32Array[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => x.length === b[i].length && x.every((v, j) => Object.is(v, b[i][j])));
}

describe('threaded LSTM, GRU and RNN equal the single-threaded build bit for bit', () => {
  const cases: Array<[string, number, number, RunOptions]> = [
    ['T 9, B 5', 9, 5, {}],
    ['T 6, B 1 (one row: the second thread only helps with columns)', 6, 1, {}],
    ['T 4, B 2 (fewer rows than three threads)', 4, 2, {}],
    ['T 7, B 6, masked lengths', 7, 6, { lengths: [7, 3, 0, 5, 7, 1] }],
    ['T 5, B 3, two layers, bidirectional', 5, 3, { bidirectional: true, numLayers: 2 }],
    [
      'T 5, B 6, two layers, bidirectional (the fused input and recurrent step)',
      5,
      6,
      { bidirectional: true, numLayers: 2 },
    ],
    ['T 140, B 4 (weight gradients over more than one 128-row chunk)', 140, 4, {}],
    ['GRU reset-after, T 9, B 5', 9, 5, { gru: 'after' }],
    ['GRU reset-before, T 9, B 5', 9, 5, { gru: 'before' }],
    ['GRU reset-after, T 6, B 1', 6, 1, { gru: 'after' }],
    ['GRU reset-before, T 4, B 2 (fewer rows than three threads)', 4, 2, { gru: 'before' }],
    ['GRU reset-after, T 7, B 6, masked lengths', 7, 6, { gru: 'after', lengths: [7, 3, 0, 5, 7, 1] }],
    ['GRU reset-before, T 7, B 6, masked lengths', 7, 6, { gru: 'before', lengths: [7, 3, 0, 5, 7, 1] }],
    [
      'GRU reset-before, T 5, B 3, two layers, bidirectional',
      5,
      3,
      { gru: 'before', bidirectional: true, numLayers: 2 },
    ],
    ['GRU reset-after, T 140, B 4 (more than one weight-gradient chunk)', 140, 4, { gru: 'after' }],
    ['RNN tanh, T 9, B 5', 9, 5, { rnn: 'tanh' }],
    ['RNN relu, T 6, B 1', 6, 1, { rnn: 'relu' }],
    ['RNN tanh, T 4, B 2 (fewer rows than three threads)', 4, 2, { rnn: 'tanh' }],
    ['RNN relu, T 7, B 6, masked lengths', 7, 6, { rnn: 'relu', lengths: [7, 3, 0, 5, 7, 1] }],
    ['RNN tanh, T 5, B 3, two layers, bidirectional', 5, 3, { rnn: 'tanh', bidirectional: true, numLayers: 2 }],
    ['RNN tanh, T 140, B 4 (more than one weight-gradient chunk)', 140, 4, { rnn: 'tanh' }],
  ];
  it.each(cases)('%s', (_name, T, B, opts) => {
    const reference = run(single, T, B, opts);
    expect(reference[0].some((v) => v !== 0)).toBe(true);
    expect(sameBits(run(two, T, B, opts), reference), '2 threads').toBe(true);
    expect(sameBits(run(three, T, B, opts), reference), '3 threads').toBe(true);
  });
});

describe('threaded dense head: whole training steps equal one thread bit for bit', () => {
  /** Every weight after two Adam steps of GRU → Dense (O outputs, every step or the last only). */
  function train(backend: Backend, T: number, B: number, O: number, at: 'every' | 'last'): Float32Array[] {
    const model = new SequenceModel({
      layers: [new GRU(6, 10, { seed: 3, backend }), new Dense(10, O, { seed: 4, backend, at })],
      output: 'softmax',
    });
    const trainer = new Trainer(model, { optimizer: { type: 'adam', lr: 0.01 } });
    try {
      const rows = at === 'every' ? T * B : B;
      const target = Int32Array.from({ length: rows }, (_, i) => (i * 7) % O);
      for (let s = 0; s < 2; s++) trainer.step({ input: randomArray(T * B * 6, 11 + s), target, seqLen: T, batch: B });
      return Object.values(model.stateDict());
    } finally {
      trainer.dispose();
      model.dispose();
    }
  }
  it.each([
    ['T 5, B 3, 65 outputs at every step (15 rows: not a multiple of 4)', 5, 3, 65, 'every'],
    ['T 4, B 1, 3 outputs at every step (fewer output rows than threads)', 4, 1, 3, 'every'],
    ['T 6, B 7, 9 outputs at the last step', 6, 7, 9, 'last'],
  ] as const)('%s', (_name, T, B, O, at) => {
    const reference = train(single, T, B, O, at);
    const before = two.parallelCalls;
    expect(sameBits(train(two, T, B, O, at), reference), '2 threads').toBe(true);
    expect(two.parallelCalls).toBeGreaterThan(before);
    expect(sameBits(train(three, T, B, O, at), reference), '3 threads').toBe(true);
  });
});

describe('threaded optimizer updates equal one thread bit for bit', () => {
  type Update = (b: Backend, n: number, ptrs: number[], step: number) => void;
  // each update with its state slabs; momentum / decay on, so that every state slab is read and written
  const updates: Array<[string, number, Update]> = [
    [
      'adam (AdamW)',
      2,
      (b, n, [p, g, m, v], step) => b.kernels.adam_step(n, p, g, m, v, 0.01, 0.9, 0.999, 1e-8, 0.01, 1, step),
    ],
    [
      'adam (L2)',
      2,
      (b, n, [p, g, m, v], step) => b.kernels.adam_step(n, p, g, m, v, 0.01, 0.9, 0.999, 1e-8, 0.01, 0, step),
    ],
    [
      'sgd (Nesterov)',
      1,
      (b, n, [p, g, buf], step) => b.kernels.sgd_step(n, p, g, buf, 0.1, 0.9, 0, 1, 1e-4, step === 1 ? 1 : 0),
    ],
    [
      'rmsprop (momentum)',
      2,
      (b, n, [p, g, sq, buf]) => b.kernels.rmsprop_step(n, p, g, sq, buf, 0.01, 0.99, 1e-8, 1e-4, 0.9),
    ],
    ['adagrad', 1, (b, n, [p, g, sum]) => b.kernels.adagrad_step(n, p, g, sum, 0.1, 1e-10, 1e-4)],
  ];
  /** Parameters and state slabs after three updates of n elements (fresh gradients each time). */
  function run(b: Backend, n: number, states: number, update: Update): Float32Array[] {
    const ptrs = [b.heap.allocF32(n), b.heap.allocF32(n)];
    for (let s = 0; s < states; s++) ptrs.push(b.heap.allocF32(n));
    try {
      b.heap.write(ptrs[0], randomArray(n, 1));
      for (let step = 1; step <= 3; step++) {
        b.heap.write(ptrs[1], randomArray(n, 10 + step));
        update(b, n, ptrs, step);
      }
      return ptrs.filter((_, i) => i !== 1).map((ptr) => b.heap.read(ptr, n));
    } finally {
      ptrs.forEach((ptr) => b.heap.release(ptr));
    }
  }
  it.each(updates)(
    '%s over 1003, 8 and 3 elements (a tail of 3; fewer groups of 4 than threads)',
    (_name, states, update) => {
      for (const backend of [two, three]) backend.minParallelFlops = 0;
      try {
        for (const n of [1003, 8, 3]) {
          const reference = run(single, n, states, update);
          expect(reference[0].some((v, i) => v !== randomArray(n, 1)[i])).toBe(true); // the update moved the weights
          const before = two.parallelCalls;
          expect(sameBits(run(two, n, states, update), reference), `2 threads, n ${n}`).toBe(true);
          expect(two.parallelCalls - before).toBe(3);
          expect(sameBits(run(three, n, states, update), reference), `3 threads, n ${n}`).toBe(true);
        }
      } finally {
        for (const backend of [two, three]) backend.minParallelFlops = DEFAULT_MIN_PARALLEL_FLOPS;
      }
    },
  );
  it('whole Trainer steps with every call split (Adam included) equal one thread bit for bit', () => {
    const train = (backend: Backend): Float32Array[] => {
      const model = new SequenceModel({
        layers: [new LSTM(7, 9, { seed: 5, backend }), new Dense(9, 5, { seed: 6, backend })],
        output: 'softmax',
      });
      const trainer = new Trainer(model, { optimizer: { type: 'adam', lr: 0.01, weightDecay: 0.01 } });
      try {
        for (let s = 0; s < 3; s++) {
          trainer.step({
            input: randomArray(6 * 3 * 7, 20 + s),
            target: Int32Array.from({ length: 18 }, (_, i) => (i * 3 + s) % 5),
            seqLen: 6,
            batch: 3,
          });
        }
        return Object.values(model.stateDict());
      } finally {
        trainer.dispose();
        model.dispose();
      }
    };
    const reference = train(single);
    two.minParallelFlops = 0;
    try {
      const before = two.parallelCalls;
      expect(sameBits(train(two), reference)).toBe(true);
      expect(two.parallelCalls - before).toBeGreaterThanOrEqual(3 * 6); // per step: 4 layer calls, 2 updates
    } finally {
      two.minParallelFlops = DEFAULT_MIN_PARALLEL_FLOPS;
    }
  });
  it('an update below minParallelFlops (10 FLOPs per element) stays on the calling thread', () => {
    const before = two.parallelCalls;
    run(two, 1003, 2, updates[0][2]);
    expect(two.parallelCalls).toBe(before);
  });
});

describe('threaded backend', () => {
  it('runs the kernels that are not threaded (embedding, loss) and small optimizer updates on the calling thread, with the same results', () => {
    const results = [single, two].map((backend) => {
      const model = new SequenceModel({
        layers: [
          new Embedding(20, 6, { seed: 1, backend }),
          new RNN(6, 8, { seed: 2, backend }),
          new Dense(8, 20, { seed: 3, backend }),
        ],
        output: 'softmax',
      });
      const trainer = new Trainer(model, { optimizer: { type: 'adam', lr: 0.01 } });
      const ids = Int32Array.from({ length: 4 * 3 }, (_, i) => (i * 5) % 20);
      trainer.step({ input: ids, target: Int32Array.from(ids, (v) => (v + 1) % 20), seqLen: 4, batch: 3 });
      const weights = Object.values(model.stateDict());
      trainer.dispose();
      model.dispose();
      return weights;
    });
    expect(results[0].length).toBeGreaterThan(3);
    expect(sameBits(results[1], results[0])).toBe(true);
  });

  it('splits a call only above minParallelFlops (one-step calls stay on the calling thread), with the same bits', async () => {
    const backend = (await createBackend({ flavor: 'simd', threads: 2 })) as ThreadedBackend;
    try {
      expect(backend.minParallelFlops).toBeGreaterThan(0);
      // one step of an 11→21 LSTM: far below the default threshold
      const small = run(backend, 1, 2, {});
      expect(backend.parallelCalls).toBe(0);
      // a long sequence is split (forward and backward)
      const big = run(backend, 400, 4, {});
      expect(backend.parallelCalls).toBe(2);
      expect(sameBits(small, run(single, 1, 2, {}))).toBe(true);
      expect(sameBits(big, run(single, 400, 4, {}))).toBe(true);
      backend.minParallelFlops = 0;
      run(backend, 1, 2, {});
      expect(backend.parallelCalls).toBe(4);
      expect(() => {
        backend.minParallelFlops = -1;
      }).toThrow(/minParallelFlops must be a number ≥ 0, received -1/);
    } finally {
      backend.dispose();
    }
  });

  it('after dispose(), threaded kernels run on the calling thread alone and still agree', async () => {
    const backend = await threadedBackend(2);
    const before = run(backend, 5, 3, {});
    backend.dispose();
    expect(sameBits(run(backend, 5, 3, {}), before)).toBe(true);
  });

  it('refuses bad options with errors that name them', async () => {
    const module = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    await expect(
      createThreadedBackend(module, {
        threads: 1,
        spawn: () => {
          throw new Error('not called');
        },
      }),
    ).rejects.toThrow(/options\.threads must be an integer from 2 to 16, received 1/);
    await expect(
      createThreadedBackend(module, {
        threads: 2.5,
        spawn: () => {
          throw new Error('not called');
        },
      }),
    ).rejects.toThrow(/options\.threads/);
    await expect(createThreadedBackend(module, { threads: 2, spawn: 'no' as never })).rejects.toThrow(
      /options\.spawn must be a function/,
    );
  });

  it("createBackend({ threads: 2 }) loads the threaded build through this runtime's loader; same numbers as one thread", async () => {
    const threaded = (await createBackend({ flavor: 'simd', threads: 2 })) as ThreadedBackend;
    try {
      expect(threaded.threads).toBe(2);
      expect(threaded.flavor).toBe('simd');
      const one = await createBackend({ flavor: 'simd' });
      expect(one.threads ?? 1).toBe(1);
      threaded.minParallelFlops = 0; // split even this small call
      expect(sameBits(run(threaded, 8, 6, {}), run(one, 8, 6, {}))).toBe(true);
      expect(threaded.parallelCalls).toBe(2);
    } finally {
      threaded.dispose();
    }
  });

  it('refuses bad options.threads with errors that name it', async () => {
    await expect(createBackend({ threads: 0 })).rejects.toThrow(
      /init: options\.threads must be an integer ≥ 1 and ≤ 16, received 0/,
    );
    await expect(createBackend({ threads: 17 })).rejects.toThrow(
      /options\.threads must be an integer ≥ 1 and ≤ 16, received 17/,
    );
    await expect(createBackend({ threads: 1.5 })).rejects.toThrow(/options\.threads/);
    await expect(createBackend({ threads: 2, backend: 'js' })).rejects.toThrow(
      /options\.threads needs the wasm backend/,
    );
    await expect(createBackend({ threads: 2, bytes: new Uint8Array(8) })).rejects.toThrow(
      /cannot be combined with options\.bytes/,
    );
  });
});
