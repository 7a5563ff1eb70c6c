/**
 * A float64 reference implementation of multi-layer, optionally bidirectional recurrent layers
 * (vanilla RNN with tanh or ReLU, LSTM, GRU in both "reset after" and "reset before" forms), with
 * PyTorch's semantics and state_dict naming.
 *
 * This file is a test oracle. It is written straight from the equations with naive loops over
 * plain `Float64Array`s and shares no code with `src/`, so that the library can be tested against
 * something that was not derived from it. Speed is irrelevant here; clarity is the point.
 *
 * Layout (all row-major):
 * - input `x` (T, B, I), time-major;
 * - initial / final states `h0`, `c0`, `hN`, `cN` (L·D, B, H), index `layer·D + direction`
 *   (PyTorch's order: layer-major, direction-minor);
 * - output (T, B, D·H): the forward direction's h_t in columns [0, H), the reverse direction's
 *   h_t (the state after it has consumed x_t … x_{T-1}) in columns [H, 2H);
 * - parameters keyed `weight_ih_l{k}` (G, I_k), `weight_hh_l{k}` (G, H), `bias_ih_l{k}` (G),
 *   `bias_hh_l{k}` (G), with the suffix `_reverse` for the backward direction; I_0 = inputSize,
 *   I_k = D·H for k > 0; G = 4H for LSTM (gates i, f, g, o), 3H for GRU (r, z, n), H for RNN.
 *
 * Equations (σ = logistic sigmoid, ∘ = element-wise product):
 * - RNN:  h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or relu.
 * - LSTM: i, f, o = σ(·), g = tanh(·) of (W_ih x + b_ih + W_hh h + b_hh) split in four;
 *         c' = f∘c + i∘g; h' = o∘tanh(c').
 * - GRU:  r, z = σ(W_i· x + b_i· + W_h· h + b_h·);
 *         resetAfter = true:  n = tanh(W_in x + b_in + r∘(W_hn h + b_hn));
 *         resetAfter = false: n = tanh(W_in x + b_in + W_hn (r∘h) + b_hn);
 *         h' = (1 − z)∘n + z∘h.
 */

/** Which recurrent layer, in PyTorch's terms (`torch.nn.RNN / LSTM / GRU` constructor arguments). */
export interface RecurrentSpec {
  /** The cell type. */
  cell: 'rnn' | 'lstm' | 'gru';
  /** Features of the input x (I_0). */
  inputSize: number;
  /** Features of the hidden state (H). */
  hiddenSize: number;
  /** Stacked layers (L). */
  numLayers: number;
  /** Two directions per layer (D = 2) or one (D = 1). */
  bidirectional: boolean;
  /** Whether `bias_ih_*` / `bias_hh_*` exist; without them the biases are zero. */
  bias: boolean;
  /** RNN only: the non-linearity (default tanh). */
  nonlinearity?: 'tanh' | 'relu';
  /** GRU only: true (default) for PyTorch's form r∘(W_hn h + b_hn), false for W_hn (r∘h) + b_hn. */
  resetAfter?: boolean;
}

/** The length and batch size of one call: x is (seqLen, batch, inputSize). */
export interface SequenceDims {
  /** T, the number of time steps. */
  seqLen: number;
  /** B, the batch size. */
  batch: number;
}

/** A spec together with the sequence dimensions of one call. */
export type RunSpec = RecurrentSpec & SequenceDims;

/** Parameters keyed by PyTorch state_dict names (see the file comment for shapes). */
export type Params64 = Record<string, Float64Array>;

/** What a forward pass returns. */
export interface Forward64 {
  /** (T, B, D·H) top layer's h_t, directions concatenated. */
  output: Float64Array;
  /** (L·D, B, H) final hidden state of every layer and direction. */
  hN: Float64Array;
  /** (L·D, B, H) final cell state (LSTM only). */
  cN?: Float64Array;
}

/** Weights of the scalar test loss L = Σ output∘Wo + Σ hN∘Wh + Σ cN∘Wc (absent terms count zero). */
export interface LossWeights64 {
  /** (T, B, D·H) */
  output: Float64Array;
  /** (L·D, B, H) */
  hN?: Float64Array;
  /** (L·D, B, H), LSTM only. */
  cN?: Float64Array;
}

