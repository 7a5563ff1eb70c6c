import type { Backend } from '../backend/backend.ts';
import { Vocab, type VocabJSON } from '../data/vocab.ts';
import { pack, unpack, type NamedTensor } from '../io/container.ts';
import { Dense } from './dense.ts';
import { Dropout } from './dropout.ts';
import { Embedding } from './embedding.ts';
import type { ParameterSet, StateDict } from './params.ts';
import { RecurrentLayer } from './recurrent.ts';
import { Workspace } from './workspace.ts';
import { checkArray, checkArrayShape, describe, positiveInt } from '../util/check.ts';
import { bool, checkOptions, checkValue, custom, int, oneOf, type Schema, type Spec } from '../util/options.ts';
import { writeFinite, writeStepMask } from './write-input.ts';
import {
  disposeLayers,
  dropoutStates,
  layersFromConfig,
  restoreDropoutStates,
  type LayerConfig,
  type ModelLayer,
} from './layers.ts';
import { buildWithinMemory, checkModelCheckpoint, loadOptions, type LoadOptions } from './checkpoint.ts';
import type { Batch, OutputKind, PreparedBatch, SequenceInput } from './trainable.ts';
import { FormatError } from '../io/format-error.ts';

/** Serialisable description of a {@link SequenceModel}'s architecture. */
export interface ModelConfig {
  /** How the head's outputs are read. */
  output: OutputKind;
  /** Every layer's configuration, bottom to top (dropout layers included). */
  layers: LayerConfig[];
}

/** The JSON header a model contributes to a checkpoint (a trainer's checkpoint adds its own part). */
export interface ModelCheckpointHeader {
  [field: string]: unknown;
  kind: string;
  model: ModelConfig;
  dropout: Array<[number, number | null]>;
  metadata: Record<string, unknown>;
  /** The model's {@link SequenceModel.vocab}, when it has one. */
  vocab?: VocabJSON;
}

/**
 * A copy of the carried state of a stateful {@link SequenceModel}: what
 * {@link SequenceModel.saveState} returns and {@link SequenceModel.restoreState} takes back.
 */
export interface SavedState {
  /** Streams B of the carried state; 0 when the model carried none (restoring then drops any state). */
  batch: number;
  /**
   * Two buffers per recurrent layer, bottom to top: its hidden state h, then its cell state c
   * (empty for RNN and GRU layers). Each is (numLayers·D, B, H) row-major, D = 2 for a
   * bidirectional layer, else 1; all are empty when `batch` is 0.
   */
  buffers: Float32Array[];
}

/** Options of {@link SequenceModel}. */
export interface SequenceModelOptions {
  /**
   * The stack, in order: an optional {@link Embedding} (token-id input; otherwise the input is
   * feature vectors), one or more recurrent layers with optional {@link Dropout} between and
   * around them, and a {@link Dense} head.
   */
  layers: ModelLayer[];
  /** How the head's outputs are read; default `'softmax'`. */
  output?: OutputKind;
}

/** What {@link SequenceModelOptions} accepts, option by option (the layers' order is checked by the constructor). */
const MODEL_OPTIONS = {
  layers: custom('an array of layers', Array.isArray),
  output: oneOf('softmax', 'sigmoid', 'linear'),
} satisfies Record<keyof SequenceModelOptions, Spec>;

/** @internal What `rename` (of {@link SequenceModel.loadStateDict} and the interop loaders) accepts. */
export const RENAME_OPTION = custom(
  'an object of strings (name prefix → strand prefix)',
  (r) =>
    r !== null && typeof r === 'object' && !Array.isArray(r) && Object.values(r).every((v) => typeof v === 'string'),
);

const LOAD_STATE_DICT_OPTIONS: Schema = { strict: bool(), rename: RENAME_OPTION };

/**
 * @internal `dict` with its names' prefixes replaced by `rename`'s: a key matches a name equal to it
 * or going on with a dot, the longest match wins, an empty value drops the prefix and its dot.
 * Throws when a key matches no name or two names become one.
 */
export function renamePrefixes<T>(
  dict: Record<string, T>,
  rename: Record<string, string>,
  where: string,
): Record<string, T> {
  const keys = Object.keys(rename).sort((a, b) => b.length - a.length);
  const used = new Set<string>();
  const out: Record<string, T> = Object.create(null); // a name '__proto__' stays a name
  for (const [name, value] of Object.entries(dict)) {
    const key = keys.find((k) => name === k || name.startsWith(`${k}.`));
    let to = name;
    if (key !== undefined) {
      used.add(key);
      to = rename[key] === '' ? name.slice(key.length + 1) : rename[key] + name.slice(key.length);
    }
    if (Object.hasOwn(out, to)) throw new Error(`${where}: two parameters become ${describe(to)} once renamed`);
    out[to] = value;
  }
  const unused = keys.find((k) => !used.has(k));
  if (unused !== undefined) throw new Error(`${where}: rename key ${describe(unused)} matches no parameter name`);
  return out;
}

