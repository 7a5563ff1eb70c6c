// The GEMM kernels of assembly/gemm.ts (gemm_nn, gemm_nt, gemm_tn, transpose) against a float64
// reference computed here, against their scalar `_ref` twins in the same wasm module, and the
// pure-TypeScript backend's kernels against the same float64 reference. Sizes sweep every value of
// {1, 2, 3, 5, 7, 17, 33, 65} on each of M, N and K (every pair of axes meets every size pair once),
// plus larger shapes that cross the K and column blocks; strides wider than the rows; base
// pointers 4 bytes off 16-byte alignment; alpha ≠ 1; beta ∈ {0, 1, 0.5}, with C full of NaN when
// beta = 0; and sentinel guards around C (before, after, and in the padding of each row) that must
// survive the call.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import type { WasmExports } from '../../src/backend/wasm.ts';
import { jsBackend, randomArray, wasmBackend } from '../helpers/backends.ts';

type Op = 'nn' | 'nt' | 'tn';
type GemmFn = (
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: number,
  lda: number,
  B: number,
  ldb: number,
  beta: number,
  C: number,
  ldc: number,
) => void;

const SIZES = [1, 2, 3, 5, 7, 17, 33, 65];
const OPS: Op[] = ['nn', 'nt', 'tn'];
const BETAS = [0, 1, 0.5];
const ALPHAS = [1, -0.75, 2.5];
/** Written around and between the rows of C; must be there after the call. */
const SENTINEL = -12345.5;
/** Floats of sentinel before and after each matrix region. */
const GUARD = 19;
/** Machine epsilon of float32. */
const EPS32 = 2 ** -23;

interface GemmCase {
  op: Op;
  M: number;
  N: number;
  K: number;
  alpha: number;
  beta: number;
  /** Extra floats per row of A, B and C beyond the row width (0 = dense). */
  pad: number;
  /** 0: 16-byte aligned base pointers; 1: every base pointer 4 bytes past alignment. */
  offset: number;
  seed: number;
}

const label = (c: GemmCase): string =>
  `gemm_${c.op} M${c.M} N${c.N} K${c.K} alpha ${c.alpha} beta ${c.beta} pad ${c.pad} offset ${c.offset * 4}B`;

/** Stored (rows, cols) of A and B for an op. */
function storedShapes(c: GemmCase): { aRows: number; aCols: number; bRows: number; bCols: number } {
  return {
    aRows: c.op === 'tn' ? c.K : c.M,
    aCols: c.op === 'tn' ? c.M : c.K,
    bRows: c.op === 'nt' ? c.N : c.K,
    bCols: c.op === 'nt' ? c.K : c.N,
  };
}

/** Dense inputs of a case: A and B in [-1, 1), C in [-2, 2). */
function inputs(c: GemmCase): { A: Float32Array; B: Float32Array; C: Float32Array } {
  const s = storedShapes(c);
  return {
    A: randomArray(s.aRows * s.aCols, c.seed),
    B: randomArray(s.bRows * s.bCols, c.seed + 1),
    C: randomArray(c.M * c.N, c.seed + 2, -2, 2),
  };
}

/**
 * Float64 C = alpha·op(A)·op(B) + beta·C from the definition, and the per-element magnitude
 * |alpha|·Σ|a·b| + |beta·c| that bounds float32 rounding.
 */
function reference(c: GemmCase): { want: Float64Array; magnitude: Float64Array } {
  const { A, B, C } = inputs(c);
  const s = storedShapes(c);
  const want = new Float64Array(c.M * c.N);
  const magnitude = new Float64Array(c.M * c.N);
  for (let i = 0; i < c.M; i++) {
    for (let j = 0; j < c.N; j++) {
      let acc = 0;
      let mag = 0;
      for (let k = 0; k < c.K; k++) {
        const a = c.op === 'tn' ? A[k * s.aCols + i] : A[i * s.aCols + k];
        const b = c.op === 'nt' ? B[j * s.bCols + k] : B[k * s.bCols + j];
        acc += a * b;
        mag += Math.abs(a * b);
      }
      const old = c.beta === 0 ? 0 : c.beta * C[i * c.N + j];
      want[i * c.N + j] = c.alpha * acc + old;
      magnitude[i * c.N + j] = Math.abs(c.alpha) * mag + Math.abs(old);
    }
  }
  return { want, magnitude };
}

