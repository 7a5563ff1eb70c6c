/**
 * TensorFlow.js (cpu backend, float32) as an independent implementation of the recurrent layers,
 * driven with PyTorch-layout parameters (the same `Params64` records as `recurrent64.ts`).
 *
 * Each (layer, direction) is one Keras-style layer (`tf.layers.lstm / gru / simpleRNN`,
 * `returnSequences` and `returnState` on, `recurrentActivation: 'sigmoid'` because TF.js defaults
 * to hard-sigmoid). Stacking and the reverse direction are composed here from TF.js ops: the reverse
 * direction runs a forward layer on the input reversed in time and reverses its output sequence
 * back, so its output at time t is the state after it consumed x_{T-1} … x_t, like PyTorch's.
 *
 * Weight conversion (Keras kernel layout is (I, G), i.e. transposed):
 * - LSTM: kernel = W_ihᵀ, recurrent_kernel = W_hhᵀ; Keras gate order i, f, c, o equals PyTorch's
 *   i, f, g, o; the single bias = b_ih + b_hh.
 * - SimpleRNN: kernel = W_ihᵀ, recurrent_kernel = W_hhᵀ, bias = b_ih + b_hh.
 * - GRU: Keras gate order z, r, h versus PyTorch r, z, n, so the first two column blocks swap.
 *   TF.js 4.22's GRUCell throws on `resetAfter: true` (tfjs-layers/dist/layers/recurrent.js,
 *   "GRUCell does not support reset_after parameter set to true"); it implements only the
 *   reset-before form h̃ = tanh(x W_h + b_h + (r∘h) U_h) with one bias. That is PyTorch-layout
 *   resetAfter = false with b_h = b_in + b_hn (b_hn is added after the matrix product, so it
 *   merges with b_in), and the r, z biases likewise sum. So ONLY resetAfter = false can be
 *   compared with TF.js; the reset-after form is checked against the float64 reference alone.
 *
 * Because every bias enters only through b_ih + b_hh in all three comparable forms, the gradient
 * of the one Keras bias is at once dL/db_ih and dL/db_hh; `tfjsRun` reports it under both names.
 */
import * as tf from '@tensorflow/tfjs';
import { fromKerasKernel, reorderGates, toKerasKernel } from '../../src/interop/gates.ts';
import {
  layerInputSize,
  numDirections,
  paramShapes,
  paramSuffix,
  type Forward64,
  type Grads64,
  type LossWeights64,
  type Params64,
  type RecurrentSpec,
  type RunSpec,
} from './recurrent64.ts';

export { tf };

/** Selects TF.js's cpu backend and silences its "install the node backend" hint (prod mode). */
export async function initTfjs(): Promise<void> {
  // The hint is printed through tfjs-core's `warn`, which prod mode mutes; prod mode also skips
  // debug-only checks, which the comparisons here do not rely on.
  tf.enableProdMode();
  await tf.setBackend('cpu');
  await tf.ready();
}

/**
 * PyTorch-layout weights of (layer, direction) → Keras `[kernel (I, G), recurrent_kernel (H, G),
 * bias (G)?]` as float32 arrays (gates.ts `toKerasKernel` / `reorderGates` do the layout).
 */
export function toKerasWeights(
  spec: RecurrentSpec,
  params: Params64,
  layer: number,
  direction: number,
): Float32Array[] {
  const H = spec.hiddenSize;
  const I = layerInputSize(spec, layer);
  const s = paramSuffix(layer, direction);
  const weights = [
    toKerasKernel(params[`weight_ih${s}`], spec.cell, H, I),
    toKerasKernel(params[`weight_hh${s}`], spec.cell, H, H),
  ];
  if (spec.bias) {
    // summed in float64, rounded once to float32 by reorderGates
    const sum = params[`bias_ih${s}`].map((b, i) => b + params[`bias_hh${s}`][i]);
    weights.push(reorderGates(sum, spec.cell, 'keras', H, 1, true));
  }
  return weights;
}

