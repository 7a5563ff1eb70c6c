import type { Backend } from '../backend/backend.ts';
import type { SequenceModel } from '../nn/model.ts';
import { GRU, LSTM, RNN, type RecurrentInputGrads, type RecurrentLayer } from '../nn/recurrent.ts';
import { checkArray, describe } from '../util/check.ts';
import { checkOptions, checkValue, custom, int, num, obj, type Spec } from '../util/options.ts';
import type { SequenceInput } from '../nn/trainable.ts';

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
  /**
   * Also report the flow after clipping the parameter gradient by its global norm, as
   * `new Trainer(model, { clip: { norm } })` would before the update (see {@link ClipReport}).
   */
  clip?: {
    /** The maximum global L2 norm of the parameter gradient, as the Trainer's `clip.norm` (finite, > 0). */
    norm: number;
  };
}

/** The `clip` option's threshold: finite and > 0. */
const CLIP_NORM = num({ min: 0, exclusiveMin: true });

/** What {@link GradientFlowOptions} accepts, option by option (the target's values are checked by the call). */
const GRADIENT_FLOW_OPTIONS = {
  seqLen: int({ min: 1 }),
  batch: int({ min: 1 }),
  target: custom('an array of class ids or values'),
  // global-norm clipping only: clipping by value has no single factor
  clip: obj({ norm: CLIP_NORM }),
} satisfies Record<keyof GradientFlowOptions, Spec>;

/** ‖∂L_T/∂h_k‖ of one recurrent layer (forward direction), for every step k. */
export interface LayerFlow {
  /** Index over all stacked recurrent layers of the model, bottom to top (0-based). */
  layer: number;
  /** A readable name, e.g. `'LSTM 0'` or `'GRU 1.l2'` (model layer 1, its internal layer 2). */
  label: string;
  /** ‖∂L_T/∂h_k‖ for k = 0 … T−1 (the norm over the batch and the hidden units). */
  norms: number[];
  /** With the `clip` option: the same norms after global-norm clipping, `norms[k] × clip.factor`. */
  clipped?: number[];
}

/**
 * Global-norm clipping applied to the lens's gradient. Clipping multiplies the whole parameter
 * gradient by one factor, which is the same as multiplying the loss by it; every ∂L_T/∂h_k is
 * scaled by the same factor, so the curve keeps its shape while its size is bounded.
 */
export interface ClipReport {
  /** The threshold, `clip.norm`. */
  maxNorm: number;
  /**
   * The factor training would multiply every gradient by — the Trainer's rule,
   * `maxNorm / (gradNorm + 1e-6)` when {@link GradientFlow.gradNorm} exceeds `maxNorm`, else 1 —
   * i.e. min(1, maxNorm / ‖g‖) up to the 1e-6 guard. NaN when the gradient is not finite (the
   * Trainer refuses such a step).
   */
  factor: number;
  /** The global norm after clipping, `gradNorm × factor` (≤ maxNorm). */
  gradNorm: number;
}

/** What {@link gradientFlow} returns. */
export interface GradientFlow {
  /** The steps k = 0 … T−1; h_k is the state after reading input k, T−1 is the last step. */
  steps: number[];
  /** One entry per recurrent layer (each internal layer of a multi-layer RNN/LSTM/GRU counts). */
  layers: LayerFlow[];
  /** The loss L_T at the last step (mean over the batch). */
  loss: number;
  /**
   * ‖∇_θ L_T‖: the global norm of the gradient of L_T with respect to every trainable parameter
   * (embedding, recurrent layers, head) — what the Trainer reports as `gradNorm` and clips by,
   * for a batch whose loss is L_T. From the same backward pass as the flow.
   */
  gradNorm: number;
  /** With the `clip` option: the clipping training would apply to this gradient. */
  clip?: ClipReport;
}

