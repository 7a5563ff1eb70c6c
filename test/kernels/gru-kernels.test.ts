// GRU kernels (assembly/gru.ts): the fused gate kernels against their scalar `_ref` twins, and
// gru_forward / gru_backward (both reset forms, with and without a step mask) against the float64
// reference (test/reference/recurrent64.ts, one direction of one layer), itself checked here by
// central finite differences on GRU problems. A padded step (mask 0) holds the state, outputs
// zeros, and passes the gradient straight through.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { gruBackwardWork, gruForwardWork } from '../../src/backend/kernels.ts';
import type { WasmExports } from '../../src/backend/wasm.ts';
import { maxErrors, put, randomArray, wasmBackend } from '../helpers/backends.ts';
import { blankPaddedRows, MASK_PATTERNS, makeMask, type MaskPattern, padded } from '../helpers/masks.ts';
import {
  blockAfter,
  blockBefore,
  type Direction64,
  directionBackward64,
  directionForward64,
  directionLoss64,
  finiteDifferenceGrad,
  maxError64,
} from '../reference/recurrent64.ts';

type WasmBackend = Backend & { exports: WasmExports };
type Fn = (...args: number[]) => void;

// ---------------------------------------------------------------- float64 reference

const f64 = (a: ArrayLike<number>): Float64Array => Float64Array.from(a);

/** A GRU problem for the float64 reference, every array dense (no strides). */
function randomProblem(
  T: number,
  B: number,
  I: number,
  H: number,
  reverse: boolean,
  resetAfter: boolean,
  seed: number,
  withBias = true,
  withH0 = true,
  mask: Float32Array | null = null,
): Direction64 {
  const k = 1 / Math.sqrt(H);
  return {
    cell: 'gru',
    T,
    B,
    I,
    H,
    reverse,
    resetAfter,
    mask,
    x: f64(randomArray(T * B * I, seed + 1)),
    wih: f64(randomArray(3 * H * I, seed + 2, -k, k)),
    whh: f64(randomArray(3 * H * H, seed + 3, -k, k)),
    bih: withBias ? f64(randomArray(3 * H, seed + 4, -0.5, 0.5)) : null,
    bhh: withBias ? f64(randomArray(3 * H, seed + 5, -0.5, 0.5)) : null,
    h0: withH0 ? f64(randomArray(B * H, seed + 6)) : null,
  };
}

describe('float64 GRU reference', () => {
  for (const resetAfter of [true, false]) {
    for (const [reverse, mask] of [
      [false, null],
      [true, null],
      [false, 'random'],
      [true, 'right'],
    ] as const) {
      it(`matches central finite differences (resetAfter ${+resetAfter}, reverse ${+reverse}, mask ${mask})`, () => {
        const p = randomProblem(
          5,
          2,
          3,
          4,
          reverse,
          resetAfter,
          100 + 10 * +resetAfter + +reverse,
          true,
          true,
          mask ? makeMask(mask, 5, 2, 31) : null,
        );
        if (p.mask) expect(Array.from(p.mask).some((v) => v === 0)).toBe(true);
        // larger weights than the tests below, so the gates are far from linear
        p.whh = p.whh.map((v) => 3 * v);
        const seeds = { dy: f64(randomArray(p.T * p.B * p.H, 7)), dhT: f64(randomArray(p.B * p.H, 8)) };
        const analytic = directionBackward64(p, directionForward64(p), seeds);
        const loss = (): number => directionLoss64(directionForward64(p), seeds);
        let worst = 0;
        let checked = 0;
        for (const [param, grad] of [
          [p.x, analytic.dx],
          [p.wih, analytic.dwih],
          [p.whh, analytic.dwhh],
          [p.bih!, analytic.dbih],
          [p.bhh!, analytic.dbhh],
          [p.h0!, analytic.dh0],
        ]) {
          const numeric = finiteDifferenceGrad(loss, param, 1e-6);
          worst = Math.max(worst, maxError64(grad, numeric, 1e-3).rel);
          checked += numeric.length;
        }
        expect(checked).toBe(5 * 2 * 3 + 12 * 3 + 12 * 4 + 12 + 12 + 2 * 4);
        expect(worst).toBeLessThan(1e-6);
        // and the gradients are not trivially zero
        expect(Math.max(...analytic.dwhh.map(Math.abs))).toBeGreaterThan(1e-2);
      });
    }
  }
});

