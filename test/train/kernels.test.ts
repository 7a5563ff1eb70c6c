// Every training kernel (src/backend/head-kernels.ts) on BOTH backends against float64
// implementations written here from the contract text: dense, embedding, the fused losses,
// softmax with temperature, the flat-vector kernels, dropout, and the optimizer updates against
// PyTorch's documented update rules (torch.optim.SGD / Adagrad / RMSprop / Adam / AdamW).
// Outputs start as NaN and every buffer is fenced by canaries, so a missed write or a write
// outside a buffer fails; strides leave padding columns that must stay untouched.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { denseForwardWork } from '../../src/backend/head-kernels.ts';
import { jsBackend, randomArray, wasmBackend } from '../helpers/backends.ts';
import { CANARY, expectClose, expectNear, fenced, putInts, sameBits } from './util.ts';

const f32 = Math.fround;

/** Rows of `cols` values taken out of a strided (rows, stride) array. */
function unstride(a: Float32Array, rows: number, cols: number, stride: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) out.set(a.subarray(r * stride, r * stride + cols), r * cols);
  return out;
}

/** Asserts that columns [cols, stride) of every row still hold the canary. */
function expectPaddingUntouched(a: Float32Array, rows: number, cols: number, stride: number, what: string): void {
  for (let r = 0; r < rows; r++) {
    for (let c = cols; c < stride; c++) expect(a[r * stride + c], `${what}: padding row ${r} col ${c}`).toBe(CANARY);
  }
}

/** A strided (rows, stride) array with `data` (rows, cols) in the first cols and canaries after. */
function strided(data: ArrayLike<number>, rows: number, cols: number, stride: number): Float32Array {
  const out = new Float32Array(rows * stride).fill(CANARY);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * stride + c] = data[r * cols + c];
  return out;
}

// ------------------------------------------------------------------------------------ float64 references

/** Softmax cross-entropy in float64, straight from the contract. */
function softmaxXent64(
  M: number,
  V: number,
  logits: Float32Array,
  targets: number[],
  weights: Float32Array | null,
  scale: number,
): { loss: number; d: Float64Array } {
  let loss = 0;
  const d = new Float64Array(M * V);
  for (let r = 0; r < M; r++) {
    const t = targets[r];
    const w = t < 0 ? 0 : weights ? weights[r] : 1;
    if (w === 0) continue;
    let max = -Infinity;
    for (let j = 0; j < V; j++) max = Math.max(max, logits[r * V + j]);
    let sum = 0;
    for (let j = 0; j < V; j++) sum += Math.exp(logits[r * V + j] - max);
    loss += w * (max + Math.log(sum) - logits[r * V + t]);
    for (let j = 0; j < V; j++)
      d[r * V + j] = scale * w * (Math.exp(logits[r * V + j] - max) / sum - (j === t ? 1 : 0));
  }
  return { loss, d };
}

/** softplus(x) = log(1 + eˣ), stable. */
const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

/** σ(z), stable. */
const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

// ------------------------------------------------------------------------------------ PyTorch update rules (float64)

/** torch.optim.SGD, one step over arrays (state: momentum buffer, null before the first step). */
function sgd64(
  p: Float64Array,
  g: Float64Array,
  st: { buf: Float64Array | null },
  o: { lr: number; momentum: number; dampening: number; nesterov: boolean; wd: number },
): void {
  const d = g.map((gi, i) => gi + o.wd * p[i]);
  if (o.momentum !== 0) {
    if (st.buf === null) st.buf = Float64Array.from(d);
    else for (let i = 0; i < d.length; i++) st.buf[i] = o.momentum * st.buf[i] + (1 - o.dampening) * d[i];
    for (let i = 0; i < d.length; i++) d[i] = o.nesterov ? d[i] + o.momentum * st.buf[i] : st.buf[i];
  }
  for (let i = 0; i < p.length; i++) p[i] -= o.lr * d[i];
}

/** torch.optim.Adagrad (initial_accumulator_value 0), one step t (1-based). */
function adagrad64(
  p: Float64Array,
  g: Float64Array,
  sum: Float64Array,
  t: number,
  o: { lr: number; lrDecay: number; eps: number; wd: number },
): void {
  const clr = o.lr / (1 + (t - 1) * o.lrDecay);
  for (let i = 0; i < p.length; i++) {
    const d = g[i] + o.wd * p[i];
    sum[i] += d * d;
    p[i] -= (clr * d) / (Math.sqrt(sum[i]) + o.eps);
  }
}

