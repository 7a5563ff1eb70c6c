// The scorer behind fit()'s validation metrics and evaluate(): loss, accuracy, mse, mae,
// perplexity and per-class precision / recall / F1 against hand computations on small fixed
// outputs — a class never predicted, padded steps left out, a sigmoid head's labels.
import { describe, expect, it } from 'vitest';
import type { Batch } from '../../src/nn/trainable.ts';
import { scorer } from '../../src/train/metrics.ts';

const softmax = (z: number[]) => {
  const e = z.map(Math.exp);
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const close = (a: number, b: number) => expect(a).toBeCloseTo(b, 12);

describe('scorer', () => {
  it('softmax head at the last step: loss, accuracy, perplexity, mse/mae of probabilities, F1 with a class never predicted', () => {
    const logits = [
      [2, 0, 0],
      [0, 1, 0],
      [1, 0, 0],
      [0, 3, 0],
    ];
    const target = [0, 1, 2, 0]; // predicted: 0, 1, 0, 1 — class 2 never predicted
    const batch: Batch = { input: [], target, seqLen: 1, batch: 4 };
    const s = scorer(3, 'cross-entropy', ['accuracy', 'perplexity', 'mse', 'mae', 'f1']);
    s.add(logits.flat(), batch, false);
    const r = s.result();
    const loss = logits.reduce((a, z, i) => a - Math.log(softmax(z)[target[i]]), 0) / 4;
    close(r.loss, loss);
    close(r.perplexity!, Math.exp(loss));
    expect(r.accuracy).toBe(0.5);
    let se = 0;
    let ae = 0;
    logits.forEach((z, i) =>
      softmax(z).forEach((p, k) => {
        const d = p - (k === target[i] ? 1 : 0);
        se += d * d;
        ae += Math.abs(d);
      }),
    );
    close(r.mse!, se / 12);
    close(r.mae!, ae / 12);
    // class 0: tp 1 (row 0), fp 1 (row 2), fn 1 (row 3); class 1: tp 1, fp 1; class 2: fn 1, never predicted
    expect(r.f1!.precision).toEqual([0.5, 0.5, 0]);
    expect(r.f1!.recall).toEqual([0.5, 1, 0]);
    close(r.f1!.f1[1], 2 / 3);
    expect(r.f1!.f1[0]).toBe(0.5);
    expect(r.f1!.f1[2]).toBe(0);
    expect(r.f1!.support).toEqual([2, 1, 1]);
    close(r.f1!.macroF1, (0.5 + 2 / 3) / 3);
    expect(Object.keys(scorer(3, 'cross-entropy', []).result())).toEqual(['loss']);
  });

  it('accumulates over batches as one set (two halves = the whole)', () => {
    const whole = scorer(2, 'cross-entropy', ['accuracy', 'f1']);
    whole.add([1, 0, 0, 1, 2, 1], { input: [], target: [0, 0, 1], batch: 3, seqLen: 1 }, false);
    const parts = scorer(2, 'cross-entropy', ['accuracy', 'f1']);
    parts.add([1, 0], { input: [], target: [0], batch: 1, seqLen: 1 }, false);
    parts.add([0, 1, 2, 1], { input: [], target: [0, 1], batch: 2, seqLen: 1 }, false);
    close(parts.result().loss, whole.result().loss);
    expect(parts.result().f1).toEqual(whole.result().f1);
    close(whole.result().accuracy!, 1 / 3);
  });

  it('linear head at every step: padded steps are left out of loss, mse and mae', () => {
    // T = 2, B = 2, lengths [2, 1]: rows (t·B + b) 0, 1, 2 count, row 3 is padding
    const out = [1, 2, 0, 0, 3, -1, 100, 100];
    const target = [1, 1, 1, -1, 2, 1, 0, 0];
    const s = scorer(2, 'mse', ['mse', 'mae']);
    s.add(out, { input: [], target, seqLen: 2, batch: 2, lengths: [2, 1] }, true);
    const r = s.result();
    // differences: 0, 1, −1, 1, 1, −2
    close(r.loss, 8 / 6);
    close(r.mse!, 8 / 6);
    close(r.mae!, 6 / 6);
  });

  it('sigmoid head: per-output accuracy, binary cross-entropy, F1 per output', () => {
    const out = [2, -1, 0.5, 0.5];
    const target = [1, 0, 0, 1];
    const s = scorer(2, 'binary-cross-entropy', ['accuracy', 'f1', 'mse']);
    s.add(out, { input: [], target, seqLen: 3, batch: 2 }, false);
    const r = s.result();
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const bce = out.reduce((a, v, i) => a - (target[i] * Math.log(sig(v)) + (1 - target[i]) * Math.log(1 - sig(v))), 0);
    close(r.loss, bce / 4);
    expect(r.accuracy).toBe(0.75);
    close(r.mse!, out.reduce((a, v, i) => a + (sig(v) - target[i]) ** 2, 0) / 4);
    expect(r.f1!.precision).toEqual([0.5, 1]);
    expect(r.f1!.recall).toEqual([1, 1]);
    close(r.f1!.f1[0], 2 / 3);
    expect(r.f1!.support).toEqual([1, 1]);
  });
});
