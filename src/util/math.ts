/** Small numerical helpers in float64, shared by scoring and decoding. */

/** log Σ_v exp(x[at + v]) over one row of V values, in float64 (stable: the row's maximum is taken out first). */
export function logSumExp(x: ArrayLike<number>, at: number, V: number): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (x[at + v] > max) max = x[at + v];
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(x[at + v] - max);
  return max + Math.log(sum);
}
