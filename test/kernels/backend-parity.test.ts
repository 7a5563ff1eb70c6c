// Backend parity: both kernel backends against one float64 reference.
//
// (a) The float64 reference of the three cells (RNN tanh/relu, LSTM, GRU reset-after/before):
//     test/reference/recurrent64.ts's one direction of one layer, naive per-step loops straight
//     from the equations — independent of the kernels' GEMM organisation — checked here by
//     central finite differences.
// (b) The pure-TypeScript backend's GEMMs, activations and sequence kernels against float64, over
//     awkward sizes and every optional-argument form of the contract (src/backend/kernels.ts):
//     reverse, absent biases / initial states / dy / dhT / dcT, strided rows with an offset into a
//     wider row, accumDx, accumulation into parameter gradients, the saved-state layout of
//     hseq / cseq / gates / hn. Every buffer is fenced by canaries and every output starts as NaN,
//     so writes outside a buffer, reads of an output before it is written, and workspace overruns
//     (workspace sized exactly by the *Work functions) all fail.
// (c) The same cases on the WebAssembly backend, compared with the pure-TypeScript one at f32
//     tolerance.
// Step masks (padded steps: state held, zero output, gradient passed through) run through (b) and
// (c) as extra cases; (d) checks on both backends that a present all-ones mask is bit-identical to
// no mask, and that a batch of right-padded sequences of different lengths gives, per sequence,
// the outputs, final states, input / initial-state gradients and (summed) parameter gradients of
// running each sequence alone, unpadded — in both directions, for every cell.

import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import {
  gruBackwardWork,
  gruForwardWork,
  lstmBackwardWork,
  lstmForwardWork,
  rnnBackwardWork,
  rnnForwardWork,
} from '../../src/backend/kernels.ts';
import { jsBackend, maxErrors, put, randomArray, wasmBackend } from '../helpers/backends.ts';
import { blankPaddedRows, MASK_PATTERNS, makeMask, type MaskPattern } from '../helpers/masks.ts';
import {
  type CellSpec,
  type Direction64,
  type DirectionSeeds64,
  directionBackward64,
  directionForward64,
  directionLoss64,
  finiteDifferenceGrad,
  gatesPerUnit,
  maxError64,
} from '../reference/recurrent64.ts';

// =====================================================================================
// (a) the float64 reference
// =====================================================================================

type Variant = 'rnn-tanh' | 'rnn-relu' | 'lstm' | 'gru-reset-after' | 'gru-reset-before';
const VARIANTS: Variant[] = ['rnn-tanh', 'rnn-relu', 'lstm', 'gru-reset-after', 'gru-reset-before'];

/** The reference's cell and form of each variant. */
const CELL_OF: Record<Variant, CellSpec> = {
  'rnn-tanh': { cell: 'rnn', nonlinearity: 'tanh' },
  'rnn-relu': { cell: 'rnn', nonlinearity: 'relu' },
  lstm: { cell: 'lstm' },
  'gru-reset-after': { cell: 'gru', resetAfter: true },
  'gru-reset-before': { cell: 'gru', resetAfter: false },
};

/** Gate rows per hidden unit: G = gateCount · H. */
function gateCount(v: Variant): number {
  return gatesPerUnit(CELL_OF[v].cell);
}

const f64 = (a: ArrayLike<number>): Float64Array => Float64Array.from(a);

/** A small problem with every optional input present, and its loss seeds. */
function smallProblem(variant: Variant, reverse: boolean, seed: number): { p: Direction64; seeds: DirectionSeeds64 } {
  const T = 5,
    B = 2,
    I = 3,
    H = 4;
  const G = gateCount(variant) * H;
  const scale = variant === 'rnn-relu' ? 0.5 : 0.8;
  const lstm = variant === 'lstm';
  const p: Direction64 = {
    ...CELL_OF[variant],
    T,
    B,
    I,
    H,
    reverse,
    wih: f64(randomArray(G * I, seed + 1, -scale, scale)),
    whh: f64(randomArray(G * H, seed + 2, -scale, scale)),
    bih: f64(randomArray(G, seed + 3, -0.5, 0.5)),
    bhh: f64(randomArray(G, seed + 4, -0.5, 0.5)),
    x: f64(randomArray(T * B * I, seed + 5)),
    h0: f64(randomArray(B * H, seed + 6)),
    c0: lstm ? f64(randomArray(B * H, seed + 7)) : null,
  };
  const seeds: DirectionSeeds64 = {
    dy: f64(randomArray(T * B * H, seed + 8)),
    dhT: f64(randomArray(B * H, seed + 9)),
    dcT: lstm ? f64(randomArray(B * H, seed + 10)) : null,
  };
  return { p, seeds };
}

describe('(a) float64 reference cells', () => {
  for (const variant of VARIANTS) {
    for (const [reverse, pattern] of [
      [false, null],
      [true, null],
      [false, 'random'],
      [true, 'right'],
    ] as const) {
      it(`${variant}${reverse ? ' reversed' : ''}${pattern ? `, mask ${pattern}` : ''}: analytic gradients match central differences`, () => {
        const { p, seeds } = smallProblem(variant, reverse, 100 + VARIANTS.indexOf(variant) * 20 + (reverse ? 10 : 0));
        if (pattern) p.mask = makeMask(pattern, p.T, p.B, 71);
        const g = directionBackward64(p, directionForward64(p), seeds);
        const loss = (): number => directionLoss64(directionForward64(p), seeds);
        const checks: [string, Float64Array, Float64Array][] = [
          ['x', p.x, g.dx],
          ['h0', p.h0!, g.dh0],
          ['wih', p.wih, g.dwih],
          ['whh', p.whh, g.dwhh],
          ['bih', p.bih!, g.dbih],
          ['bhh', p.bhh!, g.dbhh],
        ];
        if (variant === 'lstm') checks.push(['c0', p.c0!, g.dc0]);
        let compared = 0;
        for (const [name, param, grad] of checks) {
          // |numeric − analytic| / max(|numeric|, 1), step 1e-5
          const numeric = finiteDifferenceGrad(loss, param, 1e-5);
          expect(maxError64(grad, numeric, 1).rel, `${variant} d${name}`).toBeLessThan(1e-7);
          compared += numeric.length;
        }
        // the gradients are not trivially zero
        expect(Math.max(...g.dwhh.map(Math.abs))).toBeGreaterThan(1e-3);
        expect(compared).toBeGreaterThan(50);
      });
    }
  }
});

