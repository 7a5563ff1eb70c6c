/**
 * The machinery under a {@link RecurrentLayer}: the workspace plan for each (T, B), the packed
 * weight cache of small forward calls, the saved activations a backward needs, and the buffers
 * gradients pass through. The layer owns the parameters and the public, checked API; the runner
 * runs the kernels over heap pointers.
 */
import type { Backend } from '../backend/backend.ts';
import {
  gruBackwardWork,
  gruForwardWork,
  lstmBackwardWork,
  lstmForwardWork,
  rnnBackwardWork,
  rnnForwardWork,
} from '../backend/kernels.ts';
import type { ParameterSet } from './params.ts';
import { Workspace } from './workspace.ts';

/** Pointers of one (T, B) workspace layout. */
export interface Layout {
  x: number;
  out: number[];
  gates: number[];
  hseq: number[];
  cseq: number[];
  hn: number[];
  work: number;
  /** An RNN's pre-activation gradients (T,B,H); 0 for LSTM and GRU, whose gate gradients go over the saved gates or into retainedGateGrads. */
  dpre: number;
  /** A reset-after GRU's hidden-side n gradient (T,B,H); 0 otherwise. */
  dgh: number;
  dhT: number;
  dcT: number;
  dh0: number;
  dc0: number;
  mask: number;
  merged: number;
  dmerged: number;
}

/**
 * Forward calls over at most this many rows (T·B) keep their packed weight panels between calls
 * (while the parameters are unchanged): for one-step streaming, generation and beam search the
 * packing costs more than the step. Larger calls pack into the shared workspace, where packing is
 * a small part of the work and a second copy of the weights would only cost memory.
 */
const PACKED_CACHE_MAX_ROWS = 256;

/** Pointers of the staging buffers where a public forward's inputs are checked (see {@link RecurrentRunner.stage}). */
export interface Staging {
  /** Input (T,B,I). */
  x: number;
  /** Initial hidden state (L·D,B,H). */
  h0: number;
  /** Initial cell state (L·D,B,H); 0 unless LSTM. */
  c0: number;
  /** Step mask (T,B). */
  mask: number;
}

/** The three recurrent cells. */
export type CellType = 'rnn' | 'lstm' | 'gru';

/** What a runner needs to know of its layer. */
export interface RecurrentRunnerSpec {
  cell: CellType;
  /** The layer's class name, for messages. */
  kind: string;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  merge: 'concat' | 'sum';
  /** 1: ReLU RNN, 0: tanh. */
  relu: number;
  /** 1: a reset-after GRU. */
  resetAfter: number;
  params: ParameterSet;
  /** Parameter names by layer and direction: [weight_ih, weight_hh, bias_ih, bias_hh]. */
  names: string[][][];
  backend: Backend;
}

/** @internal Runs a recurrent stack's kernels over heap buffers (see the file header). */
export class RecurrentRunner {
  readonly cell: CellType;
  readonly kind: string;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly merge: 'concat' | 'sum';
  readonly relu: number;
  readonly resetAfter: number;
  readonly params: ParameterSet;
  readonly names: string[][][];
  readonly backend: Backend;
  private readonly workspace: Workspace;
  /**
   * LSTM or GRU gate gradients (T,B,4H or 3H) for a backward that keeps the saved activations (the public
   * backward, gradient checks): allocated on first use. A backward that releases them (the
   * Trainer's) writes the gate gradients over the saved gates instead and never needs this.
   */
  private readonly retainedGateGrads: Workspace;
  /**
   * Scratch that no call leaves anything in, apart from the layout: the two (T,B,max(I, D·H))
   * buffers a backward passes input gradients through (layer k's dx is layer k−1's dy), planned
   * when a backward needs them (never by the Trainer's backward of a one-layer stack fed from
   * data, which computes no input gradient), and the {@link stage} buffers of a public forward.
   */
  private readonly scratch: Workspace;
  private readonly inputGradPtrs: number[] = [];
  private readonly inputGradSizes: number[] = [0, 0];
  /** Packed weights of each layer and direction for small forward calls (see PACKED_CACHE_MAX_ROWS). */
  private readonly packedCache: Workspace;
  private readonly packedPtrs: number[] = [];
  private readonly packedSizes: number[] = [];
  /** `params.version` when packedCache was last filled (−1: never, or invalidated). */
  private packedVersion = -1;
  /** The batch size packedCache was laid out for when filled (its layout depends on B only). */
  private packedBatch = 0;
  /** Whether a releasing backward has overwritten the saved gates since the last forward. */
  private activationsReleased = false;
  private saved: { T: number; B: number; x: number; mask: number } | null = null;
  private readonly layoutSizes: number[] = [];
  private readonly layoutPtrs: number[] = [];
  /** The last layout, for (T, B) on the slab at base; a call with the same shape reuses it. */
  private lastLayout: { T: number; B: number; base: number; layout: Layout } | null = null;
  /** Scratch for {@link retainedGateGrads}' pointer. */
  private readonly retainedPtr: number[] = [];
  /** The {@link stage} buffers' pointers and sizes in {@link scratch}. */
  private readonly stagingPtrs: number[] = [];
  private readonly stagingSizes: number[] = [0, 0, 0, 0];