/** The loss value and its gradient with respect to every input of the forward pass. */
export interface Grads64 {
  /** The scalar L. */
  loss: number;
  /** dL/dparam for every parameter, same names and shapes as the parameters. */
  params: Params64;
  /** dL/dx (T, B, I). */
  x: Float64Array;
  /** dL/dh0 (L·D, B, H). */
  h0: Float64Array;
  /** dL/dc0 (L·D, B, H), LSTM only. */
  c0?: Float64Array;
}

// ------------------------------------------------------------------------------------ shapes

/** D: number of directions. */
export function numDirections(spec: RecurrentSpec): number {
  return spec.bidirectional ? 2 : 1;
}

/** G: rows of weight_ih / weight_hh (4H LSTM, 3H GRU, H RNN). */
export function gateRows(spec: RecurrentSpec): number {
  const H = spec.hiddenSize;
  return spec.cell === 'lstm' ? 4 * H : spec.cell === 'gru' ? 3 * H : H;
}

/** I_k: input features of layer k. */
export function layerInputSize(spec: RecurrentSpec, layer: number): number {
  return layer === 0 ? spec.inputSize : numDirections(spec) * spec.hiddenSize;
}

/** The name suffix of (layer, direction): `_l{k}` or `_l{k}_reverse`. */
export function paramSuffix(layer: number, direction: number): string {
  return `_l${layer}${direction === 1 ? '_reverse' : ''}`;
}

/** Every parameter's shape, in PyTorch's state_dict order. */
export function paramShapes(spec: RecurrentSpec): Record<string, number[]> {
  const G = gateRows(spec);
  const H = spec.hiddenSize;
  const shapes: Record<string, number[]> = {};
  for (let k = 0; k < spec.numLayers; k++) {
    for (let d = 0; d < numDirections(spec); d++) {
      const s = paramSuffix(k, d);
      shapes[`weight_ih${s}`] = [G, layerInputSize(spec, k)];
      shapes[`weight_hh${s}`] = [G, H];
      if (spec.bias) {
        shapes[`bias_ih${s}`] = [G];
        shapes[`bias_hh${s}`] = [G];
      }
    }
  }
  return shapes;
}

// ------------------------------------------------------------------------------------ random data

/**
 * Seeded uniform values in [lo, hi) as float64 (mulberry32 stream). With `float32Exact` every
 * value is rounded to the nearest float32, so that a float32 implementation given the same
 * numbers sees exactly the same inputs.
 */
export function seededUniform64(n: number, seed: number, lo = -1, hi = 1, float32Exact = false): Float64Array {
  let state = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    const v = lo + (hi - lo) * u;
    out[i] = float32Exact ? Math.fround(v) : v;
  }
  return out;
}

/**
 * Seeded random parameters for `spec`, uniform in [-scale, scale) (default 1/√H, PyTorch's
 * initialisation range). Each tensor gets its own sub-seed, so adding a tensor does not shift the
 * others.
 */
export function randomParams64(
  spec: RecurrentSpec,
  seed: number,
  options: { scale?: number; float32Exact?: boolean } = {},
): Params64 {
  const scale = options.scale ?? 1 / Math.sqrt(spec.hiddenSize);
  const params: Params64 = {};
  let index = 0;
  for (const [name, shape] of Object.entries(paramShapes(spec))) {
    const n = shape.reduce((a, b) => a * b, 1);
    params[name] = seededUniform64(
      n,
      (seed * 7919 + 104729 * ++index) >>> 0,
      -scale,
      scale,
      options.float32Exact ?? false,
    );
  }
  return params;
}

/** Deep copy of a parameter record. */
export function cloneParams64(params: Params64): Params64 {
  const out: Params64 = {};
  for (const [name, value] of Object.entries(params)) out[name] = Float64Array.from(value);
  return out;
}

// ------------------------------------------------------------------------------------ activations

