import { pack, unpack } from '../io/container.ts';
import { FormatError } from '../io/format-error.ts';
import { dropoutStates, restoreDropoutStates } from '../nn/layers.ts';
import { SequenceModel, type SavedState } from '../nn/model.ts';
import { EncoderDecoder } from '../nn/seq2seq.ts';
import { Workspace } from '../nn/workspace.ts';
import { Optimizer, checkStepCount } from './optimizer.ts';
import { scheduledLr, type Schedule } from './schedule.ts';
import { describe } from '../util/check.ts';
import { checkOptions, custom, int, type Schema } from '../util/options.ts';
import { Rng, nextSeed } from '../util/rng.ts';
import type { Batch, PreparedBatch, Trainable } from '../nn/trainable.ts';
import {
  checkFitOptions,
  checkSupervisedOptions,
  checkTrainerOptions,
  EVALUATE,
  type EarlyStopping,
  type FitOptions,
  type SupervisedFitOptions,
  type LossName,
  type Metrics,
  type StepResult,
  type TrainerOptions,
} from './trainer-options.ts';
import {
  batchesFingerprint,
  checkPosition,
  epochOrder,
  startPosition,
  tokensFingerprint,
  type FitPosition,
} from './fit-position.ts';
import { checkMetrics, scorer, type MetricName, type Scores } from './metrics.ts';
import {
  epochBatches,
  layoutOf,
  makeBatch,
  readSamples,
  sliceSamples,
  type Layout,
  type Samples,
  type SupervisedData,
} from './supervised-data.ts';
import { carriedFromCheckpoint, carriedTensors, modelCheckpoint, modelFromCheckpoint } from './checkpoint.ts';

export type {
  EarlyStopping,
  EpochEvent,
  SupervisedFitOptions,
  FitOptions,
  LossName,
  Metrics,
  ProgressEvent,
  StepResult,
  TrainerOptions,
} from './trainer-options.ts';
import { loadOptions, type LoadOptions } from '../nn/checkpoint.ts';

/** What {@link Trainer.fit} resolves with. */
export interface FitResult {
  /** The mean training loss of each completed epoch, in order (an epoch cut short is left out). */
  epochLosses: number[];
  /** Updates made by this call. */
  steps: number;
  /**
   * Why training ended: `'done'` (every epoch ran), `'aborted'` (the signal was aborted),
   * `'time'` (`timeLimit` reached), `'steps'` (`maxSteps` reached) or `'patience'` (the validation
   * loss stopped improving).
   */
  stopped: 'done' | 'aborted' | 'time' | 'steps' | 'patience';
  /** With `restoreBest` (or supervised early stopping): the best epoch, 1-based, whose weights `restoreBest` loaded. */
  bestEpoch?: number;
}

/** Options of {@link Trainer.evaluate} on supervised data. */
export interface EvaluateOptions {
  /** Metrics to report beside the loss. */
  metrics?: MetricName[];
  /** Samples per forward pass; default 32. */
  batchSize?: number;
}

/** A NaN or infinity appeared in the loss or the gradients; the weights are those before the step. */
export class NonFiniteError extends Error {
  /** Always `'NonFiniteError'`, so the error can be told apart without `instanceof`. */
  override readonly name = 'NonFiniteError';
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** The best epoch of a token-stream fit with `restoreBest`: its validation loss, number and weights. */
interface BestEpoch {
  loss: number;
  epoch: number;
  state: Array<Record<string, Float32Array>>;
}

/** The models with a fit() running (of any trainer): a second concurrent fit (or step) on one is refused. */
const fitting = new WeakSet<object>();

/** The models that train on supervised samples. */
type SupervisedModel = SequenceModel | EncoderDecoder;

/** Whether `data` are supervised samples `{ x, y }` (not token ids, not a list of batches). */
const isSupervised = (data: unknown): data is SupervisedData =>
  data !== null && typeof data === 'object' && 'x' in data && 'y' in data;

/** A field whose value the model or the trainer checks itself. */
const checkedLater = custom('');

/** The fields of a supervised {@link Batch}: the model checks the values, this the names and `stateful`. */
const BATCH: Schema = {
  input: checkedLater,
  target: checkedLater,
  seqLen: checkedLater,
  batch: checkedLater,
  mask: checkedLater,
  lengths: checkedLater,
  stateful: { kind: 'boolean' },
};

/** The fields of a trainer checkpoint's `trainer` header part. */
const SAVED: Schema = {
  options: checkedLater,
  stepCount: checkedLater,
  fit: checkedLater,
  carried: int({ min: 0, max: 2 ** 31 - 1 }),
};

/** One epoch's data as fit() walks it: a token stream in TBPTT windows, or a list of batches. */
interface DataWalk {
  /** Units of an epoch: steps of each stream, or batches. */
  readonly length: number;
  /** Prepares epoch `pos.epoch` at `pos.offset`; `resumed`: continuing a stopped run (restore its carried state). */
  enter(pos: FitPosition, resumed: boolean): void;
  /** Runs the update that starts at `offset`; returns its result, the offset after it and the tokens (rows) it trained. */
  next(offset: number): { result: StepResult; offset: number; seen: number };
  /** The shuffling generator's position (the next epoch's start), or null. */
  shuffleState(): [number, number | null] | null;
  /** Supervised data: reports the finished epoch (its mean loss) and says whether to stop (early stopping). */
  endEpoch?(epoch: number, loss: number): boolean;
}

/**
 * Trains a {@link SequenceModel} or an {@link EncoderDecoder}: loss, backpropagation through time
 * (full or truncated), clipping, optimizer and schedule, with progress events, cancellation, and
 * checkpoints that resume exactly (mid-epoch included).
 */
export class Trainer<M extends Trainable = SequenceModel> {
  /** The model being trained. */
  readonly model: M;
  /** The optimizer (its `stepCount` counts updates). */
  readonly optimizer: Optimizer;
  private readonly loss: LossName;
  private readonly reduction: 'mean' | 'sum';
  private readonly schedule: Schedule | undefined;
  private readonly clip: { norm?: number; value?: number };
  private readonly k1: number;
  private readonly k2: number;
  private readonly batchSize: number;
  private readonly workspace: Workspace;
  private readonly ptrs: number[] = [];
  private readonly options: TrainerOptions;
  /** Where the last fit stands in its data (null before any fit). */
  private position: FitPosition | null = null;
  /** The carried state at {@link position}, kept when the fit returned (while it runs, the model holds it). */
  private carried: SavedState | null = null;
  private running = false;
  private disposedFlag = false;

