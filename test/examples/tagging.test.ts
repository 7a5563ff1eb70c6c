// Worked example: aligned many-to-many tagging with a bidirectional LSTM (examples/tagging.ts).
import { describe, expect, it } from 'vitest';
import { run } from '../../examples/tagging.ts';
import { wasmBackend } from '../helpers/backends.ts';

describe('example: name tagging from context (bidirectional LSTM, softmax at every step, masked padding)', () => {
  it('tags ≥ 99 % of tokens and ≥ 98 % of the ambiguous capitalised words after 150 updates', async () => {
    const result = await run({ steps: 150, seed: 1, backend: await wasmBackend() });
    expect(result.tokenAccuracy).toBeGreaterThanOrEqual(0.99);
    expect(result.capitalisedAccuracy).toBeGreaterThanOrEqual(0.98);
    expect(result.sentenceAccuracy).toBeGreaterThanOrEqual(0.95);
    // context matters: the context-free rule and a tagger that cannot look ahead both fall short
    expect(result.capitalisedBaseline).toBeLessThan(0.7);
    expect(result.forwardOnlyCapitalisedAccuracy).toBeLessThan(0.85);
  });
});