function sigmoid(a: number): number {
  return 1 / (1 + Math.exp(-a));
}

/** y = W v + b for W (rows, cols) row-major, added into `y` starting at row offset `row0`. */
function addMatVec(
  y: Float64Array,
  W: Float64Array,
  rows: number,
  cols: number,
  v: ArrayLike<number>,
  vOffset: number,
  row0 = 0,
): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += W[(row0 + r) * cols + c] * v[vOffset + c];
    y[r] += s;
  }
}

// ------------------------------------------------------------------------------------ one direction

/** The weights of one (layer, direction). Absent biases are zero vectors. */
interface DirectionWeights {
  wih: Float64Array;
  whh: Float64Array;
  bih: Float64Array;
  bhh: Float64Array;
}

/** What one step saves for backward, per batch row. */
interface StepCache {
  /** (B, H) state before the step. */
  hPrev: Float64Array;
  /** (B, H) cell state before the step (LSTM). */
  cPrev: Float64Array;
  /** (B, G) activated gates: RNN h'; LSTM i, f, g, o; GRU r, z, n. */
  gates: Float64Array;
  /** (B, H) cell state after the step (LSTM). */
  c: Float64Array;
  /** (B, H) GRU resetAfter only: W_hn h + b_hn. */
  hn: Float64Array;
  /** (B, H) RNN only: the pre-activation (for ReLU's derivative). */
  pre: Float64Array;
}

function directionWeights(spec: RecurrentSpec, params: Params64, layer: number, direction: number): DirectionWeights {
  const s = paramSuffix(layer, direction);
  const G = gateRows(spec);
  const get = (name: string): Float64Array => {
    const v = params[name];
    if (!v) throw new Error(`reference: missing parameter ${name}`);
    return v;
  };
  return {
    wih: get(`weight_ih${s}`),
    whh: get(`weight_hh${s}`),
    bih: spec.bias ? get(`bias_ih${s}`) : new Float64Array(G),
    bhh: spec.bias ? get(`bias_hh${s}`) : new Float64Array(G),
  };
}

/**
 * One cell step for one batch row: reads x (I values at xOff), h, c (H values); writes h', c'
 * and fills `cache` for row b.
 */
function cellStep(
  spec: RecurrentSpec,
  w: DirectionWeights,
  I: number,
  x: Float64Array,
  xOff: number,
  h: Float64Array,
  c: Float64Array,
  hOut: Float64Array,
  cOut: Float64Array,
  cache: StepCache,
  b: number,
): void {
  const H = spec.hiddenSize;
  const G = gateRows(spec);
  if (spec.cell === 'rnn') {
    const pre = Float64Array.from(w.bih);
    for (let g = 0; g < G; g++) pre[g] += w.bhh[g];
    addMatVec(pre, w.wih, G, I, x, xOff);
    addMatVec(pre, w.whh, G, H, h, 0);
    for (let j = 0; j < H; j++) {
      const a = pre[j];
      const y = spec.nonlinearity === 'relu' ? Math.max(a, 0) : Math.tanh(a);
      hOut[j] = y;
      cache.pre[b * H + j] = a;
      cache.gates[b * G + j] = y;
    }
    return;
  }
  if (spec.cell === 'lstm') {
    const pre = Float64Array.from(w.bih);
    for (let g = 0; g < G; g++) pre[g] += w.bhh[g];
    addMatVec(pre, w.wih, G, I, x, xOff);
    addMatVec(pre, w.whh, G, H, h, 0);
    for (let j = 0; j < H; j++) {
      const i = sigmoid(pre[j]);
      const f = sigmoid(pre[H + j]);
      const g = Math.tanh(pre[2 * H + j]);
      const o = sigmoid(pre[3 * H + j]);
      const cNew = f * c[j] + i * g;
      cOut[j] = cNew;
      hOut[j] = o * Math.tanh(cNew);
      cache.gates[b * G + j] = i;
      cache.gates[b * G + H + j] = f;
      cache.gates[b * G + 2 * H + j] = g;
      cache.gates[b * G + 3 * H + j] = o;
      cache.c[b * H + j] = cNew;
    }
    return;
  }
  // GRU
  const resetAfter = spec.resetAfter ?? true;
  const xs = Float64Array.from(w.bih); // W_i· x + b_i·, all three blocks
  addMatVec(xs, w.wih, G, I, x, xOff);
  const hs = Float64Array.from(w.bhh); // W_h· h + b_h·, all three blocks (n block unused when reset before)
  addMatVec(hs, w.whh, G, H, h, 0);
  const r = new Float64Array(H);
  const z = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    r[j] = sigmoid(xs[j] + hs[j]);
    z[j] = sigmoid(xs[H + j] + hs[H + j]);
  }
  const nPre = new Float64Array(H);
  if (resetAfter) {
    for (let j = 0; j < H; j++) {
      nPre[j] = xs[2 * H + j] + r[j] * hs[2 * H + j];
      cache.hn[b * H + j] = hs[2 * H + j];
    }
  } else {
    const rh = new Float64Array(H);
    for (let j = 0; j < H; j++) rh[j] = r[j] * h[j];
    for (let j = 0; j < H; j++) nPre[j] = xs[2 * H + j] + w.bhh[2 * H + j];
    addMatVec(nPre, w.whh, H, H, rh, 0, 2 * H);
  }
  for (let j = 0; j < H; j++) {
    const n = Math.tanh(nPre[j]);
    hOut[j] = (1 - z[j]) * n + z[j] * h[j];
    cache.gates[b * G + j] = r[j];
    cache.gates[b * G + H + j] = z[j];
    cache.gates[b * G + 2 * H + j] = n;
  }
}

