// Scaler (src/data/timeseries.ts): statistics of the training part only, exact round trips, JSON.
import { describe, expect, it } from 'vitest';
import { Dense, GRU, Rng, SequenceModel } from '../../src/index.ts';
import { chronologicalSplit, Scaler, windows } from '../../src/entry/timeseries.ts';
import { wasmBackend } from '../helpers/backends.ts';

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: number[]): number => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));

describe('Scaler', () => {
  it('standard: mean and population std per feature; minmax: min and range', () => {
    const rows = [
      [1, 10, 5],
      [2, 20, 5],
      [3, 60, 5],
    ];
    expect(new Scaler().fit(rows).toJSON()).toEqual({
      kind: 'standard',
      offset: [2, 30, 5],
      scale: [Math.sqrt(2 / 3), Math.sqrt(1400 / 3), 1], // constant feature: scale 1
    });
    expect(new Scaler('minmax').fit(rows).toJSON()).toEqual({ kind: 'minmax', offset: [1, 10, 5], scale: [2, 50, 1] });
    expect(new Scaler('minmax').fit(rows).transform(rows)).toEqual([
      [0, 0, 0],
      [0.5, 0.2, 0],
      [1, 1, 0],
    ]);
  });

  it('never sees validation or test data: fitted on a split it has the training part’s statistics', () => {
    // the later parts are far off, so any leak moves the statistics visibly
    const series = Array.from({ length: 200 }, (_, t) => (t < 140 ? Math.sin(t / 3) : 1000 + t));
    const split = chronologicalSplit(series, { validation: 0.2, test: 0.1, context: 24 });
    const scaler = new Scaler().fit(split.train);
    const trainValues = series.slice(0, 140);
    expect(scaler.toJSON().offset[0]).toBeCloseTo(mean(trainValues), 12);
    expect(scaler.toJSON().scale[0]).toBeCloseTo(std(trainValues), 12);
    expect(Math.max(...scaler.transform(split.train).map(Math.abs))).toBeLessThan(3);
  });

  it('round trip exact to 1e-12 (float64), whole rows and target columns', () => {
    const rng = new Rng(7);
    const rows = Array.from({ length: 50 }, () => [rng.normal() * 1e3 + 5e3, rng.normal() * 1e-3, rng.next()]);
    for (const kind of ['standard', 'minmax'] as const) {
      const scaler = new Scaler(kind).fit(rows);
      const back = scaler.inverseTransform(scaler.transform(rows));
      rows.forEach((r, t) =>
        r.forEach((v, f) => expect(Math.abs(back[t][f] - v)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v)))),
      );
      // targets [2, 0], step-major as in windows(...).y: element j is feature [2, 0][j % 2]
      const { offset, scale } = scaler.toJSON();
      const y = [rows[3][2], rows[3][0], rows[4][2], rows[4][0]];
      const scaled = scaler.transform(y, [2, 0]);
      expect(scaled).toEqual([
        (y[0] - offset[2]) / scale[2],
        (y[1] - offset[0]) / scale[0],
        (y[2] - offset[2]) / scale[2],
        (y[3] - offset[0]) / scale[0],
      ]);
      const unscaled = scaler.inverseTransform(Float32Array.from(scaled), [2, 0]);
      unscaled.forEach((v, j) => expect(v).toBeCloseTo(y[j], j % 2 === 0 ? 6 : 2)); // via float32
      expect(
        scaler.inverseTransform(scaled, [2, 0]).map((v, j) => Math.abs(v - y[j]) <= 1e-12 * Math.abs(y[j])),
      ).toEqual([true, true, true, true]);
    }
  });

  it('transforms windowed targets the same as the series they came from', () => {
    const series = Array.from({ length: 30 }, (_, t) => [t, t * t, -t]);
    const scaler = new Scaler().fit(series);
    const a = windows(scaler.transform(series), { lookback: 4, horizon: 2, target: [1, 2] });
    const b = windows(series, { lookback: 4, horizon: 2, target: [1, 2] });
    expect(b.y.map((row) => scaler.transform(row, [1, 2]))).toEqual(a.y);
  });

  it('saves in model.metadata and comes back equal', async () => {
    const scaler = new Scaler('minmax').fit([3, 1, 4, 1, 5, 9, 2, 6]);
    const backend = await wasmBackend();
    const model = new SequenceModel({
      layers: [new GRU(1, 4, { seed: 1, backend }), new Dense(4, 1, { at: 'last', seed: 2, backend })],
      output: 'linear',
    });
    model.metadata.scaler = scaler.toJSON();
    const loaded = SequenceModel.load(model.save(), { backend });
    const again = Scaler.fromJSON(loaded.metadata.scaler as never);
    expect(again.toJSON()).toEqual(scaler.toJSON());
    expect(again.transform([5, 9])).toEqual(scaler.transform([5, 9]));
    model.dispose();
    loaded.dispose();
  });

  it('refuses bad input with the argument and index, and stays as it was', () => {
    const scaler = new Scaler().fit([1, 2, 3]);
    const before = scaler.toJSON();
    expect(() => scaler.fit([1, 2, Number.NaN, 4])).toThrow(/Scaler.fit: train\[2\] must be a finite number/);
    expect(() => scaler.fit([[1], [2, 3]])).toThrow(/train\[1\] must be a row of 1 values, received Array\(2\)/);
    expect(scaler.toJSON()).toEqual(before);
    expect(() => scaler.transform([1, Number.POSITIVE_INFINITY])).toThrow(
      /Scaler.transform: data\[1\] must be a finite/,
    );
    expect(() => scaler.transform([[1, 2]])).toThrow(
      /Scaler.transform: data\[0\] must have 1 values, received Array\(2\)/,
    );
    expect(() => new Scaler().fit([[1, 2]]).transform([1, 2])).toThrow(
      /flat data needs a target \(the scaler has 2 features\)/,
    );
    expect(() => new Scaler().fit([[1, 2]]).transform([1, 2, 3], [0, 1])).toThrow(/a multiple of 2/);
    expect(() => new Scaler().transform([1])).toThrow(/not fitted/);
    expect(() => new Scaler('robust' as never)).toThrow(/kind must be 'standard' or 'minmax'/);
    expect(() => Scaler.fromJSON({ kind: 'standard', offset: [0], scale: [0] })).toThrow(
      /json.scale must hold 1 values > 0, received 0/,
    );
    expect(() => Scaler.fromJSON({ offset: [0], scale: [1] } as never)).toThrow(/json.kind/);
    expect(() => Scaler.fromJSON({ kind: 'minmax', offset: [0], scale: [1], extra: 1 } as never)).toThrow(/extra/);
  });

  it('fuzz: transform gives the scaled values or an error naming data and the index', () => {
    const rng = new Rng(2424);
    const scaler = new Scaler().fit([
      [1, 10],
      [3, 30],
    ]); // offset [2, 20], scale [1, 10]
    let ok = 0;
    let refused = 0;
    for (let iter = 0; iter < 400; iter++) {
      const rows = Array.from({ length: 1 + rng.int(4) }, () => [rng.normal(), rng.normal()]) as unknown[][];
      let bad = '';
      if (rng.next() < 0.5) {
        const t = rng.int(rows.length);
        const f = rng.int(3); // 2: a third value, a row too long
        rows[t][f] = [Number.NaN, -Infinity, '1', null, undefined][rng.int(5)];
        bad = f < 2 ? `data[${t}][${f}]` : `data[${t}]`;
      }
      try {
        const out = scaler.transform(rows as number[][]);
        ok++;
        expect(bad).toBe('');
        out.forEach((r, t) => expect(r).toEqual([(rows[t][0] as number) - 2, ((rows[t][1] as number) - 20) / 10]));
      } catch (e) {
        refused++;
        expect((e as Error).message).toMatch(/^Scaler.transform: /);
        expect((e as Error).message).toContain(bad || 'never');
      }
    }
    expect(ok).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});
