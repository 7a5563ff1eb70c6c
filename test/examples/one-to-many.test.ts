// Worked example: one-to-many generation of a digit's name (examples/one-to-many.ts).
import { describe, expect, it } from 'vitest';
import { NAMES, run } from '../../examples/one-to-many.ts';
import { wasmBackend } from '../helpers/backends.ts';

describe('example: digit → spelled-out name (one-to-many, LSTM, softmax at every step)', () => {
  it('spells all 10 digits exactly after 200 updates, from a repeated or a single input', async () => {
    const result = await run({ steps: 200, seed: 1, backend: await wasmBackend() });
    expect(result.generated).toEqual(NAMES);
    expect(result.exactMatch).toBe(1);
    expect(result.characterAccuracy).toBe(1);
    expect(result.exactMatchFirstStepOnly).toBe(1);
  });

  it('spells nothing right before training', async () => {
    const result = await run({ steps: 0, seed: 1, backend: await wasmBackend() });
    expect(result.exactMatch).toBe(0);
    expect(result.characterAccuracy).toBeLessThan(0.3);
  });
});