/** What the options of {@link SequenceModel.predict} accept (the lengths' values are checked by the call). */
const PREDICT_OPTIONS: Schema = {
  seqLen: int({ min: 1 }),
  batch: int({ min: 1 }),
  stateful: bool(),
  lengths: custom('an array of batch lengths'),
};

/**
 * A stack of layers ending in a head: the model that trainers train and samplers sample.
 * Sequences are time-major; the head runs at every step (tagging, language models) or at the
 * last step only (`new Dense(..., { at: 'last' })`: classification, regression).
 */
export class SequenceModel {
  /** The input table, or null for feature-vector input. */
  readonly embedding: Embedding | null;
  /** The recurrent layers, bottom to top. */
  readonly recurrent: RecurrentLayer[];
  /** The output layer. */
  readonly head: Dense;
  /** How outputs are read. */
  readonly output: OutputKind;
  /** The backend every layer lives on. */
  readonly backend: Backend;
  /** All layers as given. */
  readonly layers: readonly ModelLayer[];
  /** JSON-serialisable data saved with the model (the vocabulary has its own field, {@link vocab}). */
  metadata: Record<string, unknown> = {};
  private vocabulary: Vocab | null = null;
  private readonly dropAfter: Array<Dropout | null>;
  private readonly dropInput: Dropout | null;
  private readonly workspace: Workspace;
  private readonly ptrs: number[] = [];
  private stateWorkspace: Workspace;
  private stateBatch = 0;
  private statePtrs: number[] = [];
  private last: { T: number; B: number; train: boolean; p: number[] } | null = null;
  private headInput = 0;
  private disposedFlag = false;

  constructor(options: SequenceModelOptions) {
    checkOptions(options, MODEL_OPTIONS, 'SequenceModel');
    checkValue(options.layers, MODEL_OPTIONS.layers, 'SequenceModel', 'options.layers');
    this.output = options.output ?? 'softmax';
    this.layers = [...options.layers];
    const layers = [...options.layers];
    this.embedding = layers[0] instanceof Embedding ? (layers.shift() as Embedding) : null;
    this.dropInput = layers[0] instanceof Dropout ? (layers.shift() as Dropout) : null;
    this.recurrent = [];
    this.dropAfter = [];
    while (layers[0] instanceof RecurrentLayer) {
      this.recurrent.push(layers.shift() as RecurrentLayer);
      this.dropAfter.push(layers[0] instanceof Dropout ? (layers.shift() as Dropout) : null);
    }
    const head = layers.shift();
    if (this.recurrent.length === 0)
      throw new TypeError('SequenceModel: layers need at least one recurrent layer (RNN, LSTM or GRU)');
    if (!(head instanceof Dense) || layers.length > 0) {
      throw new TypeError(
        'SequenceModel: layers must be [Embedding?, Dropout?, (RNN|LSTM|GRU, Dropout?)+, Dense] in that order',
      );
    }
    this.head = head;
    this.backend = head.backend;
    const all = [this.embedding, ...this.recurrent, head].filter((l) => l !== null);
    for (const l of all) {
      if (l.backend !== this.backend) throw new TypeError('SequenceModel: every layer must live on the same backend');
    }
    let width = this.embedding ? this.embedding.embeddingDim : this.recurrent[0].inputSize;
    for (const [i, r] of this.recurrent.entries()) {
      if (r.inputSize !== width) {
        throw new RangeError(
          `SequenceModel: layer ${i} (${r.cell.toUpperCase()}) expects inputSize ${r.inputSize}, but the layer below gives ${width}`,
        );
      }
      width = r.outputSize;
    }
    if (head.inFeatures !== width)
      throw new RangeError(
        `SequenceModel: the Dense head expects ${head.inFeatures} inputs, but the last recurrent layer gives ${width}`,
      );
    this.workspace = new Workspace(this.backend.heap);
    this.stateWorkspace = new Workspace(this.backend.heap);
  }

  /**
   * The vocabulary the model reads and predicts, or null: saved with the model (header field `vocab`)
   * and restored by {@link load}, which also takes a valid `metadata.vocab` from files written before
   * this field existed. With an embedding, its size must be the embedding's vocabulary size.
   */
  get vocab(): Vocab | null {
    return this.vocabulary;
  }

