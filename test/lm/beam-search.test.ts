// Beam search with carried per-beam states: the same beams as the old algorithm that re-ran every
// hypothesis's whole prefix at every step (written out below as a reference, on the public
// `predict`), the work it does counted at the recurrent layers, and the state reordering it
// rests on (SequenceModel.reorderState).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Dense, Embedding, GRU, LSTM, RNN, SequenceModel, type Backend, type RecurrentLayer } from '../../src/index.ts';
import type { Beam } from '../../src/nn/beam-search.ts';
import { beamSearch } from '../../src/lm/score.ts';
import { jsBackend, wasmBackend } from '../helpers/backends.ts';

const backends: Array<[string, () => Promise<Backend> | Backend]> = [
  ['wasm', wasmBackend],
  ['js', jsBackend],
];

/** A random next-token model: V = 7, a 2-layer LSTM then a GRU (or a tanh RNN then a GRU). */
function randomModel(backend: Backend, seed: number, kind: 'lstm' | 'rnn' = 'lstm'): SequenceModel {
  const V = 7;
  const first =
    kind === 'lstm'
      ? new LSTM({ inputSize: 5, hiddenSize: 6, numLayers: 2, seed: seed + 1, backend })
      : new RNN({ inputSize: 5, hiddenSize: 6, seed: seed + 1, backend });
  const model = new SequenceModel({
    layers: [
      new Embedding(V, 5, { seed, backend }),
      first,
      new GRU({ inputSize: 6, hiddenSize: 4, seed: seed + 2, backend }),
      new Dense(4, V, { seed: seed + 3, backend }),
    ],
  });
  // sharpen the head so that the distributions are far from uniform (fewer near-ties)
  const head = model.head.params.stateDict();
  model.loadStateDict({ '3.weight': head.weight.map((w) => 4 * w), '3.bias': head.bias }, false);
  return model;
}

/**
 * The old algorithm, as a reference: at every step, run every live hypothesis's WHOLE prefix
 * (prime + its ids) through the model from a zero state, all hypotheses as one batch; extend each
 * by every token; keep the `width` best by a stable sort (finished ones first, then by beam, then
 * by id). Float64 log-softmax.
 */
function prefixBeamSearch(
  model: SequenceModel,
  prime: number[],
  length: number,
  width: number,
  stopAt?: number,
): Beam[] {
  const V = model.outputSize;
  const P = prime.length;
  interface Hyp {
    ids: number[];
    logProb: number;
    done: boolean;
  }
  let beams: Hyp[] = [{ ids: [], logProb: 0, done: false }];
  for (let step = 0; step < length; step++) {
    const live = beams.filter((b) => !b.done);
    if (live.length === 0) break;
    const B = live.length;
    const T = P + step;
    const input = new Int32Array(T * B);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) input[t * B + b] = t < P ? prime[t] : live[b].ids[t - P];
    const logits = model.predict(input, { seqLen: T, batch: B });
    const candidates: Hyp[] = beams.filter((b) => b.done);
    live.forEach((beam, b) => {
      const row = Array.from(logits.subarray(((T - 1) * B + b) * V, ((T - 1) * B + b + 1) * V));
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0));
      for (let v = 0; v < V; v++)
        candidates.push({ ids: [...beam.ids, v], logProb: beam.logProb + row[v] - lse, done: v === stopAt });
    });
    candidates.sort((x, y) => y.logProb - x.logProb);
    beams = candidates.slice(0, width);
  }
  return beams.map((b) => ({ ids: Int32Array.from(b.ids), logProb: b.logProb }));
}

/** Records (T, B) of every forwardInPlace call of each recurrent layer of `model`. */
function countSteps(model: SequenceModel): Array<Array<{ T: number; B: number }>> {
  return model.recurrent.map((layer: RecurrentLayer) => {
    const calls: Array<{ T: number; B: number }> = [];
    const original = layer.forwardInPlace.bind(layer);
    vi.spyOn(layer, 'forwardInPlace').mockImplementation((T, B, ...rest) => {
      calls.push({ T, B });
      return original(T, B, ...rest);
    });
    return calls;
  });
}