// =====================================================================================
// Test harness: fenced buffers in a backend's heap
// =====================================================================================

const LEAD = 4; // canary floats before each buffer (keeps the buffer 16-byte aligned)
const TAIL = 8; // canary floats after each buffer
const CANARY = -12345.5;
const OUTSIDE = 7.25; // the columns of a wide output row that belong to someone else

/** Buffers in one backend's heap, each fenced by canaries; freed together. */
class Arena {
  private readonly blocks: { base: number; n: number }[] = [];
  constructor(readonly backend: Backend) {}

  /** n floats initialised from `data` (NaN when absent); returns the buffer's byte pointer. */
  alloc(n: number, data?: ArrayLike<number>): number {
    const all = new Float32Array(LEAD + n + TAIL).fill(CANARY);
    all.fill(NaN, LEAD, LEAD + n);
    if (data) all.set(data, LEAD);
    const base = this.backend.heap.allocF32(all.length);
    this.backend.heap.write(base, all);
    this.blocks.push({ base, n });
    return base + LEAD * 4;
  }

  read(ptr: number, n: number): Float32Array {
    return this.backend.heap.read(ptr, n);
  }

  /** Names of fenced blocks whose canaries were overwritten. */
  brokenFences(): string[] {
    const broken: string[] = [];
    for (const { base, n } of this.blocks) {
      const all = this.backend.heap.read(base, LEAD + n + TAIL);
      for (let i = 0; i < all.length; i++) {
        if ((i < LEAD || i >= LEAD + n) && all[i] !== CANARY) {
          broken.push(`block @${base} (${n} floats): canary ${i < LEAD ? i - LEAD : i - LEAD - n} = ${all[i]}`);
          break;
        }
      }
    }
    return broken;
  }

  free(): void {
    for (const { base } of this.blocks) this.backend.heap.release(base);
    this.blocks.length = 0;
  }
}

/** A (rows, width) matrix stored with row stride `ld` at column offset `off` of a wider buffer. */
interface Strided {
  rows: number;
  width: number;
  ld: number;
  off: number;
  base: number; // byte pointer of the wide buffer
  ptr: number; // byte pointer handed to the kernel: base + 4·off
}

/** Places `data` (or NaN) in a strided matrix; the other columns hold `outside`. */
function placeStrided(
  arena: Arena,
  rows: number,
  width: number,
  ld: number,
  off: number,
  data: ArrayLike<number> | null,
  outside: number,
): Strided {
  const all = new Float32Array(Math.max(1, rows * ld)).fill(outside);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) all[r * ld + off + j] = data ? data[r * width + j] : NaN;
  }
  const base = arena.alloc(all.length, all);
  return { rows, width, ld, off, base, ptr: base + off * 4 };
}

/** Reads a strided matrix back densely; `intact` tells whether the other columns still hold `outside`. */
function readStrided(arena: Arena, s: Strided, outside: number): { data: Float32Array; intact: boolean } {
  const all = arena.read(s.base, Math.max(1, s.rows * s.ld));
  const data = new Float32Array(s.rows * s.width);
  let intact = true;
  for (let r = 0; r < s.rows; r++) {
    for (let j = 0; j < s.ld; j++) {
      const v = all[r * s.ld + j];
      if (j >= s.off && j < s.off + s.width) data[r * s.width + j - s.off] = v;
      else if (!Object.is(v, outside)) intact = false;
    }
  }
  return { data, intact };
}

// =====================================================================================
// Sequence-kernel cases
// =====================================================================================

type BiasForm = 'both' | 'none' | 'ih only' | 'hh only';

interface SeqCase {
  variant: Variant;
  T: number;
  B: number;
  I: number;
  H: number;
  reverse: 0 | 1;
  bias: BiasForm;
  h0: boolean;
  c0: boolean;
  dy: boolean;
  dhT: boolean;
  dcT: boolean;
  /** x, y, dy, dx live in wider rows, at an offset. */
  wide: boolean;
  dx: boolean;
  accumDx: 0 | 1;
  seed: number;
  /** Step mask layout, or null: no mask (pointer 0). */
  mask: MaskPattern | null;
}

/** (T, B, I, H): awkward sizes — ones, primes, H not a multiple of 4, I ≠ H. */
const SIZES: [number, number, number, number][] = [
  [1, 1, 1, 1],
  [2, 3, 2, 3],
  [5, 1, 7, 5],
  [5, 3, 17, 7],
  [2, 1, 3, 17],
  [1, 3, 5, 2],
  [5, 3, 1, 17],
  [2, 3, 7, 1],
];
const BIAS_FORMS: BiasForm[] = ['both', 'none', 'ih only', 'hh only'];

function casesFor(variant: Variant): SeqCase[] {
  return SIZES.map(([T, B, I, H], i) => {
    const dy = i % 4 !== 3;
    return {
      variant,
      T,
      B,
      I,
      H,
      reverse: (i % 2) as 0 | 1,
      bias: BIAS_FORMS[(i >> 1) % 4],
      h0: i % 3 !== 2,
      c0: (i + 1) % 3 !== 2,
      dy,
      dhT: i % 3 !== 0 || !dy,
      dcT: i % 4 !== 1,
      wide: i % 3 !== 1,
      dx: i !== 5,
      accumDx: ((i >> 2) & 1) as 0 | 1,
      seed: 1000 * (VARIANTS.indexOf(variant) + 1) + 37 * i,
      mask: null,
    };
  });
}

/**
 * Masked cases of a variant: the sizes with T > 1 plus two longer, wider ones, the four mask
 * layouts cycling so each meets both directions.
 */
