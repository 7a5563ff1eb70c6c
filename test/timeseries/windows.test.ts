// Sliding windows and chronological splits (src/data/timeseries.ts), against hand-built expectations.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/index.ts';
import { chronologicalSplit, windows } from '../../src/entry/timeseries.ts';

const ramp = (n: number): number[] => Array.from({ length: n }, (_, t) => t);

describe('windows', () => {
  it('cuts a univariate series: lookback 3, horizon 2', () => {
    const { x, y } = windows([10, 11, 12, 13, 14, 15, 16], { lookback: 3, horizon: 2 });
    expect(x).toEqual([
      [[10], [11], [12]],
      [[11], [12], [13]],
      [[12], [13], [14]],
    ]);
    expect(y).toEqual([
      [13, 14],
      [14, 15],
      [15, 16],
    ]);
  });

  it('aligns strided windows to the end: the last target is the last value', () => {
    // T = 10, lookback 3, horizon 1: starts 0, 2, 4, 6 (stride 2) and 2, 6 (stride 4)
    expect(windows(ramp(10), { lookback: 3, stride: 2 }).y).toEqual([[3], [5], [7], [9]]);
    const s4 = windows(ramp(10), { lookback: 3, stride: 4 });
    expect(s4.x).toEqual([
      [[2], [3], [4]],
      [[6], [7], [8]],
    ]);
    expect(s4.y).toEqual([[5], [9]]);
    // exactly lookback + horizon steps: one window
    expect(windows([1, 2, 3], { lookback: 2 })).toEqual({ x: [[[1], [2]]], y: [[3]] });
  });

  it('cuts a multivariate series: default target 0, several targets step-major', () => {
    const rows = ramp(5).map((t) => [t, 100 + t, 200 + t]);
    const a = windows(rows, { lookback: 2 });
    expect(a.x[0]).toEqual([
      [0, 100, 200],
      [1, 101, 201],
    ]);
    expect(a.y).toEqual([[2], [3], [4]]);
    const b = windows(rows, { lookback: 2, horizon: 2, target: [2, 0] });
    expect(b.y).toEqual([
      [202, 2, 203, 3],
      [203, 3, 204, 4],
    ]);
    expect(b.x[1]).toEqual([
      [1, 101, 201],
      [2, 102, 202],
    ]);
  });

  it('copies: changing the samples leaves the series alone', () => {
    const rows = [
      [1, 2],
      [3, 4],
      [5, 6],
    ];
    const { x } = windows(rows, { lookback: 2 });
    x[0][0][0] = 99;
    expect(rows[0][0]).toBe(1);
  });

  it('names the argument and the index of bad data', () => {
    const nan = ramp(30);
    nan[17] = Number.NaN;
    expect(() => windows(nan, { lookback: 3 })).toThrow(/windows: series\[17\] must be a finite number, received NaN/);
    const ragged = [[1, 2], [3, 4], [5, 6], [7], [9, 10]];
    expect(() => windows(ragged, { lookback: 2 })).toThrow(
      /series\[3\] must be a row of 2 values, received Array\(1\)/,
    );
    expect(() =>
      windows(
        [
          [1, Infinity],
          [2, 3],
          [4, 5],
        ],
        { lookback: 1 },
      ),
    ).toThrow(/series\[0\]\[1\] must be a finite/);
    expect(() => windows(ramp(5), { lookback: 4, horizon: 2 })).toThrow(
      /windows: lookback \+ horizon = 6 is longer than the series \(5 steps\)/,
    );
    expect(() => windows([[1, 2]], { lookback: 1, target: 2 })).toThrow(
      /windows: target must be an integer ≥ 0 and ≤ 1, received 2/,
    );
    expect(() => windows(ramp(5), { lookback: 1, target: [0, 0] })).toThrow(
      /target must list distinct feature indices/,
    );
    expect(() => windows(ramp(5), { lookbak: 2 } as never)).toThrow(/lookbak/);
    expect(() => windows(ramp(5), {} as never)).toThrow(/options.lookback must be an integer ≥ 1, received undefined/);
    expect(() => windows(ramp(5), { lookback: 0 })).toThrow(/lookback/);
    expect(() => windows([], { lookback: 1 })).toThrow(/windows: series must be a non-empty array/);
  });

  it('fuzz: every outcome is the right windows or an error naming the argument', () => {
    const rng = new Rng(24);
    let ok = 0;
    let refused = 0;
    for (let iter = 0; iter < 500; iter++) {
      const T = 1 + rng.int(12);
      const F = 1 + rng.int(3);
      const flat = rng.next() < 0.4;
      const series: unknown[] = Array.from({ length: T }, (_, t) =>
        flat ? t * 10 : Array.from({ length: F }, (_, f) => t * 10 + f),
      );
      let bad = '';
      if (rng.next() < 0.3) {
        const t = rng.int(T);
        // a row in place of row 0 of a univariate series would make it a valid multivariate one
        const junk = [Number.NaN, Infinity, 'x', null, [], [1, 2, 3, 4]][rng.int(t === 0 ? 4 : 6)];
        if (flat) series[t] = junk;
        else (series[t] as unknown[])[rng.int(F)] = junk;
        bad = `series[${t}]`;
      }
      const lookback = rng.int(6); // 0 is invalid
      const horizon = 1 + rng.int(4);
      const stride = 1 + rng.int(3);
      const width = flat ? 1 : F;
      const target = rng.int(width + 1); // width is out of range
      let result: ReturnType<typeof windows> | null = null;
      try {
        result = windows(series as number[], { lookback, horizon, stride, target });
      } catch (e) {
        refused++;
        const message = (e as Error).message;
        expect(message).toMatch(/^windows: /);
        if (bad && lookback >= 1) expect(message).toContain(bad);
        continue;
      }
      ok++;
      // independent check: value at (t, f) is 10 t + f
      expect(bad).toBe('');
      const n = result.x.length;
      expect(n).toBe(Math.floor((T - lookback - horizon) / stride) + 1);
      const lastStart = T - lookback - horizon;
      for (let i = 0; i < n; i++) {
        const start = lastStart - (n - 1 - i) * stride;
        expect(result.x[i][0][0]).toBe(start * 10);
        expect(result.y[i]).toEqual(Array.from({ length: horizon }, (_, h) => (start + lookback + h) * 10 + target));
      }
    }
    expect(ok).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });
});

