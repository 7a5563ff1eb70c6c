import type { Backend } from '../backend/backend.ts';
import { BACKEND_OPTION, getBackend } from '../backend/index.ts';
import { RECURRENT_INIT_OPTION, checkInitChoices, fillWeight, type RecurrentInit } from './init.ts';
import { ParameterSet, type StateDict } from './params.ts';
import { Rng, nextSeed } from '../util/rng.ts';
import { type CellType, RecurrentRunner } from './recurrent-runner.ts';
import { checkArrayShape, describe, positiveInt } from '../util/check.ts';
import { bool, checkOptions, checkValue, custom, int, oneOf, type Schema, type Spec } from '../util/options.ts';
import { writeFinite, writeStepMask } from './write-input.ts';

export type { CellType } from './recurrent-runner.ts';

/** Options shared by {@link RNN}, {@link LSTM} and {@link GRU} (PyTorch's names and defaults). */
export interface RecurrentOptions {
  /** Features per input step, I. */
  inputSize: number;
  /** Features of the hidden state, H. */
  hiddenSize: number;
  /** Stacked layers; default 1. */
  numLayers?: number;
  /** Adds a reverse-time direction per layer; outputs concatenate (forward, reverse). Default false. */
  bidirectional?: boolean;
  /** Whether the layers have `bias_ih` and `bias_hh`; default true. */
  bias?: boolean;
  /**
   * How a bidirectional layer combines its directions in the output: `'concat'` (default, as
   * PyTorch: D·H features) or `'sum'` (H features). Stacked layers below the top always concat.
   */
  merge?: 'concat' | 'sum';
  /** Initialisation; default PyTorch's U(−1/√H, 1/√H) for everything. */
  init?: RecurrentInit;
  /** Seed of the initialisation; default: the next seed of the global generator (`manualSeed`). */
  seed?: number;
  /** Backend to live on; default the one chosen by `init()`. */
  backend?: Backend;
}

/** Options of {@link RNN}. */
export interface RNNOptions extends RecurrentOptions {
  /** `'tanh'` (default) or `'relu'`. */
  nonlinearity?: 'tanh' | 'relu';
}

/** Options of {@link GRU}. */
export interface GRUOptions extends RecurrentOptions {
  /**
   * true (default, PyTorch and Keras-TF2): the reset gate multiplies the recurrent projection,
   * n = tanh(W_in x + b_in + r∘(W_hn h + b_hn)); false (Cho et al. 2014): it multiplies the
   * state before the projection, n = tanh(W_in x + b_in + W_hn (r∘h) + b_hn).
   */
  resetAfter?: boolean;
}

/** What {@link RecurrentOptions} accepts, option by option. */
const RECURRENT_OPTIONS = {
  inputSize: int({ min: 1 }),
  hiddenSize: int({ min: 1 }),
  numLayers: int({ min: 1 }),
  bidirectional: bool(),
  bias: bool(),
  merge: oneOf('concat', 'sum'),
  init: RECURRENT_INIT_OPTION,
  seed: int(),
  backend: BACKEND_OPTION,
} satisfies Record<keyof RecurrentOptions, Spec>;

/** The options of each layer kind: {@link RecurrentOptions}, plus {@link RNNOptions} and {@link GRUOptions}. */
const OPTIONS_BY_CELL: Readonly<Record<CellType, Schema>> = {
  rnn: { ...RECURRENT_OPTIONS, nonlinearity: oneOf('tanh', 'relu') },
  lstm: RECURRENT_OPTIONS,
  gru: { ...RECURRENT_OPTIONS, resetAfter: bool() },
};

/**
 * What {@link RecurrentLayer.config} returns: a recurrent layer's constructor options without
 * `init`, `seed` and `backend`, as stored in checkpoints to rebuild the layer.
 */
