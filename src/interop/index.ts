/**
 * strand/interop: models in from and out to PyTorch (`.pt`, safetensors), ONNX and TF.js Layers.
 * @packageDocumentation
 */
export { InteropError, type InteropFormat, type InteropErrorDetails } from './error.ts';
export type { Tensor, TensorDict } from './tensor.ts';
export { reorderGates, transpose, toKerasKernel, fromKerasKernel, gateCount, type GateLayout } from './gates.ts';
export { importOnnx } from './onnx-import.ts';
