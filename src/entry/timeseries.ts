/**
 * strand/timeseries: sliding windows, chronological splits, a scaler fitted on the training part
 * only, and direct and recursive forecasts with a many-to-one {@link SequenceModel}.
 * @packageDocumentation
 */
// A package entry of its own, like strand/interop: it sets no platform; import `strand` (or
// `strand/inline`) for `init()` and the models.
export {
  windows,
  chronologicalSplit,
  Scaler,
  type Series,
  type Samples,
  type WindowOptions,
  type SplitOptions,
  type Split,
  type ScalerKind,
  type ScalerJSON,
} from '../data/timeseries.ts';
export {
  toTimeMajor,
  toBatches,
  predictWindows,
  forecastDirect,
  forecastRecursive,
  type Window,
  type TimeMajor,
  type NextRow,
} from '../train/forecast.ts';
export type { SequenceModel } from '../nn/model.ts';