export interface RecurrentConfig {
  /** Which cell: `'rnn'` ({@link RNN}), `'lstm'` ({@link LSTM}) or `'gru'` ({@link GRU}). */
  type: CellType;
  /** Features per input step, I. */
  inputSize: number;
  /** Features of the hidden state, H. */
  hiddenSize: number;
  /** Stacked layers (≥ 1). */
  numLayers: number;
  /** Whether every layer also runs a reverse-time direction. */
  bidirectional: boolean;
  /** Whether the layers have `bias_ih` and `bias_hh`. */
  bias: boolean;
  /**
   * How a bidirectional layer combines its directions in the output (see
   * {@link RecurrentOptions.merge}). Always written by `config()`; absent means `'concat'`.
   */
  merge?: 'concat' | 'sum';
  /** RNN only: the activation, `'tanh'` or `'relu'`. Written for an RNN; absent means `'tanh'`. */
  nonlinearity?: 'tanh' | 'relu';
  /** GRU only: where the reset gate applies (see {@link GRUOptions.resetAfter}). Written for a GRU; absent means true. */
  resetAfter?: boolean;
}

/** Shape and initial state of one {@link RecurrentLayer.forward} call. */
export interface ForwardOptions {
  /** Time steps T. Default: inferred from the input length and `batch`. */
  seqLen?: number;
  /** Independent sequences B. Default: inferred from the input length and `seqLen`, else 1. */
  batch?: number;
  /** Initial hidden state, (numLayers·D, B, H); default zeros. */
  h0?: ArrayLike<number>;
  /** Initial cell state (LSTM only), (numLayers·D, B, H); default zeros. */
  c0?: ArrayLike<number>;
  /**
   * Valid length of each sequence (B values in [0, T]) for right-padded batches: steps at or
   * after a sequence's length do not advance its state, output zeros and get no gradient.
   */
  lengths?: ArrayLike<number>;
  /** The same as a (T, B) step mask of 0 (padding) / 1 (valid), for any padding pattern. */
  mask?: ArrayLike<number>;
}

/** What {@link ForwardOptions} accepts (the arrays' sizes and values are checked by the call). */
const FORWARD_OPTIONS = {
  seqLen: int({ min: 1 }),
  batch: int({ min: 1 }),
  h0: custom('an array of (numLayers·directions, batch, hiddenSize) values'),
  c0: custom('an array of (numLayers·directions, batch, hiddenSize) values'),
  lengths: custom('an array of batch lengths'),
  mask: custom('an array of (seqLen, batch) 0 / 1 values'),
} satisfies Record<keyof ForwardOptions, Spec>;

/** What {@link RecurrentLayer.forward} returns (all fresh copies). */
export interface RecurrentOutput {
  /** The last layer's hidden state at every step, (T, B, outputSize). */
  output: Float32Array;
  /** Final hidden state of every layer and direction, (numLayers·D, B, H). */
  h: Float32Array;
  /** Final cell state (LSTM only), (numLayers·D, B, H). */
  c?: Float32Array;
}

/** Gradients of a loss with respect to the outputs of the last forward (each optional). */
export interface RecurrentOutputGrads {
  /** dL/d output, (T, B, outputSize). */
  output?: ArrayLike<number>;
  /** dL/d final h, (numLayers·D, B, H). */
  h?: ArrayLike<number>;
  /** dL/d final c (LSTM), (numLayers·D, B, H). */
  c?: ArrayLike<number>;
}

/** What {@link RecurrentOutputGrads} accepts (the arrays' sizes and values are checked by the call). */
const OUTPUT_GRADS = {
  output: custom('an array of (seqLen, batch, outputSize) values'),
  h: custom('an array of (numLayers·directions, batch, hiddenSize) values'),
  c: custom('an array of (numLayers·directions, batch, hiddenSize) values'),
} satisfies Record<keyof RecurrentOutputGrads, Spec>;

/** What {@link RecurrentLayer.backward} returns; parameter gradients accumulate in the layer. */
export interface RecurrentInputGrads {
  /** dL/d input, (T, B, I). */
  input: Float32Array;
  /** dL/d h0, (numLayers·D, B, H). */
  h0: Float32Array;
  /** dL/d c0 (LSTM), (numLayers·D, B, H). */
  c0?: Float32Array;
}

const disposeSymbol: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('Symbol.dispose');