function maskedCasesFor(variant: Variant): SeqCase[] {
  const base = casesFor(variant).filter((c) => c.T > 1);
  const extra: SeqCase[] = [
    [7, 5, 3, 6],
    [6, 4, 5, 9],
  ].flatMap(([T, B, I, H], i) =>
    ([0, 1] as const).map((reverse) => ({ ...base[(2 * i + reverse) % base.length], T, B, I, H, reverse })),
  );
  return [...base, ...extra].map((c, i) => ({ ...c, mask: MASK_PATTERNS[i % 4], seed: c.seed + 500 + i }));
}

const SEQ_CASES: SeqCase[] = [...VARIANTS.flatMap(casesFor), ...VARIANTS.flatMap(maskedCasesFor)];

/** The case's step mask (null when it has none). */
const caseMask = (c: SeqCase): Float32Array | null => (c.mask ? makeMask(c.mask, c.T, c.B, c.seed + 16) : null);

function label(c: SeqCase): string {
  const parts = [`${c.variant} T${c.T} B${c.B} I${c.I} H${c.H}`, c.reverse ? 'reverse' : 'forward', `bias ${c.bias}`];
  if (!c.h0) parts.push('no h0');
  if (c.variant === 'lstm' && !c.c0) parts.push('no c0');
  if (!c.dy) parts.push('no dy');
  if (!c.dhT) parts.push('no dhT');
  if (c.variant === 'lstm' && !c.dcT) parts.push('no dcT');
  if (c.wide) parts.push('wide rows');
  parts.push(c.dx ? (c.accumDx ? 'dx accumulated' : 'dx overwritten') : 'no dx');
  if (c.mask) parts.push(`mask ${c.mask}`);
  return parts.join(', ');
}

/** The case's data, as float32 (what the kernels get) — the reference uses the same values in f64. */
interface SeqData {
  wih: Float32Array;
  whh: Float32Array;
  bih: Float32Array | null;
  bhh: Float32Array | null;
  x: Float32Array;
  h0: Float32Array | null;
  c0: Float32Array | null;
  dy: Float32Array | null;
  dhT: Float32Array | null;
  dcT: Float32Array | null;
  dxPrior: Float32Array;
  dwihPrior: Float32Array;
  dwhhPrior: Float32Array;
  dbihPrior: Float32Array;
  dbhhPrior: Float32Array;
}

function seqData(c: SeqCase): SeqData {
  const { T, B, I, H, seed } = c;
  const G = gateCount(c.variant) * H;
  const lstm = c.variant === 'lstm';
  const scale = 1 / Math.sqrt(H);
  return {
    wih: randomArray(G * I, seed + 1, -scale, scale),
    whh: randomArray(G * H, seed + 2, -scale, scale),
    bih: c.bias === 'both' || c.bias === 'ih only' ? randomArray(G, seed + 3, -0.5, 0.5) : null,
    bhh: c.bias === 'both' || c.bias === 'hh only' ? randomArray(G, seed + 4, -0.5, 0.5) : null,
    x: randomArray(T * B * I, seed + 5),
    h0: c.h0 ? randomArray(B * H, seed + 6) : null,
    c0: lstm && c.c0 ? randomArray(B * H, seed + 7) : null,
    dy: c.dy ? randomArray(T * B * H, seed + 8) : null,
    dhT: c.dhT ? randomArray(B * H, seed + 9) : null,
    dcT: lstm && c.dcT ? randomArray(B * H, seed + 10) : null,
    dxPrior: randomArray(T * B * I, seed + 11),
    dwihPrior: randomArray(G * I, seed + 12),
    dwhhPrior: randomArray(G * H, seed + 13),
    dbihPrior: randomArray(G, seed + 14),
    dbhhPrior: randomArray(G, seed + 15),
  };
}

/** Everything a forward + backward pass produces, read back densely. */
interface SeqOutputs {
  y: Float32Array; // (T,B,H)
  hseq: Float32Array; // (T+1,B,H)
  cseq: Float32Array; // (T+1,B,H), LSTM
  gates: Float32Array; // (T,B,G), LSTM / GRU
  hn: Float32Array; // (T,B,H), GRU
  dx: Float32Array; // (T,B,I)
  dh0: Float32Array;
  dc0: Float32Array;
  dwih: Float32Array;
  dwhh: Float32Array;
  dbih: Float32Array;
  dbhh: Float32Array;
  /** Broken canaries, or wide-row columns that belong to someone else but changed. */
  trespasses: string[];
}

/** Runs the case's forward then backward kernel on `backend`, in fenced buffers. */
/**
 * Runs the case's forward then backward kernel on `backend`, in fenced buffers: with the case's
 * data and mask, or the ones given. The padded rows of the unspecified gates / hn are zeroed.
 */
