// LSTM and vanilla-RNN kernels of the wasm backend (assembly/lstm.ts, assembly/rnn.ts,
// assembly/rowops.ts):
// - the fused element-wise kernels (lstm_gates_forward/backward, rnn_act_forward/backward) and the
//   row helpers (fill_rows_with_bias, accumulate_column_sums): SIMD against the scalar `_ref` twin
//   and against float64 math (the reference's cell step), over awkward H and B, with strides,
//   sentinels and absent pointers;
// - the sequence kernels (lstm_forward/backward, rnn_forward/backward) against the float64
//   reference (test/reference/recurrent64.ts, one direction of one layer: naive loops over t, b,
//   gate row and k, with no GEMM organisation) over T ∈ {1,2,5}, B ∈ {1,3}, reverse, relu, absent
//   bias / initial state / output gradients, strided and offset rows, accumDx, and with step masks
//   (random, right- and left-padded, all ones; a padded step holds the state, outputs zeros and
//   passes the gradient through); the reference itself is checked here against central finite
//   differences first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { lstmBackwardWork, lstmForwardWork, rnnBackwardWork, rnnForwardWork } from '../../src/backend/kernels.ts';
import type { WasmExports } from '../../src/backend/wasm.ts';
import { maxErrors, put, randomArray, wasmBackend } from '../helpers/backends.ts';
import { blankPaddedRows, MASK_PATTERNS, makeMask, type MaskPattern, padded } from '../helpers/masks.ts';
import {
  type Direction64,
  directionBackward64,
  directionForward64,
  directionLoss64,
  finiteDifferenceGrad,
  lstmCellBackward64,
  lstmCellForward64,
  maxError64,
  rnnCellBackward64,
  rnnCellForward64,
} from '../reference/recurrent64.ts';

type Fn = (...args: number[]) => void;

const AWKWARD = [1, 2, 3, 5, 7, 17, 33, 65];
const SENTINEL = -777.25;
/** f32 tolerance of the sequence kernels against float64: relative, with an absolute floor. */
const SEQ_REL_TOL = 1e-4;
const SEQ_FLOOR = 1e-2;
/** Tolerance of a SIMD element-wise kernel against its scalar twin (activations differ by ~1 ulp). */
const TWIN_ABS_TOL = 1e-6;

let backend: Backend & { exports: WasmExports };
let k: Record<string, Fn>;
const worst: Record<string, number> = {};

beforeAll(async () => {
  backend = await wasmBackend();
  k = backend.exports as unknown as Record<string, Fn>;
});

afterAll(() => {
  // the measured worst errors, for the record
  console.log(
    'worst errors:',
    JSON.stringify(worst, (_k, v: number) => (typeof v === 'number' ? Number(v.toExponential(2)) : v)),
  );
});

function note(key: string, value: number): void {
  if (!(value <= (worst[key] ?? 0))) worst[key] = value;
}

// ------------------------------------------------------------------ heap helpers

/** Heap blocks allocated by the current test, released by {@link releaseAll}. */
const live: number[] = [];
function alloc(data: ArrayLike<number>): number {
  const ptr = put(backend, data);
  live.push(ptr);
  return ptr;
}
function filled(n: number, value: number): number {
  return alloc(new Float32Array(n).fill(value));
}
function releaseAll(): void {
  for (const p of live.splice(0)) backend.heap.release(p);
}
function read(ptr: number, n: number): Float32Array {
  return backend.heap.read(ptr, n);
}
/** Byte pointer `floats` elements past `ptr`. */
const at = (ptr: number, floats: number): number => ptr + 4 * floats;

/** A strided (rows, width) block stored at column `off` of rows of `ld` floats, filled with `fill` elsewhere. */
function strided(
  rows: number,
  width: number,
  ld: number,
  off: number,
  values: ArrayLike<number>,
  fill = SENTINEL,
): Float32Array {
  const out = new Float32Array(rows * ld).fill(fill);
  for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) out[r * ld + off + j] = values[r * width + j];
  return out;
}
/** The (rows, width) block at column `off` of `buffer`; asserts every float outside it still equals `fill`. */
function unstride(
  buffer: Float32Array,
  rows: number,
  width: number,
  ld: number,
  off: number,
  label: string,
  fill = SENTINEL,
): Float32Array {
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < ld; c++) {
      const v = buffer[r * ld + c];
      if (c >= off && c < off + width) out[r * width + c - off] = v;
      else if (v !== fill) throw new Error(`${label}: wrote outside its slice at row ${r}, column ${c} (${v})`);
    }
  }
  return out;
}
/** Asserts the `extra` floats after the first `used` of a block are untouched sentinels. */
function expectUntouchedTail(ptr: number, used: number, extra: number, label: string): void {
  const tail = read(at(ptr, used), extra);
  for (let i = 0; i < extra; i++) if (tail[i] !== SENTINEL) throw new Error(`${label}: wrote past its size (+${i})`);
}

/** Asserts got ≈ want at f32 precision: max |got − want| / max(|want|, floor) ≤ tol. NaN fails. */
function expectClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  label: string,
  key: string,
  tol = SEQ_REL_TOL,
  floor = SEQ_FLOOR,
): void {
  const { rel } = maxErrors(got, want, floor);
  note(key, rel);
  expect(rel, label).toBeLessThanOrEqual(tol);
}

// ------------------------------------------------------------------ float64 reference self-check

const f64 = (a: ArrayLike<number>): Float64Array => Float64Array.from(a);

/**
 * Worst error of analytic gradients against central finite differences (step 1e-5) of `loss`,
 * over [array, its analytic gradient] pairs: max |numeric − analytic| / max(|numeric|, 1).
 */
function finiteDifferenceError(pairs: Array<[Float64Array, Float64Array]>, loss: () => number): number {
  let worstErr = 0;
  for (const [param, grad] of pairs) {
    const { rel } = maxError64(grad, finiteDifferenceGrad(loss, param, 1e-5), 1);
    if (!(rel <= worstErr)) worstErr = rel;
  }
  return worstErr;
}

