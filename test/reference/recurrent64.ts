/**
 * The float64 test oracle of strand's recurrent layers: vanilla RNN (tanh or ReLU), LSTM and GRU in
 * both "reset after" and "reset before" forms, at three levels —
 * - one step's element-wise cell arithmetic ({@link lstmCellForward64}, {@link rnnCellForward64}
 *   and their backward), what the fused gate kernels compute;
 * - one direction of one layer over a batch of sequences, optionally reversed and step-masked
 *   ({@link directionForward64}, {@link directionBackward64}), what the sequence kernels compute;
 * - a stack of layers, optionally bidirectional, with PyTorch's semantics and state_dict naming
 *   ({@link forward64}, {@link analyticGrads64}), what the layers and models compute —
 * each level built on the one before, so every test compares against the same arithmetic.
 *
 * It is written straight from the equations with naive loops over plain `Float64Array`s and shares
 * no code with `src/`, so that the library can be tested against something that was not derived
 * from it. Speed is irrelevant here; clarity is the point. Nothing in it needs Node: it also runs
 * in the browser page.
 *
 * Equations (σ = logistic sigmoid, ∘ = element-wise product; per step, x the input, h and c the
 * state before the step, h' and c' after):
 * - RNN:  h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or relu.
 * - LSTM: i, f, o = σ(·), g = tanh(·) of (W_ih x + b_ih + W_hh h + b_hh) split in four;
 *         c' = f∘c + i∘g; h' = o∘tanh(c').
 * - GRU:  r, z = σ(W_i· x + b_i· + W_h· h + b_h·);
 *         resetAfter = true:  n = tanh(W_in x + b_in + r∘(W_hn h + b_hn));
 *         resetAfter = false: n = tanh(W_in x + b_in + W_hn (r∘h) + b_hn);
 *         h' = (1 − z)∘n + z∘h.
 *
 * Conventions (all arrays row-major):
 * - Gate order: LSTM rows [i | f | g | o], GRU rows [r | z | n], each block H rows; G = 4H (LSTM),
 *   3H (GRU), H (RNN). Weights W_ih (G, I), W_hh (G, H), biases (G).
 * - GRU form: `resetAfter` defaults to true (PyTorch's form).
 * - Time order everywhere: row t of a (T, B, ·) array belongs to x_t, whichever the direction. A
 *   reversed direction consumes x_{T−1} first and x_0 last; its "final" state is the one after x_0.
 * - Step masks: (T, B) in time order; a row whose mask value is exactly 0 is a padded step. It
 *   holds the state (h and c), outputs zeros, saves zero gates; backward ignores its dy, passes the
 *   state gradients straight through, and gives it zero dx and zero pre-activation gradients.
 * - Gradients start from zero: every gradient returned is dL/d(·) alone. A kernel that accumulates
 *   into prior values is compared with prior + this gradient by the test.
 * - Biases: in the direction API each of b_ih and b_hh may be absent (zeros) on its own; in the
 *   stack API `bias` gives both or neither. The gradient of an absent bias is still computed (it is
 *   the gradient at zero).
 * - The ReLU's derivative at 0 is 0.
 *
 * Stack layout:
 * - input `x` (T, B, I), time-major;
 * - initial / final states `h0`, `c0`, `hN`, `cN` (L·D, B, H), index `layer·D + direction`
 *   (PyTorch's order: layer-major, direction-minor);
 * - output (T, B, D·H): the forward direction's h_t in columns [0, H), the reverse direction's
 *   h_t (the state after it has consumed x_t … x_{T-1}) in columns [H, 2H);
 * - parameters keyed `weight_ih_l{k}` (G, I_k), `weight_hh_l{k}` (G, H), `bias_ih_l{k}` (G),
 *   `bias_hh_l{k}` (G), with the suffix `_reverse` for the backward direction; I_0 = inputSize,
 *   I_k = D·H for k > 0.
 */

/** The cell type and its form: everything one step's arithmetic depends on besides the sizes. */
export interface CellSpec {
  /** The cell type. */
  cell: 'rnn' | 'lstm' | 'gru';
  /** RNN only: the non-linearity (default tanh). */
  nonlinearity?: 'tanh' | 'relu';
  /** GRU only: true (default) for PyTorch's form r∘(W_hn h + b_hn), false for W_hn (r∘h) + b_hn. */
  resetAfter?: boolean;
}

