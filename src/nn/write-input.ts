/**
 * Checked copies of user arrays into the heap: values are validated (shape, finiteness, 0/1 masks,
 * lengths) as they are written, so that a kernel never sees a bad input.
 */
import type { Backend } from '../backend/backend.ts';
import { checkArray, checkArrayShape, describe } from '../util/check.ts';

/**
 * Copies `a`, checked to be an array of `n` numbers finite as float32, into the heap at `ptr`.
 * The finiteness check is the backend's count_nonfinite over the copy (one SIMD pass instead of
 * a scalar loop in JavaScript); only a failing copy is scanned again, to name the first bad value.
 * On failure the heap buffer holds the rejected values; it must be scratch the caller overwrites.
 */
export function writeFinite(
  backend: Backend,
  ptr: number,
  a: ArrayLike<number>,
  n: number,
  what: string,
  expected: string,
): void {
  checkArrayShape(a, n, what, expected);
  backend.heap.write(ptr, a);
  if (backend.kernels.count_nonfinite(n, ptr) === 0) return;
  checkArray(a, n, what, expected);
  throw new RangeError(`${what} must be finite (as float32)`); // unreachable: checkArray names the value
}

/**
 * Writes a (T, B) 0/1 step mask at `ptr` from `options.lengths` (right padding) or `options.mask`;
 * returns false (nothing written) when neither is given. Every value is checked before the first
 * write, so a rejected mask leaves the buffer (which may hold the last forward's mask) as it was.
 */
export function writeStepMask(
  mem: Float32Array,
  ptr: number,
  T: number,
  B: number,
  options: { lengths?: ArrayLike<number>; mask?: ArrayLike<number> },
  where: string,
): boolean {
  if (options.lengths !== undefined && options.mask !== undefined)
    throw new TypeError(`${where}: give lengths or mask, not both`);
  if (options.lengths !== undefined) {
    const lengths = options.lengths;
    if (lengths === null || typeof lengths !== 'object' || lengths.length !== B) {
      throw new RangeError(
        `${where}: lengths must have one value per sequence (batch = ${B}), received ${describe(lengths)}`,
      );
    }
    // every value checked before anything is written: the buffer may hold a saved mask
    for (let b = 0; b < B; b++) {
      const n = lengths[b];
      if (!Number.isInteger(n) || n < 0 || n > T)
        throw new RangeError(`${where}: lengths must be integers in [0, ${T}], received ${describe(n)} at index ${b}`);
    }
    for (let b = 0; b < B; b++) {
      const n = lengths[b];
      for (let t = 0; t < T; t++) mem[(ptr >> 2) + t * B + b] = t < n ? 1 : 0;
    }
    return true;
  }
  if (options.mask !== undefined) {
    const m = options.mask;
    if (m === null || typeof m !== 'object' || m.length !== T * B) {
      throw new RangeError(
        `${where}: mask must have seqLen·batch = ${T}·${B} = ${T * B} values of 0 or 1, received ${describe(m)}`,
      );
    }
    for (let i = 0; i < T * B; i++) {
      if (m[i] !== 0 && m[i] !== 1)
        throw new RangeError(
          `${where}: mask must hold 0 (padding) or 1 (valid), received ${describe(m[i])} at index ${i}`,
        );
    }
    for (let i = 0; i < T * B; i++) mem[(ptr >> 2) + i] = m[i];
    return true;
  }
  return false;
}