describe('the float64 reference agrees with finite differences', () => {
  it.each([
    [false, null],
    [true, null],
    [false, 'random'],
    [true, 'right'],
    [true, 'left'],
  ] as const)('LSTM (T=5, B=2, I=3, H=3, non-zero initial state, reverse=%s, mask=%s)', (reverse, pattern) => {
    const T = 5,
      B = 2,
      I = 3,
      H = 3,
      G = 4 * H;
    const p: Direction64 = {
      cell: 'lstm',
      T,
      B,
      I,
      H,
      reverse,
      mask: pattern ? makeMask(pattern, T, B, 61) : null,
      x: f64(randomArray(T * B * I, 1, -1, 1)),
      wih: f64(randomArray(G * I, 2, -0.8, 0.8)),
      whh: f64(randomArray(G * H, 3, -0.8, 0.8)),
      bih: f64(randomArray(G, 4, -0.5, 0.5)),
      bhh: f64(randomArray(G, 5, -0.5, 0.5)),
      h0: f64(randomArray(B * H, 6, -1, 1)),
      c0: f64(randomArray(B * H, 7, -1, 1)),
    };
    const seeds = {
      dy: f64(randomArray(T * B * H, 8, -1, 1)),
      dhT: f64(randomArray(B * H, 9, -1, 1)),
      dcT: f64(randomArray(B * H, 10, -1, 1)),
    };
    const g = directionBackward64(p, directionForward64(p), seeds);
    const err = finiteDifferenceError(
      [
        [p.x, g.dx],
        [p.wih, g.dwih],
        [p.whh, g.dwhh],
        [p.bih!, g.dbih],
        [p.bhh!, g.dbhh],
        [p.h0!, g.dh0],
        [p.c0!, g.dc0],
      ],
      () => directionLoss64(directionForward64(p), seeds),
    );
    note('reference LSTM vs finite differences', err);
    expect(err).toBeLessThanOrEqual(1e-7);
  });

  it.each([
    [false, false, null],
    [true, false, null],
    [false, true, null],
    [true, true, null],
    [false, false, 'random'],
    [true, true, 'right'],
    [true, false, 'left'],
  ] as const)('RNN (T=5, B=2, I=3, H=4, reverse=%s, relu=%s, mask=%s)', (reverse, relu, pattern) => {
    const T = 5,
      B = 2,
      I = 3,
      H = 4;
    const p: Direction64 = {
      cell: 'rnn',
      nonlinearity: relu ? 'relu' : 'tanh',
      T,
      B,
      I,
      H,
      reverse,
      mask: pattern ? makeMask(pattern, T, B, 62) : null,
      x: f64(randomArray(T * B * I, 11, -1, 1)),
      wih: f64(randomArray(H * I, 12, -0.8, 0.8)),
      whh: f64(randomArray(H * H, 13, -0.8, 0.8)),
      bih: f64(randomArray(H, 14, -0.3, 0.5)),
      bhh: f64(randomArray(H, 15, -0.3, 0.5)),
      h0: f64(randomArray(B * H, 16, -1, 1)),
    };
    const seeds = { dy: f64(randomArray(T * B * H, 17, -1, 1)), dhT: f64(randomArray(B * H, 18, -1, 1)) };
    const tr = directionForward64(p);
    if (relu) {
      // the relu case must exercise both sides of the kink, away from it: count over every state
      // after a step (the hseq blocks other than the initial one)
      const after = reverse ? tr.hseq.subarray(0, T * B * H) : tr.hseq.subarray(B * H);
      let active = 0,
        inactive = 0;
      for (const v of after)
        if (v > 0) active++;
        else inactive++;
      expect(active).toBeGreaterThan(0);
      expect(inactive).toBeGreaterThan(0);
    }
    const g = directionBackward64(p, tr, seeds);
    const err = finiteDifferenceError(
      [
        [p.x, g.dx],
        [p.wih, g.dwih],
        [p.whh, g.dwhh],
        [p.bih!, g.dbih],
        [p.bhh!, g.dbhh],
        [p.h0!, g.dh0],
      ],
      () => directionLoss64(directionForward64(p), seeds),
    );
    note('reference RNN vs finite differences', err);
    expect(err).toBeLessThanOrEqual(1e-7);
  });
});

// ------------------------------------------------------------------ fused element-wise kernels

const GATE_SHAPES = AWKWARD.flatMap((H) => [1, 3].map((B) => [H, B] as [number, number]));