/** A Keras-layout gradient (cols, G) → PyTorch layout (G, cols) (the inverse of the conversion above). */
function fromKerasGrad(spec: RecurrentSpec, keras: Float32Array, cols: number): Float64Array {
  return Float64Array.from(fromKerasKernel(keras, spec.cell, spec.hiddenSize, cols));
}

function makeLayer(spec: RecurrentSpec): tf.layers.Layer {
  const common = {
    units: spec.hiddenSize,
    returnSequences: true,
    returnState: true,
    useBias: spec.bias,
    kernelInitializer: 'zeros',
    recurrentInitializer: 'zeros',
    biasInitializer: 'zeros',
  } as const;
  if (spec.cell === 'lstm') return tf.layers.lstm({ ...common, recurrentActivation: 'sigmoid', unitForgetBias: false });
  if (spec.cell === 'gru') {
    if (spec.resetAfter ?? true) throw new Error('TF.js 4.22 implements only the reset-before GRU (resetAfter: false)');
    // resetAfter is not in TF.js's GRULayerArgs type; the reset-before form is what it runs.
    return tf.layers.gru({ ...common, recurrentActivation: 'sigmoid' });
  }
  return tf.layers.simpleRNN({ ...common, activation: spec.nonlinearity ?? 'tanh' });
}

/** TF.js's results, converted to the reference's layouts and names. */
export interface TfjsResult extends Forward64 {
  /** L and its gradients (present when loss weights were given). */
  grads?: Grads64;
}

/**
 * Runs the stack described by `spec` in TF.js with PyTorch-layout `params` on x (T, B, I),
 * h0 / c0 (L·D, B, H) (zeros when absent). With `weights`, also computes
 * L = Σ output∘Wo + Σ hN∘Wh + Σ cN∘Wc and its gradients (tf.variableGrads) with respect to x,
 * h0, c0 and every parameter, returned in PyTorch layout. Everything TF.js allocates is disposed.
 */
