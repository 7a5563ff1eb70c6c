// Shared helpers of the training tests: fenced heap buffers, int32 writes, tolerant comparison.
import { expect } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { expectClose } from '../helpers/close.ts';

export { expectClose };

/** Floats of canary fence on each side of a {@link Fenced} buffer. */
const FENCE = 8;
/** The canary value of fences and untouched padding. */
export const CANARY = -12345.5;

/** A heap buffer with canary fences on both sides, so writes outside it are caught. */
export interface Fenced {
  /** Byte pointer of the first float of the buffer proper. */
  ptr: number;
  /** Floats in the buffer proper. */
  n: number;
  /** Copy of the buffer proper. */
  read(): Float32Array;
  /** Throws (through expect) if a fence float changed. */
  checkFences(what: string): void;
}

/**
 * Allocates `n` floats between two canary fences and fills them with `data` (or `fill`).
 * The pointer is offset by `misalign` floats from a 16-byte boundary (0–3) to catch kernels
 * that assume alignment.
 */
export function fenced(backend: Backend, n: number, data?: ArrayLike<number>, fill = Number.NaN, misalign = 0): Fenced {
  const base = backend.heap.allocF32(n + 2 * FENCE + 4);
  const ptr = base + (FENCE + misalign) * 4;
  const all = backend.heap.all();
  all.fill(CANARY, base >> 2, (base >> 2) + n + 2 * FENCE + 4);
  if (data !== undefined) {
    if (data.length !== n) throw new Error(`fenced: data has ${data.length} values, expected ${n}`);
    backend.heap.write(ptr, data);
  } else {
    all.fill(fill, ptr >> 2, (ptr >> 2) + n);
  }
  return {
    ptr,
    n,
    read: () => backend.heap.read(ptr, n),
    checkFences(what: string) {
      const m = backend.heap.all();
      for (let i = 1; i <= FENCE; i++) {
        expect(m[(ptr >> 2) - i], `${what}: fence ${i} floats before the buffer`).toBe(CANARY);
        expect(m[(ptr >> 2) + n + i - 1], `${what}: fence ${i - 1} floats after the buffer`).toBe(CANARY);
      }
    },
  };
}

/** Writes int32 values into a fresh heap block; returns its pointer. */
export function putInts(backend: Backend, values: ArrayLike<number>): number {
  const ptr = backend.heap.allocF32(Math.max(1, values.length));
  new Int32Array(backend.heap.all().buffer, ptr, values.length).set(Array.from(values));
  return ptr;
}

/** Scalar version of {@link expectClose}. */
export function expectNear(actual: number, expected: number, what: string, rel = 1e-5, abs = 1e-6): void {
  const ok = Math.abs(actual - expected) <= rel * Math.abs(expected) + abs * Math.max(1, Math.abs(expected));
  expect(ok, `${what}: ${actual} vs expected ${expected}`).toBe(true);
}

/** Bit-exact equality of two float arrays (NaN payloads and −0 included). */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

/** Bit-exact equality of two state dicts (same keys, same bits). */
export function sameStateDict(a: Record<string, Float32Array>, b: Record<string, Float32Array>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.join() !== kb.join()) return false;
  return ka.every((k) => sameBits(a[k], b[k]));
}
