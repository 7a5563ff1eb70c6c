/**
 * The data position of a {@link Trainer.fit}: where in its data a run stands after each update —
 * epoch, place in the epoch, the epoch's loss so far, the patience count and the shuffling
 * generator — saved with the trainer so that a stopped run resumes exactly where it stopped. The
 * carried recurrent state (the TBPTT carry) is saved beside it as tensors. Also: the data's
 * fingerprint, to refuse resuming on other data, and the shuffled order of an epoch.
 */
import type { Batch } from '../nn/trainable.ts';
import { checkOptions, custom, int, num, oneOf, type Schema } from '../util/options.ts';
import type { Rng } from '../util/rng.ts';

/** Where a fit stands in its data, after its last update. JSON-serialisable. */
export interface FitPosition {
  /** A token stream (read in `batchSize` parallel streams, in TBPTT windows) or a list of batches. */
  data: 'tokens' | 'batches';
  /** Tokens in the stream, or batches in the list. */
  size: number;
  /** A 32-bit hash of the data (see {@link tokensFingerprint}, {@link batchesFingerprint}). */
  fingerprint: number;
  /** The epoch in progress, 1-based (at its start when `offset` is 0). */
  epoch: number;
  /**
   * How far the epoch has gone: for tokens, the position in every stream up to which windows have
   * been trained (the end of the last window); for batches, the batches done in the epoch's order.
   */
  offset: number;
  /** The sum of the epoch's update losses so far. */
  lossSum: number;
  /** The epoch's updates so far. */
  updates: number;
  /** The best validation loss of the run so far (null: none yet). */
  best: number | null;
  /** Epochs since the validation loss last improved. */
  badEpochs: number;
  /** The shuffling generator's position at the start of the epoch (batches with `shuffle`), else null. */
  shuffle: [number, number | null] | null;
}

/** The first position of a run. */
export function startPosition(
  data: 'tokens' | 'batches',
  size: number,
  fingerprint: number,
  shuffle: Rng | null,
): FitPosition {
  return {
    data,
    size,
    fingerprint,
    epoch: 1,
    offset: 0,
    lossSum: 0,
    updates: 0,
    best: null,
    badEpochs: 0,
    shuffle: shuffle ? shuffle.snapshot() : null,
  };
}

const FNV_PRIME = 16777619;
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/** Mixes the bits of one number into a 32-bit FNV-1a hash. */
function mix(hash: number, value: number): number {
  bits[0] = value;
  return Math.imul(Math.imul(hash ^ words[0], FNV_PRIME) ^ words[1], FNV_PRIME) >>> 0;
}

/** Mixes an array's length and values (absent: a marker) into a hash. */
function mixArray(hash: number, values: ArrayLike<number> | undefined): number {
  if (values === undefined || values === null) return mix(hash, -1);
  let h = mix(hash, values.length);
  for (let i = 0; i < values.length; i++) h = mix(h, values[i]);
  return h;
}

/** A 32-bit hash of a token stream. */
export function tokensFingerprint(tokens: ArrayLike<number>): number {
  return mixArray(2166136261, tokens);
}

/** A 32-bit hash of a list of batches: every field that decides what an update sees. */
export function batchesFingerprint(batches: readonly Batch[]): number {
  let h = mix(2166136261, batches.length);
  for (const b of batches) {
    h = mixArray(h, b.input);
    h = mixArray(h, b.target);
    h = mixArray(h, b.mask);
    h = mixArray(h, b.lengths);
    h = mix(h, b.seqLen ?? -1);
    h = mix(h, b.batch ?? -1);
    h = mix(h, b.stateful === true ? 1 : 0);
  }
  return h;
}

/** The visiting order of `n` batches: drawn from `rng` (Fisher–Yates), or in order without one. */
export function epochOrder(n: number, rng: Rng | null): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (rng === null) return order;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

const isSnapshot = (v: unknown): boolean =>
  v === null ||
  (Array.isArray(v) &&
    v.length === 2 &&
    Number.isInteger(v[0]) &&
    v[0] >= 0 &&
    v[0] < 2 ** 32 &&
    (v[1] === null || Number.isFinite(v[1])));

/** The fields of a saved position. */
const POSITION: Schema = {
  data: oneOf('tokens', 'batches'),
  size: int({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  fingerprint: int({ min: 0, max: 2 ** 32 - 1 }),
  epoch: int({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  offset: int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  lossSum: num(),
  updates: int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  best: custom('a finite number or null', (v) => v === null || Number.isFinite(v)),
  badEpochs: int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  shuffle: custom('a generator position [state, spare] or null', isSnapshot),
};

/**
 * Checks a position read from a checkpoint (at `path`) against the trainer it comes with — its
 * TBPTT window `k1` and `batchSize` — and returns it; throws strand's error naming `where` and the field.
 */
export function checkPosition(value: unknown, where: string, path: string, k1: number, batchSize: number): FitPosition {
  checkOptions(value, POSITION, where, path);
  for (const key of Object.keys(POSITION)) {
    if ((value as Record<string, unknown>)[key] === undefined)
      throw new TypeError(`${where}: ${path}.${key} is missing`);
  }
  const p = value as FitPosition;
  const tokens = p.data === 'tokens';
  // an epoch of tokens has one update per window of k1 steps of each of batchSize streams
  const length = tokens ? Math.floor((p.size - 1) / batchSize) : p.size;
  const updates = tokens ? Math.ceil(p.offset / k1) : p.offset;
  const fail = (what: string): never => {
    throw new RangeError(`${where}: ${path} is inconsistent: ${what}`);
  };
  if (length < 1 || p.offset > length) fail(`offset ${p.offset} is past the end of an epoch (${length})`);
  if (tokens && p.offset % k1 !== 0 && p.offset !== length) fail(`offset ${p.offset} is not the end of a window`);
  if (p.updates !== updates) fail(`${p.updates} updates cannot reach offset ${p.offset}`);
  if ((tokens ? p.shuffle : p.best) !== null) fail(`${p.data} have no ${tokens ? 'shuffle' : 'validation'}`);
  return { ...p, shuffle: p.shuffle === null ? null : [p.shuffle[0], p.shuffle[1]] };
}
