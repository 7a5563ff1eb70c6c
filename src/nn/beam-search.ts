/**
 * Beam search over any next-token model that carries one state per hypothesis: the language
 * models' {@link beamSearch} and {@link EncoderDecoder.beamSearch} both run this one loop, with one
 * option vocabulary. The model side is two calls: the logits of the start, and an `advance` that
 * gives every surviving hypothesis its parent's state and feeds it its new token.
 */
import { checkOptions, checkValue, int, type Schema, type Spec } from '../util/options.ts';
import { logSumExp } from '../util/math.ts';

/** Options of a beam search (the same for language models and encoder–decoders). */
export interface BeamOptions {
  /** Tokens to generate, at most. */
  maxLength: number;
  /** Hypotheses kept after each step; default 4. Width 1 is greedy decoding. */
  beamWidth?: number;
  /** A hypothesis that emits this id (e.g. `vocab.eosId`) is finished and no longer extended. */
  stopAt?: number;
}

/** One hypothesis of a beam search. */
export interface Beam {
  /** The generated ids (without the prime or `bos`), ending with the stop id if one was emitted. */
  ids: Int32Array;
  /** Their total log-probability, in nats. */
  logProb: number;
}

/**
 * Moves the model to the next step: live hypothesis `i` takes the state of the previous step's live
 * row `parents[i]` and reads `tokens[i]`; returns the next-token logits, (parents.length, V) row-major.
 */
export type BeamAdvance = (parents: readonly number[], tokens: readonly number[]) => ArrayLike<number>;

/** What {@link BeamOptions} accepts, option by option. */
export const BEAM_OPTIONS = {
  maxLength: int({ min: 1 }),
  beamWidth: int({ min: 1 }),
  stopAt: int({ min: 0 }),
} satisfies Record<keyof BeamOptions, Spec>;

/**
 * Checks a beam search's options against {@link BEAM_OPTIONS} and `extra` (a caller's own
 * options, such as a language model's `prime`); returns them with defaults filled in.
 */
export function beamOptions(
  options: BeamOptions,
  where: string,
  extra: Schema = {},
): Required<Omit<BeamOptions, 'stopAt'>> & BeamOptions {
  checkOptions(options, { ...BEAM_OPTIONS, ...extra }, where);
  checkValue(options.maxLength, BEAM_OPTIONS.maxLength, where, 'options.maxLength');
  return { maxLength: options.maxLength, beamWidth: options.beamWidth ?? 4, stopAt: options.stopAt };
}

/**
 * Keeps the `beamWidth` most likely hypotheses at every step. A finished hypothesis (it emitted
 * `stopAt`) keeps its place and competes with the live ones' extensions; the search ends after
 * `maxLength` tokens or when no hypothesis is live. Ties keep the order of a stable sort by
 * descending log-probability over (finished hypotheses, then each live one's extensions by id).
 * Log-softmax in float64.
 *
 * @param first the start's next-token logits (V)
 * @param V the vocabulary size
 * @returns the final hypotheses, most likely first
 */
export function runBeamSearch(
  first: ArrayLike<number>,
  V: number,
  options: Required<Omit<BeamOptions, 'stopAt'>> & BeamOptions,
  advance: BeamAdvance,
): Beam[] {
  const { maxLength, beamWidth: width, stopAt } = options;
  // `row`: the hypothesis's row among the live ones (its row of `logits`), −1 once finished
  interface Hyp {
    ids: number[];
    logProb: number;
    done: boolean;
    row: number;
  }
  // a candidate extension: `token` appended to beams[from] (token −1: a finished beam carried over)
  interface Candidate {
    from: number;
    token: number;
    logProb: number;
  }
  let logits = first;
  let beams: Hyp[] = [{ ids: [], logProb: 0, done: false, row: 0 }];
  const lse = new Float64Array(width);
  for (let step = 0; step < maxLength; step++) {
    const live = beams.filter((b) => !b.done);
    for (const b of live) lse[b.row] = logSumExp(logits, b.row * V, V);
    const top: Candidate[] = [];
    const offer = (from: number, token: number, logProb: number): void => {
      if (top.length === width && !(logProb > top[width - 1].logProb)) return;
      let at = top.length;
      while (at > 0 && top[at - 1].logProb < logProb) at--;
      top.splice(at, 0, { from, token, logProb });
      if (top.length > width) top.pop();
    };
    beams.forEach((b, from) => {
      if (b.done) offer(from, -1, b.logProb);
    });
    beams.forEach((b, from) => {
      if (b.done) return;
      const row = b.row * V;
      for (let v = 0; v < V; v++) offer(from, v, b.logProb + logits[row + v] - lse[b.row]);
    });
    const next: Hyp[] = [];
    const parents: number[] = [];
    const tokens: number[] = [];
    for (const c of top) {
      const parent = beams[c.from];
      if (c.token < 0) {
        next.push(parent);
        continue;
      }
      const done = c.token === stopAt;
      next.push({ ids: [...parent.ids, c.token], logProb: c.logProb, done, row: done ? -1 : parents.length });
      if (!done) {
        parents.push(parent.row);
        tokens.push(c.token);
      }
    }
    beams = next;
    if (parents.length === 0 || step === maxLength - 1) break;
    logits = advance(parents, tokens);
  }
  return beams.map((b) => ({ ids: Int32Array.from(b.ids), logProb: b.logProb }));
}
