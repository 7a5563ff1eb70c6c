// fit() runs one at a time per model: a second fit (from the same trainer or another) or a step
// while a fit is in flight is refused and leaves the running fit exactly as it would have been
// alone. An already-aborted signal, and limits that are not at least one update, run no update.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { Trainer, type ProgressEvent, type TrainerOptions } from '../../src/index.ts';
import { wasmBackend } from '../helpers/backends.ts';
import { difference, featureBatches, featureModel, snapshot, tokenModel, tokenStream } from './training-fixtures.ts';

let backend: Backend;
beforeAll(async () => {
  backend = await wasmBackend();
});

const tokens = tokenStream(61);
const options: TrainerOptions = { optimizer: { type: 'adam', lr: 0.01 }, tbptt: { k1: 3 }, batchSize: 2 };

/** Busy for `ms` milliseconds, so that fit() yields (it yields when 50 ms have passed since it last did). */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // wait
  }
}

describe('concurrent fit', () => {
  it('a second fit on the model while the first is in flight is refused; the first ends as if alone', async () => {
    const alone = new Trainer(tokenModel(backend), options);
    await alone.fit(tokens, { epochs: 2 });

    const model = tokenModel(backend);
    const trainer = new Trainer(model, options);
    const other = new Trainer(model, options);
    const onStep = (e: ProgressEvent) => {
      if (e.step === 1) busy(60);
    };
    const first = trainer.fit(tokens, { epochs: 2, onStep });
    // the first fit has yielded after its first update and is still running
    expect(trainer.optimizer.stepCount).toBe(1);
    await expect(trainer.fit(tokens)).rejects.toThrow(
      /^Trainer\.fit: another fit\(\) is running on this model; await \(or abort\) it first$/,
    );
    await expect(other.fit(tokens)).rejects.toThrow(/another fit\(\) is running on this model/);
    expect(() => trainer.step({ input: tokens.subarray(0, 4), target: tokens.subarray(1, 5), seqLen: 2 })).toThrow(
      /^Trainer\.step: a fit\(\) is running on this model/,
    );
    const result = await first;
    expect(result.stopped).toBe('done');
    expect(difference(snapshot(alone), snapshot(trainer))).toBe('');
    // once it has finished, the model trains again
    expect((await other.fit(tokens, { maxSteps: 2 })).steps).toBe(2);
    for (const t of [alone, trainer, other]) t.dispose();
    alone.model.dispose();
    model.dispose();
  });

  it('a fit that throws releases the model', async () => {
    const trainer = new Trainer(tokenModel(backend), options);
    await expect(
      trainer.fit(tokens, {
        onStep: () => {
          throw new Error('stop here');
        },
      }),
    ).rejects.toThrow('stop here');
    expect((await trainer.fit(tokens, { maxSteps: 1 })).steps).toBe(1);
    trainer.dispose();
    trainer.model.dispose();
  });
});

describe('fit runs no update it was not asked for', () => {
  it('an already-aborted signal: no update, for tokens and for batches', async () => {
    const controller = new AbortController();
    controller.abort();
    const lm = new Trainer(tokenModel(backend), options);
    const before = snapshot(lm);
    expect(await lm.fit(tokens, { signal: controller.signal })).toEqual({
      epochLosses: [],
      steps: 0,
      stopped: 'aborted',
    });
    expect(difference(before, snapshot(lm))).toBe('');
    const batches = featureBatches(3);
    const reg = new Trainer(featureModel(backend));
    const regBefore = snapshot(reg);
    expect((await reg.fit(batches, { signal: controller.signal })).steps).toBe(0);
    expect(difference(regBefore, snapshot(reg))).toBe('');
    for (const t of [lm, reg]) {
      t.dispose();
      t.model.dispose();
    }
  });

  it.each([
    [
      '{ maxSteps: -1 }',
      { maxSteps: -1 },
      RangeError,
      /^Trainer\.fit: options\.maxSteps must be an integer ≥ 1, received -1$/,
    ],
    ['{ maxSteps: 0 }', { maxSteps: 0 }, RangeError, /options\.maxSteps must be an integer ≥ 1, received 0/],
    ['{ maxSteps: 1.5 }', { maxSteps: 1.5 }, RangeError, /options\.maxSteps must be an integer ≥ 1, received 1\.5/],
    [
      '{ maxSteps: Infinity }',
      { maxSteps: Number.POSITIVE_INFINITY },
      RangeError,
      /options\.maxSteps must be an integer ≥ 1, received Infinity/,
    ],
    ['{ epochs: 0 }', { epochs: 0 }, RangeError, /options\.epochs must be an integer ≥ 1, received 0/],
    ['{ timeLimit: -1 }', { timeLimit: -1 }, RangeError, /options\.timeLimit must be a finite number ≥ 0, received -1/],
    [
      '{ timeLimit: NaN }',
      { timeLimit: Number.NaN },
      RangeError,
      /options\.timeLimit must be a finite number ≥ 0, received NaN/,
    ],
  ])('%s is refused before any update', async (_, fitOptions, type, message) => {
    const trainer = new Trainer(tokenModel(backend), options);
    const before = snapshot(trainer);
    const run = trainer.fit(tokens, fitOptions as never);
    await expect(run).rejects.toThrow(type);
    await expect(trainer.fit(tokens, fitOptions as never)).rejects.toThrow(message);
    expect(difference(before, snapshot(trainer))).toBe('');
    trainer.dispose();
    trainer.model.dispose();
  });
});