/**
 * A stack of recurrent layers over whole sequences, with PyTorch's options, parameter names and
 * layouts. Input is time-major `(T, B, I)`. The time loop runs inside the backend: one kernel call
 * per layer and direction per sequence. Parameters live in one slab, gradients in another.
 */
export abstract class RecurrentLayer {
  /** Which cell this layer runs. */
  readonly cell: CellType;
  /** I. */
  readonly inputSize: number;
  /** H. */
  readonly hiddenSize: number;
  /** Stacked layers. */
  readonly numLayers: number;
  /** Whether each layer also runs in reverse time. */
  readonly bidirectional: boolean;
  /** Whether biases exist. */
  readonly bias: boolean;
  /** How directions combine in the output. */
  readonly merge: 'concat' | 'sum';
  /** The backend the parameters live on. */
  readonly backend: Backend;
  /** @internal parameters and gradients (one slab each) */
  readonly params: ParameterSet;
  /** The stack's workspace plan, packed-weight cache, saved activations and gradient buffers. */
  private readonly runner: RecurrentRunner;
  private readonly names: string[][][];
  private readonly kind: string;
  private readonly relu: number;
  private readonly resetAfter: number;

  /** @internal use {@link RNN}, {@link LSTM}, {@link GRU}. */
  protected constructor(
    cell: CellType,
    kind: string,
    options: RecurrentOptions & RNNOptions & GRUOptions,
    cellNaming = false,
  ) {
    const where = kind;
    checkOptions(options, OPTIONS_BY_CELL[cell], where);
    checkValue(options.inputSize, RECURRENT_OPTIONS.inputSize, where, 'options.inputSize');
    checkValue(options.hiddenSize, RECURRENT_OPTIONS.hiddenSize, where, 'options.hiddenSize');
    const init = options.init ?? {};
    checkInitChoices(init, cell === 'lstm', where);
    this.cell = cell;
    this.kind = kind;
    this.inputSize = options.inputSize;
    this.hiddenSize = options.hiddenSize;
    this.numLayers = options.numLayers ?? 1;
    this.bidirectional = options.bidirectional ?? false;
    this.bias = options.bias ?? true;
    this.merge = options.merge ?? 'concat';
    this.relu = (options.nonlinearity ?? 'tanh') === 'relu' ? 1 : 0;
    this.resetAfter = (options.resetAfter ?? true) ? 1 : 0;
    const seed = options.seed ?? nextSeed();
    this.backend = options.backend ?? getBackend();

    const D = this.directions;
    const G = this.gateRows;
    const H = this.hiddenSize;
    const specs: Array<[string, number[]]> = [];
    this.names = [];
    for (let k = 0; k < this.numLayers; k++) {
      const Ik = k === 0 ? this.inputSize : D * H;
      const perDir: string[][] = [];
      for (let d = 0; d < D; d++) {
        const sfx = cellNaming ? '' : `_l${k}${d === 1 ? '_reverse' : ''}`;
        const n = [`weight_ih${sfx}`, `weight_hh${sfx}`, `bias_ih${sfx}`, `bias_hh${sfx}`];
        specs.push([n[0], [G, Ik]], [n[1], [G, H]]);
        if (this.bias) specs.push([n[2], [G]], [n[3], [G]]);
        perDir.push(n);
      }
      this.names.push(perDir);
    }
    this.params = new ParameterSet(this.backend, specs);
    this.runner = new RecurrentRunner({
      cell,
      kind,
      inputSize: this.inputSize,
      hiddenSize: this.hiddenSize,
      numLayers: this.numLayers,
      bidirectional: this.bidirectional,
      merge: this.merge,
      relu: this.relu,
      resetAfter: this.resetAfter,
      params: this.params,
      names: this.names,
      backend: this.backend,
    });
    this.initialise(init, new Rng(seed));
  }

  /** 2 if bidirectional, else 1. */
  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** Features per output step: D·H, or H when a bidirectional layer sums its directions. */
  get outputSize(): number {
    return this.merge === 'sum' ? this.hiddenSize : this.directions * this.hiddenSize;
  }

  /** Rows of each weight matrix: 4H (LSTM), 3H (GRU), H (RNN). */
  get gateRows(): number {
    return (this.cell === 'lstm' ? 4 : this.cell === 'gru' ? 3 : 1) * this.hiddenSize;
  }

