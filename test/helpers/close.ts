// Element-wise closeness with an f32-appropriate tolerance, shared by the test suites.
import { expect } from 'vitest';

/**
 * Asserts |actual − expected| ≤ rel·|expected| + abs·max(1, max|expected|) element-wise (NaN
 * fails), reporting the worst index.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  rel = 1e-5,
  abs = 1e-6,
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (rel * Math.abs(expected[i]) + abs * scale);
    if (!(excess <= worst)) {
      worst = excess;
      at = i;
    }
  }
  expect(at, `${what}: worst at index ${at}: ${actual[at]} vs expected ${expected[at]}`).toBe(-1);
}
