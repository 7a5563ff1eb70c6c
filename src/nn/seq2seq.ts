import type { Backend } from '../backend/backend.ts';
import { BACKEND_OPTION, getBackend } from '../backend/index.ts';
import { Dense } from './dense.ts';
import { Embedding } from './embedding.ts';
import type { ParameterSet } from './params.ts';
import { GRU, LSTM, RNN, type CellType, type RecurrentLayer } from './recurrent.ts';
import { nextSeed } from '../util/rng.ts';
import { Workspace } from './workspace.ts';
import { type Beam, type BeamOptions, beamOptions, runBeamSearch } from './beam-search.ts';
import { describe, positiveInt } from '../util/check.ts';
import { checkOptions, checkValue, custom, int, oneOf, type Schema, type Spec } from '../util/options.ts';
import type { Batch, PreparedBatch } from './trainable.ts';
import { pack, unpack, type NamedTensor } from '../io/container.ts';
import { FormatError } from '../io/format-error.ts';
import { DEFAULT_MAX_PARAMETERS, loadOptions, type LoadOptions } from './checkpoint.ts';
import { writeStepMask } from './write-input.ts';

/** The problem a loader names when a checkpoint's tensors do not fit the architecture its header describes. */
const MISFIT = "the checkpoint's tensors do not fit its model";

/** Options of {@link EncoderDecoder}. */
export interface EncoderDecoderOptions {
  /** Source vocabulary size. */
  sourceVocab: number;
  /** Target vocabulary size (the decoder's classes). */
  targetVocab: number;
  /** Embedding size of both sides; default 32. */
  embed?: number;
  /** Hidden size of encoder and decoder (the encoder's final state initialises the decoder). */
  hidden: number;
  /** Recurrent cell; default `'lstm'`. */
  cell?: CellType;
  /** Stacked layers on each side; default 1. */
  numLayers?: number;
  /** Target id that starts decoding (fed as the decoder's first input). */
  bos: number;
  /** Target id that ends a decoded sequence. */
  eos: number;
  /** Seed of every initialisation. */
  seed?: number;
  /** Backend to live on; default the one chosen by `init()`. */
  backend?: Backend;
}

/** What {@link EncoderDecoderOptions} accepts, option by option (`bos` and `eos` are also checked against `targetVocab`). */
const ENCODER_DECODER_OPTIONS = {
  sourceVocab: int({ min: 1 }),
  targetVocab: int({ min: 1 }),
  embed: int({ min: 1 }),
  hidden: int({ min: 1 }),
  cell: oneOf('lstm', 'gru', 'rnn'),
  numLayers: int({ min: 1 }),
  bos: int({ min: 0 }),
  eos: int({ min: 0 }),
  seed: int(),
  backend: BACKEND_OPTION,
} satisfies Record<keyof EncoderDecoderOptions, Spec>;

/** The options {@link EncoderDecoder} cannot do without. */
const REQUIRED = ['sourceVocab', 'targetVocab', 'hidden', 'bos', 'eos'] as const;

/** What the options of {@link EncoderDecoder.greedy} accept. */
const GREEDY_OPTIONS = {
  batch: int({ min: 1 }),
  lengths: custom('an array of source lengths, one per sequence'),
  maxLength: int({ min: 1 }),
} satisfies Schema;

/** Serialisable description of an {@link EncoderDecoder}'s architecture: its options without seed and backend. */
export interface EncoderDecoderConfig {
  /** Source vocabulary size. */
  sourceVocab: number;
  /** Target vocabulary size. */
  targetVocab: number;
  /** Embedding size of both sides. */
  embed: number;
  /** Hidden size of encoder and decoder. */
  hidden: number;
  /** Recurrent cell of both sides. */
  cell: CellType;
  /** Stacked layers on each side. */
  numLayers: number;
  /** Target id that starts decoding. */
  bos: number;
  /** Target id that ends a decoded sequence. */
  eos: number;
}

/** The fields of an {@link EncoderDecoderConfig} in a checkpoint, all required: the options less seed and backend. */
const { seed: _seed, backend: _backend, ...CONFIG_SCHEMA } = ENCODER_DECODER_OPTIONS;

/**
 * A sequence-to-sequence model (many-to-many unaligned, e.g. translation): an encoder reads the
 * source, its final state initialises a decoder that predicts the target one token at a time.
 * Train with `new Trainer(encdec, …).step({ input: source, target, seqLen, batch, lengths })` (teacher
 * forcing: the decoder sees `bos` then the true previous tokens; target −1 = padding, ignored;
 * `lengths` (B), optional: the source is right-padded and each sequence's encoding is its state
 * at its own length), or `trainer.fit({ x: sources, y: targets })`; decode with {@link greedy} or {@link beamSearch}.
 */
