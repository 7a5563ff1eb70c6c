// The wasm files of build/: the published builds (WASM_BUILDS and the threaded files, which the
// package ships) export none of the test-only and bench-only names (`*_ref`, `exp_lanes`,
// `ceiling_4x8`, `peak_12`); the reference builds, which the tests and benchmarks load, export
// exactly the published names plus those; and a reference build's kernels compute the bits of the
// published build it mirrors, so that tests run on it speak for the published file.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { THREADED_BUILD_FILES } from '../../src/backend/threads.ts';
import { createWasmBackend, WASM_BUILDS } from '../../src/backend/wasm.ts';
import { GRU, LSTM, RNN } from '../../src/index.ts';
import { randomArray } from '../helpers/backends.ts';
import { builtModule, REFERENCE_BUILD, REFERENCE_ONLY_EXPORT, REFERENCE_RELAXED_BUILD } from '../helpers/builds.ts';
import { enableRelaxedSimd } from '../helpers/relaxed.ts';

/** Every wasm file the package ships. */
const PUBLISHED = [...WASM_BUILDS.map((b) => b.file), ...Object.values(THREADED_BUILD_FILES)];

/** Each reference build, beside the published build whose kernels it carries. */
const MIRRORS = [
  { reference: REFERENCE_BUILD, published: 'strand-simd.wasm', flavor: 'simd' },
  { reference: REFERENCE_RELAXED_BUILD, published: 'strand-relaxed.wasm', flavor: 'relaxed' },
] as const;

/** The export names of a file of build/. */
const exportNames = async (file: string): Promise<string[]> =>
  WebAssembly.Module.exports(await builtModule(file)).map((e) => e.name);

beforeAll(async () => {
  // the relaxed files compile only with relaxed SIMD on (a V8 flag in Node 20)
  if (!(await enableRelaxedSimd())) throw new Error('this engine does not support WebAssembly relaxed SIMD');
});

describe('published builds', () => {
  it.each(PUBLISHED)('%s exports the kernels and no `_ref`, exp_lanes, ceiling_4x8 or peak_12', async (file) => {
    const names = await exportNames(file);
    expect(names).toContain('gemm_packed'); // the list is really the module's
    expect(names).toContain('lstm_forward');
    expect(names.filter((n) => REFERENCE_ONLY_EXPORT.test(n))).toEqual([]);
  });
});

describe('reference builds (tests and benchmarks only)', () => {
  it('are not among the files the package ships', () => {
    for (const { reference } of MIRRORS) expect(PUBLISHED).not.toContain(reference);
  });

  it.each(MIRRORS)('$reference exports what $published exports, plus the reference-only names', async (m) => {
    const reference = await exportNames(m.reference);
    const published = await exportNames(m.published);
    expect([...reference].sort()).toEqual(
      [...published, ...reference.filter((n) => REFERENCE_ONLY_EXPORT.test(n))].sort(),
    );
    for (const name of ['gemm_nn_ref', 'lstm_gates_forward_ref', 'gru_gates_backward_ref', 'tanh_ref'])
      expect(reference).toContain(name);
    for (const name of ['exp_lanes', 'ceiling_4x8', 'peak_12']) expect(reference).toContain(name);
  });
});

describe("a reference build's kernels compute the published build's bits", () => {
  it.each(MIRRORS)('$reference and $published: LSTM, GRU and RNN outputs and gradients, bit for bit', async (m) => {
    const backends: Backend[] = [
      await createWasmBackend(await builtModule(m.reference), m.flavor),
      await createWasmBackend(await builtModule(m.published), m.flavor),
    ];
    const T = 7,
      B = 5,
      I = 11,
      H = 12;
    const x = randomArray(T * B * I, 21);
    for (const kind of ['lstm', 'gru', 'rnn'] as const) {
      const [ref, pub] = backends.map((backend) => {
        const layer =
          kind === 'lstm'
            ? new LSTM(I, H, { seed: 3, backend, numLayers: 2, bidirectional: true })
            : kind === 'gru'
              ? new GRU(I, H, { seed: 3, backend })
              : new RNN(I, H, { seed: 3, backend });
        const out = layer.forward(x, { seqLen: T, batch: B });
        const grads = layer.backward({ output: randomArray(out.output.length, 22) });
        const bits = (a: Float32Array) => Array.from(new Uint32Array(Float32Array.from(a).buffer));
        const result = {
          y: bits(out.output),
          dx: bits(grads.input),
          g: Object.values(layer.gradDict()).flatMap((g) => bits(g)),
        };
        layer.dispose();
        return result;
      });
      expect(pub, kind).toEqual(ref);
    }
  });
});
