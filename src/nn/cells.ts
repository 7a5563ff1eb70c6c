import type { Backend } from '../backend/backend.ts';
import { BACKEND_OPTION } from '../backend/index.ts';
import { RECURRENT_INIT_OPTION, type RecurrentInit } from './init.ts';
import type { StateDict } from './params.ts';
import { CellCore, type CellType } from './recurrent.ts';
import { checkArray, positiveInt } from '../util/check.ts';
import { bool, checkOptions, custom, int, oneOf, type Schema, type Spec } from '../util/options.ts';

/**
 * JSON form of a {@link RecurrentState}: what {@link RecurrentState.toJSON} writes and
 * {@link RecurrentState.fromJSON} reads.
 */
export interface RecurrentStateJSON {
  /** Number of streams B (a positive integer). */
  batch: number;
  /** Features of the hidden state, H (a positive integer). */
  hiddenSize: number;
  /** The hidden state, (B, H) row-major: B·H numbers. */
  h: number[];
  /** The cell state of an LSTM, (B, H) row-major: B·H numbers; absent for RNN and GRU states. */
  c?: number[];
}

/**
 * The explicit state of a recurrent cell for a batch of independent streams: h (B, H) and, for
 * an LSTM, c (B, H). Plain JavaScript memory: copy it, keep it, send it to a worker.
 */
export class RecurrentState {
  /** Number of streams B. */
  readonly batch: number;
  /** H. */
  readonly hiddenSize: number;
  /** Hidden state, (B, H). */
  readonly h: Float32Array;
  /** Cell state (LSTM only), (B, H); null for RNN and GRU. */
  readonly c: Float32Array | null;

  /**
   * A zero state, or one holding copies of `h` and `c`. Sizes and values are checked before
   * anything is allocated: `h` and `c` must hold exactly batch·hiddenSize finite numbers.
   */
  constructor(batch: number, hiddenSize: number, withCell: boolean, h?: ArrayLike<number>, c?: ArrayLike<number>) {
    this.batch = positiveInt(batch, 'RecurrentState: batch');
    this.hiddenSize = positiveInt(hiddenSize, 'RecurrentState: hiddenSize');
    const n = batch * hiddenSize;
    if (h !== undefined) checkArray(h, n, 'RecurrentState: h', `batch·hiddenSize = ${batch}·${hiddenSize}`);
    if (c !== undefined) {
      if (!withCell) throw new TypeError('RecurrentState: c is only for LSTM states');
      checkArray(c, n, 'RecurrentState: c', `batch·hiddenSize = ${batch}·${hiddenSize}`);
    }
    this.h = new Float32Array(n);
    this.c = withCell ? new Float32Array(n) : null;
    if (h !== undefined) this.h.set(h);
    if (c !== undefined) this.c?.set(c);
  }

  /**
   * @internal A state that takes `h` and `c` as they are (no copy, no check): for arrays just read
   * out of the heap by a cell step, which nothing else holds.
   */
  static adopt(batch: number, hiddenSize: number, h: Float32Array, c: Float32Array | null): RecurrentState {
    // the fields in the constructor's order, so that adopted and constructed states share one shape
    return Object.assign(Object.create(RecurrentState.prototype) as RecurrentState, { batch, hiddenSize, h, c });
  }

  /** An independent copy. */
  clone(): RecurrentState {
    return new RecurrentState(this.batch, this.hiddenSize, this.c !== null, this.h, this.c ?? undefined);
  }

  /** Sets every value to zero, or only stream `index` when given. */
  reset(index?: number): void {
    if (index === undefined) {
      this.h.fill(0);
      this.c?.fill(0);
      return;
    }
    if (!Number.isInteger(index) || index < 0 || index >= this.batch) {
      throw new RangeError(`RecurrentState.reset: index must be an integer in [0, ${this.batch}), received ${index}`);
    }
    const H = this.hiddenSize;
    this.h.fill(0, index * H, (index + 1) * H);
    this.c?.fill(0, index * H, (index + 1) * H);
  }

