/**
 * The options of {@link Trainer} and {@link Trainer.fit}: their types and their schemas, declared
 * once and checked by {@link checkOptions}, with hints for options given at the wrong level
 * (`{ lr }` beside `optimizer`, `{ epochs }` in the constructor).
 */
import { bool, checkOptions, custom, int, num, obj, oneOf, type Schema } from '../util/options.ts';
import { refuseHinted } from './option-hints.ts';
import { optimizerSettings, type OptimizerOptions } from './optimizer-options.ts';
import { checkSchedule, type Schedule } from './schedule.ts';
import type { LossName, MetricName, Scores } from './metrics.ts';
import type { SupervisedData } from './supervised-data.ts';

export type { LossName };

/** Options of {@link Trainer}. */
export interface TrainerOptions {
  /** Default: cross-entropy for a softmax model, binary cross-entropy for sigmoid, mse for linear. */
  loss?: LossName;
  /** `'mean'` (default) over the counted targets, or `'sum'`. */
  reduction?: 'mean' | 'sum';
  /** Optimizer and its settings; default `{ type: 'adam', lr: 1e-3 }`. */
  optimizer?: OptimizerOptions;
  /** Learning-rate schedule over updates. */
  schedule?: Schedule;
  /**
   * Gradient clipping before each update: by global norm (over all parameters), and / or
   * element-wise by value (with both, by value first). Default: none.
   */
  clip?: {
    /**
     * Maximum global L2 norm of the gradient (> 0): a larger gradient is scaled by
     * norm / (‖g‖ + 1e-6), as PyTorch's `clip_grad_norm_`.
     */
    norm?: number;
    /** Maximum magnitude of each gradient value (> 0): values are clamped to [−value, value]. */
    value?: number;
  };
  /**
   * Truncated BPTT for {@link Trainer.fit} on a token stream (Williams & Peng): every `k1` new
   * steps one update, backpropagating through the last `k2` steps (k2 ≥ k1; default k2 = k1).
   * Default `{ k1: 50 }`.
   */
  tbptt?: {
    /** New time steps per update (a positive integer); also the window of {@link Trainer.evaluate}. */
    k1: number;
    /** Time steps backpropagated through per update (an integer ≥ k1); default k1. */
    k2?: number;
  };
  /** Parallel streams per update in {@link Trainer.fit} on a token stream; default 32. */
  batchSize?: number;
}

/** What one update reports. */
export interface StepResult {
  /** The loss of the batch (mean or sum as configured) before the update. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Learning rate used. */
  lr: number;
}

/** A progress event of {@link Trainer.fit}. */
export interface ProgressEvent extends StepResult {
  /** Updates so far in this trainer's life (1-based). */
  step: number;
  /** Current epoch (1-based). */
  epoch: number;
  /** Fraction of the epoch done, in [0, 1] (NaN for an async iterable, whose length is unknown). */
  progress: number;
  /** Tokens (for batches: output rows) per second over this call so far. */
  tokensPerSecond: number;
  /** Seconds since fit() started. */
  elapsed: number;
}

/** Loss and derived metrics of {@link Trainer.evaluate}. */
export interface Metrics {
  /** Mean cross-entropy per predicted token (nats). */
  loss: number;
  /** e^loss. */
  perplexity: number;
  /** Fraction of tokens whose most likely prediction is the target. */
  accuracy: number;
}