/** A matrix placed in a heap block: `rows` rows of `ld` floats after `offset` floats of guard. */
interface Placed {
  block: number;
  ptr: number;
  ld: number;
  /** Floats in the whole block (guards included). */
  total: number;
  /** Float index (from `block`) of element (0, 0). */
  first: number;
}

/** Places a (rows, cols) matrix with row stride cols + pad, guards of SENTINEL all around. */
function place(
  backend: Backend,
  rows: number,
  cols: number,
  pad: number,
  offset: number,
  data: ArrayLike<number> | null,
  fill: number,
): Placed {
  const ld = cols + pad;
  const first = GUARD + offset;
  const total = first + rows * ld + GUARD;
  const block = backend.heap.allocF32(total);
  const image = new Float32Array(total).fill(SENTINEL);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) image[first + r * ld + k] = data === null ? fill : data[r * cols + k];
  }
  backend.heap.write(block, image);
  return { block, ptr: block + 4 * first, ld, total, first };
}

/**
 * Reads the (rows, cols) matrix out of a placed block, and lists every float outside it (guards,
 * row padding) that no longer holds SENTINEL.
 */
function readBack(
  backend: Backend,
  p: Placed,
  rows: number,
  cols: number,
): { data: Float32Array; trespasses: number[] } {
  const image = backend.heap.read(p.block, p.total);
  const data = new Float32Array(rows * cols);
  const inside = new Uint8Array(p.total);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const at = p.first + r * p.ld + k;
      data[r * cols + k] = image[at];
      inside[at] = 1;
    }
  }
  const trespasses: number[] = [];
  for (let i = 0; i < p.total; i++) if (!inside[i] && image[i] !== SENTINEL) trespasses.push(i - p.first);
  return { data, trespasses };
}

/** Runs one case through `fn` on `backend`; returns C and the positions written outside C. */
function run(backend: Backend, fn: GemmFn, c: GemmCase): { C: Float32Array; trespasses: number[] } {
  const { A, B, C } = inputs(c);
  const s = storedShapes(c);
  const pa = place(backend, s.aRows, s.aCols, c.pad + (c.pad ? 3 : 0), c.offset, A, 0);
  const pb = place(backend, s.bRows, s.bCols, c.pad + (c.pad ? 1 : 0), c.offset, B, 0);
  // beta = 0: C starts as NaN, which must never reach the result
  const pc = place(backend, c.M, c.N, c.pad, c.offset, c.beta === 0 ? null : C, NaN);
  fn(c.M, c.N, c.K, c.alpha, pa.ptr, pa.ld, pb.ptr, pb.ld, c.beta, pc.ptr, pc.ld);
  const out = readBack(backend, pc, c.M, c.N);
  for (const p of [pa, pb, pc]) backend.heap.release(p.block);
  return { C: out.data, trespasses: out.trespasses };
}

/**
 * Largest error of `got` against float64 `want`, three ways:
 * - `abs`: max |got − want|;
 * - `rel`: max |got − want| / max(|want|, 1e-2·max magnitude);
 * - `bound`: max |got − want| / ((K + 2)·eps32·magnitude), the classical worst-case bound of a
 *   float32 dot product of length K followed by the alpha and beta operations (must stay < 1).
 */
function errors(
  got: Float32Array,
  want: Float64Array,
  magnitude: Float64Array,
  K: number,
): { abs: number; rel: number; bound: number; finite: boolean } {
  let maxMag = 0;
  for (const m of magnitude) maxMag = Math.max(maxMag, m);
  const floor = Math.max(1e-2 * maxMag, 1e-30);
  let abs = 0;
  let rel = 0;
  let bound = 0;
  let finite = true;
  for (let i = 0; i < got.length; i++) {
    if (!Number.isFinite(got[i])) finite = false;
    const d = Math.abs(got[i] - want[i]);
    abs = Math.max(abs, d);
    rel = Math.max(rel, d / Math.max(Math.abs(want[i]), floor));
    bound = Math.max(bound, d / Math.max((K + 2) * EPS32 * magnitude[i], 1e-30));
  }
  if (!finite) {
    abs = Infinity;
    rel = Infinity;
    bound = Infinity;
  }
  return { abs, rel, bound, finite };
}

/** Tolerance on max abs error: 1e-5·sqrt(K + 1)·scale, scale the largest |C| of the case (≥ 1). */
function absTolerance(want: Float64Array, K: number): number {
  let scale = 1;
  for (const w of want) scale = Math.max(scale, Math.abs(w));
  return 1e-5 * Math.sqrt(K + 1) * scale;
}
/** Tolerance on the relative error (floor 1 % of the largest magnitude): 2e-5·sqrt(K + 1). */
const relTolerance = (K: number): number => 2e-5 * Math.sqrt(K + 1);

