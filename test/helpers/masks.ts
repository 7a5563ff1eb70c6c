// Step masks for the sequence-kernel tests: (T, B) float32 in time order, 0 = padded step,
// 1 = real step (contract: src/backend/kernels.ts, "Step mask").
import { randomArray } from './backends.ts';

/**
 * How the padded steps are laid out:
 * - `random`: independent 0 / 1 values, with step 0 real for every stream and (T ≥ 3) step 1
 *   padded for every stream, so whole-batch rows of ones and of zeros both occur; for T ≥ 2 at
 *   least one step is padded;
 * - `right`: stream b has the first len(b) steps real (lengths cycle ⌈T/2⌉, T, 1, 0, T-1: a
 *   partial, a full, a one-step and an empty stream);
 * - `left`: the same lengths, real steps at the end;
 * - `ones`: every step real (a present mask that must change nothing).
 */
export type MaskPattern = 'random' | 'right' | 'left' | 'ones';
export const MASK_PATTERNS: MaskPattern[] = ['random', 'right', 'left', 'ones'];

/** Real length of stream b under the `right` / `left` patterns. */
export function patternLength(T: number, b: number): number {
  return [Math.ceil(T / 2), T, 1, 0, Math.max(T - 1, 0)][b % 5];
}

/** The (T, B) mask of a pattern, seeded. */
export function makeMask(pattern: MaskPattern, T: number, B: number, seed: number): Float32Array {
  const m = new Float32Array(T * B);
  if (pattern === 'random') {
    const u = randomArray(T * B, seed);
    for (let i = 0; i < T * B; i++) m[i] = u[i] > 0 ? 1 : 0;
    if (T >= 1) m.fill(1, 0, B);
    if (T >= 3) m.fill(0, B, 2 * B);
    if (T >= 2 && !m.includes(0)) m[T * B - 1] = 0;
    return m;
  }
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const len = patternLength(T, b);
      const real = pattern === 'ones' || (pattern === 'right' ? t < len : t >= T - len);
      m[t * B + b] = real ? 1 : 0;
    }
  }
  return m;
}

/** Whether row (t, b) is padded under `mask` (never, when there is no mask). */
export function padded(mask: ArrayLike<number> | null, t: number, B: number, b: number): boolean {
  return mask !== null && mask[t * B + b] === 0;
}

/**
 * A copy of a (T·B, width) row-major array with the padded rows zeroed: for comparing buffers whose
 * padded rows the contract leaves unspecified (saved gates, hn).
 */
export function blankPaddedRows(a: ArrayLike<number>, mask: ArrayLike<number> | null, width: number): Float64Array {
  const out = Float64Array.from(a);
  if (mask) for (let r = 0; r < mask.length; r++) if (mask[r] === 0) out.fill(0, r * width, (r + 1) * width);
  return out;
}