function runSeqCase(
  backend: Backend,
  c: SeqCase,
  d: SeqData = seqData(c),
  maskValues: Float32Array | null = caseMask(c),
): SeqOutputs {
  const { T, B, I, H } = c;
  const G = gateCount(c.variant) * H;
  const BH = B * H;
  const k = backend.kernels;
  const a = new Arena(backend);
  try {
    const ptr = (data: Float32Array | null): number => (data ? a.alloc(data.length, data) : 0);
    const fresh = (n: number): number => a.alloc(n); // NaN-filled: must be written before read
    // strided layouts: wide rows put each matrix at an awkward offset inside a wider row
    const wide = (width: number, off: number, extra: number) =>
      c.wide ? { ld: width + off + extra, off } : { ld: width, off: 0 };
    const xl = wide(I, 2, 1),
      yl = wide(H, 3, 2),
      dyl = wide(H, 1, 3),
      dxl = wide(I, 3, 1);
    const x = placeStrided(a, T * B, I, xl.ld, xl.off, d.x, NaN);
    const y = placeStrided(a, T * B, H, yl.ld, yl.off, null, OUTSIDE);
    const dy = d.dy ? placeStrided(a, T * B, H, dyl.ld, dyl.off, d.dy, NaN) : null;
    const dx = c.dx ? placeStrided(a, T * B, I, dxl.ld, dxl.off, c.accumDx ? d.dxPrior : null, OUTSIDE) : null;
    const wih = ptr(d.wih),
      whh = ptr(d.whh),
      bih = ptr(d.bih),
      bhh = ptr(d.bhh);
    const h0 = ptr(d.h0),
      c0 = ptr(d.c0),
      dhT = ptr(d.dhT),
      dcT = ptr(d.dcT);
    const hseq = fresh((T + 1) * BH);
    const dh0 = fresh(BH);
    const dwih = ptr(d.dwihPrior),
      dwhh = ptr(d.dwhhPrior);
    const dbih = d.bih ? ptr(d.dbihPrior) : 0;
    const dbhh = d.bhh ? ptr(d.dbhhPrior) : 0;
    const dyPtr = dy ? dy.ptr : 0,
      lddy = dy ? dy.ld : H;
    const dxPtr = dx ? dx.ptr : 0,
      lddx = dx ? dx.ld : I;
    const mask = ptr(maskValues);
    let cseq = 0,
      gates = 0,
      hn = 0,
      dc0 = 0;
    switch (c.variant) {
      case 'rnn-tanh':
      case 'rnn-relu': {
        const relu = c.variant === 'rnn-relu' ? 1 : 0;
        k.rnn_forward(
          T,
          B,
          I,
          H,
          c.reverse,
          relu,
          x.ptr,
          x.ld,
          mask,
          wih,
          whh,
          bih,
          bhh,
          h0,
          y.ptr,
          y.ld,
          hseq,
          fresh(rnnForwardWork(B, I, H)),
        );
        k.rnn_backward(
          T,
          B,
          I,
          H,
          c.reverse,
          relu,
          x.ptr,
          x.ld,
          mask,
          wih,
          whh,
          hseq,
          dyPtr,
          lddy,
          dhT,
          dxPtr,
          lddx,
          c.accumDx,
          dh0,
          dwih,
          dwhh,
          dbih,
          dbhh,
          fresh(T * BH),
          fresh(rnnBackwardWork(T, B, I, H)),
        );
        break;
      }
      case 'lstm': {
        cseq = fresh((T + 1) * BH);
        gates = fresh(T * B * G);
        dc0 = fresh(BH);
        k.lstm_forward(
          T,
          B,
          I,
          H,
          c.reverse,
          x.ptr,
          x.ld,
          mask,
          wih,
          whh,
          bih,
          bhh,
          h0,
          c0,
          y.ptr,
          y.ld,
          gates,
          hseq,
          cseq,
          fresh(lstmForwardWork(B, I, H)),
        );
        k.lstm_backward(
          T,
          B,
          I,
          H,
          c.reverse,
          x.ptr,
          x.ld,
          mask,
          wih,
          whh,
          gates,
          hseq,
          cseq,
          dyPtr,
          lddy,
          dhT,
          dcT,
          dxPtr,
          lddx,
          c.accumDx,
          dh0,
          dc0,
          dwih,
          dwhh,
          dbih,
          dbhh,
          fresh(T * B * G),
          fresh(lstmBackwardWork(T, B, I, H)),
        );
        break;
      }
      case 'gru-reset-after':
      case 'gru-reset-before': {
        const resetAfter = c.variant === 'gru-reset-after' ? 1 : 0;
        gates = fresh(T * B * G);
        hn = fresh(T * BH);
        k.gru_forward(
          T,
          B,
          I,
          H,
          c.reverse,
          resetAfter,
          x.ptr,
          x.ld,
          mask,
          wih,
          whh,
          bih,
          bhh,
          h0,
          y.ptr,
          y.ld,
          gates,
          hn,
          hseq,
          fresh(gruForwardWork(B, I, H)),
        );
        k.gru_backward(
          T,
          B,
          I,
          H,
          c.reverse,
          resetAfter,
          x.ptr,
          x.ld,
          mask,
          wih,
          whh,
          gates,
          hn,
          hseq,
          dyPtr,
          lddy,
          dhT,
          dxPtr,
          lddx,
          c.accumDx,
          dh0,
          dwih,
          dwhh,
          dbih,
          dbhh,
          fresh(T * B * G),
          resetAfter ? fresh(T * BH) : 0,
          fresh(gruBackwardWork(T, B, I, H)),
        );
        break;
      }
    }
    const trespasses = a.brokenFences();
    // every saved value written (the buffers started as NaN), padded rows included, and finite there
    if (gates && a.read(gates, T * B * G).some(Number.isNaN)) trespasses.push('gates: NaN left in the saved gates');
    if (hn && a.read(hn, T * BH).some(Number.isNaN)) trespasses.push('hn: NaN left in the saved hn');
    const yOut = readStrided(a, y, OUTSIDE);
    if (!yOut.intact) trespasses.push('y: columns outside the H-wide slice changed');
    const dxOut = dx ? readStrided(a, dx, OUTSIDE) : null;
    if (dxOut && !dxOut.intact) trespasses.push('dx: columns outside the I-wide slice changed');
    const empty = new Float32Array(0);
    return {
      y: yOut.data,
      hseq: a.read(hseq, (T + 1) * BH),
      cseq: cseq ? a.read(cseq, (T + 1) * BH) : empty,
      gates: gates ? Float32Array.from(blankPaddedRows(a.read(gates, T * B * G), maskValues, G)) : empty,
      hn: hn ? Float32Array.from(blankPaddedRows(a.read(hn, T * BH), maskValues, H)) : empty,
      dx: dxOut ? dxOut.data : empty,
      dh0: a.read(dh0, BH),
      dc0: dc0 ? a.read(dc0, BH) : empty,
      dwih: a.read(dwih, G * I),
      dwhh: a.read(dwhh, G * H),
      dbih: dbih ? a.read(dbih, G) : empty,
      dbhh: dbhh ? a.read(dbhh, G) : empty,
      trespasses,
    };
  } finally {
    a.free();
  }
}

