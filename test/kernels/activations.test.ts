// The vectorised activations of assembly/math.ts (sigmoid, tanh, relu and their scalar `_ref`
// twins) against float64 Math: accuracy over a dense sweep and the edge values of f32, exact
// limits at ±∞, no NaN for finite inputs, every tail length, in place and out of place, and no
// write past the end.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import type { WasmExports } from '../../src/backend/wasm.ts';
import { put, randomArray, wasmBackend } from '../helpers/backends.ts';
import { relaxedBackend } from '../helpers/relaxed.ts';

type Unary = (x: number, y: number, n: number) => void;

const FLT_MAX = 3.4028234663852886e38;
const EDGE_VALUES = [
  0,
  -0,
  1e-30,
  -1e-30,
  1.4e-45,
  -1.4e-45,
  1e-7,
  -1e-7,
  0.625,
  -0.625,
  Math.fround(0.625) - 2 ** -24,
  -(Math.fround(0.625) - 2 ** -24),
  0.625 + 2 ** -23,
  -(0.625 + 2 ** -23),
  9,
  -9,
  20,
  -20,
  44,
  -44,
  45,
  -45,
  87.3,
  -87.3,
  88,
  -88,
  88.37,
  -88.37,
  88.5,
  -88.5,
  88.72,
  -88.72,
  89,
  -89,
  104,
  -104,
  1e30,
  -1e30,
  FLT_MAX,
  -FLT_MAX,
  Infinity,
  -Infinity,
];
const TAIL_LENGTHS = [1, 2, 3, 5, 7, 17, 33, 65];

const refTanh = (x: number): number => Math.tanh(x);
const refSigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Every f32 input the accuracy tests use: a dense sweep of [-30, 30], edge values, and randoms. */
function sweepInputs(): Float32Array {
  const values: number[] = [];
  for (let i = -300_000; i <= 300_000; i += 7) values.push(i / 10_000); // step 7e-4 over [-30, 30]
  values.push(...EDGE_VALUES);
  // log-spaced magnitudes from 1e-30 to 1e30 (both signs): every binade of interest
  for (let e = -30; e <= 30; e += 0.05) values.push(10 ** e, -(10 ** e));
  values.push(...randomArray(4096, 7, -100, 100));
  return Float32Array.from(values);
}

let backend: Backend & { exports: WasmExports };
let kernel: Record<'sigmoid' | 'tanh' | 'relu' | 'sigmoid_ref' | 'tanh_ref' | 'relu_ref', Unary>;

beforeAll(async () => {
  backend = await wasmBackend();
  const e = backend.exports as unknown as Record<string, Unary>;
  kernel = {
    sigmoid: backend.kernels.sigmoid.bind(backend.kernels),
    tanh: backend.kernels.tanh.bind(backend.kernels),
    relu: backend.kernels.relu.bind(backend.kernels),
    sigmoid_ref: e.sigmoid_ref,
    tanh_ref: e.tanh_ref,
    relu_ref: e.relu_ref,
  };
});

/** Runs a unary kernel over `input` (out of place) and returns the f32 results. */
function run(fn: Unary, input: Float32Array): Float32Array {
  const x = put(backend, input);
  const y = backend.heap.allocF32(input.length);
  fn(x, y, input.length);
  const out = backend.heap.read(y, input.length);
  backend.heap.release(x);
  backend.heap.release(y);
  return out;
}

/** max |got - want| over the inputs, and the input where it happens. */
function maxAbsError(input: Float32Array, got: Float32Array, want: (x: number) => number): { err: number; at: number } {
  let err = 0;
  let at = NaN;
  for (let i = 0; i < input.length; i++) {
    const d = Math.abs(got[i] - want(input[i]));
    if (!(d <= err)) {
      err = d;
      at = input[i];
    }
  }
  return { err, at };
}

