// Self-check of the float64 oracle: hand-written BPTT (analyticGrads64) against central finite
// differences (lossAndGrads64), forward64 against a few facts that hold by construction, and the
// direction API's optional biases and step masks. (The direction API's gradients are checked by
// finite differences in the kernel tests, on the problems they use.)
import { describe, expect, it } from 'vitest';
import {
  analyticGrads64,
  type CellSpec,
  type Direction64,
  directionBackward64,
  directionForward64,
  forward64,
  gatesPerUnit,
  lossAndGrads64,
  maxError64,
  numDirections,
  paramShapes,
  randomParams64,
  seededUniform64,
  type Grads64,
  type RecurrentSpec,
  type RunSpec,
} from './recurrent64.ts';

const T = 5;
const B = 2;

/** Every variant the brief asks for, each with 2 layers and both directions; kept tiny. */
const variants: Array<{ name: string; spec: RecurrentSpec }> = [
  {
    name: 'RNN tanh',
    spec: {
      cell: 'rnn',
      inputSize: 3,
      hiddenSize: 3,
      numLayers: 2,
      bidirectional: true,
      bias: true,
      nonlinearity: 'tanh',
    },
  },
  {
    name: 'RNN relu',
    spec: {
      cell: 'rnn',
      inputSize: 3,
      hiddenSize: 3,
      numLayers: 2,
      bidirectional: true,
      bias: true,
      nonlinearity: 'relu',
    },
  },
  { name: 'LSTM', spec: { cell: 'lstm', inputSize: 3, hiddenSize: 3, numLayers: 2, bidirectional: true, bias: true } },
  {
    name: 'GRU resetAfter',
    spec: { cell: 'gru', inputSize: 3, hiddenSize: 3, numLayers: 2, bidirectional: true, bias: true, resetAfter: true },
  },
  {
    name: 'GRU resetBefore',
    spec: {
      cell: 'gru',
      inputSize: 3,
      hiddenSize: 3,
      numLayers: 2,
      bidirectional: true,
      bias: true,
      resetAfter: false,
    },
  },
  {
    name: 'LSTM no bias, 1 layer, 1 direction',
    spec: { cell: 'lstm', inputSize: 2, hiddenSize: 4, numLayers: 1, bidirectional: false, bias: false },
  },
  {
    name: 'GRU resetBefore no bias, 3 layers',
    spec: {
      cell: 'gru',
      inputSize: 2,
      hiddenSize: 2,
      numLayers: 3,
      bidirectional: false,
      bias: false,
      resetAfter: false,
    },
  },
];

function problem(spec: RecurrentSpec, seed: number) {
  const run: RunSpec = { ...spec, seqLen: T, batch: B };
  const D = numDirections(spec);
  const H = spec.hiddenSize;
  const stateSize = spec.numLayers * D * B * H;
  // Weights a bit larger than PyTorch's default so every path carries a visible gradient.
  const params = randomParams64(spec, seed, { scale: 0.8 });
  const x = seededUniform64(T * B * spec.inputSize, seed + 1);
  const h0 = seededUniform64(stateSize, seed + 2, -0.8, 0.8);
  const c0 = spec.cell === 'lstm' ? seededUniform64(stateSize, seed + 3, -0.8, 0.8) : undefined;
  const weights = {
    output: seededUniform64(T * B * D * H, seed + 4),
    hN: seededUniform64(stateSize, seed + 5),
    cN: spec.cell === 'lstm' ? seededUniform64(stateSize, seed + 6) : undefined,
  };
  return { run, params, x, h0, c0, weights };
}

/** Every gradient array of a result, by name. */
function flatten(g: Grads64): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = { x: g.x, h0: g.h0, ...g.params };
  if (g.c0) out.c0 = g.c0;
  return out;
}

describe('float64 reference: analytic BPTT = central finite differences', () => {
  for (const { name, spec } of variants) {
    it(name, () => {
      const { run, params, x, h0, c0, weights } = problem(spec, 11);
      const numeric = lossAndGrads64(run, params, x, h0, c0, weights);
      const analytic = analyticGrads64(run, params, x, h0, c0, weights);
      expect(analytic.loss).toBeCloseTo(numeric.loss, 14);
      const a = flatten(analytic);
      const n = flatten(numeric);
      expect(Object.keys(a).sort()).toEqual(Object.keys(n).sort());
      expect(Object.keys(a)).toContain('x');
      if (spec.bias) expect(Object.keys(a)).toContain('bias_hh_l0');
      if (spec.bidirectional) expect(Object.keys(a)).toContain('weight_hh_l1_reverse');
      let scale = 0;
      for (const [key, value] of Object.entries(n)) {
        // The gradients are not trivially zero (each array carries signal).
        const peak = Math.max(...Array.from(value, Math.abs));
        expect(peak, key).toBeGreaterThan(1e-3);
        scale = Math.max(scale, peak);
        // Relative error per element, with a floor of 1e-3 for entries near zero (finite
        // differences have an absolute noise of ~1e-10 at step 1e-6).
        const err = maxError64(a[key], value, 1e-3);
        expect(err.rel, `${key}: ${JSON.stringify(err)}`).toBeLessThanOrEqual(1e-6);
      }
      expect(scale).toBeGreaterThan(0.1);
    });
  }
});