/** Options of {@link Trainer.fit}. */
export interface FitOptions {
  /**
   * Passes over the data; default 1. With `resume`, the epoch to end with, counted from the first
   * run (a run stopped in epoch 2 and resumed with `epochs: 3` finishes epoch 2, then runs epoch 3).
   */
  epochs?: number;
  /** Called after every update. */
  onStep?: (event: ProgressEvent) => void;
  /** Called after each epoch with its mean loss (and validation metrics when given). */
  onEpoch?: (event: { epoch: number; loss: number; validation?: Metrics }) => void;
  /** Stops between updates when aborted (fit resolves with what was done); an aborted signal runs no update. */
  signal?: AbortSignal;
  /** Held-out tokens, evaluated after each epoch (token streams only). */
  validation?: ArrayLike<number>;
  /** Stop when the validation loss has not improved for this many epochs (needs `validation`). */
  patience?: number;
  /**
   * At the end (whatever stopped the fit), load the weights of the epoch with the lowest
   * validation loss seen in this call (needs `validation`); {@link FitResult.bestEpoch} names it.
   */
  restoreBest?: boolean;
  /** Stop after this many updates in this call (an integer ≥ 1). */
  maxSteps?: number;
  /** Stop after this many seconds (checked after each update). */
  timeLimit?: number;
  /**
   * Continue from where this trainer's last fit stopped — or, after {@link Trainer.load}, where the
   * saved trainer's fit stood — instead of starting at epoch 1: same epoch, same place in it, same
   * carried state and shuffled order, so that the weights match an uninterrupted run bit for bit.
   * The data must be the same. Default false.
   */
  resume?: boolean;
  /** Batches only: visit them in a new seeded random order each epoch; default false (in order). */
  shuffle?: boolean;
  /** The seed of `shuffle`'s order (an integer); default from the global seed generator. Not with `resume`. */
  seed?: number;
}

/** Keras-style early stopping of {@link Trainer.fit} on supervised data. */
export interface EarlyStopping {
  /** Stop after this many epochs without an improvement of `monitor` (an integer ≥ 0). */
  patience: number;
  /**
   * At the end of training, load the weights of the best epoch (a copy is kept at each new best);
   * default false.
   */
  restoreBest?: boolean;
  /**
   * What to watch: `'loss'` (training), `'val_loss'` or `'val_<metric>'` of a requested metric
   * (`val_f1`: the macro F1). Accuracy and F1 should rise, the rest fall. Default `'val_loss'` with
   * validation data, else `'loss'`.
   */
  monitor?: 'loss' | 'val_loss' | `val_${MetricName}`;
}

/** What `onEpoch` of a supervised {@link Trainer.fit} receives after each epoch. */
export interface EpochEvent {
  /** The epoch just finished, 1-based. */
  epoch: number;
  /** Its mean training loss (over its updates). */
  loss: number;
  /** Loss and metrics on the validation data, when given. */
  validation?: Scores;
  /** Seconds since fit() started. */
  elapsed: number;
  /** Training samples per second over this call so far. */
  samplesPerSecond: number;
}

/** Options of {@link Trainer.fit} on {@link SupervisedData} (or an async iterable of mini-batches). */
export interface SupervisedFitOptions {
  /** Passes over the data; default 1. */
  epochs?: number;
  /** Samples per update; default 32 (the last batch of an epoch may be smaller). Not for an iterable. */
  batchSize?: number;
  /** Draw a new seeded order of the samples each epoch; default true. Not for an iterable. */
  shuffle?: boolean;
  /** The seed of the shuffled orders (an integer); default from the global seed generator. */
  seed?: number;
  /** Sort by length within chunks of 16 batches (less padding), then visit the batches in random order; default false. */
  bucket?: boolean;
  /** Hold out the LAST fraction of the samples (before shuffling, as Keras), in (0, 1). Not for an iterable. */
  validationSplit?: number;
  /** Held-out samples, scored after each epoch. */
  validationData?: SupervisedData;
  /** Metrics to report on the validation data, beside the loss. */
  metrics?: MetricName[];
  /** Called after every update. */
  onStep?: (event: ProgressEvent) => void;
  /** Called after each epoch. */
  onEpoch?: (event: EpochEvent) => void;
  /** Stop when the monitored value stops improving; see {@link EarlyStopping}. */
  earlyStopping?: EarlyStopping;
  /** Shorthand for `earlyStopping: { patience }`. */
  patience?: number;
  /** Stops between updates when aborted (fit resolves with what was done). */
  signal?: AbortSignal;
  /** Stop after this many seconds (checked after each update). */
  timeLimit?: number;
  /** Stop after this many updates in this call (an integer ≥ 1). */
  maxSteps?: number;
}

const isFunction = (v: unknown): boolean => typeof v === 'function';
const isArrayLike = (v: unknown): boolean =>
  v !== null && typeof v === 'object' && typeof (v as ArrayLike<number>).length === 'number';