export class EncoderDecoder {
  /** Source embedding. */
  readonly sourceEmbedding: Embedding;
  /** Encoder stack. */
  readonly encoder: RecurrentLayer;
  /** Target embedding. */
  readonly targetEmbedding: Embedding;
  /** Decoder stack. */
  readonly decoder: RecurrentLayer;
  /** Output layer over the target vocabulary. */
  readonly head: Dense;
  /** Always `'softmax'`: the head gives target-token logits. */
  readonly output = 'softmax' as const;
  /** The backend every part lives on. */
  readonly backend: Backend;
  /** Start-of-decoding id. */
  readonly bos: number;
  /** End-of-sequence id. */
  readonly eos: number;
  private readonly workspace: Workspace;
  private readonly ptrs: number[] = [];
  private last: { Ts: number; Tt: number; B: number; decoderOut: number } | null = null;
  private disposedFlag = false;

  constructor(options: EncoderDecoderOptions) {
    const where = 'EncoderDecoder';
    checkOptions(options, ENCODER_DECODER_OPTIONS, where);
    for (const k of REQUIRED) checkValue(options[k], ENCODER_DECODER_OPTIONS[k], where, `options.${k}`);
    const Vs = options.sourceVocab;
    const Vt = options.targetVocab;
    const E = options.embed ?? 32;
    const H = options.hidden;
    const numLayers = options.numLayers ?? 1;
    for (const k of ['bos', 'eos'] as const) {
      const v = options[k];
      if (v >= Vt)
        throw new RangeError(`${where}: options.${k} must be a target id in [0, ${Vt}), received ${describe(v)}`);
    }
    this.bos = options.bos;
    this.eos = options.eos;
    this.backend = options.backend ?? getBackend();
    const seed = options.seed ?? nextSeed();
    const backend = this.backend;
    const cell = options.cell ?? 'lstm';
    const make = (s: number): RecurrentLayer => {
      const o = { inputSize: E, hiddenSize: H, numLayers, seed: s, backend };
      if (cell === 'lstm') return new LSTM(o);
      if (cell === 'gru') return new GRU(o);
      return new RNN(o);
    };
    // an allocation failing part-way frees the parts already built, so the throw leaks nothing
    const built: Array<{ dispose(): void }> = [];
    const keep = <T extends { dispose(): void }>(part: T): T => {
      built.push(part);
      return part;
    };
    try {
      this.sourceEmbedding = keep(new Embedding(Vs, E, { seed: seed + 1, backend }));
      this.encoder = keep(make(seed + 2));
      this.targetEmbedding = keep(new Embedding(Vt, E, { seed: seed + 3, backend }));
      this.decoder = keep(make(seed + 4));
      this.head = keep(new Dense(H, Vt, { seed: seed + 5, backend }));
    } catch (error) {
      for (const part of built) part.dispose();
      throw error;
    }
    this.workspace = new Workspace(backend.heap);
  }

  /** Target vocabulary size. */
  get outputSize(): number {
    return this.head.outFeatures;
  }

  /** @internal every parameter slab. */
  parameterSets(): ParameterSet[] {
    this.assertLive('parameterSets');
    return [
      this.sourceEmbedding.params,
      this.encoder.params,
      this.targetEmbedding.params,
      this.decoder.params,
      this.head.params,
    ];
  }

  /** Number of trainable values. */
  parameterCount(): number {
    this.assertLive('parameterCount');
    return this.parameterSets().reduce((n, s) => n + s.count(), 0);
  }

  /** Sets every gradient to zero. */
  zeroGrad(): void {
    this.assertLive('zeroGrad');
    for (const s of this.parameterSets()) s.zeroGrad();
  }

