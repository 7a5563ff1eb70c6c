// Every options object of the training API is checked against its schema: unknown and misplaced
// keys (with a hint where the key belongs), strict types, numbers finite (as float32 where the
// kernels read them) and in range. Each bad call throws strand's own error type and message and
// leaves the model, the trainer and the heap exactly as before.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { Optimizer, Trainer, type Batch } from '../../src/index.ts';
import { wasmBackend } from '../helpers/backends.ts';
import { sameBits } from '../train/util.ts';
import {
  difference,
  featureBatches,
  featureModel,
  snapshot,
  tokenModel,
  tokenStream,
  weights,
} from './training-fixtures.ts';

let backend: Backend;
beforeAll(async () => {
  backend = await wasmBackend();
});

type Row = [unknown, ErrorConstructor, RegExp];

const trainerCases: Row[] = [
  [null, TypeError, /^Trainer: options must be an object, received null$/],
  [{ clip: 5 }, TypeError, /^Trainer: options\.clip must be an object, received 5$/],
  [
    { clip: { max_norm: 1 } },
    TypeError,
    /^Trainer: unknown option options\.clip\.max_norm; valid options: norm, value$/,
  ],
  [{ clip: { nrom: 1 } }, TypeError, /unknown option options\.clip\.nrom \(did you mean 'norm'\?\)/],
  [{ clip: { norm: 0 } }, RangeError, /options\.clip\.norm must be a finite number > 0, received 0$/],
  [
    { clip: { norm: 1e39 } },
    RangeError,
    /options\.clip\.norm must be a finite number > 0, finite as float32, received 1e\+39/,
  ],
  [{ clip: { value: Number.NaN } }, RangeError, /options\.clip\.value must be a finite number > 0, received NaN/],
  [{ clip: { value: '1' } }, TypeError, /options\.clip\.value must be a finite number > 0, received "1"/],
  [
    { lr: 0.1 },
    TypeError,
    /^Trainer: unknown option options\.lr \(did you mean optimizer: \{ lr \}\?\); valid options: loss, reduction, optimizer, schedule, clip, tbptt, batchSize$/,
  ],
  [
    { weightDecay: 0.1 },
    TypeError,
    /unknown option options\.weightDecay \(did you mean optimizer: \{ weightDecay \}\?\)/,
  ],
  [{ betas: [0.9, 0.99] }, TypeError, /unknown option options\.betas \(did you mean optimizer: \{ beta1, beta2 \}\?\)/],
  [{ warmup: 10 }, TypeError, /unknown option options\.warmup \(did you mean schedule: \{ warmup \}\?\)/],
  [{ norm: 1 }, TypeError, /unknown option options\.norm \(did you mean clip: \{ norm \}\?\)/],
  [{ k1: 20 }, TypeError, /unknown option options\.k1 \(did you mean tbptt: \{ k1 \}\?\)/],
  [
    { epochs: 3 },
    TypeError,
    /unknown option options\.epochs \(epochs is an option of fit\(\): trainer\.fit\(data, \{ epochs \}\)\)/,
  ],
  [{ los: 'mse' }, TypeError, /unknown option options\.los \(did you mean 'loss'\?\)/],
  [
    { loss: 'hinge' },
    TypeError,
    /options\.loss must be 'cross-entropy', 'binary-cross-entropy' or 'mse', received "hinge"/,
  ],
  [{ reduction: 'avg' }, TypeError, /options\.reduction must be 'mean' or 'sum', received "avg"/],
  [{ batchSize: 2.5 }, RangeError, /options\.batchSize must be an integer ≥ 1, received 2\.5/],
  [{ batchSize: '32' }, TypeError, /options\.batchSize must be an integer ≥ 1, received "32"/],
  [{ tbptt: { k1: 0 } }, RangeError, /options\.tbptt\.k1 must be an integer ≥ 1, received 0/],
  [{ tbptt: {} }, TypeError, /options\.tbptt\.k1 is required/],
  [{ tbptt: { k1: 5, k2: 3 } }, RangeError, /options\.tbptt\.k2 must be ≥ k1 \(5\), received 3/],
  [{ tbptt: { k1: 5, window: 3 } }, TypeError, /unknown option options\.tbptt\.window; valid options: k1, k2/],
  [
    { optimizer: null },
    TypeError,
    /options\.optimizer must be an object like \{ type: 'adam', lr: 2e-3 \}, received null/,
  ],
  [
    { optimizer: { type: 'lion' } },
    TypeError,
    /options\.optimizer\.type must be 'sgd', 'adagrad', 'rmsprop', 'adam' or 'adamw', received "lion"/,
  ],
  [{ optimizer: { lr: 0.1 } }, TypeError, /options\.optimizer\.type must be .*, received undefined/],
  [
    { optimizer: { type: 'adam', betas: [0.9, 0.99] } },
    TypeError,
    /^Trainer: unknown option options\.optimizer\.betas \(did you mean beta1 and beta2\?\); valid options: type, lr, beta1, beta2, eps, weightDecay$/,
  ],
  [
    { optimizer: { type: 'adam', weight_decay: 0.1 } },
    TypeError,
    /options\.optimizer\.weight_decay \(did you mean 'weightDecay'\?\)/,
  ],
  [
    { optimizer: { type: 'sgd', lr: 0.1, beta1: 0.9 } },
    TypeError,
    /^Trainer: unknown option options\.optimizer\.beta1; valid options: type, lr, momentum, dampening, nesterov, weightDecay$/,
  ],
  [
    { optimizer: { type: 'adam', momentum: 0.9 } },
    TypeError,
    /unknown option options\.optimizer\.momentum; valid options: type, lr, beta1, beta2, eps, weightDecay/,
  ],
  [
    { optimizer: { type: 'adam', lr: 1e39 } },
    RangeError,
    /options\.optimizer\.lr must be a finite number ≥ 0, finite as float32, received 1e\+39/,
  ],
  [
    { optimizer: { type: 'adam', lr: Number.NaN } },
    RangeError,
    /options\.optimizer\.lr must be a finite number ≥ 0, received NaN/,
  ],
  [
    { optimizer: { type: 'adam', lr: -1 } },
    RangeError,
    /options\.optimizer\.lr must be a finite number ≥ 0, received -1/,
  ],
  [
    { optimizer: { type: 'adam', lr: '0.1' } },
    TypeError,
    /options\.optimizer\.lr must be a finite number ≥ 0, received "0\.1"/,
  ],
  [{ optimizer: { type: 'sgd' } }, TypeError, /options\.optimizer\.lr is required for sgd/],
  [
    { optimizer: { type: 'sgd', lr: 0.1, nesterov: 'yes' } },
    TypeError,
    /options\.optimizer\.nesterov must be true or false, received "yes"/,
  ],
  [{ optimizer: { type: 'sgd', lr: 0.1, nesterov: true } }, RangeError, /nesterov needs momentum > 0 and dampening 0/],
  [
    { optimizer: { type: 'sgd', lr: 0.1, momentum: 1e39 } },
    RangeError,
    /options\.optimizer\.momentum must be .*finite as float32/,
  ],
  [
    { optimizer: { type: 'adam', beta1: 1 } },
    RangeError,
    /options\.optimizer\.beta1 must be a finite number ≥ 0 and < 1, received 1$/,
  ],
  [
    { optimizer: { type: 'adam', beta2: 0.9999999999 } },
    RangeError,
    /options\.optimizer\.beta2 must be < 1 as float32, received 0\.9999999999/,
  ],
  [
    { optimizer: { type: 'adamw', eps: 0 } },
    RangeError,
    /options\.optimizer\.eps must be a finite number > 0, received 0$/,
  ],
  [
    { optimizer: { type: 'adagrad', eps: 1e-50 } },
    RangeError,
    /options\.optimizer\.eps must be > 0 as float32, received 1e-50/,
  ],
  [
    { optimizer: { type: 'rmsprop', alpha: 1.5 } },
    RangeError,
    /options\.optimizer\.alpha must be a finite number ≥ 0 and ≤ 1, received 1\.5/,
  ],
  [
    { optimizer: { type: 'adagrad', lrDecay: -1 } },
    RangeError,
    /options\.optimizer\.lrDecay must be a finite number ≥ 0/,
  ],
  [{ schedule: 'cosine' }, TypeError, /options\.schedule must be an object like \{ type: 'cosine', total: 1000 \}/],
  [
    { schedule: { type: 'linear' } },
    TypeError,
    /options\.schedule\.type must be 'constant', 'step', 'exponential' or 'cosine'/,
  ],
  [
    { schedule: { type: 'cosine', total: 100, minFactor: -0.5 } },
    RangeError,
    /options\.schedule\.minFactor must be a finite number ≥ 0 and ≤ 1, received -0\.5/,
  ],
  [
    { schedule: { type: 'cosine', total: 100, minFactor: Number.NaN } },
    RangeError,
    /options\.schedule\.minFactor .*received NaN/,
  ],
  [
    { schedule: { type: 'cosine', total: 10.5 } },
    RangeError,
    /options\.schedule\.total must be an integer ≥ 1, received 10\.5/,
  ],
  [{ schedule: { type: 'cosine' } }, TypeError, /options\.schedule\.total is required for a 'cosine' schedule/],
  [
    { schedule: { type: 'step', stepSize: 10, gamma: Number.NaN } },
    RangeError,
    /options\.schedule\.gamma must be a finite number > 0, received NaN/,
  ],
  [
    { schedule: { type: 'step', stepSize: 10, gamma: Number.POSITIVE_INFINITY } },
    RangeError,
    /gamma .*received Infinity/,
  ],
  [
    { schedule: { type: 'step', stepSize: 2.5 } },
    RangeError,
    /options\.schedule\.stepSize must be an integer ≥ 1, received 2\.5/,
  ],
  [
    { schedule: { type: 'exponential', gamma: 0 } },
    RangeError,
    /options\.schedule\.gamma must be a finite number > 0, received 0/,
  ],
  [
    { schedule: { type: 'exponential' } },
    TypeError,
    /options\.schedule\.gamma is required for a 'exponential' schedule/,
  ],
  [
    { schedule: { type: 'constant', warmup: -1 } },
    RangeError,
    /options\.schedule\.warmup must be an integer ≥ 0, received -1/,
  ],
  [{ schedule: { type: 'constant', warmup: 2.5 } }, RangeError, /warmup must be an integer ≥ 0, received 2\.5/],
  [
    { schedule: { type: 'cosine', total: 100, gamma: 0.5 } },
    TypeError,
    /unknown option options\.schedule\.gamma; valid options: type, total, minFactor, warmup/,
  ],
];