describe('lstm_gates_forward: SIMD vs _ref vs float64', () => {
  it.each(GATE_SHAPES)('H=%i, B=%i', (H, B) => {
    const G = 4 * H,
      ldy = H + 3,
      yOff = 2;
    const pre = randomArray(B * G, 21 + H * 7 + B, -6, 6);
    pre[0] = 30;
    pre[B * G - 1] = -30; // saturated values too
    const cPrev = randomArray(B * H, 22 + H, -2, 2);
    const results: Record<string, { gates: Float32Array; c: Float32Array; h: Float32Array; y: Float32Array }> = {};
    for (const fn of ['lstm_gates_forward', 'lstm_gates_forward_ref']) {
      const gates = alloc(pre),
        cp = alloc(cPrev),
        c = filled(B * H, SENTINEL),
        h = filled(B * H, SENTINEL);
      const y = alloc(new Float32Array(B * ldy).fill(SENTINEL));
      k[fn](B, H, gates, cp, c, h, at(y, yOff), ldy);
      results[fn] = {
        gates: read(gates, B * G),
        c: read(c, B * H),
        h: read(h, B * H),
        y: unstride(read(y, B * ldy), B, H, ldy, yOff, `${fn} y`),
      };
      expect(Array.from(read(cp, B * H)), 'cPrev untouched').toEqual(Array.from(cPrev));
      // y = 0: nothing written there, the rest identical
      const gates2 = alloc(pre),
        c2 = filled(B * H, 0),
        h2 = filled(B * H, 0);
      k[fn](B, H, gates2, cp, c2, h2, 0, ldy);
      expect(Array.from(read(h2, B * H))).toEqual(Array.from(results[fn].h));
      releaseAll();
    }
    const simd = results.lstm_gates_forward,
      ref = results.lstm_gates_forward_ref;
    for (const key of ['gates', 'c', 'h', 'y'] as const) {
      const { abs } = maxErrors(simd[key], ref[key]);
      note('lstm_gates_forward vs _ref (abs)', abs);
      expect(abs, key).toBeLessThanOrEqual(TWIN_ABS_TOL);
    }
    expect(Array.from(simd.y)).toEqual(Array.from(simd.h));
    // float64
    const want = lstmCellForward64(B, H, pre, cPrev);
    for (const [got, wanted, key] of [
      [simd.gates, want.gates, 'gates'],
      [simd.c, want.c, 'c'],
      [simd.h, want.h, 'h'],
    ] as const) {
      const { abs } = maxErrors(got, wanted);
      note('lstm_gates_forward vs float64 (abs)', abs);
      expect(abs, key).toBeLessThanOrEqual(2e-6);
    }
  });
});

describe('lstm_gates_backward: SIMD vs _ref vs float64', () => {
  it.each(GATE_SHAPES)('H=%i, B=%i', (H, B) => {
    const G = 4 * H,
      lddy = H + 5,
      dyOff = 3;
    // activated gates: sigmoid values in (0, 1), g in (-1, 1)
    const gatesIn = randomArray(B * G, 31 + H * 3 + B, 0.02, 0.98);
    for (let b = 0; b < B; b++)
      for (let j = 0; j < H; j++) gatesIn[b * G + 2 * H + j] = 2 * gatesIn[b * G + 2 * H + j] - 1;
    const cPrev = randomArray(B * H, 32 + H, -2, 2),
      c = randomArray(B * H, 33 + H, -2, 2);
    const dh = randomArray(B * H, 34 + H, -1, 1),
      dy = randomArray(B * H, 35 + H, -1, 1),
      dc = randomArray(B * H, 36 + H, -1, 1);
    for (const withDy of [true, false]) {
      const results: Record<string, { dgates: Float32Array; dc: Float32Array }> = {};
      for (const fn of ['lstm_gates_backward', 'lstm_gates_backward_ref']) {
        const pg = alloc(gatesIn),
          pcp = alloc(cPrev),
          pc = alloc(c),
          pdh = alloc(dh),
          pdc = alloc(dc);
        const pdy = alloc(strided(B, H, lddy, dyOff, dy));
        const pdg = filled(B * G, NaN);
        k[fn](B, H, pg, pcp, pc, pdh, withDy ? at(pdy, dyOff) : 0, lddy, pdc, pdg);
        results[fn] = { dgates: read(pdg, B * G), dc: read(pdc, B * H) };
        expect(Array.from(read(pg, B * G)), 'gates untouched').toEqual(Array.from(gatesIn));
        expect(Array.from(read(pdh, B * H)), 'dh untouched').toEqual(Array.from(dh));
        releaseAll();
      }
      const simd = results.lstm_gates_backward,
        ref = results.lstm_gates_backward_ref;
      for (const key of ['dgates', 'dc'] as const) {
        const { abs } = maxErrors(simd[key], ref[key]);
        note('lstm_gates_backward vs _ref (abs)', abs);
        expect(abs, key).toBeLessThanOrEqual(TWIN_ABS_TOL);
      }
      const dhTotal = Float64Array.from(dh, (v, i) => v + (withDy ? dy[i] : 0));
      const want = lstmCellBackward64(B, H, gatesIn, cPrev, c, dhTotal, dc);
      for (const [got, wanted, key] of [
        [simd.dgates, want.dPre, 'dgates'],
        [simd.dc, want.dcPrev, 'dc'],
      ] as const) {
        const { abs } = maxErrors(got, wanted);
        note('lstm_gates_backward vs float64 (abs)', abs);
        expect(abs, `${key} withDy=${withDy}`).toBeLessThanOrEqual(2e-6);
      }
    }
  });
});

describe('rnn_act_forward / rnn_act_backward: SIMD vs _ref vs float64', () => {
  it.each(GATE_SHAPES)('H=%i, B=%i', (H, B) => {
    const ldy = H + 2,
      yOff = 1;
    const pre = randomArray(B * H, 41 + H + B, -4, 4);
    pre[0] = 0; // relu(0) and its (zero) derivative
    if (B * H > 1) pre[1] = -0;
    const dh = randomArray(B * H, 42 + H, -1, 1),
      dy = randomArray(B * H, 43 + H, -1, 1);
    for (const relu of [0, 1]) {
      const out: Record<string, { h: Float32Array; y: Float32Array; dpre: Float32Array; dpre0: Float32Array }> = {};
      for (const suffix of ['', '_ref']) {
        const ph = alloc(pre),
          py = alloc(new Float32Array(B * ldy).fill(SENTINEL));
        k[`rnn_act_forward${suffix}`](B, H, relu, ph, at(py, yOff), ldy);
        const h = read(ph, B * H);
        const y = unstride(read(py, B * ldy), B, H, ldy, yOff, 'y');
        const pdh = alloc(dh),
          pdy = alloc(strided(B, H, ldy, yOff, dy)),
          pdp = filled(B * H, NaN),
          pdp0 = filled(B * H, NaN);
        k[`rnn_act_backward${suffix}`](B, H, relu, ph, pdh, at(pdy, yOff), ldy, pdp);
        k[`rnn_act_backward${suffix}`](B, H, relu, ph, pdh, 0, ldy, pdp0);
        out[suffix] = { h, y, dpre: read(pdp, B * H), dpre0: read(pdp0, B * H) };
        releaseAll();
      }
      const simd = out[''],
        ref = out._ref;
      expect(Array.from(simd.y)).toEqual(Array.from(simd.h));
      for (const key of ['h', 'dpre', 'dpre0'] as const) {
        const { abs } = maxErrors(simd[key], ref[key]);
        note('rnn_act vs _ref (abs)', abs);
        expect(abs, `${key} relu=${relu}`).toBeLessThanOrEqual(relu ? 0 : TWIN_ABS_TOL);
      }
      const nonlinearity = relu ? 'relu' : 'tanh';
      const wantH = rnnCellForward64(pre, nonlinearity);
      const wantD = (withDy: boolean): Float64Array =>
        rnnCellBackward64(
          wantH,
          Float64Array.from(dh, (v, i) => v + (withDy ? dy[i] : 0)),
          nonlinearity,
        );
      expect(maxErrors(simd.h, wantH).abs).toBeLessThanOrEqual(2e-7);
      expect(maxErrors(simd.dpre, wantD(true)).abs).toBeLessThanOrEqual(2e-6);
      expect(maxErrors(simd.dpre0, wantD(false)).abs).toBeLessThanOrEqual(2e-6);
      if (relu) for (const v of simd.h) expect(Object.is(v, -0)).toBe(false);
    }
  });
});