  /** Sets the vocabulary: a {@link Vocab} of the embedding's size, or null. */
  set vocab(vocab: Vocab | null) {
    if (vocab !== null && !(vocab instanceof Vocab))
      throw new TypeError(`SequenceModel.vocab must be a Vocab or null, received ${describe(vocab)}`);
    const size = this.embedding?.numEmbeddings;
    if (vocab !== null && size !== undefined && vocab.size !== size)
      throw new RangeError(
        `SequenceModel.vocab must have ${size} tokens (the embedding's vocabulary size), received a Vocab of ${vocab.size}`,
      );
    this.vocabulary = vocab;
  }

  /** Features per input step (the embedding's vocabulary size when the input is token ids). */
  get inputSize(): number {
    return this.embedding ? this.embedding.numEmbeddings : this.recurrent[0].inputSize;
  }

  /** Outputs per step (classes, or values). */
  get outputSize(): number {
    return this.head.outFeatures;
  }

  /** @internal every parameter slab of the model, bottom to top. */
  parameterSets(): ParameterSet[] {
    this.assertLive('parameterSets');
    const sets: ParameterSet[] = [];
    if (this.embedding?.trainable) sets.push(this.embedding.params);
    for (const r of this.recurrent) sets.push(r.params);
    sets.push(this.head.params);
    return sets;
  }

  /** Number of trainable values. */
  parameterCount(): number {
    this.assertLive('parameterCount');
    return this.parameterSets().reduce((n, s) => n + s.count(), 0);
  }

  /** Copies of every parameter, named `<layer index>.<name>` (e.g. `1.weight_ih_l0`). */
  stateDict(): StateDict {
    this.assertLive('stateDict');
    const out: StateDict = {};
    this.namedSets().forEach(([prefix, set]) => {
      for (const [k, v] of Object.entries(set.stateDict())) out[`${prefix}.${k}`] = v;
    });
    return out;
  }

  /**
   * Loads parameters named as by {@link stateDict}; everything is checked first, so nothing changes
   * when it throws.
   * @param options `strict` (default true): every parameter must be present (`false` as the second
   *   argument does the same); `rename`: foreign name prefixes to strand's, for a PyTorch
   *   `state_dict` whose tensors hold strand's shapes. A key matches a name equal to it or going on
   *   with a dot, the longest matching key wins, an empty value drops the prefix, and a key that
   *   matches nothing is an error.
   * @example
   * ```ts
   * // embedding.weight, lstm.weight_ih_l0, …, module.fc.bias → 0.weight, 1.weight_ih_l0, …, 2.bias
   * model.loadStateDict(torchDict, { rename: { embedding: '0', lstm: '1', 'module.fc': '2' } });
   * ```
   */
  loadStateDict(
    dict: Record<string, ArrayLike<number>>,
    options:
      | boolean
      | {
          /** Whether every parameter must be present; default true. */
          strict?: boolean;
          /** Name prefixes of the dict to strand's (`{ lstm: '1' }`). */
          rename?: Record<string, string>;
        } = true,
  ): void {
    const where = 'SequenceModel.loadStateDict';
    this.assertLive('loadStateDict');
    if (typeof options !== 'boolean') checkOptions(options, LOAD_STATE_DICT_OPTIONS, where);
    const { strict = true, rename } = typeof options === 'boolean' ? { strict: options } : options;
    if (rename !== undefined) dict = renamePrefixes(dict, rename, where);
    const named = this.namedSets();
    const split = new Map<string, Record<string, ArrayLike<number>>>(named.map(([p]) => [p, {}]));
    for (const [key, value] of Object.entries(dict)) {
      const dot = key.indexOf('.');
      const part = split.get(key.slice(0, dot));
      if (dot < 0 || part === undefined)
        throw new Error(`${where}: unexpected parameter '${key}' (names look like '${named[0][0]}.weight')`);
      part[key.slice(dot + 1)] = value;
    }
    // validate all, then write all
    for (const [prefix, set] of named) {
      const probe = split.get(prefix)!;
      for (const e of set.entries()) {
        if (strict && !(e.name in probe)) throw new Error(`${where}: missing parameter '${prefix}.${e.name}'`);
      }
      for (const [k, v] of Object.entries(probe)) {
        const e = set.entries().find((x) => x.name === k);
        if (!e) throw new Error(`${where}: unexpected parameter '${prefix}.${k}'`);
        checkArray(v, e.size, `${where}: parameter '${prefix}.${k}'`, `[${e.shape.join(', ')}]`);
      }
    }
    for (const [prefix, set] of named) set.loadStateDict(split.get(prefix)!, false, where);
  }

  /**
   * Serialises architecture, weights and {@link metadata} into strand's versioned binary format
   * (magic, version, JSON header, float32 tensors, CRC-32).
   */
  save(): Uint8Array {
    this.assertLive('save');
    return pack(this.checkpointHeader('model'), this.checkpointTensors());
  }