  /**
   * @param model the model to train (its parameters are updated in place)
   * @param options loss, optimizer, schedule, clipping, TBPTT and batch size; unknown or misplaced
   *   options are refused (`{ lr }` belongs in `optimizer`)
   */
  constructor(model: M, options: TrainerOptions = {}) {
    const where = 'Trainer';
    checkTrainerOptions(options, where);
    if (model === null || typeof model !== 'object' || typeof model.parameterSets !== 'function')
      throw new TypeError(`${where}: model must be a SequenceModel or an EncoderDecoder, received ${describe(model)}`);
    if ((model as { disposed?: unknown }).disposed === true) throw new Error(`${where}: the model has been disposed`);
    this.model = model;
    this.options = structuredClone(options);
    const defaultLoss: LossName =
      model.output === 'softmax' ? 'cross-entropy' : model.output === 'sigmoid' ? 'binary-cross-entropy' : 'mse';
    this.loss = options.loss ?? defaultLoss;
    this.reduction = options.reduction ?? 'mean';
    this.schedule = options.schedule;
    this.clip = options.clip ?? {};
    this.k1 = options.tbptt?.k1 ?? 50;
    this.k2 = options.tbptt?.k2 ?? this.k1;
    this.batchSize = options.batchSize ?? 32;
    this.optimizer = new Optimizer(model.parameterSets(), options.optimizer ?? { type: 'adam', lr: 1e-3 });
    this.workspace = new Workspace(model.backend.heap);
  }

  /**
   * One update on one batch: forward, loss, backward, clipping, optimizer step. Throws
   * {@link NonFiniteError} (weights, optimizer and carried state unchanged) if the loss or a
   * gradient is NaN or infinite.
   */
  step(batch: Batch): StepResult {
    const where = 'Trainer.step';
    this.assertLive(where);
    if (fitting.has(this.model))
      throw new Error(`${where}: a fit() is running on this model; await (or abort) it first`);
    return this.stepBatch(batch, where).result;
  }

  /** The model as a token language model, or a clear error naming `where`. */
  private languageModel(where: string): SequenceModel {
    if (!(this.model instanceof SequenceModel) || this.model.embedding === null) {
      throw new TypeError(`${where}: needs a SequenceModel with token input (an Embedding first)`);
    }
    return this.model;
  }

