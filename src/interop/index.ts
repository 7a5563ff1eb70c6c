/**
 * strand/interop: models in from and out to PyTorch (`.pt`, safetensors), ONNX and TF.js Layers.
 * @packageDocumentation
 */
export { InteropError, type InteropFormat, type InteropErrorDetails } from './error.ts';
export type { Tensor, TensorDict } from './tensor.ts';
export { reorderGates, transpose, toKerasKernel, fromKerasKernel, gateCount, type GateLayout } from './gates.ts';
export { exportOnnx, type OnnxExportOptions } from './onnx-export.ts';
export {
  readSafetensors,
  writeSafetensors,
  saveSafetensors,
  loadSafetensors,
  type SafetensorsContents,
  type ReadSafetensorsOptions,
  type SaveSafetensorsOptions,
} from './safetensors.ts';
export { readPyTorch, type PyTorchReadOptions } from './pytorch.ts';
export { importTfjs } from './tfjs.ts';
export { importOnnx } from './onnx-import.ts';
export { mapStateDict } from './state-dict.ts';
export {
  inferArchitecture,
  modelFromStateDict,
  type InferArchitectureOptions,
  type ModelFromStateDictOptions,
} from './infer-architecture.ts';
export type { ModelConfig } from '../nn/model.ts';
export type { LayerConfig } from '../nn/layers.ts';
