/**
 * Converts strand's parameters (PyTorch layout: `weight_ih_l0` (G, I), `weight_hh_l0` (G, H),
 * `bias_ih_l0`, `bias_hh_l0` (G); LSTM gates i, f, g, o; GRU r, z, n; Dense `weight` (O, H),
 * `bias` (O)) into the layouts the peers load. The TF.js / Keras recurrent conversion is the one
 * the reference tests already use (test/reference/tfjs-stack.ts); this file adds ONNX (gate order
 * from strand/interop), brain.js and the Keras dense head.
 */
import type { StateDict } from '../../src/index.ts';
import { reorderGates } from '../../src/interop/gates.ts';
import type { Params64, RecurrentSpec } from '../../test/reference/recurrent64.ts';
import { toKerasWeights } from '../../test/reference/tfjs-stack.ts';
import type { OnnxLstmWeights } from './onnx.ts';

/** A strand state dict as the float64 records the reference helpers take. */
export function toParams64(dict: StateDict): Params64 {
  const out: Params64 = {};
  for (const [name, values] of Object.entries(dict)) out[name] = Float64Array.from(values);
  return out;
}

/** Keras `[kernel (I, G), recurrent_kernel (H, G), bias (G)]` of a one-layer, one-direction recurrent layer. */
export function kerasRecurrentWeights(spec: RecurrentSpec, dict: StateDict): Float32Array[] {
  if (spec.numLayers !== 1 || spec.bidirectional)
    throw new RangeError('kerasRecurrentWeights: one layer, one direction only');
  return toKerasWeights(spec, toParams64(dict), 0, 0);
}

/** Keras dense `[kernel (in, out), bias (out)]` from a strand Dense `weight` (out, in) and `bias` (out). */
export function kerasDenseWeights(dict: StateDict, inFeatures: number, outFeatures: number): Float32Array[] {
  const w = dict.weight;
  if (w.length !== inFeatures * outFeatures)
    throw new RangeError(`kerasDenseWeights: weight has ${w.length} values, expected ${outFeatures}×${inFeatures}`);
  const kernel = new Float32Array(inFeatures * outFeatures);
  for (let o = 0; o < outFeatures; o++) {
    for (let i = 0; i < inFeatures; i++) kernel[i * outFeatures + o] = w[o * inFeatures + i];
  }
  return [kernel, Float32Array.from(dict.bias)];
}

/** ONNX `LSTM` W, R, B from a one-layer strand LSTM's state dict. */
export function onnxLstmWeights(dict: StateDict, I: number, H: number): OnnxLstmWeights {
  const B = new Float32Array(8 * H);
  const onnx = (m: Float32Array, cols: number) => reorderGates(m, 'lstm', 'onnx', H, cols, true);
  B.set(onnx(dict.bias_ih_l0, 1), 0);
  B.set(onnx(dict.bias_hh_l0, 1), 4 * H);
  return { W: onnx(dict.weight_ih_l0, I), R: onnx(dict.weight_hh_l0, H), B };
}

/** Rows [block·H, (block+1)·H) of a (G, cols) matrix, as a fresh array. */
function gateBlock(m: Float32Array, block: number, H: number, cols: number): Float32Array {
  return m.slice(block * H * cols, (block + 1) * H * cols);
}

/** Element-wise a + b. */
function sum(a: Float32Array, b: Float32Array): Float32Array {
  return Float32Array.from(a, (v, i) => v + b[i]);
}

/**
 * brain.js 1.6.1 GRU hidden-layer matrices (all (rows, cols) row-major, weights as out × in like
 * PyTorch) from a strand GRU with resetAfter = false: brain.js computes
 * z = σ(W_z x + U_z h + b_z), r = σ(W_r x + U_r h + b_r), n = tanh(W_n x + U_n (r∘h) + b_n),
 * h' = (1 − z)∘n + z∘h — PyTorch's reset-before form with each bias pair summed.
 */
export function brainGruLayer(dict: StateDict, I: number, H: number): Record<string, Float32Array> {
  const wi = dict.weight_ih_l0;
  const wh = dict.weight_hh_l0;
  const bias = (p: number) => sum(gateBlock(dict.bias_ih_l0, p, H, 1), gateBlock(dict.bias_hh_l0, p, H, 1));
  return {
    resetGateInputMatrix: gateBlock(wi, 0, H, I),
    resetGateHiddenMatrix: gateBlock(wh, 0, H, H),
    resetGateBias: bias(0),
    updateGateInputMatrix: gateBlock(wi, 1, H, I),
    updateGateHiddenMatrix: gateBlock(wh, 1, H, H),
    updateGateBias: bias(1),
    cellWriteInputMatrix: gateBlock(wi, 2, H, I),
    cellWriteHiddenMatrix: gateBlock(wh, 2, H, H),
    cellWriteBias: bias(2),
  };
}

/** brain.js 1.6.1 RNN hidden-layer matrices (h' = relu(W x + U h + b)) from a strand RNN. */
export function brainRnnLayer(dict: StateDict): Record<string, Float32Array> {
  return {
    weight: Float32Array.from(dict.weight_ih_l0),
    transition: Float32Array.from(dict.weight_hh_l0),
    bias: sum(dict.bias_ih_l0, dict.bias_hh_l0),
  };
}
