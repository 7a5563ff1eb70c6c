// A fit stopped after K updates, saved, loaded and resumed for N − K more ends bit for bit where an
// uninterrupted fit of N updates ends — weights, optimizer state, carried state, the per-epoch
// losses and every update's loss — for a token-stream language model (TBPTT windows, dropout,
// validation with patience), a many-to-one feature model on shuffled and on stateful batches,
// and an encoder-decoder. Resuming refuses other data and a trainer with no position.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { Trainer, type Batch, type FitOptions, type Trainable, type TrainerOptions } from '../../src/index.ts';
import { wasmBackend } from '../helpers/backends.ts';
import {
  difference,
  featureBatches,
  featureModel,
  seq2seqBatches,
  seq2seqModel,
  snapshot,
  tokenModel,
  tokenStream,
} from './training-fixtures.ts';

let backend: Backend;
beforeAll(async () => {
  backend = await wasmBackend();
});

/** What a run leaves: the trainer's state, the epoch losses and each update's loss, in order. */
interface Run {
  state: ReturnType<typeof snapshot>;
  epochLosses: number[];
  losses: number[];
}

type Data = ArrayLike<number> | readonly Batch[];

/** N updates in one fit. */
async function straight(trainer: Trainer<Trainable>, data: Data, options: FitOptions, n: number): Promise<Run> {
  const losses: number[] = [];
  const r = await trainer.fit(data, { ...options, maxSteps: n, onStep: (e) => losses.push(e.loss) });
  expect(r.steps).toBe(n);
  return { state: snapshot(trainer), epochLosses: r.epochLosses, losses };
}

/** K updates, save, load (on the same backend), then N − K more with resume. */
async function interrupted(
  first: Trainer<Trainable>,
  data: Data,
  options: FitOptions,
  k: number,
  n: number,
): Promise<Run & { resumed: Trainer<Trainable> }> {
  const losses: number[] = [];
  const a = await first.fit(data, { ...options, maxSteps: k, onStep: (e) => losses.push(e.loss) });
  expect(a.stopped).toBe('steps');
  const bytes = first.save();
  const resumed = Trainer.load<Trainable>(bytes, { backend });
  const { seed: _, ...again } = options;
  const b = await resumed.fit(data, { ...again, resume: true, maxSteps: n - k, onStep: (e) => losses.push(e.loss) });
  expect(b.steps).toBe(n - k);
  return { state: snapshot(resumed), epochLosses: [...a.epochLosses, ...b.epochLosses], losses, resumed };
}

function expectSameRun(a: Run, b: Run): void {
  expect(difference(a.state, b.state), 'weights, optimizer state, step count, carried state').toBe('');
  expect(b.losses).toEqual(a.losses);
  expect(b.epochLosses).toEqual(a.epochLosses);
}

function release(...trainers: Trainer<Trainable>[]): void {
  for (const t of trainers) {
    t.dispose();
    (t.model as unknown as { dispose(): void }).dispose();
  }
}

