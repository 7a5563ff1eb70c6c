// Worked example: sentiment-like sequence classification with negation (examples/sentiment.ts).
import { describe, expect, it } from 'vitest';
import { run } from '../../examples/sentiment.ts';
import { wasmBackend } from '../helpers/backends.ts';

describe('example: sentiment with "not" (embedding, GRU, sigmoid at the last step)', () => {
  it('classifies ≥ 95 % of 500 fresh sentences, including those with a negation', async () => {
    const result = await run({ steps: 300, seed: 1, backend: await wasmBackend() });
    expect(result.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(result.negatedAccuracy).toBeGreaterThanOrEqual(0.93);
    // it learned the flips: a word counter that ignores "not" is far behind
    expect(result.ignoreNotBaseline).toBeLessThan(0.85);
    expect(result.accuracy - result.ignoreNotBaseline).toBeGreaterThan(0.1);
  });
});
