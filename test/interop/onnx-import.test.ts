// importOnnx on the fixtures make_onnx.py writes: torch.onnx.export of LSTM / GRU / RNN models
// (one layer, two bidirectional layers, relu, feature input, LSTM then GRU) and variants of them,
// compared with torch's outputs (or numpy's, following the ONNX operator definitions), with and
// without lengths; the architecture read; and every refusal naming what strand cannot express.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, type SequenceModel } from '../../src/index.ts';
import { InteropError, importOnnx } from '../../src/interop/index.ts';
import { expectClose } from '../helpers/close.ts';

const DIR = 'test/fixtures/interop/onnx/';

interface Reference {
  input: number[];
  T: number;
  B: number;
  lengths: number[];
  output: number[];
  outputWithLengths?: number[];
  layers?: Array<Record<string, unknown>>;
  kind?: string;
  h0?: number[];
  c0?: number[];
  outputFromState?: number[];
  refuse?: string;
}

const REFERENCE: Record<string, Reference> = JSON.parse(readFileSync(`${DIR}reference.json`, 'utf8'));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(`${DIR}${name}.onnx`));
const imports = Object.keys(REFERENCE).filter((name) => REFERENCE[name].refuse === undefined);
const refusals = Object.keys(REFERENCE).filter((name) => REFERENCE[name].refuse !== undefined);