/** Which recurrent layer, in PyTorch's terms (`torch.nn.RNN / LSTM / GRU` constructor arguments). */
export interface RecurrentSpec extends CellSpec {
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

/** Gate blocks of H rows each: 4 (LSTM), 3 (GRU), 1 (RNN). */
export function gatesPerUnit(cell: CellSpec['cell']): number {
  return cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
}

/** D: number of directions. */
export function numDirections(spec: RecurrentSpec): number {
  return spec.bidirectional ? 2 : 1;
}

/** G: rows of weight_ih / weight_hh (4H LSTM, 3H GRU, H RNN). */
export function gateRows(spec: RecurrentSpec): number {
  return gatesPerUnit(spec.cell) * spec.hiddenSize;
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

// ------------------------------------------------------------------------------------ small linear algebra

function sigmoid(a: number): number {
  return 1 / (1 + Math.exp(-a));
}

/**
 * out (rows) = bias[row0 + r] + Σ_c W[row0 + r][c]·v[c] for rows [row0, row0 + rows) of W (·, cols);
 * an absent bias counts as zeros.
 */
function affine(
  W: ArrayLike<number>,
  bias: ArrayLike<number> | null | undefined,
  row0: number,
  rows: number,
  cols: number,
  v: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = bias ? bias[row0 + r] : 0;
    for (let c = 0; c < cols; c++) s += W[(row0 + r) * cols + c] * v[c];
    out[r] = s;
  }
  return out;
}

/** y (cols) += Σ_r W[row0 + r][c]·u[r] over rows [row0, row0 + rows) of W (·, cols): y += Wᵀ u. */
function addTransposedProduct(
  y: Float64Array,
  W: ArrayLike<number>,
  row0: number,
  rows: number,
  cols: number,
  u: ArrayLike<number>,
): void {
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += W[(row0 + r) * cols + c] * u[r];
    y[c] += s;
  }
}

/** dW[row0 + r][c] += u[r]·v[c] for r < u.length, c < cols: dW += u ⊗ v on a block of rows. */
function addOuterProduct(dW: Float64Array, row0: number, cols: number, u: ArrayLike<number>, v: ArrayLike<number>) {
  for (let r = 0; r < u.length; r++) {
    for (let c = 0; c < cols; c++) dW[(row0 + r) * cols + c] += u[r] * v[c];
  }
}

/** dst[i] += src[i]. */
function addInto(dst: Float64Array, src: ArrayLike<number>): void {
  for (let i = 0; i < src.length; i++) dst[i] += src[i];
}

// ------------------------------------------------------------------------------------ one step, element-wise

/**
 * The RNN's activation, element-wise over any shape: h' = tanh(a) or relu(a) of the summed
 * pre-activations a = W_ih x + b_ih + W_hh h + b_hh.
 */
export function rnnCellForward64(pre: ArrayLike<number>, nonlinearity: 'tanh' | 'relu' = 'tanh'): Float64Array {
  return Float64Array.from(pre, (a) => (nonlinearity === 'relu' ? Math.max(a, 0) : Math.tanh(a)));
}

/**
 * Backward of {@link rnnCellForward64}, element-wise: dL/da = dL/dh' · act'(a), the derivative
 * taken from the output h' (tanh: 1 − h'²; relu: 1 where h' > 0, that is a > 0, else 0).
 */
export function rnnCellBackward64(
  h: ArrayLike<number>,
  dh: ArrayLike<number>,
  nonlinearity: 'tanh' | 'relu' = 'tanh',
): Float64Array {
  return Float64Array.from(h, (y, i) => (nonlinearity === 'relu' ? (y > 0 ? dh[i] : 0) : dh[i] * (1 - y * y)));
}

/**
 * The LSTM step's element-wise part for B rows: from the summed pre-activations
 * a = W_ih x + b_ih + W_hh h + b_hh (B, 4H), blocks [i | f | g | o], and the previous cell state
 * c (B, H), the activated gates (B, 4H), c' = f∘c + i∘g (B, H) and h' = o∘tanh(c') (B, H).
 */
export function lstmCellForward64(
  B: number,
  H: number,
  pre: ArrayLike<number>,
  cPrev: ArrayLike<number>,
): { gates: Float64Array; c: Float64Array; h: Float64Array } {
  const G = 4 * H;
  const gates = new Float64Array(B * G);
  const c = new Float64Array(B * H);
  const h = new Float64Array(B * H);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const i = sigmoid(pre[b * G + j]);
      const f = sigmoid(pre[b * G + H + j]);
      const g = Math.tanh(pre[b * G + 2 * H + j]);
      const o = sigmoid(pre[b * G + 3 * H + j]);
      gates[b * G + j] = i;
      gates[b * G + H + j] = f;
      gates[b * G + 2 * H + j] = g;
      gates[b * G + 3 * H + j] = o;
      c[b * H + j] = f * cPrev[b * H + j] + i * g;
      h[b * H + j] = o * Math.tanh(c[b * H + j]);
    }
  }
  return { gates, c, h };
}