/** Result of running one direction of one layer. */
interface DirectionRun {
  /** (T, B, H) h_t at time index t (for reverse: the state after consuming x_t). */
  hs: Float64Array;
  hN: Float64Array;
  cN: Float64Array;
  /** caches[t] is the step that consumed x_t. */
  caches: StepCache[];
}

/** Runs one direction over x (T, B, I) from h0, c0 (B, H). */
function runDirection(
  spec: RecurrentSpec,
  w: DirectionWeights,
  x: Float64Array,
  T: number,
  B: number,
  I: number,
  reverse: boolean,
  h0: Float64Array,
  c0: Float64Array,
): DirectionRun {
  const H = spec.hiddenSize;
  const G = gateRows(spec);
  const hs = new Float64Array(T * B * H);
  const caches: StepCache[] = new Array(T);
  let h = Float64Array.from(h0);
  let c = Float64Array.from(c0);
  for (let step = 0; step < T; step++) {
    const t = reverse ? T - 1 - step : step;
    const cache: StepCache = {
      hPrev: h,
      cPrev: c,
      gates: new Float64Array(B * G),
      c: new Float64Array(B * H),
      hn: new Float64Array(B * H),
      pre: new Float64Array(B * H),
    };
    const hNext = new Float64Array(B * H);
    const cNext = new Float64Array(B * H);
    for (let b = 0; b < B; b++) {
      const hRow = h.subarray(b * H, (b + 1) * H);
      const cRow = c.subarray(b * H, (b + 1) * H);
      cellStep(
        spec,
        w,
        I,
        x,
        (t * B + b) * I,
        hRow,
        cRow,
        hNext.subarray(b * H, (b + 1) * H),
        cNext.subarray(b * H, (b + 1) * H),
        cache,
        b,
      );
    }
    caches[t] = cache;
    hs.set(hNext, t * B * H);
    h = hNext;
    c = cNext;
  }
  return { hs, hN: h, cN: c, caches };
}

// ------------------------------------------------------------------------------------ forward

function checkSizes(spec: RunSpec, params: Params64, x: Float64Array, h0?: Float64Array, c0?: Float64Array): void {
  const { seqLen: T, batch: B, inputSize: I, hiddenSize: H, numLayers: L } = spec;
  const D = numDirections(spec);
  if (x.length !== T * B * I) throw new Error(`reference: x has ${x.length} values, expected T·B·I = ${T * B * I}`);
  if (h0 && h0.length !== L * D * B * H)
    throw new Error(`reference: h0 has ${h0.length} values, expected ${L * D * B * H}`);
  if (c0 && c0.length !== L * D * B * H)
    throw new Error(`reference: c0 has ${c0.length} values, expected ${L * D * B * H}`);
  for (const [name, shape] of Object.entries(paramShapes(spec))) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (!params[name] || params[name].length !== n) throw new Error(`reference: ${name} must have ${n} values`);
  }
}

