import type { SequenceModel } from '../nn/model.ts';
import { type Beam, type BeamOptions, beamOptions, runBeamSearch } from '../nn/beam-search.ts';
import { describe } from '../util/check.ts';
import { checkOptions, int, type Spec } from '../util/options.ts';
import { PRIME_OPTION, checkCausal } from './checks.ts';
import { logSumExp } from '../util/math.ts';

/** Options of {@link logProbability}, {@link perplexity}, {@link compare} and {@link beamSearch}. */
export interface ScoreOptions {
  /**
   * Context the first token is conditioned on (run through the model, not scored); default
   * `[2]` (`<EOS>`, as start of text — the same default as `generate`).
   */
  prime?: ArrayLike<number>;
  /** Steps per forward call for long inputs (state carries between calls); default 256. */
  window?: number;
}

/** The score of one token sequence under a next-token model. */
export interface SequenceScore {
  /** Σ_t log p(token_t | prime, tokens_<t), in nats (≤ 0). */
  logProb: number;
  /** The same in bits (log₂). */
  bits: number;
  /** log p(token_t | …) of every token, in nats. */
  tokenLogProbs: Float64Array;
  /** Number of scored tokens. */
  tokens: number;
  /** Mean negative log-probability per token (cross-entropy, nats / token). */
  nll: number;
  /** e^nll: the perplexity of the sequence. */
  perplexity: number;
}

/** What {@link compare} returns. */
export interface Comparison {
  /** Score of the first sequence. */
  a: SequenceScore;
  /** Score of the second sequence. */
  b: SequenceScore;
  /** Which sequence has the larger total log-probability (`'equal'` on a tie). */
  likelier: 'a' | 'b' | 'equal';
  /** log p(a) − log p(b), in nats: > 0 when a is likelier, e^difference is the odds ratio. */
  difference: number;
}

/** Options of {@link beamSearch}: the {@link BeamOptions} every beam search takes, and a prime. */
export interface BeamSearchOptions extends BeamOptions {
  /**
   * Context the first token is conditioned on (run through the model, not scored); default
   * `[2]` (`<EOS>`, as start of text — the same default as `generate`).
   */
  prime?: ArrayLike<number>;
}

const DEFAULT_WINDOW = 256;

/** What {@link ScoreOptions} accepts, option by option. */
const SCORE_OPTIONS = { prime: PRIME_OPTION, window: int({ min: 1 }) } satisfies Record<keyof ScoreOptions, Spec>;

/**
 * The log-probability of a token sequence under a next-token language model:
 * log p(x_1 … x_n | prime) = Σ_t log p(x_t | prime, x_<t), with per-token terms and perplexity.
 * The prime is run once; the sequence is then run in windows with carried state, so any length
 * works in bounded memory. Uses the model's carried state (like `generate`): call
 * `model.resetState()` before relying on it afterwards.
 * @param model a causal model (unidirectional recurrent layers) with an Embedding input, a Dense
 *   head at every step and softmax output
 * @param ids the tokens to score (at least one)
 */
export function logProbability(
  model: SequenceModel,
  ids: ArrayLike<number>,
  options: ScoreOptions = {},
): SequenceScore {
  const where = 'logProbability';
  const { prime, window } = checkScoring(model, { ids }, options, where);
  return scoreChecked(model, ids, prime, window, where);
}

/** The perplexity of a token sequence: e^(−log p / n). See {@link logProbability}. */
export function perplexity(model: SequenceModel, ids: ArrayLike<number>, options: ScoreOptions = {}): number {
  const where = 'perplexity';
  const { prime, window } = checkScoring(model, { ids }, options, where);
  return scoreChecked(model, ids, prime, window, where).perplexity;
}

/**
 * Which of two continuations (of the same prime) the model finds more likely, by total
 * log-probability. Both are scored with the same options (both checked before either is scored).
 */
export function compare(
  model: SequenceModel,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: ScoreOptions = {},
): Comparison {
  const where = 'compare';
  const { prime, window } = checkScoring(model, { a, b }, options, where);
  const sa = scoreChecked(model, a, prime, window, where);
  const sb = scoreChecked(model, b, prime, window, where);
  const difference = sa.logProb - sb.logProb;
  return { a: sa, b: sb, likelier: difference > 0 ? 'a' : difference < 0 ? 'b' : 'equal', difference };
}

/**
 * Beam search: the `beamWidth` most likely continuations of the prime by total log-probability
 * (no length normalisation), best first. Width 1 is greedy decoding; a width of
 * V^(length−1) or more makes the search exhaustive.
 *
 * The prime is run once; then every step advances all live hypotheses as ONE batch (one row per
 * beam, one fused step per layer) from their carried states, and the states follow the selected
 * hypotheses ({@link SequenceModel.reorderState}) — no prefix is ever re-run, so the work is
 * O(prime + length × beamWidth) time steps. Ties keep the order of (older hypothesis, smaller
 * id). The model's carried state is left as it was. Needs unidirectional recurrent layers (as
 * every language-model function does).
 */
