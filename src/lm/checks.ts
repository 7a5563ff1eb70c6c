/** Checks every language-model function shares: the prime option, and that a model is causal. */
import type { SequenceModel } from '../nn/model.ts';
import { custom, type CustomSpec } from '../util/options.ts';

/**
 * @internal A prime option: token ids (array-like; their values are checked against the model's
 * vocabulary when written).
 */
export const PRIME_OPTION: CustomSpec = custom(
  'an array of token ids',
  (v) => v !== null && typeof v === 'object' && typeof (v as ArrayLike<number>).length === 'number',
);

/**
 * @internal The check every language-model function makes (scoring, sampling, beam search): the
 * model is live and causal, its output at step t depending on the tokens up to t only. A
 * bidirectional layer reads the future, so its outputs are not next-token probabilities: summed
 * over every sequence, the "probabilities" it gives exceed 1.
 */
export function checkCausal(model: SequenceModel, where: string): void {
  if (model.disposed) throw new Error(`${where}: the model has been disposed`);
  model.recurrent.forEach((r, i) => {
    if (r.bidirectional)
      throw new TypeError(
        `${where}: recurrent layer ${i} is bidirectional: it reads the future, so the model's outputs are not next-token probabilities (language-model functions need unidirectional layers)`,
      );
  });
}