/** Asserts that `got` matches the float64 reference of `c` to float32 accuracy. */
function expectClose(got: { C: Float32Array; trespasses: number[] }, c: GemmCase, what: string): void {
  const name = `${what}: ${label(c)}`;
  expect(got.trespasses, `${name}: floats written outside C (offsets from C[0,0])`).toEqual([]);
  const { want, magnitude } = reference(c);
  const e = errors(got.C, want, magnitude, c.K);
  expect(e.finite, `${name}: non-finite output`).toBe(true);
  expect(e.abs, `${name}: max abs error`).toBeLessThanOrEqual(absTolerance(want, c.K));
  expect(e.rel, `${name}: max relative error`).toBeLessThanOrEqual(relTolerance(c.K));
  expect(e.bound, `${name}: error over the float32 worst-case bound`).toBeLessThan(1);
}

/**
 * The sweep for one op, beta and layout: every (M, N) pair of SIZES, K = SIZES[(i + j) % 8], so
 * that every pair of axes also meets every pair of sizes (a Latin square over the three axes).
 */
function sweep(op: Op, beta: number, pad: number, offset: number): GemmCase[] {
  const cases: GemmCase[] = [];
  SIZES.forEach((M, i) =>
    SIZES.forEach((N, j) => {
      const K = SIZES[(i + j) % SIZES.length];
      cases.push({
        op,
        M,
        N,
        K,
        alpha: ALPHAS[(i + 2 * j) % ALPHAS.length],
        beta,
        pad,
        offset,
        seed: 1000 + 97 * i + 13 * j,
      });
    }),
  );
  return cases;
}

/** Shapes that cross the K blocks (128 / 256 steps), the column blocks and every tile tail. */
const LARGE: [number, number, number][] = [
  [96, 130, 257],
  [5, 263, 300],
  [1, 1030, 260],
  [70, 9, 513],
];

let wasm: Backend & { exports: WasmExports };
let js: Backend;

beforeAll(async () => {
  wasm = await wasmBackend();
  js = jsBackend();
});

const simd = (op: Op): GemmFn => wasm.exports[`gemm_${op}`] as GemmFn;
const scalarRef = (op: Op): GemmFn => wasm.exports[`gemm_${op}_ref`] as GemmFn;
const typescript = (op: Op): GemmFn => js.kernels[`gemm_${op}`].bind(js.kernels) as GemmFn;

