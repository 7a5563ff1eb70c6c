// Trainer checkpoints for every trainable model, and what a checkpoint may not smuggle in: each
// mutation below is re-packed with a fresh CRC, so only the trainer's own checks can catch it.
// Non-finite or negative optimizer state, an impossible step count, options that fail the schema
// or an inconsistent data position are refused with strand's message, and the refused load frees
// everything it built.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { pack, unpack } from '../../src/io/container.ts';
import {
  Dense,
  type Dropout,
  EncoderDecoder,
  GRU,
  NonFiniteError,
  SequenceModel,
  Trainer,
  type Trainable,
} from '../../src/index.ts';
import { randomArray, wasmBackend } from '../helpers/backends.ts';
import { sameBits } from '../train/util.ts';
import {
  I,
  difference,
  featureBatches,
  featureModel,
  seq2seqBatches,
  seq2seqModel,
  snapshot,
  tokenModel,
  tokenStream,
  weights,
} from './training-fixtures.ts';

let backend: Backend;
beforeAll(async () => {
  backend = await wasmBackend();
});

type Parts = { header: Record<string, unknown>; tensors: Map<string, Float32Array> };

/** Unpacks a checkpoint, lets `change` edit it, and packs it again (with a valid CRC). */
function mutate(bytes: Uint8Array, change: (p: Parts) => void): Uint8Array {
  const parts = unpack(bytes, 'test');
  change(parts);
  return pack(
    parts.header,
    [...parts.tensors].map(([name, data]) => ({ name, data })),
  );
}

/** Expects `load` to throw `message`, with every block it allocated freed again. */
function expectRefused(load: () => unknown, message: RegExp): void {
  const before = backend.heap.stats();
  expect(load).toThrow(message);
  const after = backend.heap.stats();
  expect([after.bytesInUse, after.blocks], 'the refused load freed what it built').toEqual([
    before.bytesInUse,
    before.blocks,
  ]);
}

const trainerPart = (p: Parts) => p.header.trainer as Record<string, unknown>;

/** A mutation that sets (or, with undefined, deletes) one field of the `trainer` header part, or of its `options` or `fit`. */
function setField(part: 'trainer' | 'options' | 'fit', key: string, value: unknown): (p: Parts) => void {
  return (p) => {
    const t = trainerPart(p);
    const target = (part === 'trainer' ? t : t[part]) as Record<string, unknown>;
    if (value === undefined) delete target[key];
    else target[key] = value;
  };
}