/** Full forward with every direction's run kept (for backward). */
function forwardWithRuns(spec: RunSpec, params: Params64, x: Float64Array, h0?: Float64Array, c0?: Float64Array) {
  checkSizes(spec, params, x, h0, c0);
  const { seqLen: T, batch: B, hiddenSize: H, numLayers: L } = spec;
  const D = numDirections(spec);
  const hN = new Float64Array(L * D * B * H);
  const cN = new Float64Array(L * D * B * H);
  const layerInputs: Float64Array[] = [];
  const runs: DirectionRun[][] = [];
  let input = x;
  for (let k = 0; k < L; k++) {
    const I = layerInputSize(spec, k);
    layerInputs.push(input);
    const out = new Float64Array(T * B * D * H);
    const layerRuns: DirectionRun[] = [];
    for (let d = 0; d < D; d++) {
      const s = (k * D + d) * B * H;
      const hInit = h0 ? h0.slice(s, s + B * H) : new Float64Array(B * H);
      const cInit = c0 ? c0.slice(s, s + B * H) : new Float64Array(B * H);
      const run = runDirection(spec, directionWeights(spec, params, k, d), input, T, B, I, d === 1, hInit, cInit);
      layerRuns.push(run);
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < H; j++) out[(t * B + b) * D * H + d * H + j] = run.hs[(t * B + b) * H + j];
        }
      }
      hN.set(run.hN, s);
      cN.set(run.cN, s);
    }
    runs.push(layerRuns);
    input = out;
  }
  return { output: input, hN, cN, layerInputs, runs };
}

/**
 * Forward pass of the whole stack in float64. `h0` / `c0` (L·D, B, H) default to zeros; `cN`
 * is returned for LSTM only.
 */
export function forward64(
  spec: RunSpec,
  params: Params64,
  x: Float64Array,
  h0?: Float64Array,
  c0?: Float64Array,
): Forward64 {
  const { output, hN, cN } = forwardWithRuns(spec, params, x, h0, c0);
  return spec.cell === 'lstm' ? { output, hN, cN } : { output, hN };
}

/** The scalar test loss L = Σ output∘Wo + Σ hN∘Wh + Σ cN∘Wc of a forward result. */
export function weightedLoss64(result: Forward64, weights: LossWeights64): number {
  let loss = 0;
  const dot = (a: Float64Array, b: Float64Array | undefined): void => {
    if (!b) return;
    if (a.length !== b.length) throw new Error(`reference: loss weight has ${b.length} values, expected ${a.length}`);
    for (let i = 0; i < a.length; i++) loss += a[i] * b[i];
  };
  dot(result.output, weights.output);
  dot(result.hN, weights.hN);
  if (result.cN) dot(result.cN, weights.cN);
  return loss;
}

// ------------------------------------------------------------------------------------ finite differences

/**
 * Central finite-difference gradient of `f` with respect to every element of `v`:
 * (f(v + step·e_i) − f(v − step·e_i)) / (2·step). `v` is perturbed in place and restored exactly.
 */
export function finiteDifferenceGrad(f: () => number, v: Float64Array, step = 1e-5): Float64Array {
  const grad = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const saved = v[i];
    v[i] = saved + step;
    const plus = f();
    v[i] = saved - step;
    const minus = f();
    v[i] = saved;
    grad[i] = (plus - minus) / (2 * step);
  }
  return grad;
}

function zerosState(spec: RunSpec): Float64Array {
  return new Float64Array(spec.numLayers * numDirections(spec) * spec.batch * spec.hiddenSize);
}