  /** Number of trainable values. */
  parameterCount(): number {
    this.assertLive('parameterCount');
    return this.params.count();
  }

  /** The configuration (constructor options without init, seed and backend), for checkpoints. */
  config(): RecurrentConfig {
    this.assertLive('config');
    const base = {
      type: this.cell,
      inputSize: this.inputSize,
      hiddenSize: this.hiddenSize,
      numLayers: this.numLayers,
      bidirectional: this.bidirectional,
      bias: this.bias,
      merge: this.merge,
    };
    if (this.cell === 'rnn') return { ...base, nonlinearity: this.relu ? 'relu' : 'tanh' };
    if (this.cell === 'gru') return { ...base, resetAfter: this.resetAfter === 1 };
    return base;
  }

  /** Copies of all parameters by PyTorch `state_dict` name (`weight_ih_l0`, …, `_reverse`). */
  stateDict(): StateDict {
    this.assertLive('stateDict');
    return this.params.stateDict();
  }

  /**
   * Loads parameters by PyTorch name. Validates every name, length and value first: on any
   * error nothing is changed.
   * @param strict when true (default) every parameter must be given
   */
  loadStateDict(dict: Record<string, ArrayLike<number>>, strict = true): void {
    this.assertLive('loadStateDict');
    this.params.loadStateDict(dict, strict, `${this.kind}.loadStateDict`);
  }

  /** Copies of the accumulated gradients, by parameter name. */
  gradDict(): StateDict {
    this.assertLive('gradDict');
    return this.params.gradDict();
  }

  /** Shapes of the parameters, by name. */
  parameterShapes(): Record<string, number[]> {
    this.assertLive('parameterShapes');
    return this.params.shapes();
  }

  /** Sets all parameter gradients to zero (they accumulate across backward calls). */
  zeroGrad(): void {
    this.assertLive('zeroGrad');
    this.params.zeroGrad();
  }

  /**
   * Runs the whole sequence through every layer. Every input is checked before the layer's
   * activations are touched: a rejected call changes nothing, and {@link backward} then still goes
   * through the last accepted forward.
   * @param x input, (T, B, I) time-major
   */
  forward(x: ArrayLike<number>, options: ForwardOptions = {}): RecurrentOutput {
    this.assertLive('forward');
    const { out, outputs, states } = this.forwardChecked(x, options);
    const output = this.backend.heap.read(out, outputs);
    return states.c ? { output, h: states.h, c: states.c } : { output, h: states.h };
  }

  /**
   * @internal {@link forward} without copying out the output sequence: the final states only
   * (a cell's step, whose output is its new h).
   */
  forwardStates(x: ArrayLike<number>, options: ForwardOptions): { h: Float32Array; c?: Float32Array } {
    this.assertLive('forwardStates');
    return this.forwardChecked(x, options).states;
  }

