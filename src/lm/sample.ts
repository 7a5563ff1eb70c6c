import { Rng } from '../util/rng.ts';
import { describe } from '../util/check.ts';
import { checkOptions, int, num, type Spec } from '../util/options.ts';

/** How the next token is chosen from the model's logits. */
export interface SamplingOptions {
  /** Divides the logits; < 1 sharpens, > 1 flattens; 0 = greedy. Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 = all). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (1 = all). */
  topP?: number;
}

/** What {@link SamplingOptions} accepts, option by option. */
export const SAMPLING_OPTIONS = {
  temperature: num({ min: 0 }),
  topK: int({ min: 0 }),
  topP: num({ min: 0, exclusiveMin: true, max: 1 }),
} satisfies Record<keyof SamplingOptions, Spec>;

/** Sampling options already checked against {@link SAMPLING_OPTIONS}, with their defaults filled in. */
export function samplingDefaults(o: SamplingOptions): Required<SamplingOptions> {
  return { temperature: o.temperature ?? 1, topK: o.topK ?? 0, topP: o.topP ?? 1 };
}

/**
 * Picks one token id from logits (V). Temperature 0 (or top-k 1) is greedy: the arg-max.
 * `scratch` (≥ V floats) avoids allocation in a generation loop.
 * @param logits the next-token logits: V ≥ 1 finite numbers
 * @param o how to sample (each option may be left out for its default)
 * @param rng the generator the draw comes from (it advances)
 */
export function sampleLogits(logits: ArrayLike<number>, o: SamplingOptions, rng: Rng, scratch: Float64Array): number {
  const where = 'sampleLogits';
  if (logits === null || typeof logits !== 'object' || typeof logits.length !== 'number' || logits.length < 1)
    throw new TypeError(`${where}: logits must be an array of at least one number, received ${describe(logits)}`);
  for (let v = 0; v < logits.length; v++) {
    if (!Number.isFinite(logits[v]))
      throw new RangeError(`${where}: logits must be finite, received ${describe(logits[v])} at index ${v}`);
  }
  checkOptions(o, SAMPLING_OPTIONS, where);
  if (!(rng instanceof Rng)) throw new TypeError(`${where}: rng must be an Rng, received ${describe(rng)}`);
  if (!(scratch instanceof Float64Array) || scratch.length < logits.length)
    throw new TypeError(
      `${where}: scratch must be a Float64Array of at least ${logits.length} values (one per logit), received ${describe(scratch)}`,
    );
  return pickToken(logits, samplingDefaults(o), rng, scratch);
}

/** @internal {@link sampleLogits} for arguments already checked (the generation loop). */
export function pickToken(
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