/** The error `f` throws (failing the test when it throws none). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

describe('importOnnx: the fixtures against their reference outputs', () => {
  it('covers the cells, stacks, heads and variants', () => {
    expect(imports.length).toBe(21);
    expect(refusals.length).toBe(11);
  });

  it.each(imports)('%s', (name) => {
    const ref = REFERENCE[name];
    const model = importOnnx(fixture(name));
    try {
      const shape = { seqLen: ref.T, batch: ref.B };
      expectClose(model.predict(ref.input, shape), ref.output, `${name} output`);
      if (ref.outputWithLengths)
        expectClose(
          model.predict(ref.input, { ...shape, lengths: ref.lengths }),
          ref.outputWithLengths,
          `${name} output with lengths`,
        );
      expect(model.output).toBe(ref.kind ?? 'linear');
      if (ref.layers) expect(model.config().layers).toEqual(ref.layers);
    } finally {
      model.dispose();
    }
  });
});

describe('importOnnx: the architecture read from the graph', () => {
  const layers = (name: string): Array<Record<string, unknown>> => {
    const model = importOnnx(fixture(name));
    const config = model.config().layers as unknown as Array<Record<string, unknown>>;
    model.dispose();
    return config;
  };

  it('folds stacked nodes of one cell into numLayers, and keeps different cells apart', () => {
    expect(layers('features_lstm_2').map((c) => [c.type, c.numLayers, c.inputSize])).toEqual([
      ['lstm', 2, 4],
      ['dense', undefined, undefined],
    ]);
    expect(layers('lstm_gru').map((c) => [c.type, c.numLayers, c.hiddenSize])).toEqual([
      ['embedding', undefined, undefined],
      ['lstm', 1, 6],
      ['gru', 1, 8],
      ['dense', undefined, undefined],
    ]);
  });

  it('reads linear_before_reset as resetAfter and an RNN activation as nonlinearity', () => {
    expect(layers('gru_1')[1].resetAfter).toBe(true);
    expect(layers('gru_1_reset_before')[1].resetAfter).toBe(false);
    expect(layers('rnn_relu_2bi')[1].nonlinearity).toBe('relu');
    expect(layers('rnn_2bi')[1].nonlinearity).toBe('tanh');
  });

  it('gives a node without B zero biases, and a Gemm or MatMul head its bias', () => {
    const model = importOnnx(fixture('rnn_1_no_bias'));
    const dict = model.stateDict();
    model.dispose();
    expect([...dict['1.bias_ih_l0'], ...dict['1.bias_hh_l0']].every((v) => v === 0)).toBe(true);
    expect(dict['1.weight_ih_l0'].some((v) => v !== 0)).toBe(true);
    expect(layers('gemm_transb1')[2].bias).toBe(true);
  });

  it('reads float16 and bfloat16 weights as the float32 values they hold', () => {
    const exact = importOnnx(fixture('tiny_lstm'));
    const want = exact.stateDict();
    exact.dispose();
    for (const name of ['tiny_lstm_float16', 'tiny_lstm_bfloat16']) {
      const model = importOnnx(fixture(name));
      const got = model.stateDict();
      model.dispose();
      for (const key of Object.keys(want)) expect(got[key], `${name} ${key}`).toEqual(want[key]);
    }
  });
});

describe('importOnnx: graph inputs beside the tokens', () => {
  it('a sequence_lens input is predict’s lengths', () => {
    const ref = REFERENCE.lstm_2bi_seqlens;
    const model = importOnnx(fixture('lstm_2bi_seqlens'));
    const got = model.predict(ref.input, { seqLen: ref.T, batch: ref.B, lengths: ref.lengths });
    model.dispose();
    expectClose(got, ref.outputWithLengths ?? [], 'with lengths');
  });

  it('initial_h / initial_c inputs are set through restoreState and a stateful predict', () => {
    const ref = REFERENCE.lstm_1_state_inputs;
    const model: SequenceModel = importOnnx(fixture('lstm_1_state_inputs'));
    try {
      model.restoreState({ batch: ref.B, buffers: [Float32Array.from(ref.h0 ?? []), Float32Array.from(ref.c0 ?? [])] });
      const fromState = model.predict(ref.input, { seqLen: ref.T, batch: ref.B, stateful: true });
      expectClose(fromState, ref.outputFromState ?? [], 'from the given state');
      // without a state, from zeros: the plain output (and the given state made a difference)
      expectClose(model.predict(ref.input, { seqLen: ref.T, batch: ref.B }), ref.output, 'from zeros');
      expect(Math.max(...fromState.map((v, i) => Math.abs(v - ref.output[i])))).toBeGreaterThan(1e-3);
    } finally {
      model.dispose();
    }
  });
});

describe('importOnnx: refusals', () => {
  it.each(refusals)('%s', (name) => {
    const error = thrown(() => importOnnx(fixture(name)));
    expect(error).toBeInstanceOf(InteropError);
    expect((error as InteropError).format).toBe('onnx');
    expect(error.message).toContain(REFERENCE[name].refuse);
    expect((error as InteropError).field).toMatch(/^graph\.(node|initializer)\[\d+\]/);
  });

  it('the tiny graph the refusals change imports (each refusal is its one change)', () => {
    importOnnx(fixture('tiny_lstm')).dispose();
  });

  it('refuses a file above maxBytes before reading it, and a model above maxParameters before building it', () => {
    const bytes = fixture('lstm_1');
    const big = thrown(() => importOnnx(bytes, { maxBytes: bytes.length - 1 }));
    expect(big).toBeInstanceOf(InteropError);
    expect(big.message).toContain('maxBytes');
    importOnnx(bytes, { maxBytes: bytes.length }).dispose();
    // Embedding 11·5, LSTM 4·6·(5 + 6 + 2), Linear 7·6 + 7
    const parameters = 55 + 312 + 49;
    const many = thrown(() => importOnnx(bytes, { maxParameters: parameters - 1 }));
    expect(many).toBeInstanceOf(InteropError);
    expect(many.message).toContain(`found ${parameters}`);
    importOnnx(bytes, { maxParameters: parameters }).dispose();
  });

  it('checks its options and its input', () => {
    expect(thrown(() => importOnnx(fixture('lstm_1'), { maxbytes: 10 } as never)).message).toContain('maxbytes');
    expect(thrown(() => importOnnx([1, 2] as never))).toBeInstanceOf(TypeError);
  });
});