  constructor(spec: RecurrentRunnerSpec) {
    this.cell = spec.cell;
    this.kind = spec.kind;
    this.inputSize = spec.inputSize;
    this.hiddenSize = spec.hiddenSize;
    this.numLayers = spec.numLayers;
    this.bidirectional = spec.bidirectional;
    this.merge = spec.merge;
    this.relu = spec.relu;
    this.resetAfter = spec.resetAfter;
    this.params = spec.params;
    this.names = spec.names;
    this.backend = spec.backend;
    this.workspace = new Workspace(this.backend.heap);
    this.retainedGateGrads = new Workspace(this.backend.heap);
    this.scratch = new Workspace(this.backend.heap);
    this.packedCache = new Workspace(this.backend.heap);
  }

  /** 2 if bidirectional, else 1. */
  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** Rows of each weight matrix: 4H (LSTM), 3H (GRU), H (RNN). */
  get gateRows(): number {
    return (this.cell === 'lstm' ? 4 : this.cell === 'gru' ? 3 : 1) * this.hiddenSize;
  }

  /** (T, B) of the last forward, or null before any. */
  lastShape(): { T: number; B: number } | null {
    return this.saved === null ? null : { T: this.saved.T, B: this.saved.B };
  }

  /** Frees every buffer and forgets the saved activations. Idempotent. */
  dispose(): void {
    this.workspace.dispose();
    this.retainedGateGrads.dispose();
    this.scratch.dispose();
    this.packedCache.dispose();
    this.packedVersion = -1;
    this.saved = null;
    this.lastLayout = null;
  }

  /**
   * The staging buffers of a public forward over (T, B), in {@link scratch}: its input, initial
   * states and step mask are written and checked there first, then copied into the layout (x,
   * mask) or read from there (h0, c0: a forward reads them, a backward does not). Planning them
   * never moves the layout, so a call rejected by these checks leaves the last forward's saved
   * activations as they were.
   */
  stage(T: number, B: number): Staging {
    const state = this.numLayers * this.directions * B * this.hiddenSize;
    const sizes = this.stagingSizes;
    sizes[0] = T * B * this.inputSize;
    sizes[1] = state;
    sizes[2] = this.cell === 'lstm' ? state : 0;
    sizes[3] = T * B;
    const [x, h0, c0, mask] = this.scratch.plan(sizes, this.stagingPtrs);
    return { x, h0, c0, mask };
  }

  /**
   * @internal Forward over heap buffers: x (T,B,I) at `x` (must stay unchanged until backward),
   * h0 / c0 (L·D,B,H) or 0. Saves activations; returns the pointer of the output (T,B,D·H),
   * valid until the next forward of this layer.
   */
  forwardInPlace(T: number, B: number, x: number, h0: number, c0: number, mask = 0): number {
    // forgotten first: should planning the layout fail (out of memory), no backward may read a moved slab
    this.saved = null;
    const p = this.layout(T, B);
    this.runForward(T, B, p, x, h0, c0, mask);
    this.saved = { T, B, x, mask };
    this.activationsReleased = false;
    const top = p.out[this.numLayers - 1];
    if (this.merge === 'concat' || !this.bidirectional) return top;
    // sum the two directions: merged (T,B,H) = top[:, :H] + top[:, H:]
    const mem = this.backend.heap.all();
    const H = this.hiddenSize;
    for (let r = 0, src = top >> 2, dst = p.merged >> 2; r < T * B; r++, src += 2 * H, dst += H) {
      for (let j = 0; j < H; j++) mem[dst + j] = mem[src + j] + mem[src + H + j];
    }
    return p.merged;
  }

