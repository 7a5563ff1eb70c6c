// Worked example: vanishing and exploding gradients with and without clipping
// (examples/gradient-flow.ts), at small sizes.
import { describe, expect, it } from 'vitest';
import { run } from '../../examples/gradient-flow.ts';
import { wasmBackend } from '../helpers/backends.ts';

describe('example: gradient flow of four cells on one long input, with and without clipping', () => {
  for (const seed of [1, 2]) {
    it(`tanh vanishes, the ReLU RNN with gain 1.2 explodes and clipping bounds it, LSTM and GRU lie in between (seed ${seed})`, async () => {
      const lines: string[] = [];
      const result = await run({
        length: 40,
        hidden: 16,
        gain: 1.2,
        clip: 5,
        seed,
        backend: await wasmBackend(),
        log: (l) => lines.push(l),
      });
      const { cells } = result;
      const tanh = cells['tanh RNN'];
      const relu = cells['ReLU RNN (identity × gain)'];
      const { LSTM: lstm, GRU: gru } = cells;
      for (const c of Object.values(cells)) {
        expect(c.norms).toHaveLength(40);
        // clipping is one factor for everything: the clipped values are raw × factor, the ratio is kept
        expect(c.first.clipped).toBe(c.first.raw * c.clipFactor);
        expect(c.last.clipped).toBe(c.last.raw * c.clipFactor);
        expect(c.first.clipped / c.last.clipped).toBeCloseTo(c.ratio, 10);
        expect(c.clippedGradNorm).toBeLessThanOrEqual(5);
      }
      // vanishing: 39 steps back, less than a millionth of the gradient is left (measured 2e-14 … 2e-12)
      expect(tanh.ratio).toBeLessThan(1e-6);
      // exploding: the gradient grows with distance (measured ~1e3) and the global norm is huge (~1.5e5) ...
      expect(relu.ratio).toBeGreaterThan(100);
      expect(relu.gradNorm).toBeGreaterThan(1e4);
      // ... and clipping brings the global norm down to the threshold
      expect(relu.clipFactor).toBeLessThan(1e-3);
      expect(relu.clippedGradNorm).toBeCloseTo(5, 4);
      // gated cells in between: far more survives than in the tanh RNN, without exploding
      // (measured: LSTM ~3e-5, GRU 2e-9 … 3e-8)
      expect(gru.ratio).toBeGreaterThan(100 * tanh.ratio);
      expect(lstm.ratio).toBeGreaterThan(100 * gru.ratio);
      expect(lstm.ratio).toBeLessThan(1);
      // the non-exploding cells have global norms below 5: clipping leaves them alone
      for (const c of [tanh, lstm, gru]) {
        expect(c.gradNorm).toBeLessThan(5);
        expect(c.clipFactor).toBe(1);
        expect(c.clippedGradNorm).toBe(c.gradNorm);
      }
      // the printed table names every cell with its verdict
      const text = lines.join('\n');
      expect(text).toMatch(/tanh RNN\s+\S+\s+vanishing/);
      expect(text).toMatch(/ReLU RNN \(identity × 1\.2\)\s+\S+\s+(exploding|growing)/);
      expect(text).toContain('LSTM (forget bias 1)');
      expect(text).toContain('GRU');
    });
  }
});