// ---------------------------------------------------------------- wasm helpers

let backend: WasmBackend;
beforeAll(async () => {
  backend = await wasmBackend();
});

const fn = (name: string): Fn => {
  const f = backend.exports[name];
  if (typeof f !== 'function') throw new Error(`wasm export ${name} missing`);
  return f as Fn;
};
const read = (ptr: number, n: number): Float32Array => backend.heap.read(ptr, n);
const filled = (n: number, v: number): Float32Array => new Float32Array(n).fill(v);

/** Dense (rows, width) values out of a strided region at ptr. */
function readRows(ptr: number, rows: number, width: number, ld: number): Float32Array {
  const all = read(ptr, rows === 0 ? 0 : (rows - 1) * ld + width);
  const out = new Float32Array(rows * width);
  for (let i = 0; i < rows; i++) out.set(all.subarray(i * ld, i * ld + width), i * width);
  return out;
}

/** Values of a strided region outside the (rows, width) window: the padding of each row. */
function padding(buf: Float32Array, off: number, rows: number, width: number, ld: number): number[] {
  const pad: number[] = [];
  for (let i = 0; i < buf.length; i++) {
    const rel = i - off;
    const inside = rel >= 0 && Math.floor(rel / ld) < rows && rel % ld < width;
    if (!inside) pad.push(buf[i]);
  }
  return pad;
}

/** Asserts a ≈ b: max abs error ≤ absTol·max(1, max|b|) and relative error (floor) ≤ relTol. */
function expectClose(
  what: string,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  relTol = 1e-4,
  floor = 1e-2,
  absTol = 1e-5,
): void {
  const { abs, rel } = maxErrors(a, b, floor);
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  const ok = abs <= absTol * scale && rel <= relTol;
  if (!ok) throw new Error(`${what}: abs ${abs} (scale ${scale}), rel ${rel}`);
  expect(ok).toBe(true);
}

const SENTINEL = 12345.5;

// ---------------------------------------------------------------- gate kernels: SIMD vs _ref

const GATE_H = [1, 2, 3, 5, 7, 17, 33, 65];
const GATE_B = [1, 3];

/**
 * Runs a gate kernel and its `_ref` twin on identical copies of the same buffers and compares
 * every buffer afterwards (outputs, and inputs that must stay untouched).
 */
function compareTwins(name: string, buffers: Float32Array[], args: (ptrs: number[]) => number[]): void {
  const run = (kernel: string): Float32Array[] => {
    const ptrs = buffers.map((b) => put(backend, b));
    fn(kernel)(...args(ptrs));
    const out = ptrs.map((ptr, i) => read(ptr, buffers[i].length));
    ptrs.forEach((ptr) => backend.heap.release(ptr));
    return out;
  };
  const simd = run(name);
  const ref = run(`${name}_ref`);
  simd.forEach((s, i) => {
    expect(s.some(Number.isNaN)).toBe(false);
    expectClose(`${name} buffer ${i}`, s, ref[i]);
  });
  // the kernel did something: at least one buffer changed
  expect(simd.some((s, i) => s.some((v, j) => v !== buffers[i][j]))).toBe(true);
}

