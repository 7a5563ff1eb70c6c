import type { Backend } from '../backend/backend.ts';
import { getBackend } from '../backend/index.ts';
import {
  gruBackwardWork,
  gruForwardWork,
  lstmBackwardWork,
  lstmForwardWork,
  rnnBackwardWork,
  rnnForwardWork,
} from '../backend/kernels.ts';
import { fillWeight, validateInit, type RecurrentInit } from './init.ts';
import { ParameterSet, type StateDict } from './params.ts';
import { Rng, nextSeed } from '../util/rng.ts';
import { Workspace } from './workspace.ts';
import { describe } from '../util/check.ts';
import { bool, checkArrayShape, positiveInt } from '../util/check.ts';
import { writeFinite, writeStepMask } from './write-input.ts';

/** The three recurrent cells. */
export type CellType = 'rnn' | 'lstm' | 'gru';

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

/** What {@link RecurrentLayer.backward} returns; parameter gradients accumulate in the layer. */
export interface RecurrentInputGrads {
  /** dL/d input, (T, B, I). */
  input: Float32Array;
  /** dL/d h0, (numLayers·D, B, H). */
  h0: Float32Array;
  /** dL/d c0 (LSTM), (numLayers·D, B, H). */
  c0?: Float32Array;
}

/** Pointers of one (T, B) workspace layout. */
interface Layout {
  x: number;
  out: number[];
  gates: number[];
  hseq: number[];
  cseq: number[];
  hn: number[];
  h0: number;
  c0: number;
  work: number;
  /** An RNN's pre-activation gradients (T,B,H); 0 for LSTM and GRU, whose gate gradients go over the saved gates or into retainedGateGrads. */
  dpre: number;
  /** A reset-after GRU's hidden-side n gradient (T,B,H); 0 otherwise. */
  dgh: number;
  dhT: number;
  dcT: number;
  dh0: number;
  dc0: number;
  mask: number;
  merged: number;
  dmerged: number;
}

/**
 * Forward calls over at most this many rows (T·B) keep their packed weight panels between calls
 * (while the parameters are unchanged): for one-step streaming, generation and beam search the
 * packing costs more than the step. Larger calls pack into the shared workspace, where packing is
 * a small part of the work and a second copy of the weights would only cost memory.
 */