/**
 * Backward of {@link lstmCellForward64} for B rows. From the activated gates (B, 4H), the cell
 * state before (B, H) and after (B, H) the step, dL/dh' (B, H) in total (output and later steps
 * together) and dL/dc' (B, H) from later steps: dL/da (B, 4H) of the pre-activations and dL/dc
 * (B, H) of the cell state before the step.
 */
export function lstmCellBackward64(
  B: number,
  H: number,
  gates: ArrayLike<number>,
  cPrev: ArrayLike<number>,
  c: ArrayLike<number>,
  dh: ArrayLike<number>,
  dc: ArrayLike<number>,
): { dPre: Float64Array; dcPrev: Float64Array } {
  const G = 4 * H;
  const dPre = new Float64Array(B * G);
  const dcPrev = new Float64Array(B * H);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const i = gates[b * G + j];
      const f = gates[b * G + H + j];
      const g = gates[b * G + 2 * H + j];
      const o = gates[b * G + 3 * H + j];
      const tc = Math.tanh(c[b * H + j]);
      const dC = dc[b * H + j] + dh[b * H + j] * o * (1 - tc * tc); // dL/dc' in total
      dPre[b * G + j] = dC * g * i * (1 - i);
      dPre[b * G + H + j] = dC * cPrev[b * H + j] * f * (1 - f);
      dPre[b * G + 2 * H + j] = dC * i * (1 - g * g);
      dPre[b * G + 3 * H + j] = dh[b * H + j] * tc * o * (1 - o);
      dcPrev[b * H + j] = dC * f;
    }
  }
  return { dPre, dcPrev };
}

// ------------------------------------------------------------------------------------ one direction: forward

/**
 * One direction of one layer over a batch of sequences: what a sequence kernel computes. The
 * arrays are read, never written (a test may perturb them between calls).
 */
export interface Direction64 extends CellSpec {
  /** Time steps. */
  T: number;
  /** Batch rows. */
  B: number;
  /** Input features. */
  I: number;
  /** Hidden features. */
  H: number;
  /** Consume x_{T−1} … x_0 instead of x_0 … x_{T−1}. */
  reverse: boolean;
  /** (T, B, I) input, time-major. */
  x: Float64Array;
  /** (G, I) */
  wih: Float64Array;
  /** (G, H) */
  whh: Float64Array;
  /** (G), absent: zeros. */
  bih?: Float64Array | null;
  /** (G), absent: zeros. */
  bhh?: Float64Array | null;
  /** (B, H) initial hidden state, absent: zeros. */
  h0?: Float64Array | null;
  /** (B, H) initial cell state (LSTM only), absent: zeros. */
  c0?: Float64Array | null;
  /** (T, B) step mask in time order, 0 = padded step; absent: every step real. */
  mask?: ArrayLike<number> | null;
}

/** Everything a forward pass of one direction produces (time order, see the file comment). */
export interface DirectionTrace64 {
  /** (T, B, H) output: h after consuming x_t, 0 on a padded step. */
  y: Float64Array;
  /**
   * (T+1, B, H) hidden states at the boundaries between time steps: block k is the state between
   * x_{k−1} and x_k, i.e. after x_0 … x_{k−1} (forward) or after x_{T−1} … x_k (reverse). So the
   * initial state is block 0 (forward) or T (reverse), the state after x_t is block t+1 (forward)
   * or t (reverse), and a padded step's block repeats its predecessor.
   */
  hseq: Float64Array;
  /** (T+1, B, H) LSTM cell states, laid out as `hseq`; zeros for RNN and GRU. */
  cseq: Float64Array;
  /** (T, B, G) activated gates (LSTM i, f, g, o; GRU r, z, n; RNN the new state h'); 0 when padded. */
  gates: Float64Array;
  /** (T, B, H) GRU only: W_hn h + b_hn (reset after) or r∘h (reset before); 0 when padded or not GRU. */
  hn: Float64Array;
  /** (B, H) final hidden state, after the last step consumed. */
  hN: Float64Array;
  /** (B, H) final cell state (LSTM; zeros otherwise). */
  cN: Float64Array;
}

/** Block of `hseq` / `cseq` holding the state before the step that consumes x_t. */
export function blockBefore(p: Pick<Direction64, 'reverse'>, t: number): number {
  return p.reverse ? t + 1 : t;
}