describe('GRU gate kernels: SIMD vs scalar reference', () => {
  for (const H of GATE_H) {
    for (const B of GATE_B) {
      const G = 3 * H;
      const seed = 1000 * H + B;
      const ldy = H + 3;

      it(`gru_gates_forward B=${B} H=${H}`, () => {
        for (const withY of [true, false]) {
          const gx = randomArray(B * G, seed, -4, 4);
          const gh = randomArray(B * G, seed + 1, -4, 4);
          const hprev = randomArray(B * H, seed + 2);
          const hnew = filled(B * H, SENTINEL);
          const hn = filled(B * H, SENTINEL);
          const y = filled(B * ldy + 1, SENTINEL);
          compareTwins('gru_gates_forward', [gx, gh, hprev, hnew, hn, y], ([pgx, pgh, php, phnew, phn, py]) => [
            B,
            H,
            pgx,
            pgh,
            php,
            phnew,
            phn,
            withY ? py + 4 : 0,
            ldy,
          ]);
        }
      });

      it(`gru_gates_forward_rz and _n B=${B} H=${H}`, () => {
        const gx = randomArray(B * G, seed, -4, 4);
        const gh = randomArray(B * G, seed + 1, -4, 4);
        const hprev = randomArray(B * H, seed + 2);
        compareTwins('gru_gates_forward_rz', [gx, gh, hprev, filled(B * H, SENTINEL)], ([pgx, pgh, php, prh]) => [
          B,
          H,
          pgx,
          pgh,
          php,
          prh,
        ]);
        // part 2 reads an activated z: put values in (0, 1) there
        const gx2 = gx.slice();
        for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) gx2[b * G + H + j] = (gx[b * G + H + j] + 4) / 8;
        for (const withY of [true, false]) {
          compareTwins(
            'gru_gates_forward_n',
            [gx2, gh, hprev, filled(B * H, SENTINEL), filled(B * ldy + 1, SENTINEL)],
            ([pgx, pgh, php, phnew, py]) => [B, H, pgx, pgh, php, phnew, withY ? py + 4 : 0, ldy],
          );
        }
      });

      const activatedGates = (): Float32Array => {
        const g = randomArray(B * G, seed + 3, 0.01, 0.99);
        for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) g[b * G + 2 * H + j] = 2 * g[b * G + 2 * H + j] - 1;
        return g;
      };

      it(`gru_gates_backward B=${B} H=${H}`, () => {
        for (const withDy of [true, false]) {
          const gates = activatedGates();
          const hn = randomArray(B * H, seed + 4, -2, 2);
          const hprev = randomArray(B * H, seed + 5);
          const dy = randomArray(B * ldy + 1, seed + 6);
          const carry = randomArray(B * H, seed + 7);
          compareTwins(
            'gru_gates_backward',
            [gates, hn, hprev, dy, carry, filled(B * G, SENTINEL), filled(B * H, SENTINEL)],
            ([pg, phn, php, pdy, pc, pdgx, pdgh]) => [B, H, pg, phn, php, withDy ? pdy + 4 : 0, ldy, pc, pdgx, pdgh],
          );
        }
      });

      it(`gru_gates_backward_zn and _r B=${B} H=${H}`, () => {
        for (const withDy of [true, false]) {
          const gates = activatedGates();
          const hprev = randomArray(B * H, seed + 5);
          const dy = randomArray(B * ldy + 1, seed + 6);
          const carry = randomArray(B * H, seed + 7);
          compareTwins(
            'gru_gates_backward_zn',
            [gates, hprev, dy, carry, filled(B * G, SENTINEL)],
            ([pg, php, pdy, pc, pdgx]) => [B, H, pg, php, withDy ? pdy + 4 : 0, ldy, pc, pdgx],
          );
        }
        const gates = activatedGates();
        compareTwins(
          'gru_gates_backward_r',
          [
            gates,
            randomArray(B * H, seed + 5),
            randomArray(B * H, seed + 8, -2, 2),
            randomArray(B * H, seed + 7),
            filled(B * G, SENTINEL),
          ],
          ([pg, php, pdrh, pc, pdgx]) => [B, H, pg, php, pdrh, pc, pdgx],
        );
      });
    }
  }
});

// ---------------------------------------------------------------- sequence kernels vs float64 reference

interface Case {
  T: number;
  B: number;
  I: number;
  H: number;
  reverse: boolean;
  resetAfter: boolean;
  bias: boolean;
  h0: boolean;
  dy: boolean;
  dhT: boolean;
  accumDx: boolean;
  dx: boolean;
  /** Strided x / y / dy / dx: rows wider than the slice, slice at an offset. */
  wide: boolean;
  /** Step mask layout, or null: no mask (pointer 0). */
  mask: MaskPattern | null;
}

