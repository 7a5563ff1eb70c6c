// Small models and data for the training safety tests, one of each kind the Trainer trains: a token
// language model (with dropout, so generator positions matter), a many-to-one feature model, and
// an encoder-decoder; plus bit-exact snapshots of everything an update or a load may change.
// Page-safe: no Node imports.
import type { Backend } from '../../src/backend/backend.ts';
import {
  Dense,
  Dropout,
  EncoderDecoder,
  Embedding,
  GRU,
  LSTM,
  SequenceModel,
  type Batch,
  type Trainable,
  type Trainer,
} from '../../src/index.ts';
import { randomArray } from '../helpers/backends.ts';
import { sameBits } from '../train/util.ts';

/** Vocabulary of the token model. */
export const V = 7;

/** A token language model: Embedding, LSTM, Dropout, GRU, Dense at every step. */
export function tokenModel(backend: Backend, seed = 1): SequenceModel {
  return new SequenceModel({
    layers: [
      new Embedding(V, 5, { seed, backend }),
      new LSTM(5, 6, { seed: seed + 1, backend }),
      new Dropout(0.25, { seed: seed + 2 }),
      new GRU(6, 5, { seed: seed + 3, backend }),
      new Dense(5, V, { seed: seed + 4, backend }),
    ],
  });
}

/** Features per step of the feature model. */
export const I = 3;

/** A many-to-one regression model on features: LSTM, Dropout, GRU, a linear head at the last step. */
export function featureModel(backend: Backend, seed = 1): SequenceModel {
  return new SequenceModel({
    layers: [
      new LSTM(I, 5, { seed, backend }),
      new Dropout(0.2, { seed: seed + 1 }),
      new GRU(5, 4, { seed: seed + 2, backend }),
      new Dense(4, 2, { at: 'last', seed: seed + 3, backend }),
    ],
    output: 'linear',
  });
}

/** A small encoder-decoder (source vocabulary 6, target vocabulary 7, bos 0, eos 1). */
export function seq2seqModel(backend: Backend, seed = 1): EncoderDecoder {
  return new EncoderDecoder({
    sourceVocab: 6,
    targetVocab: 7,
    embed: 4,
    hidden: 5,
    cell: 'lstm',
    numLayers: 2,
    bos: 0,
    eos: 1,
    seed,
    backend,
  });
}

/** A seeded token stream of `n` ids in [0, V). */
export function tokenStream(n: number, seed = 3): Int32Array {
  const u = randomArray(n, seed, 0, 1);
  return Int32Array.from(u, (x, i) => (Math.floor(x * V) + (i % 3)) % V);
}

/** `n` seeded batches for the feature model: T = 4 steps, B = 3 sequences, 2 targets each. */
export function featureBatches(n: number, stateful = false, seed = 11): Batch[] {
  return Array.from({ length: n }, (_, i) => ({
    input: randomArray(4 * 3 * I, seed + 2 * i, -1, 1),
    target: randomArray(3 * 2, seed + 2 * i + 1, -1, 1),
    seqLen: 4,
    batch: 3,
    ...(stateful ? { stateful: true } : {}),
  }));
}

/** `n` seeded batches for the encoder-decoder: 4 source steps, 3 target steps, B = 2. */
export function seq2seqBatches(n: number, seed = 21): Batch[] {
  return Array.from({ length: n }, (_, i) => {
    const u = randomArray(14, seed + i, 0, 1);
    return {
      input: Int32Array.from(u.subarray(0, 8), (x) => Math.floor(x * 6)),
      target: Int32Array.from(u.subarray(8), (x) => Math.floor(x * 7)),
      seqLen: 4,
      batch: 2,
    };
  });
}

/** Every parameter of a model, concatenated in parameter-set order. */
export function weights(model: Trainable): Float32Array {
  const parts = model.parameterSets().flatMap((s) => Object.values(s.stateDict()));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Every optimizer state value of a trainer, concatenated in slab order. */
export function optimizerState(trainer: Trainer<Trainable>): Float32Array {
  const heap = trainer.model.backend.heap;
  const parts = trainer.optimizer.stateSlabs().map((s) => heap.read(s.ptr, s.size));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The carried state of a sequence model, concatenated (empty when it carries none). */
export function carried(model: Trainable): Float32Array {
  if (!(model instanceof SequenceModel)) return new Float32Array(0);
  const s = model.saveState();
  const out = new Float32Array(s.buffers.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of s.buffers) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** Everything of a trainer an update changes: weights, optimizer state, step count, carried state. */
export interface TrainerSnapshot {
  weights: Float32Array;
  optimizer: Float32Array;
  stepCount: number;
  carried: Float32Array;
}

/** A bit-exact copy of what an update of `trainer` changes. */
export function snapshot(trainer: Trainer<Trainable>): TrainerSnapshot {
  return {
    weights: weights(trainer.model),
    optimizer: optimizerState(trainer),
    stepCount: trainer.optimizer.stepCount,
    carried: carried(trainer.model),
  };
}

/** Whether two snapshots are bit for bit the same; the first difference otherwise. */
export function difference(a: TrainerSnapshot, b: TrainerSnapshot): string {
  if (a.stepCount !== b.stepCount) return `stepCount ${a.stepCount} vs ${b.stepCount}`;
  for (const k of ['weights', 'optimizer', 'carried'] as const) if (!sameBits(a[k], b[k])) return `${k} differ`;
  return '';
}