/**
 * The gradient-flow lens: how much the loss at the LAST step, L_T, depends on the hidden state of
 * every earlier step — ‖∂L_T/∂h_k‖ for k = 0 … T−1, for every recurrent layer (direction 0).
 * A fast decay with the distance T−1−k is the vanishing gradient of plain RNNs; growth is the
 * exploding one. The derivative is total: it follows every path from h_k to L_T (along the
 * time axis and up through the layers above), with h_k and (LSTM) c_k as separate variables.
 * It also reports the global norm of the parameter gradient of L_T and, with `clip`, what
 * global-norm clipping does to both.
 *
 * Method (no extra kernels): one backward pass of the whole stack gives dL_T/dy_k, the gradient
 * arriving at each layer's output from above, and every parameter gradient; the recurrent part
 * is then dL_T/dh0 of that layer re-run from step k + 1 with the true states (h_k, c_k) as its
 * initial state. That costs O(T²) steps per layer: a lens for understanding, not for training.
 * Dropout is off. The loss is the one the Trainer uses, at the last step only, averaged over the
 * batch: cross-entropy (softmax), binary cross-entropy (sigmoid) or mean squared error (linear).
 * A head at the last step reads the final states, as the model does (with a bidirectional top
 * layer, the reverse direction's final state is the one after step 0).
 * @param model any SequenceModel (token ids with an Embedding, else features)
 * @param input token ids (T·B) or features (T·B·I), time-major
 */
