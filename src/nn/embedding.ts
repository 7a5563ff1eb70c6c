import type { Backend } from '../backend/backend.ts';
import { BACKEND_OPTION, getBackend } from '../backend/index.ts';
import { ParameterSet, type StateDict } from './params.ts';
import { Rng, nextSeed } from '../util/rng.ts';
import { describe, positiveInt } from '../util/check.ts';
import { checkOptions, int, type Schema, type Spec } from '../util/options.ts';

/** Options of {@link Embedding}. */
export interface EmbeddingOptions {
  /** Seed of the N(0, 1) initialisation (PyTorch's default). */
  seed?: number;
  /** Backend to live on; default the one chosen by `init()`. */
  backend?: Backend;
}

/** What {@link EmbeddingOptions} accepts, option by option. */
const EMBEDDING_OPTIONS = { seed: int(), backend: BACKEND_OPTION } satisfies Record<keyof EmbeddingOptions, Spec>;

/** What the options of {@link OneHot} accept (a fixed table has no initialisation to seed). */
const ONE_HOT_OPTIONS: Schema = { backend: BACKEND_OPTION };

/**
 * What {@link Embedding.config} (and so {@link OneHot}'s) returns: the table's size, as stored in
 * checkpoints.
 */
export interface EmbeddingConfig {
  /** The layer kind: `'embedding'` for a trainable {@link Embedding}, `'onehot'` for a {@link OneHot}. */
  type: 'embedding' | 'onehot';
  /** Vocabulary size V: token ids are in [0, V). */
  numEmbeddings: number;
  /** Vector size E (equal to V for a one-hot table). */
  embeddingDim: number;
}

/**
 * A learned lookup table: token id → vector of `embeddingDim` floats. Parameter `weight`
 * (numEmbeddings, embeddingDim), initialised N(0, 1) as in PyTorch.
 */
export class Embedding {
  /** Vocabulary size V. */
  readonly numEmbeddings: number;
  /** Vector size E. */
  readonly embeddingDim: number;
  /** The backend the table lives on. */
  readonly backend: Backend;
  /** @internal parameters and gradients */
  readonly params: ParameterSet;
  /** Whether optimizers update the table (false for {@link OneHot}). */
  readonly trainable: boolean = true;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    this.numEmbeddings = positiveInt(numEmbeddings, 'Embedding: numEmbeddings');
    this.embeddingDim = positiveInt(embeddingDim, 'Embedding: embeddingDim');
    checkOptions(options, EMBEDDING_OPTIONS, 'Embedding');
    this.backend = options.backend ?? getBackend();
    this.params = new ParameterSet(this.backend, [['weight', [numEmbeddings, embeddingDim]]]);
    const rng = new Rng(options.seed ?? nextSeed());
    const w = this.params.view('weight');
    for (let i = 0; i < w.length; i++) w[i] = rng.normal();
  }

  /** @internal y (n, E) = rows of the table for int32 ids at `ids` (validated by the caller). */
  forwardInPlace(n: number, ids: number, y: number): void {
    this.assertLive('forwardInPlace');
    this.backend.kernels.embedding_forward(n, this.embeddingDim, ids, this.params.ptr('weight'), y, this.embeddingDim);
  }

  /** @internal weight gradient rows += dy (n, E). */
  backwardInPlace(n: number, ids: number, dy: number): void {
    this.assertLive('backwardInPlace');
    if (!this.trainable) return;
    this.backend.kernels.embedding_backward(
      n,
      this.embeddingDim,
      ids,
      dy,
      this.embeddingDim,
      this.params.gradPtrOf('weight'),
    );
  }

  /** Throws a clear error unless every id is an integer in [0, V). */
  checkIds(ids: ArrayLike<number>, what: string): void {
    this.assertLive('checkIds');
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.numEmbeddings) {
        throw new RangeError(
          `${what} must hold integer token ids in [0, ${this.numEmbeddings}), received ${describe(id)} at index ${i}`,
        );
      }
    }
  }

  /** The configuration, for checkpoints. */
  config(): EmbeddingConfig {
    this.assertLive('config');
    return {
      type: this.trainable ? 'embedding' : 'onehot',
      numEmbeddings: this.numEmbeddings,
      embeddingDim: this.embeddingDim,
    };
  }

  /** Copies of the parameters (`weight`). */
  stateDict(): StateDict {
    this.assertLive('stateDict');
    return this.params.stateDict();
  }

  /** Loads `weight` (validated; nothing changes on error). */
  loadStateDict(dict: Record<string, ArrayLike<number>>, strict = true): void {
    this.assertLive('loadStateDict');
    this.params.loadStateDict(dict, strict, 'Embedding.loadStateDict');
  }

  /** Whether {@link dispose} has run. */
  get disposed(): boolean {
    return this.params.disposed;
  }

  /** Frees the table. Idempotent; afterwards every other method throws. */
  dispose(): void {
    this.params.dispose();
  }

  /** Throws, naming the class (Embedding or OneHot) and `method`, once {@link dispose} has run. */
  private assertLive(method: string): void {
    if (this.params.disposed)
      throw new Error(`${this.trainable ? 'Embedding' : 'OneHot'}.${method}: this layer has been disposed`);
  }
}

/**
 * One-hot input: token id → a vector of `size` zeros with a 1 at the id (as in min-char-rnn).
 * A fixed identity table: it has no trainable parameters.
 */
export class OneHot extends Embedding {
  override readonly trainable = false;

  constructor(size: number, options: { backend?: Backend } = {}) {
    positiveInt(size, 'OneHot: size');
    checkOptions(options, ONE_HOT_OPTIONS, 'OneHot');
    super(size, size, { backend: options.backend, seed: 0 });
    const w = this.params.view('weight');
    w.fill(0);
    for (let i = 0; i < size; i++) w[i * size + i] = 1;
  }
}