/** Block of `hseq` / `cseq` holding the state after the step that consumes x_t. */
export function blockAfter(p: Pick<Direction64, 'reverse'>, t: number): number {
  return p.reverse ? t : t + 1;
}

/** Whether row (t, b) is a padded step. */
function isPadded(p: Direction64, t: number, b: number): boolean {
  return p.mask != null && p.mask[t * p.B + b] === 0;
}

function checkLength(what: string, a: ArrayLike<number> | null | undefined, n: number): void {
  if (a != null && a.length !== n) throw new Error(`reference: ${what} has ${a.length} values, expected ${n}`);
}

function checkDirection(p: Direction64): void {
  const { T, B, I, H } = p;
  const G = gatesPerUnit(p.cell) * H;
  checkLength('x (T·B·I)', p.x, T * B * I);
  checkLength('wih (G·I)', p.wih, G * I);
  checkLength('whh (G·H)', p.whh, G * H);
  checkLength('bih (G)', p.bih, G);
  checkLength('bhh (G)', p.bhh, G);
  checkLength('h0 (B·H)', p.h0, B * H);
  checkLength('c0 (B·H)', p.c0, B * H);
  checkLength('mask (T·B)', p.mask, T * B);
}

/** What one step of one batch row computes (and backward reads back). */
interface StepResult {
  /** (H) new hidden state. */
  h: Float64Array;
  /** (H) new cell state (LSTM; zeros otherwise). */
  c: Float64Array;
  /** (G) activated gates (RNN: h'). */
  gates: Float64Array;
  /** (H) GRU's hn (see {@link DirectionTrace64}); zeros otherwise. */
  hn: Float64Array;
}

/** One step of one batch row: x (I), h (H), c (H) → {@link StepResult}. */
function stepForward(p: Direction64, x: ArrayLike<number>, h: Float64Array, c: Float64Array): StepResult {
  const { I, H } = p;
  const G = gatesPerUnit(p.cell) * H;
  const gx = affine(p.wih, p.bih, 0, G, I, x); // (G) input side W_ih x + b_ih
  if (p.cell === 'gru') return gruStepForward(p, gx, h);
  const gh = affine(p.whh, p.bhh, 0, G, H, h); // (G) hidden side W_hh h + b_hh
  const pre = Float64Array.from(gx, (v, r) => v + gh[r]); // (G)
  if (p.cell === 'rnn') {
    const hNew = rnnCellForward64(pre, p.nonlinearity);
    return { h: hNew, c: new Float64Array(H), gates: hNew, hn: new Float64Array(H) };
  }
  const lstm = lstmCellForward64(1, H, pre, c);
  return { h: lstm.h, c: lstm.c, gates: lstm.gates, hn: new Float64Array(H) };
}

/** One GRU step of one batch row from its input side gx = W_ih x + b_ih (3H) and h (H). */
function gruStepForward(p: Direction64, gx: Float64Array, h: Float64Array): StepResult {
  const H = p.H;
  const resetAfter = p.resetAfter ?? true;
  const ghRZ = affine(p.whh, p.bhh, 0, 2 * H, H, h); // (2H) hidden side of r and z: W_h{r,z} h + b_h{r,z}
  const r = new Float64Array(H);
  const z = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    r[j] = sigmoid(gx[j] + ghRZ[j]);
    z[j] = sigmoid(gx[H + j] + ghRZ[H + j]);
  }
  const n = new Float64Array(H);
  let hn: Float64Array; // (H)
  if (resetAfter) {
    hn = affine(p.whh, p.bhh, 2 * H, H, H, h); // W_hn h + b_hn
    for (let j = 0; j < H; j++) n[j] = Math.tanh(gx[2 * H + j] + r[j] * hn[j]);
  } else {
    hn = Float64Array.from(h, (v, j) => r[j] * v); // r∘h
    const ghN = affine(p.whh, p.bhh, 2 * H, H, H, hn); // W_hn (r∘h) + b_hn
    for (let j = 0; j < H; j++) n[j] = Math.tanh(gx[2 * H + j] + ghN[j]);
  }
  const hNew = Float64Array.from(h, (v, j) => (1 - z[j]) * n[j] + z[j] * v);
  const gates = new Float64Array(3 * H);
  gates.set(r, 0);
  gates.set(z, H);
  gates.set(n, 2 * H);
  return { h: hNew, c: new Float64Array(H), gates, hn };
}