  /**
   * Trains for some epochs, and resolves with the mean training loss per epoch, the number of
   * updates and why training stopped.
   *
   * - On a token stream (`data` = token ids; a language model: Embedding input, Dense at every step,
   *   cross-entropy): truncated BPTT, the stream cut into `batchSize` contiguous streams whose state
   *   carries from window to window within an epoch.
   * - On a list of {@link Batch}es (any model, e.g. feature input, a head at the last step, an
   *   {@link EncoderDecoder}): one update per batch, in order or shuffled (`shuffle`). Every batch
   *   is checked before the first update.
   *
   * The position in the data is kept after each update, and saved by {@link save}, so that
   * `fit(data, { resume: true })` continues exactly where a stopped run stood. One fit at a time
   * per model: a second concurrent fit (or step) is refused.
   */
  fit(data: ArrayLike<number> | readonly Batch[], options?: FitOptions): Promise<FitResult>;
  /**
   * Trains on supervised samples, as Keras' `model.fit(x, y)`: `{ x, y }` batch-major and ragged
   * (see {@link SupervisedData}), right-padded into batches of `batchSize`, shuffled each epoch
   * (seeded), optionally bucketed by length, with a validation split or data, metrics, early
   * stopping that can restore the best epoch's weights. Every sample is checked before the first
   * update: bad data throw an error naming the sample, and leave the weights as they were. For an
   * {@link EncoderDecoder}, `x[i]` are source ids and `y[i]` the target ids (learned as given: end
   * them with `eos`); batches carry source `lengths` and −1-padded targets, and metrics count per target token.
   */
  fit(data: SupervisedData, options?: SupervisedFitOptions): Promise<FitResult>;
  /**
   * Trains on an async iterable of `{ x, y }` mini-batches (data that do not fit in memory), one
   * update per mini-batch, in the order given (no shuffling, splitting or batching here). Each
   * mini-batch is checked before its own update (an error names it: `batch 3: x[2]…`; the updates
   * before it stand). Epochs re-iterate `data`: an iterable whose `[Symbol.asyncIterator]()`
   * starts over each call (e.g. `{ [Symbol.asyncIterator]: () => readChunks() }`) runs any number
   * of epochs; a one-shot iterator (an async generator's result, which is its own iterator) is
   * refused for `epochs` > 1 before any update.
   */
  fit(data: AsyncIterable<SupervisedData>, options?: SupervisedFitOptions): Promise<FitResult>;
  async fit(
    data: ArrayLike<number> | readonly Batch[] | SupervisedData | AsyncIterable<SupervisedData>,
    given: FitOptions | SupervisedFitOptions = {},
  ): Promise<FitResult> {
    const where = 'Trainer.fit';
    this.assertLive(where);
    if (data !== null && typeof (data as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function')
      return this.fitStream(data as AsyncIterable<SupervisedData>, given as SupervisedFitOptions, where);
    if (isSupervised(data)) return this.fitSupervised(data, given as SupervisedFitOptions, where);
    const options = given as FitOptions;
    if (Array.isArray(data) && data.length === 0)
      throw new RangeError(`${where}: data must be token ids or a list of batches, received an empty array`);
    const isBatches = Array.isArray(data) && typeof data[0] === 'object' && data[0] !== null;
    checkFitOptions(options, isBatches ? 'batches' : 'tokens', where);
    if (fitting.has(this.model))
      throw new Error(`${where}: another fit() is running on this model; await (or abort) it first`);
    const fresh = isBatches
      ? this.batchStart(data as readonly Batch[], options, where)
      : this.tokenStart(data as ArrayLike<number>, options, where);
    const position = options.resume ? this.resumePosition(fresh.position, options, where) : fresh.position;
    return this.run(fresh.walk, position, options.resume === true, options);
  }

  /** Runs the epochs of a checked fit (none when the signal is already aborted), one fit per model at a time. */
  private async run(walk: DataWalk, position: FitPosition, resumed: boolean, options: FitOptions): Promise<FitResult> {
    if (options.signal?.aborted) return { epochLosses: [], steps: 0, stopped: 'aborted' };
    fitting.add(this.model);
    this.running = true;
    const best: BestEpoch | null = options.restoreBest ? { loss: Infinity, epoch: 0, state: [] } : null;
    try {
      const result = await this.walk(walk, position, resumed, options, best);
      if (best === null || best.epoch === 0) return result;
      this.model.parameterSets().forEach((set, i) => set.loadStateDict(best.state[i]));
      return { ...result, bestEpoch: best.epoch };
    } finally {
      fitting.delete(this.model);
      this.running = false;
      this.carried = this.carriedState();
    }
  }

  /** fit() on {@link SupervisedData}: checks everything, then walks per-epoch batches of the samples. */
  private async fitSupervised(data: SupervisedData, options: SupervisedFitOptions, where: string): Promise<FitResult> {
    const { model, layout, stopping, validation: given } = this.supervisedStart(options, where, false);
    let train = readSamples(data, layout, where);
    let validation = given;
    if (options.validationSplit !== undefined) {
      // Keras: the first ⌊n·(1 − split)⌋ samples train, the rest validate
      const n = train.lengths.length;
      const cut = Math.floor(n * (1 - options.validationSplit));
      if (cut < 1 || cut >= n)
        throw new RangeError(
          `${where}: options.validationSplit ${options.validationSplit} of ${n} samples leaves ${cut} to train and ${n - cut} to validate; both need at least one`,
        );
      validation = sliceSamples(train, cut, n);
      train = sliceSamples(train, 0, cut);
    }
    const batchSize = options.batchSize ?? 32;
    const rng = options.shuffle === false ? null : new Rng(options.seed ?? nextSeed());
    let batches: Int32Array[] = [];
    const count = Math.ceil(train.lengths.length / batchSize);
    const epochEnd = this.epochEnd(model, layout, validation, options, stopping);
    const walk: DataWalk = {
      length: count,
      enter: () => {
        batches = epochBatches(train.lengths, batchSize, rng, options.bucket === true);
      },
      next: (offset) => {
        const { result, rows } = this.stepBatch(makeBatch(train, batches[offset], layout), where);
        epochEnd.seen += batches[offset].length;
        return { result, offset: offset + 1, seen: rows };
      },
      shuffleState: () => null,
      endEpoch: epochEnd.end,
    };
    const { epochs, maxSteps, onStep, signal, timeLimit } = options;
    const run = { epochs, maxSteps, onStep, signal, timeLimit };
    const result = await this.run(walk, startPosition('batches', count, 0, null), false, run);
    return epochEnd.finish(result);
  }

  /** fit() on an async iterable of `{ x, y }` mini-batches: one update per mini-batch, re-iterated each epoch. */
  private async fitStream(
    data: AsyncIterable<SupervisedData>,
    options: SupervisedFitOptions,
    where: string,
  ): Promise<FitResult> {
    const { model, layout, stopping, validation } = this.supervisedStart(options, where, true);
    const epochs = options.epochs ?? 1;
    const maxSteps = options.maxSteps ?? Infinity;
    const first = data[Symbol.asyncIterator]();
    if (first === (data as unknown) && epochs > 1)
      throw new TypeError(
        `${where}: data is a one-shot async iterator (it is its own iterator), so it cannot be re-iterated for ${epochs} epochs; give an object whose [Symbol.asyncIterator]() starts over`,
      );
    const epochLosses: number[] = [];
    let steps = 0;
    let stopped: FitResult['stopped'] = 'done';
    if (options.signal?.aborted) return { epochLosses, steps, stopped: 'aborted' };
    const epochEnd = this.epochEnd(model, layout, validation, options, stopping);
    const began = now();
    this.position = null;
    fitting.add(model);
    this.running = true;
    try {
      for (let epoch = 1; epoch <= epochs && stopped === 'done'; epoch++) {
        const it = epoch === 1 ? first : data[Symbol.asyncIterator]();
        let lossSum = 0;
        let k = 0;
        for (let item = await it.next(); !item.done; item = await it.next(), k++) {
          const samples = readSamples(item.value, layout, where, `batch ${k}: `);
          const count = samples.lengths.length;
          const batch = makeBatch(
            samples,
            Int32Array.from({ length: count }, (_, i) => i),
            layout,
          );
          const { result } = this.stepBatch(batch, where);
          lossSum += result.loss;
          steps++;
          epochEnd.seen += count;
          const elapsed = (now() - began) / 1000;
          const step = this.optimizer.stepCount;
          const rate = epochEnd.seen / Math.max(elapsed, 1e-9);
          options.onStep?.({ ...result, step, epoch, progress: Number.NaN, tokensPerSecond: rate, elapsed });
          stopped = options.signal?.aborted
            ? 'aborted'
            : options.timeLimit !== undefined && elapsed >= options.timeLimit
              ? 'time'
              : steps >= maxSteps
                ? 'steps'
                : 'done';
          if (stopped !== 'done') {
            await it.return?.();
            break;
          }
        }
        if (stopped !== 'done') break;
        if (k === 0) throw new RangeError(`${where}: epoch ${epoch} of data yielded no mini-batches`);
        epochLosses.push(lossSum / k);
        if (epochEnd.end(epoch, lossSum / k)) stopped = 'patience';
      }
    } finally {
      fitting.delete(model);
      this.running = false;
    }
    return epochEnd.finish({ epochLosses, steps, stopped });
  }

  /** Checks what both supervised fits share: options, model, metrics, validation data, no fit running. */
  private supervisedStart(
    options: SupervisedFitOptions,
    where: string,
    iterable: boolean,
  ): { model: SupervisedModel; layout: Layout; stopping: EarlyStopping | null; validation: Samples | null } {
    const stopping = checkSupervisedOptions(options, where, iterable);
    const model = this.supervisedModel(where);
    const layout = layoutOf(model, this.loss);
    checkMetrics(options.metrics ?? [], this.loss, where);
    const data = options.validationData;
    const validation = data ? readSamples(data, layout, where, 'options.validationData.') : null;
    if (fitting.has(model))
      throw new Error(`${where}: another fit() is running on this model; await (or abort) it first`);
    return { model, layout, stopping, validation };
  }

  /**
   * The end of each supervised epoch: validation scores, `onEpoch`, early stopping (keeping a copy
   * of the best epoch's weights with `restoreBest`); `finish` loads them back at the end.
   */
  private epochEnd(
    model: SupervisedModel,
    layout: Layout,
    validation: Samples | null,
    options: SupervisedFitOptions,
    stopping: EarlyStopping | null,
  ): { seen: number; end: (epoch: number, loss: number) => boolean; finish: (r: FitResult) => FitResult } {
    const began = now();
    const metrics = options.metrics ?? [];
    const monitor = stopping?.monitor ?? 'loss';
    const rises = monitor === 'val_accuracy' || monitor === 'val_f1';
    let best = rises ? -Infinity : Infinity;
    let bestEpoch = 0;
    let bestState: Array<Record<string, Float32Array>> | null = null;
    let bad = 0;
    const state = {
      seen: 0,
      end: (epoch: number, loss: number): boolean => {
        const elapsed = (now() - began) / 1000;
        const scores = validation && this.scoreSamples(model, validation, layout, metrics, options.batchSize ?? 32);
        options.onEpoch?.({
          epoch,
          loss,
          validation: scores ?? undefined,
          elapsed,
          samplesPerSecond: state.seen / Math.max(elapsed, 1e-9),
        });
        if (stopping === null) return false;
        const key = monitor.slice(4) as keyof Scores;
        const value = monitor === 'loss' ? loss : key === 'f1' ? scores!.f1!.macroF1 : (scores![key] as number);
        if (rises ? value > best : value < best) {
          best = value;
          bestEpoch = epoch;
          bad = 0;
          if (stopping.restoreBest) bestState = model.parameterSets().map((set) => set.stateDict());
          return false;
        }
        return ++bad >= stopping.patience;
      },
      finish: (result: FitResult): FitResult => {
        if (bestState !== null) model.parameterSets().forEach((set, i) => set.loadStateDict(bestState![i]));
        return bestEpoch > 0 ? { ...result, bestEpoch } : result;
      },
    };
    return state;
  }

  /** The loss and `metrics` of `model` on checked samples, in batches of `batchSize` (no updates). */
  private scoreSamples(
    model: SupervisedModel,
    samples: Samples,
    layout: Layout,
    metrics: readonly MetricName[],
    batchSize: number,
  ): Scores {
    const score = scorer(model.outputSize, this.loss, metrics);
    const n = samples.lengths.length;
    for (let s = 0; s < n; s += batchSize) {
      const batch = makeBatch(
        samples,
        Int32Array.from({ length: Math.min(batchSize, n - s) }, (_, i) => s + i),
        layout,
      );
      const { seqLen, lengths, batch: B = 1, target } = batch;
      if (model instanceof SequenceModel) {
        score.add(model.predict(batch.input, { seqLen, batch: B, lengths }), batch, layout.every);
        continue;
      }
      // seq2seq: teacher-forced logits (Tt·B, V), scored over each target's own steps
      const Tt = target.length / B;
      const logits = model.backend.heap.read(model.prepare(batch, 'Trainer').forward(), Tt * B * model.outputSize);
      const steps = Int32Array.from({ length: B }, (_, b) => {
        let t = 0;
        while (t < Tt && target[t * B + b] >= 0) t++;
        return t;
      });
      score.add(logits, { ...batch, seqLen: Tt, lengths: steps }, true);
    }
    return score.result();
  }

  /** The model for supervised data (a {@link SequenceModel}, or an {@link EncoderDecoder} with cross-entropy), or a clear error naming `where`. */
  private supervisedModel(where: string): SupervisedModel {
    const model = this.model as unknown;
    if (model instanceof EncoderDecoder && this.loss !== 'cross-entropy')
      throw new TypeError(`${where}: { x, y } data train an EncoderDecoder with cross-entropy, not ${this.loss}`);
    if (model instanceof SequenceModel || model instanceof EncoderDecoder) return model;
    throw new TypeError(`${where}: { x, y } data train a SequenceModel or an EncoderDecoder`);
  }

  /**
   * Next-token loss, perplexity and accuracy of the model on a token stream (no updates), run
   * as one stream in windows of `k1` steps with carried state.
   */
  evaluate(tokens: ArrayLike<number>): Metrics;
  /**
   * Loss and `metrics` of the model on supervised samples (no updates), in batches of
   * `batchSize`; every sample is checked first, as by {@link fit}.
   */
  evaluate(data: SupervisedData, options?: EvaluateOptions): Scores;
  evaluate(data: ArrayLike<number> | SupervisedData, options: EvaluateOptions = {}): Metrics | Scores {
    const where = 'Trainer.evaluate';
    this.assertLive(where);
    if (isSupervised(data)) {
      checkOptions(options, EVALUATE, where);
      const model = this.supervisedModel(where);
      const layout = layoutOf(model, this.loss);
      const metrics = options.metrics ?? [];
      checkMetrics(metrics, this.loss, where);
      return this.scoreSamples(model, readSamples(data, layout, where), layout, metrics, options.batchSize ?? 32);
    }
    const tokens = data;
    const model = this.languageModel(where);
    this.checkTokens(tokens, 2, 'tokens', where);
    const saved = model.saveState();
    try {
      return this.evaluateStream(model, tokens, where);
    } finally {
      model.restoreState(saved);
    }
  }

  private evaluateStream(model: SequenceModel, tokens: ArrayLike<number>, where: string): Metrics {
    model.resetState(1);
    const V = model.outputSize;
    let total = 0;
    let correct = 0;
    const n = tokens.length - 1;
    const ids = new Int32Array(this.k1);
    const tg = new Int32Array(this.k1);
    for (let s = 0; s < n; s += this.k1) {
      const T = Math.min(this.k1, n - s);
      for (let t = 0; t < T; t++) {
        ids[t] = tokens[s + t];
        tg[t] = tokens[s + t + 1];
      }
      const input = model.writeInput(ids.subarray(0, T), T, 1, `${where}: tokens`);
      this.writeTargets(tg.subarray(0, T), undefined, T, where);
      const logits = model.forwardInPlace(T, 1, input, false, true);
      const [targetPtr] = this.ptrs;
      total += model.backend.kernels.softmax_xent(T, V, logits, V, targetPtr, 0, 1, 0, V);
      const mem = model.backend.heap.all();
      for (let t = 0; t < T; t++) {
        let arg = 0;
        const row = (logits >> 2) + t * V;
        for (let v = 1; v < V; v++) if (mem[row + v] > mem[row + arg]) arg = v;
        if (arg === tg[t]) correct++;
      }
    }
    const loss = total / n;
    return { loss, perplexity: Math.exp(loss), accuracy: correct / n };
  }

  /**
   * Saves everything needed to resume bit for bit: the model (architecture, weights, metadata,
   * dropout generator positions), the trainer's options, the optimizer's state and step count,
   * and — once {@link fit} has run — its data position and carried state. Works for every model
   * strand trains ({@link SequenceModel} of any input and head, {@link EncoderDecoder}), also from
   * inside a running fit (e.g. in `onStep`).
   */
  save(): Uint8Array {
    const where = 'Trainer.save';
    this.assertLive(where);
    const part = modelCheckpoint(this.model, 'trainer', where);
    const heap = this.model.backend.heap;
    const slabs = this.optimizer
      .stateSlabs()
      .map((s, i) => ({ name: `optimizer.${i}`, data: heap.read(s.ptr, s.size) }));
    const trainer: Record<string, unknown> = { options: this.options, stepCount: this.optimizer.stepCount };
    let carried: SavedState | null = null;
    if (this.position !== null) {
      carried = this.running ? this.carriedState() : this.carried;
      trainer.fit = this.position;
      trainer.carried = carried?.batch ?? 0;
    }
    return pack({ ...part.header, trainer }, [...part.tensors, ...slabs, ...carriedTensors(carried)]);
  }

  /**
   * Resumes a trainer (and a new model) from {@link save}'s bytes: a {@link SequenceModel} or an
   * {@link EncoderDecoder}, as the file says (name it as the type argument: `Trainer.load<EncoderDecoder>(bytes)`).
   * The trainer options, optimizer state, step count and data position are all checked before they
   * are used: a file with unknown options, non-finite or negative second moments, or an impossible
   * step count is refused with the field at fault, and builds nothing that outlives the error.
   */
  static load<M extends Trainable = SequenceModel>(bytes: Uint8Array, options: LoadOptions = {}): Trainer<M> {
    const where = 'Trainer.load';
    const { backend, limits } = loadOptions(options, where);
    const { header, tensors } = unpack(bytes, where, limits);
    const saved = header.trainer as
      | { options: TrainerOptions; stepCount: number; fit?: unknown; carried?: number }
      | undefined;
    if (header.kind !== 'trainer' || saved === undefined)
      throw new FormatError(where, 'this checkpoint holds a model only (use SequenceModel.load), not a trainer', {
        part: 'header',
        field: 'kind',
        expected: "'trainer' with a trainer field",
        found: describe(header.kind),
      });
    checkOptions(saved, SAVED, where, 'trainer');
    if (saved.options === undefined)
      throw new FormatError(where, 'the trainer has no options', {
        part: 'header',
        field: 'trainer.options',
        expected: 'the trainer options',
        found: 'nothing',
      });
    checkTrainerOptions(saved.options, where, 'trainer.options');
    const k1 = saved.options.tbptt?.k1 ?? 50;
    const batchSize = saved.options.batchSize ?? 32;
    const position = saved.fit === undefined ? null : checkPosition(saved.fit, where, 'trainer.fit', k1, batchSize);
    const carriedBatch = saved.carried ?? 0;
    // no fit: no carried state; a token stream mid-epoch: one per stream
    const carriedNeeded = position === null ? 0 : position.data === 'tokens' && position.offset > 0 ? batchSize : -1;
    if (carriedNeeded >= 0 && carriedBatch !== carriedNeeded)
      throw new RangeError(`${where}: trainer.carried must be ${carriedNeeded} here, received ${carriedBatch}`);
    checkStepCount(saved.stepCount, where, "the optimizer's stepCount");
    const states: Float32Array[] = [];
    for (let i = 0; tensors.has(`optimizer.${i}`); i++) states.push(tensors.get(`optimizer.${i}`)!);
    if ([...tensors.keys()].filter((n) => n.startsWith('optimizer.')).length !== states.length)
      throw new FormatError(where, 'the optimizer state is not numbered in order', {
        part: 'tensors',
        expected: 'tensors optimizer.0, optimizer.1, … without gaps',
        found: `${states.length} in order of ${[...tensors.keys()].filter((n) => n.startsWith('optimizer.')).length}`,
      });

    const model = modelFromCheckpoint(header, tensors, backend, where, limits);
    let trainer: Trainer<M> | undefined;
    try {
      trainer = new Trainer<M>(model as unknown as M, saved.options);
      trainer.optimizer.loadState(states, saved.stepCount, where);
      trainer.carried = carriedFromCheckpoint(model, carriedBatch, tensors, where);
      trainer.position = position;
      return trainer;
    } catch (error) {
      trainer?.dispose();
      model.dispose();
      throw error;
    }
  }

  /** Frees the optimizer state and the trainer's buffers (not the model). Idempotent. */
  dispose(): void {
    this.disposedFlag = true;
    this.optimizer.dispose();
    this.workspace.dispose();
  }

  // ------------------------------------------------------------------------------------ internals

  /** Writes targets (int32 class ids or float values) and row weights into the trainer's workspace. */
  private writeTargets(
    target: ArrayLike<number>,
    mask: ArrayLike<number> | undefined,
    rows: number,
    where: string,
  ): void {
    const O = this.model.outputSize;
    const classes = this.loss === 'cross-entropy';
    const n = classes ? rows : rows * O;
    if (target === null || typeof target !== 'object' || typeof target.length !== 'number') {
      throw new TypeError(
        `${where}: target must be an array of ${n} ${classes ? 'class ids' : 'values'}, received ${describe(target)}`,
      );
    }
    if (target.length !== n)
      throw new RangeError(
        `${where}: target must have ${n} ${classes ? 'class ids (one per output row)' : `values (rows·outputSize = ${rows}·${O})`}, received ${target.length}`,
      );
    const [tPtr, wPtr] = this.workspace.plan([n, rows, rows * O], this.ptrs);
    const heap = this.model.backend.heap;
    if (classes) {
      const ints = new Int32Array(heap.all().buffer, tPtr, n);
      for (let i = 0; i < n; i++) {
        const v = target[i];
        if (!Number.isInteger(v) || v < -1 || v >= O)
          throw new RangeError(
            `${where}: target must hold class ids in [0, ${O}) or −1 (ignore), received ${describe(v)} at index ${i}`,
          );
        ints[i] = v;
      }
    } else {
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(Math.fround(target[i])))
          throw new RangeError(`${where}: target must be finite (as float32), received ${target[i]} at index ${i}`);
      }
      heap.write(tPtr, target);
    }
    const weights = heap.f32(wPtr, rows);
    if (mask === undefined) weights.fill(1);
    else {
      if (mask.length !== rows)
        throw new RangeError(`${where}: mask must have one weight per output row (${rows}), received ${mask.length}`);
      for (let i = 0; i < rows; i++) {
        if (!(mask[i] >= 0 && Number.isFinite(Math.fround(mask[i]))))
          throw new RangeError(`${where}: mask must hold finite weights ≥ 0, received ${mask[i]} at index ${i}`);
        weights[i] = mask[i];
      }
    }
  }