  /**
   * Rebuilds a model from {@link save}'s bytes (or a trainer's checkpoint). The whole file is
   * checked before any memory is touched: its format, every header field, and the model the header
   * declares against the tensors present and the limits; nothing is built until it is known to fit.
   * A refused file throws a `FormatError` naming the part of the file, the byte offset or
   * header field, what was expected and what was found (a RangeError above a limit) and leaves
   * nothing allocated.
   * @param options `backend` to build on; `maxBytes` (default 256 MiB) and `maxParameters`
   *   (default 50 million) refuse larger files and models
   */
  static load(bytes: Uint8Array, options: LoadOptions = {}): SequenceModel {
    const where = 'SequenceModel.load';
    const { backend, limits } = loadOptions(options, where);
    const { header, tensors } = unpack(bytes, where, limits);
    return SequenceModel.fromCheckpoint(header, tensors, backend, where, limits);
  }

  /** @internal The architecture of this model. */
  config(): ModelConfig {
    this.assertLive('config');
    return { output: this.output, layers: this.layers.map((l) => l.config()) };
  }

  /** @internal The model's part of a checkpoint header: `kind`, then architecture, dropout positions and metadata. */
  checkpointHeader(kind: string): ModelCheckpointHeader {
    this.assertLive('checkpointHeader');
    const header: ModelCheckpointHeader = {
      kind,
      model: this.config(),
      dropout: dropoutStates(this.layers),
      metadata: this.metadata,
    };
    if (this.vocabulary !== null) header.vocab = this.vocabulary.toJSON();
    return header;
  }

  /** @internal The model's tensors in a checkpoint, named `model.` + their {@link stateDict} names. */
  checkpointTensors(): NamedTensor[] {
    this.assertLive('checkpointTensors');
    return Object.entries(this.stateDict()).map(([name, data]) => ({ name: `model.${name}`, data }));
  }

  /**
   * @internal Builds a model from a checkpoint's header and tensors (the `model.*` ones): architecture,
   * weights, dropout positions, metadata. Everything is checked first (see {@link checkModelCheckpoint});
   * if building still fails, whatever was built is freed.
   * @param limits `maxParameters` (default 50 million)
   */
  static fromCheckpoint(
    header: Record<string, unknown>,
    tensors: ReadonlyMap<string, Float32Array>,
    backend: Backend | undefined,
    where: string,
    limits: { maxParameters?: number } = {},
  ): SequenceModel {
    const checked = checkModelCheckpoint(header, tensors, where, limits);
    const layers = buildWithinMemory(where, backend, checked, () =>
      layersFromConfig(checked.config.layers, backend, where),
    );
    let model: SequenceModel;
    try {
      model = new SequenceModel({ layers, output: checked.config.output });
    } catch (error) {
      disposeLayers(layers);
      throw error;
    }
    try {
      model.loadStateDict(checked.tensors);
    } catch (error) {
      model.dispose();
      throw new FormatError(where, "the checkpoint's tensors do not fit its model", {
        part: 'tensors',
        expected: 'tensors that load into the model the header describes',
        found: (error as Error).message,
      });
    }
    restoreDropoutStates(model.layers, checked.dropout);
    model.metadata = checked.metadata;
    model.vocabulary = checked.vocab;
    return model;
  }

  /** Sets every gradient to zero. */
  zeroGrad(): void {
    this.assertLive('zeroGrad');
    for (const s of this.parameterSets()) s.zeroGrad();
  }

  /**
   * Runs a batch and returns a copy of the head's outputs: (T, B, O) for a head at every step,
   * (B, O) for a head at the last step. Raw logits for softmax / sigmoid outputs.
   * @param input token ids (T·B) with an Embedding, else features (T·B·I)
   * @param options seqLen / batch (one may be inferred); `stateful` continues from the state left
   *   by the previous stateful call (see {@link resetState}); `lengths` (B) for right-padded batches.
   *   A rejected call leaves the carried state as it was.
   */
  predict(
    input: SequenceInput,
    options: { seqLen?: number; batch?: number; stateful?: boolean; lengths?: ArrayLike<number> } = {},
  ): Float32Array {
    const where = 'SequenceModel.predict';
    this.assertLive('predict');
    checkOptions(options, PREDICT_OPTIONS, where);
    const { T, B } = this.shapeOf(input, options, where);
    const inputPtr = this.writeInput(input, T, B, `${where}: input`);
    const p = this.plan(T, B);
    const maskPtr = p[this.slots(p).mask];
    const masked = writeStepMask(this.backend.heap.all(), maskPtr, T, B, { lengths: options.lengths }, where);
    const logits = this.forwardInPlace(T, B, inputPtr, false, options.stateful ?? false, T, masked ? maskPtr : 0);
    return this.backend.heap.read(logits, this.outputRows(T, B) * this.outputSize);
  }