  /** A JSON-serialisable form. */
  toJSON(): RecurrentStateJSON {
    const json: RecurrentStateJSON = { batch: this.batch, hiddenSize: this.hiddenSize, h: Array.from(this.h) };
    if (this.c) json.c = Array.from(this.c);
    return json;
  }

  /**
   * Rebuilds a state from {@link toJSON}'s output, validated as the constructor validates: `h`
   * (and `c`) must hold exactly batch·hiddenSize finite numbers, checked before anything is allocated.
   */
  static fromJSON(json: RecurrentStateJSON): RecurrentState {
    if (json === null || typeof json !== 'object')
      throw new TypeError('RecurrentState.fromJSON: expected an object { batch, hiddenSize, h, c? }');
    return new RecurrentState(json.batch, json.hiddenSize, json.c !== undefined, json.h, json.c);
  }
}

/** Options of a cell: those of the layers without stacking or directions. */
export interface CellOptions {
  /** Whether the cell has `bias_ih` and `bias_hh`; default true. */
  bias?: boolean;
  /** Initialisation; default PyTorch's U(−1/√H, 1/√H). */
  init?: RecurrentInit;
  /** Seed of the initialisation. */
  seed?: number;
  /** Backend to live on; default the one chosen by `init()`. */
  backend?: Backend;
}

/** What {@link CellOptions} accepts, option by option. */
const CELL_OPTIONS = {
  bias: bool(),
  init: RECURRENT_INIT_OPTION,
  seed: int(),
  backend: BACKEND_OPTION,
} satisfies Record<keyof CellOptions, Spec>;

/** The options of each cell kind: {@link CellOptions}, plus `nonlinearity` (RNN) or `resetAfter` (GRU). */
const OPTIONS_BY_CELL: Readonly<Record<CellType, Schema>> = {
  rnn: { ...CELL_OPTIONS, nonlinearity: oneOf('tanh', 'relu') },
  lstm: CELL_OPTIONS,
  gru: { ...CELL_OPTIONS, resetAfter: bool() },
};

/** What the gradients object of {@link RecurrentCell.backward} accepts (sizes and values are checked by the call). */
const CELL_GRADS: Schema = {
  h: custom('an array of (batch, hiddenSize) values'),
  c: custom('an array of (batch, hiddenSize) values'),
};

/** Gradients of one {@link RecurrentCell.step}, from {@link RecurrentCell.backward}. */
export interface CellGrads {
  /** dL/dx, (B, I). */
  input: Float32Array;
  /** dL/dh of the state the step started from, (B, H). */
  h: Float32Array;
  /** dL/dc of the state the step started from (LSTM), (B, H). */
  c?: Float32Array;
}

/**
 * One step of a recurrence for a batch of streams, with explicit state (PyTorch's `*Cell`):
 * parameters `weight_ih (G, I)`, `weight_hh (G, H)`, `bias_ih`, `bias_hh`.
 */
export abstract class RecurrentCell {
  /** I. */
  readonly inputSize: number;
  /** H. */
  readonly hiddenSize: number;
  private readonly core: CellCore;
  private readonly withCell: boolean;
  private readonly name: string;

  /** @internal */
  protected constructor(
    cell: CellType,
    name: string,
    inputSize: number,
    hiddenSize: number,
    options: CellOptions & { nonlinearity?: 'tanh' | 'relu'; resetAfter?: boolean },
  ) {
    positiveInt(inputSize, `${name}: inputSize`);
    positiveInt(hiddenSize, `${name}: hiddenSize`);
    checkOptions(options, OPTIONS_BY_CELL[cell], name);
    this.core = new CellCore(cell, name, { ...options, inputSize, hiddenSize });
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.withCell = cell === 'lstm';
    this.name = name;
  }

  /** A zero state for `batch` streams (default 1). */
  zeroState(batch = 1): RecurrentState {
    this.assertLive('zeroState');
    return new RecurrentState(batch, this.hiddenSize, this.withCell);
  }