describe('row helpers: fill_rows_with_bias, accumulate_column_sums', () => {
  it.each(AWKWARD.concat([16, 20, 36]))('C=%i', (C) => {
    const R = 5,
      ld = C + 3;
    const b1 = randomArray(C, 51 + C),
      b2 = randomArray(C, 52 + C);
    for (const [u1, u2] of [
      [true, true],
      [true, false],
      [false, true],
      [false, false],
    ]) {
      const got: Float32Array[] = [];
      for (const fn of ['fill_rows_with_bias', 'fill_rows_with_bias_ref']) {
        const dst = alloc(new Float32Array(R * ld).fill(SENTINEL));
        k[fn](R, C, dst, ld, u1 ? alloc(b1) : 0, u2 ? alloc(b2) : 0);
        got.push(unstride(read(dst, R * ld), R, C, ld, 0, fn));
        releaseAll();
      }
      const want = Array.from({ length: R * C }, (_, i) => Math.fround((u1 ? b1[i % C] : 0) + (u2 ? b2[i % C] : 0)));
      expect(Array.from(got[0])).toEqual(want);
      expect(Array.from(got[1])).toEqual(want);
    }
    const src = randomArray(R * ld, 53 + C, -2, 2),
      start = randomArray(C, 54 + C);
    const sums: Float32Array[] = [];
    for (const fn of ['accumulate_column_sums', 'accumulate_column_sums_ref']) {
      const ps = alloc(src),
        po = alloc([...start, SENTINEL, SENTINEL, SENTINEL, SENTINEL]);
      k[fn](R, C, ps, ld, po);
      sums.push(read(po, C));
      expectUntouchedTail(po, C, 4, fn);
      k[fn](R, C, ps, ld, 0); // out = 0: a no-op, no trap
      releaseAll();
    }
    expect(Array.from(sums[0])).toEqual(Array.from(sums[1])); // same summation order: bit-identical
    const want = Array.from(start, (s, j) => {
      let a = s;
      for (let r = 0; r < R; r++) a += src[r * ld + j];
      return a;
    });
    expect(maxErrors(sums[0], want).abs).toBeLessThanOrEqual(1e-5);
  });
});

// ------------------------------------------------------------------ sequence kernels

interface SeqCase {
  T: number;
  B: number;
  I: number;
  H: number;
  reverse: 0 | 1;
  relu: 0 | 1;
  bias: boolean;
  h0: boolean;
  c0: boolean;
  dy: boolean;
  dhT: boolean;
  dcT: boolean;
  dx: boolean;
  dh0: boolean;
  accumDx: 0 | 1;
  wide: boolean;
  /** Step mask layout, or null: no mask (pointer 0). */
  mask: MaskPattern | null;
}

/**
 * 48 cases: every (T, B, reverse) with two complementary flag patterns, so each flag takes both
 * values within every (T, B, reverse) group; I and H cycle through the awkward sizes. B 1 and 3
 * take the LSTM's and RNN's GEMV path (input projection first, then a recurrent product per step),
 * B 4 and 5 their fused step (one product over [x_t | h_{t−1}], with a leftover row at B 5).
 */
function sequenceCases(): SeqCase[] {
  const cases: SeqCase[] = [];
  let n = 0;
  let group = 0;
  for (const T of [1, 2, 5]) {
    for (const B of [1, 3, 4, 5]) {
      for (const reverse of [0, 1] as const) {
        const coin = randomArray(12, 900 + group++);
        for (const v of [0, 1]) {
          const flag = (q: number): boolean => coin[q] > 0 !== (v === 1);
          cases.push({
            T,
            B,
            reverse,
            I: AWKWARD[(n * 3 + 1) % 8],
            H: AWKWARD[(n * 5 + 2) % 8],
            relu: flag(0) ? 1 : 0,
            bias: flag(1),
            h0: flag(2),
            c0: flag(3),
            dy: flag(4),
            dhT: flag(5),
            dcT: flag(6),
            dx: flag(7) || n % 4 === 0,
            dh0: flag(8),
            accumDx: flag(9) ? 1 : 0,
            wide: flag(10),
            mask: null,
          });
          n++;
        }
      }
    }
  }
  return cases;
}
const CASES = sequenceCases();

/**
 * Masked cases: the cases with T > 1 under the four mask layouts in turn, plus longer sequences
 * over wider batches (T = 7, B = 5 and T = 6, B = 4), each layout in both directions.
 */