  /**
   * @internal Trainer.step: `input` = source ids (Ts·B), `target` = target ids (Tt·B), time-major,
   * −1 for padding in the target; `lengths` (B): source lengths of a right-padded source. The decoder is teacher-forced.
   */
  prepare(batch: Batch, where: string): PreparedBatch {
    this.assertLive('prepare');
    const B = positiveInt(batch.batch ?? 1, `${where}: batch`);
    const src = batch.input;
    const tgt = batch.target;
    if (src === null || typeof src !== 'object' || src.length % B !== 0 || src.length === 0) {
      throw new RangeError(
        `${where}: input must hold source ids (seqLen·batch), a multiple of batch = ${B}, received ${describe(src)}`,
      );
    }
    if (tgt === null || typeof tgt !== 'object' || tgt.length % B !== 0 || tgt.length === 0) {
      throw new RangeError(
        `${where}: target must hold target ids (targetLen·batch), a multiple of batch = ${B}, received ${describe(tgt)}`,
      );
    }
    const Ts = src.length / B;
    const Tt = tgt.length / B;
    if (batch.seqLen !== undefined && batch.seqLen !== Ts)
      throw new RangeError(`${where}: seqLen ${batch.seqLen} does not match the source (${Ts} steps of batch ${B})`);
    this.sourceEmbedding.checkIds(src, `${where}: input`);
    this.last = null; // the buffers below hold the last forward's inputs
    const p = this.plan(Ts, Tt, B);
    const mem = this.backend.heap.all();
    const ints = new Int32Array(mem.buffer);
    for (let i = 0; i < Ts * B; i++) ints[(p[4] >> 2) + i] = src[i];
    // decoder input: bos, then the previous target token (padding −1 → bos: its loss is ignored anyway)
    for (let b = 0; b < B; b++) ints[(p[5] >> 2) + b] = this.bos;
    for (let t = 1; t < Tt; t++) {
      for (let b = 0; b < B; b++) {
        const prev = tgt[(t - 1) * B + b];
        if (!(Number.isInteger(prev) && prev >= -1 && prev < this.outputSize)) {
          throw new RangeError(
            `${where}: target must hold ids in [0, ${this.outputSize}) or −1, received ${describe(prev)} at index ${(t - 1) * B + b}`,
          );
        }
        ints[(p[5] >> 2) + t * B + b] = prev < 0 ? this.bos : prev;
      }
    }
    const masked = writeStepMask(mem, p[10], Ts, B, { lengths: batch.lengths }, where);
    return {
      rows: Tt * B,
      forward: () => this.forwardInPlace(Ts, Tt, B, masked ? p[10] : 0),
      backward: (d) => this.backwardInPlace(d),
    };
  }

  /**
   * Greedy decoding of a batch of sources (Ts·B ids, time-major; with `lengths` (B), right-padded):
   * the most likely token at each step, until `eos` or `maxLength`.
   */
  greedy(
    source: ArrayLike<number>,
    options: { batch?: number; maxLength: number; lengths?: ArrayLike<number> },
  ): Int32Array[] {
    this.assertLive('greedy');
    const where = 'EncoderDecoder.greedy';
    checkOptions(options, GREEDY_OPTIONS, where);
    checkValue(options.maxLength, GREEDY_OPTIONS.maxLength, where, 'options.maxLength');
    const B = options.batch ?? 1;
    const maxLength = options.maxLength;
    const { h, c } = this.encode(source, B, where, options.lengths);
    const out: number[][] = Array.from({ length: B }, () => []);
    const done = new Array<boolean>(B).fill(false);
    const prev = new Int32Array(B).fill(this.bos);
    const V = this.outputSize;
    for (let t = 0; t < maxLength && done.includes(false); t++) {
      const logits = this.decodeStep(prev, B, h, c);
      for (let b = 0; b < B; b++) {
        let arg = 0;
        for (let v = 1; v < V; v++) if (logits[b * V + v] > logits[b * V + arg]) arg = v;
        prev[b] = arg;
        if (!done[b]) {
          out[b].push(arg);
          if (arg === this.eos) done[b] = true;
        }
      }
    }
    return out.map((ids) => Int32Array.from(ids));
  }