describe('new Trainer(model, options)', () => {
  it.each(trainerCases)('refuses %j', (options, type, message) => {
    const model = tokenModel(backend);
    const before = weights(model);
    const heap = backend.heap.stats();
    const make = () => new Trainer(model, options as never);
    expect(make).toThrow(type);
    expect(make).toThrow(message);
    expect(sameBits(weights(model), before), 'the model is untouched').toBe(true);
    const after = backend.heap.stats();
    expect([after.bytesInUse, after.blocks], 'nothing allocated').toEqual([heap.bytesInUse, heap.blocks]);
    model.dispose();
  });

  it('accepts every documented option, and undefined as absent', () => {
    const model = tokenModel(backend);
    const good = [
      {},
      { clip: undefined, schedule: undefined },
      { optimizer: { type: 'sgd', lr: 0 } },
      { optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 1e-4 } },
      { optimizer: { type: 'adagrad', lr: 0.1, lrDecay: 0.01, eps: 1e-10, weightDecay: 0 } },
      { optimizer: { type: 'rmsprop', lr: 0.01, alpha: 0.9, eps: 1e-8, momentum: 0.5, weightDecay: 0 } },
      { optimizer: { type: 'adamw', lr: 1e-3, beta1: 0, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 } },
      { schedule: { type: 'cosine', total: 10, minFactor: 0, warmup: 2 } },
      { schedule: { type: 'step', stepSize: 3, gamma: 0.5 } },
      { schedule: { type: 'exponential', gamma: 0.99, warmup: 0 } },
      { loss: 'cross-entropy', reduction: 'sum', clip: { norm: 1, value: 0.5 }, tbptt: { k1: 4, k2: 8 }, batchSize: 4 },
    ];
    for (const options of good)
      expect(() => new Trainer(model, options as never).dispose(), JSON.stringify(options)).not.toThrow();
    model.dispose();
  });

  it('the Optimizer checks its own options the same way', () => {
    const model = featureModel(backend);
    expect(() => new Optimizer(model.parameterSets(), { type: 'adam', betas: [0.9, 0.99] } as never)).toThrow(
      /^Optimizer: unknown option optimizer\.betas \(did you mean beta1 and beta2\?\)/,
    );
    expect(() => new Optimizer(model.parameterSets(), { type: 'adam', lr: 1e39 })).toThrow(
      /^Optimizer: optimizer\.lr must be a finite number ≥ 0, finite as float32, received 1e\+39$/,
    );
    model.dispose();
  });
});