describe('Trainer.load refuses impossible optimizer state and options', () => {
  const tokens = tokenStream(61);
  let bytes: Uint8Array;
  beforeAll(async () => {
    const trainer = new Trainer(tokenModel(backend), {
      optimizer: { type: 'adam', lr: 0.01 },
      tbptt: { k1: 3 },
      batchSize: 2,
    });
    await trainer.fit(tokens, { maxSteps: 4 });
    bytes = trainer.save();
    trainer.dispose();
    trainer.model.dispose();
  });

  it('the unchanged file loads', () => {
    const t = Trainer.load(bytes, { backend });
    expect(t.optimizer.stepCount).toBe(4);
    t.dispose();
    t.model.dispose();
  });

  const cases: Array<[string, (p: Parts) => void, RegExp]> = [
    [
      'a negative second moment',
      (p) => {
        p.tensors.get('optimizer.1')![0] = -1;
      },
      /^Trainer\.load: optimizer state 1 \(adam second moment of parameter set 0\) must hold finite values ≥ 0, received -1 at index 0$/,
    ],
    [
      'a NaN first moment',
      (p) => {
        p.tensors.get('optimizer.0')![3] = Number.NaN;
      },
      // the container refuses non-finite tensors before the trainer reads them
      /expected finite float32 values in tensor 'optimizer\.0' \(from byte \d+\), found NaN at index 3/,
    ],
    [
      'an infinite moment',
      (p) => {
        p.tensors.get('optimizer.2')![1] = Number.POSITIVE_INFINITY;
      },
      /expected finite float32 values in tensor 'optimizer\.2' \(from byte \d+\), found Infinity at index 1/,
    ],
    [
      'a missing state tensor',
      (p) => {
        p.tensors.delete('optimizer.7');
      },
      /the adam optimizer has 8 state tensors, the checkpoint holds 7/,
    ],
    [
      'a gap in the state tensors',
      (p) => {
        p.tensors.delete('optimizer.3');
      },
      /the optimizer state is not numbered in order \(tensors: expected tensors optimizer\.0, optimizer\.1, … without gaps/,
    ],
    [
      'a state tensor of the wrong size',
      (p) => {
        p.tensors.set('optimizer.5', new Float32Array(3));
      },
      /optimizer state 5 \(adam second moment of parameter set 2\) must have \d+ values, received 3/,
    ],
    [
      'a missing step count',
      setField('trainer', 'stepCount', undefined),
      /^Trainer\.load: the optimizer's stepCount must be an integer in \[0, 2147483646\], received undefined$/,
    ],
    ['a fractional step count', setField('trainer', 'stepCount', 2.5), /stepCount .*received 2\.5/],
    ['a negative step count', setField('trainer', 'stepCount', -1), /stepCount .*received -1/],
    ['an absurd step count', setField('trainer', 'stepCount', 1e12), /stepCount .*received 1000000000000/],
    ['a step count as text', setField('trainer', 'stepCount', '4'), /stepCount .*received "4"/],
    [
      'clip given as a number',
      setField('options', 'clip', 5),
      /^Trainer\.load: trainer\.options\.clip must be an object, received 5$/,
    ],
    [
      'a learning rate beside the optimizer',
      setField('options', 'lr', 0.1),
      /unknown option trainer\.options\.lr \(did you mean optimizer: \{ lr \}\?\)/,
    ],
    [
      'a learning rate that is infinite in float32',
      setField('options', 'optimizer', { type: 'adam', lr: 1e39 }),
      /trainer\.options\.optimizer\.lr must be a finite number ≥ 0, finite as float32, received 1e\+39/,
    ],
    [
      'a negative cosine floor',
      setField('options', 'schedule', { type: 'cosine', total: 10, minFactor: -1 }),
      /trainer\.options\.schedule\.minFactor must be a finite number ≥ 0 and ≤ 1, received -1/,
    ],
    [
      'an unknown trainer field',
      setField('trainer', 'extra', 1),
      /unknown option trainer\.extra; valid options: options, stepCount, fit, carried/,
    ],
    [
      'a data position off the window grid',
      setField('fit', 'offset', 4),
      /trainer\.fit is inconsistent: offset 4 is not the end of a window/,
    ],
    ['epoch 0', setField('fit', 'epoch', 0), /trainer\.fit\.epoch must be an integer ≥ 1/],
    [
      'an unknown data kind',
      setField('fit', 'data', 'images'),
      /trainer\.fit\.data must be 'tokens' or 'batches', received "images"/,
    ],
    ['a missing position field', setField('fit', 'lossSum', undefined), /trainer\.fit\.lossSum is missing/],
    [
      'updates that cannot reach the offset',
      setField('fit', 'updates', 2),
      /trainer\.fit is inconsistent: 2 updates cannot reach offset 12/,
    ],
    [
      'no carried state mid-epoch',
      (p) => {
        trainerPart(p).carried = 0;
        for (const n of [...p.tensors.keys()]) if (n.startsWith('fit.state.')) p.tensors.delete(n);
      },
      /trainer\.carried must be 2 here, received 0/,
    ],
    [
      'a carried state of the wrong size',
      (p) => {
        p.tensors.set('fit.state.0', new Float32Array(5));
      },
      /the carried state tensor 'fit\.state\.0' must have 12 values, received 5/,
    ],
    [
      'a NaN carried state',
      (p) => {
        p.tensors.get('fit.state.2')![1] = Number.NaN;
      },
      /expected finite float32 values in tensor 'fit\.state\.2' \(from byte \d+\), found NaN at index 1/,
    ],
  ];

  it.each(cases)('%s', (_, change, message) => {
    expectRefused(() => Trainer.load(mutate(bytes, change), { backend }), message);
  });

  it('Adagrad sums and RMSprop means of squares must not be negative', () => {
    for (const [type, what] of [
      ['adagrad', 'adagrad sum of squared gradients'],
      ['rmsprop', 'rmsprop mean of squared gradients'],
    ] as const) {
      const trainer = new Trainer(featureModel(backend), { optimizer: { type, lr: 0.01 } });
      trainer.step(featureBatches(1)[0]);
      const bad = mutate(trainer.save(), (p) => {
        p.tensors.get('optimizer.0')![2] = -0.5;
      });
      expectRefused(
        () => Trainer.load(bad, { backend }),
        new RegExp(
          `optimizer state 0 \\(${what} of parameter set 0\\) must hold finite values ≥ 0, received -0\\.5 at index 2`,
        ),
      );
      trainer.dispose();
      trainer.model.dispose();
    }
  });
});

describe('non-finite learning rates never reach the weights', () => {
  it('a schedule that overflows float32 is refused at that update, changing nothing', () => {
    const batch = { ...featureBatches(1)[0], stateful: true };
    const trainer = new Trainer(featureModel(backend), {
      optimizer: { type: 'adam', lr: 1e-10 },
      schedule: { type: 'exponential', gamma: 1e300 },
    });
    trainer.step(batch);
    const before = snapshot(trainer);
    expect(() => trainer.step(batch)).toThrow(
      /^Trainer\.step: the learning rate of update 2 must be a finite number ≥ 0 \(as float32\), received 1e\+290; the weights and the optimizer state were left unchanged$/,
    );
    expect(difference(before, snapshot(trainer))).toBe('');
    trainer.dispose();
    trainer.model.dispose();
  });

  it('fit stops with the same error, its data position on the last good update', async () => {
    const tokens = tokenStream(61);
    const trainer = new Trainer(tokenModel(backend), {
      optimizer: { type: 'sgd', lr: 1e-10 },
      schedule: { type: 'exponential', gamma: 1e300 },
      tbptt: { k1: 3 },
      batchSize: 2,
    });
    await expect(trainer.fit(tokens)).rejects.toThrow(/^Trainer\.fit: the learning rate of update 2/);
    expect(trainer.optimizer.stepCount).toBe(1);
    const fit = unpack(trainer.save(), 'test').header.trainer as { fit: { offset: number; updates: number } };
    expect([fit.fit.offset, fit.fit.updates]).toEqual([3, 1]);
    trainer.dispose();
    trainer.model.dispose();
  });

  it('an impossible step count is refused before the kernels see it', () => {
    const trainer = new Trainer(featureModel(backend));
    const batch = featureBatches(1)[0];
    for (const n of [Number.NaN, -1, 1.5, 2 ** 31]) {
      trainer.optimizer.stepCount = n;
      const before = weights(trainer.model);
      expect(() => trainer.step(batch)).toThrow(/stepCount must be an integer in \[0, 2147483646\]/);
      expect(sameBits(before, weights(trainer.model))).toBe(true);
    }
    trainer.dispose();
    trainer.model.dispose();
  });

  it('Optimizer.step refuses a non-finite or negative rate, changing nothing', () => {
    const trainer = new Trainer(featureModel(backend), { optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 } });
    trainer.step(featureBatches(1)[0]);
    const before = snapshot(trainer);
    for (const lr of [Number.POSITIVE_INFINITY, Number.NaN, -0.1, 1e39]) {
      expect(() => trainer.optimizer.step(lr)).toThrow(
        /^Optimizer\.step: the learning rate of update 2 must be a finite number ≥ 0 \(as float32\)/,
      );
    }
    expect(difference(before, snapshot(trainer))).toBe('');
    trainer.dispose();
    trainer.model.dispose();
  });

  it('a cosine schedule that reaches 0 keeps training (a rate of 0 moves nothing)', () => {
    const trainer = new Trainer(featureModel(backend), {
      optimizer: { type: 'sgd', lr: 0.1 },
      schedule: { type: 'cosine', total: 2 },
    });
    const batch = featureBatches(1)[0];
    trainer.step(batch);
    trainer.step(batch);
    const before = weights(trainer.model);
    expect(trainer.step(batch).lr).toBe(0);
    expect(sameBits(before, weights(trainer.model))).toBe(true);
    trainer.dispose();
    trainer.model.dispose();
  });

  it('a non-finite loss or gradient leaves the carried state and dropout generators as before the step', () => {
    const model = featureModel(backend);
    const trainer = new Trainer(model, { optimizer: { type: 'sgd', lr: 0.1 } });
    const batch = { ...featureBatches(1)[0], stateful: true };
    trainer.step(batch);
    const head = model.head.params;
    model.loadStateDict({ '3.weight': new Float32Array(head.entries()[0].size).fill(3e38) }, false);
    const before = snapshot(trainer);
    const dropout = (model.layers[1] as Dropout).rng;
    const generator = dropout.snapshot();
    expect(() => trainer.step(batch)).toThrow(NonFiniteError);
    expect(difference(before, snapshot(trainer))).toBe('');
    expect(dropout.snapshot()).toEqual(generator);
    // the same step fails the same way again: nothing advanced
    expect(() => trainer.step(batch)).toThrow(NonFiniteError);
    expect(difference(before, snapshot(trainer))).toBe('');
    trainer.dispose();
    model.dispose();
  });
});