  /**
   * Beam search for one source sequence, as for language models (one loop, one option vocabulary):
   * keeps the `beamWidth` most likely partial targets (summed log-probabilities); a target that
   * emits `stopAt` (default: `eos`) is finished. Returns the final hypotheses, most likely first.
   */
  beamSearch(source: ArrayLike<number>, options: BeamOptions): Beam[] {
    const where = 'EncoderDecoder.beamSearch';
    this.assertLive('beamSearch');
    const checked = beamOptions(options, where);
    if (checked.stopAt === undefined) checked.stopAt = this.eos;
    const enc = this.encode(source, 1, where);
    const heap = this.backend.heap;
    const L = this.decoder.numLayers;
    const H = this.decoder.hiddenSize;
    // every live hypothesis is one batch row of the decoder's states (L, B, H), kept here between steps
    let stateH = heap.read(enc.h, L * H);
    let stateC = enc.c ? heap.read(enc.c, L * H) : null;
    const step = (tokens: ArrayLike<number>): Float32Array => {
      const B = tokens.length;
      const [h, c] = this.plan(1, 1, B);
      // the kept states must be B rows of (L, B, H): exactly the buffers written here
      if (stateH.length !== L * B * H || (stateC !== null && stateC.length !== L * B * H))
        throw new Error(`${where}: internal error: ${B} hypotheses but states for ${stateH.length / (L * H)}`);
      heap.write(h, stateH);
      if (stateC) heap.write(c, stateC);
      const logits = this.decodeStep(Int32Array.from(tokens), B, h, stateC ? c : 0);
      stateH = heap.read(h, L * B * H);
      if (stateC) stateC = heap.read(c, L * B * H);
      return logits;
    };
    // the states (L, B, H) of the previous step's live rows, reordered so that row i is parents[i]'s
    const takeRows = (from: Float32Array, parents: readonly number[]): Float32Array => {
      const before = from.length / (L * H);
      const to = new Float32Array(L * parents.length * H);
      for (let l = 0; l < L; l++)
        parents.forEach((p, i) => {
          to.set(from.subarray((l * before + p) * H, (l * before + p + 1) * H), (l * parents.length + i) * H);
        });
      return to;
    };
    return runBeamSearch(step([this.bos]), this.outputSize, checked, (parents, tokens) => {
      stateH = takeRows(stateH, parents);
      if (stateC) stateC = takeRows(stateC, parents);
      return step(tokens);
    });
  }

  /** Whether {@link dispose} has run. */
  get disposed(): boolean {
    return this.disposedFlag;
  }

  /** Frees every part. Idempotent; afterwards every other method throws. */
  dispose(): void {
    this.disposedFlag = true;
    this.last = null;
    this.sourceEmbedding.dispose();
    this.encoder.dispose();
    this.targetEmbedding.dispose();
    this.decoder.dispose();
    this.head.dispose();
    this.workspace.dispose();
  }

  // ---------------------------------------------------------------------------------- checkpoints

  /** Serialises architecture and weights into strand's versioned binary format (as {@link SequenceModel.save}). */
  save(): Uint8Array {
    this.assertLive('save');
    return pack(this.checkpointHeader('model'), this.checkpointTensors());
  }

  /** Rebuilds a model from {@link save}'s bytes (or a trainer checkpoint's model part); rejects bad files clearly. */
  static load(bytes: Uint8Array, options: LoadOptions = {}): EncoderDecoder {
    const where = 'EncoderDecoder.load';
    const { backend, limits } = loadOptions(options, where);
    const { header, tensors } = unpack(bytes, where, limits);
    return EncoderDecoder.fromCheckpoint(header, tensors, backend, where, limits);
  }

  /** @internal The architecture of this model. */
  config(): EncoderDecoderConfig {
    this.assertLive('config');
    return {
      sourceVocab: this.sourceEmbedding.numEmbeddings,
      targetVocab: this.outputSize,
      embed: this.sourceEmbedding.embeddingDim,
      hidden: this.encoder.hiddenSize,
      cell: this.encoder.cell,
      numLayers: this.encoder.numLayers,
      bos: this.bos,
      eos: this.eos,
    };
  }

  /** @internal The model's part of a checkpoint header: `kind`, then the architecture under `encoderDecoder`. */
  checkpointHeader(kind: string): { kind: string; encoderDecoder: EncoderDecoderConfig } {
    this.assertLive('checkpointHeader');
    return { kind, encoderDecoder: this.config() };
  }

  /** @internal The model's tensors in a checkpoint, named `model.<part>.<parameter>` (e.g. `model.encoder.weight_ih_l0`). */
  checkpointTensors(): NamedTensor[] {
    this.assertLive('checkpointTensors');
    return this.namedParts().flatMap(([part, set]) =>
      Object.entries(set.stateDict()).map(([name, data]) => ({ name: `model.${part}.${name}`, data })),
    );
  }

