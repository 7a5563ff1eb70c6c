// Truncated backpropagation through time in Trainer.fit against a brute-force float64 reference.
//
// BPTT(k2, k1) after Williams & Peng (1990): the network runs forward over the stream; every k1
// steps (and at the end of the stream) it makes one update, whose loss is the error of the steps
// seen since the previous update and whose gradient is backpropagated through the last k2 steps
// only (the state k2 steps back is a constant). Here, for update n with e_n = min(n·k1, P):
//   loss  = mean cross-entropy over the steps [e_{n−1}, e_n) of every stream,
//   window = [s_n, e_n) with s_n = max(0, e_n − k2), run with the weights after update n − 1,
//   start state = the state at step s_n reached by the previous update's window (zeros at 0).
// The stream of N tokens is cut into B contiguous streams of P = ⌊(N−1)/B⌋ inputs, stream b
// reading tokens[b·P + t] → tokens[b·P + t + 1].
//
// The reference computes every update's gradient independently, in float64 (recurrent layer:
// test/reference/recurrent64.ts, itself checked by finite differences; embedding, dense head and
// softmax cross-entropy written here), from the trainer's own weight history. With plain SGD at
// lr 1 every weight change of the trainer must equal minus that gradient.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { Dense, Embedding, GRU, LSTM, RNN, SequenceModel, Trainer, generate, type StateDict } from '../../src/index.ts';
import { randomArray, wasmBackend } from '../helpers/backends.ts';
import { analyticGrads64, forward64, type Params64, type RunSpec } from '../reference/recurrent64.ts';
import { expectClose, expectNear } from './util.ts';

type Cell = 'rnn' | 'lstm' | 'gru';
const V = 5; // vocabulary
const E = 3; // embedding
const H = 4; // hidden

function makeModel(cell: Cell, backend: Backend): SequenceModel {
  const recurrent =
    cell === 'lstm'
      ? new LSTM(E, H, { seed: 2, backend })
      : cell === 'gru'
        ? new GRU(E, H, { seed: 2, backend })
        : new RNN(E, H, { seed: 2, backend });
  return new SequenceModel({
    layers: [new Embedding(V, E, { seed: 1, backend }), recurrent, new Dense(H, V, { seed: 3, backend })],
  });
}

/** One update of the reference: its window, loss and the gradient of every parameter (state-dict names). */
interface RefUpdate {
  start: number;
  end: number;
  lossFrom: number;
  loss: number;
  grads: Record<string, Float64Array>;
}

/** The brute-force BPTT(k2, k1) reference, given the weights in force before each update. */
class Reference {
  private readonly spec: Omit<RunSpec, 'seqLen'>;
  constructor(
    readonly cell: Cell,
    readonly tokens: Int32Array,
    readonly B: number,
    readonly k1: number,
    readonly k2: number,
  ) {
    this.spec = { cell, inputSize: E, hiddenSize: H, numLayers: 1, bidirectional: false, bias: true, batch: B };
  }

  get perStream(): number {
    return Math.floor((this.tokens.length - 1) / this.B);
  }

  /** Ends e_1, e_2, … of the updates. */
  ends(): number[] {
    const out: number[] = [];
    for (let e = Math.min(this.k1, this.perStream); ; e = Math.min(e + this.k1, this.perStream)) {
      out.push(e);
      if (e === this.perStream) return out;
    }
  }

  private recurrentParams(w: StateDict): Params64 {
    const p: Params64 = {};
    for (const [k, v] of Object.entries(w)) if (k.startsWith('1.')) p[k.slice(2)] = Float64Array.from(v);
    return p;
  }

  /** Embedded inputs (T, B, E) of steps [from, to). */
  private embed(w: StateDict, from: number, to: number): Float64Array {
    const x = new Float64Array((to - from) * this.B * E);
    for (let t = from; t < to; t++) {
      for (let b = 0; b < this.B; b++) {
        const id = this.tokens[b * this.perStream + t];
        for (let j = 0; j < E; j++) x[((t - from) * this.B + b) * E + j] = w['0.weight'][id * E + j];
      }
    }
    return x;
  }

