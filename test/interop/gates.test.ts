// Gate orders between strand (PyTorch's: LSTM i,f,g,o; GRU r,z,n) and ONNX (i,o,f,c; z,r,h) and
// Keras (i,f,c,o; z,r,h; kernels transposed). Every block is filled with its own gate's number
// so a swapped block shows; the expected orders are written out from the formats' documentation.
import { describe, expect, it } from 'vitest';
import { fromKerasKernel, reorderGates, toKerasKernel, transpose } from '../../src/interop/gates.ts';

/** A (gates·H, cols) matrix whose block p holds 10·p + (index within the block)/100. */
function blocks(gates: number, H: number, cols: number): Float32Array {
  return Float32Array.from(
    { length: gates * H * cols },
    (_, i) => 10 * Math.floor(i / (H * cols)) + (i % (H * cols)) / 100,
  );
}

/** The gate number of each block of a (gates·H, cols) matrix built by {@link blocks}. */
function blockIds(m: Float32Array, gates: number, H: number, cols: number): number[] {
  return Array.from({ length: gates }, (_, b) => Math.round(m[b * H * cols] / 10));
}

describe('reorderGates', () => {
  it('puts PyTorch LSTM blocks i,f,g,o in ONNX order i,o,f,c', () => {
    const out = reorderGates(blocks(4, 2, 3), 'lstm', 'onnx', 2, 3, true);
    expect(blockIds(out, 4, 2, 3)).toEqual([0, 3, 1, 2]);
  });

  it('puts PyTorch GRU blocks r,z,n in ONNX and Keras order z,r,h', () => {
    for (const layout of ['onnx', 'keras'] as const)
      expect(blockIds(reorderGates(blocks(3, 2, 3), 'gru', layout, 2, 3, true), 3, 2, 3)).toEqual([1, 0, 2]);
  });

  it('keeps the LSTM order for Keras and the one RNN block everywhere', () => {
    expect(blockIds(reorderGates(blocks(4, 2, 1), 'lstm', 'keras', 2, 1, true), 4, 2, 1)).toEqual([0, 1, 2, 3]);
    expect(reorderGates(blocks(1, 2, 3), 'rnn', 'onnx', 2, 3, true)).toEqual(blocks(1, 2, 3));
  });

  it('keeps the values inside each block in place', () => {
    const out = reorderGates(blocks(4, 2, 3), 'lstm', 'onnx', 2, 3, true);
    expect(Array.from(out.subarray(6, 12))).toEqual(Array.from(blocks(4, 2, 3).subarray(18, 24)));
  });

  it('undoes itself in the other direction, for every cell and layout', () => {
    for (const [cell, gates] of [
      ['lstm', 4],
      ['gru', 3],
      ['rnn', 1],
    ] as const)
      for (const layout of ['onnx', 'keras'] as const) {
        const m = blocks(gates, 3, 2);
        expect(reorderGates(reorderGates(m, cell, layout, 3, 2, true), cell, layout, 3, 2, false)).toEqual(m);
      }
  });

  it('refuses a matrix of the wrong size', () => {
    expect(() => reorderGates(new Float32Array(10), 'lstm', 'onnx', 2, 1, true)).toThrow(/10 values, expected 4·2·1/);
  });
});

describe('Keras kernels', () => {
  it('transposes (rows, cols) to (cols, rows)', () => {
    expect(Array.from(transpose([1, 2, 3, 4, 5, 6], 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('writes a GRU weight (3H, I) as a kernel (I, 3H) with columns z, r, h', () => {
    const H = 2;
    const I = 3;
    const w = blocks(3, H, I);
    const k = toKerasKernel(w, 'gru', H, I);
    // kernel[c, kb·H + j] = W[p·H + j, c] with Keras block kb holding PyTorch gate p (z = 1, r = 0, h = 2)
    for (const [kb, p] of [
      [0, 1],
      [1, 0],
      [2, 2],
    ])
      for (let j = 0; j < H; j++)
        for (let c = 0; c < I; c++) expect(k[c * 3 * H + kb * H + j]).toBe(w[(p * H + j) * I + c]);
    expect(fromKerasKernel(k, 'gru', H, I)).toEqual(w);
  });
});