  /**
   * Forward, loss, backward, checks, clipping and the optimizer step on a written batch. The
   * learning rate is checked first; a forward or backward that throws (e.g. {@link NonFiniteError})
   * puts back the carried state (of a `stateful` pass) and the dropout generators it advanced.
   */
  private update(batch: PreparedBatch, stateful: boolean, where: string): StepResult {
    const lr = scheduledLr(this.schedule, this.optimizer.lr, this.optimizer.stepCount);
    this.optimizer.checkUpdate(lr, where);
    const undo = this.undoPoint(stateful);
    let measured: { loss: number; gradNorm: number };
    try {
      measured = this.lossAndGradients(batch);
    } catch (error) {
      undo();
      throw error;
    }
    const { loss, gradNorm } = measured;
    const k = this.model.backend.kernels;
    const sets = this.model.parameterSets();
    let clippedNorm = gradNorm;
    if (this.clip.value !== undefined) {
      for (const s of sets) k.clip_value(s.size, s.gradSlab, this.clip.value);
      if (this.clip.norm !== undefined)
        clippedNorm = Math.sqrt(sets.reduce((a, s) => a + k.sum_squares(s.size, s.gradSlab), 0));
    }
    if (this.clip.norm !== undefined && clippedNorm > this.clip.norm) {
      const f = this.clip.norm / (clippedNorm + 1e-6);
      for (const s of sets) k.scale(s.size, s.gradSlab, f);
    }
    this.optimizer.step(lr);
    return { loss, gradNorm, lr };
  }