/**
 * L = Σ output∘Wo + Σ hN∘Wh + Σ cN∘Wc and its gradient with respect to every parameter, x, h0
 * and c0 (LSTM), all by central finite differences in float64 — the oracle. Missing h0 / c0
 * mean zeros (their gradient is still returned). Inputs are not modified.
 *
 * The default step 1e-5 balances the two errors of a central difference: truncation ~step²·|L'''|
 * and rounding ~ε·|L|/step. Measured on the 2-layer bidirectional test problems (|L| ≈ 1–4,
 * gradients O(0.1–1)): step 1e-5 agrees with hand-written BPTT to 5e-8 relative (abs 5e-10),
 * step 1e-6 only to 8e-7 (abs 1.6e-9), dominated by rounding.
 */
export function lossAndGrads64(
  spec: RunSpec,
  params: Params64,
  x: Float64Array,
  h0: Float64Array | undefined,
  c0: Float64Array | undefined,
  weights: LossWeights64,
  step = 1e-5,
): Grads64 {
  const p = cloneParams64(params);
  const xv = Float64Array.from(x);
  const h0v = h0 ? Float64Array.from(h0) : zerosState(spec);
  const c0v = c0 ? Float64Array.from(c0) : zerosState(spec);
  const lossOf = (): number => weightedLoss64(forward64(spec, p, xv, h0v, c0v), weights);
  const grads: Grads64 = {
    loss: lossOf(),
    params: {},
    x: finiteDifferenceGrad(lossOf, xv, step),
    h0: finiteDifferenceGrad(lossOf, h0v, step),
  };
  for (const name of Object.keys(paramShapes(spec))) grads.params[name] = finiteDifferenceGrad(lossOf, p[name], step);
  if (spec.cell === 'lstm') grads.c0 = finiteDifferenceGrad(lossOf, c0v, step);
  return grads;
}

// ------------------------------------------------------------------------------------ backpropagation through time

/** Gradients of one direction's weights (same shapes as DirectionWeights). */
interface DirectionGrads {
  wih: Float64Array;
  whh: Float64Array;
  bih: Float64Array;
  bhh: Float64Array;
}

/** dst (rows, cols) += u ⊗ v, i.e. dst[r][c] += u[r]·v[c], for rows of dst starting at row0. */
function addOuter(
  dst: Float64Array,
  cols: number,
  u: ArrayLike<number>,
  rows: number,
  v: ArrayLike<number>,
  vOffset: number,
  row0 = 0,
): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) dst[(row0 + r) * cols + c] += u[r] * v[vOffset + c];
  }
}

/** y (cols) += Wᵀ u over rows [row0, row0 + rows) of W (·, cols), into y at yOffset. */
function addMatTVec(
  y: Float64Array,
  yOffset: number,
  W: Float64Array,
  cols: number,
  u: ArrayLike<number>,
  rows: number,
  row0 = 0,
): void {
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += W[(row0 + r) * cols + c] * u[r];
    y[yOffset + c] += s;
  }
}

/**
 * Backward of one direction. dHs (T, B, H) is dL/dh_t from above (the layer output), dhN / dcN
 * (B, H) are dL/d(final state). Accumulates into dX (T, B, I) and the weight gradients; returns
 * dL/dh0 and dL/dc0 of this direction.
 */