  /**
   * @internal Backward over heap buffers: dy (T,B,D·H), dhT / dcT (L·D,B,H), each may be 0.
   * Accumulates parameter gradients; returns the pointer of dL/dx (T,B,I) in the workspace, or 0
   * when `inputGrad` is false (nothing consumes dL/dx, e.g. features fed straight from data: the
   * first layer's input-gradient GEMM is then skipped). dL/dh0 and dL/dc0 are then at
   * {@link initialStateGrads}. `release`: an LSTM's or GRU's gate gradients overwrite the saved
   * gates (saving T·B·4H or T·B·3H floats of workspace), so this forward cannot be backpropagated again — as
   * PyTorch frees the graph unless asked to retain it; a second backward then throws.
   * `stateGrad` false: nothing reads dL/dh0 and dL/dc0 (a model trained from zero initial
   * states), so the last step's carry product is skipped and {@link initialStateGrads} holds
   * nothing of this backward.
   */
  backwardInPlace(dy: number, dhT: number, dcT: number, inputGrad = true, release = false, stateGrad = true): number {
    if (this.saved === null)
      throw new Error(`${this.kind}.backward: call forward() first (backward uses its saved activations)`);
    if (this.activationsReleased) {
      throw new Error(
        `${this.kind}.backward: this forward's saved activations were released by an earlier backward (the Trainer's); run forward() again`,
      );
    }
    const { T, B, x, mask } = this.saved;
    const p = this.layout(T, B);
    if (dy !== 0 && this.merge === 'sum' && this.bidirectional) {
      // the sum's gradient reaches both directions unchanged
      const mem = this.backend.heap.all();
      const H = this.hiddenSize;
      for (let r = 0, src = dy >> 2, dst = p.dmerged >> 2; r < T * B; r++, src += H, dst += 2 * H) {
        mem.copyWithin(dst, src, src + H);
        mem.copyWithin(dst + H, src, src + H);
      }
      dy = p.dmerged;
    }
    const released = release && this.cell !== 'rnn';
    const gateGrads =
      this.cell === 'rnn' || released ? 0 : this.retainedGateGrads.plan([T * B * this.gateRows], this.retainedPtr)[0];
    const dx = this.runBackward(T, B, p, x, dy, dhT, dcT, mask, inputGrad, gateGrads, stateGrad);
    if (released) this.activationsReleased = true;
    return dx;
  }

  /** @internal Pointers of dL/dh0 and dL/dc0 (L·D,B,H) after {@link backwardInPlace} (c: 0 unless LSTM). */
  initialStateGrads(): { h: number; c: number } {
    if (this.saved === null) throw new Error(`${this.kind}: no forward pass yet`);
    const p = this.layout(this.saved.T, this.saved.B);
    return { h: p.dh0, c: this.cell === 'lstm' ? p.dc0 : 0 };
  }

  /**
   * @internal Copies the states of the last forward into h (L·D,B,H) and, for LSTM, c: the final
   * states, or with `steps` the forward direction's states after that many steps (for truncated
   * BPTT windows; the reverse direction always gives its final state).
   */
  copyFinalStates(h: number, c: number, steps?: number): void {
    if (this.saved === null) throw new Error(`${this.kind}: no forward pass yet`);
    const { B } = this.saved;
    const T = steps ?? this.saved.T;
    const p = this.layout(this.saved.T, B);
    const mem = this.backend.heap.all();
    const n = B * this.hiddenSize;
    for (let i = 0; i < this.numLayers * this.directions; i++) {
      const block = (i % this.directions === 0 ? T : 0) * n;
      const from = (p.hseq[i] >> 2) + block;
      mem.copyWithin((h >> 2) + i * n, from, from + n);
      if (c !== 0 && this.cell === 'lstm') {
        const cf = (p.cseq[i] >> 2) + block;
        mem.copyWithin((c >> 2) + i * n, cf, cf + n);
      }
    }
  }

  private runForward(T: number, B: number, p: Layout, x: number, h0p: number, c0p: number, mask: number): void {
    const kn = this.backend.kernels;
    const H = this.hiddenSize;
    const D = this.directions;
    const cached = T * B <= PACKED_CACHE_MAX_ROWS && T > 0 && B > 0;
    const prepacked = cached && this.planPackedCache(B) ? 1 : 0;
    for (let k = 0; k < this.numLayers; k++) {
      const input = k === 0 ? x : p.out[k - 1];
      const Ik = k === 0 ? this.inputSize : D * H;
      for (let d = 0; d < D; d++) {
        const i = k * D + d;
        const [wih, whh, bih, bhh] = this.names[k][d].map((n) => this.params.ptr(n));
        const h0 = h0p !== 0 ? h0p + i * B * H * 4 : 0;
        const c0 = c0p !== 0 ? c0p + i * B * H * 4 : 0;
        const y = p.out[k] + d * H * 4;
        const work = cached ? this.packedPtrs[i] : p.work;
        if (this.cell === 'lstm') {
          kn.lstm_forward(
            T,
            B,
            Ik,
            H,
            d,
            input,
            Ik,
            mask,
            wih,
            whh,
            bih,
            bhh,
            h0,
            c0,
            y,
            D * H,
            p.gates[i],
            p.hseq[i],
            p.cseq[i],
            work,
            prepacked,
          );
        } else if (this.cell === 'gru') {
          kn.gru_forward(
            T,
            B,
            Ik,
            H,
            d,
            this.resetAfter,
            input,
            Ik,
            mask,
            wih,
            whh,
            bih,
            bhh,
            h0,
            y,
            D * H,
            p.gates[i],
            p.hn[i],
            p.hseq[i],
            work,
            prepacked,
          );
        } else {
          kn.rnn_forward(
            T,
            B,
            Ik,
            H,
            d,
            this.relu,
            input,
            Ik,
            mask,
            wih,
            whh,
            bih,
            bhh,
            h0,
            y,
            D * H,
            p.hseq[i],
            work,
            prepacked,
          );
        }
      }
    }
    if (cached) {
      this.packedVersion = this.params.version;
      this.packedBatch = B;
    }
  }