const PACKED_CACHE_MAX_ROWS = 256;

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
  private readonly workspace: Workspace;
  /**
   * LSTM or GRU gate gradients (T,B,4H or 3H) for a backward that keeps the saved activations (the public
   * backward, gradient checks): allocated on first use. A backward that releases them (the
   * Trainer's) writes the gate gradients over the saved gates instead and never needs this.
   */
  private readonly retainedGateGrads: Workspace;
  /**
   * The two (T,B,max(I, D·H)) buffers a backward passes input gradients through (layer k's dx is
   * layer k−1's dy), planned when a backward needs them: never by the Trainer's backward of a
   * one-layer stack fed from data, which computes no input gradient.
   */
  private readonly inputGradBuffers: Workspace;
  private readonly inputGradPtrs: number[] = [];
  private readonly inputGradSizes: number[] = [0, 0];
  /** Packed weights of each layer and direction for small forward calls (see PACKED_CACHE_MAX_ROWS). */
  private readonly packedCache: Workspace;
  private readonly packedPtrs: number[] = [];
  private readonly packedSizes: number[] = [];
  /** `params.version` when packedCache was last filled (−1: never, or invalidated). */
  private packedVersion = -1;
  /** The batch size packedCache was laid out for when filled (its layout depends on B only). */
  private packedBatch = 0;
  /** Whether a releasing backward has overwritten the saved gates since the last forward. */
  private activationsReleased = false;
  private readonly names: string[][][];
  private readonly kind: string;
  private readonly relu: number;
  private readonly resetAfter: number;
  private saved: { T: number; B: number; x: number; mask: number } | null = null;
  private readonly layoutSizes: number[] = [];
  private readonly layoutPtrs: number[] = [];
  /** The last layout, for (T, B) on the slab at base; a call with the same shape reuses it. */
  private lastLayout: { T: number; B: number; base: number; layout: Layout } | null = null;

  /** @internal use {@link RNN}, {@link LSTM}, {@link GRU}. */
  protected constructor(
    cell: CellType,
    kind: string,
    options: RecurrentOptions & RNNOptions & GRUOptions,
    cellNaming = false,
  ) {
    const where = kind;
    if (options === null || typeof options !== 'object') {
      throw new TypeError(
        `${where}: options must be an object with inputSize and hiddenSize, received ${describe(options)}`,
      );
    }
    const allowed = [
      'inputSize',
      'hiddenSize',
      'numLayers',
      'bidirectional',
      'bias',
      'merge',
      'init',
      'seed',
      'backend',
      ...(cell === 'rnn' ? ['nonlinearity'] : []),
      ...(cell === 'gru' ? ['resetAfter'] : []),
    ];
    for (const key of Object.keys(options)) {
      if (!allowed.includes(key))
        throw new TypeError(`${where}: unknown option '${key}' (expected ${allowed.join(', ')})`);
    }
    this.cell = cell;
    this.kind = kind;
    this.inputSize = positiveInt(options.inputSize, `${where}: inputSize`);
    this.hiddenSize = positiveInt(options.hiddenSize, `${where}: hiddenSize`);
    this.numLayers = positiveInt(options.numLayers ?? 1, `${where}: numLayers`);
    this.bidirectional = bool(options.bidirectional ?? false, `${where}: bidirectional`);
    this.bias = bool(options.bias ?? true, `${where}: bias`);
    const merge = options.merge ?? 'concat';
    if (merge !== 'concat' && merge !== 'sum')
      throw new TypeError(`${where}: merge must be 'concat' or 'sum', received ${describe(merge)}`);
    this.merge = merge;
    const nonlinearity = options.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
      throw new TypeError(`${where}: nonlinearity must be 'tanh' or 'relu', received ${describe(nonlinearity)}`);
    }
    this.relu = nonlinearity === 'relu' ? 1 : 0;
    this.resetAfter = bool(options.resetAfter ?? true, `${where}: resetAfter`) ? 1 : 0;
    const init = options.init ?? {};
    validateInit(init, where);
    if (init.forgetBias !== undefined && cell !== 'lstm')
      throw new TypeError(`${where}: init.forgetBias applies to LSTM only`);
    const seed = options.seed ?? nextSeed();
    if (!Number.isInteger(seed)) throw new TypeError(`${where}: seed must be an integer, received ${describe(seed)}`);
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
    this.workspace = new Workspace(this.backend.heap);
    this.retainedGateGrads = new Workspace(this.backend.heap);
    this.inputGradBuffers = new Workspace(this.backend.heap);
    this.packedCache = new Workspace(this.backend.heap);
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
    return this.params.count();
  }

  /** The configuration (constructor options without init, seed and backend), for checkpoints. */
  config(): RecurrentConfig {
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
    this.assertLive();
    return this.params.stateDict();
  }

  /**
   * Loads parameters by PyTorch name. Validates every name, length and value first: on any
   * error nothing is changed.
   * @param strict when true (default) every parameter must be given
   */
  loadStateDict(dict: Record<string, ArrayLike<number>>, strict = true): void {
    this.assertLive();
    this.params.loadStateDict(dict, strict, `${this.kind}.loadStateDict`);
  }

  /** Copies of the accumulated gradients, by parameter name. */
  gradDict(): StateDict {
    this.assertLive();
    return this.params.gradDict();
  }

  /** Shapes of the parameters, by name. */
  parameterShapes(): Record<string, number[]> {
    return this.params.shapes();
  }

  /** Sets all parameter gradients to zero (they accumulate across backward calls). */
  zeroGrad(): void {
    this.assertLive();
    this.params.zeroGrad();
  }

  /**
   * Runs the whole sequence through every layer.
   * @param x input, (T, B, I) time-major
   */
  forward(x: ArrayLike<number>, options: ForwardOptions = {}): RecurrentOutput {
    const { out, outputs, states } = this.forwardChecked(x, options);
    const output = this.backend.heap.read(out, outputs);
    return states.c ? { output, h: states.h, c: states.c } : { output, h: states.h };
  }

  /**
   * @internal {@link forward} without copying out the output sequence: the final states only
   * (a cell's step, whose output is its new h).
   */
  forwardStates(x: ArrayLike<number>, options: ForwardOptions): { h: Float32Array; c?: Float32Array } {
    return this.forwardChecked(x, options).states;
  }

  /** The checks, copies and run of {@link forward}: where the outputs lie (floats) and the final states. */
  private forwardChecked(
    x: ArrayLike<number>,
    options: ForwardOptions,
  ): { out: number; outputs: number; states: { h: Float32Array; c?: Float32Array } } {
    this.assertLive();
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
    const p = this.layout(T, B);
    const heap = this.backend.heap;
    const hasMask = writeStepMask(heap.all(), p.mask, T, B, options, where);
    // copies into scratch buffers; each is checked finite there (a rejected call changes nothing else)
    writeFinite(this.backend, p.x, x, T * B * this.inputSize, xWhat, xExpected);
    if (options.h0 !== undefined) writeFinite(this.backend, p.h0, options.h0, stateSize, `${where}: h0`, stateExpected);
    if (options.c0 !== undefined) writeFinite(this.backend, p.c0, options.c0, stateSize, `${where}: c0`, stateExpected);
    const out = this.forwardInPlace(
      T,
      B,
      p.x,
      options.h0 !== undefined ? p.h0 : 0,
      options.c0 !== undefined ? p.c0 : 0,
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
    this.assertLive();
    const where = `${this.kind}.backward`;
    if (this.saved === null) throw new Error(`${where}: call forward() first (backward uses its saved activations)`);
    if (grads === null || typeof grads !== 'object')
      throw new TypeError(`${where}: grads must be an object { output?, h?, c? }, received ${describe(grads)}`);
    const { T, B } = this.saved;
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
    const p = this.layout(T, B);
    const [dA] = this.planInputGrads(T, B);
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

  /** Frees the parameter, gradient and workspace memory. Idempotent. */
  dispose(): void {
    this.params.dispose();
    this.workspace.dispose();
    this.retainedGateGrads.dispose();
    this.inputGradBuffers.dispose();
    this.packedCache.dispose();
    this.packedVersion = -1;
    this.saved = null;
  }

  /** Same as {@link dispose}, for `using`. */
  [disposeSymbol](): void {
    this.dispose();
  }

  // --------------------------------------------------------- heap-level API (for models, no copies)

  /**
   * @internal Forward over heap buffers: x (T,B,I) at `x` (must stay unchanged until backward),
   * h0 / c0 (L·D,B,H) or 0. Saves activations; returns the pointer of the output (T,B,D·H),
   * valid until the next forward of this layer.
   */
  forwardInPlace(T: number, B: number, x: number, h0: number, c0: number, mask = 0): number {
    const p = this.layout(T, B);
    this.runForward(T, B, p, x, h0, c0, mask);
    this.saved = { T, B, x, mask };
    this.activationsReleased = false;
    const top = p.out[this.numLayers - 1];
    if (this.merge === 'concat' || !this.bidirectional) return top;
    // sum the two directions: merged (T,B,H) = top[:, :H] + top[:, H:]
    const mem = this.backend.heap.all();
    const H = this.hiddenSize;
    for (let r = 0, src = top >> 2, dst = p.merged >> 2; r < T * B; r++, src += 2 * H, dst += H) {
      for (let j = 0; j < H; j++) mem[dst + j] = mem[src + j] + mem[src + H + j];
    }
    return p.merged;
  }

  /**
   * @internal Backward over heap buffers: dy (T,B,D·H), dhT / dcT (L·D,B,H), each may be 0.
   * Accumulates parameter gradients; returns the pointer of dL/dx (T,B,I) in the workspace, or 0
   * when `inputGrad` is false (nothing consumes dL/dx, e.g. features fed straight from data: the
   * first layer's input-gradient GEMM is then skipped). dL/dh0 and dL/dc0 are then at
   * {@link initialStateGrads}. `release`: an LSTM's or GRU's gate gradients overwrite the saved
   * gates (saving T·B·4H or T·B·3H floats of workspace), so this forward cannot be backpropagated again — as
   * PyTorch frees the graph unless asked to retain it; a second backward then throws.
   * `stateGrad` false: nothing reads dL/dh0 and dL/dc0 (a model trained from zero initial
   * states), so the last step's carry product is skipped and {@link initialStateGrads} holds
   * nothing of this backward.
   */
  backwardInPlace(dy: number, dhT: number, dcT: number, inputGrad = true, release = false, stateGrad = true): number {
    if (this.saved === null)
      throw new Error(`${this.kind}.backward: call forward() first (backward uses its saved activations)`);
    if (this.activationsReleased) {
      throw new Error(
        `${this.kind}.backward: this forward's saved activations were released by an earlier backward (the Trainer's); run forward() again`,
      );
    }
    const { T, B, x, mask } = this.saved;
    const p = this.layout(T, B);
    if (dy !== 0 && this.merge === 'sum' && this.bidirectional) {
      // the sum's gradient reaches both directions unchanged
      const mem = this.backend.heap.all();
      const H = this.hiddenSize;
      for (let r = 0, src = dy >> 2, dst = p.dmerged >> 2; r < T * B; r++, src += H, dst += 2 * H) {
        mem.copyWithin(dst, src, src + H);
        mem.copyWithin(dst + H, src, src + H);
      }
      dy = p.dmerged;
    }
    const released = release && this.cell !== 'rnn';
    const gateGrads =
      this.cell === 'rnn' || released ? 0 : this.retainedGateGrads.plan([T * B * this.gateRows], this.retainedPtr)[0];
    const dx = this.runBackward(T, B, p, x, dy, dhT, dcT, mask, inputGrad, gateGrads, stateGrad);
    if (released) this.activationsReleased = true;
    return dx;
  }

  /** Scratch for {@link retainedGateGrads}' pointer. */
  private readonly retainedPtr: number[] = [];

  /** @internal Pointers of dL/dh0 and dL/dc0 (L·D,B,H) after {@link backwardInPlace} (c: 0 unless LSTM). */
  initialStateGrads(): { h: number; c: number } {
    if (this.saved === null) throw new Error(`${this.kind}: no forward pass yet`);
    const p = this.layout(this.saved.T, this.saved.B);
    return { h: p.dh0, c: this.cell === 'lstm' ? p.dc0 : 0 };
  }

  /**
   * @internal Copies the states of the last forward into h (L·D,B,H) and, for LSTM, c: the final
   * states, or with `steps` the forward direction's states after that many steps (for truncated
   * BPTT windows; the reverse direction always gives its final state).
   */
  copyFinalStates(h: number, c: number, steps?: number): void {
    if (this.saved === null) throw new Error(`${this.kind}: no forward pass yet`);
    const { B } = this.saved;
    const T = steps ?? this.saved.T;
    const p = this.layout(this.saved.T, B);
    const mem = this.backend.heap.all();
    const n = B * this.hiddenSize;
    for (let i = 0; i < this.numLayers * this.directions; i++) {
      const block = (i % this.directions === 0 ? T : 0) * n;
      const from = (p.hseq[i] >> 2) + block;
      mem.copyWithin((h >> 2) + i * n, from, from + n);
      if (c !== 0 && this.cell === 'lstm') {
        const cf = (p.cseq[i] >> 2) + block;
        mem.copyWithin((c >> 2) + i * n, cf, cf + n);
      }
    }
  }

  // ------------------------------------------------------------------------------------ internals

  private runForward(T: number, B: number, p: Layout, x: number, h0p: number, c0p: number, mask: number): void {
    const kn = this.backend.kernels;
    const H = this.hiddenSize;
    const D = this.directions;
    const cached = T * B <= PACKED_CACHE_MAX_ROWS && T > 0 && B > 0;
    const prepacked = cached && this.planPackedCache(B) ? 1 : 0;
    for (let k = 0; k < this.numLayers; k++) {
      const input = k === 0 ? x : p.out[k - 1];
      const Ik = k === 0 ? this.inputSize : D * H;
      for (let d = 0; d < D; d++) {
        const i = k * D + d;
        const [wih, whh, bih, bhh] = this.names[k][d].map((n) => this.params.ptr(n));
        const h0 = h0p !== 0 ? h0p + i * B * H * 4 : 0;
        const c0 = c0p !== 0 ? c0p + i * B * H * 4 : 0;
        const y = p.out[k] + d * H * 4;
        const work = cached ? this.packedPtrs[i] : p.work;
        if (this.cell === 'lstm') {
          kn.lstm_forward(
            T,
            B,
            Ik,
            H,
            d,
            input,
            Ik,
            mask,
            wih,
            whh,
            bih,
            bhh,
            h0,
            c0,
            y,
            D * H,
            p.gates[i],
            p.hseq[i],
            p.cseq[i],
            work,
            prepacked,
          );
        } else if (this.cell === 'gru') {
          kn.gru_forward(
            T,
            B,
            Ik,
            H,
            d,
            this.resetAfter,
            input,
            Ik,
            mask,
            wih,
            whh,
            bih,
            bhh,
            h0,
            y,
            D * H,
            p.gates[i],
            p.hn[i],
            p.hseq[i],
            work,
            prepacked,
          );
        } else {
          kn.rnn_forward(
            T,
            B,
            Ik,
            H,
            d,
            this.relu,
            input,
            Ik,
            mask,
            wih,
            whh,
            bih,
            bhh,
            h0,
            y,
            D * H,
            p.hseq[i],
            work,
            prepacked,
          );
        }
      }
    }
    if (cached) {
      this.packedVersion = this.params.version;
      this.packedBatch = B;
    }
  }

  /** Floats of workspace this layer's forward kernel needs for batch B and input width Ik. */
  private forwardWork(B: number, Ik: number): number {
    const H = this.hiddenSize;
    return this.cell === 'lstm'
      ? lstmForwardWork(B, Ik, H)
      : this.cell === 'gru'
        ? gruForwardWork(B, Ik, H)
        : rnnForwardWork(B, Ik, H);
  }

  /**
   * Lays out the packed-weight cache for batch B (one forward workspace per layer and direction)
   * and says whether it still holds the packing of the current parameters. The layout depends on
   * B alone (a GRU's work has a B-sized scratch after its panels), so the packing is current when
   * the version and the batch size are those it was filled with.
   */
  private planPackedCache(B: number): boolean {
    const H = this.hiddenSize;
    const sizes = this.packedSizes;
    sizes.length = 0;
    for (let k = 0; k < this.numLayers; k++) {
      const f = this.forwardWork(B, k === 0 ? this.inputSize : this.directions * H);
      for (let d = 0; d < this.directions; d++) sizes.push(f);
    }
    this.packedCache.plan(sizes, this.packedPtrs);
    return this.packedVersion === this.params.version && this.packedBatch === B;
  }

  /** @returns the pointer holding dL/dx (0 when `inputGrad` is false) */
  private runBackward(
    T: number,
    B: number,
    p: Layout,
    x: number,
    dyTop: number,
    dhTp: number,
    dcTp: number,
    mask: number,
    inputGrad: boolean,
    gateGrads: number,
    stateGrad: boolean,
  ): number {
    const kn = this.backend.kernels;
    const H = this.hiddenSize;
    const D = this.directions;
    let dy = dyTop;
    // the dx buffers only when some layer computes dx (every layer above the first does)
    const [dA, dB] = this.numLayers > 1 || inputGrad ? this.planInputGrads(T, B) : [0, 0];
    let dx = dyTop === dB ? dA : dB;
    for (let k = this.numLayers - 1; k >= 0; k--) {
      if (k === 0 && !inputGrad) dx = 0;
      const input = k === 0 ? x : p.out[k - 1];
      const Ik = k === 0 ? this.inputSize : D * H;
      for (let d = 0; d < D; d++) {
        const i = k * D + d;
        const [wih, whh] = this.names[k][d].slice(0, 2).map((n) => this.params.ptr(n));
        const [gwih, gwhh, gbih, gbhh] = this.names[k][d].map((n) => this.params.gradPtrOf(n));
        const dyd = dy === 0 ? 0 : dy + d * H * 4;
        const dhT = dhTp !== 0 ? dhTp + i * B * H * 4 : 0;
        const dcT = dcTp !== 0 ? dcTp + i * B * H * 4 : 0;
        // 0: the kernels skip dL/dh0 (the last carry product) and dL/dc0
        const dh0 = stateGrad ? p.dh0 + i * B * H * 4 : 0;
        const dc0 = stateGrad ? p.dc0 + i * B * H * 4 : 0;
        if (this.cell === 'lstm') {
          kn.lstm_backward(
            T,
            B,
            Ik,
            H,
            d,
            input,
            Ik,
            mask,
            wih,
            whh,
            p.gates[i],
            p.hseq[i],
            p.cseq[i],
            dyd,
            D * H,
            dhT,
            dcT,
            dx,
            Ik,
            d,
            dh0,
            dc0,
            gwih,
            gwhh,
            gbih,
            gbhh,
            gateGrads || p.gates[i],
            p.work,
          );
        } else if (this.cell === 'gru') {
          kn.gru_backward(
            T,
            B,
            Ik,
            H,
            d,
            this.resetAfter,
            input,
            Ik,
            mask,
            wih,
            whh,
            p.gates[i],
            p.hn[i],
            p.hseq[i],
            dyd,
            D * H,
            dhT,
            dx,
            Ik,
            d,
            dh0,
            gwih,
            gwhh,
            gbih,
            gbhh,
            gateGrads || p.gates[i],
            p.dgh,
            p.work,
          );
        } else {
          kn.rnn_backward(
            T,
            B,
            Ik,
            H,
            d,
            this.relu,
            input,
            Ik,
            mask,
            wih,
            whh,
            p.hseq[i],
            dyd,
            D * H,
            dhT,
            dx,
            Ik,
            d,
            dh0,
            gwih,
            gwhh,
            gbih,
            gbhh,
            p.dpre,
            p.work,
          );
        }
      }
      dy = dx;
      dx = dx === dA ? dB : dA;
    }
    return dy;
  }

  /** The two input-gradient buffers for (T, B) (see {@link inputGradBuffers}): [dA, dB]. */
  private planInputGrads(T: number, B: number): number[] {
    const width = T * B * Math.max(this.inputSize, this.directions * this.hiddenSize);
    this.inputGradSizes[0] = width;
    this.inputGradSizes[1] = width;
    return this.inputGradBuffers.plan(this.inputGradSizes, this.inputGradPtrs);
  }

  /** The workspace layout for (T, B): same pointers for forward and backward of one shape. */
  private layout(T: number, B: number): Layout {
    const last = this.lastLayout;
    if (last !== null && last.T === T && last.B === B && last.base === this.workspace.basePtr) return last.layout;
    const layout = this.planLayout(T, B);
    this.lastLayout = { T, B, base: this.workspace.basePtr, layout };
    return layout;
  }

  /** Lays the buffers of a (T, B) call out in the workspace slab (growing it when needed). */
  private planLayout(T: number, B: number): Layout {
    const H = this.hiddenSize;
    const D = this.directions;
    const L = this.numLayers;
    const G = this.gateRows;
    const I = this.inputSize;
    const n = L * D;
    const lstm = this.cell === 'lstm';
    const gru = this.cell === 'gru';
    let work = 0;
    for (let k = 0; k < L; k++) {
      const Ik = k === 0 ? I : D * H;
      const f = this.forwardWork(B, Ik);
      const b = lstm
        ? lstmBackwardWork(T, B, Ik, H)
        : gru
          ? gruBackwardWork(T, B, Ik, H)
          : rnnBackwardWork(T, B, Ik, H);
      work = Math.max(work, f, b);
    }
    const s = this.layoutSizes;
    s.length = 0;
    s.push(T * B * I);
    for (let k = 0; k < L; k++) s.push(T * B * D * H);
    for (let i = 0; i < n; i++)
      s.push(lstm || gru ? T * B * G : 0, (T + 1) * B * H, lstm ? (T + 1) * B * H : 0, gru ? T * B * H : 0);
    const state = n * B * H;
    // gate gradients: RNN's pre-activations, and a reset-after GRU's hidden-side n gradient (T,B,H); the LSTM's
    // and GRU's gate gradients go over their saved gates or into retainedGateGrads (see backwardInPlace)
    s.push(
      state,
      lstm ? state : 0,
      work,
      lstm || gru ? 0 : T * B * G,
      gru && this.resetAfter ? T * B * H : 0,
      state,
      lstm ? state : 0,
      state,
      lstm ? state : 0,
    );
    const summed = this.merge === 'sum' && D === 2;
    s.push(T * B, summed ? T * B * H : 0, summed ? T * B * D * H : 0);
    const ptr = this.workspace.plan(s, this.layoutPtrs);
    let j = 0;
    const x = ptr[j++];
    const out: number[] = [];
    for (let k = 0; k < L; k++) out.push(ptr[j++]);
    const gates: number[] = [];
    const hseq: number[] = [];
    const cseq: number[] = [];
    const hn: number[] = [];
    for (let i = 0; i < n; i++) {
      gates.push(ptr[j++]);
      hseq.push(ptr[j++]);
      cseq.push(ptr[j++]);
      hn.push(ptr[j++]);
    }
    return {
      x,
      out,
      gates,
      hseq,
      cseq,
      hn,
      h0: ptr[j++],
      c0: ptr[j++],
      work: ptr[j++],
      dpre: ptr[j++],
      dgh: ptr[j++],
      dhT: ptr[j++],
      dcT: ptr[j++],
      dh0: ptr[j++],
      dc0: ptr[j++],
      mask: ptr[j++],
      merged: ptr[j++],
      dmerged: ptr[j++],
    };
  }

  private shapeOf(x: ArrayLike<number>, options: ForwardOptions, where: string): { T: number; B: number } {
    if (options === null || typeof options !== 'object')
      throw new TypeError(`${where}: options must be an object, received ${describe(options)}`);
    if (x === null || typeof x !== 'object' || typeof x.length !== 'number') {
      throw new TypeError(
        `${where}: x must be a Float32Array of (seqLen, batch, inputSize) values, received ${describe(x)}`,
      );
    }
    const perStep = this.inputSize;
    let B = options.batch;
    let T = options.seqLen;
    if (B !== undefined) positiveInt(B, `${where}: batch`);
    if (T !== undefined) positiveInt(T, `${where}: seqLen`);
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

  private assertLive(): void {
    if (this.params.disposed) throw new Error(`${this.kind}: this layer has been disposed`);
  }
}

/** A stack of Elman RNN layers: h_t = act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), act tanh or ReLU. */
export class RNN extends RecurrentLayer {
  /** `new RNN({ inputSize, hiddenSize, ... })` or `new RNN(inputSize, hiddenSize, { ... })`. */
  constructor(options: RNNOptions);
  constructor(inputSize: number, hiddenSize: number, options?: Omit<RNNOptions, 'inputSize' | 'hiddenSize'>);
  constructor(a: RNNOptions | number, b?: number, c?: Omit<RNNOptions, 'inputSize' | 'hiddenSize'>) {
    super('rnn', 'RNN', normalise(a, b, c));
  }
}

/** A stack of LSTM layers (gates i, f, g, o; c_t = f∘c_{t−1} + i∘g; h_t = o∘tanh(c_t)). */
export class LSTM extends RecurrentLayer {
  /** `new LSTM({ inputSize, hiddenSize, ... })` or `new LSTM(inputSize, hiddenSize, { ... })`. */
  constructor(options: RecurrentOptions);
  constructor(inputSize: number, hiddenSize: number, options?: Omit<RecurrentOptions, 'inputSize' | 'hiddenSize'>);
  constructor(a: RecurrentOptions | number, b?: number, c?: Omit<RecurrentOptions, 'inputSize' | 'hiddenSize'>) {
    super('lstm', 'LSTM', normalise(a, b, c));
  }
}

/** A stack of GRU layers (gates r, z, n; h_t = (1 − z)∘n + z∘h_{t−1}), both reset forms. */
export class GRU extends RecurrentLayer {
  /** `new GRU({ inputSize, hiddenSize, ... })` or `new GRU(inputSize, hiddenSize, { ... })`. */
  constructor(options: GRUOptions);
  constructor(inputSize: number, hiddenSize: number, options?: Omit<GRUOptions, 'inputSize' | 'hiddenSize'>);
  constructor(a: GRUOptions | number, b?: number, c?: Omit<GRUOptions, 'inputSize' | 'hiddenSize'>) {
    super('gru', 'GRU', normalise(a, b, c));
  }
}

/** @internal a single-layer, one-direction recurrence with cell parameter names (`weight_ih`, …). */
export class CellCore extends RecurrentLayer {
  constructor(cell: CellType, kind: string, options: RecurrentOptions & RNNOptions & GRUOptions) {
    super(cell, kind, options, true);
  }
}

function normalise<O extends RecurrentOptions>(
  a: O | number,
  b: number | undefined,
  c: Omit<O, 'inputSize' | 'hiddenSize'> | undefined,
): O {
  if (typeof a === 'number') return { ...(c ?? {}), inputSize: a, hiddenSize: b } as O;
  return a;
}
