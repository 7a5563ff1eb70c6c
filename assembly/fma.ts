// One multiply-add for every kernel: c + a·b on four f32 lanes. The relaxed-SIMD builds (compiled
// with `--enable relaxed-simd`, where ASC_FEATURE_RELAXED_SIMD is true) emit f32x4.relaxed_madd,
// which the engine may fuse into one FMA instruction (one rounding instead of two, so results
// differ from the plain builds in the last bits); the plain-SIMD builds, whose numbers are the
// reference, emit a separate multiply and add. The choice is made at compile time: no branch
// remains in the code.

/** c + a·b, lane-wise (fused in the relaxed build where the engine chooses to). */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
