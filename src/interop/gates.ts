/**
 * Gate orders and weight layouts between strand (which uses PyTorch's: LSTM gates i, f, g, o; GRU
 * r, z, n; weights (gates·H, inputs), row-major) and the other formats:
 *
 * | layout | LSTM | GRU | weights |
 * |---|---|---|---|
 * | `'onnx'` | i, o, f, c | z, r, h | (gates·H, inputs), as PyTorch |
 * | `'keras'` | i, f, c, o (PyTorch's) | z, r, h | transposed: (inputs, gates·H) |
 *
 * A vanilla RNN has one block, so only the Keras transpose applies to it.
 */
import type { CellType } from '../nn/recurrent.ts';

/** A foreign gate order: ONNX's or Keras's. */
export type GateLayout = 'onnx' | 'keras';

/** PyTorch gate block p sits at foreign block `ORDER[layout][cell][p]`. */
const FOREIGN_BLOCK_OF_TORCH: Readonly<Record<GateLayout, Readonly<Record<CellType, readonly number[]>>>> = {
  onnx: { lstm: [0, 2, 3, 1], gru: [1, 0, 2], rnn: [0] },
  keras: { lstm: [0, 1, 2, 3], gru: [1, 0, 2], rnn: [0] },
};

/** Gate blocks of a cell: 4 (LSTM), 3 (GRU), 1 (RNN). */
export function gateCount(cell: CellType): number {
  return cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
}

/**
 * Moves the gate blocks of a (gates·H, cols) row-major matrix (or a gates·H bias, cols = 1) from
 * PyTorch's order into `layout`'s (`toForeign`) or back. Returns a new array.
 */
export function reorderGates(
  m: ArrayLike<number>,
  cell: CellType,
  layout: GateLayout,
  H: number,
  cols: number,
  toForeign: boolean,
): Float32Array {
  const map = FOREIGN_BLOCK_OF_TORCH[layout][cell];
  const block = H * cols;
  if (m.length !== map.length * block)
    throw new RangeError(`reorderGates: ${m.length} values, expected ${map.length}·${H}·${cols}`);
  const out = new Float32Array(m.length);
  for (let p = 0; p < map.length; p++) {
    const [from, to] = toForeign ? [p, map[p]] : [map[p], p];
    for (let i = 0; i < block; i++) out[to * block + i] = m[from * block + i];
  }
  return out;
}

/** The transpose of a (rows, cols) row-major matrix: (cols, rows). */
export function transpose(m: ArrayLike<number>, rows: number, cols: number): Float32Array {
  if (m.length !== rows * cols) throw new RangeError(`transpose: ${m.length} values, expected ${rows}×${cols}`);
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}

/** A PyTorch-layout (gates·H, I) weight as a Keras kernel (I, gates·H) in Keras's gate order. */
export function toKerasKernel(w: ArrayLike<number>, cell: CellType, H: number, I: number): Float32Array {
  return transpose(reorderGates(w, cell, 'keras', H, I, true), gateCount(cell) * H, I);
}

/** A Keras kernel (I, gates·H) in Keras's gate order as a PyTorch-layout (gates·H, I) weight. */
export function fromKerasKernel(k: ArrayLike<number>, cell: CellType, H: number, I: number): Float32Array {
  return reorderGates(transpose(k, I, gateCount(cell) * H), cell, 'keras', H, I, false);
}
