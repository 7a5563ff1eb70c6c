// Bad input: a clear error naming the argument, what was expected and what arrived, and the
// object left usable with its parameters unchanged.
import { beforeAll, describe, expect, it } from 'vitest';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, init } from '../../src/index.ts';
import { randomArray } from '../helpers/backends.ts';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

describe('constructor options', () => {
  it('rejects bad sizes and unknown options by name', () => {
    expect(() => new LSTM({ inputSize: 0, hiddenSize: 4 })).toThrow(
      /LSTM: options\.inputSize must be an integer ≥ 1, received 0/,
    );
    expect(() => new LSTM({ inputSize: 3, hiddenSize: 2.5 })).toThrow(
      /options\.hiddenSize must be an integer ≥ 1, received 2\.5/,
    );
    expect(() => new GRU({ inputSize: 3, hiddenSize: 4, numLayers: -1 })).toThrow(/numLayers/);
    expect(() => new RNN({ inputSize: 3, hiddenSize: 4, nonlinearity: 'sigmoid' as 'relu' })).toThrow(
      /options\.nonlinearity must be 'tanh' or 'relu', received "sigmoid"/,
    );
    expect(() => new LSTM({ inputSize: 3, hiddenSize: 4, hidden: 3 } as never)).toThrow(
      /LSTM: unknown option options\.hidden; valid options: inputSize, hiddenSize, numLayers, bidirectional, bias, merge, init, seed, backend$/,
    );
    expect(() => new LSTM({ inputSize: 3, hiddenSize: 4, resetAfter: true } as never)).toThrow(
      /unknown option options\.resetAfter;/,
    );
    expect(() => new LSTM({ inputSize: 3, hiddenSize: 4, init: { weightHh: 'eye' as 'identity' } })).toThrow(
      /options\.init\.weightHh must be 'uniform', 'glorot', 'orthogonal', 'identity' or 'zeros', received "eye"/,
    );
    expect(() => new GRU({ inputSize: 3, hiddenSize: 4, init: { forgetBias: 1 } })).toThrow(
      /forgetBias applies to LSTM only/,
    );
    expect(() => new LSTM({ inputSize: 3, hiddenSize: 4, bidirectional: 'yes' as unknown as boolean })).toThrow(
      /options\.bidirectional must be true or false, received "yes"/,
    );
  });
});