  /** Restores what a forward pass advances — the carried state (when `stateful`) and the dropout generators. */
  private undoPoint(stateful: boolean): () => void {
    const model = this.model;
    if (!(model instanceof SequenceModel)) return () => {};
    const dropout = dropoutStates(model.layers);
    const state = stateful ? model.saveState() : null;
    return () => {
      restoreDropoutStates(model.layers, dropout);
      if (state !== null) model.restoreState(state);
    };
  }

  /** Forward, loss and backward of a written batch; throws {@link NonFiniteError} for a non-finite loss or gradient. */
  private lossAndGradients(batch: PreparedBatch): { loss: number; gradNorm: number } {
    const rows = batch.rows;
    const model = this.model;
    const k = model.backend.kernels;
    const heap = model.backend.heap;
    const O = model.outputSize;
    const [tPtr, wPtr, dPtr] = this.ptrs;
    // counted targets: the sum of row weights (ignored class ids count 0)
    const weights = heap.f32(wPtr, rows);
    let counted = 0;
    if (this.loss === 'cross-entropy') {
      const ints = new Int32Array(heap.all().buffer, tPtr, rows);
      for (let i = 0; i < rows; i++) if (ints[i] >= 0) counted += weights[i];
    } else {
      for (let i = 0; i < rows; i++) counted += weights[i] * O;
    }
    const scale = this.reduction === 'mean' ? 1 / Math.max(counted, 1e-12) : 1;

    model.zeroGrad();
    const logits = batch.forward();
    let total: number;
    if (this.loss === 'cross-entropy') total = k.softmax_xent(rows, O, logits, O, tPtr, wPtr, scale, dPtr, O);
    else {
      // per-value weights: expand the row weights over the O outputs
      const expanded = heap.f32(dPtr, rows * O);
      for (let r = 0; r < rows; r++) expanded.fill(heap.f32(wPtr, rows)[r], r * O, (r + 1) * O);
      total =
        this.loss === 'mse'
          ? k.mse(rows * O, logits, tPtr, dPtr, scale, dPtr)
          : k.sigmoid_bce(rows * O, logits, tPtr, dPtr, scale, dPtr);
    }
    const loss = total * scale;
    if (!Number.isFinite(loss))
      throw new NonFiniteError(
        `Trainer: the loss is ${loss} at update ${this.optimizer.stepCount + 1}; the weights were left as before this step (lower the learning rate or clip gradients)`,
      );
    batch.backward(dPtr);
    let sumSq = 0;
    const sets = model.parameterSets();
    for (const s of sets) sumSq += k.sum_squares(s.size, s.gradSlab);
    const gradNorm = Math.sqrt(sumSq);
    if (!Number.isFinite(gradNorm))
      throw new NonFiniteError(
        `Trainer: the gradient norm is ${gradNorm} at update ${this.optimizer.stepCount + 1}; the weights were left as before this step`,
      );
    return { loss, gradNorm };
  }