  /**
   * A copy of the carried state (for stateful runs), to {@link restoreState} later — e.g. to
   * sample in the middle of training without disturbing the training streams.
   */
  saveState(): SavedState {
    this.assertLive('saveState');
    const mem = this.backend.heap.all();
    const buffers: Float32Array[] = [];
    this.recurrent.forEach((r, i) => {
      const n = r.numLayers * r.directions * this.stateBatch * r.hiddenSize;
      for (const ptr of [this.statePtrs[2 * i], this.statePtrs[2 * i + 1]])
        buffers.push(ptr ? mem.slice(ptr >> 2, (ptr >> 2) + n) : new Float32Array(0));
    });
    return { batch: this.stateBatch, buffers };
  }

  /**
   * Puts back a state from {@link saveState}. The state is checked against this model before
   * anything is written: `batch` a non-negative integer, and `buffers` two per recurrent layer,
   * each of exactly the length that layer's state has for that batch (a state saved from a
   * model of another architecture is refused). Values are copied as they are.
   */
  restoreState(saved: SavedState): void {
    this.assertLive('restoreState');
    this.checkSavedState(saved, 'SequenceModel.restoreState');
    if (saved.batch === 0) {
      this.stateBatch = 0;
      return;
    }
    this.ensureState(saved.batch);
    const mem = this.backend.heap.all();
    this.statePtrs.forEach((ptr, j) => {
      if (ptr) mem.set(saved.buffers[j], ptr >> 2);
    });
  }

  /**
   * Rearranges the carried state of a stateful run by rows: afterwards stream `b` continues from
   * the state that stream `rows[b]` had, and the carried batch is `rows.length` (a row may be
   * repeated or left out). With it, B independent continuations advance as one batch, one fused
   * step per layer, while each keeps its own state: beam search follows the selected hypotheses
   * this way without re-running their prefixes.
   * @param rows indices into the current carried batch (at least one)
   */
  reorderState(rows: ArrayLike<number>): void {
    const where = 'SequenceModel.reorderState';
    this.assertLive('reorderState');
    if (rows === null || typeof rows !== 'object' || typeof rows.length !== 'number' || rows.length < 1) {
      throw new TypeError(`${where}: rows must be a non-empty array of stream indices, received ${describe(rows)}`);
    }
    const B = this.stateBatch;
    if (B === 0)
      throw new Error(`${where}: there is no carried state (run a stateful forward or resetState(batch) first)`);
    for (let i = 0; i < rows.length; i++) {
      if (!Number.isInteger(rows[i]) || rows[i] < 0 || rows[i] >= B)
        throw new RangeError(
          `${where}: rows must hold stream indices in [0, ${B}), received ${describe(rows[i])} at index ${i}`,
        );
    }
    const old = this.saveState(); // copies: ensureState may move the buffers
    this.ensureState(rows.length);
    const mem = this.backend.heap.all();
    this.recurrent.forEach((r, i) => {
      const H = r.hiddenSize;
      const blocks = r.numLayers * r.directions; // each buffer is (L·D, B, H)
      for (let j = 0; j < 2; j++) {
        const ptr = this.statePtrs[2 * i + j];
        if (ptr === 0) continue;
        const from = old.buffers[2 * i + j];
        for (let s = 0; s < blocks; s++) {
          for (let b = 0; b < rows.length; b++) {
            const src = (s * B + rows[b]) * H;
            mem.set(from.subarray(src, src + H), (ptr >> 2) + (s * rows.length + b) * H);
          }
        }
      }
    });
  }

  /** Zeroes the carried state of a stateful run for `batch` streams (all streams when omitted). */
  resetState(batch?: number): void {
    this.assertLive('resetState');
    if (batch !== undefined) this.ensureState(positiveInt(batch, 'SequenceModel.resetState: batch'));
    this.zeroStates();
  }

  /** @internal validates a training batch and writes its input (Trainer.step). */
  prepare(batch: Batch, where: string): PreparedBatch {
    this.assertLive('prepare');
    const { T, B } = this.shapeOf(batch.input, batch, where);
    const input = this.writeInput(batch.input, T, B, `${where}: input`);
    const stateful = batch.stateful ?? false;
    const p = this.plan(T, B);
    const maskPtr = p[this.slots(p).mask];
    const masked = writeStepMask(this.backend.heap.all(), maskPtr, T, B, { lengths: batch.lengths }, where);
    return {
      rows: this.outputRows(T, B),
      // with lengths, padded steps are left out of a loss over every step
      weights: masked && this.head.at === 'every' ? this.backend.heap.read(maskPtr, T * B) : undefined,
      forward: () => this.forwardInPlace(T, B, input, true, stateful, T, masked ? maskPtr : 0),
      backward: (d) => this.backwardInPlace(d, true),
    };
  }