describe.each(['tanh', 'sigmoid'] as const)('%s (SIMD and _ref)', (name) => {
  const want = name === 'tanh' ? refTanh : refSigmoid;

  it.each([name, `${name}_ref`] as const)('%s: max abs error ≤ 1e-6 against float64 over the sweep and edges', (fn) => {
    const input = sweepInputs();
    const got = run(kernel[fn], input);
    const { err, at } = maxAbsError(input, got, want);
    expect(err, `worst at x = ${at}`).toBeLessThanOrEqual(1e-6);
  });

  it.each([name, `${name}_ref`] as const)('%s: never NaN and always within the range for finite inputs', (fn) => {
    const input = sweepInputs().filter((v) => Number.isFinite(v));
    const got = run(kernel[fn], input);
    const lo = name === 'tanh' ? -1 : 0;
    for (let i = 0; i < got.length; i++) {
      if (!(got[i] >= lo && got[i] <= 1)) throw new Error(`${fn}(${input[i]}) = ${got[i]}`);
    }
  });

  it.each([name, `${name}_ref`] as const)('%s: exact limits at ±∞ and far out', (fn) => {
    const input = Float32Array.from([Infinity, -Infinity, FLT_MAX, -FLT_MAX, 1e30, -1e30, 200, -200]);
    const got = run(kernel[fn], input);
    const expected = name === 'tanh' ? [1, -1, 1, -1, 1, -1, 1, -1] : [1, 0, 1, 0, 1, 0, 1, 0];
    expect(Array.from(got)).toEqual(expected);
  });

  it.each([name, `${name}_ref`] as const)('%s: odd / complementary symmetry is kept', (fn) => {
    const positive = Float32Array.from(sweepInputs().filter((v) => v > 0 && Number.isFinite(v)));
    const negative = positive.map((v) => -v);
    const gp = run(kernel[fn], positive);
    const gn = run(kernel[fn], negative);
    let worst = 0;
    for (let i = 0; i < gp.length; i++) {
      // tanh(-x) = -tanh(x) bit-exactly (sign copy); sigmoid(-x) = 1 - sigmoid(x) up to f32 rounding
      const d = name === 'tanh' ? Math.abs(gn[i] + gp[i]) : Math.abs(gn[i] + gp[i] - 1);
      if (d > worst) worst = d;
    }
    expect(worst).toBeLessThanOrEqual(name === 'tanh' ? 0 : 1e-6);
  });

  it.each(TAIL_LENGTHS)('every length (n = %i): out of place and in place, no write past n', (n) => {
    const input = randomArray(n, 100 + n, -12, 12);
    input[0] = -Infinity;
    if (n > 1) input[n - 1] = 0.3; // the last element always sits in a tail for n % 4 != 0
    const SENTINEL = 12345.5;
    for (const fn of [name, `${name}_ref`] as const) {
      // out of place, with sentinels after the output
      const x = put(backend, input);
      const y = put(backend, new Float32Array(n + 8).fill(SENTINEL));
      kernel[fn](x, y, n);
      const out = backend.heap.read(y, n + 8);
      for (let i = 0; i < n; i++)
        expect(Math.abs(out[i] - want(input[i])), `${fn} n=${n} i=${i}`).toBeLessThanOrEqual(1e-6);
      for (let i = n; i < n + 8; i++) expect(out[i]).toBe(SENTINEL);
      expect(Array.from(backend.heap.read(x, n))).toEqual(Array.from(input)); // input untouched
      // in place gives the same values as out of place
      kernel[fn](x, x, n);
      expect(Array.from(backend.heap.read(x, n))).toEqual(Array.from(out.subarray(0, n)));
      backend.heap.release(x);
      backend.heap.release(y);
    }
  });

  it('SIMD agrees with the scalar reference within 2e-7', () => {
    const input = sweepInputs();
    const simd = run(kernel[name], input);
    const ref = run(kernel[`${name}_ref`], input);
    let worst = 0;
    for (let i = 0; i < input.length; i++) worst = Math.max(worst, Math.abs(simd[i] - ref[i]));
    expect(worst).toBeLessThanOrEqual(2e-7);
  });
});

