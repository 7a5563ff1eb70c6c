/**
 * Time series as supervised data: sliding windows, chronological splits and feature scaling. Pure
 * data (plain arrays in, plain arrays out); nothing here touches a model or a backend.
 */
import { describe } from '../util/check.ts';
import { checkOptions, checkValue, custom, int, num, oneOf, type Spec } from '../util/options.ts';

/** A series: T values (univariate) or T rows of F feature values (multivariate, T × F). */
export type Series = readonly number[] | readonly (readonly number[])[];

/** Windowed samples, batch-major: x (N, lookback, F) feature rows, y (N, horizon · targets) values. */
export interface Samples {
  /** x[i]: `lookback` consecutive rows of feature values. */
  x: number[][][];
  /** y[i]: the target values of the `horizon` steps after x[i], step-major (step 0's targets first). */
  y: number[][];
}

/** Options of {@link windows}. */
export interface WindowOptions {
  /** Steps each sample reads (≥ 1). */
  lookback: number;
  /** Steps each sample predicts (≥ 1); default 1. */
  horizon?: number;
  /** Steps between the starts of consecutive samples (≥ 1); default 1. */
  stride?: number;
  /** The feature index(es) to predict; default 0 (the only feature of a univariate series). */
  target?: number | readonly number[];
}

/** Options of {@link chronologicalSplit}: fractions of the samples (or steps) for the later parts. */
export interface SplitOptions {
  /** Fraction for validation, in [0, 1); default 0.2. */
  validation?: number;
  /** Fraction for test, the latest part, in [0, 1); default 0. */
  test?: number;
  /**
   * For a raw series only: steps of the part before that the validation and test parts start
   * with, as inputs (pass your `lookback`); default 0. See {@link chronologicalSplit}.
   */
  context?: number;
}

/** The three parts of a {@link chronologicalSplit}, earliest first; a part not asked for is empty. */
export interface Split<T> {
  /** The earliest part, to fit models and scalers on. */
  train: T;
  /** The part after train. */
  validation: T;
  /** The latest part. */
  test: T;
}

/** A scaler's kind: `'standard'` (x − mean) / std, or `'minmax'` (x − min) / (max − min) into [0, 1]. */
export type ScalerKind = 'standard' | 'minmax';

/** A fitted {@link Scaler} as plain JSON (e.g. for `model.metadata`): scaled = (value − offset) / scale. */
export interface ScalerJSON {
  /** The kind of scaling. */
  kind: ScalerKind;
  /** Per feature: the mean (standard) or minimum (minmax). */
  offset: number[];
  /** Per feature: the standard deviation (standard) or range (minmax); 1 for a constant feature. */
  scale: number[];
}

const FINITE = num();
const KIND = oneOf('standard', 'minmax');
const LIST = custom(
  'a non-empty array of finite numbers',
  (a) => Array.isArray(a) && !!a.length && a.every(Number.isFinite),
);
const SAVED: Record<string, Spec> = { kind: KIND, offset: LIST, scale: LIST };

/**
 * @internal Rows (T × F) of a checked series or window (copies): T values, or T rows of `width`
 * finite values (default: the width of row 0).
 */
export function readSeries(series: unknown, where: string, arg = 'series', width?: number): number[][] {
  if (!Array.isArray(series) || !series.length)
    throw new TypeError(`${where}: ${arg} must be a non-empty array of values or rows, received ${describe(series)}`);
  const flat = !Array.isArray(series[0]);
  const w = width ?? (flat ? 1 : series[0].length);
  return series.map((row: unknown, t) => {
    const at = `${arg}[${t}]`;
    const r = flat ? [row] : row;
    if (!Array.isArray(r) || r.length !== w || !w)
      throw new RangeError(`${where}: ${at} must be a row of ${w || '≥ 1'} values, received ${describe(row)}`);
    r.forEach((v, f) => checkValue(v, FINITE, where, flat ? at : `${at}[${f}]`));
    return r.slice();
  });
}

/** Checked target feature indices (at least one, distinct, each in [0, width)). */
function readTarget(target: unknown, width: number, where: string): number[] {
  const list: unknown[] = [target].flat();
  list.forEach((f, i) =>
    checkValue(f, int({ min: 0, max: width - 1 }), where, `target${Array.isArray(target) ? `[${i}]` : ''}`),
  );
  if (!list.length || new Set(list).size < list.length)
    throw new RangeError(`${where}: target must list distinct feature indices, received ${describe(target)}`);
  return list as number[];
}

const WINDOW_OPTIONS = {
  lookback: int({ min: 1 }),
  horizon: int({ min: 1 }),
  stride: int({ min: 1 }),
  target: custom('a feature index or an array of them'),
};