/** [T, B, I, H] */
const SHAPES: [number, number, number, number][] = [
  [1, 1, 1, 1],
  [2, 3, 2, 3],
  [5, 1, 3, 5],
  [5, 3, 7, 7],
  [2, 3, 17, 2],
  [1, 1, 5, 17],
  [5, 3, 33, 33],
  [2, 1, 65, 65],
  [5, 3, 1, 65],
  [1, 3, 2, 5],
];

function cases(): Case[] {
  const list: Case[] = [];
  for (const resetAfter of [true, false]) {
    for (const reverse of [false, true]) {
      const c = 2 * +resetAfter + +reverse;
      SHAPES.forEach(([T, B, I, H], i) => {
        list.push({
          T,
          B,
          I,
          H,
          reverse,
          resetAfter,
          bias: ((i + c) & 1) === 1,
          h0: (((i >> 1) + c) & 1) === 1,
          dy: i % 3 !== 2,
          dhT: i % 3 !== 0,
          accumDx: (((i >> 2) + c) & 1) === 1,
          dx: (i + c) % 5 !== 4,
          wide: (i + c) % 3 !== 0,
          mask: null,
        });
      });
    }
  }
  return list;
}

/**
 * Masked cases: the unmasked cases' flags with a mask, the four mask layouts cycling, over larger
 * batches and longer sequences too (so every layout meets both directions and both reset forms).
 */
function maskedCases(): Case[] {
  const extra: [number, number, number, number][] = [
    [7, 5, 3, 6],
    [6, 4, 5, 9],
    [7, 5, 2, 17],
    [3, 5, 4, 4],
  ];
  const base = cases().filter((k) => k.T > 1);
  const list: Case[] = base.map((k, i) => ({ ...k, mask: MASK_PATTERNS[i % 4] }));
  extra.forEach(([T, B, I, H], i) => {
    for (const resetAfter of [true, false]) {
      for (const reverse of [false, true]) {
        const j = 4 * i + 2 * +resetAfter + +reverse;
        list.push({
          T,
          B,
          I,
          H,
          reverse,
          resetAfter,
          bias: j % 2 === 0,
          h0: j % 3 !== 0,
          dy: j % 5 !== 4,
          dhT: j % 4 !== 0,
          accumDx: j % 3 === 1,
          dx: true,
          wide: j % 2 === 1,
          mask: MASK_PATTERNS[(j + i) % 4],
        });
      }
    }
  });
  return list;
}

const describeCase = (k: Case): string =>
  `T=${k.T} B=${k.B} I=${k.I} H=${k.H} resetAfter=${+k.resetAfter} reverse=${+k.reverse} bias=${+k.bias} ` +
  `h0=${+k.h0} dy=${+k.dy} dhT=${+k.dhT} dx=${+k.dx} accumDx=${+k.accumDx} wide=${+k.wide} mask=${k.mask}`;

/** Everything one forward + backward run produces, read back densely. */
interface Outputs {
  y: Float32Array;
  yPad: number[];
  hseq: Float32Array;
  gates: Float32Array;
  hn: Float32Array;
  dh0: Float32Array;
  dgx: Float32Array;
  dgh: Float32Array;
  dwih: Float32Array;
  dwhh: Float32Array;
  dbih: Float32Array;
  dbhh: Float32Array;
  dx: Float32Array | null;
  dxPad: number[];
  xAfter: Float32Array;
  gatesAfterBackward: Float32Array;
  fwdWorkTail: Float32Array;
  bwdWorkTail: Float32Array;
}

/**
 * Runs gru_forward and gru_backward on the wasm backend and checks everything against the
 * reference; with mask 'ones', also checks that the present all-ones mask gives bit-identical
 * results to no mask.
 */