  /** Checks a batch, writes it and its targets, and runs one update. */
  private stepBatch(batch: Batch, where: string): { result: StepResult; rows: number } {
    const prepared = this.prepareBatch(batch, where);
    return { result: this.update(prepared, batch.stateful === true, where), rows: prepared.rows };
  }

  /** Checks a batch's fields, then has the model check and write it, and writes its targets. */
  private prepareBatch(batch: Batch, where: string): PreparedBatch {
    if (batch === null || typeof batch !== 'object' || Array.isArray(batch))
      throw new TypeError(`${where}: batch must be an object { input, target, ... }, received ${describe(batch)}`);
    checkOptions(batch, BATCH, where, 'batch');
    const prepared = this.model.prepare(batch, where);
    this.writeTargets(batch.target, batch.mask ?? prepared.weights, prepared.rows, where);
    return prepared;
  }

  /** Checks token ids for the language model (at least `min` of them; `what` names them). */
  private checkTokens(tokens: ArrayLike<number>, min: number, what: string, where: string): void {
    const model = this.languageModel(where);
    if (tokens === null || typeof tokens !== 'object' || typeof tokens.length !== 'number')
      throw new TypeError(`${where}: ${what} must be an array of token ids, received ${describe(tokens)}`);
    if (tokens.length < min)
      throw new RangeError(`${where}: ${what} must hold at least ${min} tokens, received ${tokens.length}`);
    model.embedding!.checkIds(tokens, `${where}: ${what}`);
  }

