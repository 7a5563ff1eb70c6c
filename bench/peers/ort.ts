/**
 * onnxruntime-web peer (its WebAssembly backend, one thread) for the inference workloads W1 and
 * W2: an ONNX model with one `LSTM` node holding strand's weights, generated here (onnx.ts).
 */
import * as ort from 'onnxruntime-web';
import { onnxLstmWeights } from './convert.ts';
import { checkOutputs, medianMs, timed, type PeerTiming } from './measure.ts';
import { lstmOnnxModel } from './onnx.ts';
import type { PeerCase } from './reference.ts';

/** Why onnxruntime-web has no row for the training workloads. */
export const ORT_SKIPS: Record<string, string> = {
  W3: 'compared on inference only (W1, W2): onnxruntime-web 1.30 ships no training API',
  W4: 'compared on inference only (W1, W2): onnxruntime-web 1.30 ships no training API',
  W5: 'compared on inference only (W1, W2): onnxruntime-web 1.30 ships no training API',
};

/**
 * Times workload `c` (W1 or W2) on onnxruntime-web, after checking its output against strand's.
 * Throws if the check fails or `c` is a training workload.
 */
export async function runOrt(c: PeerCase, quick: boolean): Promise<PeerTiming> {
  if (c.kind !== 'inference') throw new Error(`onnxruntime-web: ${ORT_SKIPS[c.id] ?? `cannot run ${c.id}`}`);
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const { T, B, I, H } = c;
  const model = lstmOnnxModel({ T, B, I, H }, onnxLstmWeights(c.lstm, I, H));
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const feeds = { X: new ort.Tensor('float32', c.x, [T, B, I]) };
  const run = async (): Promise<Float32Array> => {
    const { Y } = await session.run(feeds);
    const data = Y.data as Float32Array;
    Y.dispose();
    return data;
  };
  try {
    const first = await timed(run);
    const check = checkOutputs('onnxruntime-web', c.id, first.result, c.output); // Y (T, 1, B, H) = (T, B, H)
    const median = await medianMs(run, { quick, firstMs: first.ms, async: true });
    return {
      ...median,
      note: `onnxruntime-web ${ort.env.versions.web} wasm, 1 thread, LSTM node from strand's weights; ${check}`,
    };
  } finally {
    await session.release();
  }
}