/** The float64 reference's outputs for a case, in the kernels' layouts (what runSeqCase should read back). */
function expectedSeqOutputs(c: SeqCase): Omit<SeqOutputs, 'trespasses'> {
  const d = seqData(c);
  const lstm = c.variant === 'lstm';
  const gru = c.variant.startsWith('gru');
  const p: Direction64 = {
    ...CELL_OF[c.variant],
    T: c.T,
    B: c.B,
    I: c.I,
    H: c.H,
    reverse: c.reverse === 1,
    wih: f64(d.wih),
    whh: f64(d.whh),
    bih: d.bih && f64(d.bih),
    bhh: d.bhh && f64(d.bhh),
    x: f64(d.x),
    h0: d.h0 && f64(d.h0),
    c0: d.c0 && f64(d.c0),
    mask: caseMask(c),
  };
  const fwd = directionForward64(p);
  const g = directionBackward64(p, fwd, { dy: d.dy, dhT: d.dhT, dcT: d.dcT });
  const plus = (prior: Float32Array, grad: Float64Array): Float32Array =>
    Float32Array.from(prior, (v, i) => v + grad[i]);
  const empty = new Float32Array(0);
  return {
    y: Float32Array.from(fwd.y),
    // hseq / cseq in the kernels' layout, the reference's own (initial state included)
    hseq: Float32Array.from(fwd.hseq),
    cseq: lstm ? Float32Array.from(fwd.cseq) : empty,
    gates: lstm || gru ? Float32Array.from(fwd.gates) : empty,
    hn: gru ? Float32Array.from(fwd.hn) : empty,
    dx: c.dx ? (c.accumDx ? plus(d.dxPrior, g.dx) : Float32Array.from(g.dx)) : empty,
    dh0: Float32Array.from(g.dh0),
    dc0: lstm ? Float32Array.from(g.dc0) : empty,
    dwih: plus(d.dwihPrior, g.dwih),
    dwhh: plus(d.dwhhPrior, g.dwhh),
    dbih: d.bih ? plus(d.dbihPrior, g.dbih) : empty,
    dbhh: d.bhh ? plus(d.dbhhPrior, g.dbhh) : empty,
  };
}

const OUTPUT_NAMES = ['y', 'hseq', 'cseq', 'gates', 'hn', 'dx', 'dh0', 'dc0', 'dwih', 'dwhh', 'dbih', 'dbhh'] as const;

/**
 * Asserts every output of `actual` matches `expected`: max |a - e| / max(|e|, 1) ≤ tol (so an
 * absolute error for values up to 1, a relative one beyond), and reports the worst error seen.
 */
function expectOutputsClose(
  actual: SeqOutputs,
  expected: Omit<SeqOutputs, 'trespasses'>,
  tol: number,
  what: string,
): number {
  expect(actual.trespasses, `${what}: writes outside its buffers`).toEqual([]);
  let worst = 0;
  for (const name of OUTPUT_NAMES) {
    expect(actual[name].length, `${what}: ${name} length`).toBe(expected[name].length);
    const { rel } = maxErrors(actual[name], expected[name], 1);
    expect(rel, `${what}: ${name}`).toBeLessThanOrEqual(tol);
    worst = Math.max(worst, rel);
  }
  return worst;
}

// =====================================================================================
// GEMM, transpose and activation cases
// =====================================================================================

type GemmOp = 'nn' | 'nt' | 'tn';

interface GemmCase {
  op: GemmOp;
  M: number;
  N: number;
  K: number;
  alpha: number;
  beta: number;
  padA: number;
  padB: number;
  padC: number;
}

const GEMM_SIZES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 3],
  [3, 5, 7],
  [7, 3, 17],
  [17, 17, 5],
  [5, 33, 2],
  [33, 1, 4],
  [2, 17, 33],
  [4, 4, 4],
  [3, 2, 0],
  [9, 8, 16],
];

const GEMM_CASES: GemmCase[] = (['nn', 'nt', 'tn'] as const).flatMap((op) =>
  GEMM_SIZES.map(([M, N, K], i) => ({
    op,
    M,
    N,
    K,
    alpha: [1, -0.5, 2][i % 3],
    beta: [0, 1, 0.25][(i + 1) % 3],
    padA: i % 3,
    padB: (i + 1) % 4,
    padC: (i + 2) % 3,
  })),
);

const gemmLabel = (g: GemmCase): string =>
  `gemm_${g.op} M${g.M} N${g.N} K${g.K} alpha ${g.alpha} beta ${g.beta} pads ${g.padA}/${g.padB}/${g.padC}`;

/** Stored shapes of A and B for an op: (rows, cols) before any transpose. */
function gemmShapes(g: GemmCase): { aRows: number; aCols: number; bRows: number; bCols: number } {
  return {
    aRows: g.op === 'tn' ? g.K : g.M,
    aCols: g.op === 'tn' ? g.M : g.K,
    bRows: g.op === 'nt' ? g.N : g.K,
    bCols: g.op === 'nt' ? g.K : g.N,
  };
}

function gemmData(g: GemmCase, seed: number) {
  const s = gemmShapes(g);
  return {
    A: randomArray(s.aRows * s.aCols, seed + 1),
    B: randomArray(s.bRows * s.bCols, seed + 2),
    C: randomArray(g.M * g.N, seed + 3),
  };
}

/** Float64 C = alpha·op(A)·op(B) + beta·C, by the definition. */
function gemmExpected(g: GemmCase, seed: number): Float32Array {
  const { A, B, C } = gemmData(g, seed);
  const s = gemmShapes(g);
  const out = new Float32Array(g.M * g.N);
  for (let i = 0; i < g.M; i++) {
    for (let j = 0; j < g.N; j++) {
      let acc = 0;
      for (let k = 0; k < g.K; k++) {
        const av = g.op === 'tn' ? A[k * s.aCols + i] : A[i * s.aCols + k];
        const bv = g.op === 'nt' ? B[j * s.bCols + k] : B[k * s.bCols + j];
        acc += av * bv;
      }
      out[i * g.N + j] = g.alpha * acc + (g.beta === 0 ? 0 : g.beta * C[i * g.N + j]);
    }
  }
  return out;
}