  /** Number of output rows for a batch: T·B at every step, B at the last step. */
  outputRows(T: number, B: number): number {
    this.assertLive('outputRows');
    return this.head.at === 'last' ? B : T * B;
  }

  /** @internal validates a batch shape */
  shapeOf(input: SequenceInput, options: { seqLen?: number; batch?: number }, where: string): { T: number; B: number } {
    this.assertLive('shapeOf');
    if (input === null || typeof input !== 'object' || typeof (input as ArrayLike<number>).length !== 'number') {
      throw new TypeError(
        `${where}: input must be ${this.embedding ? 'an Int32Array of token ids' : 'a Float32Array of features'}, received ${describe(input)}`,
      );
    }
    const per = this.embedding ? 1 : this.inputSize;
    const n = input.length;
    let { seqLen: T, batch: B } = options;
    if (B !== undefined) positiveInt(B, `${where}: batch`);
    if (T !== undefined) positiveInt(T, `${where}: seqLen`);
    if (T === undefined) {
      B ??= 1;
      T = n / (B * per);
    } else if (B === undefined) {
      B = n / (T * per);
    }
    if (!Number.isInteger(T) || !Number.isInteger(B) || T < 1 || B < 1 || T * B * per !== n) {
      throw new RangeError(
        `${where}: input has ${n} values; expected seqLen·batch${per > 1 ? '·inputSize' : ''} = ${options.seqLen ?? '?'}·${options.batch ?? '?'}${per > 1 ? `·${per}` : ''}`,
      );
    }
    return { T, B };
  }

  /**
   * @internal copies a validated input into the model's input buffer; returns its pointer. The
   * buffer (and, should the plan move, every buffer) is the last forward's saved input: that
   * forward is forgotten first, so a backward after a rejected input says to run forward again.
   */
  writeInput(input: SequenceInput, T: number, B: number, what: string): number {
    this.assertLive('writeInput');
    this.last = null;
    const p = this.plan(T, B);
    if (this.embedding) {
      this.embedding.checkIds(input, what);
      const ints = new Int32Array(this.backend.heap.all().buffer, p[0], T * B);
      for (let i = 0; i < T * B; i++) ints[i] = input[i];
    } else {
      writeFinite(
        this.backend,
        p[1],
        input,
        T * B * this.inputSize,
        what,
        `seqLen·batch·inputSize = ${T}·${B}·${this.inputSize}`,
      );
    }
    return this.embedding ? p[0] : p[1];
  }

  /**
   * @internal Forward over heap buffers. `input` is int32 ids (T·B) or features (T,B,I).
   * `train` enables dropout; `stateful` starts from the carried state and replaces it by the
   * state after `carryAfter` steps (default T: the final state), once every layer has run.
   * @returns pointer of the head's outputs, (T·B or B, O)
   */
  forwardInPlace(
    T: number,
    B: number,
    input: number,
    train: boolean,
    stateful: boolean,
    carryAfter = T,
    mask = 0,
  ): number {
    this.assertLive('forwardInPlace');
    this.last = null;
    const p = this.plan(T, B);
    const at = this.slots(p);
    let x = input;
    if (this.embedding) {
      this.embedding.forwardInPlace(T * B, input, p[2]);
      x = p[2];
    }
    let width = this.embedding ? this.embedding.embeddingDim : this.inputSize;
    if (this.dropInput && train) {
      this.dropInput.forwardInPlace(this.backend, T * B * width, x, p[4], p[5]);
      x = p[4];
    }
    if (stateful) this.ensureState(B);
    for (let i = 0; i < this.recurrent.length; i++) {
      const r = this.recurrent[i];
      const h0 = stateful ? this.statePtrs[2 * i] : 0;
      const c0 = stateful && r.cell === 'lstm' ? this.statePtrs[2 * i + 1] : 0;
      x = r.forwardInPlace(T, B, x, h0, c0, mask);
      width = r.outputSize;
      const drop = this.dropAfter[i];
      if (drop && train) {
        drop.forwardInPlace(this.backend, T * B * width, x, p[6 + 2 * i], p[7 + 2 * i]);
        x = p[6 + 2 * i];
      }
    }
    let headIn = x;
    if (this.head.at === 'last') {
      // the top layer's final states (with masks: each sequence's state at its last valid step)
      this.gatherLast(B, p[at.dhTop], p[at.lastIn]);
      headIn = p[at.lastIn];
    }
    this.head.forwardInPlace(this.outputRows(T, B), headIn, width, p[3], this.outputSize);
    // the carried state is replaced last, when nothing can fail any more (layer i read its h0 above)
    if (stateful) {
      this.recurrent.forEach((r, i) => r.copyFinalStates(this.statePtrs[2 * i], this.statePtrs[2 * i + 1], carryAfter));
    }
    this.last = { T, B, train, p: [...p] };
    this.headInput = headIn;
    return p[3];
  }