export function beamSearch(model: SequenceModel, options: BeamSearchOptions): Beam[] {
  const where = 'beamSearch';
  checkLanguageModel(model, where);
  const checked = beamOptions(options, where, { prime: PRIME_OPTION });
  const prime = options.prime ?? [2];
  checkIds(model, prime, `${where}: prime`);
  if (prime.length < 1) throw new RangeError(`${where}: prime must hold at least one token id (default [2], <EOS>)`);
  const V = model.outputSize;
  const P = prime.length;
  const heap = model.backend.heap;
  const saved = model.saveState();
  try {
    model.resetState(1);
    // the prime's last step gives the first logits; each hypothesis is then one row of carried state
    const primed = model.forwardInPlace(P, 1, model.writeInput(prime, P, 1, `${where}: prime`), false, true);
    const first = heap.all().subarray((primed >> 2) + (P - 1) * V, (primed >> 2) + P * V);
    return runBeamSearch(first, V, checked, (parents, tokens) => {
      model.reorderState(parents);
      const B = parents.length;
      const logits = model.forwardInPlace(1, B, model.writeInput(tokens, 1, B, `${where}: tokens`), false, true);
      return heap.all().subarray(logits >> 2, (logits >> 2) + B * V);
    });
  } finally {
    model.restoreState(saved);
  }
}

// ------------------------------------------------------------------------------------ internals

/**
 * Checks a scoring call — the model, every sequence to score (by argument name), the options —
 * before anything runs; returns the prime and window to score with.
 */
function checkScoring(
  model: SequenceModel,
  sequences: Record<string, ArrayLike<number>>,
  options: ScoreOptions,
  where: string,
): { prime: ArrayLike<number>; window: number } {
  checkLanguageModel(model, where);
  checkOptions(options, SCORE_OPTIONS, where);
  for (const [name, ids] of Object.entries(sequences)) {
    checkIds(model, ids, `${where}: ${name}`);
    if (ids.length < 1) throw new RangeError(`${where}: ${name} must hold at least one token id to score`);
  }
  const prime = options.prime ?? [2];
  checkIds(model, prime, `${where}: prime`);
  if (prime.length < 1) throw new RangeError(`${where}: prime must hold at least one token id (default [2], <EOS>)`);
  return { prime, window: options.window ?? DEFAULT_WINDOW };
}

/** The score of checked ids after a checked prime, run `window` steps at a time (see {@link logProbability}). */
function scoreChecked(
  model: SequenceModel,
  ids: ArrayLike<number>,
  prime: ArrayLike<number>,
  window: number,
  where: string,
): SequenceScore {
  // the input is prime ++ ids without the last id; the output at input position p predicts
  // the token at p + 1, which is ids[p + 1 − prime.length] once p ≥ prime.length − 1
  const P = prime.length;
  const n = ids.length;
  const total = P + n - 1;
  const at = (p: number): number => (p < P ? prime[p] : ids[p - P]);
  const V = model.outputSize;
  const tokenLogProbs = new Float64Array(n);
  const chunk = new Int32Array(Math.min(window, total));
  const heap = model.backend.heap;
  model.resetState(1);
  for (let start = 0; start < total; start += window) {
    const T = Math.min(window, total - start);
    for (let t = 0; t < T; t++) chunk[t] = at(start + t);
    const input = model.writeInput(chunk.subarray(0, T), T, 1, `${where}: ids`);
    const logits = model.forwardInPlace(T, 1, input, false, true);
    const mem = heap.all();
    for (let t = 0; t < T; t++) {
      const j = start + t + 1 - P; // index in ids of the token predicted here
      if (j < 0) continue;
      tokenLogProbs[j] = logSoftmaxAt(mem, (logits >> 2) + t * V, V, ids[j]);
    }
  }
  return summarise(tokenLogProbs);
}

function checkLanguageModel(model: SequenceModel, where: string): void {
  if (model === null || typeof model !== 'object' || typeof (model as SequenceModel).forwardInPlace !== 'function') {
    throw new TypeError(`${where}: model must be a SequenceModel, received ${describe(model)}`);
  }
  if (model.embedding === null || model.head.at !== 'every' || model.output !== 'softmax') {
    throw new TypeError(
      `${where}: needs a next-token model (Embedding input, Dense head at every step, softmax output)`,
    );
  }
  checkCausal(model, where);
}

function checkIds(model: SequenceModel, ids: ArrayLike<number>, what: string): void {
  if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') {
    throw new TypeError(`${what} must be an array of token ids, received ${describe(ids)}`);
  }
  model.embedding!.checkIds(ids, what);
}

/** log softmax(row)[target], in float64. */
function logSoftmaxAt(mem: Float32Array, row: number, V: number, target: number): number {
  return mem[row + target] - logSumExp(mem, row, V);
}

function summarise(tokenLogProbs: Float64Array): SequenceScore {
  let logProb = 0;
  for (const l of tokenLogProbs) logProb += l;
  const n = tokenLogProbs.length;
  const nll = -logProb / n;
  return { logProb, bits: logProb / Math.LN2, tokenLogProbs, tokens: n, nll, perplexity: Math.exp(nll) };
}