/**
 * Cuts a series into supervised samples: x[i] is `lookback` consecutive rows, y[i] the target
 * values of the `horizon` steps that follow. The windows are aligned to the end of the series:
 * the last sample's targets end at the last step, and with `stride` > 1 the first
 * (T − lookback − horizon) mod stride steps are read by no sample. Samples are in time order.
 * @param series T values, or T rows of F features (all rows of one width, finite values)
 * @param options lookback, horizon, stride and the target feature(s); unknown options are errors
 * @returns N = ⌊(T − lookback − horizon) / stride⌋ + 1 samples; x (N, lookback, F), y (N, horizon · targets)
 */
export function windows(series: Series, options: WindowOptions): Samples {
  const where = 'windows';
  checkOptions(options, WINDOW_OPTIONS, where);
  checkValue(options.lookback, WINDOW_OPTIONS.lookback, where, 'options.lookback');
  const { lookback, horizon = 1, stride = 1 } = options;
  const rows = readSeries(series, where);
  const target = readTarget(options.target ?? 0, rows[0].length, where);
  const span = lookback + horizon;
  if (span > rows.length)
    throw new RangeError(`${where}: lookback + horizon = ${span} is longer than the series (${rows.length} steps)`);
  const n = Math.floor((rows.length - span) / stride) + 1;
  const first = rows.length - span - (n - 1) * stride;
  const out: Samples = { x: [], y: [] };
  for (let i = 0; i < n; i++) {
    const start = first + i * stride;
    out.x.push(rows.slice(start, start + lookback).map((r) => r.slice()));
    out.y.push(rows.slice(start + lookback, start + span).flatMap((r) => target.map((f) => r[f])));
  }
  return out;
}

const SPLIT_OPTIONS = {
  validation: num({ min: 0, max: 1, exclusiveMax: true }),
  test: num({ min: 0, max: 1, exclusiveMax: true }),
  context: int({ min: 0 }),
};

function isSamples(v: unknown): v is Samples {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && 'x' in v && 'y' in v;
}

/**
 * Splits samples (from {@link windows}) or a raw series into train, validation and test parts in
 * time order: no shuffling; the counts are round(n · validation) and round(n · test), train the rest.
 *
 * Splitting a raw series before windowing: the parts are consecutive time ranges, and with
 * `context: c` the validation and test parts also start with the c steps before them (inputs only).
 * Windowing each part with `lookback` = c then gives samples whose targets all lie in that part,
 * the first predicting the part's first step; no training sample has a target in a later part.
 * With c = 0 no window crosses a boundary: the first lookback steps of each part are inputs only.
 * @param data samples `{ x, y }` or a series (values or rows); not modified (parts are copies)
 * @param options validation / test fractions, context steps; every requested part must get ≥ 1 item
 */
export function chronologicalSplit<T extends Samples | Series>(data: T, options: SplitOptions = {}): Split<T> {
  const where = 'chronologicalSplit';
  checkOptions(options, SPLIT_OPTIONS, where);
  const { validation = 0.2, test = 0, context = 0 } = options;
  const samples = isSamples(data);
  if (samples) {
    if (!Array.isArray(data.x) || !Array.isArray(data.y) || data.x.length !== data.y.length || context)
      throw new TypeError(`${where}: data.x and data.y must be arrays of equal length, and no context`);
  } else readSeries(data, where, 'data');
  const n = samples ? data.x.length : (data as Series).length;
  const nVal = Math.round(n * validation);
  const nTest = Math.round(n * test);
  const nTrain = n - nVal - nTest;
  if (nTrain < 1 || (validation > 0 && nVal < 1) || (test > 0 && nTest < 1))
    throw new RangeError(
      `${where}: ${n} items give train ${nTrain}, validation ${nVal}, test ${nTest}; each part needs 1`,
    );
  const part = (from: number, to: number): T => {
    if (samples) return { x: data.x.slice(from, to), y: data.y.slice(from, to) } as T;
    const start = from && to > from ? Math.max(0, from - context) : from; // later parts start with context
    return (data as Series).slice(start, to).map((r) => (Array.isArray(r) ? r.slice() : r)) as unknown as T;
  };
  return {
    train: part(0, nTrain),
    validation: part(nTrain, nTrain + nVal),
    test: part(nTrain + nVal, n),
  };
}

/**
 * Per-feature scaling fitted on the training part only, so that no statistic of later data leaks
 * into training: standard (mean 0, standard deviation 1; population std) or min-max (into [0, 1]).
 * A constant feature gets scale 1. Save it with the model: `model.metadata.scaler = scaler.toJSON()`.
 */
export class Scaler {
  /** The kind of scaling. */
  readonly kind: ScalerKind;
  private offset: number[] = [];
  private scale: number[] = [];

  /** @param kind `'standard'` (default) or `'minmax'` */
  constructor(kind: ScalerKind = 'standard') {
    checkValue(kind, KIND, 'Scaler', 'kind');
    this.kind = kind;
  }