  /**
   * @internal Builds a model from a checkpoint's header (`encoderDecoder`) and tensors (the `model.*`
   * ones). The architecture is checked, and its parameter count against the tensors present, before
   * anything is built; a model that does not fit its tensors is disposed.
   * @param limits `maxParameters` (default 50 million)
   */
  static fromCheckpoint(
    header: Record<string, unknown>,
    tensors: Map<string, Float32Array>,
    backend: Backend | undefined,
    where: string,
    limits: { maxParameters?: number } = {},
  ): EncoderDecoder {
    const config = header.encoderDecoder as EncoderDecoderConfig;
    if (config === null || typeof config !== 'object')
      throw new FormatError(where, 'the checkpoint has no encoder-decoder configuration', {
        part: 'header',
        field: 'encoderDecoder',
        expected: 'the encoder-decoder configuration',
        found: describe(config),
      });
    checkOptions(config, CONFIG_SCHEMA, where, 'encoderDecoder');
    for (const key of Object.keys(CONFIG_SCHEMA)) {
      if ((config as unknown as Record<string, unknown>)[key] === undefined)
        throw new TypeError(`${where}: encoderDecoder.${key} is missing`);
    }
    for (const key of ['bos', 'eos'] as const) {
      if (config[key] >= config.targetVocab)
        throw new RangeError(
          `${where}: encoderDecoder.${key} must be a target id in [0, ${config.targetVocab}), received ${config[key]}`,
        );
    }
    let present = 0;
    for (const [name, data] of tensors) if (name.startsWith('model.')) present += data.length;
    const expected = parameterCountOf(config);
    const maxParameters = limits.maxParameters ?? DEFAULT_MAX_PARAMETERS;
    if (expected > maxParameters)
      throw new RangeError(
        `${where}: the checkpoint's model has ${expected} parameter values, above maxParameters = ${maxParameters} (pass a larger options.maxParameters to load it)`,
      );
    if (present !== expected)
      throw new FormatError(where, MISFIT, {
        part: 'tensors',
        expected: `${expected} values in the model tensors (as the header field encoderDecoder declares)`,
        found: `${present}`,
      });
    const model = new EncoderDecoder({ ...config, seed: 0, backend });
    try {
      for (const [part, set] of model.namedParts()) {
        const dict: Record<string, Float32Array> = {};
        for (const [name, data] of tensors)
          if (name.startsWith(`model.${part}.`)) dict[name.slice(7 + part.length)] = data;
        set.loadStateDict(dict, true, `${where}: ${part}`);
      }
    } catch (error) {
      model.dispose();
      const problem = (error as Error).message.replace(`${where}: `, '');
      throw new FormatError(where, MISFIT, {
        part: 'tensors',
        expected: 'the tensors the architecture names',
        found: problem,
      });
    }
    return model;
  }

  /** The parameter slabs by checkpoint name: source embedding, encoder, target embedding, decoder, head. */
  private namedParts(): Array<[string, ParameterSet]> {
    return [
      ['sourceEmbedding', this.sourceEmbedding.params],
      ['encoder', this.encoder.params],
      ['targetEmbedding', this.targetEmbedding.params],
      ['decoder', this.decoder.params],
      ['head', this.head.params],
    ];
  }

  // ------------------------------------------------------------------------------------ internals

  /**
   * [state h, state c, enc h, enc c, source ids, decoder ids, source emb, target emb, logits,
   * dec d-out, source step mask (Ts, B)]. The states come first so their pointers depend on B only, not on the lengths.
   */
  private plan(Ts: number, Tt: number, B: number): number[] {
    const E = this.sourceEmbedding.embeddingDim;
    const H = this.encoder.hiddenSize;
    const state = this.encoder.numLayers * B * H;
    const lstm = this.encoder.cell === 'lstm';
    return this.workspace.plan(
      [
        state,
        lstm ? state : 0,
        state,
        lstm ? state : 0,
        Ts * B,
        Tt * B,
        Ts * B * E,
        Tt * B * E,
        Tt * B * this.outputSize,
        Tt * B * H,
        Ts * B,
      ],
      this.ptrs,
    );
  }

  /**
   * @internal Training forward over the prepared ids: encoder over the source (Ts, B), decoder over
   * the teacher-forced targets (Tt, B) from the encoder's final states, head; returns the logits pointer (Tt·B, V).
   */
  private forwardInPlace(Ts: number, Tt: number, B: number, mask: number): number {
    this.assertLive('forward');
    this.last = null;
    const p = this.plan(Ts, Tt, B);
    this.sourceEmbedding.forwardInPlace(Ts * B, p[4], p[6]);
    this.encoder.forwardInPlace(Ts, B, p[6], 0, 0, mask);
    this.encoder.copyFinalStates(p[2], p[3]);
    this.targetEmbedding.forwardInPlace(Tt * B, p[5], p[7]);
    const out = this.decoder.forwardInPlace(Tt, B, p[7], p[2], p[3]);
    this.head.forwardInPlace(Tt * B, out, this.decoder.hiddenSize, p[8], this.outputSize);
    this.last = { Ts, Tt, B, decoderOut: out };
    return p[8];
  }

