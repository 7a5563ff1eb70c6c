import type { Backend } from '../backend/backend.ts';
import { BACKEND_OPTION, getBackend } from '../backend/index.ts';
import { denseForwardWork } from '../backend/head-kernels.ts';
import { ParameterSet, type StateDict } from './params.ts';
import { Rng, nextSeed } from '../util/rng.ts';
import { Workspace } from './workspace.ts';
import { positiveInt } from '../util/check.ts';
import { bool, checkOptions, int, oneOf, type Spec } from '../util/options.ts';

/** Options of {@link Dense}. */
export interface DenseOptions {
  /** Whether the layer has a bias; default true. */
  bias?: boolean;
  /**
   * In a {@link SequenceModel}: apply at `'every'` step (default: tagging, language models) or only
   * at the `'last'` step (many-to-one: classification, regression of the next value).
   */
  at?: 'every' | 'last';
  /** Seed of PyTorch's default U(±1/√inFeatures) initialisation. */
  seed?: number;
  /** Backend to live on; default the one chosen by `init()`. */
  backend?: Backend;
}

/** What {@link DenseOptions} accepts, option by option. */
const DENSE_OPTIONS = {
  bias: bool(),
  at: oneOf('every', 'last'),
  seed: int(),
  backend: BACKEND_OPTION,
} satisfies Record<keyof DenseOptions, Spec>;

/** What {@link Dense.config} returns: the layer's constructor arguments, as stored in checkpoints. */
export interface DenseConfig {
  /** The layer kind, always `'dense'`. */
  type: 'dense';
  /** Input features per row. */
  inFeatures: number;
  /** Output features per row. */
  outFeatures: number;
  /** Whether the layer has a `bias` parameter. */
  bias: boolean;
  /** Where a {@link SequenceModel} applies it: at `'every'` step or only at the `'last'` one. */
  at: 'every' | 'last';
}

/** A linear layer y = x·Wᵀ + b, `weight` (out, in), `bias` (out), as PyTorch's `nn.Linear`. */
export class Dense {
  /** Input features. */
  readonly inFeatures: number;
  /** Output features. */
  readonly outFeatures: number;
  /** Where a sequence model applies it. */
  readonly at: 'every' | 'last';
  /** The backend the parameters live on. */
  readonly backend: Backend;
  /** @internal parameters and gradients */
  readonly params: ParameterSet;
  private readonly workspace: Workspace;
  private readonly ptrs: number[] = [];
  /**
   * `params.version` when the workspace last received packed Wᵀ (−1: never); reused while it
   * matches.
   */
  private transposedVersion = -1;

  constructor(inFeatures: number, outFeatures: number, options: DenseOptions = {}) {
    this.inFeatures = positiveInt(inFeatures, 'Dense: inFeatures');
    this.outFeatures = positiveInt(outFeatures, 'Dense: outFeatures');
    checkOptions(options, DENSE_OPTIONS, 'Dense');
    this.at = options.at ?? 'every';
    this.backend = options.backend ?? getBackend();
    const specs: Array<[string, number[]]> = [['weight', [outFeatures, inFeatures]]];
    if (options.bias ?? true) specs.push(['bias', [outFeatures]]);
    this.params = new ParameterSet(this.backend, specs);
    this.workspace = new Workspace(this.backend.heap);
    const rng = new Rng(options.seed ?? nextSeed());
    const k = 1 / Math.sqrt(inFeatures);
    for (const name of ['weight', 'bias']) {
      if (!this.params.has(name)) continue;
      const v = this.params.view(name);
      for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-k, k);
    }
  }

  /** @internal y (M, out) stride ldy = x (M, in) stride ldx · Wᵀ + b. */
  forwardInPlace(M: number, x: number, ldx: number, y: number, ldy: number): void {
    this.assertLive('forwardInPlace');
    // the workspace has one fixed size, so once allocated it never moves: Wᵀ stays valid while
    // the parameters' version does (one-step calls: generation, streaming)
    const [work] = this.workspace.plan([denseForwardWork(this.inFeatures, this.outFeatures)], this.ptrs);
    const transposed = this.transposedVersion === this.params.version ? 1 : 0;
    this.backend.kernels.dense_forward(
      M,
      this.inFeatures,
      this.outFeatures,
      x,
      ldx,
      this.params.ptr('weight'),
      this.params.ptr('bias'),
      y,
      ldy,
      work,
      transposed,
    );
    this.transposedVersion = this.params.version;
  }

  /** @internal dx (M, in) = dy·W (skipped when dx = 0); accumulates weight and bias gradients. */
  backwardInPlace(M: number, x: number, ldx: number, dy: number, lddy: number, dx: number, lddx: number): void {
    this.assertLive('backwardInPlace');
    this.backend.kernels.dense_backward(
      M,
      this.inFeatures,
      this.outFeatures,
      x,
      ldx,
      this.params.ptr('weight'),
      dy,
      lddy,
      dx,
      lddx,
      0,
      this.params.gradPtrOf('weight'),
      this.params.gradPtrOf('bias'),
    );
  }

  /** The configuration, for checkpoints. */
  config(): DenseConfig {
    this.assertLive('config');
    return {
      type: 'dense',
      inFeatures: this.inFeatures,
      outFeatures: this.outFeatures,
      bias: this.params.has('bias'),
      at: this.at,
    };
  }

  /** Copies of the parameters (`weight`, `bias`). */
  stateDict(): StateDict {
    this.assertLive('stateDict');
    return this.params.stateDict();
  }

  /** Loads parameters (validated; nothing changes on error). */
  loadStateDict(dict: Record<string, ArrayLike<number>>, strict = true): void {
    this.assertLive('loadStateDict');
    this.params.loadStateDict(dict, strict, 'Dense.loadStateDict');
  }

  /** Whether {@link dispose} has run. */
  get disposed(): boolean {
    return this.params.disposed;
  }

  /** Frees parameters and workspace. Idempotent; afterwards every other method throws. */
  dispose(): void {
    this.params.dispose();
    this.workspace.dispose();
    this.transposedVersion = -1;
  }

  /** Throws, naming the class and `method`, once {@link dispose} has run: a freed layer touches no memory. */
  private assertLive(method: string): void {
    if (this.params.disposed) throw new Error(`Dense.${method}: this layer has been disposed`);
  }
}
