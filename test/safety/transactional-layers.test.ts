// A rejected call leaves a layer or a cell exactly as before: its weights, its gradients and the
// saved activations of its last accepted forward. A layer's forward checks its inputs in staging
// buffers apart from the activations (see RecurrentRunner.stage), so the backward after a
// rejected forward is the accepted forward's own — bit for bit that of a twin that never saw the
// rejected call. Before, the rejected input was already copied over the saved one, and the next
// backward returned NaN (same shape) or gradients of a moved workspace (another shape).
import { describe, expect, it } from 'vitest';
import {
  GRU,
  GRUCell,
  LSTM,
  LSTMCell,
  RNN,
  RNNCell,
  type Backend,
  type ForwardOptions,
  type RecurrentLayer,
  type RecurrentCell,
  type RecurrentState,
} from '../../src/index.ts';
import { jsBackend, randomArray, wasmBackend } from '../helpers/backends.ts';

const T = 5;
const B = 2;
const I = 3;
const H = 4;

/** Whether two arrays hold the same float32 bits. */
function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(Float32Array.from(a).buffer);
  const y = new Uint32Array(Float32Array.from(b).buffer);
  return x.every((v, i) => v === y[i]);
}

function expectSameDicts(a: Record<string, Float32Array>, b: Record<string, Float32Array>, what: string): void {
  expect(Object.keys(a), what).toEqual(Object.keys(b));
  for (const k of Object.keys(a)) expect(sameBits(a[k], b[k]), `${what}: ${k}`).toBe(true);
}

function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

const LAYERS: Array<[string, (backend: Backend) => RecurrentLayer]> = [
  ['RNN', (backend) => new RNN({ inputSize: I, hiddenSize: H, seed: 1, backend })],
  ['LSTM', (backend) => new LSTM({ inputSize: I, hiddenSize: H, seed: 2, backend })],
  ['GRU', (backend) => new GRU({ inputSize: I, hiddenSize: H, seed: 3, backend })],
  [
    'LSTM 2 layers bidirectional',
    (backend) => new LSTM({ inputSize: I, hiddenSize: H, numLayers: 2, bidirectional: true, seed: 4, backend }),
  ],
  [
    'GRU reset-before, summed directions',
    (backend) =>
      new GRU({ inputSize: I, hiddenSize: H, bidirectional: true, merge: 'sum', resetAfter: false, seed: 5, backend }),
  ],
];

/** Calls rejected by the input checks: same shape as the accepted forward, and other shapes (a new layout). */
function rejectedForwards(layer: RecurrentLayer): Array<[string, () => unknown, string | RegExp]> {
  const state = layer.numLayers * layer.directions * B * H;
  const nan = (n: number, at: number, v = Number.NaN): Float32Array => {
    const a = randomArray(n, 50 + at);
    a[at] = v;
    return a;
  };
  const x = randomArray(T * B * I, 51);
  const opts: ForwardOptions = { seqLen: T, batch: B };
  const cases: Array<[string, () => unknown, string | RegExp]> = [
    [
      'NaN input, same shape',
      () => layer.forward(nan(T * B * I, 7), opts),
      'x must be finite (as float32), received NaN at index 7',
    ],
    [
      '1e39 (finite as a double, not as float32) at the end',
      () =>
        layer.forward(
          Array.from(x, (v, i) => (i === T * B * I - 1 ? 1e39 : v)),
          opts,
        ),
      'received 1e+39 at index 29',
    ],
    [
      'NaN input, longer',
      () => layer.forward(nan(3 * T * B * I, 80), { seqLen: 3 * T, batch: B }),
      'received NaN at index 80',
    ],
    [
      'NaN input, larger batch',
      () => layer.forward(nan(T * 40 * I, 500), { seqLen: T, batch: 40 }),
      'received NaN at index 500',
    ],
    ['NaN input, shorter', () => layer.forward(nan(2 * B * I, 0), { seqLen: 2, batch: B }), 'received NaN at index 0'],
    [
      'Infinity in h0',
      () => layer.forward(x, { ...opts, h0: nan(state, 3, Number.POSITIVE_INFINITY) }),
      'h0 must be finite (as float32), received Infinity at index 3',
    ],
    [
      'mask value 2',
      () => layer.forward(x, { ...opts, mask: Array.from({ length: T * B }, (_, i) => (i === T * B - 1 ? 2 : 1)) }),
      'mask must hold 0 (padding) or 1 (valid), received 2 at index 9',
    ],
    [
      'length beyond T',
      () => layer.forward(x, { ...opts, lengths: [T, T + 1] }),
      `lengths must be integers in [0, ${T}], received 6 at index 1`,
    ],
    [
      'h0 of another batch',
      () => layer.forward(x, { ...opts, h0: new Float32Array(state + 1) }),
      `received ${state + 1}`,
    ],
  ];
  if (layer.cell === 'lstm')
    cases.push([
      'NaN in c0',
      () => layer.forward(x, { ...opts, c0: nan(state, state - 1) }),
      `c0 must be finite (as float32), received NaN at index ${state - 1}`,
    ]);
  return cases;
}

