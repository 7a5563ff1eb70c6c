// Layer and cell API: PyTorch names and shapes, seeded initialisers, explicit cell state, and
// the equivalence of stepping a cell with running the layer over a sequence.
import { beforeAll, describe, expect, it } from 'vitest';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell, RecurrentState, init, manualSeed } from '../../src/index.ts';
import { maxErrors, randomArray } from '../helpers/backends.ts';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

describe('parameters', () => {
  it('use PyTorch state_dict names and shapes', () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 1 });
    expect(lstm.parameterShapes()).toEqual({
      weight_ih_l0: [16, 3],
      weight_hh_l0: [16, 4],
      bias_ih_l0: [16],
      bias_hh_l0: [16],
      weight_ih_l0_reverse: [16, 3],
      weight_hh_l0_reverse: [16, 4],
      bias_ih_l0_reverse: [16],
      bias_hh_l0_reverse: [16],
      weight_ih_l1: [16, 8],
      weight_hh_l1: [16, 4],
      bias_ih_l1: [16],
      bias_hh_l1: [16],
      weight_ih_l1_reverse: [16, 8],
      weight_hh_l1_reverse: [16, 4],
      bias_ih_l1_reverse: [16],
      bias_hh_l1_reverse: [16],
    });
    expect(lstm.parameterCount()).toBe(2 * (16 * 3 + 16 * 4 + 32) + 2 * (16 * 8 + 16 * 4 + 32));
    const gru = new GRU({ inputSize: 5, hiddenSize: 2, bias: false, seed: 1 });
    expect(gru.parameterShapes()).toEqual({ weight_ih_l0: [6, 5], weight_hh_l0: [6, 2] });
    const cell = new RNNCell(3, 6, { seed: 1 });
    expect(Object.keys(cell.stateDict())).toEqual(['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']);
    for (const o of [lstm, gru, cell]) o.dispose();
  });

  it('initialise like PyTorch by default, reproducibly from a seed', () => {
    const a = new GRU({ inputSize: 7, hiddenSize: 9, seed: 42 });
    const b = new GRU({ inputSize: 7, hiddenSize: 9, seed: 42 });
    const c = new GRU({ inputSize: 7, hiddenSize: 9, seed: 43 });
    expect(a.stateDict()).toEqual(b.stateDict());
    expect(a.stateDict().weight_hh_l0).not.toEqual(c.stateDict().weight_hh_l0);
    const bound = 1 / Math.sqrt(9);
    for (const v of Object.values(a.stateDict())) {
      for (const x of v) expect(Math.abs(x)).toBeLessThanOrEqual(bound);
      // spread over the whole range, not stuck at 0
      expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(bound * 0.7);
    }
    manualSeed(7);
    const d = new LSTM(3, 4);
    manualSeed(7);
    const e = new LSTM(3, 4);
    expect(d.stateDict()).toEqual(e.stateDict());
    for (const o of [a, b, c, d, e]) o.dispose();
  });

  it('offer identity, orthogonal, glorot and forget-bias initialisation', () => {
    const irnn = new RNN({
      inputSize: 3,
      hiddenSize: 5,
      nonlinearity: 'relu',
      init: { weightHh: 'identity', bias: 'zeros' },
      seed: 1,
    });
    const whh = irnn.stateDict().weight_hh_l0;
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(whh[i * 5 + j]).toBe(i === j ? 1 : 0);
    expect(irnn.stateDict().bias_ih_l0.every((v) => v === 0)).toBe(true);

    const lstm = new LSTM({
      inputSize: 4,
      hiddenSize: 6,
      init: { weightHh: 'orthogonal', weightIh: 'glorot', forgetBias: 1 },
      seed: 2,
    });
    const sd = lstm.stateDict();
    for (let g = 0; g < 4; g++) {
      // each (H, H) gate block Q satisfies Q·Qᵀ = I
      for (let i = 0; i < 6; i++) {
        for (let j = 0; j < 6; j++) {
          let dot = 0;
          for (let k = 0; k < 6; k++)
            dot += sd.weight_hh_l0[(g * 6 + i) * 6 + k] * sd.weight_hh_l0[(g * 6 + j) * 6 + k];
          expect(dot).toBeCloseTo(i === j ? 1 : 0, 5);
        }
      }
    }
    const limit = Math.sqrt(6 / (24 + 4));
    expect(Math.max(...sd.weight_ih_l0.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...sd.weight_ih_l0.map(Math.abs))).toBeGreaterThan(1 / Math.sqrt(6));
    expect(Array.from(sd.bias_ih_l0.subarray(6, 12))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(sd.bias_hh_l0.subarray(6, 12))).toEqual([0, 0, 0, 0, 0, 0]);
    irnn.dispose();
    lstm.dispose();
  });
});

describe('cells', () => {
  it('stepping a cell T times equals running the one-layer sequence', () => {
    const T = 5,
      B = 3,
      I = 4,
      H = 6;
    for (const [cell, layer] of [
      [new LSTMCell(I, H, { seed: 9 }), new LSTM(I, H, { seed: 1 })],
      [new GRUCell(I, H, { seed: 9, resetAfter: false }), new GRU(I, H, { seed: 1, resetAfter: false })],
      [new RNNCell(I, H, { seed: 9, nonlinearity: 'relu' }), new RNN(I, H, { seed: 1, nonlinearity: 'relu' })],
    ] as const) {
      const sd = cell.stateDict();
      layer.loadStateDict(Object.fromEntries(Object.entries(sd).map(([k, v]) => [`${k}_l0`, v])));
      const x = randomArray(T * B * I, 3);
      const h0 = randomArray(B * H, 4);
      const c0 = randomArray(B * H, 5);
      const isLstm = cell instanceof LSTMCell;
      const seq = layer.forward(x, { seqLen: T, batch: B, h0, c0: isLstm ? c0 : undefined });
      let state = new RecurrentState(B, H, isLstm, h0, isLstm ? c0 : undefined);
      for (let t = 0; t < T; t++) {
        state = cell.step(x.subarray(t * B * I, (t + 1) * B * I), state);
        expect(maxErrors(state.h, seq.output.subarray(t * B * H, (t + 1) * B * H)).abs).toBeLessThan(1e-6);
      }
      expect(maxErrors(state.h, seq.h).abs).toBeLessThan(1e-6);
      if (isLstm) expect(maxErrors(state.c!, seq.c!).abs).toBeLessThan(1e-6);
      cell.dispose();
      layer.dispose();
    }
  });

  it('state objects copy, reset and round-trip through JSON', () => {
    const cell = new LSTMCell(2, 3, { seed: 1 });
    const s1 = cell.step([0.5, -1, 0.25, 2], cell.zeroState(2));
    const copy = s1.clone();
    expect(copy.h).toEqual(s1.h);
    expect(copy.h).not.toBe(s1.h);
    const again = RecurrentState.fromJSON(JSON.parse(JSON.stringify(s1)));
    expect(again.h).toEqual(s1.h);
    expect(again.c).toEqual(s1.c);
    copy.reset(1);
    expect(Array.from(copy.h.subarray(3))).toEqual([0, 0, 0]);
    expect(copy.h.subarray(0, 3)).toEqual(s1.h.subarray(0, 3));
    copy.reset();
    expect(copy.c!.every((v) => v === 0)).toBe(true);
    expect(s1.h.some((v) => v !== 0)).toBe(true);
    expect(() => copy.reset(2)).toThrow(/index must be an integer in \[0, 2\), received 2/);
    cell.dispose();
  });
});