describe('exp (the softmax and the activations share it)', () => {
  const runExp = (values: number[]): Float32Array =>
    run(
      (x, y, n) => (backend.exports as unknown as Record<string, Unary>).exp_lanes(x, y, n),
      Float32Array.from(values),
    );
  /** One unit in the last place of a normal f32 near v. */
  const ulp = (v: number): number => 2 ** (Math.floor(Math.log2(Math.abs(v))) - 23);

  it('≤ 2 ulp for every normal result over a dense sweep of [−87.3, 88.7]', () => {
    const values: number[] = [];
    for (let i = 0; i <= 400_000; i++) values.push(-87.3 + (176 * i) / 400_000);
    for (let e = -30; e <= 0; e += 0.01) values.push(10 ** e, -(10 ** e));
    const input = Float32Array.from(values);
    const got = runExp(values);
    let worst = 0;
    let at = NaN;
    for (let i = 0; i < input.length; i++) {
      const exact = Math.exp(input[i]);
      const u = Math.abs(got[i] - exact) / ulp(exact);
      if (!(u <= worst)) {
        worst = u;
        at = input[i];
      }
    }
    expect(worst, `worst at x = ${at}`).toBeLessThanOrEqual(2);
  });

  it('subnormal results within one subnormal step, overflow to +∞, exact limits', () => {
    const values: number[] = [];
    for (let i = 0; i <= 2000; i++) values.push(-103.9 + (16.5 * i) / 2000);
    const got = runExp(values);
    const input = Float32Array.from(values);
    for (let i = 0; i < input.length; i++) {
      expect(Math.abs(got[i] - Math.exp(input[i])), `x = ${input[i]}`).toBeLessThanOrEqual(2 ** -149);
    }
    const edges = runExp([88.73, 89, 1e4, Infinity, -104, -1e4, -Infinity, 0, -0, NaN]);
    expect(Array.from(edges.subarray(0, 4))).toEqual([Infinity, Infinity, Infinity, Infinity]);
    expect(Array.from(edges.subarray(4, 7))).toEqual([0, 0, 0]);
    expect(Array.from(edges.subarray(7, 9))).toEqual([1, 1]);
    expect(Number.isNaN(edges[9])).toBe(true);
  });
});

describe('tanh relative accuracy near zero', () => {
  it.each(['tanh', 'tanh_ref'] as const)('%s: relative error ≤ 1e-6 for |x| in [1e-30, 1]', (fn) => {
    const values: number[] = [];
    for (let e = -30; e <= 0; e += 0.002) values.push(10 ** e, -(10 ** e));
    for (let i = 1; i <= 10_000; i++) values.push(i / 10_000, -i / 10_000);
    values.push(0.625, -0.625, Math.fround(0.625) - 2 ** -24, 1, -1);
    const input = Float32Array.from(values);
    const got = run(kernel[fn], input);
    let worst = 0;
    let at = NaN;
    for (let i = 0; i < input.length; i++) {
      const exact = Math.tanh(input[i]);
      const rel = Math.abs(got[i] - exact) / Math.abs(exact);
      if (!(rel <= worst)) {
        worst = rel;
        at = input[i];
      }
    }
    expect(worst, `worst at x = ${at}`).toBeLessThanOrEqual(1e-6);
  });

  it.each(['tanh', 'tanh_ref'] as const)('%s: keeps the sign of zero and returns subnormals unchanged', (fn) => {
    const got = run(kernel[fn], Float32Array.from([0, -0, 1.4e-45, -1.4e-45, 1e-40]));
    expect(Object.is(got[0], 0)).toBe(true);
    expect(Object.is(got[1], -0)).toBe(true);
    expect(got[2]).toBe(Math.fround(1.4e-45));
    expect(got[3]).toBe(-Math.fround(1.4e-45));
    expect(got[4]).toBe(Math.fround(1e-40));
  });
});