/** torch.optim.RMSprop (centered = false), one step. */
function rmsprop64(
  p: Float64Array,
  g: Float64Array,
  sq: Float64Array,
  buf: Float64Array,
  o: { lr: number; alpha: number; eps: number; wd: number; momentum: number },
): void {
  for (let i = 0; i < p.length; i++) {
    const d = g[i] + o.wd * p[i];
    sq[i] = o.alpha * sq[i] + (1 - o.alpha) * d * d;
    const avg = Math.sqrt(sq[i]) + o.eps;
    if (o.momentum > 0) {
      buf[i] = o.momentum * buf[i] + d / avg;
      p[i] -= o.lr * buf[i];
    } else {
      p[i] -= (o.lr * d) / avg;
    }
  }
}

/** torch.optim.Adam (L2 weight decay) or AdamW (decoupled), one step t (1-based). */
function adam64(
  p: Float64Array,
  g: Float64Array,
  m: Float64Array,
  v: Float64Array,
  t: number,
  o: { lr: number; b1: number; b2: number; eps: number; wd: number; decoupled: boolean },
): void {
  for (let i = 0; i < p.length; i++) {
    let d = g[i];
    if (o.decoupled) p[i] *= 1 - o.lr * o.wd;
    else d += o.wd * p[i];
    m[i] = o.b1 * m[i] + (1 - o.b1) * d;
    v[i] = o.b2 * v[i] + (1 - o.b2) * d * d;
    const mHat = m[i] / (1 - o.b1 ** t);
    const vHat = v[i] / (1 - o.b2 ** t);
    p[i] -= (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
  }
}

// ------------------------------------------------------------------------------------ the tests

const BACKENDS: Array<[string, () => Promise<Backend>]> = [
  ['wasm', wasmBackend],
  ['js', async () => jsBackend()],
];

for (const [backendName, make] of BACKENDS) {
  describe(`training kernels on the ${backendName} backend`, () => {
    let be: Backend;
    beforeAll(async () => {
      be = await make();
    });

    // ---------------------------------------------------------------- softmax_xent
    describe('softmax_xent', () => {
      const M = 6;
      const targetsFor = (V: number): number[] => [0, V - 1, -1, Math.min(2, V - 1), Math.floor(V / 2), -1];

      for (const V of [1, 2, 3, 5, 17, 65]) {
        it(`V = ${V}: loss and dlogits with row weights, ignored rows, scale and strides`, () => {
          const ldl = V + 3;
          const lddl = V + 2;
          const logits = randomArray(M * V, 100 + V, -4, 4);
          const targets = targetsFor(V);
          const weights = Float32Array.from([0.5, 2, 1, 0, 1.25, 3]);
          const scale = 0.37;
          const L = fenced(be, M * ldl, strided(logits, M, V, ldl));
          const D = fenced(be, M * lddl, strided(new Float32Array(M * V).fill(Number.NaN), M, V, lddl));
          const T = putInts(be, targets);
          const W = fenced(be, M, weights);
          const loss = be.kernels.softmax_xent(M, V, L.ptr, ldl, T, W.ptr, scale, D.ptr, lddl);
          const ref = softmaxXent64(M, V, logits, targets, weights, scale);
          expectNear(loss, ref.loss, 'loss', 1e-5, 1e-6);
          const d = D.read();
          expectPaddingUntouched(d, M, V, lddl, 'dlogits');
          expectClose(unstride(d, M, V, lddl), ref.d, 'dlogits', 1e-5, 1e-6);
          // ignored rows (target −1) and zero-weight rows get an all-zero gradient
          for (const r of [2, 3, 5]) for (let j = 0; j < V; j++) expect(d[r * lddl + j], `row ${r}`).toBe(0);
          // each counted row's gradient sums to zero (softmax sums to one)
          for (const r of [0, 1, 4]) {
            let s = 0;
            for (let j = 0; j < V; j++) s += d[r * lddl + j];
            expect(Math.abs(s)).toBeLessThan(1e-5);
          }
          expect(L.read(), 'logits are read-only').toEqual(strided(logits, M, V, ldl));
          for (const b of [L, D, W]) b.checkFences('softmax_xent');
        });

        it(`V = ${V}: dlogits may alias logits; no weights means weight 1`, () => {
          const logits = randomArray(M * V, 200 + V, -3, 3);
          const targets = targetsFor(V);
          const L = fenced(be, M * V, logits);
          const loss = be.kernels.softmax_xent(M, V, L.ptr, V, putInts(be, targets), 0, 1, L.ptr, V);
          const ref = softmaxXent64(M, V, logits, targets, null, 1);
          expectNear(loss, ref.loss, 'loss', 1e-5, 1e-6);
          expectClose(L.read(), ref.d, 'dlogits in place', 1e-5, 1e-6);
          L.checkFences('softmax_xent in place');
        });
      }

      it('without dlogits only the loss is computed and nothing is written', () => {
        const V = 7;
        const logits = randomArray(M * V, 5, -2, 2);
        const targets = targetsFor(V);
        const L = fenced(be, M * V, logits);
        const loss = be.kernels.softmax_xent(M, V, L.ptr, V, putInts(be, targets), 0, 1, 0, V);
        expectNear(loss, softmaxXent64(M, V, logits, targets, null, 1).loss, 'loss');
        expect(L.read()).toEqual(logits);
        L.checkFences('softmax_xent without dlogits');
      });

      for (const [range, V] of [
        [80, 17],
        [80, 5],
        [1e4, 65],
        [1e4, 3],
      ] as const) {
        it(`huge logits (±${range}, V = ${V}) give a finite loss and gradient that match float64`, () => {
          const logits = randomArray(M * V, 300 + V, -range, range);
          logits[0] = range; // a row with a clear winner and one with a tie at the top
          logits[V] = range;
          if (V > 1) logits[V + 1] = range;
          const targets = [0, V - 1, 0, 1, V - 1, 0];
          const L = fenced(be, M * V, logits);
          const D = fenced(be, M * V);
          const loss = be.kernels.softmax_xent(M, V, L.ptr, V, putInts(be, targets), 0, 0.5, D.ptr, V);
          const ref = softmaxXent64(M, V, logits, targets, null, 0.5);
          expect(Number.isFinite(loss)).toBe(true);
          expectNear(loss, ref.loss, 'loss', 1e-6, 1e-5);
          const d = D.read();
          expect(d.every(Number.isFinite)).toBe(true);
          expectClose(d, ref.d, 'dlogits', 1e-5, 1e-6);
        });
      }
    });

    // ---------------------------------------------------------------- sigmoid_bce, mse
    describe('sigmoid_bce', () => {
      it('matches y·softplus(−z) + (1−y)·softplus(z) and σ(z) − y for z from −50 to 50', () => {
        const n = 101;
        const z = Float32Array.from({ length: n }, (_, i) => -50 + i);
        const y = randomArray(n, 7, 0, 1);
        y[0] = 0;
        y[1] = 1;
        y[99] = 0;
        y[100] = 1;
        y[50] = 0.5;
        const w = randomArray(n, 8, 0, 2);
        w[3] = 0;
        const scale = 0.25;
        const Z = fenced(be, n, z);
        const Y = fenced(be, n, y);
        const W = fenced(be, n, w);
        const D = fenced(be, n);
        const loss = be.kernels.sigmoid_bce(n, Z.ptr, Y.ptr, W.ptr, scale, D.ptr);
        let ref = 0;
        const dRef = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          ref += w[i] * (y[i] * softplus(-z[i]) + (1 - y[i]) * softplus(z[i]));
          dRef[i] = scale * w[i] * (sigmoid(z[i]) - y[i]);
        }
        expect(Number.isFinite(loss)).toBe(true);
        expectNear(loss, ref, 'loss', 1e-6, 1e-6);
        expectClose(D.read(), dRef, 'dlogits', 1e-5, 1e-7);
        for (const b of [Z, Y, W, D]) b.checkFences('sigmoid_bce');
      });

      it('without weights or dlogits; the loss of z = 0 is log 2 per value', () => {
        const n = 9;
        const Z = fenced(be, n, new Float32Array(n));
        const Y = fenced(be, n, randomArray(n, 3, 0, 1));
        const loss = be.kernels.sigmoid_bce(n, Z.ptr, Y.ptr, 0, 1, 0);
        expectNear(loss, n * Math.LN2, 'loss', 1e-6);
        expect(Z.read()).toEqual(new Float32Array(n));
      });
    });

    describe('mse', () => {
      for (const n of [1, 5, 33]) {
        it(`n = ${n}: Σ w(p − y)² and scale·w·2(p − y)`, () => {
          const p = randomArray(n, 11 + n, -3, 3);
          const y = randomArray(n, 12 + n, -3, 3);
          const w = randomArray(n, 13 + n, 0, 2);
          const P = fenced(be, n, p);
          const Y = fenced(be, n, y);
          const W = fenced(be, n, w);
          const D = fenced(be, n);
          const loss = be.kernels.mse(n, P.ptr, Y.ptr, W.ptr, 0.125, D.ptr);
          let ref = 0;
          const dRef = new Float64Array(n);
          for (let i = 0; i < n; i++) {
            ref += w[i] * (p[i] - y[i]) ** 2;
            dRef[i] = 0.125 * w[i] * 2 * (p[i] - y[i]);
          }
          expectNear(loss, ref, 'loss', 1e-6);
          expectClose(D.read(), dRef, 'dpred', 1e-6, 1e-7);
          // no weights, gradient written over the predictions
          const loss2 = be.kernels.mse(n, P.ptr, Y.ptr, 0, 1, P.ptr);
          let ref2 = 0;
          for (let i = 0; i < n; i++) ref2 += (p[i] - y[i]) ** 2;
          expectNear(loss2, ref2, 'loss without weights', 1e-6);
          expectClose(
            P.read(),
            Array.from(p, (pi, i) => 2 * (pi - y[i])),
            'dpred in place',
            1e-6,
            1e-7,
          );
          for (const b of [P, Y, W, D]) b.checkFences('mse');
        });
      }
    });

    // ---------------------------------------------------------------- softmax_rows
    describe('softmax_rows', () => {
      for (const temperature of [1, 0.5, 2, 0.05]) {
        for (const V of [1, 3, 17]) {
          it(`V = ${V}, temperature ${temperature}`, () => {
            const M = 3;
            const ldl = V + 1;
            const logits = randomArray(M * V, 40 + V, -5, 5);
            const L = fenced(be, M * ldl, strided(logits, M, V, ldl));
            const P = fenced(be, M * V);
            be.kernels.softmax_rows(M, V, L.ptr, ldl, temperature, P.ptr);
            const ref = new Float64Array(M * V);
            for (let r = 0; r < M; r++) {
              let sum = 0;
              for (let j = 0; j < V; j++) sum += Math.exp(logits[r * V + j] / temperature);
              for (let j = 0; j < V; j++) ref[r * V + j] = Math.exp(logits[r * V + j] / temperature) / sum;
            }
            const probs = P.read();
            expectClose(probs, ref, 'probs', 1e-5, 1e-7);
            for (let r = 0; r < M; r++) {
              let s = 0;
              for (let j = 0; j < V; j++) s += probs[r * V + j];
              expect(Math.abs(s - 1)).toBeLessThan(1e-5);
            }
            P.checkFences('softmax_rows');
            L.checkFences('softmax_rows');
          });
        }
      }
    });

    // ---------------------------------------------------------------- dense
    describe('dense_forward / dense_backward', () => {
      const sizes: Array<[number, number, number]> = [
        [1, 1, 1],
        [3, 5, 7],
        [4, 17, 3],
        [5, 33, 9],
        [2, 3, 65],
        [67, 33, 65],
      ];
      for (const [M, I, O] of sizes) {
        for (const bias of [true, false]) {
          it(`M ${M}, I ${I}, O ${O}, ${bias ? 'with' : 'without'} bias, strided rows`, () => {
            const ldx = I + 2;
            const ldy = O + 3;
            const x = randomArray(M * I, M + I, -1, 1);
            const w = randomArray(O * I, O + 5, -1, 1);
            const b = randomArray(O, O + 6, -1, 1);
            const X = fenced(be, M * ldx, strided(x, M, I, ldx));
            const W = fenced(be, O * I, w);
            const Bb = fenced(be, O, b);
            const Y = fenced(be, M * ldy, strided(new Float32Array(M * O).fill(Number.NaN), M, O, ldy));
            const work = fenced(be, denseForwardWork(I, O));
            be.kernels.dense_forward(M, I, O, X.ptr, ldx, W.ptr, bias ? Bb.ptr : 0, Y.ptr, ldy, work.ptr);
            const yRef = new Float64Array(M * O);
            for (let r = 0; r < M; r++) {
              for (let o = 0; o < O; o++) {
                let acc = bias ? b[o] : 0;
                for (let k = 0; k < I; k++) acc += x[r * I + k] * w[o * I + k];
                yRef[r * O + o] = acc;
              }
            }
            const y = Y.read();
            expectPaddingUntouched(y, M, O, ldy, 'y');
            expectClose(unstride(y, M, O, ldy), yRef, 'y', 1e-5, 2e-6);
            for (const f of [X, W, Bb, Y, work]) f.checkFences('dense_forward');

            // backward: dx overwritten (accumDx 0) or added (1); dw, db accumulate
            const lddy = O + 1;
            const lddx = I + 3;
            const dy = randomArray(M * O, M * 7 + O, -1, 1);
            const dw0 = randomArray(O * I, 71, -0.5, 0.5);
            const db0 = randomArray(O, 72, -0.5, 0.5);
            const dx0 = randomArray(M * I, 73, -0.5, 0.5);
            const dwRef = Float64Array.from(dw0);
            const dbRef = Float64Array.from(db0);
            const dxRef = new Float64Array(M * I);
            for (let r = 0; r < M; r++) {
              for (let o = 0; o < O; o++) {
                const g = dy[r * O + o];
                dbRef[o] += g;
                for (let k = 0; k < I; k++) {
                  dwRef[o * I + k] += g * x[r * I + k];
                  dxRef[r * I + k] += g * w[o * I + k];
                }
              }
            }
            for (const accumDx of [0, 1]) {
              const DY = fenced(be, M * lddy, strided(dy, M, O, lddy));
              const DX = fenced(
                be,
                M * lddx,
                strided(accumDx ? dx0 : new Float32Array(M * I).fill(Number.NaN), M, I, lddx),
              );
              const DW = fenced(be, O * I, dw0);
              const DB = fenced(be, O, db0);
              be.kernels.dense_backward(
                M,
                I,
                O,
                X.ptr,
                ldx,
                W.ptr,
                DY.ptr,
                lddy,
                DX.ptr,
                lddx,
                accumDx,
                DW.ptr,
                bias ? DB.ptr : 0,
              );
              const dx = DX.read();
              expectPaddingUntouched(dx, M, I, lddx, 'dx');
              expectClose(
                unstride(dx, M, I, lddx),
                accumDx ? dxRef.map((v, i) => v + dx0[i]) : dxRef,
                `dx (accumDx ${accumDx})`,
                1e-5,
                2e-6,
              );
              expectClose(DW.read(), dwRef, 'dw', 1e-5, 2e-6);
              if (bias) expectClose(DB.read(), dbRef, 'db', 1e-5, 2e-6);
              else expect(DB.read(), 'db untouched when absent').toEqual(db0);
              for (const f of [DY, DX, DW, DB]) f.checkFences('dense_backward');
            }
            // dx = 0: only the parameter gradients
            const DW = fenced(be, O * I, dw0);
            const DY = fenced(be, M * lddy, strided(dy, M, O, lddy));
            be.kernels.dense_backward(M, I, O, X.ptr, ldx, W.ptr, DY.ptr, lddy, 0, lddx, 0, DW.ptr, 0);
            expectClose(DW.read(), dwRef, 'dw without dx', 1e-5, 2e-6);
            DW.checkFences('dense_backward without dx');
          });
        }
      }
    });

    // ---------------------------------------------------------------- embedding
    describe('embedding_forward / embedding_backward', () => {
      for (const E of [1, 3, 4, 5, 17]) {
        it(`E = ${E}: lookup with strided output; repeated ids accumulate their gradients`, () => {
          const V = 7;
          const ids = [3, 0, 6, 3, 3, 1, 6, 0, 5];
          const n = ids.length;
          const w = randomArray(V * E, 90 + E, -2, 2);
          const W = fenced(be, V * E, w);
          const ID = putInts(be, ids);
          const ldy = E + 2;
          const Y = fenced(be, n * ldy, strided(new Float32Array(n * E).fill(Number.NaN), n, E, ldy));
          be.kernels.embedding_forward(n, E, ID, W.ptr, Y.ptr, ldy);
          const y = Y.read();
          expectPaddingUntouched(y, n, E, ldy, 'embedding y');
          for (let i = 0; i < n; i++) {
            expect(Array.from(y.subarray(i * ldy, i * ldy + E)), `row ${i}`).toEqual(
              Array.from(w.subarray(ids[i] * E, ids[i] * E + E)),
            );
          }
          const lddy = E + 1;
          const dy = randomArray(n * E, 95 + E, -1, 1);
          const dw0 = randomArray(V * E, 96 + E, -1, 1);
          const DY = fenced(be, n * lddy, strided(dy, n, E, lddy));
          const DW = fenced(be, V * E, dw0);
          be.kernels.embedding_backward(n, E, ID, DY.ptr, lddy, DW.ptr);
          const ref = Float64Array.from(dw0);
          for (let i = 0; i < n; i++) for (let j = 0; j < E; j++) ref[ids[i] * E + j] += dy[i * E + j];
          expectClose(DW.read(), ref, 'dw', 1e-6, 1e-7);
          // rows of ids never used (2, 4) are untouched exactly
          const dw = DW.read();
          for (const v of [2, 4])
            expect(Array.from(dw.subarray(v * E, v * E + E))).toEqual(Array.from(dw0.subarray(v * E, v * E + E)));
          for (const f of [W, Y, DY, DW]) f.checkFences('embedding');
        });
      }
    });

    // ---------------------------------------------------------------- flat vectors
    describe('sum_squares / scale / clip_value / count_nonfinite', () => {
      const lengths = [1, 2, 3, 4, 5, 6, 7, 8, 9, 33, 1000];
      for (const n of lengths) {
        for (const misalign of [0, 1]) {
          it(`n = ${n}${misalign ? ', pointer not 16-byte aligned' : ''}`, () => {
            const x = randomArray(n, 500 + n, -3, 3);
            const X = fenced(be, n, x, Number.NaN, misalign);
            let ref = 0;
            for (const v of x) ref += v * v;
            expectNear(be.kernels.sum_squares(n, X.ptr), ref, 'sum_squares', 1e-7, 0);
            expect(be.kernels.count_nonfinite(n, X.ptr)).toBe(0);

            be.kernels.scale(n, X.ptr, 0.75);
            expect(X.read(), 'scale: exact f32 products').toEqual(x.map((v) => f32(v * 0.75)));
            X.checkFences('scale');

            be.kernels.clip_value(n, X.ptr, 1.5);
            const clipped = x.map((v) => Math.min(1.5, Math.max(-1.5, f32(v * 0.75))));
            expect(X.read(), 'clip_value').toEqual(clipped);
            X.checkFences('clip_value');

            // NaN, +Inf, −Inf at the start, the end (tail) and the middle
            const y = Float32Array.from(x);
            const bad = [0, n - 1, Math.floor(n / 2)].filter((v, i, a) => a.indexOf(v) === i);
            const specials = [Number.NaN, Infinity, -Infinity];
            bad.forEach((at, i) => (y[at] = specials[i]));
            const Y = fenced(be, n, y, Number.NaN, misalign);
            expect(be.kernels.count_nonfinite(n, Y.ptr), 'count_nonfinite').toBe(bad.length);
            // the kernel reads exactly n floats: the NaN canaries around are not counted
            expect(be.kernels.count_nonfinite(0, Y.ptr)).toBe(0);
          });
        }
      }

      it('count_nonfinite does not count huge finite values, −0 or subnormals', () => {
        const v = Float32Array.from([3.4e38, -3.4e38, -0, 1e-45, -1e-45, 1.17e-38, 0, 1, 2]);
        expect(be.kernels.count_nonfinite(v.length, fenced(be, v.length, v).ptr)).toBe(0);
        const all = Float32Array.from([
          Infinity,
          Infinity,
          Infinity,
          Infinity,
          Number.NaN,
          -Infinity,
          Number.NaN,
          Number.NaN,
          Number.NaN,
        ]);
        expect(be.kernels.count_nonfinite(all.length, fenced(be, all.length, all).ptr)).toBe(9);
      });

      it('sum_squares accumulates in f64 (2^24 + 1000 is exact, f32 accumulation would give 2^24)', () => {
        const n = 1001;
        const x = new Float32Array(n).fill(1);
        x[0] = 4096;
        expect(be.kernels.sum_squares(n, fenced(be, n, x).ptr)).toBe(2 ** 24 + 1000);
      });

      it('clip_value keeps values at exactly ±c and inside', () => {
        const v = Float32Array.from([-2, -1, -0.5, 0, 0.5, 1, 2, 1e30, -1e30]);
        const X = fenced(be, v.length, v);
        be.kernels.clip_value(v.length, X.ptr, 1);
        expect(Array.from(X.read())).toEqual([-1, -1, -0.5, 0, 0.5, 1, 1, 1, -1]);
      });
    });

    // ---------------------------------------------------------------- dropout
    describe('dropout', () => {
      const n = 100_000;
      for (const p of [0.1, 0.5, 0.8]) {
        it(`p = ${p}: mask ∈ {0, 1/(1−p)}, kept fraction ≈ 1−p over ${n} values, y = x∘mask`, () => {
          const x = randomArray(n, 17, -2, 2);
          const X = fenced(be, n, x);
          const Y = fenced(be, n);
          const K = fenced(be, n);
          be.kernels.dropout_forward(n, X.ptr, Y.ptr, K.ptr, p, 123457);
          const mask = K.read();
          const y = Y.read();
          const keep = 1 / (1 - p);
          let kept = 0;
          let keptValue = Number.NaN;
          for (let i = 0; i < n; i++) {
            const m = mask[i];
            if (m !== 0) {
              kept++;
              if (Number.isNaN(keptValue)) keptValue = m;
              else if (m !== keptValue) throw new Error(`mask value ${m} at ${i} differs from ${keptValue}`);
            }
            if (y[i] !== f32(x[i] * m)) throw new Error(`y[${i}] = ${y[i]}, expected x∘mask = ${f32(x[i] * m)}`);
          }
          expectNear(keptValue, keep, 'kept mask value', 1e-6, 0);
          const sigma = Math.sqrt((p * (1 - p)) / n);
          expect(Math.abs(kept / n - (1 - p)), `kept fraction ${kept / n}`).toBeLessThan(5 * sigma);
          // no long runs: the first and second halves keep about the same fraction
          let firstHalf = 0;
          for (let i = 0; i < n / 2; i++) if (mask[i] !== 0) firstHalf++;
          expect(Math.abs(firstHalf / (n / 2) - (1 - p))).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / (n / 2)));
          // same seed, same mask; another seed, another mask
          const K2 = fenced(be, n);
          be.kernels.dropout_forward(n, X.ptr, fenced(be, n).ptr, K2.ptr, p, 123457);
          expect(sameBits(K2.read(), mask), 'same seed, same mask').toBe(true);
          const K3 = fenced(be, n);
          be.kernels.dropout_forward(n, X.ptr, fenced(be, n).ptr, K3.ptr, p, 987655);
          const other = K3.read();
          let agree = 0;
          for (let i = 0; i < n; i++) if ((other[i] !== 0) === (mask[i] !== 0)) agree++;
          const expectedAgree = p * p + (1 - p) * (1 - p);
          expect(Math.abs(agree / n - expectedAgree), 'independent masks agree by chance only').toBeLessThan(0.02);
          // backward: dx = dy∘mask, out of place and in place
          const dy = randomArray(n, 18, -1, 1);
          const DY = fenced(be, n, dy);
          const DX = fenced(be, n);
          be.kernels.dropout_backward(n, DY.ptr, K.ptr, DX.ptr);
          const want = dy.map((v, i) => f32(v * mask[i]));
          expect(sameBits(DX.read(), want), 'dx = dy∘mask').toBe(true);
          be.kernels.dropout_backward(n, DY.ptr, K.ptr, DY.ptr);
          expect(sameBits(DY.read(), want), 'dx = dy∘mask in place').toBe(true);
          for (const f of [X, Y, K, DX, DY]) f.checkFences('dropout');
        });
      }

      it('p = 0 keeps everything (mask 1, y = x); y may equal x', () => {
        const m = 37;
        const x = randomArray(m, 3, -1, 1);
        const X = fenced(be, m, x);
        const K = fenced(be, m);
        be.kernels.dropout_forward(m, X.ptr, X.ptr, K.ptr, 0, 99);
        expect(K.read()).toEqual(new Float32Array(m).fill(1));
        expect(X.read()).toEqual(x);
      });
    });

    // ---------------------------------------------------------------- optimizers
    describe('optimizer steps against PyTorch update rules', () => {
      const n = 37; // SIMD body and a tail
      const STEPS = 6;
      const grads = Array.from({ length: STEPS }, (_, t) => randomArray(n, 1000 + t, -1, 1));
      const p0 = randomArray(n, 999, -1, 1);

      /** Runs `STEPS` kernel updates and the float64 rule side by side; compares params (and states). */
      function run(
        states: number,
        kernelStep: (t: number, p: number, g: number, s: number[]) => void,
        refStep: (t: number, p: Float64Array, g: Float64Array, s: Float64Array[]) => void,
        what: string,
        checkStates = true,
      ): void {
        const P = fenced(be, n, p0);
        const G = fenced(be, n);
        const S = Array.from({ length: states }, () => fenced(be, n, new Float32Array(n)));
        const pRef = Float64Array.from(p0);
        const sRef = Array.from({ length: states }, () => new Float64Array(n));
        for (let t = 1; t <= STEPS; t++) {
          be.heap.write(G.ptr, grads[t - 1]);
          kernelStep(
            t,
            P.ptr,
            G.ptr,
            S.map((s) => s.ptr),
          );
          refStep(t, pRef, Float64Array.from(grads[t - 1]), sRef);
          expectClose(P.read(), pRef, `${what}: parameters after step ${t}`, 2e-5, 2e-6);
          if (checkStates)
            S.forEach((s, i) => expectClose(s.read(), sRef[i], `${what}: state ${i} after step ${t}`, 2e-5, 2e-6));
          expect(G.read(), 'gradients are read-only').toEqual(grads[t - 1]);
        }
        for (const f of [P, G, ...S]) f.checkFences(what);
      }

      const sgdCases = [
        { name: 'plain', lr: 0.1, momentum: 0, dampening: 0, nesterov: false, wd: 0 },
        { name: 'momentum', lr: 0.05, momentum: 0.9, dampening: 0, nesterov: false, wd: 0 },
        { name: 'nesterov', lr: 0.05, momentum: 0.9, dampening: 0, nesterov: true, wd: 0 },
        { name: 'dampening', lr: 0.05, momentum: 0.8, dampening: 0.3, nesterov: false, wd: 0 },
        { name: 'weight decay + momentum', lr: 0.05, momentum: 0.7, dampening: 0, nesterov: false, wd: 0.01 },
        { name: 'weight decay, no momentum', lr: 0.2, momentum: 0, dampening: 0, nesterov: false, wd: 0.1 },
      ];
      for (const o of sgdCases) {
        it(`sgd ${o.name}`, () => {
          const st = { buf: null as Float64Array | null };
          run(
            o.momentum ? 1 : 0,
            (t, p, g, s) =>
              be.kernels.sgd_step(
                n,
                p,
                g,
                s[0] ?? 0,
                o.lr,
                o.momentum,
                o.dampening,
                o.nesterov ? 1 : 0,
                o.wd,
                t === 1 ? 1 : 0,
              ),
            (_t, p, g, s) => {
              sgd64(p, g, st, o);
              if (st.buf) s[0].set(st.buf);
            },
            `sgd ${o.name}`,
          );
        });
      }

      for (const o of [
        { lr: 0.1, lrDecay: 0, eps: 1e-10, wd: 0 },
        { lr: 0.05, lrDecay: 0.1, eps: 1e-6, wd: 0.05 },
      ]) {
        it(`adagrad lr ${o.lr}, lr decay ${o.lrDecay}, weight decay ${o.wd}`, () => {
          run(
            1,
            (t, p, g, s) => be.kernels.adagrad_step(n, p, g, s[0], o.lr / (1 + (t - 1) * o.lrDecay), o.eps, o.wd),
            (t, p, g, s) => adagrad64(p, g, s[0], t, o),
            'adagrad',
          );
        });
      }

      for (const o of [
        { lr: 0.01, alpha: 0.99, eps: 1e-8, wd: 0, momentum: 0 },
        { lr: 0.01, alpha: 0.9, eps: 1e-6, wd: 0.02, momentum: 0 },
        { lr: 0.005, alpha: 0.95, eps: 1e-8, wd: 0.01, momentum: 0.9 },
      ]) {
        it(`rmsprop alpha ${o.alpha}, momentum ${o.momentum}, weight decay ${o.wd}`, () => {
          run(
            2,
            (_t, p, g, s) =>
              be.kernels.rmsprop_step(n, p, g, s[0], o.momentum > 0 ? s[1] : 0, o.lr, o.alpha, o.eps, o.wd, o.momentum),
            (_t, p, g, s) => rmsprop64(p, g, s[0], s[1], o),
            'rmsprop',
          );
        });
      }

      for (const o of [
        { name: 'adam', lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, decoupled: false },
        { name: 'adam with L2 weight decay', lr: 0.01, b1: 0.8, b2: 0.99, eps: 1e-6, wd: 0.1, decoupled: false },
        { name: 'adamw', lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.1, decoupled: true },
      ]) {
        it(o.name, () => {
          run(
            2,
            (t, p, g, s) =>
              be.kernels.adam_step(n, p, g, s[0], s[1], o.lr, o.b1, o.b2, o.eps, o.wd, o.decoupled ? 1 : 0, t),
            (t, p, g, s) => adam64(p, g, s[0], s[1], t, o),
            o.name,
          );
        });
      }

      it('adam: the first step moves every parameter by about lr·sign(g) (bias correction)', () => {
        const P = fenced(be, n, p0);
        const G = fenced(be, n, grads[0]);
        const m = fenced(be, n, new Float32Array(n));
        const v = fenced(be, n, new Float32Array(n));
        be.kernels.adam_step(n, P.ptr, G.ptr, m.ptr, v.ptr, 0.01, 0.9, 0.999, 1e-8, 0, 0, 1);
        const p = P.read();
        for (let i = 0; i < n; i++) expectNear(p0[i] - p[i], 0.01 * Math.sign(grads[0][i]), `param ${i}`, 1e-4, 1e-6);
      });
    });
  });
}

describe('dropout across backends', () => {
  it('the same seed draws the same mask on the wasm and the pure-TypeScript backend (models train alike on both)', async () => {
    const n = 10_001;
    const masks: Float32Array[] = [];
    for (const be of [await wasmBackend(), jsBackend()]) {
      const X = fenced(be, n, randomArray(n, 4, -1, 1));
      const K = fenced(be, n);
      be.kernels.dropout_forward(n, X.ptr, fenced(be, n).ptr, K.ptr, 0.3, 0x2468ace);
      masks.push(K.read());
    }
    expect(sameBits(masks[0], masks[1])).toBe(true);
  });
});
