/**
 * strand: recurrent neural networks (RNN, LSTM, GRU) with WebAssembly SIMD kernels.
 * @packageDocumentation
 */
export {
  init,
  createBackend,
  getBackend,
  type InitOptions,
  type Backend,
  type BackendName,
  type WasmFlavor,
} from './backend/index.ts';
export type { Heap, HeapStats } from './backend/heap.ts';
export type { Kernels } from './backend/kernels.ts';
export type { HeadKernels } from './backend/head-kernels.ts';
export type { AllKernels } from './backend/backend.ts';
export { manualSeed, Rng } from './util/rng.ts';
export type { RecurrentInit, WeightInit } from './nn/init.ts';
export type { StateDict } from './nn/params.ts';
export {
  RecurrentLayer,
  RNN,
  LSTM,
  GRU,
  type CellType,
  type RecurrentOptions,
  type RNNOptions,
  type GRUOptions,
  type ForwardOptions,
  type RecurrentOutput,
  type RecurrentOutputGrads,
  type RecurrentInputGrads,
  type RecurrentConfig,
} from './nn/recurrent.ts';
export {
  RecurrentCell,
  RNNCell,
  LSTMCell,
  GRUCell,
  RecurrentState,
  type CellOptions,
  type CellGrads,
  type RecurrentStateJSON,
} from './nn/cells.ts';
export { Embedding, OneHot, type EmbeddingOptions, type EmbeddingConfig } from './nn/embedding.ts';
export { Dense, type DenseOptions, type DenseConfig } from './nn/dense.ts';
export { Dropout, type DropoutConfig } from './nn/dropout.ts';
export { SequenceModel, type SequenceModelOptions, type SavedState } from './nn/model.ts';
export type { LoadOptions } from './nn/checkpoint.ts';
export { FormatError, type FormatErrorDetails, type FilePart } from './io/format-error.ts';
export type { ModelLayer } from './nn/layers.ts';
export type { Batch, OutputKind, SequenceInput, Trainable } from './nn/trainable.ts';
export { Optimizer, type OptimizerOptions } from './train/optimizer.ts';
export { scheduledLr, type Schedule } from './train/schedule.ts';
export { resetSomeStreams } from './train/state-reset.ts';
export {
  Trainer,
  NonFiniteError,
  type TrainerOptions,
  type StepResult,
  type ProgressEvent,
  type FitOptions,
  type FitResult,
  type Metrics,
  type LossName,
  type EarlyStopping,
  type EpochEvent,
  type SupervisedFitOptions,
  type EvaluateOptions,
} from './train/trainer.ts';
export {
  Vocab,
  PAD,
  UNK,
  EOS,
  tokenize,
  type VocabOptions,
  type VocabJSON,
  type TokenizeOptions,
  type Punctuation,
} from './data/vocab.ts';
export type { SupervisedData, Label } from './train/supervised-data.ts';
export type { MetricName, Scores, ClassScores } from './train/metrics.ts';
export { predictProba, predictClasses, predictValues, type PredictOptions } from './train/predict.ts';
export { generate, stream, type GenerateOptions } from './lm/generate.ts';
export { sampleLogits, type SamplingOptions } from './lm/sample.ts';
export { builtinCorpus } from './data/corpus.ts';
export { EncoderDecoder, type EncoderDecoderOptions } from './nn/seq2seq.ts';
export type { Beam, BeamOptions } from './nn/beam-search.ts';
export {
  logProbability,
  perplexity,
  compare,
  beamSearch,
  type ScoreOptions,
  type SequenceScore,
  type Comparison,
  type BeamSearchOptions,
} from './lm/score.ts';
export {
  gradientFlow,
  type GradientFlowOptions,
  type GradientFlow,
  type LayerFlow,
  type ClipReport,
} from './diagnostics/gradflow.ts';
export {
  gradcheck,
  type GradcheckOptions,
  type GradcheckReport,
  type GradcheckEntry,
} from './diagnostics/gradcheck.ts';