  /**
   * @internal Backward from dL/d(head outputs) at `dlogits` (rows, O) through the last forward.
   * Accumulates every parameter gradient. Stops at the input (no gradient to ids / features).
   * `release`: the recurrent layers may overwrite saved activations (the Trainer's single
   * backward per forward); a second backward of the same forward then throws.
   */
  backwardInPlace(dlogits: number, release = false): void {
    this.assertLive('backwardInPlace');
    const last = this.last;
    if (last === null) throw new Error('SequenceModel.backward: run a forward pass first');
    const { T, B, train, p } = last;
    const at = this.slots(p);
    const top = this.recurrent[this.recurrent.length - 1];
    const width = top.outputSize;
    let dy = p[at.dTop];
    let dhT = 0;
    if (this.head.at === 'last') {
      this.head.backwardInPlace(B, this.headInput, width, dlogits, this.outputSize, p[at.dLast], width);
      this.scatterLast(B, p[at.dLast], p[at.dhTop]);
      dy = 0;
      dhT = p[at.dhTop];
    } else {
      this.head.backwardInPlace(T * B, this.headInput, width, dlogits, this.outputSize, dy, width);
    }
    for (let i = this.recurrent.length - 1; i >= 0; i--) {
      const r = this.recurrent[i];
      const drop = this.dropAfter[i];
      if (drop && train && dy !== 0) drop.backwardInPlace(this.backend, T * B * r.outputSize, dy, p[7 + 2 * i], dy);
      // the first layer's dL/dx is needed only by an embedding (features from data take none);
      // the initial states are not trained, so no layer's dL/dh0 is needed either
      dy = r.backwardInPlace(
        dy,
        i === this.recurrent.length - 1 ? dhT : 0,
        0,
        i > 0 || this.embedding !== null,
        release,
        false,
      );
    }
    if (this.embedding) {
      if (this.dropInput && train)
        this.dropInput.backwardInPlace(this.backend, T * B * this.recurrent[0].inputSize, dy, p[5], dy);
      this.embedding.backwardInPlace(T * B, p[0], dy);
    }
  }

  /** Whether {@link dispose} has run. */
  get disposed(): boolean {
    return this.disposedFlag;
  }

  /** Frees every layer and the model's buffers. Idempotent; afterwards every other method throws. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    this.embedding?.dispose();
    for (const r of this.recurrent) r.dispose();
    this.head.dispose();
    this.workspace.dispose();
    this.stateWorkspace.dispose();
  }

  /** Same as {@link dispose}, for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ------------------------------------------------------------------------------------ internals

  /**
   * Workspace for (T, B): [ids, features, embedded, logits, dropIn out, dropIn mask,
   * (drop out, drop mask) per recurrent layer, dTop].
   */
  private plan(T: number, B: number): number[] {
    const n = T * B;
    const sizes = [
      this.embedding ? n : 0,
      this.embedding ? 0 : n * this.inputSize,
      this.embedding ? n * this.embedding.embeddingDim : 0,
      this.outputRows(T, B) * this.outputSize,
    ];
    const inWidth = this.recurrent[0].inputSize;
    sizes.push(this.dropInput ? n * inWidth : 0, this.dropInput ? n * inWidth : 0);
    for (let i = 0; i < this.recurrent.length; i++) {
      const w = this.recurrent[i].outputSize;
      sizes.push(this.dropAfter[i] ? n * w : 0, this.dropAfter[i] ? n * w : 0);
    }
    const top = this.recurrent[this.recurrent.length - 1];
    const topStates = top.numLayers * top.directions * B * top.hiddenSize;
    // dTop, step mask, last-step head input and its gradient, top-layer final-state buffer
    sizes.push(n * top.outputSize, n, B * top.outputSize, B * top.outputSize, topStates);
    return this.workspace.plan(sizes, this.ptrs);
  }

  /** Indices in {@link plan}'s pointers of the buffers after the per-layer ones. */
  private slots(p: number[]): { dTop: number; mask: number; lastIn: number; dLast: number; dhTop: number } {
    const base = p.length - 5;
    return { dTop: base, mask: base + 1, lastIn: base + 2, dLast: base + 3, dhTop: base + 4 };
  }

  /** lastIn (B, outputSize) = the top layer's final states (its last layer, both directions merged). */
  private gatherLast(B: number, states: number, lastIn: number): void {
    const top = this.recurrent[this.recurrent.length - 1];
    top.copyFinalStates(states, 0);
    const mem = this.backend.heap.all();
    const H = top.hiddenSize;
    const D = top.directions;
    const first = (top.numLayers - 1) * D * B * H;
    const sum = top.merge === 'sum';
    for (let b = 0; b < B; b++) {
      const dst = (lastIn >> 2) + b * top.outputSize;
      for (let d = 0; d < D; d++) {
        const src = (states >> 2) + first + d * B * H + b * H;
        for (let j = 0; j < H; j++) {
          if (sum && d > 0) mem[dst + j] += mem[src + j];
          else mem[dst + (sum ? 0 : d * H) + j] = mem[src + j];
        }
      }
    }
  }