/** Runs one GEMM case; A and B sit in padded rows (NaN padding), C in padded rows that must survive. */
function runGemm(backend: Backend, g: GemmCase, seed: number): { C: Float32Array; trespasses: string[] } {
  const { A, B, C } = gemmData(g, seed);
  const s = gemmShapes(g);
  const a = new Arena(backend);
  try {
    const pa = placeStrided(a, s.aRows, s.aCols, s.aCols + g.padA, 0, A, NaN);
    const pb = placeStrided(a, s.bRows, s.bCols, s.bCols + g.padB, 0, B, NaN);
    // beta = 0: C starts as NaN, which must not leak into the result
    const pc = placeStrided(a, g.M, g.N, g.N + g.padC, 0, g.beta === 0 ? null : C, OUTSIDE);
    backend.kernels[`gemm_${g.op}` as const](
      g.M,
      g.N,
      g.K,
      g.alpha,
      pa.ptr,
      pa.ld,
      pb.ptr,
      pb.ld,
      g.beta,
      pc.ptr,
      pc.ld,
    );
    const trespasses = a.brokenFences();
    const out = readStrided(a, pc, OUTSIDE);
    if (!out.intact) trespasses.push('C: padding columns changed');
    return { C: out.data, trespasses };
  } finally {
    a.free();
  }
}

const TRANSPOSE_CASES: [number, number, number, number][] = [
  [1, 1, 0, 0],
  [1, 5, 2, 1],
  [3, 7, 0, 3],
  [17, 2, 1, 0],
  [33, 17, 3, 2],
];

function runTranspose(backend: Backend, [R, C, padS, padD]: [number, number, number, number], seed: number) {
  const src = randomArray(R * C, seed);
  const a = new Arena(backend);
  try {
    const ps = placeStrided(a, R, C, C + padS, 0, src, NaN);
    const pd = placeStrided(a, C, R, R + padD, 0, null, OUTSIDE);
    backend.kernels.transpose(R, C, ps.ptr, ps.ld, pd.ptr, pd.ld);
    const out = readStrided(a, pd, OUTSIDE);
    return { src, dst: out.data, trespasses: [...a.brokenFences(), ...(out.intact ? [] : ['dst: padding changed'])] };
  } finally {
    a.free();
  }
}

/** Activation inputs: special values, the overflow region of exp, and a dense sweep over [-30, 30]. */
function activationInputs(withNaN: boolean): Float32Array {
  const special = [
    0,
    -0,
    1e-30,
    -1e-30,
    1e-7,
    -1e-7,
    0.5,
    -0.5,
    0.625,
    -0.625,
    1,
    -1,
    9,
    -9,
    15,
    -15,
    20,
    -20,
    44,
    -44,
    88,
    -88,
    88.8,
    -88.8,
    89,
    -89,
    100,
    -100,
    104,
    -104,
    1000,
    -1000,
    1e30,
    -1e30,
    3.4e38,
    -3.4e38,
    Infinity,
    -Infinity,
  ];
  if (withNaN) special.push(NaN);
  const sweep = Array.from({ length: 601 }, (_, i) => -30 + i / 10);
  return Float32Array.from([...special, ...sweep, ...randomArray(203, 77, -6, 6)]); // 203: not a multiple of 4
}

type Activation = 'sigmoid' | 'tanh' | 'relu';
const ACTIVATIONS: Activation[] = ['sigmoid', 'tanh', 'relu'];

/** Float64 truth by definition (Math.exp / Math.tanh; exp overflow at -x → sigmoid 0). */
function activationTruth(f: Activation, v: number): number {
  if (f === 'sigmoid') return v === -Infinity ? 0 : 1 / (1 + Math.exp(-v));
  if (f === 'tanh') return Math.tanh(v);
  return Number.isNaN(v) ? NaN : Math.max(v, 0);
}

/** Runs an activation kernel out of place and in place (y = x); both results. */
function runActivation(
  backend: Backend,
  f: Activation,
  xs: Float32Array,
): { out: Float32Array; inPlace: Float32Array; trespasses: string[] } {
  const a = new Arena(backend);
  try {
    const x = a.alloc(xs.length, xs);
    const y = a.alloc(xs.length);
    backend.kernels[f](x, y, xs.length);
    const z = a.alloc(xs.length, xs);
    backend.kernels[f](z, z, xs.length);
    return { out: a.read(y, xs.length), inPlace: a.read(z, xs.length), trespasses: a.brokenFences() };
  } finally {
    a.free();
  }
}

// =====================================================================================
// (b) the pure-TypeScript backend against float64
// =====================================================================================

/**
 * Tolerance of the pure-TypeScript kernels against the float64 reference, as
 * max |err| / max(|exact|, 1). Measured worst: 1.8e-7 (GEMM), 1.0e-7 (sequence kernels).
 */
const JS_TOL = 2e-6;

/**
 * Tolerance of the WebAssembly kernels against the pure-TypeScript ones: their activations are
 * polynomial approximations (≤ 1e-6 each, the kernels' accuracy target), compounded over up to 5 steps forward
 * and back. Measured worst: 2.4e-7 (GEMM), 1.0e-7 (sequence kernels).
 */
const WASM_TOL = 1e-5;

