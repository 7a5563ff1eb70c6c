// Forecasting with a many-to-one model (src/train/forecast.ts): layout conversions, direct and recursive forecasts.
import { describe, expect, it } from 'vitest';
import { Dense, LSTM, Rng, SequenceModel, Trainer } from '../../src/index.ts';
import {
  forecastDirect,
  forecastRecursive,
  predictWindows,
  toBatches,
  toTimeMajor,
  windows,
} from '../../src/entry/timeseries.ts';
import { wasmBackend } from '../helpers/backends.ts';

async function model(inputs: number, outputs: number, at: 'last' | 'every' = 'last'): Promise<SequenceModel> {
  const backend = await wasmBackend();
  return new SequenceModel({
    layers: [new LSTM(inputs, 6, { seed: 3, backend }), new Dense(6, outputs, { at, seed: 4, backend })],
    output: 'linear',
  });
}

describe('toTimeMajor and toBatches', () => {
  it('puts x[b][t][f] at (t·B + b)·F + f', () => {
    const x = [
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [
        [7, 8],
        [9, 10],
        [11, 12],
      ],
    ];
    const { input, seqLen, batch } = toTimeMajor(x);
    expect([seqLen, batch]).toEqual([3, 2]);
    expect(Array.from(input)).toEqual([1, 2, 7, 8, 3, 4, 9, 10, 5, 6, 11, 12]);
    expect(
      Array.from(
        toTimeMajor([
          [1, 2, 3],
          [4, 5, 6],
        ]).input,
      ),
    ).toEqual([1, 4, 2, 5, 3, 6]); // plain values: F = 1
  });

  it('batches samples in order, the last one the remainder, targets row-major', () => {
    const samples = windows([0, 1, 2, 3, 4, 5, 6, 7], { lookback: 2, horizon: 2 }); // 5 samples
    const batches = toBatches(samples, 2);
    expect(batches.map((b) => b.batch)).toEqual([2, 2, 1]);
    expect(Array.from(batches[0].input)).toEqual([0, 1, 1, 2]);
    expect(Array.from(batches[0].target)).toEqual([2, 3, 3, 4]);
    expect(Array.from(batches[2].target)).toEqual([6, 7]);
    expect(batches[2].seqLen).toBe(2);
  });

  it('names the bad sample', () => {
    expect(() => toTimeMajor([[[1]], [[1], [2]]])).toThrow(/x\[1\] has 2 steps; x\[0\] has 1/);
    expect(() => toTimeMajor([[[1, 2]], [[1, Number.NaN]]])).toThrow(/x\[1\]\[0\]\[1\] must be a finite number/);
    expect(() => toBatches({ x: [[[1]], [[2]], [[3]]], y: [[1], [2], [1, 2]] }, 2)).toThrow(/samples.y\[2\]/);
    expect(() => toBatches({ x: [[[1]]], y: [[1]] }, 0)).toThrow(/batchSize/);
  });

  it('feeds Trainer.fit as a list of batches', async () => {
    const m = await model(1, 1);
    const trainer = new Trainer(m, { optimizer: { type: 'adam', lr: 1e-2 } });
    const series = Array.from({ length: 80 }, (_, t) => Math.sin(t / 2));
    const result = await trainer.fit(toBatches(windows(series, { lookback: 8 }), 16), { epochs: 30 });
    expect(result.epochLosses[29]).toBeLessThan(result.epochLosses[0] / 4);
    trainer.dispose();
    m.dispose();
  });
});