  /** dhT of the top layer (L·D, B, H) from dL/d(last-step head input) (B, outputSize); zeros elsewhere. */
  private scatterLast(B: number, dLast: number, dhT: number): void {
    const top = this.recurrent[this.recurrent.length - 1];
    const mem = this.backend.heap.all();
    const H = top.hiddenSize;
    const D = top.directions;
    mem.fill(0, dhT >> 2, (dhT >> 2) + top.numLayers * D * B * H);
    const first = (top.numLayers - 1) * D * B * H;
    for (let b = 0; b < B; b++) {
      for (let d = 0; d < D; d++) {
        const src = (dLast >> 2) + b * top.outputSize + (top.merge === 'sum' ? 0 : d * H);
        mem.copyWithin((dhT >> 2) + first + d * B * H + b * H, src, src + H);
      }
    }
  }

  private ensureState(B: number): void {
    if (this.stateBatch === B) return;
    const sizes: number[] = [];
    for (const r of this.recurrent) {
      const n = r.numLayers * r.directions * B * r.hiddenSize;
      sizes.push(n, r.cell === 'lstm' ? n : 0);
    }
    this.statePtrs = this.stateWorkspace.plan(sizes, []);
    this.stateBatch = B;
    this.zeroStates();
  }

  private zeroStates(): void {
    const mem = this.backend.heap.all();
    for (let i = 0; i < this.recurrent.length; i++) {
      const r = this.recurrent[i];
      const n = r.numLayers * r.directions * this.stateBatch * r.hiddenSize;
      for (const ptr of [this.statePtrs[2 * i], this.statePtrs[2 * i + 1]])
        if (ptr !== 0) mem.fill(0, ptr >> 2, (ptr >> 2) + n);
    }
  }

  private namedSets(): Array<[string, ParameterSet]> {
    const out: Array<[string, ParameterSet]> = [];
    this.layers.forEach((l, i) => {
      if (l instanceof Dropout) return;
      out.push([String(i), l.params]);
    });
    return out;
  }

  /**
   * Throws, naming `method`, once {@link dispose} has run (a freed model touches no memory), or
   * when one of its layers has been disposed on its own.
   */
  private assertLive(method: string): void {
    if (this.disposedFlag) throw new Error(`SequenceModel.${method}: this model has been disposed`);
    this.layers.forEach((l, i) => {
      if (l instanceof Dropout || !l.disposed) return;
      const name = l instanceof RecurrentLayer ? l.cell.toUpperCase() : l instanceof Dense ? 'Dense' : 'Embedding';
      throw new Error(`SequenceModel.${method}: its layer ${i} (${name}) has been disposed`);
    });
  }

  /** Checks a {@link SavedState} against this model's recurrent layers before anything is written. */
  private checkSavedState(saved: SavedState, where: string): void {
    if (saved === null || typeof saved !== 'object')
      throw new TypeError(
        `${where}: saved must be a SavedState { batch, buffers } from saveState(), received ${describe(saved)}`,
      );
    const B = saved.batch;
    if (typeof B !== 'number' || !Number.isInteger(B) || B < 0)
      throw new RangeError(`${where}: batch must be a non-negative integer, received ${describe(B)}`);
    const count = 2 * this.recurrent.length;
    const { buffers } = saved;
    if (!Array.isArray(buffers) || buffers.length !== count) {
      throw new RangeError(
        `${where}: buffers must be an array of ${count} state buffers (h and c of each of the ${this.recurrent.length} recurrent layers), received ${describe(buffers)}`,
      );
    }
    this.recurrent.forEach((r, i) => {
      const n = r.numLayers * r.directions * B * r.hiddenSize;
      const shape = `numLayers·directions·batch·hiddenSize = ${r.numLayers}·${r.directions}·${B}·${r.hiddenSize}`;
      checkArrayShape(buffers[2 * i], n, `${where}: buffers[${2 * i}] (layer ${i} h)`, shape);
      const c = buffers[2 * i + 1];
      const what = `${where}: buffers[${2 * i + 1}] (layer ${i} c)`;
      if (r.cell === 'lstm') checkArrayShape(c, n, what, shape);
      else if (c === null || typeof c !== 'object' || c.length !== 0)
        throw new RangeError(
          `${what} must be empty (a ${r.cell.toUpperCase()} layer has no cell state), received ${describe(c)}`,
        );
    });
  }
}