  /** Floats of workspace this layer's forward kernel needs for batch B and input width Ik. */
  private forwardWork(B: number, Ik: number): number {
    const H = this.hiddenSize;
    return this.cell === 'lstm'
      ? lstmForwardWork(B, Ik, H)
      : this.cell === 'gru'
        ? gruForwardWork(B, Ik, H)
        : rnnForwardWork(B, Ik, H);
  }

  /**
   * Lays out the packed-weight cache for batch B (one forward workspace per layer and direction)
   * and says whether it still holds the packing of the current parameters. The layout depends on
   * B alone (a GRU's work has a B-sized scratch after its panels), so the packing is current when
   * the version and the batch size are those it was filled with.
   */
  private planPackedCache(B: number): boolean {
    const H = this.hiddenSize;
    const sizes = this.packedSizes;
    sizes.length = 0;
    for (let k = 0; k < this.numLayers; k++) {
      const f = this.forwardWork(B, k === 0 ? this.inputSize : this.directions * H);
      for (let d = 0; d < this.directions; d++) sizes.push(f);
    }
    this.packedCache.plan(sizes, this.packedPtrs);
    return this.packedVersion === this.params.version && this.packedBatch === B;
  }

  /** @returns the pointer holding dL/dx (0 when `inputGrad` is false) */
  private runBackward(
    T: number,
    B: number,
    p: Layout,
    x: number,
    dyTop: number,
    dhTp: number,
    dcTp: number,
    mask: number,
    inputGrad: boolean,
    gateGrads: number,
    stateGrad: boolean,
  ): number {
    const kn = this.backend.kernels;
    const H = this.hiddenSize;
    const D = this.directions;
    let dy = dyTop;
    // the dx buffers only when some layer computes dx (every layer above the first does)
    const [dA, dB] = this.numLayers > 1 || inputGrad ? this.planInputGrads(T, B) : [0, 0];
    let dx = dyTop === dB ? dA : dB;
    for (let k = this.numLayers - 1; k >= 0; k--) {
      if (k === 0 && !inputGrad) dx = 0;
      const input = k === 0 ? x : p.out[k - 1];
      const Ik = k === 0 ? this.inputSize : D * H;
      for (let d = 0; d < D; d++) {
        const i = k * D + d;
        const [wih, whh] = this.names[k][d].slice(0, 2).map((n) => this.params.ptr(n));
        const [gwih, gwhh, gbih, gbhh] = this.names[k][d].map((n) => this.params.gradPtrOf(n));
        const dyd = dy === 0 ? 0 : dy + d * H * 4;
        const dhT = dhTp !== 0 ? dhTp + i * B * H * 4 : 0;
        const dcT = dcTp !== 0 ? dcTp + i * B * H * 4 : 0;
        // 0: the kernels skip dL/dh0 (the last carry product) and dL/dc0
        const dh0 = stateGrad ? p.dh0 + i * B * H * 4 : 0;
        const dc0 = stateGrad ? p.dc0 + i * B * H * 4 : 0;
        if (this.cell === 'lstm') {
          kn.lstm_backward(
            T,
            B,
            Ik,
            H,
            d,
            input,
            Ik,
            mask,
            wih,
            whh,
            p.gates[i],
            p.hseq[i],
            p.cseq[i],
            dyd,
            D * H,
            dhT,
            dcT,
            dx,
            Ik,
            d,
            dh0,
            dc0,
            gwih,
            gwhh,
            gbih,
            gbhh,
            gateGrads || p.gates[i],
            p.work,
          );
        } else if (this.cell === 'gru') {
          kn.gru_backward(
            T,
            B,
            Ik,
            H,
            d,
            this.resetAfter,
            input,
            Ik,
            mask,
            wih,
            whh,
            p.gates[i],
            p.hn[i],
            p.hseq[i],
            dyd,
            D * H,
            dhT,
            dx,
            Ik,
            d,
            dh0,
            gwih,
            gwhh,
            gbih,
            gbhh,
            gateGrads || p.gates[i],
            p.dgh,
            p.work,
          );
        } else {
          kn.rnn_backward(
            T,
            B,
            Ik,
            H,
            d,
            this.relu,
            input,
            Ik,
            mask,
            wih,
            whh,
            p.hseq[i],
            dyd,
            D * H,
            dhT,
            dx,
            Ik,
            d,
            dh0,
            gwih,
            gwhh,
            gbih,
            gbhh,
            p.dpre,
            p.work,
          );
        }
      }
      dy = dx;
      dx = dx === dA ? dB : dA;
    }
    return dy;
  }

