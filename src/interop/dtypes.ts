/**
 * Floating-point element types of foreign tensor files, named as safetensors names them, and their
 * conversion to and from float32: float64 rounds to nearest (overflow to ±Infinity); float16 and
 * bfloat16 widen exactly (subnormals, ±0, ±Infinity and NaN included) and narrow with
 * round-to-nearest-even. Bytes are little-endian, as every supported platform stores them.
 */

/** A floating-point element type: `'F64'`, `'F32'`, `'F16'` (IEEE half) or `'BF16'` (bfloat16). */
export type FloatDType = 'F64' | 'F32' | 'F16' | 'BF16';

/** Bytes per element of each {@link FloatDType}. */
export const DTYPE_BYTES: Readonly<Record<FloatDType, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2 };

// one float32 seen as its bits, for bfloat16 and the float32 → float16 rounding
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 value of float16 bits `h` (exact: every float16 is a float32). */
export function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 31;
  const m = h & 1023;
  if (e === 31) return m ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  // subnormal: m·2⁻²⁴; normal: (1024 + m)·2^(e − 25)
  return e === 0 ? sign * m * 2 ** -24 : sign * (1024 + m) * 2 ** (e - 25);
}

/** The float32 value of bfloat16 bits `b` (exact: a bfloat16 is the top half of a float32). */
export function bfloat16ToFloat32(b: number): number {
  u32[0] = b << 16;
  return f32[0];
}

/** The float16 bits nearest to `x` as a float32 (ties to even; ±Infinity beyond 65520; NaN stays NaN). */
export function float32ToFloat16(x: number): number {
  f32[0] = x;
  const u = u32[0];
  const sign = (u >>> 16) & 0x8000;
  const e = ((u >>> 23) & 255) - 112; // float16's biased exponent
  let m = u & 0x7fffff;
  if (e === 143) return sign | 0x7c00 | (m ? 0x200 : 0);
  if (e >= 31) return sign | 0x7c00;
  if (e < -10) return sign; // below half the smallest subnormal: ±0
  let shift = 13;
  let h = (e << 10) | (m >> 13);
  if (e <= 0) {
    // subnormal: the implicit 1 joins the mantissa, which moves right by 1 − e more
    m |= 0x800000;
    shift = 14 - e;
    h = m >> shift;
  }
  const rest = m & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  // a carry out of the mantissa moves to the next exponent (or to Infinity), as it should
  return sign | (h + (rest > half || (rest === half && h & 1) ? 1 : 0));
}

/** The bfloat16 bits nearest to `x` as a float32 (ties to even; NaN stays a quiet NaN). */
export function float32ToBFloat16(x: number): number {
  f32[0] = x;
  const u = u32[0];
  if (Number.isNaN(f32[0])) return (u >>> 16) | 0x40;
  return (u + 0x7fff + ((u >>> 16) & 1)) >>> 16;
}

/**
 * `count` values of type `dtype` from `bytes` at byte `offset`, as float32. The caller has checked
 * that `offset + count · DTYPE_BYTES[dtype]` bytes are present.
 */
export function decodeFloats(bytes: Uint8Array, offset: number, count: number, dtype: FloatDType): Float32Array {
  // a copy of the bytes is aligned for the typed array views (a Buffer's slice would be a view)
  const raw = new Uint8Array(bytes.subarray(offset, offset + count * DTYPE_BYTES[dtype])).buffer;
  if (dtype === 'F32') return new Float32Array(raw);
  if (dtype === 'F64') return Float32Array.from(new Float64Array(raw));
  const wide = dtype === 'F16' ? float16ToFloat32 : bfloat16ToFloat32;
  return Float32Array.from(new Uint16Array(raw), wide);
}

/** `values` as little-endian bytes of type `dtype` (float64 widens exactly; float16 and bfloat16 round). */
export function encodeFloats(values: Float32Array, dtype: FloatDType): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(values.slice().buffer);
  if (dtype === 'F64') return new Uint8Array(Float64Array.from(values).buffer);
  const narrow = dtype === 'F16' ? float32ToFloat16 : float32ToBFloat16;
  return new Uint8Array(Uint16Array.from(values, narrow).buffer);
}