describe('float64 reference: forward facts', () => {
  it('parameter names and shapes follow PyTorch', () => {
    const shapes = paramShapes({
      cell: 'lstm',
      inputSize: 5,
      hiddenSize: 3,
      numLayers: 2,
      bidirectional: true,
      bias: true,
    });
    expect(Object.keys(shapes)).toEqual([
      'weight_ih_l0',
      'weight_hh_l0',
      'bias_ih_l0',
      'bias_hh_l0',
      'weight_ih_l0_reverse',
      'weight_hh_l0_reverse',
      'bias_ih_l0_reverse',
      'bias_hh_l0_reverse',
      'weight_ih_l1',
      'weight_hh_l1',
      'bias_ih_l1',
      'bias_hh_l1',
      'weight_ih_l1_reverse',
      'weight_hh_l1_reverse',
      'bias_ih_l1_reverse',
      'bias_hh_l1_reverse',
    ]);
    expect(shapes.weight_ih_l0).toEqual([12, 5]);
    expect(shapes.weight_ih_l1).toEqual([12, 6]);
    expect(shapes.weight_hh_l1_reverse).toEqual([12, 3]);
    const gru = paramShapes({
      cell: 'gru',
      inputSize: 5,
      hiddenSize: 3,
      numLayers: 1,
      bidirectional: false,
      bias: false,
    });
    expect(gru).toEqual({ weight_ih_l0: [9, 5], weight_hh_l0: [9, 3] });
  });

  it('one RNN step by hand', () => {
    // H = 1, I = 1: h1 = tanh(w x + b_ih + u h0 + b_hh).
    const spec: RunSpec = {
      cell: 'rnn',
      inputSize: 1,
      hiddenSize: 1,
      numLayers: 1,
      bidirectional: false,
      bias: true,
      seqLen: 2,
      batch: 1,
    };
    const params = {
      weight_ih_l0: Float64Array.of(0.5),
      weight_hh_l0: Float64Array.of(-0.25),
      bias_ih_l0: Float64Array.of(0.1),
      bias_hh_l0: Float64Array.of(0.2),
    };
    const r = forward64(spec, params, Float64Array.of(1, -2), Float64Array.of(0.4));
    const h1 = Math.tanh(0.5 * 1 + 0.1 - 0.25 * 0.4 + 0.2);
    const h2 = Math.tanh(0.5 * -2 + 0.1 - 0.25 * h1 + 0.2);
    expect(r.output.length).toBe(2);
    expect(r.output[0]).toBeCloseTo(h1, 15);
    expect(r.output[1]).toBeCloseTo(h2, 15);
    expect(r.hN[0]).toBe(r.output[1]);
    expect(r.cN).toBeUndefined();
    const relu = forward64({ ...spec, nonlinearity: 'relu' }, params, Float64Array.of(1, -2), Float64Array.of(0.4));
    expect(relu.output[0]).toBeCloseTo(0.7, 15);
    expect(relu.output[1]).toBe(0); // 0.5·(−2) + 0.1 − 0.25·0.7 + 0.2 < 0
  });

  it('one LSTM and one GRU step by hand (H = 1)', () => {
    const s = (a: number) => 1 / (1 + Math.exp(-a));
    const lstm: RunSpec = {
      cell: 'lstm',
      inputSize: 1,
      hiddenSize: 1,
      numLayers: 1,
      bidirectional: false,
      bias: false,
      seqLen: 1,
      batch: 1,
    };
    // gates i, f, g, o with W_ih = [1, 2, 3, 4], W_hh = [0.5, 0.5, 0.5, 0.5].
    const lp = { weight_ih_l0: Float64Array.of(1, 2, 3, 4), weight_hh_l0: Float64Array.of(0.5, 0.5, 0.5, 0.5) };
    const x = 0.3,
      h = -0.2,
      c = 0.7;
    const r = forward64(lstm, lp, Float64Array.of(x), Float64Array.of(h), Float64Array.of(c));
    const cNew = s(2 * x + 0.5 * h) * c + s(x + 0.5 * h) * Math.tanh(3 * x + 0.5 * h);
    expect(r.cN![0]).toBeCloseTo(cNew, 15);
    expect(r.hN[0]).toBeCloseTo(s(4 * x + 0.5 * h) * Math.tanh(cNew), 15);

    // GRU gates r, z, n; biases only on the hidden side of n, to tell the two forms apart.
    const gru: RunSpec = {
      cell: 'gru',
      inputSize: 1,
      hiddenSize: 1,
      numLayers: 1,
      bidirectional: false,
      bias: true,
      seqLen: 1,
      batch: 1,
    };
    const gp = {
      weight_ih_l0: Float64Array.of(1, 2, 3),
      weight_hh_l0: Float64Array.of(-1, 0.5, 2),
      bias_ih_l0: Float64Array.of(0, 0, 0.1),
      bias_hh_l0: Float64Array.of(0, 0, 0.3),
    };
    const rg = s(x - h),
      z = s(2 * x + 0.5 * h);
    const nAfter = Math.tanh(3 * x + 0.1 + rg * (2 * h + 0.3));
    const nBefore = Math.tanh(3 * x + 0.1 + 2 * (rg * h) + 0.3);
    expect(nAfter).not.toBeCloseTo(nBefore, 6);
    const after = forward64({ ...gru, resetAfter: true }, gp, Float64Array.of(x), Float64Array.of(h));
    const before = forward64({ ...gru, resetAfter: false }, gp, Float64Array.of(x), Float64Array.of(h));
    expect(after.hN[0]).toBeCloseTo((1 - z) * nAfter + z * h, 15);
    expect(before.hN[0]).toBeCloseTo((1 - z) * nBefore + z * h, 15);
  });

  it('the reverse direction reads the sequence backwards', () => {
    // A bidirectional layer's reverse half on x equals a forward layer (with the reverse weights)
    // on x reversed in time, read backwards.
    const spec: RunSpec = {
      cell: 'lstm',
      inputSize: 2,
      hiddenSize: 3,
      numLayers: 1,
      bidirectional: true,
      bias: true,
      seqLen: 4,
      batch: 2,
    };
    const params = randomParams64(spec, 3);
    const x = seededUniform64(4 * 2 * 2, 4);
    const bi = forward64(spec, params, x);
    const uni: RunSpec = { ...spec, bidirectional: false };
    const reversedParams = {
      weight_ih_l0: params.weight_ih_l0_reverse,
      weight_hh_l0: params.weight_hh_l0_reverse,
      bias_ih_l0: params.bias_ih_l0_reverse,
      bias_hh_l0: params.bias_hh_l0_reverse,
    };
    const xRev = new Float64Array(x.length);
    for (let t = 0; t < 4; t++) xRev.set(x.subarray((3 - t) * 4, (4 - t) * 4), t * 4);
    const rev = forward64(uni, reversedParams, xRev);
    for (let t = 0; t < 4; t++) {
      for (let b = 0; b < 2; b++) {
        for (let j = 0; j < 3; j++)
          expect(bi.output[(t * 2 + b) * 6 + 3 + j]).toBe(rev.output[((3 - t) * 2 + b) * 3 + j]);
      }
    }
    expect(Array.from(bi.hN.subarray(6, 12))).toEqual(Array.from(rev.hN));
    expect(Array.from(bi.cN!.subarray(6, 12))).toEqual(Array.from(rev.cN!));
  });
});

