import type { Backend } from '../backend/backend.ts';
import type { SequenceInput, SequenceModel } from '../nn/model.ts';
import { describe } from '../nn/params.ts';
import { GRU, LSTM, RNN, checkArray, type RecurrentLayer } from '../nn/recurrent.ts';

/** Options of {@link gradientFlow}. */
export interface GradientFlowOptions {
  /** Time steps T (default: the whole input as one sequence, B = 1). */
  seqLen?: number;
  /** Sequences B (default: inferred from the input length and seqLen, else 1). */
  batch?: number;
  /**
   * The target of the loss at the last step, one per sequence: a class id (B) for a softmax
   * model, values (B·O) for sigmoid / linear models. Default: the model's own arg-max class
   * (softmax), zeros (sigmoid, linear).
   */
  target?: ArrayLike<number>;
}

/** ‖∂L_T/∂h_k‖ of one recurrent layer (forward direction), for every step k. */
export interface LayerFlow {
  /** Index over all stacked recurrent layers of the model, bottom to top (0-based). */
  layer: number;
  /** A readable name, e.g. `'LSTM 0'` or `'GRU 1.l2'` (model layer 1, its internal layer 2). */
  label: string;
  /** ‖∂L_T/∂h_k‖ for k = 0 … T−1 (the norm over the batch and the hidden units). */
  norms: number[];
}

/** What {@link gradientFlow} returns. */
export interface GradientFlow {
  /** The steps k = 0 … T−1; h_k is the state after reading input k, T−1 is the last step. */
  steps: number[];
  /** One entry per recurrent layer (each internal layer of a multi-layer RNN/LSTM/GRU counts). */
  layers: LayerFlow[];
  /** The loss L_T at the last step (mean over the batch). */
  loss: number;
}

/**
 * The gradient-flow lens: how much the loss at the LAST step, L_T, depends on the hidden state of
 * every earlier step — ‖∂L_T/∂h_k‖ for k = 0 … T−1, for every recurrent layer (direction 0).
 * A fast decay with the distance T−1−k is the vanishing gradient of plain RNNs; growth is the
 * exploding one. The derivative is total: it follows every path from h_k to L_T (along the
 * time axis and up through the layers above), with h_k and (LSTM) c_k as separate variables.
 *
 * Method (no extra kernels): one backward pass of the whole stack gives dL_T/dy_k, the gradient
 * arriving at each layer's output from above; the recurrent part is then dL_T/dh0 of that layer
 * re-run from step k + 1 with the true states (h_k, c_k) as its initial state. That costs
 * O(T²) steps per layer: a lens for understanding, not for training. Dropout is off.
 * The loss is the one the Trainer uses, at the last step only, averaged over the batch:
 * cross-entropy (softmax), binary cross-entropy (sigmoid) or mean squared error (linear).
 * @param model any SequenceModel (token ids with an Embedding, else features)
 * @param input token ids (T·B) or features (T·B·I), time-major
 */