  /** Runs every update; `weights[n]` are the weights before update n + 1. */
  run(weights: StateDict[]): RefUpdate[] {
    const ends = this.ends();
    const B = this.B;
    const zeros = (): Float64Array => new Float64Array(B * H);
    let h0: Float64Array = zeros();
    let c0: Float64Array = zeros();
    let prevEnd = 0;
    const updates: RefUpdate[] = [];
    ends.forEach((end, n) => {
      const w = weights[n];
      const start = Math.max(0, end - this.k2);
      const T = end - start;
      const spec: RunSpec = { ...this.spec, seqLen: T };
      const params = this.recurrentParams(w);
      const x = this.embed(w, start, end);
      const fw = forward64(spec, params, x, h0, c0);
      // head and loss on the steps [prevEnd, end)
      const Wd = w['2.weight'];
      const bd = w['2.bias'];
      const counted = (end - prevEnd) * B;
      const dOut = new Float64Array(T * B * H);
      const dW = new Float64Array(V * H);
      const db = new Float64Array(V);
      let loss = 0;
      for (let t = prevEnd - start; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const row = (t * B + b) * H;
          const target = this.tokens[b * this.perStream + start + t + 1];
          const logits = Array.from({ length: V }, (_, v) => {
            let s = bd[v];
            for (let j = 0; j < H; j++) s += Wd[v * H + j] * fw.output[row + j];
            return s;
          });
          const max = Math.max(...logits);
          const sum = logits.reduce((s, l) => s + Math.exp(l - max), 0);
          loss += (max + Math.log(sum) - logits[target]) / counted;
          for (let v = 0; v < V; v++) {
            const d = (Math.exp(logits[v] - max) / sum - (v === target ? 1 : 0)) / counted;
            db[v] += d;
            for (let j = 0; j < H; j++) {
              dW[v * H + j] += d * fw.output[row + j];
              dOut[row + j] += d * Wd[v * H + j];
            }
          }
        }
      }
      const g = analyticGrads64(spec, params, x, h0, c0, { output: dOut });
      const dEmb = new Float64Array(V * E);
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const id = this.tokens[b * this.perStream + start + t];
          for (let j = 0; j < E; j++) dEmb[id * E + j] += g.x[(t * B + b) * E + j];
        }
      }
      const grads: Record<string, Float64Array> = { '0.weight': dEmb, '2.weight': dW, '2.bias': db };
      for (const [k, v] of Object.entries(g.params)) grads[`1.${k}`] = v;
      updates.push({ start, end, lossFrom: prevEnd, loss, grads });
      // the state carried to the next update: at its window start, reached by this window
      if (n + 1 < ends.length) {
        const nextStart = Math.max(0, ends[n + 1] - this.k2);
        if (nextStart < start || nextStart > end) throw new Error('reference: windows must overlap or touch');
        if (nextStart > start) {
          const prefix = forward64(
            { ...spec, seqLen: nextStart - start },
            params,
            x.subarray(0, (nextStart - start) * B * E),
            h0,
            c0,
          );
          h0 = prefix.hN;
          c0 = prefix.cN ?? zeros();
        }
      }
      prevEnd = end;
    });
    return updates;
  }
}

/** Trains one epoch with BPTT(k2, k1), plain SGD at lr 1; returns the weights before each update and the reported losses. */
async function trainerHistory(
  model: SequenceModel,
  tokens: Int32Array,
  B: number,
  k1: number,
  k2: number,
): Promise<{ weights: StateDict[]; losses: number[]; progress: number[] }> {
  const trainer = new Trainer(model, { optimizer: { type: 'sgd', lr: 1 }, tbptt: { k1, k2 }, batchSize: B });
  const weights = [model.stateDict()];
  const losses: number[] = [];
  const progress: number[] = [];
  const r = await trainer.fit(tokens, {
    epochs: 1,
    onStep: (e) => {
      weights.push(model.stateDict());
      losses.push(e.loss);
      progress.push(e.progress);
    },
  });
  expect(r.stopped).toBe('done');
  trainer.dispose();
  return { weights, losses, progress };
}

