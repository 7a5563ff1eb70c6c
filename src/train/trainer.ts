import type { Backend } from '../backend/backend.ts';
import { pack, unpack } from '../io/container.ts';
import { SequenceModel } from '../nn/model.ts';
import { Workspace } from '../nn/workspace.ts';
import { Optimizer, type OptimizerOptions } from './optimizer.ts';
import { scheduledLr, validateSchedule, type Schedule } from './schedule.ts';
import { describe, positiveInt } from '../util/check.ts';
import type { Batch, PreparedBatch, Trainable } from '../nn/trainable.ts';

/** Loss functions, each fused with its gradient in the backend. */
export type LossName = 'cross-entropy' | 'binary-cross-entropy' | 'mse';

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
  /** Parallel streams per update in {@link Trainer.fit}; default 32. */
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
  /** Fraction of the epoch done, in [0, 1]. */
  progress: number;
  /** Tokens per second over the run so far. */
  tokensPerSecond: number;
  /** Seconds since fit() started. */
  elapsed: number;
}

/** Options of {@link Trainer.fit}. */
export interface FitOptions {
  /** Passes over the data; default 1. */
  epochs?: number;
  /** Called after every update. */
  onStep?: (event: ProgressEvent) => void;
  /** Called after each epoch with its mean loss (and validation metrics when given). */
  onEpoch?: (event: { epoch: number; loss: number; validation?: Metrics }) => void;
  /** Stops between updates when aborted (fit resolves with what was done). */
  signal?: AbortSignal;
  /** Held-out tokens, evaluated after each epoch. */
  validation?: ArrayLike<number>;
  /** Stop when the validation loss has not improved for this many epochs. */
  patience?: number;
  /** Stop after this many updates in this call. */
  maxSteps?: number;
  /** Stop after this many seconds. */
  timeLimit?: number;
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
}

/** A NaN or infinity appeared in the loss or the gradients; the weights are those before the step. */
export class NonFiniteError extends Error {
  /** Always `'NonFiniteError'`, so the error can be told apart without `instanceof`. */
  override readonly name = 'NonFiniteError';
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * Trains a {@link SequenceModel}: loss, backpropagation through time (full or truncated),
 * clipping, optimizer and schedule, with progress events and cancellation.
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

  constructor(model: M, options: TrainerOptions = {}) {
    if (options === null || typeof options !== 'object')
      throw new TypeError(`Trainer: options must be an object, received ${describe(options)}`);
    this.model = model;
    this.options = structuredClone(options);
    const defaultLoss: LossName =
      model.output === 'softmax' ? 'cross-entropy' : model.output === 'sigmoid' ? 'binary-cross-entropy' : 'mse';
    this.loss = options.loss ?? defaultLoss;
    if (!['cross-entropy', 'binary-cross-entropy', 'mse'].includes(this.loss)) {
      throw new TypeError(
        `Trainer: loss must be 'cross-entropy', 'binary-cross-entropy' or 'mse', received ${JSON.stringify(this.loss)}`,
      );
    }
    this.reduction = options.reduction ?? 'mean';
    if (this.reduction !== 'mean' && this.reduction !== 'sum')
      throw new TypeError(`Trainer: reduction must be 'mean' or 'sum', received ${JSON.stringify(this.reduction)}`);
    if (options.schedule !== undefined) validateSchedule(options.schedule);
    this.schedule = options.schedule;
    this.clip = options.clip ?? {};
    for (const k of ['norm', 'value'] as const) {
      const v = this.clip[k];
      if (v !== undefined && !(typeof v === 'number' && v > 0))
        throw new RangeError(`Trainer: clip.${k} must be a positive number, received ${describe(v)}`);
    }
    const tb = options.tbptt ?? { k1: 50 };
    this.k1 = positiveInt(tb.k1, 'Trainer: tbptt.k1');
    this.k2 = positiveInt(tb.k2 ?? tb.k1, 'Trainer: tbptt.k2');
    if (this.k2 < this.k1) throw new RangeError(`Trainer: tbptt.k2 must be ≥ k1 (${this.k1}), received ${this.k2}`);
    this.batchSize = positiveInt(options.batchSize ?? 32, 'Trainer: batchSize');
    this.optimizer = new Optimizer(model.parameterSets(), options.optimizer ?? { type: 'adam', lr: 1e-3 });
    this.workspace = new Workspace(model.backend.heap);
  }

  /**
   * One update on one batch: forward, loss, backward, clipping, optimizer step. Throws
   * {@link NonFiniteError} (weights unchanged) if the loss or a gradient is NaN or infinite.
   */
  step(batch: Batch): StepResult {
    const where = 'Trainer.step';
    if (batch === null || typeof batch !== 'object')
      throw new TypeError(`${where}: batch must be an object { input, target, ... }, received ${describe(batch)}`);
    const prepared = this.model.prepare(batch, where);
    this.writeTargets(batch.target, batch.mask ?? prepared.weights, prepared.rows, where);
    try {
      return this.update(prepared);
    } catch (error) {
      prepared.rollback?.(); // a rejected step leaves the carried state as it was
      throw error;
    }
  }

  /** The model as a token language model, or a clear error naming `where`. */
  private languageModel(where: string): SequenceModel {
    if (!(this.model instanceof SequenceModel) || this.model.embedding === null) {
      throw new TypeError(`${where}: needs a SequenceModel with token input (an Embedding first)`);
    }
    return this.model;
  }