  /** The checks, copies and run of {@link forward}: where the outputs lie (floats) and the final states. */
  private forwardChecked(
    x: ArrayLike<number>,
    options: ForwardOptions,
  ): { out: number; outputs: number; states: { h: Float32Array; c?: Float32Array } } {
    const where = `${this.kind}.forward`;
    const { T, B } = this.shapeOf(x, options, where);
    const H = this.hiddenSize;
    const D = this.directions;
    const stateSize = this.numLayers * D * B * H;
    const xWhat = `${where}: x`,
      xExpected = `seqLen·batch·inputSize = ${T}·${B}·${this.inputSize}`;
    checkArrayShape(x, T * B * this.inputSize, xWhat, xExpected);
    const stateExpected = `numLayers·directions·batch·hiddenSize = ${this.numLayers}·${D}·${B}·${H}`;
    if (options.h0 !== undefined) checkArrayShape(options.h0, stateSize, `${where}: h0`, stateExpected);
    if (options.c0 !== undefined) {
      if (this.cell !== 'lstm') throw new TypeError(`${where}: c0 applies to LSTM only`);
      checkArrayShape(options.c0, stateSize, `${where}: c0`, stateExpected);
    }
    // Transactional: the inputs are copied into staging buffers apart from the layout and checked
    // there (mask, finiteness); only then is the layout planned and written. A rejected call so
    // leaves the last forward's saved activations whole, and a backward after it is that forward's.
    const heap = this.backend.heap;
    const s = this.runner.stage(T, B);
    const n = T * B * this.inputSize;
    const hasMask = writeStepMask(heap.all(), s.mask, T, B, options, where);
    writeFinite(this.backend, s.x, x, n, xWhat, xExpected);
    if (options.h0 !== undefined) writeFinite(this.backend, s.h0, options.h0, stateSize, `${where}: h0`, stateExpected);
    if (options.c0 !== undefined) writeFinite(this.backend, s.c0, options.c0, stateSize, `${where}: c0`, stateExpected);
    const p = this.runner.layout(T, B);
    const mem = heap.all();
    mem.copyWithin(p.x >> 2, s.x >> 2, (s.x >> 2) + n);
    if (hasMask) mem.copyWithin(p.mask >> 2, s.mask >> 2, (s.mask >> 2) + T * B);
    const out = this.forwardInPlace(
      T,
      B,
      p.x,
      options.h0 !== undefined ? s.h0 : 0,
      options.c0 !== undefined ? s.c0 : 0,
      hasMask ? p.mask : 0,
    );
    // the (unused until backward) dhT / dcT buffers have the (L·D,B,H) shape of the final states
    this.copyFinalStates(p.dhT, p.dcT);
    const h = heap.read(p.dhT, stateSize);
    const states = this.cell === 'lstm' ? { h, c: heap.read(p.dcT, stateSize) } : { h };
    return { out, outputs: T * B * this.outputSize, states };
  }

  /**
   * Backpropagates through the last {@link forward}: returns the gradients with respect to its
   * input and initial states, and ADDS the parameter gradients to {@link gradDict}.
   */
  backward(grads: RecurrentOutputGrads): RecurrentInputGrads {
    this.assertLive('backward');
    const where = `${this.kind}.backward`;
    const shape = this.runner.lastShape();
    if (shape === null) throw new Error(`${where}: call forward() first (backward uses its saved activations)`);
    checkOptions(grads, OUTPUT_GRADS, where, 'grads');
    const { T, B } = shape;
    const H = this.hiddenSize;
    const D = this.directions;
    const stateSize = this.numLayers * D * B * H;
    const outWhat = `${where}: output gradient`,
      outExpected = `seqLen·batch·outputSize = ${T}·${B}·${this.outputSize}`;
    const stateExpected = `numLayers·directions·batch·hiddenSize = ${this.numLayers}·${D}·${B}·${H}`;
    if (grads.output !== undefined) checkArrayShape(grads.output, T * B * this.outputSize, outWhat, outExpected);
    if (grads.h !== undefined) checkArrayShape(grads.h, stateSize, `${where}: h gradient`, stateExpected);
    if (grads.c !== undefined) {
      if (this.cell !== 'lstm') throw new TypeError(`${where}: a c gradient applies to LSTM only`);
      checkArrayShape(grads.c, stateSize, `${where}: c gradient`, stateExpected);
    }
    const p = this.runner.layout(T, B);
    const [dA] = this.runner.planInputGrads(T, B);
    const heap = this.backend.heap;
    // copies into scratch buffers, each checked finite there (as forward's inputs are)
    if (grads.output !== undefined)
      writeFinite(this.backend, dA, grads.output, T * B * this.outputSize, outWhat, outExpected);
    if (grads.h !== undefined)
      writeFinite(this.backend, p.dhT, grads.h, stateSize, `${where}: h gradient`, stateExpected);
    if (grads.c !== undefined)
      writeFinite(this.backend, p.dcT, grads.c, stateSize, `${where}: c gradient`, stateExpected);
    const dxPtr = this.backwardInPlace(
      grads.output !== undefined ? dA : 0,
      grads.h !== undefined ? p.dhT : 0,
      grads.c !== undefined ? p.dcT : 0,
    );
    const input = heap.read(dxPtr, T * B * this.inputSize);
    const h0 = heap.read(p.dh0, stateSize);
    return this.cell === 'lstm' ? { input, h0, c0: heap.read(p.dc0, stateSize) } : { input, h0 };
  }