  /** The two input-gradient buffers for (T, B) in {@link scratch}: [dA, dB]. */
  planInputGrads(T: number, B: number): number[] {
    const width = T * B * Math.max(this.inputSize, this.directions * this.hiddenSize);
    this.inputGradSizes[0] = width;
    this.inputGradSizes[1] = width;
    return this.scratch.plan(this.inputGradSizes, this.inputGradPtrs);
  }

  /** The workspace layout for (T, B): same pointers for forward and backward of one shape. */
  layout(T: number, B: number): Layout {
    const last = this.lastLayout;
    if (last !== null && last.T === T && last.B === B && last.base === this.workspace.basePtr) return last.layout;
    const layout = this.planLayout(T, B);
    this.lastLayout = { T, B, base: this.workspace.basePtr, layout };
    return layout;
  }

  /** Lays the buffers of a (T, B) call out in the workspace slab (growing it when needed). */
  private planLayout(T: number, B: number): Layout {
    const H = this.hiddenSize;
    const D = this.directions;
    const L = this.numLayers;
    const G = this.gateRows;
    const I = this.inputSize;
    const n = L * D;
    const lstm = this.cell === 'lstm';
    const gru = this.cell === 'gru';
    let work = 0;
    for (let k = 0; k < L; k++) {
      const Ik = k === 0 ? I : D * H;
      const f = this.forwardWork(B, Ik);
      const b = lstm
        ? lstmBackwardWork(T, B, Ik, H)
        : gru
          ? gruBackwardWork(T, B, Ik, H)
          : rnnBackwardWork(T, B, Ik, H);
      work = Math.max(work, f, b);
    }
    const s = this.layoutSizes;
    s.length = 0;
    s.push(T * B * I);
    for (let k = 0; k < L; k++) s.push(T * B * D * H);
    for (let i = 0; i < n; i++)
      s.push(lstm || gru ? T * B * G : 0, (T + 1) * B * H, lstm ? (T + 1) * B * H : 0, gru ? T * B * H : 0);
    const state = n * B * H;
    // gate gradients: RNN's pre-activations, and a reset-after GRU's hidden-side n gradient (T,B,H); the LSTM's
    // and GRU's gate gradients go over their saved gates or into retainedGateGrads (see backwardInPlace)
    s.push(
      work,
      lstm || gru ? 0 : T * B * G,
      gru && this.resetAfter ? T * B * H : 0,
      state,
      lstm ? state : 0,
      state,
      lstm ? state : 0,
    );
    const summed = this.merge === 'sum' && D === 2;
    s.push(T * B, summed ? T * B * H : 0, summed ? T * B * D * H : 0);
    const ptr = this.workspace.plan(s, this.layoutPtrs);
    let j = 0;
    const x = ptr[j++];
    const out: number[] = [];
    for (let k = 0; k < L; k++) out.push(ptr[j++]);
    const gates: number[] = [];
    const hseq: number[] = [];
    const cseq: number[] = [];
    const hn: number[] = [];
    for (let i = 0; i < n; i++) {
      gates.push(ptr[j++]);
      hseq.push(ptr[j++]);
      cseq.push(ptr[j++]);
      hn.push(ptr[j++]);
    }
    return {
      x,
      out,
      gates,
      hseq,
      cseq,
      hn,
      work: ptr[j++],
      dpre: ptr[j++],
      dgh: ptr[j++],
      dhT: ptr[j++],
      dcT: ptr[j++],
      dh0: ptr[j++],
      dc0: ptr[j++],
      mask: ptr[j++],
      merged: ptr[j++],
      dmerged: ptr[j++],
    };
  }
}