function maskedSequenceCases(): SeqCase[] {
  const list = CASES.filter((c) => c.T > 1).map((c, i) => ({ ...c, mask: MASK_PATTERNS[i % 4] }));
  let n = 0;
  for (const [T, B] of [
    [7, 5],
    [6, 4],
  ]) {
    for (const mask of MASK_PATTERNS) {
      for (const reverse of [0, 1] as const) {
        const coin = randomArray(12, 1900 + n);
        const flag = (q: number): boolean => coin[q] > 0;
        list.push({
          T,
          B,
          reverse,
          I: AWKWARD[(n * 3 + 2) % 8],
          H: AWKWARD[(n * 5 + 1) % 7],
          mask,
          relu: flag(0) ? 1 : 0,
          bias: flag(1),
          h0: flag(2),
          c0: flag(3),
          dy: true,
          dhT: flag(5),
          dcT: flag(6),
          dx: true,
          dh0: true,
          accumDx: flag(9) ? 1 : 0,
          wide: flag(10),
        });
        n++;
      }
    }
  }
  return list;
}
const MASKED_CASES = maskedSequenceCases();

/**
 * Wide batches with no initial state, both directions: the weight-gradient GEMM skips the zero
 * initial state's B rows of H_prev, which here span a whole 128-row chunk and part of the next
 * (forward: rows 0..130) or the end of the second chunk and the whole short third (reversed:
 * rows 130..260).
 */
const WIDE_BATCH_CASES: SeqCase[] = ([0, 1] as const).map((reverse) => ({
  T: 2,
  B: 130,
  reverse,
  I: 3,
  H: 5,
  relu: 0,
  bias: true,
  h0: false,
  c0: false,
  dy: true,
  dhT: reverse === 1,
  dcT: false,
  dx: true,
  dh0: true,
  accumDx: 0,
  wide: reverse === 0,
  mask: null,
}));

const caseName = (c: SeqCase): string =>
  `T=${c.T} B=${c.B} I=${c.I} H=${c.H} rev=${c.reverse} relu=${c.relu} bias=${+c.bias} h0=${+c.h0} c0=${+c.c0} ` +
  `dy=${+c.dy} dhT=${+c.dhT} dcT=${+c.dcT} dx=${+c.dx} dh0=${+c.dh0} acc=${c.accumDx} wide=${+c.wide}` +
  (c.mask ? ` mask=${c.mask}` : '');

/**
 * Exact checks of the padded rows of a masked run: y row zero, state blocks held (h, and c when
 * given), pre-activation gradient rows (width G) zero, dx row zero (or untouched with accumDx).
 * Returns the number of padded rows.
 */
function expectPaddedRowsExact(
  c: SeqCase,
  mask: Float32Array,
  G: number,
  out: {
    y: Float32Array;
    hseq: Float32Array;
    cseq?: Float32Array;
    dgrad: Float32Array;
    dx: Float32Array | null;
    dxStart: Float32Array;
  },
): number {
  const { T, B, H, I } = c;
  let count = 0;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      if (!padded(mask, t, B, b)) continue;
      count++;
      const r = t * B + b;
      const before = ((c.reverse ? t + 1 : t) * B + b) * H,
        after = (blockAfter(c, t) * B + b) * H;
      expect(Array.from(out.y.subarray(r * H, (r + 1) * H)), `padded y row ${r}`).toEqual(new Array(H).fill(0));
      for (const [name, seq] of [
        ['h', out.hseq],
        ['c', out.cseq],
      ] as const) {
        if (seq)
          expect(Array.from(seq.subarray(after, after + H)), `${name} held at row ${r}`).toEqual(
            Array.from(seq.subarray(before, before + H)),
          );
      }
      expect(
        Array.from(out.dgrad.subarray(r * G, (r + 1) * G)).every((v) => v === 0),
        `zero gradient row ${r}`,
      ).toBe(true);
      if (out.dx) {
        const want = c.accumDx ? Array.from(out.dxStart.subarray(r * I, (r + 1) * I)) : new Array(I).fill(0);
        expect(Array.from(out.dx.subarray(r * I, (r + 1) * I)), `dx row ${r}`).toEqual(want);
      }
    }
  }
  if (c.mask !== 'ones') expect(count, 'the mask pads some step').toBeGreaterThan(0);
  return count;
}

/** Strides and offsets of the strided sequence buffers of a case. */
function layout(c: SeqCase) {
  return {
    ldx: c.wide ? c.I + 3 : c.I,
    xOff: c.wide ? 2 : 0,
    ldy: c.wide ? 2 * c.H + 1 : c.H,
    yOff: c.wide ? c.H : 0,
    lddy: c.wide ? c.H + 4 : c.H,
    dyOff: c.wide ? 1 : 0,
    lddx: c.wide ? c.I + 2 : c.I,
    dxOff: c.wide ? 1 : 0,
  };
}

/** Block index in hseq / cseq of the state after time index t, and of the initial state. */
const blockAfter = (c: SeqCase, t: number): number => (c.reverse ? t : t + 1);
const initialBlock = (c: SeqCase): number => (c.reverse ? c.T : 0);

/** Parameter-gradient buffers pre-filled with values that must be accumulated onto. */
function accumulatorStart(n: number, seed: number): Float32Array {
  return randomArray(n, seed, -0.5, 0.5);
}
const plus = (start: Float32Array, grad: Float64Array): Float64Array => Float64Array.from(grad, (g, i) => start[i] + g);

/** The values of time index t in a (T, B, w) array, `stepSize` = B·w of them. */
const stepRows = (a: Float32Array | Float64Array, t: number, stepSize: number): Float32Array | Float64Array =>
  a.subarray(t * stepSize, (t + 1) * stepSize);