export function tfjsRun(
  spec: RunSpec,
  params: Params64,
  x: Float64Array,
  h0?: Float64Array,
  c0?: Float64Array,
  weights?: LossWeights64,
): TfjsResult {
  const { seqLen: T, batch: B, inputSize: I0, hiddenSize: H, numLayers: L } = spec;
  const D = numDirections(spec);
  const isLstm = spec.cell === 'lstm';
  const layers: tf.layers.Layer[][] = [];
  for (let k = 0; k < L; k++) {
    const row: tf.layers.Layer[] = [];
    for (let d = 0; d < D; d++) {
      const layer = makeLayer(spec);
      // Build by one call on zeros (calling layer.build() directly and then apply() builds the
      // cell twice in TF.js 4.22 and throws "Duplicate weight name").
      tf.tidy(() => {
        layer.apply(tf.zeros([B, T, layerInputSize(spec, k)]));
      });
      const ws = toKerasWeights(spec, params, k, d);
      const shapes = [
        [layerInputSize(spec, k), ws[0].length / layerInputSize(spec, k)],
        [H, ws[1].length / H],
        [ws[2]?.length ?? 0],
      ];
      const tensors = ws.map((w, i) => tf.tensor(w, shapes[i]));
      layer.setWeights(tensors);
      tf.dispose(tensors);
      row.push(layer);
    }
    layers.push(row);
  }
  const stateShape = [L * D, B, H];
  const stateVar = (v: Float64Array | undefined, name: string): tf.Variable =>
    tf.tidy(() =>
      tf.variable(tf.tensor(v ? Float32Array.from(v) : new Float32Array(L * D * B * H), stateShape), true, name),
    );
  const xVar: tf.Variable = tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(x), [T, B, I0]), true, 'x_input'));
  const h0Var = stateVar(h0, 'h0_input');
  const c0Var = stateVar(c0, 'c0_input');

  /** The forward graph: (output (T,B,D·H), hN, cN (L·D,B,H)). */
  const run = (): { output: tf.Tensor; hN: tf.Tensor; cN: tf.Tensor | null } => {
    let inputBT: tf.Tensor = tf.transpose(xVar, [1, 0, 2]); // (B, T, I): Keras is batch-major
    const hs: tf.Tensor[] = [];
    const cs: tf.Tensor[] = [];
    for (let k = 0; k < L; k++) {
      const seqs: tf.Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const idx = k * D + d;
        const hInit = tf.reshape(tf.slice(h0Var, [idx, 0, 0], [1, B, H]), [B, H]);
        const cInit = tf.reshape(tf.slice(c0Var, [idx, 0, 0], [1, B, H]), [B, H]);
        const input = d === 1 ? tf.reverse(inputBT, 1) : inputBT;
        const res = layers[k][d].apply(input, { initialState: isLstm ? [hInit, cInit] : [hInit] }) as tf.Tensor[];
        seqs.push(d === 1 ? tf.reverse(res[0], 1) : res[0]);
        hs.push(res[1]);
        if (isLstm) cs.push(res[2]);
      }
      inputBT = D === 1 ? seqs[0] : tf.concat(seqs, 2);
    }
    return { output: tf.transpose(inputBT, [1, 0, 2]), hN: tf.stack(hs), cN: isLstm ? tf.stack(cs) : null };
  };

  const forwardTensors = tf.tidy(() => {
    const r = run();
    return r.cN ? [r.output, r.hN, r.cN] : [r.output, r.hN];
  });
  const result: TfjsResult = {
    output: Float64Array.from(forwardTensors[0].dataSync()),
    hN: Float64Array.from(forwardTensors[1].dataSync()),
  };
  if (forwardTensors[2]) result.cN = Float64Array.from(forwardTensors[2].dataSync());
  tf.dispose(forwardTensors);

  if (weights) {
    const layerVars = layers.flat().flatMap((layer) => layer.trainableWeights.map((w) => w.read() as tf.Variable));
    const inputVars = isLstm ? [xVar, h0Var, c0Var] : [xVar, h0Var];
    const { value, grads } = tf.variableGrads(() => {
      const r = run();
      let loss = tf.sum(tf.mul(r.output, tf.tensor(Float32Array.from(weights.output), [T, B, D * H])));
      if (weights.hN) loss = tf.add(loss, tf.sum(tf.mul(r.hN, tf.tensor(Float32Array.from(weights.hN), stateShape))));
      if (r.cN && weights.cN)
        loss = tf.add(loss, tf.sum(tf.mul(r.cN, tf.tensor(Float32Array.from(weights.cN), stateShape))));
      return loss as tf.Scalar;
    }, [...inputVars, ...layerVars]);
    const read = (v: tf.Variable): Float32Array => {
      const g = grads[v.name];
      if (!g) throw new Error(`TF.js returned no gradient for ${v.name}`);
      return g.dataSync() as Float32Array;
    };
    const out: Grads64 = {
      loss: value.dataSync()[0],
      params: {},
      x: Float64Array.from(read(xVar)),
      h0: Float64Array.from(read(h0Var)),
    };
    if (isLstm) out.c0 = Float64Array.from(read(c0Var));
    for (let k = 0; k < L; k++) {
      for (let d = 0; d < D; d++) {
        const s = paramSuffix(k, d);
        const vars = layers[k][d].trainableWeights.map((w) => w.read() as tf.Variable);
        out.params[`weight_ih${s}`] = fromKerasGrad(spec, read(vars[0]), layerInputSize(spec, k));
        out.params[`weight_hh${s}`] = fromKerasGrad(spec, read(vars[1]), H);
        if (spec.bias) {
          const db = fromKerasGrad(spec, read(vars[2]), 1);
          out.params[`bias_ih${s}`] = db;
          out.params[`bias_hh${s}`] = Float64Array.from(db);
        }
      }
    }
    // Same key order as paramShapes (PyTorch's state_dict order), for readable diffs.
    const ordered: Params64 = {};
    for (const name of Object.keys(paramShapes(spec))) ordered[name] = out.params[name];
    out.params = ordered;
    result.grads = out;
    value.dispose();
    tf.dispose(Object.values(grads));
  }
  tf.dispose([xVar, h0Var, c0Var]);
  for (const layer of layers.flat()) layer.dispose();
  return result;
}
