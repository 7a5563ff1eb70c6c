// Trainer.evaluate({ x, y }) and predictProba / predictClasses / predictValues on ragged
// batch-major sequences: per-sample results equal the model run on each sample alone (padding
// changes nothing), the loss equals the training loss of the same batch, batching does not
// change the scores, metrics agree with the predictions, and bad input is refused by name.
import { describe, expect, it } from 'vitest';
import {
  Dense,
  Embedding,
  LSTM,
  SequenceModel,
  Trainer,
  predictClasses,
  predictProba,
  predictValues,
} from '../../src/index.ts';
import { Rng } from '../../src/util/rng.ts';
import { jsBackend } from '../helpers/backends.ts';

const backend = jsBackend();
const V = 6;

function model(at: 'last' | 'every', output: 'softmax' | 'sigmoid' | 'linear', O: number): SequenceModel {
  return new SequenceModel({
    layers: [
      new Embedding(V, 3, { seed: 1, backend }),
      new LSTM(3, 4, { seed: 2, backend }),
      new Dense(4, O, { at, seed: 3, backend }),
    ],
    output,
  });
}

function tokens(n: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: 1 + rng.int(5) }, () => rng.int(V)));
}

/** The model on one sequence alone (B = 1, no padding): its output rows. */
const alone = (m: SequenceModel, seq: number[]) => m.predict(Int32Array.from(seq), { seqLen: seq.length, batch: 1 });

const expectRowsClose = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 5);
};

describe('predict on ragged sequences', () => {
  const x = tokens(7, 4);
  it('softmax head at the last step: probabilities and classes per sample, as each sample alone', () => {
    const m = model('last', 'softmax', 3);
    const proba = predictProba(m, x, { batchSize: 3 });
    const classes = predictClasses(m, x);
    expect(proba).toHaveLength(7);
    x.forEach((seq, i) => {
      const z = Array.from(alone(m, seq));
      const e = z.map((v) => Math.exp(v));
      const s = e.reduce((a, b) => a + b, 0);
      expectRowsClose(
        proba[i],
        e.map((v) => v / s),
      );
      expect(Array.from(classes[i])).toEqual([z.indexOf(Math.max(...z))]);
    });
  });

  it('head at every step: (L·O) per sample, step by step; sigmoid classes per output', () => {
    const m = model('every', 'sigmoid', 2);
    const values = predictValues(m, x, { batchSize: 4 });
    const proba = predictProba(m, x);
    const classes = predictClasses(m, x);
    x.forEach((seq, i) => {
      const z = alone(m, seq);
      expect(values[i]).toHaveLength(seq.length * 2);
      expectRowsClose(values[i], z);
      expectRowsClose(
        proba[i],
        Array.from(z, (v) => 1 / (1 + Math.exp(-v))),
      );
      expect(Array.from(classes[i])).toEqual(Array.from(z, (v) => (v > 0 ? 1 : 0)));
    });
  });

  it('feature input as nested JS arrays or typed arrays: the same predictions', () => {
    const backend2 = jsBackend();
    const f = new SequenceModel({
      layers: [
        new LSTM(2, 3, { seed: 5, backend: backend2 }),
        new Dense(3, 1, { at: 'last', seed: 6, backend: backend2 }),
      ],
      output: 'linear',
    });
    const nested = [
      [[1, 2]],
      [
        [0.5, -1],
        [2, 0],
      ],
    ];
    const typed = nested.map((s) => s.map((v) => Float32Array.from(v)));
    expect(predictValues(f, nested)).toEqual(predictValues(f, typed));
    expect(() => predictProba(f, nested)).toThrow(/predictProba: needs a softmax or sigmoid head/);
    expect(() => predictValues(f, [[[1, 2]], [[1]]])).toThrow(/predictValues: x\[1\]\[0\] has 1 features, expected 2/);
    expect(() => predictValues(f, [])).toThrow(/non-empty array/);
    expect(() => predictValues(f, nested, { batch: 2 } as never)).toThrow(/batch/);
  });
});

describe('Trainer.evaluate({ x, y })', () => {
  it('loss equals the training loss of the same batch; batching changes nothing; no weights change', async () => {
    const m = model('every', 'softmax', V);
    const x = tokens(9, 8);
    const y = x.map((s) => s.map((t) => (t + 1) % V));
    const t = new Trainer(m);
    const before = m.stateDict();
    const whole = t.evaluate({ x, y }, { metrics: ['accuracy', 'perplexity'] });
    const small = t.evaluate({ x, y }, { metrics: ['accuracy', 'perplexity'], batchSize: 2 });
    expect(small.loss).toBeCloseTo(whole.loss, 12);
    expect(small.accuracy).toBe(whole.accuracy);
    expect(whole.perplexity).toBeCloseTo(Math.exp(whole.loss), 12);
    expect(m.stateDict()).toEqual(before);
    // one batch of all 9 samples: step()'s loss is computed before its update
    let stepLoss = 0;
    await new Trainer(m).fit({ x, y }, { batchSize: 9, shuffle: false, onStep: (e) => (stepLoss = e.loss) });
    expect(stepLoss).toBeCloseTo(whole.loss, 5);
  });

  it('accuracy and F1 agree with predictClasses', () => {
    const m = model('last', 'softmax', 3);
    const x = tokens(20, 9);
    const y = x.map((s) => s.length % 3);
    const r = new Trainer(m).evaluate({ x, y }, { metrics: ['accuracy', 'f1'] });
    const c = predictClasses(m, x).map((a) => a[0]);
    expect(r.accuracy).toBe(c.filter((p, i) => p === y[i]).length / 20);
    for (let k = 0; k < 3; k++) {
      const tp = c.filter((p, i) => p === k && y[i] === k).length;
      const predicted = c.filter((p) => p === k).length;
      expect(r.f1!.precision[k]).toBe(predicted ? tp / predicted : 0);
      expect(r.f1!.support[k]).toBe(y.filter((v) => v === k).length);
    }
  });

  it('refuses bad data and options by name', () => {
    const t = new Trainer(model('last', 'softmax', 3));
    expect(() => t.evaluate({ x: [[1], [9]], y: [0, 1] })).toThrow(/Trainer.evaluate: x\[1\]\[0\] is 9/);
    expect(() => t.evaluate({ x: [[1]], y: [0] }, { metrics: ['auc' as never] })).toThrow(/metrics/);
    expect(() => t.evaluate({ x: [[1]], y: [0] }, { epochs: 2 } as never)).toThrow(/epochs/);
  });
});