describe('Trainer.save / Trainer.load for every trainable model', () => {
  /** A feature-input model with a sigmoid head at every step. */
  const taggerModel = (b: Backend) =>
    new SequenceModel({
      layers: [new GRU(I, 4, { seed: 3, backend: b }), new Dense(4, 2, { seed: 4, backend: b })],
      output: 'sigmoid',
    });
  const taggerBatch = {
    input: randomArray(4 * 3 * I, 40, -1, 1),
    target: Float32Array.from(randomArray(4 * 3 * 2, 41, 0, 1), (x) => (x > 0.5 ? 1 : 0)),
    seqLen: 4,
    batch: 3,
  };
  const kinds: Array<[string, () => Trainable, () => Parameters<Trainer['step']>[0]]> = [
    ['many-to-one feature model', () => featureModel(backend), () => featureBatches(1)[0]],
    ['feature model with a head at every step', () => taggerModel(backend), () => taggerBatch],
    ['encoder-decoder', () => seq2seqModel(backend), () => seq2seqBatches(1)[0]],
  ];

  it.each(kinds)('%s: save → load → step equals step without the round trip', (_, make, batch) => {
    const trainer = new Trainer<Trainable>(make(), { optimizer: { type: 'adam', lr: 0.01 } });
    for (let i = 0; i < 3; i++) trainer.step(batch());
    const loaded = Trainer.load<Trainable>(trainer.save(), { backend });
    expect(difference(snapshot(trainer), snapshot(loaded))).toBe('');
    expect(loaded.model.constructor).toBe(trainer.model.constructor);
    trainer.step(batch());
    loaded.step(batch());
    expect(difference(snapshot(trainer), snapshot(loaded))).toBe('');
    for (const t of [trainer, loaded]) {
      t.dispose();
      (t.model as unknown as { dispose(): void }).dispose();
    }
  });

  it('EncoderDecoder.save / load round-trips and decodes alike; a lying header builds nothing', () => {
    const model = seq2seqModel(backend);
    const bytes = model.save();
    const again = EncoderDecoder.load(bytes, { backend });
    expect(sameBits(weights(model), weights(again))).toBe(true);
    const source = Int32Array.from([1, 2, 3, 4, 5]);
    expect(again.greedy(source, { maxLength: 6 })).toEqual(model.greedy(source, { maxLength: 6 }));
    expect(() => Trainer.load(bytes, { backend })).toThrow(/holds a model only/);
    const huge = mutate(bytes, (p) => {
      (p.header.encoderDecoder as Record<string, unknown>).hidden = 1024; // millions of values, within maxParameters
    });
    const memory = backend.heap.stats().memoryBytes;
    expectRefused(
      () => EncoderDecoder.load(huge, { backend }),
      /^EncoderDecoder\.load: the checkpoint's tensors do not fit its model \(tensors: expected \d+ values in the model tensors \(as the header field encoderDecoder declares\), found \d+\)$/,
    );
    expect(backend.heap.stats().memoryBytes, 'no memory grown for the declared size').toBe(memory);
    // and a header declaring more than maxParameters is refused by the ceiling first
    const larger = mutate(bytes, (p) => {
      (p.header.encoderDecoder as Record<string, unknown>).hidden = 4096;
    });
    expectRefused(() => EncoderDecoder.load(larger, { backend }), /above maxParameters = 50000000/);
    expect(backend.heap.stats().memoryBytes, 'no memory grown for the declared size').toBe(memory);
    const typo = mutate(bytes, (p) => {
      (p.header.encoderDecoder as Record<string, unknown>).cel = 'gru';
    });
    expectRefused(
      () => EncoderDecoder.load(typo, { backend }),
      /unknown option encoderDecoder\.cel \(did you mean 'cell'\?\)/,
    );
    model.dispose();
    again.dispose();
  });
});
