/**
 * A {@link SequenceModel} as an ONNX model (IR 8, opset 17) that onnxruntime (web included) runs:
 * Gather for the embedding, one LSTM / GRU / RNN node per stacked layer (time-major, layout 0),
 * MatMul + Add for the head.
 */
import type { ModelConfig, SequenceModel } from '../nn/model.ts';
import type { StateDict } from '../nn/params.ts';
import { bool, checkOptions, int, type Spec } from '../util/options.ts';
import { InteropError } from './error.ts';
import { gateCount, reorderGates, transpose } from './gates.ts';
import {
  ONNX_BOOL,
  ONNX_FLOAT,
  ONNX_INT32,
  ONNX_INT64,
  OnnxGraph,
  type OnnxAttribute,
  type OnnxDim,
} from './onnx-graph.ts';

/** Options of {@link exportOnnx}. */
export interface OnnxExportOptions {
  /**
   * Adds the graph input `sequence_lens`, int32 (B): each sequence's valid length in [0, T], as
   * `predict`'s `lengths` (right padding), fed to every recurrent node. Default false: every
   * sequence is T steps long.
   */
  lengths?: boolean;
  /**
   * Adds the graph inputs `initial_h_<i>` (and `initial_c_<i>` for an LSTM) for the i-th recurrent
   * layer from the bottom, float (numLayers·D, B, H) each, D = 2 when bidirectional: the layout
   * of `SavedState.buffers[2i]` and `[2i + 1]`. Default false: zero initial states.
   */
  initialState?: boolean;
  /** Fixes the batch dimension B; default symbolic (`'B'`). */
  batch?: number;
  /** Fixes the time dimension T; default symbolic (`'T'`). */
  seqLen?: number;
}

/** What {@link OnnxExportOptions} accepts, option by option. */
const OPTIONS = {
  lengths: bool(),
  initialState: bool(),
  batch: int({ min: 1 }),
  seqLen: int({ min: 1 }),
} satisfies Record<keyof OnnxExportOptions, Spec>;

const OPS = { lstm: 'LSTM', gru: 'GRU', rnn: 'RNN' };

/**
 * Encodes `model` as an ONNX file whose output equals `model.predict`'s for the same inputs.
 *
 * Graph input `input`: token ids, int64 (T, B), with an Embedding or OneHot table (ids in [0, V):
 * `predict` refuses others, onnxruntime's Gather wraps negative ones), else features, float
 * (T, B, I); `sequence_lens` and `initial_h_<i>` / `initial_c_<i>` as {@link OnnxExportOptions}
 * says. Graph output `output`: the head's raw values, float (T, B, O) for a head at every step or
 * (B, O) at the last step: logits for a softmax or sigmoid model, as `predict` returns them (apply
 * Softmax / Sigmoid to the last axis for probabilities).
 *
 * With `sequence_lens` every position agrees with `predict`, padded ones included: a recurrent
 * output is zero at a padded step, so a head at every step gives its bias there; a head at the last
 * step reads each sequence's final state (a bidirectional layer's reverse direction: its state
 * after step 0; an empty sequence: its initial state). Dropout is left out (inference). Time-major
 * layout 0 throughout (onnxruntime-web refuses layout 1); IR 8, opset 17.
 * @throws InteropError when `model` is not a SequenceModel whose layers are all live; TypeError or
 *   RangeError for bad options
 */