function runCase(k: Case, seed: number): void {
  const { T, B, I, H } = k;
  const G = 3 * H;
  const rows = T * B;
  const kern = backend.kernels;
  const heap = backend.heap;

  // strided layouts: x, y, dy, dx rows are wider than the slice and the slice starts at an offset
  const xOff = k.wide ? 3 : 0,
    ldx = k.wide ? I + 5 : I;
  const yOff = k.wide ? 2 : 0,
    ldy = k.wide ? 2 * H + 3 : H;
  const dyOff = k.wide ? 1 : 0,
    lddy = k.wide ? H + 4 : H;
  const dxOff = k.wide ? 5 : 0,
    lddx = k.wide ? 2 * I + 1 : I;

  const mask = k.mask ? makeMask(k.mask, T, B, seed + 30) : null;
  const xBuf = randomArray(rows * ldx + xOff + 2, seed);
  const p = randomProblem(T, B, I, H, k.reverse, k.resetAfter, seed, k.bias, k.h0, mask);
  p.x = f64(readDense(xBuf, xOff, rows, I, ldx));
  const f32 = (a: Float64Array | null | undefined): Float32Array | null => (a ? Float32Array.from(a) : null);
  const ref = directionForward64(p);

  const dyBuf = randomArray(rows * lddy + dyOff + 1, seed + 20);
  const dyDense = k.dy ? f64(readDense(dyBuf, dyOff, rows, H, lddy)) : null;
  const dhTArr = k.dhT ? randomArray(B * H, seed + 21) : null;
  const refB = directionBackward64(p, ref, { dy: dyDense, dhT: dhTArr && f64(dhTArr) });
  const dxLen = rows * lddx + dxOff + 2;
  const dxInit = randomArray(dxLen, seed + 22);
  const dwihInit = randomArray(G * I, seed + 23),
    dwhhInit = randomArray(G * H, seed + 24);
  const dbihInit = randomArray(G, seed + 25),
    dbhhInit = randomArray(G, seed + 26);
  const yLen = rows * ldy + yOff + 3;

  // inPlace: dgx is the gates buffer itself (the Trainer's backward); reset-before gets no dgh at all
  const execute = (withMask: boolean, inPlace = false): Outputs => {
    const ptr = (a: Float32Array | null): number => (a ? put(backend, a) : 0);
    const pmask = withMask ? ptr(mask) : 0;
    const px = put(backend, xBuf);
    const pwih = ptr(f32(p.wih)),
      pwhh = ptr(f32(p.whh));
    const pbih = ptr(f32(p.bih)),
      pbhh = ptr(f32(p.bhh)),
      ph0 = ptr(f32(p.h0));
    const py = put(backend, filled(yLen, SENTINEL));
    const pgates = put(backend, filled(rows * G, NaN));
    const phn = put(backend, filled(rows * H, NaN));
    const phseq = put(backend, filled((T + 1) * B * H, NaN));
    const fwdWork = gruForwardWork(B, I, H);
    const pwork = put(backend, filled(fwdWork + 16, SENTINEL));

    kern.gru_forward(
      T,
      B,
      I,
      H,
      +k.reverse,
      +k.resetAfter,
      px + 4 * xOff,
      ldx,
      pmask,
      pwih,
      pwhh,
      pbih,
      pbhh,
      ph0,
      py + 4 * yOff,
      ldy,
      pgates,
      phn,
      phseq,
      pwork,
    );
    const fwd = {
      y: readRows(py + 4 * yOff, rows, H, ldy),
      yPad: padding(read(py, yLen), yOff, rows, H, ldy),
      hseq: read(phseq, (T + 1) * B * H),
      gates: read(pgates, rows * G),
      hn: read(phn, rows * H),
      fwdWorkTail: read(pwork + 4 * fwdWork, 16),
    };

    const pdy = k.dy ? put(backend, dyBuf) : 0;
    const pdhT = ptr(dhTArr);
    const dxBuf = dxInit.slice();
    if (!k.accumDx) for (let i = 0; i < rows; i++) dxBuf.fill(NaN, dxOff + i * lddx, dxOff + i * lddx + I);
    const pdx = k.dx ? put(backend, dxBuf) : 0;
    const pdh0 = put(backend, filled(B * H, NaN));
    const pdwih = put(backend, dwihInit),
      pdwhh = put(backend, dwhhInit);
    const pdbih = put(backend, dbihInit),
      pdbhh = put(backend, dbhhInit);
    const pdgx = inPlace ? pgates : put(backend, filled(rows * G, NaN));
    const pdgh = k.resetAfter ? put(backend, filled(rows * H, NaN)) : 0;
    const bwdWork = gruBackwardWork(T, B, I, H);
    const pbwork = put(backend, filled(bwdWork + 16, SENTINEL));

    kern.gru_backward(
      T,
      B,
      I,
      H,
      +k.reverse,
      +k.resetAfter,
      px + 4 * xOff,
      ldx,
      pmask,
      pwih,
      pwhh,
      pgates,
      phn,
      phseq,
      pdy ? pdy + 4 * dyOff : 0,
      lddy,
      pdhT,
      pdx ? pdx + 4 * dxOff : 0,
      lddx,
      +k.accumDx,
      pdh0,
      pdwih,
      pdwhh,
      pdbih,
      pdbhh,
      pdgx,
      pdgh,
      pbwork,
    );
    const out: Outputs = {
      ...fwd,
      dh0: read(pdh0, B * H),
      dgx: read(pdgx, rows * G),
      dgh: pdgh ? read(pdgh, rows * H) : new Float32Array(0),
      dwih: read(pdwih, G * I),
      dwhh: read(pdwhh, G * H),
      dbih: read(pdbih, G),
      dbhh: read(pdbhh, G),
      dx: pdx ? readRows(pdx + 4 * dxOff, rows, I, lddx) : null,
      dxPad: pdx ? padding(read(pdx, dxLen), dxOff, rows, I, lddx) : [],
      xAfter: read(px, xBuf.length),
      gatesAfterBackward: read(pgates, rows * G),
      bwdWorkTail: read(pbwork + 4 * bwdWork, 16),
    };
    for (const q of [
      pmask,
      px,
      pwih,
      pwhh,
      pbih,
      pbhh,
      ph0,
      py,
      pgates,
      phn,
      phseq,
      pwork,
      pdy,
      pdhT,
      pdx,
      pdh0,
      pdwih,
      pdwhh,
      pdbih,
      pdbhh,
      inPlace ? 0 : pdgx,
      pdgh,
      pbwork,
    ])
      if (q) heap.release(q);
    return out;
  };

  const got = execute(true);
  // forward; the gates / hn rows of padded steps are unspecified, so they are compared blanked
  expectClose('y', got.y, ref.y);
  expectClose('hseq', got.hseq, ref.hseq);
  expectClose('gates', blankPaddedRows(got.gates, mask, G), ref.gates);
  expectClose('hn', blankPaddedRows(got.hn, mask, H), ref.hn);
  expect(got.yPad.every((v) => v === SENTINEL)).toBe(true);
  expect(Array.from(got.fwdWorkTail).every((v) => v === SENTINEL)).toBe(true);
  expect(Array.from(got.xAfter)).toEqual(Array.from(xBuf));

  // backward
  const plus = (init: Float32Array, d: Float64Array): Float64Array => d.map((v, i) => init[i] + v);
  expectClose('dh0', got.dh0, refB.dh0);
  expectClose('dgx', got.dgx, refB.dgx);
  // the hidden side's gradients: dgx's own for r and z (and reset-before's n), dgh for reset-after's n
  const hiddenColumns = (from: number, to: number, src: ArrayLike<number>, ld: number, off: number): Float64Array => {
    const out = new Float64Array(rows * (to - from));
    for (let r = 0; r < rows; r++)
      for (let j = from; j < to; j++) out[r * (to - from) + j - from] = src[r * ld + off + j];
    return out;
  };
  expectClose('hidden-side r,z = dgx', hiddenColumns(0, 2 * H, got.dgx, G, 0), hiddenColumns(0, 2 * H, refB.dgh, G, 0));
  if (k.resetAfter) {
    expect(got.dgh.length).toBe(rows * H);
    expectClose('dgh (hidden-side n)', got.dgh, hiddenColumns(2 * H, G, refB.dgh, G, 0));
  } else {
    expectClose('hidden-side n = dgx', hiddenColumns(2 * H, G, got.dgx, G, 0), hiddenColumns(2 * H, G, refB.dgh, G, 0));
  }
  expectClose('dwih', got.dwih, plus(dwihInit, refB.dwih));
  expectClose('dwhh', got.dwhh, plus(dwhhInit, refB.dwhh));
  expectClose('dbih', got.dbih, plus(dbihInit, refB.dbih));
  expectClose('dbhh', got.dbhh, plus(dbhhInit, refB.dbhh));
  if (got.dx) {
    const dxWant = k.accumDx ? plus(readDense(dxInit, dxOff, rows, I, lddx), refB.dx) : refB.dx;
    expectClose('dx', got.dx, dxWant);
    expect(got.dxPad).toEqual(padding(dxInit, dxOff, rows, I, lddx));
  }
  expect(Array.from(got.bwdWorkTail).every((v) => v === SENTINEL)).toBe(true);
  // the saved forward state is read-only for backward
  expectClose('gates after backward', blankPaddedRows(got.gatesAfterBackward, mask, G), ref.gates);

  if (mask) {
    // padded rows, exactly: y = 0, state held, zero pre-activation gradients, dx = 0 or untouched
    const BH = B * H;
    const dxStart = readDense(dxInit, dxOff, rows, I, lddx);
    let paddedRows = 0;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        if (!padded(mask, t, B, b)) continue;
        paddedRows++;
        const r = t * B + b;
        const before = blockBefore(p, t) * BH + b * H,
          after = blockAfter(p, t) * BH + b * H;
        expect(Array.from(got.y.subarray(r * H, (r + 1) * H)), `y row ${r}`).toEqual(new Array(H).fill(0));
        expect(Array.from(got.hseq.subarray(after, after + H)), `held h row ${r}`).toEqual(
          Array.from(got.hseq.subarray(before, before + H)),
        );
        expect(
          Array.from(got.dgx.subarray(r * G, (r + 1) * G)).every((v) => v === 0),
          `dgx row ${r}`,
        ).toBe(true);
        if (k.resetAfter)
          expect(
            Array.from(got.dgh.subarray(r * H, (r + 1) * H)).every((v) => v === 0),
            `dgh row ${r}`,
          ).toBe(true);
        if (got.dx) {
          const want = k.accumDx ? Array.from(dxStart.subarray(r * I, (r + 1) * I)) : new Array(I).fill(0);
          expect(Array.from(got.dx.subarray(r * I, (r + 1) * I)), `dx row ${r}`).toEqual(want);
        }
      }
    }
    if (k.mask !== 'ones' && T > 1) expect(paddedRows).toBeGreaterThan(0);
    expect(got.gates.some(Number.isNaN) || got.hn.some(Number.isNaN), 'NaN in saved state').toBe(false);
  }
  if (k.mask === 'ones') {
    // a present all-ones mask is exactly the unmasked computation
    const plain = execute(false);
    for (const key of ['y', 'hseq', 'gates', 'hn', 'dh0', 'dgx', 'dgh', 'dwih', 'dwhh', 'dbih', 'dbhh'] as const) {
      expect(Array.from(got[key]), `${key}: mask of ones vs no mask`).toEqual(Array.from(plain[key]));
    }
    if (got.dx) expect(Array.from(got.dx)).toEqual(Array.from(plain.dx!));
  }
  // dgx written over the saved gates: the same gradients, bit for bit, and the gates slot holds dgx
  const inPlace = execute(true, true);
  for (const key of ['dh0', 'dgh', 'dwih', 'dwhh', 'dbih', 'dbhh'] as const) {
    expect(Array.from(inPlace[key]), `${key}: dgx over the gates vs its own buffer`).toEqual(Array.from(got[key]));
  }
  expect(Array.from(inPlace.gatesAfterBackward), 'gates slot after an in-place backward').toEqual(Array.from(got.dgx));
  if (got.dx) expect(Array.from(inPlace.dx!)).toEqual(Array.from(got.dx));
}