/** Forward pass of one direction; see {@link DirectionTrace64} for what it returns. */
export function directionForward64(p: Direction64): DirectionTrace64 {
  checkDirection(p);
  const { T, B, I, H } = p;
  const G = gatesPerUnit(p.cell) * H;
  const trace: DirectionTrace64 = {
    y: new Float64Array(T * B * H),
    hseq: new Float64Array((T + 1) * B * H),
    cseq: new Float64Array((T + 1) * B * H),
    gates: new Float64Array(T * B * G),
    hn: new Float64Array(T * B * H),
    hN: new Float64Array(B * H),
    cN: new Float64Array(B * H),
  };
  const initial = p.reverse ? T : 0;
  if (p.h0) trace.hseq.set(p.h0, initial * B * H);
  if (p.cell === 'lstm' && p.c0) trace.cseq.set(p.c0, initial * B * H);
  for (let step = 0; step < T; step++) {
    const t = p.reverse ? T - 1 - step : step;
    for (let b = 0; b < B; b++) {
      const row = t * B + b; // row of the (T, B, ·) arrays
      const before = (blockBefore(p, t) * B + b) * H;
      const after = (blockAfter(p, t) * B + b) * H;
      if (isPadded(p, t, b)) {
        trace.hseq.copyWithin(after, before, before + H);
        trace.cseq.copyWithin(after, before, before + H);
        continue;
      }
      const s = stepForward(
        p,
        p.x.subarray(row * I, (row + 1) * I),
        trace.hseq.slice(before, before + H),
        trace.cseq.slice(before, before + H),
      );
      trace.hseq.set(s.h, after);
      if (p.cell === 'lstm') trace.cseq.set(s.c, after);
      trace.y.set(s.h, row * H);
      trace.gates.set(s.gates, row * G);
      trace.hn.set(s.hn, row * H);
    }
  }
  const last = p.reverse ? 0 : T;
  trace.hN = trace.hseq.slice(last * B * H, (last + 1) * B * H);
  trace.cN = trace.cseq.slice(last * B * H, (last + 1) * B * H);
  return trace;
}

// ------------------------------------------------------------------------------------ one direction: backward

/** The gradients flowing into one direction from above: the loss is Σ dy∘y + Σ dhT∘hN + Σ dcT∘cN. */
export interface DirectionSeeds64 {
  /** (T, B, H) dL/dy, absent: zeros. Its padded rows do not matter (y is 0 there). */
  dy?: ArrayLike<number> | null;
  /** (B, H) dL/dhN, absent: zeros. */
  dhT?: ArrayLike<number> | null;
  /** (B, H) dL/dcN (LSTM only), absent: zeros. */
  dcT?: ArrayLike<number> | null;
}

/** Gradients of one direction, each from zero (see the file comment). */
export interface DirectionGrads64 {
  /** (T, B, I) dL/dx; 0 on padded rows. */
  dx: Float64Array;
  /** (B, H) dL/dh0. */
  dh0: Float64Array;
  /** (B, H) dL/dc0 (LSTM; zeros otherwise). */
  dc0: Float64Array;
  /** (G, I) */
  dwih: Float64Array;
  /** (G, H) */
  dwhh: Float64Array;
  /** (G) */
  dbih: Float64Array;
  /** (G) */
  dbhh: Float64Array;
  /** (T, B, G) dL/d(W_ih x_t + b_ih), the input-side pre-activations; 0 on padded rows. */
  dgx: Float64Array;
  /**
   * (T, B, G) dL/d(hidden-side pre-activations): W_hh h + b_hh, but W_hn (r∘h) + b_hn in the n
   * block of a reset-before GRU; 0 on padded rows. Equal to `dgx` for RNN and LSTM and in the GRU's
   * r and z blocks; in a reset-after GRU's n block it is r∘dgx.
   */
  dgh: Float64Array;
}

/** What backward reads back for one step of one batch row. */
interface SavedStep extends StepResult {
  /** (I) the input consumed. */
  x: Float64Array;
  /** (H) hidden state before the step. */
  hPrev: Float64Array;
  /** (H) cell state before the step. */
  cPrev: Float64Array;
}

/** Gradients of one step of one batch row. */
interface StepGrads {
  /** (G) input-side pre-activation gradient. */
  dgx: Float64Array;
  /** (G) hidden-side pre-activation gradient. */
  dgh: Float64Array;
  /** (H) dL/dh before the step, every path included. */
  dhPrev: Float64Array;
  /** (H) dL/dc before the step. */
  dcPrev: Float64Array;
}