describe('truncated BPTT in Trainer.fit against a brute-force float64 reference', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await wasmBackend();
  });

  const cases: Array<{ name: string; cell: Cell; B: number; P: number; k1: number; k2: number }> = [
    { name: 'k1 = k2 = 3, stream a multiple of k1', cell: 'lstm', B: 2, P: 9, k1: 3, k2: 3 },
    { name: 'k1 = k2 = 1 (one step per update, state carried)', cell: 'gru', B: 2, P: 4, k1: 1, k2: 1 },
    { name: 'k1 = 2 < k2 = 3 (overlapping windows)', cell: 'lstm', B: 2, P: 8, k1: 2, k2: 3 },
    { name: 'k1 = 2 < k2 = 3, RNN', cell: 'rnn', B: 3, P: 6, k1: 2, k2: 3 },
    { name: 'k1 = k2 = P (full BPTT, one update)', cell: 'lstm', B: 2, P: 7, k1: 7, k2: 7 },
    // the first windows all start at step 0: each must start from the zero state
    { name: 'k1 = 2, k2 = 5 (k2 ≥ 2·k1: several windows start at step 0)', cell: 'lstm', B: 2, P: 8, k1: 2, k2: 5 },
    { name: 'k1 = 1, k2 = 3, GRU', cell: 'gru', B: 2, P: 5, k1: 1, k2: 3 },
    // the last update covers fewer than k1 new steps: its loss must count only those
    {
      name: 'k1 = k2 = 4, stream not a multiple of k1 (last update has 2 new steps)',
      cell: 'lstm',
      B: 2,
      P: 10,
      k1: 4,
      k2: 4,
    },
    { name: 'k1 = 3 < k2 = 4, last update has 1 new step', cell: 'gru', B: 2, P: 10, k1: 3, k2: 4 },
  ];

  for (const c of cases) {
    it(`${c.cell.toUpperCase()}, B ${c.B}, ${c.P} steps per stream, ${c.name}: every update's weight change is −gradient of the reference`, async () => {
      const N = c.B * c.P + 1 + (c.B - 1); // a few spare tokens: P = ⌊(N − 1)/B⌋ still
      const tokens = Int32Array.from(randomArray(N, 31 + c.P * 7 + c.k2, 0, V), Math.floor);
      const ref = new Reference(c.cell, tokens, c.B, c.k1, c.k2);
      expect(ref.perStream).toBe(c.P);
      const model = makeModel(c.cell, backend);
      const { weights, losses, progress } = await trainerHistory(model, tokens, c.B, c.k1, c.k2);
      const ends = ref.ends();
      expect(losses.length, 'number of updates = ⌈P / k1⌉').toBe(Math.ceil(c.P / c.k1));
      expect(progress.at(-1)).toBe(1);
      const expected = ref.run(weights);
      expected.forEach((u, n) => {
        const what = `update ${n + 1} (window [${u.start}, ${u.end}), loss on [${u.lossFrom}, ${u.end}))`;
        expectNear(losses[n], u.loss, `${what}: reported loss`, 1e-5, 1e-6);
        for (const [name, grad] of Object.entries(u.grads)) {
          const before = weights[n][name];
          const after = weights[n + 1][name];
          const delta = Float64Array.from(after, (w, i) => w - before[i]);
          expectClose(
            delta,
            grad.map((g) => -g),
            `${what}: Δ${name}`,
            1e-4,
            2e-6,
          );
        }
      });
      expect(ends.at(-1)).toBe(c.P);
      model.dispose();
    });
  }

  it('sampling and evaluating from onStep (as examples/char-lm.ts does) leave the training run unchanged', async () => {
    const B = 2;
    const tokens = Int32Array.from(randomArray(B * 12 + 1, 77, 0, V), Math.floor);
    const runLosses = async (peek: boolean): Promise<number[]> => {
      const model = makeModel('lstm', backend);
      const trainer = new Trainer(model, { optimizer: { type: 'sgd', lr: 0.5 }, tbptt: { k1: 3 }, batchSize: B });
      const losses: number[] = [];
      await trainer.fit(tokens, {
        epochs: 1,
        onStep: (e) => {
          losses.push(e.loss);
          if (peek) {
            generate(model, { prime: [1, 2], length: 5, seed: 3 });
            trainer.evaluate(tokens.subarray(0, 9));
          }
        },
      });
      trainer.dispose();
      model.dispose();
      return losses;
    };
    const quiet = await runLosses(false);
    const peeking = await runLosses(true);
    expect(quiet).toHaveLength(4);
    expect(peeking, 'losses of a run that samples in onStep').toEqual(quiet);
  });

  it('the carried state is reset at each epoch: two epochs on the same stream start from the zero state', async () => {
    const B = 2;
    const tokens = Int32Array.from(randomArray(2 * 6 + 1, 5, 0, V), Math.floor);
    const model = makeModel('lstm', backend);
    const twin = makeModel('lstm', backend);
    const trainer = new Trainer(model, { optimizer: { type: 'sgd', lr: 0 }, tbptt: { k1: 3 }, batchSize: B });
    const losses: number[] = [];
    await trainer.fit(tokens, { epochs: 2, onStep: (e) => losses.push(e.loss) });
    expect(losses).toHaveLength(4);
    // lr 0: the weights never change, so epoch 2 must repeat epoch 1 exactly
    expect(losses.slice(2)).toEqual(losses.slice(0, 2));
    // and an epoch on an identical model gives the same losses
    const t2 = new Trainer(twin, { optimizer: { type: 'sgd', lr: 0 }, tbptt: { k1: 3 }, batchSize: B });
    const again: number[] = [];
    await t2.fit(tokens, { epochs: 1, onStep: (e) => again.push(e.loss) });
    expect(again).toEqual(losses.slice(0, 2));
    trainer.dispose();
    t2.dispose();
    model.dispose();
    twin.dispose();
  });
});
