// Worked example: many-to-one digit recall (examples/digits-position.ts) as a seeded learning test.
import { describe, expect, it } from 'vitest';
import { run } from '../../examples/digits-position.ts';
import { wasmBackend } from '../helpers/backends.ts';

describe('example: digit at a given position (many-to-one, LSTM 25, Adam)', () => {
  it('reaches 100 % on 100 fresh sequences in 300 updates', async () => {
    const result = await run({ steps: 300, seed: 1, backend: await wasmBackend() });
    expect(result.accuracy).toBe(1);
    expect(result.finalLoss).toBeLessThan(0.05);
  });

  it('is at chance before training and reproducible from its seed', async () => {
    const backend = await wasmBackend();
    expect((await run({ steps: 0, seed: 1, backend })).accuracy).toBeLessThan(0.3);
    const a = await run({ steps: 20, seed: 5, backend });
    const b = await run({ steps: 20, seed: 5, backend });
    expect(b.finalLoss).toBe(a.finalLoss);
  });
});