/** Backward of one step of one batch row, from dL/dh' (H, in total) and dL/dc' (H). */
function stepBackward(p: Direction64, s: SavedStep, dh: Float64Array, dc: Float64Array): StepGrads {
  const H = p.H;
  const G = gatesPerUnit(p.cell) * H;
  if (p.cell === 'gru') return gruStepBackward(p, s, dh);
  let dPre: Float64Array; // (G)
  let dcPrev: Float64Array; // (H)
  if (p.cell === 'rnn') {
    dPre = rnnCellBackward64(s.h, dh, p.nonlinearity);
    dcPrev = Float64Array.from(dc);
  } else {
    ({ dPre, dcPrev } = lstmCellBackward64(1, H, s.gates, s.cPrev, s.c, dh, dc));
  }
  const dhPrev = new Float64Array(H);
  addTransposedProduct(dhPrev, p.whh, 0, G, H, dPre);
  return { dgx: dPre, dgh: Float64Array.from(dPre), dhPrev, dcPrev };
}

/** Backward of one GRU step of one batch row, from dL/dh' (H). */
function gruStepBackward(p: Direction64, s: SavedStep, dh: Float64Array): StepGrads {
  const H = p.H;
  const resetAfter = p.resetAfter ?? true;
  const r = s.gates.subarray(0, H);
  const z = s.gates.subarray(H, 2 * H);
  const n = s.gates.subarray(2 * H, 3 * H);
  const dgx = new Float64Array(3 * H); // [dr | dz | dn] of the input-side pre-activations
  const dgh = new Float64Array(3 * H); // [dr | dz | dn] of the hidden-side pre-activations
  const dhPrev = new Float64Array(H);
  const dr = new Float64Array(H); // dL/dr
  for (let j = 0; j < H; j++) {
    dhPrev[j] = dh[j] * z[j]; // h' = (1 − z)∘n + z∘h
    const dnPre = dh[j] * (1 - z[j]) * (1 - n[j] * n[j]);
    const dzPre = dh[j] * (s.hPrev[j] - n[j]) * z[j] * (1 - z[j]);
    dgx[H + j] = dgh[H + j] = dzPre;
    dgx[2 * H + j] = dnPre;
    if (resetAfter) {
      // n = tanh(gx_n + r∘hn), hn = W_hn h + b_hn
      dgh[2 * H + j] = dnPre * r[j];
      dr[j] = dnPre * s.hn[j];
    } else {
      // n = tanh(gx_n + W_hn (r∘h) + b_hn)
      dgh[2 * H + j] = dnPre;
    }
  }
  if (resetAfter) {
    addTransposedProduct(dhPrev, p.whh, 2 * H, H, H, dgh.subarray(2 * H)); // through W_hn h
  } else {
    const dRh = new Float64Array(H); // dL/d(r∘h) = W_hnᵀ dnPre
    addTransposedProduct(dRh, p.whh, 2 * H, H, H, dgh.subarray(2 * H));
    for (let j = 0; j < H; j++) {
      dr[j] = dRh[j] * s.hPrev[j];
      dhPrev[j] += dRh[j] * r[j];
    }
  }
  for (let j = 0; j < H; j++) dgx[j] = dgh[j] = dr[j] * r[j] * (1 - r[j]);
  addTransposedProduct(dhPrev, p.whh, 0, 2 * H, H, dgh.subarray(0, 2 * H)); // through W_h{r,z} h
  return { dgx, dgh, dhPrev, dcPrev: new Float64Array(H) };
}

/**
 * Backpropagation through time of one direction, by hand: the gradients of
 * L = Σ dy∘y + Σ dhT∘hN + Σ dcT∘cN (see {@link directionLoss64}), given the forward trace.
 */
