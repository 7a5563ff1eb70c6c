// Worked example: unaligned seq2seq (encoder LSTM → decoder LSTM) built from layer-level APIs
// (examples/seq2seq.ts).
import { describe, expect, it } from 'vitest';
import { run, translate } from '../../examples/seq2seq.ts';
import { wasmBackend } from '../helpers/backends.ts';

describe('example: digit strings → words (encoder-decoder, teacher forcing, greedy decoding)', () => {
  it('the target language is what it says', () => {
    expect(translate('305')).toBe('three zero five');
    expect(translate('7')).toBe('seven');
  });

  it('translates nothing right before training', async () => {
    const result = await run({ steps: 0, seed: 1, backend: await wasmBackend() });
    expect(result.exactMatch).toBe(0);
    expect(result.characterAccuracy).toBeLessThan(0.3);
  });

  it('translates ≥ 90 % of 150 held-out strings exactly after 700 updates', async () => {
    const result = await run({ steps: 700, seed: 1, backend: await wasmBackend() });
    expect(result.tested).toBe(150);
    expect(result.exactMatch).toBeGreaterThanOrEqual(0.9);
    expect(result.characterAccuracy).toBeGreaterThanOrEqual(0.98);
  });
});