describe('trainer.fit(data, options) and trainer.step(batch)', () => {
  const tokens = tokenStream(61);
  const fitCases: Row[] = [
    [null, TypeError, /^Trainer\.fit: options must be an object, received null$/],
    [{ epoch: 2 }, TypeError, /unknown option options\.epoch \(did you mean 'epochs'\?\)/],
    [{ epochs: 2.5 }, RangeError, /options\.epochs must be an integer ≥ 1, received 2\.5/],
    [{ onStep: 'log' }, TypeError, /options\.onStep must be a function, received "log"/],
    [{ onEpoch: 5 }, TypeError, /options\.onEpoch must be a function, received 5/],
    [{ signal: {} }, TypeError, /options\.signal must be an AbortSignal, received an object/],
    [{ signal: true }, TypeError, /options\.signal must be an AbortSignal, received true/],
    [{ validation: 5 }, TypeError, /options\.validation must be an array of token ids, received 5/],
    [{ validation: [1, 99] }, RangeError, /Trainer\.fit: options\.validation.*99/],
    [{ validation: [1] }, RangeError, /options\.validation must hold at least 2 tokens, received 1/],
    [{ patience: 2 }, TypeError, /options\.patience needs options\.validation/],
    [{ patience: -1, validation: [1, 2] }, RangeError, /options\.patience must be an integer ≥ 0, received -1/],
    [
      { timeLimit: Number.POSITIVE_INFINITY },
      RangeError,
      /options\.timeLimit must be a finite number ≥ 0, received Infinity/,
    ],
    [{ resume: 'yes' }, TypeError, /options\.resume must be true or false, received "yes"/],
    [{ shuffle: true }, TypeError, /options\.shuffle applies to batches/],
    [{ seed: 3 }, TypeError, /options\.seed is the seed of shuffle: give shuffle: true/],
  ];

  it.each(fitCases)('fit on tokens refuses %j', async (options, type, message) => {
    const trainer = new Trainer(tokenModel(backend), { tbptt: { k1: 3 }, batchSize: 2 });
    const before = snapshot(trainer);
    await expect(trainer.fit(tokens, options as never)).rejects.toThrow(type);
    await expect(trainer.fit(tokens, options as never)).rejects.toThrow(message);
    expect(difference(before, snapshot(trainer))).toBe('');
    trainer.dispose();
    trainer.model.dispose();
  });

  it('fit on batches refuses validation, and checks every batch before the first update', async () => {
    const batches = featureBatches(4);
    const trainer = new Trainer(featureModel(backend));
    const before = snapshot(trainer);
    await expect(trainer.fit(batches, { validation: [1, 2] })).rejects.toThrow(
      /options\.validation takes held-out tokens, for a token stream/,
    );
    const bad = [...batches.slice(0, 3), { ...batches[3], target: new Float32Array(5) }];
    await expect(trainer.fit(bad)).rejects.toThrow(/^Trainer\.fit: batch 3: target must have 6 values/);
    await expect(trainer.fit([...batches, { ...batches[0], stateful: 'no' } as never])).rejects.toThrow(
      /^Trainer\.fit: batch 4: batch\.stateful must be true or false, received "no"/,
    );
    await expect(trainer.fit([])).rejects.toThrow(
      /data must be token ids or a list of batches, received an empty array/,
    );
    expect(difference(before, snapshot(trainer))).toBe('');
    trainer.dispose();
    trainer.model.dispose();
  });

  it('fit on tokens refuses a model that is not a next-token language model, pointing to batches', async () => {
    const trainer = new Trainer(featureModel(backend));
    await expect(trainer.fit(tokens)).rejects.toThrow(/for other models give it a list of batches/);
    trainer.dispose();
    trainer.model.dispose();
  });

  it('step refuses unknown batch fields and a non-boolean stateful', () => {
    const trainer = new Trainer(featureModel(backend));
    const good: Batch = featureBatches(1)[0];
    const before = snapshot(trainer);
    expect(() => trainer.step({ ...good, inputs: good.input } as never)).toThrow(
      /^Trainer\.step: unknown option batch\.inputs \(did you mean 'input'\?\)/,
    );
    expect(() => trainer.step({ ...good, stateful: 'no' } as never)).toThrow(
      /^Trainer\.step: batch\.stateful must be true or false, received "no"$/,
    );
    expect(() => trainer.step(null as never)).toThrow(/batch must be an object/);
    expect(difference(before, snapshot(trainer))).toBe('');
    trainer.dispose();
    trainer.model.dispose();
  });

  it('Trainer.load refuses unknown options', () => {
    const trainer = new Trainer(featureModel(backend));
    expect(() => Trainer.load(trainer.save(), { backnd: backend } as never)).toThrow(
      /^Trainer\.load: unknown option options\.backnd \(did you mean 'backend'\?\)/,
    );
    trainer.dispose();
    trainer.model.dispose();
  });
});