describe('lstm_forward / lstm_backward against the float64 reference', () => {
  it.each([...CASES, ...MASKED_CASES, ...WIDE_BATCH_CASES].map((c) => [caseName(c), c] as const))('%s', (_name, c) => {
    const { T, B, I, H } = c;
    const G = 4 * H,
      rows = T * B;
    const L = layout(c);
    const seed = 1000 + T * 100 + B * 10 + I + H;
    const mask = c.mask ? makeMask(c.mask, T, B, seed + 40) : null;
    const pmask = mask ? alloc(mask) : 0;
    const x = randomArray(rows * I, seed, -1, 1);
    // weights at 1.5× PyTorch's init scale (±1/√fan_in): gates neither linear nor all saturated
    const wih = randomArray(G * I, seed + 1, -1.5 / Math.sqrt(I), 1.5 / Math.sqrt(I));
    const whh = randomArray(G * H, seed + 2, -1.5 / Math.sqrt(H), 1.5 / Math.sqrt(H));
    const bih = randomArray(G, seed + 3, -0.5, 0.5),
      bhh = randomArray(G, seed + 4, -0.5, 0.5);
    const h0 = randomArray(B * H, seed + 5),
      c0 = randomArray(B * H, seed + 6, -2, 2);
    const dy = randomArray(rows * H, seed + 7),
      dhT = randomArray(B * H, seed + 8),
      dcT = randomArray(B * H, seed + 9);

    // ---- forward
    const px = alloc(strided(rows, I, L.ldx, L.xOff, x));
    const pwih = alloc(wih),
      pwhh = alloc(whh);
    const pbih = c.bias ? alloc(bih) : 0,
      pbhh = c.bias ? alloc(bhh) : 0;
    const ph0 = c.h0 ? alloc(h0) : 0,
      pc0 = c.c0 ? alloc(c0) : 0;
    const py = alloc(new Float32Array(rows * L.ldy).fill(SENTINEL));
    const pgates = filled(rows * G + 4, NaN),
      phseq = filled((T + 1) * B * H + 4, NaN),
      pcseq = filled((T + 1) * B * H + 4, NaN);
    const fwdWork = lstmForwardWork(B, I, H);
    const pwork = filled(fwdWork + 16, SENTINEL);
    backend.kernels.lstm_forward(
      T,
      B,
      I,
      H,
      c.reverse,
      at(px, L.xOff),
      L.ldx,
      pmask,
      pwih,
      pwhh,
      pbih,
      pbhh,
      ph0,
      pc0,
      at(py, L.yOff),
      L.ldy,
      pgates,
      phseq,
      pcseq,
      pwork,
    );
    expectUntouchedTail(pwork, fwdWork, 16, 'forward work');

    const problem: Direction64 = {
      cell: 'lstm',
      T,
      B,
      I,
      H,
      reverse: c.reverse === 1,
      mask,
      x: f64(x),
      wih: f64(wih),
      whh: f64(whh),
      bih: c.bias ? f64(bih) : null,
      bhh: c.bias ? f64(bhh) : null,
      h0: c.h0 ? f64(h0) : null,
      c0: c.c0 ? f64(c0) : null,
    };
    const ref = directionForward64(problem);
    const y = unstride(read(py, rows * L.ldy), rows, H, L.ldy, L.yOff, 'y');
    const hseq = read(phseq, (T + 1) * B * H),
      cseq = read(pcseq, (T + 1) * B * H),
      gates = read(pgates, rows * G);
    expect(gates.some(Number.isNaN), 'NaN in the saved gates').toBe(false);
    const gatesCmp = blankPaddedRows(gates, mask, G); // padded rows of gates are unspecified
    const state = (buf: Float32Array | Float64Array, block: number): Float32Array | Float64Array =>
      buf.subarray(block * B * H, (block + 1) * B * H);
    const forwardKey = 'lstm_forward y/h/c/gates';
    for (let t = 0; t < T; t++) {
      expectClose(stepRows(y, t, B * H), stepRows(ref.y, t, B * H), `y[${t}]`, forwardKey);
      expectClose(state(hseq, blockAfter(c, t)), state(ref.hseq, blockAfter(c, t)), `hseq after ${t}`, forwardKey);
      expectClose(state(cseq, blockAfter(c, t)), state(ref.cseq, blockAfter(c, t)), `cseq after ${t}`, forwardKey);
      expectClose(stepRows(gatesCmp, t, B * G), stepRows(ref.gates, t, B * G), `gates[${t}]`, forwardKey);
    }
    expect(Array.from(state(hseq, initialBlock(c))), 'initial h block').toEqual(
      c.h0 ? Array.from(h0) : new Array(B * H).fill(0),
    );
    expect(Array.from(state(cseq, initialBlock(c))), 'initial c block').toEqual(
      c.c0 ? Array.from(c0) : new Array(B * H).fill(0),
    );
    expectClose(state(hseq, c.reverse ? 0 : T), ref.hN, 'final h', forwardKey);
    expect(Array.from(read(pwih, G * I)), 'wih untouched').toEqual(Array.from(wih));

    // ---- backward
    const pdy = c.dy ? alloc(strided(rows, H, L.lddy, L.dyOff, dy)) : 0;
    const pdhT = c.dhT ? alloc(dhT) : 0,
      pdcT = c.dcT ? alloc(dcT) : 0;
    const dxStart = c.accumDx ? randomArray(rows * I, seed + 10) : new Float32Array(rows * I).fill(NaN); // NaN: must not be read
    const pdx = c.dx ? alloc(strided(rows, I, L.lddx, L.dxOff, dxStart)) : 0;
    const pdh0 = c.dh0 ? filled(B * H, NaN) : 0,
      pdc0 = c.dh0 ? filled(B * H, NaN) : 0;
    const dwihStart = accumulatorStart(G * I, seed + 11),
      dwhhStart = accumulatorStart(G * H, seed + 12);
    const dbihStart = accumulatorStart(G, seed + 13),
      dbhhStart = accumulatorStart(G, seed + 14);
    const pdwih = alloc(dwihStart),
      pdwhh = alloc(dwhhStart);
    const pdbih = c.bias ? alloc(dbihStart) : 0,
      pdbhh = c.bias ? alloc(dbhhStart) : 0;
    const pdgates = filled(rows * G + 4, NaN);
    const bwdWork = lstmBackwardWork(T, B, I, H);
    const pbwork = filled(bwdWork + 16, SENTINEL);
    backend.kernels.lstm_backward(
      T,
      B,
      I,
      H,
      c.reverse,
      at(px, L.xOff),
      L.ldx,
      pmask,
      pwih,
      pwhh,
      pgates,
      phseq,
      pcseq,
      pdy ? at(pdy, L.dyOff) : 0,
      L.lddy,
      pdhT,
      pdcT,
      pdx ? at(pdx, L.dxOff) : 0,
      L.lddx,
      c.accumDx,
      pdh0,
      pdc0,
      pdwih,
      pdwhh,
      pdbih,
      pdbhh,
      pdgates,
      pbwork,
    );
    expectUntouchedTail(pbwork, bwdWork, 16, 'backward work');

    const g = directionBackward64(problem, ref, {
      dy: c.dy ? f64(dy) : null,
      dhT: c.dhT ? f64(dhT) : null,
      dcT: c.dcT ? f64(dcT) : null,
    });
    const key = 'lstm_backward grads';
    const dgates = read(pdgates, rows * G);
    // the LSTM's input- and hidden-side pre-activation gradients are one: dgx
    for (let t = 0; t < T; t++) expectClose(stepRows(dgates, t, B * G), stepRows(g.dgx, t, B * G), `dgates[${t}]`, key);
    expectClose(read(pdwih, G * I), plus(dwihStart, g.dwih), 'dwih', key);
    expectClose(read(pdwhh, G * H), plus(dwhhStart, g.dwhh), 'dwhh', key);
    if (c.bias) {
      expectClose(read(pdbih, G), plus(dbihStart, g.dbih), 'dbih', key);
      expectClose(read(pdbhh, G), plus(dbhhStart, g.dbhh), 'dbhh', key);
    }
    if (c.dx) {
      const dx = unstride(read(pdx, rows * L.lddx), rows, I, L.lddx, L.dxOff, 'dx');
      expectClose(dx, c.accumDx ? plus(dxStart, g.dx) : g.dx, 'dx', key);
    }
    if (c.dh0) {
      expectClose(read(pdh0, B * H), g.dh0, 'dh0', key);
      expectClose(read(pdc0, B * H), g.dc0, 'dc0', key);
    }
    if (mask) {
      expectPaddedRowsExact(c, mask, G, {
        y,
        hseq,
        cseq,
        dgrad: dgates,
        dxStart,
        dx: c.dx ? unstride(read(pdx, rows * L.lddx), rows, I, L.lddx, L.dxOff, 'dx') : null,
      });
    }
    if (!c.dy && !c.dhT && !c.dcT) {
      // no gradient flows in: every accumulated gradient is unchanged
      expect(Array.from(read(pdwih, G * I))).toEqual(Array.from(dwihStart));
    }
    releaseAll();
  });
});