describe('float64 reference: one direction', () => {
  const cells: CellSpec[] = [
    { cell: 'rnn', nonlinearity: 'tanh' },
    { cell: 'rnn', nonlinearity: 'relu' },
    { cell: 'lstm' },
    { cell: 'gru', resetAfter: true },
    { cell: 'gru', resetAfter: false },
  ];
  const name = (c: CellSpec): string =>
    `${c.cell}${c.nonlinearity ? ` ${c.nonlinearity}` : ''}${c.resetAfter === false ? ' reset before' : ''}`;

  /** A direction with every input present, seeded. */
  function problem(cell: CellSpec, T: number, B: number, reverse: boolean, seed: number): Direction64 {
    const I = 3,
      H = 4;
    const G = gatesPerUnit(cell.cell) * H;
    return {
      ...cell,
      T,
      B,
      I,
      H,
      reverse,
      x: seededUniform64(T * B * I, seed),
      wih: seededUniform64(G * I, seed + 1, -0.8, 0.8),
      whh: seededUniform64(G * H, seed + 2, -0.8, 0.8),
      bih: seededUniform64(G, seed + 3, -0.5, 0.5),
      bhh: seededUniform64(G, seed + 4, -0.5, 0.5),
      h0: seededUniform64(B * H, seed + 5),
      c0: seededUniform64(B * H, seed + 6),
    };
  }

  for (const cell of cells) {
    it(`${name(cell)}: an absent bias is a zero bias, each on its own`, () => {
      const p = problem(cell, 3, 2, false, 40);
      const G = p.bih!.length;
      for (const side of ['bih', 'bhh'] as const) {
        const absent = directionForward64({ ...p, [side]: null });
        const zero = directionForward64({ ...p, [side]: new Float64Array(G) });
        expect(Array.from(absent.hseq)).toEqual(Array.from(zero.hseq));
        expect(Array.from(absent.hseq)).not.toEqual(Array.from(directionForward64(p).hseq));
      }
    });

    for (const reverse of [false, true]) {
      it(`${name(cell)}${reverse ? ' reversed' : ''}: a right-padded batch = each sequence alone`, () => {
        const lengths = [4, 2, 0, 1];
        const T = 4,
          B = lengths.length,
          H = 4;
        const p = problem(cell, T, B, reverse, 50 + (reverse ? 1 : 0));
        const I = p.I;
        const mask = new Float32Array(T * B);
        for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) mask[t * B + b] = t < lengths[b] ? 1 : 0;
        p.mask = mask;
        const seeds = {
          dy: seededUniform64(T * B * H, 60),
          dhT: seededUniform64(B * H, 61),
          dcT: seededUniform64(B * H, 62),
        };
        const batch = directionForward64(p);
        const grads = directionBackward64(p, batch, seeds);
        const sums = new Float64Array(p.wih.length + p.whh.length);
        for (let b = 0; b < B; b++) {
          const L = lengths[b];
          const rows = (a: ArrayLike<number>, w: number): Float64Array => {
            const out = new Float64Array(L * w);
            for (let t = 0; t < L; t++) for (let j = 0; j < w; j++) out[t * w + j] = a[(t * B + b) * w + j];
            return out;
          };
          const state = (a: Float64Array): Float64Array => a.slice(b * H, (b + 1) * H);
          const q: Direction64 = { ...p, T: L, B: 1, mask: null, x: rows(p.x, I), h0: state(p.h0!), c0: state(p.c0!) };
          const alone = directionForward64(q);
          const g = directionBackward64(q, alone, {
            dy: rows(seeds.dy, H),
            dhT: state(seeds.dhT),
            dcT: state(seeds.dcT),
          });
          expect(Array.from(rows(batch.y, H)), `y of ${b}`).toEqual(Array.from(alone.y));
          expect(Array.from(state(batch.hN)), `hN of ${b}`).toEqual(Array.from(alone.hN));
          expect(Array.from(state(batch.cN)), `cN of ${b}`).toEqual(Array.from(alone.cN));
          expect(Array.from(rows(grads.dx, I)), `dx of ${b}`).toEqual(Array.from(g.dx));
          expect(Array.from(state(grads.dh0)), `dh0 of ${b}`).toEqual(Array.from(g.dh0));
          expect(Array.from(state(grads.dc0)), `dc0 of ${b}`).toEqual(Array.from(g.dc0));
          g.dwih.forEach((v, i) => {
            sums[i] += v;
          });
          g.dwhh.forEach((v, i) => {
            sums[p.wih.length + i] += v;
          });
          // the padded steps: y, dx and the pre-activation gradients are zero
          for (let t = L; t < T; t++) {
            const r = t * B + b;
            expect(Array.from(batch.y.subarray(r * H, (r + 1) * H)).every((v) => v === 0)).toBe(true);
            expect(Array.from(grads.dx.subarray(r * I, (r + 1) * I)).every((v) => v === 0)).toBe(true);
            const G = gatesPerUnit(cell.cell) * H;
            expect(Array.from(grads.dgx.subarray(r * G, (r + 1) * G)).every((v) => v === 0)).toBe(true);
            expect(Array.from(grads.dgh.subarray(r * G, (r + 1) * G)).every((v) => v === 0)).toBe(true);
          }
        }
        const batchSums = Float64Array.from([...grads.dwih, ...grads.dwhh]);
        expect(maxError64(batchSums, sums, 1).abs).toBeLessThanOrEqual(1e-13);
        expect(Math.max(...Array.from(batchSums, Math.abs))).toBeGreaterThan(1e-2);
      });
    }
  }
});
