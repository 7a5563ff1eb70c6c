import type { Backend } from '../backend/backend.ts';
import { Rng, nextSeed } from '../util/rng.ts';
import { checkOptions, checkValue, int, num, type Schema } from '../util/options.ts';

/** The drop probability of {@link Dropout}: a number in [0, 1). */
const DROP_PROBABILITY = num({ min: 0, max: 1, exclusiveMax: true });

/** What the options of {@link Dropout} accept. */
const DROPOUT_OPTIONS: Schema = { seed: int() };

/** What {@link Dropout.config} returns: the layer's constructor argument, as stored in checkpoints. */
export interface DropoutConfig {
  /** The layer kind, always `'dropout'`. */
  type: 'dropout';
  /** Drop probability in [0, 1). */
  p: number;
}

/**
 * Inverted dropout: in training, zeroes each value with probability `p` and scales the rest by
 * 1/(1−p); in evaluation and generation it is the identity. Seeded, so runs are reproducible.
 */
export class Dropout {
  /** Drop probability in [0, 1). */
  readonly p: number;
  /** @internal the mask generator (its position is saved in checkpoints) */
  readonly rng: Rng;

  constructor(p: number, options: { seed?: number } = {}) {
    checkValue(p, DROP_PROBABILITY, 'Dropout', 'p');
    // the kernels read p as float32, where a p just below 1 rounds to 1 (keeping nothing)
    if (Math.fround(p) >= 1) throw new RangeError(`Dropout: p must be < 1 also as float32, received ${p}`);
    checkOptions(options, DROPOUT_OPTIONS, 'Dropout');
    this.p = p;
    this.rng = new Rng(options.seed ?? nextSeed());
  }

  /** The configuration, for checkpoints. */
  config(): DropoutConfig {
    return { type: 'dropout', p: this.p };
  }

  /** @internal y (n) = x ∘ mask with a fresh mask saved at `mask`. */
  forwardInPlace(backend: Backend, n: number, x: number, y: number, mask: number): void {
    backend.kernels.dropout_forward(n, x, y, mask, this.p, Math.floor(this.rng.next() * 2 ** 31));
  }

  /** @internal dx (n) = dy ∘ mask (dx may equal dy). */
  backwardInPlace(backend: Backend, n: number, dy: number, mask: number, dx: number): void {
    backend.kernels.dropout_backward(n, dy, mask, dx);
  }
}