const isSignal = (v: unknown): boolean =>
  v !== null && typeof v === 'object' && typeof (v as { aborted?: unknown }).aborted === 'boolean';
/** A positive float32-finite number: clipping thresholds. */
const threshold = num({ min: 0, exclusiveMin: true, float32: true });

/** The options of {@link Trainer}. */
const TRAINER: Schema = {
  loss: oneOf('cross-entropy', 'binary-cross-entropy', 'mse'),
  reduction: oneOf('mean', 'sum'),
  optimizer: custom('an optimizer settings object'),
  schedule: custom('a schedule object'),
  clip: obj({ norm: threshold, value: threshold }),
  tbptt: obj({ k1: int({ min: 1 }), k2: int({ min: 1 }) }),
  batchSize: int({ min: 1 }),
};

/** The options of {@link Trainer.fit}. */
const FIT: Schema = {
  epochs: int({ min: 1 }),
  onStep: custom('a function', isFunction),
  onEpoch: custom('a function', isFunction),
  signal: custom('an AbortSignal', isSignal),
  validation: custom('an array of token ids', isArrayLike),
  patience: int({ min: 0 }),
  restoreBest: bool(),
  maxSteps: int({ min: 1 }),
  timeLimit: num({ min: 0 }),
  resume: bool(),
  shuffle: bool(),
  seed: int(),
};

const METRICS = ['accuracy', 'mse', 'mae', 'perplexity', 'f1'];
const metricList = custom(
  `an array of ${METRICS.join(', ')}`,
  (v) => Array.isArray(v) && v.every((m) => METRICS.includes(m)),
);

/** The options of {@link Trainer.evaluate} on supervised data. */
export const EVALUATE: Schema = { metrics: metricList, batchSize: int({ min: 1 }) };

/** The options of {@link Trainer.fit} on supervised data. */
const SUPERVISED: Schema = {
  epochs: int({ min: 1 }),
  batchSize: int({ min: 1 }),
  shuffle: bool(),
  seed: int(),
  bucket: bool(),
  validationSplit: num({ min: 0, max: 1, exclusiveMin: true, exclusiveMax: true }),
  validationData: custom('{ x, y }', (v) => v !== null && typeof v === 'object'),
  metrics: custom(`an array of ${METRICS.join(', ')}`, (v) => Array.isArray(v) && v.every((m) => METRICS.includes(m))),
  onStep: custom('a function', isFunction),
  onEpoch: custom('a function', isFunction),
  earlyStopping: obj({
    patience: int({ min: 0 }),
    restoreBest: bool(),
    monitor: oneOf('loss', 'val_loss', ...METRICS.map((m) => `val_${m}`)),
  }),
  patience: int({ min: 0 }),
  signal: custom('an AbortSignal', isSignal),
  timeLimit: num({ min: 0 }),
  maxSteps: int({ min: 1 }),
};

/**
 * Checks {@link SupervisedFitOptions} (`iterable`: for an iterable of mini-batches); returns the
 * early stopping asked for, its monitor filled in (or null). Throws naming `where`.
 */
export function checkSupervisedOptions(options: unknown, where: string, iterable: boolean): EarlyStopping | null {
  checkOptions(options, SUPERVISED, where);
  const o = options as SupervisedFitOptions;
  const refuse = (message: string): never => {
    throw new TypeError(`${where}: options.${message}`);
  };
  if (iterable && (o.batchSize ?? o.shuffle ?? o.bucket ?? o.validationSplit ?? o.seed) !== undefined)
    refuse('batchSize, shuffle, seed, bucket and validationSplit do not apply to an iterable of mini-batches');
  if (o.validationSplit !== undefined && o.validationData !== undefined)
    refuse('validationSplit and validationData exclude each other');
  if (o.seed !== undefined && o.shuffle === false) refuse('seed is the seed of shuffle: drop shuffle: false');
  if (o.patience !== undefined && o.earlyStopping !== undefined)
    refuse('patience is a shorthand of earlyStopping: give one');
  const stop = o.earlyStopping ?? (o.patience === undefined ? null : { patience: o.patience });
  if (stop === null) return null;
  if (stop.patience === undefined) refuse('earlyStopping.patience is required');
  const validation = o.validationData !== undefined || o.validationSplit !== undefined;
  const monitor = stop.monitor ?? (validation ? 'val_loss' : 'loss');
  if (monitor.startsWith('val_') && !validation)
    refuse(`earlyStopping.monitor '${monitor}' needs validationData or validationSplit`);
  const metric = monitor.slice(4);
  if (monitor.startsWith('val_') && metric !== 'loss' && !(o.metrics ?? []).includes(metric as MetricName))
    refuse(`earlyStopping.monitor '${monitor}' needs '${metric}' in options.metrics`);
  return { ...stop, monitor };
}