  /**
   * Advances every stream by one step.
   * @param x input, (B, I)
   * @param state the current state (not modified)
   * @returns the next state; its `h` is the step's output. A rejected step changes nothing:
   *   {@link backward} then goes through the last accepted step.
   */
  step(x: ArrayLike<number>, state: RecurrentState): RecurrentState {
    this.assertLive('step');
    if (!(state instanceof RecurrentState))
      throw new TypeError(
        `${this.name}.step: state must be a RecurrentState (from zeroState()), received ${typeof state}`,
      );
    if (state.hiddenSize !== this.hiddenSize || (state.c !== null) !== this.withCell) {
      throw new RangeError(
        `${this.name}.step: state must have hiddenSize ${this.hiddenSize}${this.withCell ? ' and a cell state c' : ''}, received hiddenSize ${state.hiddenSize}${state.c ? ' with c' : ''}`,
      );
    }
    const out = this.core.forwardStates(x, { seqLen: 1, batch: state.batch, h0: state.h, c0: state.c ?? undefined });
    return RecurrentState.adopt(state.batch, this.hiddenSize, out.h, this.withCell ? out.c! : null);
  }

  /**
   * Backpropagates through the last {@link step}: from dL/d(next h) (and next c), returns the
   * gradients for x and the starting state, and ADDS parameter gradients to {@link gradDict}.
   * A rejected {@link step} leaves the last accepted step's saved activations: backward then
   * goes through that step.
   */
  backward(grads: { h?: ArrayLike<number>; c?: ArrayLike<number> }): CellGrads {
    this.assertLive('backward');
    checkOptions(grads, CELL_GRADS, `${this.name}.backward`, 'grads');
    const g = this.core.backward({ h: grads.h, c: grads.c });
    return g.c0 ? { input: g.input, h: g.h0, c: g.c0 } : { input: g.input, h: g.h0 };
  }

  /** Copies of the parameters by PyTorch name. */
  stateDict(): StateDict {
    this.assertLive('stateDict');
    return this.core.stateDict();
  }

  /** Loads parameters by PyTorch name (validated; nothing changes on error). */
  loadStateDict(dict: Record<string, ArrayLike<number>>, strict = true): void {
    this.assertLive('loadStateDict');
    this.core.loadStateDict(dict, strict);
  }

  /** Copies of the accumulated parameter gradients. */
  gradDict(): StateDict {
    this.assertLive('gradDict');
    return this.core.gradDict();
  }

  /** Sets the parameter gradients to zero. */
  zeroGrad(): void {
    this.assertLive('zeroGrad');
    this.core.zeroGrad();
  }

  /** Number of trainable values. */
  parameterCount(): number {
    this.assertLive('parameterCount');
    return this.core.parameterCount();
  }

  /** Whether {@link dispose} has run. */
  get disposed(): boolean {
    return this.core.disposed;
  }

  /** Frees the cell's memory. Idempotent; afterwards every other method throws. */
  dispose(): void {
    this.core.dispose();
  }

  /** Throws, naming the class and `method`, once {@link dispose} has run: a freed cell touches no memory. */
  private assertLive(method: string): void {
    if (this.core.disposed) throw new Error(`${this.name}.${method}: this cell has been disposed`);
  }
}

/** Elman RNN cell: h' = act(W_ih x + b_ih + W_hh h + b_hh). */
export class RNNCell extends RecurrentCell {
  /** @param options also `nonlinearity: 'tanh' | 'relu'` */
  constructor(inputSize: number, hiddenSize: number, options: CellOptions & { nonlinearity?: 'tanh' | 'relu' } = {}) {
    super('rnn', 'RNNCell', inputSize, hiddenSize, options);
  }
}

/** LSTM cell (gates i, f, g, o): state h and c. */
export class LSTMCell extends RecurrentCell {
  constructor(inputSize: number, hiddenSize: number, options: CellOptions = {}) {
    super('lstm', 'LSTMCell', inputSize, hiddenSize, options);
  }
}

/** GRU cell (gates r, z, n), `resetAfter` true (PyTorch, default) or false (Cho et al.). */
export class GRUCell extends RecurrentCell {
  /** @param options also `resetAfter: boolean` */
  constructor(inputSize: number, hiddenSize: number, options: CellOptions & { resetAfter?: boolean } = {}) {
    super('gru', 'GRUCell', inputSize, hiddenSize, options);
  }
}
