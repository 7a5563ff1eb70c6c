/**
 * Tensors as the interop readers hand them over: a shape and row-major float32 values, whatever
 * the file stored (float16, bfloat16 and float64 are converted on read).
 */

/** One tensor read from or written to a foreign format: row-major float32 values and a shape. */
export interface Tensor {
  /** The dimensions, outermost first; `[]` for a scalar. */
  shape: number[];
  /** `shape`'s product of values, row-major. */
  data: Float32Array;
}

/** Tensors by name, in the file's order (PyTorch `state_dict` names where the file has them). */
export type TensorDict = Record<string, Tensor>;

/** The number of values a shape holds (1 for `[]`). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A flat strand state dict (name → values) of the tensors' data, dropping their shapes. */
export function flatten(tensors: TensorDict): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [name, t] of Object.entries(tensors)) out[name] = t.data;
  return out;
}