/** Options of the optimizer, the schedule and fit(), given to the constructor: where they belong. */
const TRAINER_HINTS: Readonly<Record<string, string>> = Object.fromEntries([
  ...[
    'lr',
    'momentum',
    'dampening',
    'nesterov',
    'weightDecay',
    'lrDecay',
    'eps',
    'alpha',
    'beta1',
    'beta2',
    'betas',
  ].map((k) => [k, `did you mean optimizer: { ${k === 'betas' ? 'beta1, beta2' : k} }?`]),
  ...['warmup', 'stepSize', 'gamma', 'total', 'minFactor'].map((k) => [k, `did you mean schedule: { ${k} }?`]),
  ...['k1', 'k2'].map((k) => [k, `did you mean tbptt: { ${k} }?`]),
  ...['norm', 'value'].map((k) => [k, `did you mean clip: { ${k} }?`]),
  ...Object.keys(FIT).map((k) => [k, `${k} is an option of fit(): trainer.fit(data, { ${k} })`]),
]);

/**
 * Checks {@link TrainerOptions} (and the optimizer's and schedule's own schemas); throws strand's
 * `TypeError` / `RangeError` naming `where` and the option's path under `path`.
 */
export function checkTrainerOptions(options: unknown, where: string, path = 'options'): void {
  refuseHinted(options, TRAINER, TRAINER_HINTS, where, path);
  checkOptions(options, TRAINER, where, path);
  const o = options as TrainerOptions;
  if (o.optimizer !== undefined) optimizerSettings(o.optimizer, where, `${path}.optimizer`);
  if (o.schedule !== undefined) checkSchedule(o.schedule, where, `${path}.schedule`);
  if (o.tbptt !== undefined) {
    if (o.tbptt.k1 === undefined) throw new TypeError(`${where}: ${path}.tbptt.k1 is required`);
    if (o.tbptt.k2 !== undefined && o.tbptt.k2 < o.tbptt.k1)
      throw new RangeError(`${where}: ${path}.tbptt.k2 must be ≥ k1 (${o.tbptt.k1}), received ${o.tbptt.k2}`);
  }
}

/**
 * Checks {@link FitOptions} for data of the given kind; throws strand's `TypeError` / `RangeError`
 * naming `where`. `validation` and `patience` need a token stream, `shuffle` and `seed` batches.
 */
export function checkFitOptions(options: unknown, data: 'tokens' | 'batches', where: string): void {
  checkOptions(options, FIT, where);
  const o = options as FitOptions;
  const refuse = (message: string): never => {
    throw new TypeError(`${where}: ${message}`);
  };
  if (o.patience !== undefined && o.validation === undefined)
    refuse('options.patience needs options.validation (the held-out tokens whose loss it watches)');
  if (o.restoreBest === true && o.validation === undefined)
    refuse('options.restoreBest needs options.validation (the held-out tokens whose loss picks the best epoch)');
  if (data === 'batches' && o.validation !== undefined)
    refuse('options.validation takes held-out tokens, for a token stream; with batches, evaluate in onEpoch');
  if (data === 'tokens' && o.shuffle !== undefined)
    refuse('options.shuffle applies to batches; a token stream is read in order, in batchSize parallel streams');
  if (o.seed !== undefined && o.shuffle !== true) refuse('options.seed is the seed of shuffle: give shuffle: true');
  if (o.seed !== undefined && o.resume === true)
    refuse('options.seed cannot be combined with resume: the saved position holds the shuffling generator');
}
