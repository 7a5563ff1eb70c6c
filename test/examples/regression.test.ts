// Worked example: many-to-one regression of the next value of a noisy signal (examples/regression.ts).
import { describe, expect, it } from 'vitest';
import { run } from '../../examples/regression.ts';
import { wasmBackend } from '../helpers/backends.ts';

describe('example: next value of a noisy multi-frequency signal (LSTM, linear head, MSE)', () => {
  it('beats "repeat the last value" at least 5× after 400 updates, and not the noise floor', async () => {
    const result = await run({ steps: 400, seed: 1, backend: await wasmBackend() });
    expect(result.naiveMse).toBeGreaterThan(0.08);
    expect(result.testMse).toBeLessThan(result.naiveMse / 5);
    // no model beats the noise it cannot see: a test MSE below the floor would mean leaked targets
    expect(result.testMse).toBeGreaterThan(0.8 * result.noiseFloor);
  });
});