describe('(b) pure-TypeScript backend against float64', () => {
  const js = jsBackend();

  it.each(GEMM_CASES.map((g, i) => [gemmLabel(g), g, i] as const))('%s', (_name, g, i) => {
    const got = runGemm(js, g, 500 + i);
    expect(got.trespasses).toEqual([]);
    const { rel } = maxErrors(got.C, gemmExpected(g, 500 + i), 1);
    expect(rel).toBeLessThanOrEqual(JS_TOL);
  });

  it.each(TRANSPOSE_CASES.map((t, i) => [`transpose R${t[0]} C${t[1]} pads ${t[2]}/${t[3]}`, t, i] as const))(
    '%s',
    (_n, t, i) => {
      const { src, dst, trespasses } = runTranspose(js, t, 900 + i);
      expect(trespasses).toEqual([]);
      const [R, C] = t;
      for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) expect(dst[c * R + r]).toBe(src[r * C + c]);
    },
  );

  it.each(ACTIVATIONS)('%s matches Math to float32 rounding, in and out of place, finite limits', (f) => {
    const xs = activationInputs(true);
    const { out, inPlace, trespasses } = runActivation(js, f, xs);
    expect(trespasses).toEqual([]);
    for (let i = 0; i < xs.length; i++) {
      const want = activationTruth(f, xs[i]);
      if (!Number.isFinite(want)) {
        expect(out[i], `${f}(${xs[i]})`).toBe(want); // NaN or ±Infinity (relu) exactly
        expect(inPlace[i], `${f}(${xs[i]}) in place`).toBe(want);
        continue;
      }
      expect(Math.abs(out[i] - want), `${f}(${xs[i]})`).toBeLessThanOrEqual(6e-8 * Math.max(Math.abs(want), 1e-30));
      expect(Object.is(inPlace[i], out[i]), `${f}(${xs[i]}) in place`).toBe(true);
    }
    if (f === 'sigmoid') {
      expect(out[xs.indexOf(-1000)]).toBe(0); // exp(1000) overflows: 0, not NaN
      expect(out[xs.indexOf(-Infinity)]).toBe(0);
      expect(out[xs.indexOf(Infinity)]).toBe(1);
    }
    if (f === 'tanh') {
      expect(out[xs.indexOf(-Infinity)]).toBe(-1);
      expect(out[xs.indexOf(Math.fround(1e30))]).toBe(1);
    }
  });

  it.each(SEQ_CASES.map((c) => [label(c), c] as const))('%s', (_name, c) => {
    expectOutputsClose(runSeqCase(js, c), expectedSeqOutputs(c), JS_TOL, 'js vs float64');
  });

  it('every kernel reads the current heap view after the memory grows', () => {
    const g: GemmCase = { op: 'nn', M: 3, N: 5, K: 7, alpha: 1, beta: 0, padA: 0, padB: 0, padC: 0 };
    const { A, B } = gemmData(g, 11);
    const pa = put(js, A),
      pb = put(js, B),
      pc = put(js, new Float32Array(15));
    js.kernels.gemm_nn(3, 5, 7, 1, pa, 7, pb, 5, 0, pc, 5); // warm up with the original buffer
    const before = js.heap.stats().memoryBytes;
    js.heap.growBy(1 << 20);
    expect(js.heap.stats().memoryBytes).toBeGreaterThan(before);
    js.heap.write(
      pa,
      A.map((v) => 2 * v),
    ); // lands in the new buffer only
    js.kernels.gemm_nn(3, 5, 7, 1, pa, 7, pb, 5, 0, pc, 5);
    const want = gemmExpected(g, 11).map((v) => 2 * v);
    expect(maxErrors(js.heap.read(pc, 15), want, 1).rel).toBeLessThanOrEqual(JS_TOL);
    for (const p of [pa, pb, pc]) js.heap.release(p);
  });

  it('kernels work when called detached from the kernels object, like wasm exports', () => {
    const { sigmoid } = js.kernels;
    const p = put(js, [0, -1000, 1000]);
    sigmoid(p, p, 3);
    expect(Array.from(js.heap.read(p, 3))).toEqual([0.5, 0, 1]);
    js.heap.release(p);
  });
});

// =====================================================================================
// (c) the WebAssembly backend against the pure-TypeScript one
// =====================================================================================

describe('(c) WebAssembly backend against the pure-TypeScript backend', () => {
  const js = jsBackend();
  let wasm: Backend;
  beforeAll(async () => {
    wasm = await wasmBackend();
  });

  it.each(GEMM_CASES.map((g, i) => [gemmLabel(g), g, i] as const))('%s', (_name, g, i) => {
    const got = runGemm(wasm, g, 500 + i);
    expect(got.trespasses).toEqual([]);
    expect(maxErrors(got.C, runGemm(js, g, 500 + i).C, 1).rel).toBeLessThanOrEqual(WASM_TOL);
  });

  it.each(TRANSPOSE_CASES.map((t, i) => [`transpose R${t[0]} C${t[1]} pads ${t[2]}/${t[3]}`, t, i] as const))(
    '%s',
    (_n, t, i) => {
      const w = runTranspose(wasm, t, 900 + i);
      expect(w.trespasses).toEqual([]);
      expect(Array.from(w.dst)).toEqual(Array.from(runTranspose(js, t, 900 + i).dst));
    },
  );

  it.each(ACTIVATIONS)('%s agrees within 2e-6 (relative 2e-6 for tanh near 0), in and out of place', (f) => {
    const xs = activationInputs(false);
    const w = runActivation(wasm, f, xs);
    const j = runActivation(js, f, xs);
    expect(w.trespasses).toEqual([]);
    expect(maxErrors(w.out, j.out, 1).abs).toBeLessThanOrEqual(2e-6);
    expect(maxErrors(w.inPlace, j.out, 1).abs).toBeLessThanOrEqual(2e-6);
    if (f === 'tanh') {
      const small = xs.map((_v, i) => i).filter((i) => xs[i] !== 0 && Math.abs(xs[i]) < 0.7);
      expect(small.length).toBeGreaterThan(10);
      for (const i of small)
        expect(Math.abs(w.out[i] - j.out[i]) / Math.abs(j.out[i]), `tanh(${xs[i]})`).toBeLessThanOrEqual(2e-6);
    }
    for (const v of [-Infinity, -1000, Infinity]) expect(w.out[xs.indexOf(v)], `${f}(${v})`).toBe(j.out[xs.indexOf(v)]);
  });

  it.each(SEQ_CASES.map((c) => [label(c), c] as const))('%s', (_name, c) => {
    expectOutputsClose(runSeqCase(wasm, c), runSeqCase(js, c), WASM_TOL, 'wasm vs js');
  });
});

// =====================================================================================
// (d) step masks on both backends: all ones = no mask; padded batch = sequences alone
// =====================================================================================