/** Time steps × rows run by a layer, over its recorded calls. */
const work = (calls: Array<{ T: number; B: number }>): number => calls.reduce((n, c) => n + c.T * c.B, 0);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('beamSearch with carried per-beam states', () => {
  for (const [name, make] of backends) {
    it(`returns the same beams as the prefix-re-running algorithm on random models (${name})`, async () => {
      const backend = await make();
      const cases = [
        { seed: 1, kind: 'lstm' as const, prime: [2], length: 6, width: 4 },
        { seed: 2, kind: 'lstm' as const, prime: [0, 3, 5], length: 5, width: 3, stopAt: 'first' as const },
        { seed: 3, kind: 'rnn' as const, prime: [6, 6], length: 7, width: 5, stopAt: 'first' as const },
        { seed: 6, kind: 'lstm' as const, prime: [2], length: 6, width: 4, stopAt: 3 },
        { seed: 4, kind: 'rnn' as const, prime: [1], length: 4, width: 1 },
        { seed: 5, kind: 'lstm' as const, prime: [4], length: 3, width: 49 }, // exhaustive: V^(length−1)
      ];
      let finishedSeen = 0;
      for (const c of cases) {
        const model = randomModel(backend, c.seed, c.kind);
        // 'first': stop at the most likely first token, so a finished beam competes to the end
        const stopAt = c.stopAt === 'first' ? prefixBeamSearch(model, c.prime, 1, 1)[0].ids[0] : c.stopAt;
        const expected = prefixBeamSearch(model, c.prime, c.length, c.width, stopAt);
        const beams = beamSearch(model, { prime: c.prime, maxLength: c.length, beamWidth: c.width, stopAt });
        expect(
          beams.map((b) => Array.from(b.ids)),
          `seed ${c.seed}`,
        ).toEqual(expected.map((b) => Array.from(b.ids)));
        beams.forEach((b, i) =>
          expect(Math.abs(b.logProb - expected[i].logProb), `seed ${c.seed}, beam ${i}`).toBeLessThan(1e-4),
        );
        if (stopAt !== undefined)
          finishedSeen += beams.filter((b) => b.ids.length < c.length && b.ids[b.ids.length - 1] === stopAt).length;
        model.dispose();
      }
      // the stopAt cases did finish some hypotheses early, so that path is exercised
      expect(finishedSeen).toBeGreaterThan(0);
    });
  }

  it('runs O(length × beams) time steps: the prime once, then one batch of all live beams per step, per layer', async () => {
    const backend = await wasmBackend();
    const model = randomModel(backend, 7);
    const prime = [2, 5, 1];
    const width = 3;
    const P = prime.length;
    const done: number[] = [];
    for (const length of [4, 8, 16]) {
      const layers = countSteps(model);
      beamSearch(model, { prime, maxLength: length, beamWidth: width });
      for (const calls of layers) {
        // the prime as one call of P steps on 1 row, then length − 1 single steps of all 3 beams
        expect(calls).toEqual([{ T: P, B: 1 }, ...Array.from({ length: length - 1 }, () => ({ T: 1, B: width }))]);
      }
      done.push(work(layers[0]));
      vi.restoreAllMocks();
    }
    // P + (length − 1)·width: linear in the length
    expect(done).toEqual([3 + 3 * 3, 3 + 7 * 3, 3 + 15 * 3]);
    // the prefix-re-running reference on the same model: Σ_step (P + step)·beams, quadratic
    const layers = countSteps(model);
    prefixBeamSearch(model, prime, 16, width);
    let quadratic = 0;
    for (let step = 0; step < 16; step++) quadratic += (P + step) * (step === 0 ? 1 : width);
    expect(work(layers[0])).toBe(quadratic);
    expect(quadratic).toBeGreaterThan(7 * done[2]);
    model.dispose();
  });

  it('leaves the carried state of a stateful run as it was, and does not depend on it', async () => {
    const backend = await wasmBackend();
    const model = randomModel(backend, 9);
    const fresh = beamSearch(model, { prime: [3], maxLength: 4, beamWidth: 2 });
    model.predict(Int32Array.from([1, 2, 3, 4, 5, 6]), { seqLen: 3, batch: 2, stateful: true });
    const before = model.saveState();
    const again = beamSearch(model, { prime: [3], maxLength: 4, beamWidth: 2 });
    const after = model.saveState();
    expect(after.batch).toBe(2);
    after.buffers.forEach((buffer, i) =>
      expect(Array.from(buffer), `state buffer ${i}`).toEqual(Array.from(before.buffers[i])),
    );
    expect(again).toEqual(fresh);
    model.dispose();
  });

  it('rejects bidirectional layers and bad options, naming them', async () => {
    const backend = await wasmBackend();
    const bi = new SequenceModel({
      layers: [
        new Embedding(5, 3, { seed: 1, backend }),
        new LSTM({ inputSize: 3, hiddenSize: 4, bidirectional: true, seed: 2, backend }),
        new Dense(8, 5, { seed: 3, backend }),
      ],
    });
    expect(() => beamSearch(bi, { maxLength: 3 })).toThrow(/beamSearch: recurrent layer 0 is bidirectional/);
    const model = randomModel(backend, 11);
    expect(() => beamSearch(model, { maxLength: 0 })).toThrow(
      /beamSearch: options\.maxLength must be an integer ≥ 1, received 0/,
    );
    expect(() => beamSearch(model, { maxLength: 2, beamWidth: 1.5 })).toThrow(
      /beamSearch: options\.beamWidth must be an integer ≥ 1, received 1\.5/,
    );
    expect(() => beamSearch(model, { maxLength: 2, prime: [7] })).toThrow(/beamSearch: prime/);
    bi.dispose();
    model.dispose();
  });
});