  /** Features fitted (0 before {@link fit}). */
  get features(): number {
    return this.offset.length;
  }

  /**
   * Learns the per-feature statistics of `train` (the training part alone: never include validation
   * or test data). A rejected call leaves the scaler as it was.
   * @param train T values or T rows of F features
   */
  fit(train: Series): this {
    const rows = readSeries(train, 'Scaler.fit', 'train');
    const offset: number[] = [];
    const scale: number[] = [];
    for (let f = 0; f < rows[0].length; f++) {
      const col = rows.map((r) => r[f]);
      let a: number;
      let s: number;
      if (this.kind === 'minmax') {
        a = col.reduce((p, v) => Math.min(p, v));
        s = col.reduce((p, v) => Math.max(p, v)) - a;
      } else {
        a = col.reduce((p, v) => p + v, 0) / col.length;
        s = Math.sqrt(col.reduce((p, v) => p + (v - a) ** 2, 0) / col.length);
      }
      offset.push(a);
      scale.push(s > 0 && Number.isFinite(s) ? s : 1);
    }
    this.offset = offset;
    this.scale = scale;
    return this;
  }

  /**
   * Scales data: a series of the fitted width (values for one feature, else rows of F), or, with
   * `target`, values of those features only: element j of a flat array (or of each row) belongs to
   * feature target[j mod targets], the layout of {@link Samples.y} and of forecasts.
   */
  transform(data: ArrayLike<number>, target?: number | readonly number[]): number[];
  /** Scales rows (T × F, or with `target` each row laid out like {@link Samples.y}). */
  transform(data: readonly (readonly number[])[], target?: number | readonly number[]): number[][];
  transform(data: Series | ArrayLike<number>, target?: number | readonly number[]): number[] | number[][] {
    return this.map(data, target, false, 'Scaler.transform');
  }

  /** Undoes {@link transform} (e.g. on a model's scaled predictions, with `target`); same arguments. */
  inverseTransform(data: ArrayLike<number>, target?: number | readonly number[]): number[];
  /** Undoes {@link transform} on rows. */
  inverseTransform(data: readonly (readonly number[])[], target?: number | readonly number[]): number[][];
  inverseTransform(data: Series | ArrayLike<number>, target?: number | readonly number[]): number[] | number[][] {
    return this.map(data, target, true, 'Scaler.inverseTransform');
  }

  private map(data: unknown, target: unknown, inverse: boolean, where: string): number[] | number[][] {
    const F = this.features;
    if (!F) throw new Error(`${where}: not fitted; call fit(train) first`);
    const list = data as ArrayLike<unknown>;
    if (typeof list?.length !== 'number')
      throw new TypeError(`${where}: data must be an array of values or rows, received ${describe(data)}`);
    const nested = typeof list[0] === 'object';
    if (!nested && target === undefined && F > 1)
      throw new RangeError(`${where}: flat data needs a target (the scaler has ${F} features)`);
    const features = target === undefined ? (nested ? null : [0]) : readTarget(target, F, where);
    const k = features?.length ?? F;
    const row = (r: unknown, at: string): number[] => {
      const values = r as ArrayLike<unknown>;
      if (features ? values?.length % k : values?.length !== k)
        throw new RangeError(
          `${where}: data${at} must have ${features ? 'a multiple of ' : ''}${k} values, received ${describe(r)}`,
        );
      return Array.from(values, (v, j) => {
        checkValue(v, FINITE, where, `data${at}[${j}]`);
        const f = features ? features[j % k] : j;
        return inverse
          ? (v as number) * this.scale[f] + this.offset[f]
          : ((v as number) - this.offset[f]) / this.scale[f];
      });
    };
    return nested ? Array.from(list, (r, t) => row(r, `[${t}]`)) : row(list, '');
  }

  /** The fitted statistics as plain JSON, for `model.metadata`; {@link Scaler.fromJSON} reads it back. */
  toJSON(): ScalerJSON {
    if (!this.features) throw new Error('Scaler.toJSON: not fitted; call fit(train) first');
    return { kind: this.kind, offset: this.offset.slice(), scale: this.scale.slice() };
  }

  /** A scaler from {@link toJSON}'s output, checked (kind, equal non-empty lists, finite values, scales > 0). */
  static fromJSON(json: ScalerJSON): Scaler {
    const where = 'Scaler.fromJSON';
    checkOptions(json, SAVED, where, 'json');
    for (const key in SAVED) checkValue(json[key as keyof ScalerJSON], SAVED[key], where, `json.${key}`);
    const { kind, offset, scale } = json;
    if (offset.length !== scale.length || !scale.every((v) => v > 0))
      throw new RangeError(`${where}: json.scale must hold ${offset.length} values > 0, received ${scale}`);
    const scaler = new Scaler(kind);
    scaler.offset = offset.slice();
    scaler.scale = scale.slice();
    return scaler;
  }
}