export function directionBackward64(
  p: Direction64,
  trace: DirectionTrace64,
  seeds: DirectionSeeds64,
): DirectionGrads64 {
  checkDirection(p);
  const { T, B, I, H } = p;
  const G = gatesPerUnit(p.cell) * H;
  checkLength('dy (T·B·H)', seeds.dy, T * B * H);
  checkLength('dhT (B·H)', seeds.dhT, B * H);
  checkLength('dcT (B·H)', seeds.dcT, B * H);
  const grads: DirectionGrads64 = {
    dx: new Float64Array(T * B * I),
    dh0: new Float64Array(B * H),
    dc0: new Float64Array(B * H),
    dwih: new Float64Array(G * I),
    dwhh: new Float64Array(G * H),
    dbih: new Float64Array(G),
    dbhh: new Float64Array(G),
    dgx: new Float64Array(T * B * G),
    dgh: new Float64Array(T * B * G),
  };
  // dL/d(state after the step being undone), (B, H), through later steps and the final state
  let dh = seeds.dhT ? Float64Array.from(seeds.dhT) : new Float64Array(B * H);
  let dc = p.cell === 'lstm' && seeds.dcT ? Float64Array.from(seeds.dcT) : new Float64Array(B * H);
  for (let step = T - 1; step >= 0; step--) {
    const t = p.reverse ? T - 1 - step : step;
    const dhPrev = new Float64Array(B * H);
    const dcPrev = new Float64Array(B * H);
    for (let b = 0; b < B; b++) {
      const row = t * B + b;
      const state = b * H; // offset of row b in a (B, H) array
      if (isPadded(p, t, b)) {
        dhPrev.set(dh.subarray(state, state + H), state);
        dcPrev.set(dc.subarray(state, state + H), state);
        continue;
      }
      const before = (blockBefore(p, t) * B + b) * H;
      const after = (blockAfter(p, t) * B + b) * H;
      const saved: SavedStep = {
        x: p.x.subarray(row * I, (row + 1) * I),
        hPrev: trace.hseq.subarray(before, before + H),
        cPrev: trace.cseq.subarray(before, before + H),
        h: trace.hseq.subarray(after, after + H),
        c: trace.cseq.subarray(after, after + H),
        gates: trace.gates.subarray(row * G, (row + 1) * G),
        hn: trace.hn.subarray(row * H, (row + 1) * H),
      };
      const dhTotal = Float64Array.from(
        dh.subarray(state, state + H),
        (v, j) => v + (seeds.dy ? seeds.dy[row * H + j] : 0),
      );
      const g = stepBackward(p, saved, dhTotal, dc.subarray(state, state + H));
      grads.dgx.set(g.dgx, row * G);
      grads.dgh.set(g.dgh, row * G);
      dhPrev.set(g.dhPrev, state);
      dcPrev.set(g.dcPrev, state);
      // input side: gx = W_ih x + b_ih
      addOuterProduct(grads.dwih, 0, I, g.dgx, saved.x);
      addInto(grads.dbih, g.dgx);
      const dxRow = new Float64Array(I);
      addTransposedProduct(dxRow, p.wih, 0, G, I, g.dgx);
      grads.dx.set(dxRow, row * I);
      // hidden side: gh = W_hh v + b_hh, where v is h before the step, except in the n block of a
      // reset-before GRU, whose v is r∘h (saved as hn)
      addInto(grads.dbhh, g.dgh);
      if (p.cell === 'gru' && !(p.resetAfter ?? true)) {
        addOuterProduct(grads.dwhh, 0, H, g.dgh.subarray(0, 2 * H), saved.hPrev);
        addOuterProduct(grads.dwhh, 2 * H, H, g.dgh.subarray(2 * H), saved.hn);
      } else {
        addOuterProduct(grads.dwhh, 0, H, g.dgh, saved.hPrev);
      }
    }
    dh = dhPrev;
    dc = dcPrev;
  }
  grads.dh0 = dh;
  grads.dc0 = dc;
  return grads;
}

/** The scalar L = Σ dy∘y + Σ dhT∘hN + Σ dcT∘cN whose gradients {@link directionBackward64} computes. */
export function directionLoss64(trace: DirectionTrace64, seeds: DirectionSeeds64): number {
  let loss = 0;
  const dot = (a: Float64Array, w: ArrayLike<number> | null | undefined): void => {
    if (!w) return;
    if (a.length !== w.length) throw new Error(`reference: seed has ${w.length} values, expected ${a.length}`);
    for (let i = 0; i < a.length; i++) loss += a[i] * w[i];
  };
  dot(trace.y, seeds.dy);
  dot(trace.hN, seeds.dhT);
  dot(trace.cN, seeds.dcT);
  return loss;
}

// ------------------------------------------------------------------------------------ the stack: forward

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

/**
 * The {@link Direction64} of (layer, direction) of a stack: its parameters, its input (T, B, I_k)
 * and its slices of h0 / c0 (L·D, B, H).
 */
function stackDirection(
  spec: RunSpec,
  params: Params64,
  layer: number,
  direction: number,
  input: Float64Array,
  h0?: Float64Array,
  c0?: Float64Array,
): Direction64 {
  const s = paramSuffix(layer, direction);
  const { batch: B, hiddenSize: H } = spec;
  const state = (layer * numDirections(spec) + direction) * B * H;
  return {
    cell: spec.cell,
    nonlinearity: spec.nonlinearity,
    resetAfter: spec.resetAfter,
    T: spec.seqLen,
    B,
    I: layerInputSize(spec, layer),
    H,
    reverse: direction === 1,
    x: input,
    wih: params[`weight_ih${s}`],
    whh: params[`weight_hh${s}`],
    bih: spec.bias ? params[`bias_ih${s}`] : null,
    bhh: spec.bias ? params[`bias_hh${s}`] : null,
    h0: h0 ? h0.subarray(state, state + B * H) : null,
    c0: c0 ? c0.subarray(state, state + B * H) : null,
  };
}