describe('(d) step masks on both backends', () => {
  const backends: Record<string, Backend> = { js: jsBackend() };
  beforeAll(async () => {
    backends.wasm = await wasmBackend();
  });
  const names = ['wasm', 'js'] as const;

  for (const name of names) {
    it.each(VARIANTS)(`${name}: a present all-ones mask is bit-identical to no mask (%s)`, (variant) => {
      for (const base of casesFor(variant)
        .filter((c) => c.T > 1)
        .slice(0, 4)) {
        const c: SeqCase = { ...base, mask: 'ones' };
        const masked = runSeqCase(backends[name], c);
        const plain = runSeqCase(backends[name], c, seqData(c), null);
        expect(masked.trespasses).toEqual([]);
        for (const out of OUTPUT_NAMES)
          expect(Array.from(masked[out]), `${label(c)}: ${out}`).toEqual(Array.from(plain[out]));
      }
    });
  }

  /**
   * A batch of B = 5 sequences of lengths 6, 3, 1, 4, 0, right-padded to T = 6, the padded rows of
   * x and dy filled with large garbage; against each sequence run alone (T = its length, B = 1).
   */
  const LENGTHS = [6, 3, 1, 4, 0];
  const PROP_T = 6,
    PROP_I = 3,
    PROP_H = 5;
  /** Tolerance: the batch and the single runs sum the same terms in a different order. */
  const PROP_TOL = 1e-5;

  for (const name of names) {
    for (const variant of VARIANTS) {
      for (const reverse of [0, 1] as const) {
        it(`${name}: padded batch = each sequence alone (${variant}, ${reverse ? 'reverse' : 'forward'})`, () => {
          const backend = backends[name];
          const T = PROP_T,
            B = LENGTHS.length,
            I = PROP_I,
            H = PROP_H,
            BH = B * H;
          const lstm = variant === 'lstm';
          const G = gateCount(variant) * H;
          const batch: SeqCase = {
            variant,
            T,
            B,
            I,
            H,
            reverse,
            bias: 'both',
            h0: true,
            c0: true,
            dy: true,
            dhT: true,
            dcT: true,
            wide: false,
            dx: true,
            accumDx: 0,
            seed: 7000 + 100 * VARIANTS.indexOf(variant) + reverse,
            mask: 'right',
          };
          const mask = new Float32Array(T * B);
          for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) mask[t * B + b] = t < LENGTHS[b] ? 1 : 0;
          const d = seqData(batch);
          const zero = (n: number): Float32Array => new Float32Array(n);
          d.dwihPrior = zero(G * I);
          d.dwhhPrior = zero(G * H);
          d.dbihPrior = zero(G);
          d.dbhhPrior = zero(G);
          // garbage where the mask pads: it must not reach anything
          for (let t = 0; t < T; t++) {
            for (let b = 0; b < B; b++) {
              if (mask[t * B + b] !== 0) continue;
              d.x.fill(50 + t, (t * B + b) * I, (t * B + b + 1) * I);
              d.dy!.fill(-30 - b, (t * B + b) * H, (t * B + b + 1) * H);
            }
          }
          const got = runSeqCase(backend, batch, d, mask);
          expect(got.trespasses).toEqual([]);

          const sums = {
            dwih: new Float64Array(G * I),
            dwhh: new Float64Array(G * H),
            dbih: new Float64Array(G),
            dbhh: new Float64Array(G),
          };
          const finalBlock = reverse ? 0 : T;
          const rowOfBatch = (a: Float32Array, t: number, b: number, w: number): Float32Array =>
            a.subarray((t * B + b) * w, (t * B + b + 1) * w);
          const close = (a: ArrayLike<number>, e: ArrayLike<number>, what: string): void => {
            expect(maxErrors(a, e, 1).rel, what).toBeLessThanOrEqual(PROP_TOL);
          };
          for (let b = 0; b < B; b++) {
            const L = LENGTHS[b];
            const pick = (a: Float32Array | null, w: number): Float32Array | null => {
              if (!a) return null;
              const out = new Float32Array(L * w);
              for (let t = 0; t < L; t++) out.set(rowOfBatch(a, t, b, w), t * w);
              return out;
            };
            const stateRow = (a: Float32Array | null): Float32Array | null => (a ? a.slice(b * H, (b + 1) * H) : null);
            const alone: SeqCase = { ...batch, T: L, B: 1, mask: null };
            const da: SeqData = {
              ...d,
              x: pick(d.x, I)!,
              dy: pick(d.dy, H),
              h0: stateRow(d.h0),
              c0: stateRow(d.c0),
              dhT: stateRow(d.dhT),
              dcT: stateRow(d.dcT),
              dxPrior: zero(L * I),
            };
            const one = runSeqCase(backend, alone, da, null);
            expect(one.trespasses).toEqual([]);
            // outputs at the real steps; zeros at the padded ones
            for (let t = 0; t < T; t++) {
              const y = rowOfBatch(got.y, t, b, H),
                dx = rowOfBatch(got.dx, t, b, I);
              if (t < L) {
                close(y, one.y.subarray(t * H, (t + 1) * H), `y[${t}] of sequence ${b}`);
                close(dx, one.dx.subarray(t * I, (t + 1) * I), `dx[${t}] of sequence ${b}`);
              } else {
                expect(Array.from(y), `padded y[${t}] of sequence ${b}`).toEqual(new Array(H).fill(0));
                expect(Array.from(dx), `padded dx[${t}] of sequence ${b}`).toEqual(new Array(I).fill(0));
              }
            }
            // final state (the batch's final block) and the initial-state gradients
            const oneFinal = reverse ? 0 : L;
            close(
              got.hseq.subarray(finalBlock * BH + b * H, finalBlock * BH + (b + 1) * H),
              one.hseq.subarray(oneFinal * H, (oneFinal + 1) * H),
              `final h of ${b}`,
            );
            close(got.dh0.subarray(b * H, (b + 1) * H), one.dh0, `dh0 of ${b}`);
            if (lstm) {
              close(
                got.cseq.subarray(finalBlock * BH + b * H, finalBlock * BH + (b + 1) * H),
                one.cseq.subarray(oneFinal * H, (oneFinal + 1) * H),
                `final c of ${b}`,
              );
              close(got.dc0.subarray(b * H, (b + 1) * H), one.dc0, `dc0 of ${b}`);
            }
            for (const key of ['dwih', 'dwhh', 'dbih', 'dbhh'] as const)
              one[key].forEach((v, i) => {
                sums[key][i] += v;
              });
          }
          // parameter gradients of the batch = the sum over the sequences run alone
          for (const key of ['dwih', 'dwhh', 'dbih', 'dbhh'] as const) close(got[key], sums[key], key);
          // and they are not trivially zero
          expect(Math.max(...Array.from(got.dwhh, Math.abs))).toBeGreaterThan(1e-2);
        });
      }
    }
  }
});
