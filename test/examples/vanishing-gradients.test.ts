// Worked example: vanishing gradients on a long-delay recall task (examples/vanishing-gradients.ts).
import { describe, expect, it } from 'vitest';
import { run } from '../../examples/vanishing-gradients.ts';
import { wasmBackend } from '../helpers/backends.ts';

describe('example: vanishing gradients (tanh RNN vs identity ReLU RNN vs LSTM, delay 50)', () => {
  it('with the same budget and seed, the tanh RNN stays at chance while the IRNN and the LSTM recall', async () => {
    const result = await run({ steps: 300, seed: 1, backend: await wasmBackend() });
    expect(result.accuracy['tanh RNN']).toBeLessThan(0.35);
    expect(result.accuracy['identity ReLU RNN']).toBeGreaterThanOrEqual(0.95);
    expect(result.accuracy.LSTM).toBeGreaterThanOrEqual(0.95);
    // the cause, measured before training: almost nothing of the gradient reaches step 0 of the tanh RNN
    expect(result.gradientReach['tanh RNN']).toBeLessThan(1e-6);
    expect(result.gradientReach['identity ReLU RNN']).toBeGreaterThan(1e-2);
    expect(result.gradientReach.LSTM).toBeGreaterThan(1e-2);
  });
});