  /** Whether {@link dispose} has run. */
  get disposed(): boolean {
    return this.params.disposed;
  }

  /** Frees the parameter, gradient and workspace memory. Idempotent; afterwards every other method throws. */
  dispose(): void {
    this.params.dispose();
    this.runner.dispose();
  }

  /** Same as {@link dispose}, for `using`. */
  [disposeSymbol](): void {
    this.dispose();
  }

  // --------------------------------------------------------- heap-level API (for models, no copies)

  /**
   * @internal Forward over heap buffers: x (T,B,I) at `x` (must stay unchanged until backward),
   * h0 / c0 (L·D,B,H) or 0, mask (T,B) or 0. Saves activations; returns the pointer of the output
   * (T,B,outputSize), valid until the next forward of this layer.
   */
  forwardInPlace(T: number, B: number, x: number, h0: number, c0: number, mask = 0): number {
    this.assertLive('forwardInPlace');
    return this.runner.forwardInPlace(T, B, x, h0, c0, mask);
  }

  /**
   * @internal Backward over heap buffers through the last forward (see
   * {@link RecurrentRunner.backwardInPlace} for `inputGrad`, `release` and `stateGrad`); returns
   * the pointer of dL/dx (T,B,I), or 0 when `inputGrad` is false.
   */
  backwardInPlace(dy: number, dhT: number, dcT: number, inputGrad = true, release = false, stateGrad = true): number {
    this.assertLive('backwardInPlace');
    return this.runner.backwardInPlace(dy, dhT, dcT, inputGrad, release, stateGrad);
  }

  /** @internal Pointers of dL/dh0 and dL/dc0 (L·D,B,H) after {@link backwardInPlace} (c: 0 unless LSTM). */
  initialStateGrads(): { h: number; c: number } {
    this.assertLive('initialStateGrads');
    return this.runner.initialStateGrads();
  }

  /**
   * @internal Copies the states of the last forward into h (L·D,B,H) and, for LSTM, c: the final
   * states, or with `steps` the forward direction's states after that many steps.
   */
  copyFinalStates(h: number, c: number, steps?: number): void {
    this.assertLive('copyFinalStates');
    this.runner.copyFinalStates(h, c, steps);
  }

  // ------------------------------------------------------------------------------------ internals

  private shapeOf(x: ArrayLike<number>, options: ForwardOptions, where: string): { T: number; B: number } {
    checkOptions(options, FORWARD_OPTIONS, where);
    if (x === null || typeof x !== 'object' || typeof x.length !== 'number') {
      throw new TypeError(
        `${where}: x must be a Float32Array of (seqLen, batch, inputSize) values, received ${describe(x)}`,
      );
    }
    const perStep = this.inputSize;
    let B = options.batch;
    let T = options.seqLen;
    if (T === undefined) {
      B ??= 1;
      T = x.length / (B * perStep);
      if (!Number.isInteger(T) || T < 1) {
        throw new RangeError(
          `${where}: x has ${x.length} values, which is not a whole number (≥ 1) of steps of batch·inputSize = ${B}·${perStep}`,
        );
      }
    } else if (B === undefined) {
      B = x.length / (T * perStep);
      if (!Number.isInteger(B) || B < 1) {
        throw new RangeError(
          `${where}: x has ${x.length} values, which is not a whole number (≥ 1) of sequences of seqLen·inputSize = ${T}·${perStep}`,
        );
      }
    }
    return { T, B };
  }