for (const [backendName, make] of [
  ['wasm', wasmBackend],
  ['js', async () => jsBackend()],
] as const) {
  describe(`a rejected call leaves a layer as before (${backendName})`, () => {
    for (const [name, build] of LAYERS) {
      it(`${name}: weights, gradients and saved activations survive every rejected forward and backward`, async () => {
        const backend = await make();
        const layer = build(backend);
        const twin = build(backend); // same seed: identical, and never sees a rejected call
        const x = randomArray(T * B * I, 1);
        const h0 = randomArray(layer.numLayers * layer.directions * B * H, 2);
        const options: ForwardOptions = { seqLen: T, batch: B, h0, lengths: [T, T - 2] };
        if (layer.cell === 'lstm') options.c0 = randomArray(h0.length, 3);
        const out = layer.forward(x, options);
        expect(sameBits(twin.forward(x, options).output, out.output)).toBe(true);
        const weights = layer.stateDict();
        const grads = layer.gradDict();

        for (const [label, call, message] of rejectedForwards(layer)) {
          expect(call, label).toThrow(message);
          expectSameDicts(layer.stateDict(), weights, `weights after ${label}`);
          expectSameDicts(layer.gradDict(), grads, `gradients after ${label}`);
        }
        // a rejected backward (a non-finite or misshapen gradient) adds nothing to the gradients
        const dy = randomArray(T * B * layer.outputSize, 4);
        const bad = dy.slice();
        bad[11] = Number.NaN;
        expect(() => layer.backward({ output: bad })).toThrow(
          'output gradient must be finite (as float32), received NaN at index 11',
        );
        expect(() => layer.backward({ output: dy, h: new Float32Array(3) })).toThrow('h gradient must have');
        expectSameDicts(layer.gradDict(), grads, 'gradients after a rejected backward');

        // the backward is the accepted forward's: bit for bit the twin's
        const dh = randomArray(h0.length, 5);
        const got = layer.backward({ output: dy, h: dh });
        const want = twin.backward({ output: dy, h: dh });
        expect(allFinite(got.input) && allFinite(got.h0)).toBe(true);
        expect(sameBits(got.input, want.input), 'dL/dx').toBe(true);
        expect(sameBits(got.h0, want.h0), 'dL/dh0').toBe(true);
        if (want.c0) expect(sameBits(got.c0!, want.c0), 'dL/dc0').toBe(true);
        expectSameDicts(layer.gradDict(), twin.gradDict(), 'parameter gradients');
        // and the layer goes on as the twin does
        const x2 = randomArray(2 * T * B * I, 6);
        expect(sameBits(layer.forward(x2, { batch: B }).output, twin.forward(x2, { batch: B }).output)).toBe(true);
        layer.dispose();
        twin.dispose();
      });
    }

    it('a backward before any accepted forward says to call forward() first', async () => {
      const backend = await make();
      const layer = new LSTM({ inputSize: I, hiddenSize: H, seed: 9, backend });
      const nan = randomArray(T * B * I, 7);
      nan[0] = Number.NaN;
      expect(() => layer.forward(nan, { seqLen: T, batch: B })).toThrow('x must be finite');
      expect(() => layer.backward({ output: new Float32Array(T * B * H) })).toThrow(
        'LSTM.backward: call forward() first (backward uses its saved activations)',
      );
      layer.dispose();
    });
  });

  const CELLS: Array<[string, (backend: Backend) => RecurrentCell]> = [
    ['RNNCell', (backend) => new RNNCell(I, H, { seed: 11, backend })],
    ['LSTMCell', (backend) => new LSTMCell(I, H, { seed: 12, backend })],
    ['GRUCell', (backend) => new GRUCell(I, H, { seed: 13, backend })],
  ];

  describe(`a rejected step leaves a cell as before (${backendName})`, () => {
    for (const [name, build] of CELLS) {
      it(`${name}: states, weights, gradients and the last step's activations survive`, async () => {
        const backend = await make();
        const cell = build(backend);
        const twin = build(backend);
        const s0 = cell.zeroState(B);
        const s1 = cell.step(randomArray(B * I, 21), s0);
        const x = randomArray(B * I, 22);
        const s2 = cell.step(x, s1);
        const t2 = twin.step(x, twin.step(randomArray(B * I, 21), twin.zeroState(B)));
        expect(sameBits(s2.h, t2.h)).toBe(true);
        const kept = [s0, s1, s2].map((s) => s.clone());
        const weights = cell.stateDict();
        const grads = cell.gradDict();

        const nanX = randomArray(B * I, 23);
        nanX[1] = Number.NaN;
        const nanState = (s: RecurrentState): RecurrentState => {
          const bad = s.clone();
          bad.h[2] = Number.NaN;
          return bad;
        };
        const wide = cell.zeroState(7);
        const nanWide = randomArray(7 * I, 24);
        nanWide[20] = Number.NaN;
        const rejected: Array<[string, () => unknown, string]> = [
          [
            'NaN input',
            () => cell.step(nanX, s2),
            `${name}.forward: x must be finite (as float32), received NaN at index 1`,
          ],
          // the input is valid and new: before, it had replaced the saved one when h was rejected
          [
            'NaN state',
            () => cell.step(randomArray(B * I, 25), nanState(s2)),
            'h0 must be finite (as float32), received NaN at index 2',
          ],
          ['NaN input, more streams', () => cell.step(nanWide, wide), 'received NaN at index 20'],
          ['input of another batch', () => cell.step(randomArray(3 * I, 26), s2), 'x must have'],
        ];
        for (const [label, call, message] of rejected) {
          expect(call, label).toThrow(message);
          expectSameDicts(cell.stateDict(), weights, `weights after ${label}`);
          expectSameDicts(cell.gradDict(), grads, `gradients after ${label}`);
        }
        [s0, s1, s2].forEach((s, i) => {
          expect(sameBits(s.h, kept[i].h), `state ${i} h`).toBe(true);
          if (s.c) expect(sameBits(s.c, kept[i].c!), `state ${i} c`).toBe(true);
        });

        // backward goes through the last accepted step, as the twin's does
        const dh = randomArray(B * H, 27);
        const dc = name === 'LSTMCell' ? randomArray(B * H, 28) : undefined;
        const got = cell.backward({ h: dh, c: dc });
        const want = twin.backward({ h: dh, c: dc });
        expect(allFinite(got.input) && allFinite(got.h)).toBe(true);
        expect(sameBits(got.input, want.input), 'dL/dx').toBe(true);
        expect(sameBits(got.h, want.h), 'dL/dh').toBe(true);
        if (want.c) expect(sameBits(got.c!, want.c), 'dL/dc').toBe(true);
        expectSameDicts(cell.gradDict(), twin.gradDict(), 'parameter gradients');
        cell.dispose();
        twin.dispose();
      });
    }
  });
}