export function gradientFlow(model: SequenceModel, input: SequenceInput, options: GradientFlowOptions = {}): GradientFlow {
  const where = 'gradientFlow';
  if (model === null || typeof model !== 'object' || typeof (model as SequenceModel).shapeOf !== 'function') {
    throw new TypeError(`${where}: model must be a SequenceModel, received ${describe(model)}`);
  }
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object { seqLen?, batch?, target? }, received ${describe(options)}`);
  const { T, B } = model.shapeOf(input, options, where);
  const backend = model.backend;
  const x0 = inputFeatures(model, input, T, B, where);

  const clones: RecurrentLayer[] = [];
  try {
    // one unit per internal layer: the full (maybe bidirectional) layer and its forward direction
    const units: Array<{ full: RecurrentLayer; fwd: RecurrentLayer; label: string }> = [];
    model.recurrent.forEach((r, i) => {
      const weights = r.stateDict();
      for (let s = 0; s < r.numLayers; s++) {
        const inputSize = s === 0 ? r.inputSize : r.hiddenSize * r.directions;
        const full = cloneLayer(r, inputSize, r.bidirectional, backend);
        clones.push(full);
        const fwd = cloneLayer(r, inputSize, false, backend);
        clones.push(fwd);
        const rename = (layerSuffix: string, reverse: boolean): Record<string, Float32Array> => {
          const out: Record<string, Float32Array> = {};
          for (const name of Object.keys(full.parameterShapes())) {
            if (!reverse && name.endsWith('_reverse')) continue;
            out[name] = weights[name.replace('_l0', layerSuffix)];
          }
          return out;
        };
        full.loadStateDict(rename(`_l${s}`, true));
        fwd.loadStateDict(rename(`_l${s}`, false));
        const kind = r.cell === 'rnn' ? 'RNN' : r.cell.toUpperCase();
        units.push({ full, fwd, label: r.numLayers > 1 ? `${kind} ${i}.l${s}` : `${kind} ${i}` });
      }
    });

    // forward through the stack, keeping every unit's input and output (T, B, ·)
    const inputs: Float32Array[] = [];
    const outputs: Float32Array[] = [];
    let x = x0;
    for (const u of units) {
      inputs.push(x);
      x = u.full.forward(x, { seqLen: T, batch: B }).output;
      outputs.push(x);
    }

    // loss at the last step and its gradient with respect to the top output
    const top = model.recurrent[model.recurrent.length - 1];
    const width = top.hiddenSize * top.directions;
    const { loss, dTop } = lastStepLoss(model, x.subarray((T - 1) * B * width), B, width, options.target, where);
    let dy: Float32Array = new Float32Array(T * B * width);
    dy.set(dTop, (T - 1) * B * width);

    // backward through the stack: the gradient arriving at each unit's output from above
    const grads: Float32Array[] = new Array(units.length);
    for (let u = units.length - 1; u >= 0; u--) {
      grads[u] = dy;
      dy = units[u].full.backward({ output: dy }).input;
    }

    const layers: LayerFlow[] = units.map((u, index) => {
      const H = u.fwd.hiddenSize;
      const D = u.full.directions;
      const I = u.fwd.inputSize;
      const lstm = u.fwd.cell === 'lstm';
      const xs = inputs[index];
      // the forward direction's slice of the output gradient, (T, B, H)
      const g = new Float32Array(T * B * H);
      for (let r = 0; r < T * B; r++) g.set(grads[index].subarray(r * D * H, r * D * H + H), r * H);
      const norms: number[] = [];
      let h: Float32Array | undefined;
      let c: Float32Array | undefined;
      for (let k = 0; k < T; k++) {
        // the true state after step k, carried one step at a time
        const one = u.fwd.forward(xs.subarray(k * B * I, (k + 1) * B * I), { seqLen: 1, batch: B, h0: h, c0: c });
        h = one.h;
        c = lstm ? one.c : undefined;
        const total = Float64Array.from(g.subarray(k * B * H, (k + 1) * B * H));
        if (k < T - 1) {
          u.fwd.forward(xs.subarray((k + 1) * B * I), { seqLen: T - 1 - k, batch: B, h0: h, c0: c });
          const back = u.fwd.backward({ output: g.subarray((k + 1) * B * H) });
          for (let i = 0; i < B * H; i++) total[i] += back.h0[i];
        }
        let sumSq = 0;
        for (const v of total) sumSq += v * v;
        norms.push(Math.sqrt(sumSq));
      }
      return { layer: index, label: u.label, norms };
    });
    return { steps: Array.from({ length: T }, (_, k) => k), layers, loss };
  } finally {
    for (const c of clones) c.dispose();
  }
}

// ------------------------------------------------------------------------------------ internals

/** The recurrent stack's input (T, B, I): embedded token ids, or the validated features. */
function inputFeatures(model: SequenceModel, input: SequenceInput, T: number, B: number, where: string): Float32Array {
  if (model.embedding === null) {
    checkArray(input, T * B * model.inputSize, `${where}: input`, `seqLen·batch·inputSize = ${T}·${B}·${model.inputSize}`);
    return Float32Array.from(input);
  }
  model.embedding.checkIds(input, `${where}: input`);
  const E = model.embedding.embeddingDim;
  const table = model.embedding.params.stateDict().weight;
  const x = new Float32Array(T * B * E);
  for (let i = 0; i < T * B; i++) x.set(table.subarray(input[i] * E, (input[i] + 1) * E), i * E);
  return x;
}

/** A fresh single-layer copy of layer `r`'s cell type and options (weights loaded by the caller). */
function cloneLayer(r: RecurrentLayer, inputSize: number, bidirectional: boolean, backend: Backend): RecurrentLayer {
  const config = r.config();
  const base = { inputSize, hiddenSize: r.hiddenSize, numLayers: 1, bidirectional, bias: r.bias, backend, seed: 0 };
  if (config.type === 'rnn') return new RNN({ ...base, nonlinearity: config.nonlinearity });
  if (config.type === 'gru') return new GRU({ ...base, resetAfter: config.resetAfter });
  return new LSTM(base);
}

/**
 * The loss at the last step, averaged over the batch as the Trainer does, from the top layer's
 * last output yT (B, W); returns it with dL/dyT (B, W). Float64 throughout.
 */
function lastStepLoss(model: SequenceModel, yT: Float32Array, B: number, W: number, target: ArrayLike<number> | undefined, where: string): { loss: number; dTop: Float32Array } {
  const head = model.head.params.stateDict();
  const weight = head.weight;
  const bias = head.bias;
  const O = model.outputSize;
  const logits = new Float64Array(B * O);
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < O; o++) {
      let s = bias ? bias[o] : 0;
      for (let j = 0; j < W; j++) s += weight[o * W + j] * yT[b * W + j];
      logits[b * O + o] = s;
    }
  }
  const dlogits = new Float64Array(B * O);
  let loss = 0;
  if (model.output === 'softmax') {
    if (target !== undefined) {
      if (target === null || typeof target !== 'object' || target.length !== B) throw new RangeError(`${where}: target must hold one class id per sequence (${B}), received ${describe(target)}`);
    }
    for (let b = 0; b < B; b++) {
      const row = logits.subarray(b * O, (b + 1) * O);
      let arg = 0;
      for (let o = 1; o < O; o++) if (row[o] > row[arg]) arg = o;
      const t = target === undefined ? arg : target[b];
      if (!Number.isInteger(t) || t < 0 || t >= O) throw new RangeError(`${where}: target must hold class ids in [0, ${O}), received ${describe(t)} at index ${b}`);
      let sum = 0;
      for (let o = 0; o < O; o++) sum += Math.exp(row[o] - row[arg]);
      loss += (Math.log(sum) + row[arg] - row[t]) / B;
      for (let o = 0; o < O; o++) dlogits[b * O + o] = (Math.exp(row[o] - row[arg]) / sum - (o === t ? 1 : 0)) / B;
    }
  } else {
    if (target !== undefined) checkArray(target, B * O, `${where}: target`, `batch·outputSize = ${B}·${O}`);
    const n = B * O;
    for (let i = 0; i < n; i++) {
      const z = logits[i];
      const y = target === undefined ? 0 : target[i];
      if (model.output === 'sigmoid') {
        loss += (Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)))) / n;
        dlogits[i] = (1 / (1 + Math.exp(-z)) - y) / n;
      } else {
        loss += ((z - y) * (z - y)) / n;
        dlogits[i] = (2 * (z - y)) / n;
      }
    }
  }
  const dTop = new Float32Array(B * W);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < W; j++) {
      let s = 0;
      for (let o = 0; o < O; o++) s += dlogits[b * O + o] * weight[o * W + j];
      dTop[b * W + j] = s;
    }
  }
  return { loss, dTop };
}