describe('forward and backward inputs', () => {
  it('names the argument, the expected size and the received one; the layer stays usable', () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 1 });
    const x = randomArray(5 * 2 * 3, 1);
    const good = lstm.forward(x, { seqLen: 5, batch: 2 });
    const params = lstm.stateDict();

    expect(() => lstm.forward(x.subarray(1), { seqLen: 5, batch: 2 })).toThrow(
      /LSTM.forward: x must have seqLen·batch·inputSize = 5·2·3 = 30 values, received 29/,
    );
    expect(() => lstm.forward(x.subarray(1))).toThrow(/not a whole number/);
    expect(() => lstm.forward(x, { seqLen: 0 })).toThrow(
      /LSTM\.forward: options\.seqLen must be an integer ≥ 1, received 0/,
    );
    const withNaN = x.slice();
    withNaN[7] = NaN;
    expect(() => lstm.forward(withNaN, { seqLen: 5, batch: 2 })).toThrow(
      /x must be finite \(as float32\), received NaN at index 7/,
    );
    // finite as a double but not as float32, and a non-finite value in the last (scalar) tail
    expect(() =>
      lstm.forward(
        Array.from(x, (v, i) => (i === 4 ? 1e39 : v)),
        { seqLen: 5, batch: 2 },
      ),
    ).toThrow(/x must be finite \(as float32\), received 1e\+39 at index 4/);
    expect(() =>
      lstm.forward(
        Array.from(x, (v, i) => (i === 29 ? -Infinity : v)),
        { seqLen: 5, batch: 2 },
      ),
    ).toThrow(/x must be finite \(as float32\), received -Infinity at index 29/);
    expect(() => lstm.forward(x, { seqLen: 5, batch: 2, h0: new Float32Array(3) })).toThrow(
      /h0 must have numLayers·directions·batch·hiddenSize = 2·1·2·4 = 16 values, received 3/,
    );
    expect(() => lstm.forward(x, { seqLen: 5, batch: 2, c0: new Float32Array(16).fill(Infinity) })).toThrow(
      /c0 must be finite \(as float32\), received Infinity/,
    );
    expect(() => lstm.forward('abc' as never)).toThrow(/x must be a Float32Array/);
    expect(() => lstm.backward({ output: new Float32Array(3) })).toThrow(
      /output gradient must have seqLen·batch·outputSize = 5·2·4 = 40 values, received 3/,
    );
    expect(() => lstm.backward({ output: new Float32Array(40).fill(1).fill(NaN, 38, 39) })).toThrow(
      /output gradient must be finite \(as float32\), received NaN at index 38/,
    );
    expect(() => lstm.backward({ h: new Float32Array(16).fill(-Infinity) })).toThrow(
      /h gradient must be finite \(as float32\), received -Infinity at index 0/,
    );

    // still usable, parameters unchanged, same result as before the errors
    expect(lstm.stateDict()).toEqual(params);
    expect(lstm.forward(x, { seqLen: 5, batch: 2 }).output).toEqual(good.output);
    lstm.dispose();
  });

  it('backward before forward, c0 on a GRU, a wrong state on a cell', () => {
    const gru = new GRU({ inputSize: 3, hiddenSize: 4, seed: 2 });
    expect(() => gru.backward({ output: new Float32Array(4) })).toThrow(/GRU.backward: call forward\(\) first/);
    expect(() => gru.forward(randomArray(6, 1), { c0: new Float32Array(4) })).toThrow(/c0 applies to LSTM only/);
    gru.dispose();

    const cell = new LSTMCell(3, 4, { seed: 3 });
    const gcell = new GRUCell(3, 4, { seed: 3 });
    expect(() => cell.step(randomArray(3, 1), gcell.zeroState())).toThrow(
      /LSTMCell.step: state must have hiddenSize 4 and a cell state c/,
    );
    expect(() => cell.step(randomArray(2, 1), cell.zeroState())).toThrow(
      /x must have seqLen·batch·inputSize = 1·1·3 = 3 values, received 2/,
    );
    expect(() => cell.step(randomArray(3, 1), {} as never)).toThrow(/state must be a RecurrentState/);
    // a state edited by hand to hold a non-finite value is refused, and the step after still works
    const stepped = cell.step(randomArray(3, 1), cell.zeroState());
    const spoiled = stepped.clone();
    spoiled.c![2] = Number.NaN;
    expect(() => cell.step(randomArray(3, 2), spoiled)).toThrow(
      /LSTMCell.forward: c0 must be finite \(as float32\), received NaN at index 2/,
    );
    spoiled.c![2] = 0;
    spoiled.h[1] = Infinity;
    expect(() => cell.step(randomArray(3, 2), spoiled)).toThrow(
      /h0 must be finite \(as float32\), received Infinity at index 1/,
    );
    const next = cell.step(randomArray(3, 2), stepped);
    expect(next.h.every(Number.isFinite) && next.h.some((v) => v !== 0)).toBe(true);
    expect(next.c!.length).toBe(4);
    cell.dispose();
    gcell.dispose();
  });
});

describe('loadStateDict', () => {
  it('rejects unknown, missing, mis-shaped and non-finite entries and changes nothing', () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, bidirectional: true, seed: 5 });
    const before = lstm.stateDict();
    const bad = { ...before, weight_ih_l1: new Float32Array(48) };
    expect(() => lstm.loadStateDict(bad)).toThrow(
      /LSTM.loadStateDict: unexpected parameter 'weight_ih_l1'; expected one of weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, weight_ih_l0_reverse/,
    );
    const { bias_hh_l0_reverse: _dropped, ...partial } = before;
    expect(() => lstm.loadStateDict({ ...partial, weight_ih_l0: new Float32Array(48).fill(9) })).toThrow(
      /missing parameters bias_hh_l0_reverse/,
    );
    expect(() => lstm.loadStateDict({ ...before, weight_hh_l0: new Float32Array(15) })).toThrow(
      /parameter 'weight_hh_l0' must have shape \[16, 4\] \(64 values\), received 15 values/,
    );
    const nan = before.bias_ih_l0.slice();
    nan[2] = NaN;
    expect(() => lstm.loadStateDict({ ...before, bias_ih_l0: nan })).toThrow(
      /'bias_ih_l0' must be finite \(as float32\), received NaN at index 2/,
    );
    expect(lstm.stateDict()).toEqual(before);

    // a subset with strict = false
    const w = new Float32Array(48).fill(0.25);
    lstm.loadStateDict({ weight_ih_l0: w }, false);
    expect(lstm.stateDict().weight_ih_l0).toEqual(w);
    expect(lstm.stateDict().weight_hh_l0).toEqual(before.weight_hh_l0);
    lstm.dispose();
  });
});
