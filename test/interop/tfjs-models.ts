// TF.js models for the importTfjs tests: built and run in TF.js itself (cpu backend), saved as
// model.json + one weight shard the way `model.save()` writes them, with seeded random weights
// (biases included, so that a swapped gate or a dropped bias changes the outputs).
import type { SequenceModel } from '../../src/nn/model.ts';
import { randomArray } from '../helpers/backends.ts';
import { tf } from '../reference/tfjs-stack.ts';

export { initTfjs, tf } from '../reference/tfjs-stack.ts';

/** A manifest entry, as model.json holds it. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

/** model.json as `tf.io.browserFiles` / `tfjs.converters.save_keras_model` write it. */
export interface ModelJson {
  format: string;
  generatedBy: string;
  modelTopology: Record<string, unknown>;
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
}

/** A saved model: model.json and its one weight shard. */
export interface Saved {
  json: ModelJson;
  data: Uint8Array;
}

/** Sets every weight of `model` to seeded uniform values in [−scale, scale). */
export function randomize(model: tf.LayersModel, seed: number, scale = 0.8): void {
  const ws = model.getWeights().map((w, i) => tf.tensor(randomArray(w.size, seed + 17 * i, -scale, scale), w.shape));
  model.setWeights(ws);
  tf.dispose(ws);
}

/** Saves `model` in memory as model.json and its weight bytes. */
export async function save(model: tf.LayersModel): Promise<Saved> {
  let saved: Saved | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = a.weightData as ArrayBuffer;
      saved = {
        json: {
          format: 'layers-model',
          generatedBy: String(a.generatedBy),
          modelTopology: a.modelTopology as Record<string, unknown>,
          weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: (a.weightSpecs ?? []) as WeightSpec[] }],
        },
        data: new Uint8Array(data.slice(0)),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (saved === undefined) throw new Error('the save handler was not called');
  return saved;
}

/** Loads model.json + weights into TF.js itself (the oracle); throws what TF.js throws. */
export async function loadInTfjs(json: ModelJson, data: Uint8Array): Promise<tf.LayersModel> {
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
      weightData: data.slice().buffer,
    }),
  );
}

/** TF.js's prediction on a batch-major input of `shape`, as a flat array. */
export function predictTfjs(model: tf.LayersModel, input: ArrayLike<number>, shape: number[]): Float32Array {
  return tf.tidy(() => {
    const y = model.predict(tf.tensor(Array.from(input), shape)) as tf.Tensor;
    return Float32Array.from(y.dataSync());
  });
}

/** (A, B, F) row-major → (B, A, F): batch-major to time-major and back. */
export function swap01(x: ArrayLike<number>, A: number, B: number, F: number): Float32Array {
  const out = new Float32Array(A * B * F);
  for (let a = 0; a < A; a++)
    for (let b = 0; b < B; b++) for (let f = 0; f < F; f++) out[(b * A + a) * F + f] = x[(a * B + b) * F + f];
  return out;
}

/** The probabilities of rows of logits: softmax over each row of `width`, or the logistic of each value. */
export function activate(logits: Float32Array, output: string, width: number): Float32Array {
  if (output === 'linear') return logits;
  if (output === 'sigmoid') return logits.map((z) => 1 / (1 + Math.exp(-z)));
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length; r += width) {
    const row = logits.subarray(r, r + width);
    const top = Math.max(...row);
    let sum = 0;
    for (let j = 0; j < width; j++) sum += Math.exp(row[j] - top);
    for (let j = 0; j < width; j++) out[r + j] = Math.exp(row[j] - top) / sum;
  }
  return out;
}

/** Seeded token ids in [0, V), batch-major (B, T). */
export function ids(B: number, T: number, V: number, seed: number): Int32Array {
  return Int32Array.from(randomArray(B * T, seed, 0, V), Math.floor);
}

/**
 * strand's outputs on a batch-major input (B, T, F) as TF.js gives them: the input made
 * time-major, the outputs activated and, when the head runs at every step, made batch-major.
 */
export function strandPredict(
  model: SequenceModel,
  x: ArrayLike<number>,
  T: number,
  B: number,
  F: number,
  lengths?: number[],
): Float32Array {
  const xs = swap01(x, B, T, F);
  const raw = model.predict(model.embedding ? Int32Array.from(xs) : xs, { seqLen: T, batch: B, lengths });
  const O = model.outputSize;
  const y = activate(raw, model.output, O);
  return model.head.at === 'every' ? swap01(y, T, B, O) : y;
}
