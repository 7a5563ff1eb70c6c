/**
 * strand: recurrent neural networks (RNN, LSTM, GRU) with WebAssembly SIMD kernels.
 * @packageDocumentation
 */
export { init, createBackend, getBackend, type InitOptions, type Backend, type BackendName } from './backend/index.ts';
export type { Heap, HeapStats } from './backend/heap.ts';
export type { Kernels } from './backend/kernels.ts';
export { manualSeed, Rng } from './nn/rng.ts';
export type { RecurrentInit, WeightInit } from './nn/init.ts';
export type { StateDict } from './nn/params.ts';
export {
  RecurrentLayer, RNN, LSTM, GRU,
  type CellType, type RecurrentOptions, type RNNOptions, type GRUOptions, type ForwardOptions,
  type RecurrentOutput, type RecurrentOutputGrads, type RecurrentInputGrads,
} from './nn/recurrent.ts';
export {
  RecurrentCell, RNNCell, LSTMCell, GRUCell, RecurrentState,
  type CellOptions, type CellGrads, type RecurrentStateJSON,
} from './nn/cells.ts';