describe('sigmoid near zero', () => {
  it.each(['sigmoid', 'sigmoid_ref'] as const)('%s(±0) = 0.5 exactly, sigmoid(tiny) = 0.5', (fn) => {
    const got = run(kernel[fn], Float32Array.from([0, -0, 1e-30, -1e-30]));
    expect(Array.from(got)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
});

describe('relu', () => {
  it.each(['relu', 'relu_ref'] as const)('%s is exact: max(x, 0), -0 and NaN give +0, every length', (fn) => {
    const special = Float32Array.from([-0, 0, NaN, -Infinity, Infinity, 1.4e-45, -1.4e-45, FLT_MAX, -FLT_MAX]);
    const input = new Float32Array(special.length + 4000);
    input.set(special);
    input.set(randomArray(4000, 3, -5, 5), special.length);
    for (const n of [...TAIL_LENGTHS, input.length]) {
      const slice = input.subarray(0, n);
      const got = run(kernel[fn], slice);
      for (let i = 0; i < n; i++) {
        const want = slice[i] > 0 ? slice[i] : 0;
        if (!Object.is(got[i], want)) throw new Error(`${fn}(${slice[i]}) = ${got[i]}, want ${want} (n=${n})`);
      }
    }
  });

  it.each(TAIL_LENGTHS)('in place, no write past n (n = %i)', (n) => {
    const input = randomArray(n, 55 + n, -3, 3);
    const x = put(backend, [...input, 7, 7, 7, 7, 7, 7, 7, 7]);
    kernel.relu(x, x, n);
    const out = backend.heap.read(x, n + 8);
    for (let i = 0; i < n; i++) expect(out[i]).toBe(Math.max(input[i], 0));
    for (let i = n; i < n + 8; i++) expect(out[i]).toBe(7);
    backend.heap.release(x);
  });
});

// The relaxed-SIMD build evaluates the same polynomials with madd, which may fuse into one FMA per
// step (assembly/fma.ts): its activations get the same accuracy contract as the plain build's.
describe('the relaxed-SIMD build (polynomial steps may fuse)', () => {
  let relaxed: Backend;
  const runOn = (fn: 'sigmoid' | 'tanh', input: Float32Array): Float32Array => {
    const x = put(relaxed, input);
    const y = relaxed.heap.allocF32(input.length);
    relaxed.kernels[fn](x, y, input.length);
    const out = relaxed.heap.read(y, input.length);
    relaxed.heap.release(x);
    relaxed.heap.release(y);
    return out;
  };
  beforeAll(async () => {
    relaxed = await relaxedBackend();
  });

  it.each(['tanh', 'sigmoid'] as const)('%s: max abs error ≤ 1e-6 against float64 over the sweep and edges', (fn) => {
    const input = sweepInputs();
    const { err, at } = maxAbsError(input, runOn(fn, input), fn === 'tanh' ? refTanh : refSigmoid);
    expect(err, `worst at x = ${at}`).toBeLessThanOrEqual(1e-6);
  });

  it.each(['tanh', 'sigmoid'] as const)('%s: exact limits at ±∞ and far out, NaN stays NaN', (fn) => {
    const got = runOn(fn, Float32Array.from([Infinity, -Infinity, FLT_MAX, -FLT_MAX, 200, -200, NaN]));
    expect(Array.from(got.subarray(0, 6))).toEqual(fn === 'tanh' ? [1, -1, 1, -1, 1, -1] : [1, 0, 1, 0, 1, 0]);
    expect(Number.isNaN(got[6])).toBe(true);
  });

  it('tanh: relative error ≤ 1e-6 for |x| in [1e-30, 1]', () => {
    const values: number[] = [];
    for (let e = -30; e <= 0; e += 0.002) values.push(10 ** e, -(10 ** e));
    for (let i = 1; i <= 10_000; i++) values.push(i / 10_000, -i / 10_000);
    const input = Float32Array.from(values);
    const got = runOn('tanh', input);
    let worst = 0;
    for (let i = 0; i < input.length; i++)
      worst = Math.max(worst, Math.abs(got[i] - Math.tanh(input[i])) / Math.abs(Math.tanh(input[i])));
    expect(worst).toBeLessThanOrEqual(1e-6);
  });
});