export function exportOnnx(model: SequenceModel, options: OnnxExportOptions = {}): Uint8Array {
  checkOptions(options, OPTIONS, 'exportOnnx');
  let config: ModelConfig;
  let weights: StateDict;
  try {
    config = model.config();
    weights = model.stateDict();
  } catch (e) {
    throw new InteropError('onnx', 'cannot export this model', {
      field: 'model',
      expected: 'a SequenceModel whose layers are not disposed',
      found: e instanceof Error ? e.message : String(e),
    });
  }
  const g = new OnnxGraph();
  const T: OnnxDim = options.seqLen ?? 'T';
  const B: OnnxDim = options.batch ?? 'B';
  const lens = options.lengths ? 'sequence_lens' : '';
  const first = config.layers.find((c) => c.type !== 'dropout');
  let x = 'input';
  if (first?.type === 'embedding' || first?.type === 'onehot') g.io(x, ONNX_INT64, [T, B]);
  else if (first !== undefined && 'inputSize' in first) g.io(x, ONNX_FLOAT, [T, B, first.inputSize]);
  if (lens) g.io(lens, ONNX_INT32, [B]);
  let final = ''; // the top layer's final states, (B, outputSize)
  let recurrent = 0;
  config.layers.forEach((c, j) => {
    const w = (name: string): Float32Array => weights[`${j}.${name}`];
    if (c.type === 'embedding' || c.type === 'onehot') {
      x = g.node('Gather', [g.initializer(`${j}.weight`, [c.numEmbeddings, c.embeddingDim], w('weight')), x])[0];
    } else if (c.type === 'dense') {
      const F = c.inFeatures;
      const O = c.outFeatures;
      const last = c.at === 'last';
      const kernel = g.initializer(`${j}.weight_t`, [F, O], transpose(w('weight'), O, F)); // (F, O)
      const out = c.bias ? undefined : ['output'];
      const y = g.node('MatMul', [last ? final : x, kernel], {}, out)[0];
      if (c.bias) g.node('Add', [y, g.initializer(`${j}.bias`, [O], w('bias'))], {}, ['output']);
      g.io('output', ONNX_FLOAT, last ? [B, O] : [T, B, O], true);
    } else if ('hiddenSize' in c) {
      const { hiddenSize: H, numLayers: L, type: cell } = c;
      const D = c.bidirectional ? 2 : 1;
      const G = gateCount(cell) * H;
      const states = options.initialState ? (cell === 'lstm' ? 'hc' : 'h') : '';
      const initial = [...states].map((s) => `initial_${s}_${recurrent}`);
      for (const s of initial) g.io(s, ONNX_FLOAT, [L * D, B, H]);
      const sum = c.merge === 'sum';
      const attributes: Record<string, OnnxAttribute> = {
        hidden_size: H,
        direction: D === 2 ? 'bidirectional' : 'forward',
      };
      if (cell === 'gru') attributes.linear_before_reset = c.resetAfter === false ? 0 : 1;
      if (cell === 'rnn') attributes.activations = Array(D).fill(c.nonlinearity === 'relu' ? 'Relu' : 'Tanh');
      for (let k = 0; k < L; k++) {
        const I = k === 0 ? c.inputSize : D * H;
        // per direction: W (G, I), R (G, H), B [bias_ih ‖ bias_hh] (2G), gates in ONNX's order
        const Wk = new Float32Array(D * G * I);
        const Rk = new Float32Array(D * G * H);
        const Bk = new Float32Array(D * 2 * G);
        for (let d = 0; d < D; d++) {
          const sfx = `_l${k}${d ? '_reverse' : ''}`;
          const onnx = (name: string, cols: number) => reorderGates(w(name + sfx), cell, 'onnx', H, cols, true);
          Wk.set(onnx('weight_ih', I), d * G * I);
          Rk.set(onnx('weight_hh', H), d * G * H);
          if (c.bias) Bk.set(onnx('bias_ih', 1), 2 * d * G);
          if (c.bias) Bk.set(onnx('bias_hh', 1), (2 * d + 1) * G);
        }
        // this node's initial states: rows [k·D, (k+1)·D) of the layer's (L·D, B, H)
        const init = initial.map((s) =>
          L === 1 ? s : g.node('Slice', [s, g.ints([k * D]), g.ints([(k + 1) * D]), g.ints([0])])[0],
        );
        const p = `${j}.`;
        const [y, yh] = g.node(
          OPS[cell],
          [
            x,
            g.initializer(`${p}W_l${k}`, [D, G, I], Wk),
            g.initializer(`${p}R_l${k}`, [D, G, H], Rk),
            g.initializer(`${p}B_l${k}`, [D, 2 * G], Bk),
            lens,
            ...init,
          ],
          attributes,
          [g.name(), g.name()],
        );
        const top = k === L - 1;
        // Y (T, D, B, H) → (T, B, D·H), or summed over the directions at the top of a 'sum' layer
        x = top && sum ? reduceSum(g, y, 1) : merge(g, y, [0, 2, 1, 3], [0, 0, -1]);
        if (!top) continue;
        // onnxruntime's Y_h of an empty sequence is zero; predict's is the initial state
        let h = yh;
        if (lens && init[0]) {
          const valid = g.node('Unsqueeze', [g.node('Cast', [lens], { to: ONNX_BOOL })[0], g.ints([1])])[0]; // (B, 1)
          h = g.node('Where', [valid, yh, init[0]])[0];
        }
        // Y_h (D, B, H) → (B, D·H), or (B, H) summed
        final = sum ? reduceSum(g, h, 0) : merge(g, h, [1, 0, 2], [0, -1]);
      }
      recurrent++;
    }
  });
  // read back by importOnnx: the output kind (the graph ends at the logits), the model's metadata and vocabulary
  const metadata: Record<string, string> = {
    'strand.output': config.output,
    'strand.metadata': JSON.stringify(model.metadata),
  };
  if (model.vocab !== null) metadata['strand.vocab'] = JSON.stringify(model.vocab.toJSON());
  return g.encode('strand', 'strand', metadata);
}

/** `v` with `axis` summed away. */
function reduceSum(g: OnnxGraph, v: string, axis: number): string {
  return g.node('ReduceSum', [v, g.ints([axis])], { keepdims: 0 })[0];
}

/** `v` transposed by `perm`, then reshaped to `shape` (0 keeps a dimension, −1 takes the rest). */
function merge(g: OnnxGraph, v: string, perm: number[], shape: number[]): string {
  return g.node('Reshape', [g.node('Transpose', [v], { perm })[0], g.ints(shape)])[0];
}