describe('forecasts', () => {
  const window = [0.1, -0.4, 0.7, 0.2, -0.9, 0.5];

  it('recursive equals manual step-by-step predictions (univariate)', async () => {
    const m = await model(1, 1);
    const got = forecastRecursive(m, window, 4);
    const manual: number[] = [];
    let w = window.slice();
    for (let s = 0; s < 4; s++) {
      const next = m.predict(Float32Array.from(w), { seqLen: w.length, batch: 1 })[0]; // (T, 1, 1)
      manual.push(next);
      w = [...w.slice(1), next];
    }
    expect(got).toEqual(manual);
    expect(forecastDirect(m, window)).toEqual([manual[0]]);
    m.dispose();
  });

  it('recursive with nextRow (multivariate: predicted target beside a known covariate)', async () => {
    const m = await model(2, 1);
    const rows = window.map((v, t) => [v, t / 10]);
    const seen: number[] = [];
    const got = forecastRecursive(m, rows, 3, (prediction, step, last) => {
      seen.push(step);
      return [prediction[0], last[1] + 0.1];
    });
    expect(seen).toEqual([0, 1, 2]);
    let w = rows.map((r) => r.slice());
    for (let s = 0; s < 3; s++) {
      const next = m.predict(Float32Array.from(w.flat()), { seqLen: w.length, batch: 1 })[0];
      expect(got[s]).toBe(next);
      w = [...w.slice(1), [next, w[w.length - 1][1] + 0.1]];
    }
    m.dispose();
  });

  it('predictWindows runs many windows at once, each as forecastDirect alone', async () => {
    const m = await model(2, 3);
    const x = [0, 1, 2].map((k) => window.map((v, t) => [v * k, t - k]));
    const all = predictWindows(m, x);
    expect(all.length).toBe(3);
    x.forEach((w, b) => {
      const one = forecastDirect(m, w);
      expect(one.length).toBe(3);
      one.forEach((v, o) => expect(all[b][o]).toBeCloseTo(v, 5));
    });
    m.dispose();
  });

  it('refuses the wrong model, window, steps or nextRow, naming them', async () => {
    const m = await model(2, 1);
    expect(() => forecastRecursive(m, [[1, 2]], 2)).toThrow(/predicts 1 values from 2 features; pass nextRow/);
    expect(() => forecastDirect(m, [[1, 2], [3]])).toThrow(
      /forecastDirect: window\[1\] must be a row of 2 values, received Array\(1\)/,
    );
    expect(() =>
      forecastDirect(m, [
        [1, 2],
        [3, Number.NaN],
      ]),
    ).toThrow(/window\[1\]\[1\] must be a finite/);
    expect(() => forecastRecursive(m, [[1, 2]], 0, () => [1, 2])).toThrow(/steps must be a positive integer/);
    expect(() => forecastRecursive(m, [[1, 2]], 2, () => [1])).toThrow(
      /forecastRecursive: nextRow\(step 0\) result\[0\] must be a row of 2 values/,
    );
    const every = await model(1, 1, 'every');
    expect(() => forecastDirect(every, [1, 2])).toThrow(/at: 'last'/);
    every.dispose();
    m.dispose();
  });

  it('fuzz: bad windows give an error naming the row and feature, good ones a finite forecast', async () => {
    const m = await model(2, 1);
    const rng = new Rng(99);
    let ok = 0;
    let refused = 0;
    for (let iter = 0; iter < 200; iter++) {
      const rows = Array.from({ length: 1 + rng.int(5) }, () => [rng.normal(), rng.normal()]) as unknown[][];
      let bad = '';
      if (rng.next() < 0.5) {
        const t = rng.int(rows.length);
        const f = rng.int(3);
        rows[t][f] = [Number.NaN, Infinity, 'x', null][rng.int(4)];
        bad = f < 2 ? `window[${t}][${f}]` : `window[${t}] must be a row of 2 values`;
      }
      try {
        const out = forecastDirect(m, rows as number[][]);
        ok++;
        expect(bad).toBe('');
        expect(out.length === 1 && Number.isFinite(out[0])).toBe(true);
      } catch (e) {
        refused++;
        expect((e as Error).message).toContain(`forecastDirect: ${bad || 'never'}`);
      }
    }
    expect(ok).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
    m.dispose();
  });
});