function backwardDirection(
  spec: RecurrentSpec,
  w: DirectionWeights,
  run: DirectionRun,
  x: Float64Array,
  T: number,
  B: number,
  I: number,
  reverse: boolean,
  dHs: Float64Array,
  dhN: Float64Array,
  dcN: Float64Array,
  dX: Float64Array,
  gw: DirectionGrads,
): { dh0: Float64Array; dc0: Float64Array } {
  const H = spec.hiddenSize;
  const G = gateRows(spec);
  let dhCarry = Float64Array.from(dhN); // dL/dh_t through later steps and the final state
  let dcCarry = Float64Array.from(dcN);
  for (let step = T - 1; step >= 0; step--) {
    const t = reverse ? T - 1 - step : step;
    const cache = run.caches[t];
    const dhPrev = new Float64Array(B * H);
    const dcPrev = new Float64Array(B * H);
    for (let b = 0; b < B; b++) {
      const xOff = (t * B + b) * I;
      const hPrev = cache.hPrev.subarray(b * H, (b + 1) * H);
      const dh = new Float64Array(H);
      for (let j = 0; j < H; j++) dh[j] = dhCarry[b * H + j] + dHs[(t * B + b) * H + j];
      const gate = (k: number): number => cache.gates[b * G + k];
      // dIn: gradient of the input-side pre-activation (W_ih x + b_ih), G values;
      // dHid: gradient of the hidden-side pre-activation (W_hh h + b_hh, or its n block's stand-in).
      const dIn = new Float64Array(G);
      const dHid = new Float64Array(G);
      const dhp = dhPrev.subarray(b * H, (b + 1) * H);
      if (spec.cell === 'rnn') {
        for (let j = 0; j < H; j++) {
          const y = gate(j);
          const slope = spec.nonlinearity === 'relu' ? (cache.pre[b * H + j] > 0 ? 1 : 0) : 1 - y * y;
          dIn[j] = dHid[j] = dh[j] * slope;
        }
        addMatTVec(dhp, 0, w.whh, H, dHid, G);
      } else if (spec.cell === 'lstm') {
        for (let j = 0; j < H; j++) {
          const i = gate(j),
            f = gate(H + j),
            g = gate(2 * H + j),
            o = gate(3 * H + j);
          const c = cache.c[b * H + j];
          const tc = Math.tanh(c);
          const dc = dcCarry[b * H + j] + dh[j] * o * (1 - tc * tc);
          const cPrev = cache.cPrev[b * H + j];
          dIn[j] = dc * g * i * (1 - i);
          dIn[H + j] = dc * cPrev * f * (1 - f);
          dIn[2 * H + j] = dc * i * (1 - g * g);
          dIn[3 * H + j] = dh[j] * tc * o * (1 - o);
          dcPrev[b * H + j] = dc * f;
        }
        dHid.set(dIn);
        addMatTVec(dhp, 0, w.whh, H, dHid, G);
      } else {
        const resetAfter = spec.resetAfter ?? true;
        const dr = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          const z = gate(H + j),
            n = gate(2 * H + j);
          const dn = dh[j] * (1 - z);
          const dz = dh[j] * (hPrev[j] - n);
          dhp[j] += dh[j] * z;
          const dnPre = dn * (1 - n * n);
          dIn[H + j] = dHid[H + j] = dz * z * (1 - z);
          dIn[2 * H + j] = dnPre;
          if (resetAfter) {
            dr[j] = dnPre * cache.hn[b * H + j];
            dHid[2 * H + j] = dnPre * gate(j);
          } else {
            dHid[2 * H + j] = dnPre;
          }
        }
        if (!resetAfter) {
          // n block: W_hn (r∘h) + b_hn → d(r∘h) = W_hnᵀ dnPre.
          const du = new Float64Array(H);
          addMatTVec(du, 0, w.whh, H, dHid.subarray(2 * H), H, 2 * H);
          for (let j = 0; j < H; j++) {
            dr[j] = du[j] * hPrev[j];
            dhp[j] += du[j] * gate(j);
          }
        }
        for (let j = 0; j < H; j++) {
          const r = gate(j);
          dIn[j] = dHid[j] = dr[j] * r * (1 - r);
        }
        // dh_prev through W_hr, W_hz (and W_hn when reset after).
        addMatTVec(dhp, 0, w.whh, H, dHid, resetAfter ? G : 2 * H);
        if (!resetAfter) {
          const u = new Float64Array(H);
          for (let j = 0; j < H; j++) u[j] = gate(j) * hPrev[j];
          addOuter(gw.whh, H, dHid.subarray(2 * H), H, u, 0, 2 * H);
          for (let j = 0; j < H; j++) gw.bhh[2 * H + j] += dHid[2 * H + j];
        }
      }
      // Parameter gradients shared by every cell form.
      addOuter(gw.wih, I, dIn, G, x, xOff);
      for (let g = 0; g < G; g++) gw.bih[g] += dIn[g];
      const hiddenRows = spec.cell === 'gru' && !(spec.resetAfter ?? true) ? 2 * H : G;
      addOuter(gw.whh, H, dHid, hiddenRows, hPrev, 0);
      for (let g = 0; g < hiddenRows; g++) gw.bhh[g] += dHid[g];
      addMatTVec(dX, xOff, w.wih, I, dIn, G);
    }
    dhCarry = dhPrev;
    dcCarry = dcPrev;
  }
  return { dh0: dhCarry, dc0: dcCarry };
}