export function gradientFlow(
  model: SequenceModel,
  input: SequenceInput,
  options: GradientFlowOptions = {},
): GradientFlow {
  const where = 'gradientFlow';
  if (model === null || typeof model !== 'object' || typeof (model as SequenceModel).shapeOf !== 'function') {
    throw new TypeError(`${where}: model must be a SequenceModel, received ${describe(model)}`);
  }
  refuseClipByValue(options, where);
  checkOptions(options, GRADIENT_FLOW_OPTIONS, where);
  if (options.clip !== undefined) checkValue(options.clip.norm, CLIP_NORM, where, 'options.clip.norm');
  const maxNorm = options.clip?.norm;
  const { T, B } = model.shapeOf(input, options, where);
  const backend = model.backend;
  const x0 = inputFeatures(model, input, T, B, where);

  const clones: RecurrentLayer[] = [];
  try {
    // one unit per internal layer: the full (maybe bidirectional) layer and its forward direction;
    // the last internal layer of a model layer merges its directions as that layer does
    const units: Array<{ full: RecurrentLayer; fwd: RecurrentLayer; label: string }> = [];
    model.recurrent.forEach((r, i) => {
      const weights = r.stateDict();
      for (let s = 0; s < r.numLayers; s++) {
        const inputSize = s === 0 ? r.inputSize : r.hiddenSize * r.directions;
        const full = cloneLayer(r, inputSize, r.bidirectional, s === r.numLayers - 1 ? r.merge : 'concat', backend);
        clones.push(full);
        const fwd = cloneLayer(r, inputSize, false, 'concat', backend);
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

    // forward through the stack, keeping every unit's input (T, B, ·) and the top's final states
    const inputs: Float32Array[] = [];
    let x = x0;
    let finalH: Float32Array = new Float32Array(0);
    for (const u of units) {
      inputs.push(x);
      const run = u.full.forward(x, { seqLen: T, batch: B });
      x = run.output;
      finalH = run.h;
    }

    // the head's input at the last step, the loss there and its gradients
    const top = units[units.length - 1].full;
    const W = top.outputSize;
    const atLast = model.head.at === 'last';
    const headIn = atLast ? mergeFinal(finalH, top, B) : x.subarray((T - 1) * B * W, T * B * W);
    const { loss, dlogits, dHeadIn } = lastStepLoss(model, headIn, B, W, options.target, where);

    // backward through the stack: the gradient arriving at each unit from above, as dL_T/d(output)
    // of its forward direction (T, B, H); every clone accumulates its parameter gradients
    const arriving: Float32Array[] = new Array(units.length);
    let dy: Float32Array = new Float32Array(T * B * W);
    for (let u = units.length - 1; u >= 0; u--) {
      const { full } = units[u];
      const H = full.hiddenSize;
      full.zeroGrad();
      const g = new Float32Array(T * B * H);
      let back: RecurrentInputGrads;
      if (u === units.length - 1 && atLast) {
        // the head reads the final states (L·D = D, B, H): direction 0 is the state after T − 1
        const dh = new Float32Array(full.directions * B * H);
        for (let b = 0; b < B; b++) {
          for (let d = 0; d < full.directions; d++) {
            const from = b * W + (full.merge === 'sum' ? 0 : d * H);
            dh.set(dHeadIn.subarray(from, from + H), (d * B + b) * H);
          }
        }
        g.set(dh.subarray(0, B * H), (T - 1) * B * H);
        back = full.backward({ h: dh });
      } else {
        if (u === units.length - 1) dy.set(dHeadIn, (T - 1) * B * W);
        const width = full.outputSize; // D·H, or H for one direction or summed directions
        for (let r = 0; r < T * B; r++) g.set(dy.subarray(r * width, r * width + H), r * H);
        back = full.backward({ output: dy });
      }
      arriving[u] = g;
      dy = back.input;
    }

    const gradNorm = Math.sqrt(
      parameterSumSquares(
        model,
        units.map((u) => u.full),
        input,
        dy,
        T * B,
        headIn,
        dlogits,
        B,
        W,
      ),
    );
    let clip: ClipReport | undefined;
    if (maxNorm !== undefined) {
      const factor = !Number.isFinite(gradNorm) ? NaN : gradNorm > maxNorm ? maxNorm / (gradNorm + 1e-6) : 1;
      clip = { maxNorm, factor, gradNorm: gradNorm * factor };
    }

    const layers: LayerFlow[] = units.map((u, index) => {
      const H = u.fwd.hiddenSize;
      const I = u.fwd.inputSize;
      const lstm = u.fwd.cell === 'lstm';
      const xs = inputs[index];
      const g = arriving[index];
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
      const flow: LayerFlow = { layer: index, label: u.label, norms };
      if (clip) flow.clipped = norms.map((n) => n * clip.factor);
      return flow;
    });
    return { steps: Array.from({ length: T }, (_, k) => k), layers, loss, gradNorm, ...(clip ? { clip } : {}) };
  } finally {
    for (const c of clones) c.dispose();
  }
}

// ------------------------------------------------------------------------------------ internals

/** The recurrent stack's input (T, B, I): embedded token ids, or the validated features. */
function inputFeatures(model: SequenceModel, input: SequenceInput, T: number, B: number, where: string): Float32Array {
  if (model.embedding === null) {
    checkArray(
      input,
      T * B * model.inputSize,
      `${where}: input`,
      `seqLen·batch·inputSize = ${T}·${B}·${model.inputSize}`,
    );
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
function cloneLayer(
  r: RecurrentLayer,
  inputSize: number,
  bidirectional: boolean,
  merge: 'concat' | 'sum',
  backend: Backend,
): RecurrentLayer {
  const config = r.config();
  const base = {
    inputSize,
    hiddenSize: r.hiddenSize,
    numLayers: 1,
    bidirectional,
    bias: r.bias,
    backend,
    seed: 0,
    ...(bidirectional ? { merge } : {}),
  };
  if (config.type === 'rnn') return new RNN({ ...base, nonlinearity: config.nonlinearity });
  if (config.type === 'gru') return new GRU({ ...base, resetAfter: config.resetAfter });
  return new LSTM(base);
}

/**
 * The loss at the last step, averaged over the batch as the Trainer does, from the head's input
 * yT (B, W); returns it with dL/dlogits (B, O) and dL/dyT (B, W). Float64 throughout.
 */
function lastStepLoss(
  model: SequenceModel,
  yT: Float32Array,
  B: number,
  W: number,
  target: ArrayLike<number> | undefined,
  where: string,
): { loss: number; dlogits: Float64Array; dHeadIn: Float32Array } {
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
      if (target === null || typeof target !== 'object' || target.length !== B)
        throw new RangeError(
          `${where}: target must hold one class id per sequence (${B}), received ${describe(target)}`,
        );
    }
    for (let b = 0; b < B; b++) {
      const row = logits.subarray(b * O, (b + 1) * O);
      let arg = 0;
      for (let o = 1; o < O; o++) if (row[o] > row[arg]) arg = o;
      const t = target === undefined ? arg : target[b];
      if (!Number.isInteger(t) || t < 0 || t >= O)
        throw new RangeError(
          `${where}: target must hold class ids in [0, ${O}), received ${describe(t)} at index ${b}`,
        );
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
  const dHeadIn = new Float32Array(B * W);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < W; j++) {
      let s = 0;
      for (let o = 0; o < O; o++) s += dlogits[b * O + o] * weight[o * W + j];
      dHeadIn[b * W + j] = s;
    }
  }
  return { loss, dlogits, dHeadIn };
}

/**
 * The Trainer's `clip` also takes `value`; the lens cannot, and says why (before the generic
 * unknown-option message would).
 */
function refuseClipByValue(options: unknown, where: string): void {
  const clip = (options as GradientFlowOptions | null | undefined)?.clip;
  if (clip !== null && typeof clip === 'object' && Object.hasOwn(clip, 'value')) {
    throw new TypeError(
      `${where}: options.clip takes only { norm } — global-norm clipping, one factor for the whole gradient (clipping by value has no single factor) — received the key 'value'`,
    );
  }
}

/**
 * The head input (B, W) of a head at the last step, as the model forms it: the top layer's final
 * states (D, B, H) of each sequence, directions concatenated or summed.
 */
function mergeFinal(h: Float32Array, top: RecurrentLayer, B: number): Float32Array {
  const H = top.hiddenSize;
  const D = top.directions;
  const W = top.outputSize;
  const out = new Float32Array(B * W);
  for (let b = 0; b < B; b++) {
    for (let d = 0; d < D; d++) {
      const src = h.subarray((d * B + b) * H, (d * B + b + 1) * H);
      if (top.merge === 'sum' && d > 0) for (let j = 0; j < H; j++) out[b * W + j] += src[j];
      else out.set(src, b * W + (top.merge === 'sum' ? 0 : d * H));
    }
  }
  return out;
}

/**
 * Σ of the squared gradients of L_T over every trainable parameter of the model, from the
 * backward pass: the recurrent clones' accumulated gradients, the head's dW = dlogitsᵀ·yT and
 * db = Σ dlogits, and the embedding rows' sums of dL/dx over the positions holding their id.
 * @param dx dL/d(recurrent input) (rows, E); rows = T·B
 */
function parameterSumSquares(
  model: SequenceModel,
  layers: RecurrentLayer[],
  input: SequenceInput,
  dx: Float32Array,
  rows: number,
  headIn: Float32Array,
  dlogits: Float64Array,
  B: number,
  W: number,
): number {
  let sum = 0;
  for (const layer of layers) {
    for (const g of Object.values(layer.gradDict())) for (const v of g) sum += v * v;
  }
  const O = model.outputSize;
  const hasBias = model.head.params.has('bias');
  for (let o = 0; o < O; o++) {
    let db = 0;
    for (let b = 0; b < B; b++) db += dlogits[b * O + o];
    if (hasBias) sum += db * db;
    for (let j = 0; j < W; j++) {
      let dw = 0;
      for (let b = 0; b < B; b++) dw += dlogits[b * O + o] * headIn[b * W + j];
      sum += dw * dw;
    }
  }
  const embedding = model.embedding;
  if (embedding?.trainable) {
    const E = embedding.embeddingDim;
    const byId = new Map<number, Float64Array>();
    for (let i = 0; i < rows; i++) {
      const id = input[i];
      let row = byId.get(id);
      if (row === undefined) {
        row = new Float64Array(E);
        byId.set(id, row);
      }
      for (let j = 0; j < E; j++) row[j] += dx[i * E + j];
    }
    for (const row of byId.values()) for (const v of row) sum += v * v;
  }
  return sum;
}