describe('rnn_forward / rnn_backward against the float64 reference', () => {
  it.each([...CASES, ...MASKED_CASES, ...WIDE_BATCH_CASES].map((c) => [caseName(c), c] as const))('%s', (_name, c) => {
    const { T, B, I, H } = c;
    const rows = T * B;
    const L = layout(c);
    const seed = 5000 + T * 100 + B * 10 + I + H;
    const mask = c.mask ? makeMask(c.mask, T, B, seed + 40) : null;
    const pmask = mask ? alloc(mask) : 0;
    const x = randomArray(rows * I, seed, -1, 1);
    // weights at PyTorch's init scale (±1/√fan_in): a stable recurrence, so f32 rounding is not amplified
    const wih = randomArray(H * I, seed + 1, -1 / Math.sqrt(I), 1 / Math.sqrt(I));
    const whh = randomArray(H * H, seed + 2, -1 / Math.sqrt(H), 1 / Math.sqrt(H));
    const bih = randomArray(H, seed + 3, -0.3, 0.5),
      bhh = randomArray(H, seed + 4, -0.3, 0.5);
    const h0 = randomArray(B * H, seed + 5);
    const dy = randomArray(rows * H, seed + 7),
      dhT = randomArray(B * H, seed + 8);

    // ---- forward
    const px = alloc(strided(rows, I, L.ldx, L.xOff, x));
    const pwih = alloc(wih),
      pwhh = alloc(whh);
    const pbih = c.bias ? alloc(bih) : 0,
      pbhh = c.bias ? alloc(bhh) : 0;
    const ph0 = c.h0 ? alloc(h0) : 0;
    const py = alloc(new Float32Array(rows * L.ldy).fill(SENTINEL));
    const phseq = filled((T + 1) * B * H + 4, NaN);
    const fwdWork = rnnForwardWork(B, I, H);
    const pwork = filled(fwdWork + 16, SENTINEL);
    backend.kernels.rnn_forward(
      T,
      B,
      I,
      H,
      c.reverse,
      c.relu,
      at(px, L.xOff),
      L.ldx,
      pmask,
      pwih,
      pwhh,
      pbih,
      pbhh,
      ph0,
      at(py, L.yOff),
      L.ldy,
      phseq,
      pwork,
    );
    expectUntouchedTail(pwork, fwdWork, 16, 'forward work');

    const problem: Direction64 = {
      cell: 'rnn',
      nonlinearity: c.relu === 1 ? 'relu' : 'tanh',
      T,
      B,
      I,
      H,
      reverse: c.reverse === 1,
      mask,
      x: f64(x),
      wih: f64(wih),
      whh: f64(whh),
      bih: c.bias ? f64(bih) : null,
      bhh: c.bias ? f64(bhh) : null,
      h0: c.h0 ? f64(h0) : null,
    };
    const ref = directionForward64(problem);
    const y = unstride(read(py, rows * L.ldy), rows, H, L.ldy, L.yOff, 'y');
    const hseq = read(phseq, (T + 1) * B * H);
    const state = (buf: Float32Array | Float64Array, block: number): Float32Array | Float64Array =>
      buf.subarray(block * B * H, (block + 1) * B * H);
    for (let t = 0; t < T; t++) {
      expectClose(stepRows(y, t, B * H), stepRows(ref.y, t, B * H), `y[${t}]`, 'rnn_forward y/h');
      expectClose(
        state(hseq, blockAfter(c, t)),
        state(ref.hseq, blockAfter(c, t)),
        `hseq after ${t}`,
        'rnn_forward y/h',
      );
    }
    expect(Array.from(state(hseq, initialBlock(c))), 'initial h block').toEqual(
      c.h0 ? Array.from(h0) : new Array(B * H).fill(0),
    );
    expectClose(state(hseq, c.reverse ? 0 : T), ref.hN, 'final h', 'rnn_forward y/h');

    // ---- backward
    const pdy = c.dy ? alloc(strided(rows, H, L.lddy, L.dyOff, dy)) : 0;
    const pdhT = c.dhT ? alloc(dhT) : 0;
    const dxStart = c.accumDx ? randomArray(rows * I, seed + 10) : new Float32Array(rows * I).fill(NaN);
    const pdx = c.dx ? alloc(strided(rows, I, L.lddx, L.dxOff, dxStart)) : 0;
    const pdh0 = c.dh0 ? filled(B * H, NaN) : 0;
    const dwihStart = accumulatorStart(H * I, seed + 11),
      dwhhStart = accumulatorStart(H * H, seed + 12);
    const dbihStart = accumulatorStart(H, seed + 13),
      dbhhStart = accumulatorStart(H, seed + 14);
    const pdwih = alloc(dwihStart),
      pdwhh = alloc(dwhhStart);
    const pdbih = c.bias ? alloc(dbihStart) : 0,
      pdbhh = c.bias ? alloc(dbhhStart) : 0;
    const pdpre = filled(rows * H + 4, NaN);
    const bwdWork = rnnBackwardWork(T, B, I, H);
    const pbwork = filled(bwdWork + 16, SENTINEL);
    backend.kernels.rnn_backward(
      T,
      B,
      I,
      H,
      c.reverse,
      c.relu,
      at(px, L.xOff),
      L.ldx,
      pmask,
      pwih,
      pwhh,
      phseq,
      pdy ? at(pdy, L.dyOff) : 0,
      L.lddy,
      pdhT,
      pdx ? at(pdx, L.dxOff) : 0,
      L.lddx,
      c.accumDx,
      pdh0,
      pdwih,
      pdwhh,
      pdbih,
      pdbhh,
      pdpre,
      pbwork,
    );
    expectUntouchedTail(pbwork, bwdWork, 16, 'backward work');

    const g = directionBackward64(problem, ref, { dy: c.dy ? f64(dy) : null, dhT: c.dhT ? f64(dhT) : null });
    const key = 'rnn_backward grads';
    const dpre = read(pdpre, rows * H);
    // the RNN's input- and hidden-side pre-activation gradients are one: dgx
    for (let t = 0; t < T; t++) expectClose(stepRows(dpre, t, B * H), stepRows(g.dgx, t, B * H), `dpre[${t}]`, key);
    expectClose(read(pdwih, H * I), plus(dwihStart, g.dwih), 'dwih', key);
    expectClose(read(pdwhh, H * H), plus(dwhhStart, g.dwhh), 'dwhh', key);
    if (c.bias) {
      expectClose(read(pdbih, H), plus(dbihStart, g.dbih), 'dbih', key);
      expectClose(read(pdbhh, H), plus(dbhhStart, g.dbhh), 'dbhh', key);
    }
    if (c.dx) {
      const dx = unstride(read(pdx, rows * L.lddx), rows, I, L.lddx, L.dxOff, 'dx');
      expectClose(dx, c.accumDx ? plus(dxStart, g.dx) : g.dx, 'dx', key);
    }
    if (c.dh0) expectClose(read(pdh0, B * H), g.dh0, 'dh0', key);
    if (mask) {
      expectPaddedRowsExact(c, mask, H, {
        y,
        hseq,
        dgrad: dpre,
        dxStart,
        dx: c.dx ? unstride(read(pdx, rows * L.lddx), rows, I, L.lddx, L.dxOff, 'dx') : null,
      });
    }
    releaseAll();
  });
});

describe('sequence case coverage', () => {
  it('every flag takes both values within every (T, B, reverse) group, and sizes span 1 to 65', () => {
    const flags = ['relu', 'bias', 'h0', 'c0', 'dy', 'dhT', 'dcT', 'dx', 'dh0', 'accumDx', 'wide'] as const;
    for (let g = 0; g < CASES.length; g += 2) {
      for (const f of flags) {
        if (f === 'dx') continue; // forced on in some pairs so that dx is checked often
        expect(Boolean(CASES[g][f]), `${caseName(CASES[g])} ${f}`).not.toBe(Boolean(CASES[g + 1][f]));
      }
    }
    expect(CASES.some((c) => !c.dx)).toBe(true);
    for (const mask of MASK_PATTERNS) {
      for (const reverse of [0, 1]) {
        expect(
          MASKED_CASES.some((c) => c.mask === mask && c.reverse === reverse && c.B >= 4),
          `${mask} rev=${reverse}`,
        ).toBe(true);
      }
    }
    const Hs = new Set(CASES.map((c) => c.H)),
      Is = new Set(CASES.map((c) => c.I));
    for (const s of [1, 65]) {
      expect(Hs.has(s)).toBe(true);
      expect(Is.has(s)).toBe(true);
    }
  });
});
