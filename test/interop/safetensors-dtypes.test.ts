// float16 / bfloat16 / float64 ↔ float32, against torch's own conversions (dtypes.json, written by
// make_safetensors.py) and exhaustively over every 16-bit pattern.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bfloat16ToFloat32,
  decodeFloats,
  encodeFloats,
  float16ToFloat32,
  float32ToBFloat16,
  float32ToFloat16,
} from '../../src/interop/dtypes.ts';

const torch = JSON.parse(
  readFileSync(new URL('../fixtures/interop/safetensors/dtypes.json', import.meta.url), 'utf8'),
) as Record<'f16ToF32' | 'bf16ToF32' | 'f32ToF16' | 'f32ToBF16', Array<[number, number]>>;

const bitsOf = (x: number): number => new Uint32Array(Float32Array.of(x).buffer)[0];
const floatOf = (bits: number): number => new Float32Array(Uint32Array.of(bits).buffer)[0];
const isNaN16 = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
const isNaNB16 = (b: number) => (b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0;

describe('float16 and bfloat16 to float32', () => {
  it("match torch's conversion of zeros, subnormals, normals, extremes, infinities and NaN", () => {
    expect(torch.f16ToF32.length).toBeGreaterThan(20);
    for (const [h, bits] of torch.f16ToF32) {
      const v = float16ToFloat32(h);
      if (isNaN16(h)) expect(Number.isNaN(v), `f16 ${h.toString(16)}`).toBe(true);
      else expect(bitsOf(v), `f16 ${h.toString(16)}`).toBe(bits);
    }
    for (const [b, bits] of torch.bf16ToF32) {
      const v = bfloat16ToFloat32(b);
      if (isNaNB16(b)) expect(Number.isNaN(v), `bf16 ${b.toString(16)}`).toBe(true);
      else expect(bitsOf(v), `bf16 ${b.toString(16)}`).toBe(bits);
    }
  });

  it('give the known values at the edges', () => {
    expect(float16ToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16ToFloat32(0x03ff)).toBe(1023 * 2 ** -24);
    expect(float16ToFloat32(0x0400)).toBe(2 ** -14);
    expect(float16ToFloat32(0x7bff)).toBe(65504);
    expect(float16ToFloat32(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(Object.is(float16ToFloat32(0x8000), -0)).toBe(true);
    expect(bfloat16ToFloat32(0x0001)).toBe(floatOf(0x00010000));
    expect(Object.is(bfloat16ToFloat32(0x8000), -0)).toBe(true);
  });

  it('every one of the 65536 patterns narrows back to itself (NaN to a NaN), in order', () => {
    let previous = Number.NEGATIVE_INFINITY;
    for (let h = 0; h < 0x10000; h++) {
      const f = float16ToFloat32(h);
      const b = bfloat16ToFloat32(h);
      if (isNaN16(h)) expect(isNaN16(float32ToFloat16(f))).toBe(true);
      else expect(float32ToFloat16(f)).toBe(h);
      if (isNaNB16(h)) expect(isNaNB16(float32ToBFloat16(b))).toBe(true);
      else expect(float32ToBFloat16(b)).toBe(h);
      // the positive half-floats increase strictly with their bits
      if (h > 0 && h <= 0x7c00) {
        expect(f).toBeGreaterThan(previous);
        previous = f;
      }
    }
  });
});

describe('float32 to float16 and bfloat16', () => {
  it('round as torch does: ties to even, carries, overflow, underflow, subnormals', () => {
    expect(torch.f32ToF16.length).toBeGreaterThan(200);
    for (const [bits, h] of torch.f32ToF16) expect(float32ToFloat16(floatOf(bits)), `f32 ${bits.toString(16)}`).toBe(h);
    for (const [bits, b] of torch.f32ToBF16)
      expect(float32ToBFloat16(floatOf(bits)), `f32 ${bits.toString(16)}`).toBe(b);
  });
});

describe('decodeFloats and encodeFloats', () => {
  it('read every dtype at an unaligned offset and write it back', () => {
    const values = Float32Array.of(1, -2.5, 0.1, 65504, 2 ** -24, -0, Number.POSITIVE_INFINITY);
    for (const dtype of ['F32', 'F64', 'F16', 'BF16'] as const) {
      const raw = encodeFloats(values, dtype);
      const padded = new Uint8Array(raw.length + 3);
      padded.set(raw, 3);
      const back = decodeFloats(padded, 3, values.length, dtype);
      const expected =
        dtype === 'F16'
          ? values.map((v) => float16ToFloat32(float32ToFloat16(v)))
          : dtype === 'BF16'
            ? values.map((v) => bfloat16ToFloat32(float32ToBFloat16(v)))
            : values;
      expect([...back].map(bitsOf), dtype).toEqual([...expected].map(bitsOf));
    }
    // float64 rounds to the nearest float32, and beyond its range to Infinity
    const wide = new Uint8Array(Float64Array.of(0.1, 1e300, -1e-300).buffer);
    expect([...decodeFloats(wide, 0, 3, 'F64')]).toEqual([Math.fround(0.1), Number.POSITIVE_INFINITY, -0]);
    // float32 keeps NaN payloads bit for bit
    const nan = new Uint8Array(Uint32Array.of(0x7fa00001).buffer);
    expect(new Uint32Array(decodeFloats(nan, 0, 1, 'F32').buffer)[0]).toBe(0x7fa00001);
  });
});