/** Dense (rows, width) out of a strided array starting at off. */
function readDense(buf: Float32Array, off: number, rows: number, width: number, ld: number): Float32Array {
  const out = new Float32Array(rows * width);
  for (let i = 0; i < rows; i++) out.set(buf.subarray(off + i * ld, off + i * ld + width), i * width);
  return out;
}

describe('gru_forward / gru_backward vs float64 reference', () => {
  cases().forEach((k, i) => {
    it(describeCase(k), () => runCase(k, 5000 + 97 * i));
  });

  maskedCases().forEach((k, i) => {
    it(`masked: ${describeCase(k)}`, () => runCase(k, 9000 + 89 * i));
  });

  // the weight-gradient GEMM skips a zero initial state's B rows of H_prev (and of r∘h_prev): with
  // B 130 they span a whole 128-row chunk and part of the next (forward) or the end of the second
  // and the whole short third (reversed)
  for (const resetAfter of [true, false]) {
    for (const reverse of [false, true]) {
      const k: Case = {
        T: 2,
        B: 130,
        I: 3,
        H: 5,
        reverse,
        resetAfter,
        bias: true,
        h0: false,
        dy: true,
        dhT: reverse,
        accumDx: false,
        dx: true,
        wide: !reverse,
        mask: null,
      };
      it(`wide batch, no initial state: ${describeCase(k)}`, () => runCase(k, 7000 + 2 * +resetAfter + +reverse));
    }
  }

  it('covers every option both ways', () => {
    const list = cases();
    const masked = maskedCases();
    for (const pattern of MASK_PATTERNS) {
      for (const resetAfter of [true, false]) {
        for (const reverse of [true, false]) {
          expect(
            masked.some((k) => k.mask === pattern && k.resetAfter === resetAfter && k.reverse === reverse),
            `${pattern} resetAfter=${resetAfter} reverse=${reverse}`,
          ).toBe(true);
        }
      }
    }
    for (const key of ['reverse', 'resetAfter', 'bias', 'h0', 'dy', 'dhT', 'accumDx', 'dx', 'wide'] as const) {
      expect(new Set(list.map((k) => k[key])).size, key).toBe(2);
    }
  });

  it('no dy and no dhT: zero gradients, parameter gradients unchanged', () => {
    const k: Case = {
      T: 3,
      B: 3,
      I: 5,
      H: 7,
      reverse: false,
      resetAfter: true,
      bias: true,
      h0: true,
      dy: false,
      dhT: false,
      accumDx: false,
      dx: true,
      wide: true,
      mask: null,
    };
    runCase(k, 77);
    runCase({ ...k, resetAfter: false, reverse: true }, 78);
  });

  it('T = 0: hseq holds the initial state and dh0 = dhT', () => {
    const B = 2,
      H = 5,
      I = 3;
    const h0 = randomArray(B * H, 3);
    const dhT = randomArray(B * H, 4);
    for (const reverse of [0, 1]) {
      for (const resetAfter of [0, 1]) {
        const ph0 = put(backend, h0),
          phseq = put(backend, filled(B * H, NaN));
        const pwih = put(backend, randomArray(3 * H * I, 5)),
          pwhh = put(backend, randomArray(3 * H * H, 6));
        const pwork = put(backend, filled(gruForwardWork(B, I, H), 0));
        backend.kernels.gru_forward(
          0,
          B,
          I,
          H,
          reverse,
          resetAfter,
          0,
          I,
          0,
          pwih,
          pwhh,
          0,
          0,
          ph0,
          0,
          H,
          0,
          0,
          phseq,
          pwork,
        );
        expect(Array.from(read(phseq, B * H))).toEqual(Array.from(h0));
        const pdhT = put(backend, dhT),
          pdh0 = put(backend, filled(B * H, NaN));
        const pbw = put(backend, filled(gruBackwardWork(0, B, I, H), 0));
        const pdw = put(backend, filled(3 * H * I, 1));
        backend.kernels.gru_backward(
          0,
          B,
          I,
          H,
          reverse,
          resetAfter,
          0,
          I,
          0,
          pwih,
          pwhh,
          0,
          0,
          phseq,
          0,
          H,
          pdhT,
          0,
          I,
          0,
          pdh0,
          pdw,
          0,
          0,
          0,
          0,
          0,
          pbw,
        );
        expect(Array.from(read(pdh0, B * H))).toEqual(Array.from(dhT));
        expect(Array.from(read(pdw, 3 * H * I)).every((v) => v === 1)).toBe(true);
        for (const q of [ph0, phseq, pwih, pwhh, pwork, pdhT, pdh0, pbw, pdw]) backend.heap.release(q);
      }
    }
  });
});
