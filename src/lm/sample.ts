import type { Rng } from '../util/rng.ts';
import { describe } from '../util/check.ts';

/** How the next token is chosen from the model's logits. */
export interface SamplingOptions {
  /** Divides the logits; < 1 sharpens, > 1 flattens; 0 = greedy. Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 = all). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (1 = all). */
  topP?: number;
}

/** Checks sampling options; returns them with defaults. */
export function samplingDefaults(o: SamplingOptions, where: string): Required<SamplingOptions> {
  const temperature = o.temperature ?? 1;
  const topK = o.topK ?? 0;
  const topP = o.topP ?? 1;
  if (typeof temperature !== 'number' || !(temperature >= 0) || !Number.isFinite(temperature))
    throw new RangeError(`${where}: temperature must be a number ≥ 0, received ${describe(temperature)}`);
  if (!Number.isInteger(topK) || topK < 0)
    throw new RangeError(`${where}: topK must be an integer ≥ 0, received ${describe(topK)}`);
  if (typeof topP !== 'number' || !(topP > 0 && topP <= 1))
    throw new RangeError(`${where}: topP must be a number in (0, 1], received ${describe(topP)}`);
  return { temperature, topK, topP };
}

/**
 * Picks one token id from logits (V). Temperature 0 (or top-k 1) is greedy: the arg-max.
 * `scratch` (≥ V floats) avoids allocation in a generation loop.
 */
export function sampleLogits(
  logits: ArrayLike<number>,
  o: Required<SamplingOptions>,
  rng: Rng,
  scratch: Float64Array,
): number {
  const V = logits.length;
  let arg = 0;
  for (let v = 1; v < V; v++) if (logits[v] > logits[arg]) arg = v;
  if (o.temperature === 0 || o.topK === 1) return arg;
  const max = logits[arg];
  let sum = 0;
  for (let v = 0; v < V; v++) {
    const p = Math.exp((logits[v] - max) / o.temperature);
    scratch[v] = p;
    sum += p;
  }
  for (let v = 0; v < V; v++) scratch[v] /= sum;
  if (o.topK > 0 && o.topK < V) {
    // threshold = the k-th largest probability; ties at the threshold are kept
    const sorted = Array.from(scratch.subarray(0, V)).sort((a, b) => b - a);
    const cut = sorted[o.topK - 1];
    let kept = 0;
    for (let v = 0; v < V; v++) {
      if (scratch[v] < cut || kept >= o.topK) scratch[v] = 0;
      else kept++;
    }
  }
  if (o.topP < 1) {
    const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => scratch[b] - scratch[a]);
    let total = 0;
    for (const v of order) total += scratch[v];
    let acc = 0;
    let cutoff = false;
    for (const v of order) {
      if (cutoff) scratch[v] = 0;
      else {
        acc += scratch[v];
        if (acc >= o.topP * total) cutoff = true;
      }
    }
  }
  let total = 0;
  for (let v = 0; v < V; v++) total += scratch[v];
  let u = rng.next() * total;
  for (let v = 0; v < V; v++) {
    u -= scratch[v];
    if (u < 0 && scratch[v] > 0) return v;
  }
  // rounding left u ≥ 0: the last kept token
  for (let v = V - 1; v >= 0; v--) if (scratch[v] > 0) return v;
  return arg;
}
