/**
 * The one ONNX model the benchmark needs: a graph with a single `LSTM` node whose weights are
 * initializers, so onnxruntime can run strand's LSTM without Python or the onnx package. Written
 * with strand/interop's protobuf writer and ONNX graph builder.
 */
import { ONNX_FLOAT, OnnxGraph } from '../../src/interop/onnx-graph.ts';

export { ProtoWriter } from '../../src/interop/protobuf-writer.ts';

/** Weights of a one-layer, forward-only ONNX `LSTM` node (gate order i, o, f, c). */
export interface OnnxLstmWeights {
  /** W, (1, 4H, I). */
  W: Float32Array;
  /** R, (1, 4H, H). */
  R: Float32Array;
  /** B, (1, 8H): the input biases (Wb) then the recurrent biases (Rb). */
  B: Float32Array;
}

/**
 * Encodes an ONNX model (IR 8, opset 17) computing `Y = LSTM(X, W, R, B)` with X (T, B, I) and
 * Y (T, 1, B, H), the default activations (sigmoid, tanh, tanh), no peepholes and zero initial
 * state. The weights are initializers, so the only graph input is X.
 */
export function lstmOnnxModel(
  dims: { T: number; B: number; I: number; H: number },
  weights: OnnxLstmWeights,
): Uint8Array {
  const { T, B, I, H } = dims;
  const count = (name: string, values: Float32Array, n: number): Float32Array => {
    if (values.length !== n)
      throw new RangeError(`ONNX tensor ${name}: expected ${n} values, received ${values.length}`);
    return values;
  };
  const g = new OnnxGraph();
  g.io('X', ONNX_FLOAT, [T, B, I]);
  const W = g.initializer('W', [1, 4 * H, I], count('W', weights.W, 4 * H * I));
  const R = g.initializer('R', [1, 4 * H, H], count('R', weights.R, 4 * H * H));
  const bias = g.initializer('B', [1, 8 * H], count('B', weights.B, 8 * H));
  g.node('LSTM', ['X', W, R, bias], { hidden_size: H }, ['Y']);
  g.io('Y', ONNX_FLOAT, [T, 1, B, H], true);
  return g.encode('strand_lstm', 'strand-bench');
}
