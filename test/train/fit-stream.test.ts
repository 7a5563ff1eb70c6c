// Trainer.fit(asyncIterable of { x, y } mini-batches): the same updates, bit for bit, as the
// in-order fit({ x, y }) whose batches they are; re-iterable sources run every epoch, one-shot
// generators are refused for more than one epoch before any update; a bad mini-batch is named.
import { describe, expect, it } from 'vitest';
import { Dense, GRU, SequenceModel, Trainer, type StateDict, type SupervisedData } from '../../src/index.ts';
import { Rng } from '../../src/util/rng.ts';
import { jsBackend } from '../helpers/backends.ts';

function model(): SequenceModel {
  const backend = jsBackend();
  return new SequenceModel({
    layers: [new GRU(2, 4, { seed: 7, backend }), new Dense(4, 3, { at: 'last', seed: 8, backend })],
    output: 'softmax',
  });
}

const rng = new Rng(21);
const x = Array.from({ length: 11 }, () =>
  Array.from({ length: 1 + rng.int(5) }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1)]),
);
const y = x.map(() => rng.int(3));
const BATCH = 4;

/** The mini-batches of an in-order fit with batchSize 4. */
async function* chunks(): AsyncGenerator<SupervisedData> {
  for (let i = 0; i < x.length; i += BATCH) yield { x: x.slice(i, i + BATCH), y: y.slice(i, i + BATCH) };
}

const same = (a: StateDict, b: StateDict) => {
  for (const k of Object.keys(a)) expect(Array.from(a[k]), k).toEqual(Array.from(b[k]));
};

describe('fit(asyncIterable)', () => {
  it('equals the in-order fit({ x, y }) bit for bit, epoch after epoch, when re-iterable', async () => {
    const a = model();
    const b = model();
    const seen: number[] = [];
    const streamed = await new Trainer(a).fit(
      { [Symbol.asyncIterator]: chunks },
      { epochs: 3, onEpoch: (e) => seen.push(e.epoch) },
    );
    const whole = await new Trainer(b).fit({ x, y }, { epochs: 3, batchSize: BATCH, shuffle: false });
    same(a.stateDict(), b.stateDict());
    expect(streamed.epochLosses).toEqual(whole.epochLosses);
    expect(streamed.steps).toBe(9);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('a one-shot generator: one epoch runs; more are refused before any update', async () => {
    const m = model();
    const before = m.stateDict();
    const t = new Trainer(m);
    await expect(t.fit(chunks(), { epochs: 2 })).rejects.toThrow(/one-shot async iterator.*2 epochs/);
    same(m.stateDict(), before);
    expect((await t.fit(chunks())).steps).toBe(3);
  });

  it('names a bad mini-batch and sample; refuses in-memory options; stops on maxSteps and abort', async () => {
    const t = new Trainer(model());
    async function* bad(): AsyncGenerator<SupervisedData> {
      yield { x: x.slice(0, 2), y: y.slice(0, 2) };
      yield { x: [[[1, 2]], [[1, Number.NaN]]], y: [0, 1] };
    }
    await expect(t.fit(bad())).rejects.toThrow(/Trainer.fit: batch 1: x\[1\]\[0\]\[1\] is NaN/);
    expect(t.optimizer.stepCount).toBe(1);
    await expect(t.fit(chunks(), { batchSize: 2 })).rejects.toThrow(/do not apply to an iterable/);
    await expect(t.fit(chunks(), { validationSplit: 0.2 })).rejects.toThrow(/do not apply to an iterable/);
    expect((await t.fit({ [Symbol.asyncIterator]: chunks }, { epochs: 5, maxSteps: 4 })).stopped).toBe('steps');
    const ctl = new AbortController();
    const r = await t.fit(
      { [Symbol.asyncIterator]: chunks },
      { epochs: 5, onStep: () => ctl.abort(), signal: ctl.signal },
    );
    expect(r).toMatchObject({ stopped: 'aborted', steps: 1 });
    async function* empty(): AsyncGenerator<SupervisedData> {}
    await expect(t.fit(empty())).rejects.toThrow(/yielded no mini-batches/);
  });

  it('validation data and early stopping with restoreBest', async () => {
    const m = model();
    const states: StateDict[] = [];
    const losses: number[] = [];
    const r = await new Trainer(m, { optimizer: { type: 'adam', lr: 0.05 } }).fit(
      { [Symbol.asyncIterator]: chunks },
      {
        epochs: 6,
        validationData: { x: x.slice(0, 5), y: [2, 2, 0, 1, 0] },
        earlyStopping: { patience: 6, restoreBest: true },
        onEpoch: (e) => {
          states.push(m.stateDict());
          losses.push(e.validation!.loss);
        },
      },
    );
    const best = losses.indexOf(Math.min(...losses)) + 1;
    expect(r.bestEpoch).toBe(best);
    same(m.stateDict(), states[best - 1]);
  });
});
