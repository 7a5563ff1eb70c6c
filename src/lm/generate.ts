import type { SequenceModel } from '../nn/model.ts';
import { Rng, nextSeed } from '../util/rng.ts';
import { SAMPLING_OPTIONS, pickToken, samplingDefaults, type SamplingOptions } from './sample.ts';
import { checkOptions, checkValue, int, type Spec } from '../util/options.ts';
import { PRIME_OPTION, checkCausal } from './checks.ts';

/** Options of {@link generate}. */
export interface GenerateOptions extends SamplingOptions {
  /** Tokens to start from (run once through the model); default `[2]` (`<EOS>`, as start of text). */
  prime?: ArrayLike<number>;
  /** How many tokens to generate. */
  length: number;
  /** Stop early after emitting this token id (e.g. `vocab.eosId`). */
  stopAt?: number;
  /** Seed of the sampler; equal seeds give equal samples. */
  seed?: number;
}

/** What {@link GenerateOptions} accepts, option by option. */
const GENERATE_OPTIONS = {
  ...SAMPLING_OPTIONS,
  prime: PRIME_OPTION,
  length: int({ min: 1 }),
  stopAt: int({ min: 0 }),
  seed: int(),
} satisfies Record<keyof GenerateOptions, Spec>;

/**
 * Generates tokens from a next-token model, one fused step per layer per token: the prime is
 * run once, then each new token is fed back with the carried state (nothing is re-run). The
 * model must be causal: a bidirectional recurrent layer is refused.
 * @returns the generated ids (without the prime)
 */
export function generate(model: SequenceModel, options: GenerateOptions): Int32Array {
  const out: number[] = [];
  for (const id of tokens(model, options, 'generate')) out.push(id);
  return Int32Array.from(out);
}

/** The same as {@link generate}, as an async iterator yielding each token as it is chosen. */
export async function* stream(model: SequenceModel, options: GenerateOptions): AsyncGenerator<number> {
  for (const id of tokens(model, options, 'stream')) {
    yield id;
    await Promise.resolve();
  }
}

function* tokens(model: SequenceModel, options: GenerateOptions, where: string): Generator<number> {
  checkOptions(options, GENERATE_OPTIONS, where);
  checkValue(options.length, GENERATE_OPTIONS.length, where, 'options.length');
  if (model.embedding === null || model.head.at !== 'every')
    throw new TypeError(`${where}: needs a next-token model (Embedding input, Dense at every step)`);
  checkCausal(model, where);
  const length = options.length;
  const sampling = samplingDefaults(options);
  const prime = options.prime ?? [2];
  if (prime.length < 1) throw new RangeError(`${where}: options.prime must hold at least one token id`);
  model.embedding.checkIds(prime, `${where}: prime`); // before the carried state is touched
  const rng = new Rng(options.seed ?? nextSeed());
  const saved = model.saveState();
  try {
    yield* sampleFrom(model, prime, length, sampling, rng, options.stopAt, where);
  } finally {
    model.restoreState(saved);
  }
}

function* sampleFrom(
  model: SequenceModel,
  prime: ArrayLike<number>,
  length: number,
  sampling: ReturnType<typeof samplingDefaults>,
  rng: Rng,
  stopAt: number | undefined,
  where: string,
): Generator<number> {
  const V = model.outputSize;
  const logits = new Float32Array(V);
  const scratch = new Float64Array(V);
  const heap = model.backend.heap;
  model.resetState(1);
  let input = model.writeInput(prime, prime.length, 1, `${where}: prime`);
  let out = model.forwardInPlace(prime.length, 1, input, false, true);
  heap.read(out + (prime.length - 1) * V * 4, V, logits);
  const one = new Int32Array(1);
  for (let i = 0; i < length; i++) {
    const id = pickToken(logits, sampling, rng, scratch);
    yield id;
    if (id === stopAt) return;
    one[0] = id;
    input = model.writeInput(one, 1, 1, `${where}: token`);
    out = model.forwardInPlace(1, 1, input, false, true);
    heap.read(out, V, logits);
  }
}