describe.each(OPS)('gemm_%s', (op) => {
  describe.each([
    { pad: 0, offset: 0, layout: 'dense rows, aligned pointers' },
    { pad: 2, offset: 1, layout: 'padded rows, pointers 4 bytes off alignment' },
  ])('$layout', ({ pad, offset }) => {
    it.each(BETAS)('every size on every axis, beta = %s', (beta) => {
      for (const c of sweep(op, beta, pad, offset)) {
        expectClose(run(wasm, simd(op), c), c, 'wasm simd');
        expectClose(run(wasm, scalarRef(op), c), c, 'wasm _ref');
        expectClose(run(js, typescript(op), c), c, 'typescript');
      }
    });
  });

  it.each(LARGE)('large shape M%i N%i K%i against float64, the _ref and the TypeScript backend', (M, N, K) => {
    BETAS.forEach((beta, b) => {
      const c: GemmCase = { op, M, N, K, alpha: ALPHAS[b], beta, pad: 3, offset: 1, seed: 77 + M + N + K + b };
      const got = run(wasm, simd(op), c);
      expectClose(got, c, 'wasm simd');
      const ref = run(wasm, scalarRef(op), c);
      expectClose(ref, c, 'wasm _ref');
      expectClose(run(js, typescript(op), c), c, 'typescript');
      // the SIMD and scalar kernels differ only in summation order
      let maxDiff = 0;
      for (let i = 0; i < got.C.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got.C[i] - ref.C[i]));
      expect(maxDiff, `simd vs _ref: ${label(c)}`).toBeLessThanOrEqual(absTolerance(reference(c).want, K));
    });
  });

  it('beta = 0 never reads C: NaN and infinities in C do not leak, on every tile path', () => {
    for (const [M, N, K] of [
      [1, 37, 9],
      [4, 8, 3],
      [6, 13, 300],
      [9, 3, 5],
      [3, 1030, 4],
    ]) {
      for (const fill of [NaN, Infinity, -Infinity]) {
        const c: GemmCase = { op, M, N, K, alpha: 1.5, beta: 0, pad: 1, offset: 1, seed: 5 + M * N };
        const { A, B } = inputs(c);
        const s = storedShapes(c);
        const pa = place(wasm, s.aRows, s.aCols, 1, 1, A, 0);
        const pb = place(wasm, s.bRows, s.bCols, 1, 1, B, 0);
        const pc = place(wasm, M, N, 1, 1, null, fill);
        simd(op)(M, N, K, 1.5, pa.ptr, pa.ld, pb.ptr, pb.ld, 0, pc.ptr, pc.ld);
        const out = readBack(wasm, pc, M, N);
        for (const p of [pa, pb, pc]) wasm.heap.release(p.block);
        expect(out.trespasses).toEqual([]);
        expect(out.data.every(Number.isFinite), `${label(c)} with C = ${fill}`).toBe(true);
        const { want, magnitude } = reference(c);
        expect(errors(out.data, want, magnitude, K).bound, label(c)).toBeLessThan(1);
      }
    }
  });

  it('K = 0 gives C = beta·C (and zeros for beta = 0)', () => {
    for (const beta of BETAS) {
      for (const [M, N] of [
        [1, 5],
        [4, 8],
        [7, 13],
      ]) {
        const c: GemmCase = { op, M, N, K: 0, alpha: 2, beta, pad: 1, offset: 1, seed: 3 };
        const got = run(wasm, simd(op), c);
        const { C } = inputs(c);
        expect(got.trespasses).toEqual([]);
        expect(Array.from(got.C)).toEqual(Array.from(C, (v) => (beta === 0 ? 0 : Math.fround(beta * v))));
      }
    }
  });
});

describe('transpose', () => {
  const shapes: [number, number][] = [];
  for (const R of [1, 2, 3, 4, 5, 7, 8, 17, 33, 65]) for (const C of [1, 3, 4, 6, 9, 16, 33, 70]) shapes.push([R, C]);

  it.each([
    { pad: 0, offset: 0, layout: 'dense, aligned' },
    { pad: 3, offset: 1, layout: 'padded rows, pointers 4 bytes off alignment' },
  ])('moves every element exactly and writes nothing else ($layout)', ({ pad, offset }) => {
    for (const [backendName, backend] of [
      ['wasm', wasm],
      ['typescript', js],
    ] as const) {
      for (const [R, C] of shapes) {
        const src = randomArray(R * C, R * 100 + C);
        const ps = place(backend, R, C, pad + 1, offset, src, 0);
        const pd = place(backend, C, R, pad, offset, null, SENTINEL);
        backend.kernels.transpose(R, C, ps.ptr, ps.ld, pd.ptr, pd.ld);
        const out = readBack(backend, pd, C, R);
        const srcAfter = readBack(backend, ps, R, C);
        backend.heap.release(ps.block);
        backend.heap.release(pd.block);
        const name = `${backendName} transpose R${R} C${C} ${pad}/${offset}`;
        expect(out.trespasses, name).toEqual([]);
        expect(srcAfter.trespasses, `${name}: src guards`).toEqual([]);
        expect(Array.from(srcAfter.data), `${name}: src unchanged`).toEqual(Array.from(src));
        let mismatches = 0;
        for (let r = 0; r < R; r++)
          for (let k = 0; k < C; k++) if (!Object.is(out.data[k * R + r], src[r * C + k])) mismatches++;
        expect(mismatches, name).toBe(0);
      }
    }
  });

  it('a large blocked transpose (crossing its 32×32 blocks) is exact', () => {
    const [R, C] = [131, 77];
    const src = randomArray(R * C, 9);
    const ps = place(wasm, R, C, 5, 1, src, 0);
    const pd = place(wasm, C, R, 2, 1, null, SENTINEL);
    wasm.kernels.transpose(R, C, ps.ptr, ps.ld, pd.ptr, pd.ld);
    const out = readBack(wasm, pd, C, R);
    wasm.heap.release(ps.block);
    wasm.heap.release(pd.block);
    expect(out.trespasses).toEqual([]);
    for (let r = 0; r < R; r++) for (let k = 0; k < C; k++) expect(out.data[k * R + r]).toBe(src[r * C + k]);
  });
});