/** Every (layer, direction) of a forward pass, kept for backward: runs[k][d]. */
interface StackRun {
  output: Float64Array;
  hN: Float64Array;
  cN: Float64Array;
  runs: Array<Array<{ problem: Direction64; trace: DirectionTrace64 }>>;
}

function runStack(spec: RunSpec, params: Params64, x: Float64Array, h0?: Float64Array, c0?: Float64Array): StackRun {
  checkSizes(spec, params, x, h0, c0);
  const { seqLen: T, batch: B, hiddenSize: H, numLayers: L } = spec;
  const D = numDirections(spec);
  const hN = new Float64Array(L * D * B * H);
  const cN = new Float64Array(L * D * B * H);
  const runs: StackRun['runs'] = [];
  let input = x;
  for (let k = 0; k < L; k++) {
    const out = new Float64Array(T * B * D * H); // (T, B, D·H)
    const layerRuns: StackRun['runs'][number] = [];
    for (let d = 0; d < D; d++) {
      const problem = stackDirection(spec, params, k, d, input, h0, c0);
      const trace = directionForward64(problem);
      layerRuns.push({ problem, trace });
      for (let row = 0; row < T * B; row++) {
        for (let j = 0; j < H; j++) out[row * D * H + d * H + j] = trace.y[row * H + j];
      }
      hN.set(trace.hN, (k * D + d) * B * H);
      cN.set(trace.cN, (k * D + d) * B * H);
    }
    runs.push(layerRuns);
    input = out;
  }
  return { output: input, hN, cN, runs };
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
  const { output, hN, cN } = runStack(spec, params, x, h0, c0);
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

// ------------------------------------------------------------------------------------ the stack: backward

/**
 * The same gradients as {@link lossAndGrads64}, by hand-written backpropagation through time in
 * float64 (exact up to rounding, so it can check a float32 implementation tightly): each layer's
 * directions by {@link directionBackward64}, top layer first, their input gradients summed into
 * the gradient of the layer below's output.
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
  const lstm = spec.cell === 'lstm';
  const fw = runStack(spec, params, x, h0, c0);
  const loss = weightedLoss64(lstm ? fw : { output: fw.output, hN: fw.hN }, weights);
  const grads: Grads64 = { loss, params: {}, x: new Float64Array(x.length), h0: zerosState(spec) };
  if (lstm) grads.c0 = zerosState(spec);
  for (const [name, shape] of Object.entries(paramShapes(spec)))
    grads.params[name] = new Float64Array(shape.reduce((a, b) => a * b, 1));
  if (weights.output.length !== T * B * D * H) throw new Error('reference: loss weight for output has the wrong size');
  let dOut = Float64Array.from(weights.output); // dL/d(output of layer k), (T, B, D·H)
  for (let k = L - 1; k >= 0; k--) {
    const dInput = new Float64Array(T * B * layerInputSize(spec, k)); // dL/d(input of layer k)
    for (let d = 0; d < D; d++) {
      const { problem, trace } = fw.runs[k][d];
      const state = (k * D + d) * B * H;
      const dy = new Float64Array(T * B * H); // this direction's columns of dOut
      for (let row = 0; row < T * B; row++) {
        for (let j = 0; j < H; j++) dy[row * H + j] = dOut[row * D * H + d * H + j];
      }
      const g = directionBackward64(problem, trace, {
        dy,
        dhT: weights.hN ? weights.hN.subarray(state, state + B * H) : null,
        dcT: lstm && weights.cN ? weights.cN.subarray(state, state + B * H) : null,
      });
      addInto(dInput, g.dx);
      const s = paramSuffix(k, d);
      grads.params[`weight_ih${s}`].set(g.dwih);
      grads.params[`weight_hh${s}`].set(g.dwhh);
      if (spec.bias) {
        grads.params[`bias_ih${s}`].set(g.dbih);
        grads.params[`bias_hh${s}`].set(g.dbhh);
      }
      grads.h0.set(g.dh0, state);
      if (grads.c0) grads.c0.set(g.dc0, state);
    }
    dOut = dInput;
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