  /**
   * Checks a token stream (and a validation stream) for fit(), and sets up its walk: `batchSize`
   * streams in TBPTT windows of k1 new steps, backpropagating through k2.
   */
  private tokenStart(
    tokens: ArrayLike<number>,
    options: FitOptions,
    where: string,
  ): { walk: DataWalk; position: FitPosition } {
    const model = this.model;
    if (
      !(model instanceof SequenceModel) ||
      model.embedding === null ||
      model.head.at !== 'every' ||
      this.loss !== 'cross-entropy'
    ) {
      throw new TypeError(
        `${where}: fit() on a token stream trains next-token language models (Embedding input, Dense at every step, cross-entropy); for other models give it a list of batches`,
      );
    }
    const B = this.batchSize;
    this.checkTokens(tokens, B + 1, 'tokens', where); // one step for each of the B streams, and its target
    const perStream = Math.floor((tokens.length - 1) / B);
    if (options.validation !== undefined) this.checkTokens(options.validation, 2, 'options.validation', where);
    const k1 = this.k1;
    const k2 = this.k2;
    const window = Math.min(k2, perStream);
    const ids = new Int32Array(window * B);
    const targets = new Int32Array(window * B);
    const mask = new Float32Array(window * B);
    const walk: DataWalk = {
      length: perStream,
      enter: (pos) => {
        if (pos.offset === 0) model.resetState(B);
        else if (pos.offset < perStream) model.restoreState(this.carried!);
      },
      // window n covers stream positions [end − T, end) with end = min(n·k1, stream length) and
      // T = min(k2, end); the loss counts only the steps new since the previous update
      next: (prevEnd) => {
        const end = Math.min(prevEnd + k1, perStream);
        const T = Math.min(k2, end);
        const fresh = end - prevEnd;
        for (let t = 0; t < T; t++) {
          const pos = end - T + t;
          for (let b = 0; b < B; b++) {
            const at = b * perStream + pos;
            ids[t * B + b] = tokens[at];
            targets[t * B + b] = tokens[at + 1];
            mask[t * B + b] = t >= T - fresh ? 1 : 0;
          }
        }
        const n = T * B;
        const input = model.writeInput(ids.subarray(0, n), T, B, `${where}: tokens`);
        this.writeTargets(targets.subarray(0, n), mask.subarray(0, n), n, where);
        // carry the state at the next window's start (which may be this window's start: 0 steps in)
        const nextEnd = Math.min(end + k1, perStream);
        const nextStart = nextEnd - Math.min(k2, nextEnd);
        const carryAfter = end >= perStream ? T : Math.max(0, Math.min(T, nextStart - (end - T)));
        const prepared: PreparedBatch = {
          rows: n,
          forward: () => model.forwardInPlace(T, B, input, true, true, carryAfter),
          backward: (d) => model.backwardInPlace(d, true),
        };
        return { result: this.update(prepared, true, where), offset: end, seen: fresh * B };
      },
      shuffleState: () => null,
    };
    return { walk, position: startPosition('tokens', tokens.length, tokensFingerprint(tokens), null) };
  }

