// Element-wise activations in plain TypeScript, the twin of the activation kernels of
// assembly/math.ts (sigmoid, tanh, relu; those build on a vectorised polynomial exp). Here:
// float64 math (Math.exp, Math.tanh) on float32 values, rounded once on store. Limits are exact:
// sigmoid(-inf) = 0 and sigmoid(+inf) = 1 (1 / (1 + Infinity) is 0, never NaN), tanh(±inf) = ±1;
// only NaN in gives NaN out.

/** The logistic function 1 / (1 + e^{-x}). Finite for every input but NaN. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** The hyperbolic tangent. */
export const tanh: (x: number) => number = Math.tanh;

/** max(x, 0); NaN stays NaN. */
export function relu(x: number): number {
  return x < 0 ? 0 : x;
}

/** y[i] = sigmoid(x[i]) for n values at element indices x, y (y may equal x). */
export function sigmoidArray(m: Float32Array, x: number, y: number, n: number): void {
  for (let i = 0; i < n; i++) m[y + i] = 1 / (1 + Math.exp(-m[x + i]));
}

/** y[i] = tanh(x[i]) for n values at element indices x, y (y may equal x). */
export function tanhArray(m: Float32Array, x: number, y: number, n: number): void {
  for (let i = 0; i < n; i++) m[y + i] = Math.tanh(m[x + i]);
}

/** y[i] = max(x[i], 0) for n values at element indices x, y (y may equal x). */
export function reluArray(m: Float32Array, x: number, y: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = m[x + i];
    m[y + i] = v < 0 ? 0 : v;
  }
}