describe('SequenceModel.reorderState', () => {
  it('makes stream b continue from stream rows[b]: a step of the reordered batch equals each stream stepped alone', async () => {
    const backend = await wasmBackend();
    const model = randomModel(backend, 13);
    const V = model.outputSize;
    // three streams with different histories
    const history = Int32Array.from([0, 3, 6, 1, 4, 2, 5, 5, 0]); // (T = 3, B = 3)
    model.predict(history, { seqLen: 3, batch: 3, stateful: true });
    const rows = [2, 0, 2, 1];
    model.reorderState(rows);
    expect(model.saveState().batch).toBe(4);
    const next = Int32Array.from([1, 6, 3, 2]);
    const together = model.predict(next, { seqLen: 1, batch: 4, stateful: true });
    rows.forEach((r, b) => {
      // stream r alone: its history, then the token, from a zero state
      const alone = Int32Array.from([history[r], history[3 + r], history[6 + r], next[b]]);
      const logits = model.predict(alone, { seqLen: 4, batch: 1 });
      for (let v = 0; v < V; v++)
        expect(together[b * V + v], `row ${b} (stream ${r}), logit ${v}`).toBeCloseTo(logits[3 * V + v], 5);
    });
    expect(() => model.reorderState([])).toThrow(/reorderState: rows must be a non-empty array/);
    expect(() => model.reorderState([0, 4])).toThrow(
      /reorderState: rows must hold stream indices in \[0, 4\), received 4 at index 1/,
    );
    expect(() => model.reorderState([0.5])).toThrow(/received 0.5 at index 0/);
    model.dispose();
    const unused = randomModel(backend, 14);
    expect(() => unused.reorderState([0])).toThrow(/no carried state/);
    unused.dispose();
  });
});