describe('chronologicalSplit', () => {
  it('splits samples in time order with rounded sizes', () => {
    const samples = windows(ramp(13), { lookback: 3 }); // 10 samples, y = 3 … 12
    const { train, validation, test } = chronologicalSplit(samples, { validation: 0.2, test: 0.1 });
    expect(train.y.flat()).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(validation.y.flat()).toEqual([10, 11]);
    expect(test.y.flat()).toEqual([12]);
    expect(train.x[6][2]).toEqual([8]);
    expect(chronologicalSplit(samples).test).toEqual({ x: [], y: [] }); // default: 0.2 validation, no test
  });

  it('a raw series: parts in order, context steps before validation and test', () => {
    const series = ramp(100);
    const plain = chronologicalSplit(series, { validation: 0.2, test: 0.1 });
    expect(plain.train).toEqual(ramp(70));
    expect(plain.validation).toEqual(ramp(20).map((t) => 70 + t));
    expect(plain.test).toEqual(ramp(10).map((t) => 90 + t));
    // without context no window crosses a boundary: the first targets are lookback steps in
    expect(windows(plain.validation, { lookback: 5 }).y[0]).toEqual([75]);
    const withContext = chronologicalSplit(series, { validation: 0.2, test: 0.1, context: 5 });
    expect(withContext.train).toEqual(ramp(70));
    expect(withContext.validation[0]).toBe(65);
    expect(withContext.test[0]).toBe(85);
    // windowed with lookback = context: every target of a part lies in it, from its first step on
    const targets = (part: number[]): number[] => windows(part, { lookback: 5 }).y.flat();
    expect(targets(withContext.train)).toEqual(ramp(65).map((t) => 5 + t));
    expect(targets(withContext.validation)).toEqual(ramp(20).map((t) => 70 + t));
    expect(targets(withContext.test)).toEqual(ramp(10).map((t) => 90 + t));
  });

  it('refuses parts that would be empty, bad fractions and misplaced options', () => {
    expect(() => chronologicalSplit(ramp(3), { validation: 0.1 })).toThrow(/validation 0/);
    expect(() => chronologicalSplit(ramp(10), { validation: 0.6, test: 0.4 })).toThrow(/train 0/);
    expect(() => chronologicalSplit(ramp(10), { validation: 1 })).toThrow(/validation/);
    expect(() => chronologicalSplit(ramp(10), { valid: 0.2 } as never)).toThrow(/valid/);
    expect(() => chronologicalSplit({ x: [[[1]]], y: [[1]] }, { context: 2 })).toThrow(/context/);
    const nan = ramp(20);
    nan[4] = Number.NaN;
    expect(() => chronologicalSplit(nan)).toThrow(/data\[4\]/);
  });
});