  /** @internal Backward from dL/d(logits) (Tt·B, V) through head, decoder and encoder, accumulating gradients. */
  private backwardInPlace(dlogits: number): void {
    this.assertLive('backward');
    if (this.last === null) throw new Error('EncoderDecoder: backward before forward');
    const { Ts, Tt, B, decoderOut: decOut } = this.last;
    const p = this.plan(Ts, Tt, B);
    const H = this.decoder.hiddenSize;
    this.head.backwardInPlace(Tt * B, decOut, H, dlogits, this.outputSize, p[9], H);
    const dDecIn = this.decoder.backwardInPlace(p[9], 0, 0);
    this.targetEmbedding.backwardInPlace(Tt * B, p[5], dDecIn);
    const dState = this.decoder.initialStateGrads();
    const dEncIn = this.encoder.backwardInPlace(0, dState.h, dState.c);
    this.sourceEmbedding.backwardInPlace(Ts * B, p[4], dEncIn);
  }

  /** Runs the encoder on validated source ids; returns pointers of its final states (L, B, H). */
  private encode(
    source: ArrayLike<number>,
    B: number,
    where: string,
    lengths?: ArrayLike<number>,
  ): { h: number; c: number } {
    if (source === null || typeof source !== 'object' || source.length === 0 || source.length % B !== 0) {
      throw new RangeError(
        `${where}: source must hold seqLen·batch ids with batch = ${B}, received ${describe(source)}`,
      );
    }
    this.sourceEmbedding.checkIds(source, `${where}: source`);
    const Ts = source.length / B;
    this.last = null; // the buffers below hold the last training forward's inputs
    const p = this.plan(Ts, 1, B);
    const mem = this.backend.heap.all();
    const masked = writeStepMask(mem, p[10], Ts, B, { lengths }, where);
    const ints = new Int32Array(mem.buffer);
    for (let i = 0; i < Ts * B; i++) ints[(p[4] >> 2) + i] = source[i];
    this.sourceEmbedding.forwardInPlace(Ts * B, p[4], p[6]);
    this.encoder.forwardInPlace(Ts, B, p[6], 0, 0, masked ? p[10] : 0);
    this.encoder.copyFinalStates(p[0], p[1]);
    return { h: p[0], c: p[1] };
  }

  /** One decoder step for B streams from tokens `prev`; states at h / c are advanced in place. */
  private decodeStep(prev: Int32Array, B: number, h: number, c: number): Float32Array {
    this.last = null;
    const p = this.plan(1, 1, B);
    const ints = new Int32Array(this.backend.heap.all().buffer);
    for (let b = 0; b < B; b++) ints[(p[5] >> 2) + b] = prev[b];
    this.targetEmbedding.forwardInPlace(B, p[5], p[7]);
    const out = this.decoder.forwardInPlace(1, B, p[7], h, c);
    this.decoder.copyFinalStates(h, c);
    this.head.forwardInPlace(B, out, this.decoder.hiddenSize, p[8], this.outputSize);
    return this.backend.heap.read(p[8], B * this.outputSize);
  }

  /**
   * Throws, naming `method`, once {@link dispose} has run (a freed model touches no memory), or
   * when one of its parts has been disposed on its own.
   */
  private assertLive(method: string): void {
    if (this.disposedFlag) throw new Error(`EncoderDecoder.${method}: this model has been disposed`);
    const parts = [this.sourceEmbedding, this.encoder, this.targetEmbedding, this.decoder, this.head];
    const names = ['sourceEmbedding', 'encoder', 'targetEmbedding', 'decoder', 'head'];
    parts.forEach((part, i) => {
      if (part.disposed) throw new Error(`EncoderDecoder.${method}: its ${names[i]} has been disposed`);
    });
  }
}

/** Trainable values of an encoder-decoder of this architecture (both embeddings, both stacks with biases, the head). */
function parameterCountOf(c: EncoderDecoderConfig): number {
  const G = (c.cell === 'lstm' ? 4 : c.cell === 'gru' ? 3 : 1) * c.hidden;
  // by arithmetic, not a loop over the layers: a hostile file may claim any number of them
  const stack = G * (c.embed + c.hidden + 2) + (c.numLayers - 1) * G * (2 * c.hidden + 2);
  return (c.sourceVocab + c.targetVocab) * c.embed + 2 * stack + c.targetVocab * (c.hidden + 1);
}