  /** Checks every batch for fit() before any update, and sets up their walk: in order, or shuffled per epoch. */
  private batchStart(
    batches: readonly Batch[],
    options: FitOptions,
    where: string,
  ): { walk: DataWalk; position: FitPosition } {
    batches.forEach((b, i) => this.prepareBatch(b, `${where}: batch ${i}`));
    const model = this.model;
    const rng = options.shuffle ? new Rng(options.resume ? 0 : (options.seed ?? nextSeed())) : null;
    let order = epochOrder(0, null);
    const walk: DataWalk = {
      length: batches.length,
      enter: (pos, resumed) => {
        if (rng !== null) rng.restore(pos.shuffle!);
        order = epochOrder(batches.length, rng);
        if (resumed && model instanceof SequenceModel) {
          if (this.carried === null) model.resetState();
          else model.restoreState(this.carried);
        }
      },
      next: (offset) => {
        const { result, rows } = this.stepBatch(batches[order[offset]], where);
        return { result, offset: offset + 1, seen: rows };
      },
      shuffleState: () => rng?.snapshot() ?? null,
    };
    return { walk, position: startPosition('batches', batches.length, batchesFingerprint(batches), rng) };
  }

  /** The saved position to resume from, after checking that it belongs to these data and settings. */
  private resumePosition(fresh: FitPosition, options: FitOptions, where: string): FitPosition {
    const p = this.position;
    if (p === null) throw new Error(`${where}: resume: this trainer has no fit() to resume`);
    if (p.data !== fresh.data || p.size !== fresh.size || p.fingerprint !== fresh.fingerprint)
      throw new RangeError(
        `${where}: resume needs the data of the run it continues (${p.size} ${p.data}, hash ${p.fingerprint}), received ${fresh.size} ${fresh.data}, hash ${fresh.fingerprint}`,
      );
    if ((p.shuffle !== null) !== (options.shuffle === true))
      throw new TypeError(
        `${where}: resume: the run was ${p.shuffle ? '' : 'not '}shuffled; give shuffle: ${p.shuffle !== null}`,
      );
    const midEpoch = p.offset > 0 && p.offset < Math.floor((p.size - 1) / this.batchSize);
    if (p.data === 'tokens' && midEpoch && this.carried?.batch !== this.batchSize)
      throw new Error(`${where}: resume: the carried state is missing`);
    return p;
  }

  /** The epochs of one fit() call, from `start`; keeps {@link position} after every update. */
  private async walk(
    walk: DataWalk,
    start: FitPosition,
    resumed: boolean,
    options: FitOptions,
    keep: BestEpoch | null = null,
  ): Promise<FitResult> {
    const epochs = options.epochs ?? 1;
    const maxSteps = options.maxSteps ?? Infinity;
    const began = now();
    let lastYield = began;
    let steps = 0;
    let seen = 0;
    const epochLosses: number[] = [];
    let pos = start;
    this.position = pos;
    let resuming = resumed;
    while (pos.epoch <= epochs) {
      walk.enter(pos, resuming);
      resuming = false;
      while (pos.offset < walk.length) {
        const { result, offset, seen: n } = walk.next(pos.offset);
        steps++;
        seen += n;
        pos = { ...pos, offset, lossSum: pos.lossSum + result.loss, updates: pos.updates + 1 };
        this.position = pos;
        const elapsed = (now() - began) / 1000;
        options.onStep?.({
          ...result,
          step: this.optimizer.stepCount,
          epoch: pos.epoch,
          progress: offset / walk.length,
          tokensPerSecond: seen / Math.max(elapsed, 1e-9),
          elapsed,
        });
        if (now() - lastYield > 50) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          lastYield = now();
        }
        if (options.signal?.aborted) return { epochLosses, steps, stopped: 'aborted' };
        if (options.timeLimit !== undefined && elapsed >= options.timeLimit)
          return { epochLosses, steps, stopped: 'time' };
        if (steps >= maxSteps) return { epochLosses, steps, stopped: 'steps' };
      }
      const loss = pos.lossSum / pos.updates;
      epochLosses.push(loss);
      const validation = options.validation !== undefined ? this.evaluate(options.validation) : undefined;
      if (keep !== null && validation !== undefined && validation.loss < keep.loss) {
        keep.loss = validation.loss;
        keep.epoch = pos.epoch;
        keep.state = this.model.parameterSets().map((set) => set.stateDict());
      }
      if (!walk.endEpoch) options.onEpoch?.({ epoch: pos.epoch, loss, validation });
      let { best, badEpochs } = pos;
      let patienceOut = walk.endEpoch?.(pos.epoch, loss) ?? false;
      if (validation && options.patience !== undefined) {
        if (validation.loss < (best ?? Infinity)) {
          best = validation.loss;
          badEpochs = 0;
        } else if (++badEpochs >= options.patience) {
          patienceOut = true;
        }
      }
      pos = { ...pos, epoch: pos.epoch + 1, offset: 0, lossSum: 0, updates: 0, best, badEpochs };
      pos.shuffle = walk.shuffleState();
      this.position = pos;
      if (patienceOut) return { epochLosses, steps, stopped: 'patience' };
    }
    return { epochLosses, steps, stopped: 'done' };
  }

  /** The model's carried state, when it carries one (a live {@link SequenceModel}), else null. */
  private carriedState(): SavedState | null {
    const model = this.model;
    if (!(model instanceof SequenceModel) || model.disposed) return null;
    const state = model.saveState();
    return state.batch > 0 ? state : null;
  }

  /** Throws a clear error once {@link dispose} has run. */
  private assertLive(where: string): void {
    if (this.disposedFlag) throw new Error(`${where}: this trainer has been disposed`);
  }
}
