// Worked example on real data: San Francisco hourly temperatures, 2010 (examples/forecast-sf-temps.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DAY, errors, LOOKBACK, run, sfTemperatures } from '../../examples/forecast-sf-temps.ts';
import { wasmBackend } from '../helpers/backends.ts';

/** The data file read here on its own: every line that parses as a number, in order. */
function readTemperatures(): number[] {
  const text = readFileSync(new URL('../../examples/data/sf-temps-2010.csv', import.meta.url), 'utf8');
  return text
    .split(/\r?\n/)
    .filter((line) => /^-?\d+(\.\d+)?$/.test(line.trim()))
    .map(Number);
}

const mse = (predicted: number[], actual: number[]) =>
  predicted.reduce((s, v, i) => s + (v - actual[i]) ** 2, 0) / actual.length;

describe('example: forecasting San Francisco hourly temperatures (real data, GRU on seasonal differences)', () => {
  it('ships the whole year: 8 759 hourly values in °F, the loader agreeing with a separate parse', () => {
    const temps = readTemperatures();
    expect(temps).toHaveLength(8759);
    expect(sfTemperatures()).toEqual(temps);
    expect(Math.min(...temps)).toBeGreaterThan(40);
    expect(Math.max(...temps)).toBeLessThan(80);
    expect(temps[0]).toBe(47.8); // 1 January 2010, 00:00
  });

  it('errors() refuses forecasts and actual values of different lengths', () => {
    expect(() => errors([1, 2], [1])).toThrow(/2 forecasts for 1 actual values/);
    expect(errors([1, 3], [2, 2])).toEqual({ mse: 1, mae: 1 });
  });

  it('beats seasonal naive 8× (next hour) and 2.2× (next 24 h) and persistence by far, on seeds 1–3', async () => {
    const backend = await wasmBackend();
    const temps = readTemperatures();
    for (const seed of [1, 2, 3]) {
      const result = await run({ seed, backend });
      // the test targets are the last 15 % of the difference series (which starts a day in)
      const nTest = Math.round((temps.length - DAY) * 0.15);
      expect(result.testStart).toBe(temps.length - nTest);
      const actual = temps.slice(result.testStart);
      expect(result.testTargets).toEqual(actual);
      // baselines recomputed here on the same targets
      const naive = mse(
        actual.map((_, i) => temps[result.testStart + i - DAY]),
        actual,
      );
      const last = mse(
        actual.map((_, i) => temps[result.testStart + i - 1]),
        actual,
      );
      expect(result.nextHour.seasonalNaive.mse).toBeCloseTo(naive, 10);
      expect(result.nextHour.persistence.mse).toBeCloseTo(last, 10);
      // measured on seeds 1, 2, 3: 0.0034, 0.0037, 0.0038 °F² against 0.0332 (seasonal naive), 0.819 (persistence)
      expect(result.nextHour.model.mse).toBeLessThan(naive / 8);
      expect(result.nextHour.model.mse).toBeLessThan(last / 100);
      expect(result.nextHour.model.mae).toBeLessThan(result.nextHour.seasonalNaive.mae / 2.5);
      // 24 h recursive, measured 0.0066, 0.0099, 0.0131 against 0.0335 and 9.52
      expect(result.nextDay.model.mse).toBeLessThan(result.nextDay.seasonalNaive.mse / 2.2);
      expect(result.nextDay.model.mse).toBeLessThan(result.nextDay.persistence.mse / 300);
      // values are rounded to 0.1 °F: no forecast blind to the target beats that rounding (0.1² / 12)
      expect(result.nextHour.model.mse).toBeGreaterThan(0.01 / 12);
      // the scaler saw the differences of the training part alone
      expect(result.trainSteps).toBe(temps.length - DAY - 2 * nTest);
      const train = temps.slice(DAY, DAY + result.trainSteps).map((v, j) => v - temps[j]);
      const mean = train.reduce((a, b) => a + b, 0) / train.length;
      const std = Math.sqrt(train.reduce((a, b) => a + (b - mean) ** 2, 0) / train.length);
      expect(result.scaler.offset[0]).toBeCloseTo(mean, 10);
      expect(result.scaler.scale[0]).toBeCloseTo(std, 10);
      expect(result.bestEpoch).toBeGreaterThanOrEqual(1);
    }
    expect(LOOKBACK).toBeGreaterThanOrEqual(DAY);
  }, 120_000);
});