  private initialise(init: RecurrentInit, rng: Rng): void {
    const H = this.hiddenSize;
    const G = this.gateRows;
    for (let k = 0; k < this.numLayers; k++) {
      for (let d = 0; d < this.directions; d++) {
        const [wih, whh, bih, bhh] = this.names[k][d];
        const Ik = k === 0 ? this.inputSize : this.directions * H;
        fillWeight(this.params.view(wih), G, Ik, init.weightIh ?? 'uniform', H, rng);
        fillWeight(this.params.view(whh), G, H, init.weightHh ?? 'uniform', H, rng);
        if (!this.bias) continue;
        for (const b of [bih, bhh]) {
          const v = this.params.view(b);
          if ((init.bias ?? 'uniform') === 'zeros') v.fill(0);
          else fillWeight(v, G, 1, 'uniform', H, rng);
        }
        if (init.forgetBias !== undefined) {
          this.params.view(bih).fill(init.forgetBias, H, 2 * H);
          this.params.view(bhh).fill(0, H, 2 * H);
        }
      }
    }
  }

  /** Throws, naming the class and `method`, once {@link dispose} has run: a freed layer touches no memory. */
  private assertLive(method: string): void {
    if (this.params.disposed) throw new Error(`${this.kind}.${method}: this layer has been disposed`);
  }
}

/** A stack of Elman RNN layers: h_t = act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), act tanh or ReLU. */
export class RNN extends RecurrentLayer {
  /** `new RNN({ inputSize, hiddenSize, ... })` or `new RNN(inputSize, hiddenSize, { ... })`. */
  constructor(options: RNNOptions);
  constructor(inputSize: number, hiddenSize: number, options?: Omit<RNNOptions, 'inputSize' | 'hiddenSize'>);
  constructor(a: RNNOptions | number, b?: number, c?: Omit<RNNOptions, 'inputSize' | 'hiddenSize'>) {
    super('rnn', 'RNN', normalise('rnn', 'RNN', a, b, c));
  }
}

/** A stack of LSTM layers (gates i, f, g, o; c_t = f∘c_{t−1} + i∘g; h_t = o∘tanh(c_t)). */
export class LSTM extends RecurrentLayer {
  /** `new LSTM({ inputSize, hiddenSize, ... })` or `new LSTM(inputSize, hiddenSize, { ... })`. */
  constructor(options: RecurrentOptions);
  constructor(inputSize: number, hiddenSize: number, options?: Omit<RecurrentOptions, 'inputSize' | 'hiddenSize'>);
  constructor(a: RecurrentOptions | number, b?: number, c?: Omit<RecurrentOptions, 'inputSize' | 'hiddenSize'>) {
    super('lstm', 'LSTM', normalise('lstm', 'LSTM', a, b, c));
  }
}

/** A stack of GRU layers (gates r, z, n; h_t = (1 − z)∘n + z∘h_{t−1}), both reset forms. */
export class GRU extends RecurrentLayer {
  /** `new GRU({ inputSize, hiddenSize, ... })` or `new GRU(inputSize, hiddenSize, { ... })`. */
  constructor(options: GRUOptions);
  constructor(inputSize: number, hiddenSize: number, options?: Omit<GRUOptions, 'inputSize' | 'hiddenSize'>);
  constructor(a: GRUOptions | number, b?: number, c?: Omit<GRUOptions, 'inputSize' | 'hiddenSize'>) {
    super('gru', 'GRU', normalise('gru', 'GRU', a, b, c));
  }
}

/** @internal a single-layer, one-direction recurrence with cell parameter names (`weight_ih`, …). */
export class CellCore extends RecurrentLayer {
  constructor(cell: CellType, kind: string, options: RecurrentOptions & RNNOptions & GRUOptions) {
    super(cell, kind, options, true);
  }
}

/**
 * The options object of a layer constructor called as `(options)` or as
 * `(inputSize, hiddenSize, options?)`: the sizes given as arguments join the options (which then
 * may not repeat them).
 */
function normalise<O extends RecurrentOptions>(
  cell: CellType,
  kind: string,
  a: O | number,
  b: number | undefined,
  c: Omit<O, 'inputSize' | 'hiddenSize'> | undefined,
): O {
  if (typeof a !== 'number') return a;
  positiveInt(a, `${kind}: inputSize`);
  positiveInt(b, `${kind}: hiddenSize`);
  const { inputSize: _i, hiddenSize: _h, ...rest } = OPTIONS_BY_CELL[cell];
  checkOptions(c === undefined ? {} : c, rest, kind);
  return { ...c, inputSize: a, hiddenSize: b } as O;
}