/**
 * The same gradients as {@link lossAndGrads64}, by hand-written backpropagation through time in
 * float64 (exact up to rounding, so it can check a float32 implementation tightly).
 */
export function analyticGrads64(
  spec: RunSpec,
  params: Params64,
  x: Float64Array,
  h0: Float64Array | undefined,
  c0: Float64Array | undefined,
  weights: LossWeights64,
): Grads64 {
  const { seqLen: T, batch: B, hiddenSize: H, numLayers: L } = spec;
  const D = numDirections(spec);
  const fw = forwardWithRuns(spec, params, x, h0, c0);
  const loss = weightedLoss64(spec.cell === 'lstm' ? fw : { output: fw.output, hN: fw.hN }, weights);
  const grads: Grads64 = { loss, params: {}, x: new Float64Array(x.length), h0: zerosState(spec) };
  if (spec.cell === 'lstm') grads.c0 = zerosState(spec);
  for (const [name, shape] of Object.entries(paramShapes(spec)))
    grads.params[name] = new Float64Array(shape.reduce((a, b) => a * b, 1));
  if (weights.output.length !== T * B * D * H) throw new Error('reference: loss weight for output has the wrong size');
  let dOut = Float64Array.from(weights.output); // dL/d(output of layer k), (T, B, D·H)
  for (let k = L - 1; k >= 0; k--) {
    const I = layerInputSize(spec, k);
    const dX = new Float64Array(T * B * I);
    for (let d = 0; d < D; d++) {
      const s = (k * D + d) * B * H;
      const dHs = new Float64Array(T * B * H);
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < H; j++) dHs[(t * B + b) * H + j] = dOut[(t * B + b) * D * H + d * H + j];
        }
      }
      const dhN = weights.hN ? weights.hN.slice(s, s + B * H) : new Float64Array(B * H);
      const dcN = spec.cell === 'lstm' && weights.cN ? weights.cN.slice(s, s + B * H) : new Float64Array(B * H);
      const suffix = paramSuffix(k, d);
      const G = gateRows(spec);
      const gw: DirectionGrads = {
        wih: grads.params[`weight_ih${suffix}`],
        whh: grads.params[`weight_hh${suffix}`],
        bih: spec.bias ? grads.params[`bias_ih${suffix}`] : new Float64Array(G),
        bhh: spec.bias ? grads.params[`bias_hh${suffix}`] : new Float64Array(G),
      };
      const { dh0, dc0 } = backwardDirection(
        spec,
        directionWeights(spec, params, k, d),
        fw.runs[k][d],
        fw.layerInputs[k],
        T,
        B,
        I,
        d === 1,
        dHs,
        dhN,
        dcN,
        dX,
        gw,
      );
      grads.h0.set(dh0, s);
      if (grads.c0) grads.c0.set(dc0, s);
    }
    dOut = dX;
  }
  grads.x = dOut;
  return grads;
}

// ------------------------------------------------------------------------------------ comparison

/**
 * Largest error between `actual` and `expected`: `abs` = max |a − e|, `rel` = max |a − e| /
 * max(|e|, floor). NaN anywhere makes both NaN (so a comparison with a tolerance fails).
 */
export function maxError64(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  floor: number,
): { abs: number; rel: number } {
  if (actual.length !== expected.length) throw new Error(`length mismatch: ${actual.length} vs ${expected.length}`);
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= abs)) abs = d;
    const r = d / Math.max(Math.abs(expected[i]), floor);
    if (!(r <= rel)) rel = r;
  }
  return { abs, rel };
}