  /**
   * Trains a language model on a token stream with truncated BPTT: the stream is cut into
   * `batchSize` contiguous streams whose state carries from window to window within an epoch.
   * @param tokens token ids (the model must start with an Embedding and predict the next token)
   * @returns the mean training loss per epoch, the number of updates and why training stopped
   */
  async fit(tokens: ArrayLike<number>, options: FitOptions = {}): Promise<FitResult> {
    const where = 'Trainer.fit';
    const model = this.languageModel(where);
    if (model.embedding === null || model.head.at !== 'every' || this.loss !== 'cross-entropy') {
      throw new TypeError(
        `${where}: fit() trains next-token language models (Embedding input, Dense at every step, cross-entropy); use step() for other tasks`,
      );
    }
    const B = this.batchSize;
    const perStream = Math.floor((tokens.length - 1) / B);
    if (perStream < 1)
      throw new RangeError(`${where}: tokens must hold more than batchSize = ${B} tokens, received ${tokens.length}`);
    model.embedding.checkIds(tokens, `${where}: tokens`);
    const epochs = positiveInt(options.epochs ?? 1, `${where}: epochs`);
    const maxSteps = options.maxSteps ?? Infinity;
    const start = now();
    let steps = 0;
    let seen = 0;
    let lastYield = start;
    const epochLosses: number[] = [];
    let best = Infinity;
    let badEpochs = 0;
    const k1 = this.k1;
    const k2 = this.k2;
    const ids = new Int32Array(k2 * B);
    const targets = new Int32Array(k2 * B);
    const mask = new Float32Array(k2 * B);
    for (let epoch = 1; epoch <= epochs; epoch++) {
      model.resetState(B);
      let sum = 0;
      let count = 0;
      let prevEnd = 0;
      // window n covers stream positions [end − T, end) with end = min(n·k1, stream length) and
      // T = min(k2, end); the loss counts only the steps new since the previous update
      for (let end = Math.min(k1, perStream); ; end = Math.min(end + k1, perStream)) {
        const T = Math.min(k2, end);
        const fresh = end - prevEnd;
        prevEnd = end;
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
        const window: PreparedBatch = {
          rows: n,
          forward: () => model.forwardInPlace(T, B, input, true, true, carryAfter),
          backward: (d) => model.backwardInPlace(d, true),
        };
        const result = this.update(window);
        steps++;
        seen += fresh * B;
        sum += result.loss;
        count++;
        const elapsed = (now() - start) / 1000;
        options.onStep?.({
          ...result,
          step: this.optimizer.stepCount,
          epoch,
          progress: end / perStream,
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
        if (end >= perStream) break;
      }
      const loss = sum / count;
      epochLosses.push(loss);
      const validation = options.validation !== undefined ? this.evaluate(options.validation) : undefined;
      options.onEpoch?.({ epoch, loss, validation });
      if (validation && options.patience !== undefined) {
        if (validation.loss < best) {
          best = validation.loss;
          badEpochs = 0;
        } else if (++badEpochs >= options.patience) {
          return { epochLosses, steps, stopped: 'patience' };
        }
      }
    }
    return { epochLosses, steps, stopped: 'done' };
  }

  /**
   * Next-token loss, perplexity and accuracy of the model on a token stream (no updates), run
   * as one stream in windows of `k1` steps with carried state.
   */
  evaluate(tokens: ArrayLike<number>): Metrics {
    const where = 'Trainer.evaluate';
    const model = this.languageModel(where);
    if (tokens.length < 2)
      throw new RangeError(`${where}: tokens must hold at least 2 tokens, received ${tokens.length}`);
    model.embedding!.checkIds(tokens, `${where}: tokens`);
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
   * dropout generator positions), the trainer's options, the optimizer's state and step count.
   */
  save(): Uint8Array {
    const model = this.languageModel('Trainer.save');
    const heap = model.backend.heap;
    const slabs = this.optimizer
      .stateSlabs()
      .map((s, i) => ({ name: `optimizer.${i}`, data: heap.read(s.ptr, s.size) }));
    return pack(
      { ...model.checkpointHeader('trainer'), trainer: { options: this.options, stepCount: this.optimizer.stepCount } },
      [...model.checkpointTensors(), ...slabs],
    );
  }

  /** Resumes a trainer (and a new model) from {@link save}'s bytes. */
  static load(bytes: Uint8Array, options: { backend?: Backend } = {}): Trainer<SequenceModel> {
    const where = 'Trainer.load';
    const { header, tensors } = unpack(bytes, where);
    const saved = header.trainer as { options: TrainerOptions; stepCount: number } | undefined;
    if (header.kind !== 'trainer' || saved === undefined)
      throw new Error(`${where}: this checkpoint holds a model only (use SequenceModel.load), not a trainer`);
    const model = SequenceModel.fromCheckpoint(header, tensors, options.backend, where);
    try {
      const trainer = new Trainer<SequenceModel>(model, saved.options);
      const slabs = trainer.optimizer.stateSlabs();
      for (const [i, s] of slabs.entries()) {
        const data = tensors.get(`optimizer.${i}`);
        if (data === undefined || data.length !== s.size)
          throw new Error(`${where}: optimizer state ${i} is missing or has the wrong size`);
        model.backend.heap.write(s.ptr, data);
      }
      trainer.optimizer.stepCount = saved.stepCount;
      return trainer;
    } catch (error) {
      model.dispose();
      throw error;
    }
  }

  /** Frees the optimizer state and the trainer's buffers (not the model). Idempotent. */
  dispose(): void {
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

  /** Forward, loss, backward, checks, clipping and the optimizer step on a written batch. */
  private update(batch: PreparedBatch): StepResult {
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
    const lr = scheduledLr(this.schedule, this.optimizer.lr, this.optimizer.stepCount);
    this.optimizer.step(lr);
    return { loss, gradNorm, lr };
  }
}