describe('fit resumes mid-epoch exactly', () => {
  // 61 tokens in 2 streams of 30 steps, windows of 3 new steps through 5: 10 updates an epoch
  const tokens = tokenStream(61);
  const validation = tokenStream(20, 9);
  const lmOptions: TrainerOptions = {
    optimizer: { type: 'adam', lr: 0.02 },
    clip: { norm: 1 },
    tbptt: { k1: 3, k2: 5 },
    batchSize: 2,
    schedule: { type: 'cosine', total: 30, warmup: 3 },
  };

  it.each([
    [7, 'mid-epoch'],
    [10, 'at the end of an epoch, before its validation'],
    [13, 'in the second epoch'],
  ])('a token-stream language model stopped after %i updates (%s)', async (k) => {
    const fitOptions: FitOptions = { epochs: 3, validation, patience: 5 };
    const a = new Trainer(tokenModel(backend), lmOptions);
    const whole = await straight(a, tokens, fitOptions, 25);
    const b = new Trainer(tokenModel(backend), lmOptions);
    const parts = await interrupted(b, tokens, fitOptions, k, 25);
    expectSameRun(whole, parts);
    expect(whole.epochLosses).toHaveLength(2);
    release(a, b, parts.resumed);
  });

  it('a live trainer resumes too, without a checkpoint', async () => {
    const a = new Trainer(tokenModel(backend), lmOptions);
    const whole = await straight(a, tokens, { epochs: 2 }, 17);
    const b = new Trainer(tokenModel(backend), lmOptions);
    const losses: number[] = [];
    const onStep = (e: { loss: number }) => losses.push(e.loss);
    await b.fit(tokens, { epochs: 2, maxSteps: 6, onStep });
    await b.fit(tokens, { epochs: 2, maxSteps: 11, onStep, resume: true });
    expect(difference(whole.state, snapshot(b))).toBe('');
    expect(losses).toEqual(whole.losses);
    release(a, b);
  });

  it('a many-to-one feature model on batches shuffled each epoch', async () => {
    const batches = featureBatches(7);
    const options: TrainerOptions = { optimizer: { type: 'rmsprop', lr: 0.01, momentum: 0.5 } };
    const fitOptions: FitOptions = { epochs: 4, shuffle: true, seed: 5 };
    const a = new Trainer(featureModel(backend), options);
    const whole = await straight(a, batches, fitOptions, 24);
    const b = new Trainer(featureModel(backend), options);
    const parts = await interrupted(b, batches, fitOptions, 10, 24);
    expectSameRun(whole, parts);
    // the shuffle did reorder: an unshuffled run differs
    const c = new Trainer(featureModel(backend), options);
    const inOrder = await straight(c, batches, { epochs: 4 }, 24);
    expect(difference(whole.state, inOrder.state)).not.toBe('');
    release(a, b, c, parts.resumed);
  });

  it('a feature model on stateful batches, whose carried state crosses the save', async () => {
    const batches = featureBatches(5, true);
    const options: TrainerOptions = { optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 } };
    const a = new Trainer(featureModel(backend), options);
    const whole = await straight(a, batches, { epochs: 3 }, 12);
    const b = new Trainer(featureModel(backend), options);
    const parts = await interrupted(b, batches, { epochs: 3 }, 7, 12);
    expectSameRun(whole, parts);
    expect(whole.state.carried.length).toBeGreaterThan(0);
    release(a, b, parts.resumed);
  });

  it('an encoder-decoder on shuffled batches', async () => {
    const batches = seq2seqBatches(5);
    const options: TrainerOptions = { optimizer: { type: 'adamw', lr: 0.02 }, clip: { value: 0.5 } };
    const fitOptions: FitOptions = { epochs: 3, shuffle: true, seed: 1 };
    const a = new Trainer(seq2seqModel(backend), options);
    const whole = await straight(a, batches, fitOptions, 13);
    const b = new Trainer(seq2seqModel(backend), options);
    const parts = await interrupted(b, batches, fitOptions, 6, 13);
    expectSameRun(whole, parts);
    release(a, b, parts.resumed);
  });

  it('a finished run resumes with more epochs, as one longer run', async () => {
    const batches = featureBatches(4);
    const a = new Trainer(featureModel(backend));
    const whole = await a.fit(batches, { epochs: 3, shuffle: true, seed: 2 });
    const b = new Trainer(featureModel(backend));
    const first = await b.fit(batches, { epochs: 1, shuffle: true, seed: 2 });
    const c = Trainer.load(b.save(), { backend });
    const more = await c.fit(batches, { epochs: 3, shuffle: true, resume: true });
    expect([first.steps, more.steps, whole.steps]).toEqual([4, 8, 12]);
    expect([...first.epochLosses, ...more.epochLosses]).toEqual(whole.epochLosses);
    expect(difference(snapshot(a), snapshot(c))).toBe('');
    // resuming a run whose epochs are all done runs nothing
    const none = await c.fit(batches, { epochs: 3, shuffle: true, resume: true });
    expect(none).toEqual({ epochLosses: [], steps: 0, stopped: 'done' });
    release(a, b, c);
  });
});

describe('resume refuses what it cannot continue', () => {
  it('other data, another shuffle setting, or no saved position', async () => {
    const tokens = tokenStream(61);
    const t = new Trainer(tokenModel(backend), { tbptt: { k1: 3 }, batchSize: 2 });
    await expect(t.fit(tokens, { resume: true })).rejects.toThrow(
      /^Trainer\.fit: resume: this trainer has no fit\(\) to resume$/,
    );
    await t.fit(tokens, { maxSteps: 4 });
    const before = snapshot(t);
    const other = tokens.slice();
    other[30] = (other[30] + 1) % 7;
    await expect(t.fit(other, { resume: true })).rejects.toThrow(
      /resume needs the data of the run it continues \(61 tokens, hash \d+\), received 61 tokens, hash \d+/,
    );
    await expect(t.fit(tokens.subarray(1), { resume: true })).rejects.toThrow(RangeError);
    expect(difference(before, snapshot(t))).toBe('');
    release(t);

    const batches = featureBatches(3);
    const f = new Trainer(featureModel(backend));
    await f.fit(batches, { maxSteps: 2, shuffle: true, seed: 4 });
    await expect(f.fit(batches, { resume: true })).rejects.toThrow(/resume: the run was shuffled; give shuffle: true/);
    await expect(f.fit(batches, { resume: true, shuffle: true, seed: 4 })).rejects.toThrow(
      /seed cannot be combined with resume/,
    );
    release(f);
  });
});
