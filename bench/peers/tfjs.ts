/**
 * TensorFlow.js peers (`cpu` backend and `@tensorflow/tfjs-backend-wasm`): Keras-style layers
 * (`lstm`, `gru`, `simpleRNN` with `recurrentActivation: 'sigmoid'`) holding strand's weights.
 * W1 / W2 run the layer on the whole sequence and read the output back; W3–W5 run one training
 * step — `tf.variableGrads` of the mean softmax cross-entropy of a dense head at every step, then
 * an Adam / Adagrad update — and read the loss back.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { kerasDenseWeights, kerasRecurrentWeights } from './convert.ts';
import { checkLoss, checkOutputs, medianMs, timed, type PeerTiming } from './measure.ts';
import { LEARNING_RATE, type InferenceCase, type PeerCase, type TrainingCase } from './reference.ts';

/** The two TF.js backends compared. */
export type TfjsBackend = 'cpu' | 'wasm';

let wasmPathsSet = false;

/** Selects a TF.js backend (prod mode: no debug checks, no "install tfjs-node" hint). */
async function useBackend(name: TfjsBackend): Promise<void> {
  tf.enableProdMode();
  if (name === 'wasm' && !wasmPathsSet) {
    // the .wasm files sit next to the package's entry point
    const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
    setWasmPaths(entry.slice(0, entry.lastIndexOf('/') + 1));
    wasmPathsSet = true;
  }
  if (!(await tf.setBackend(name))) throw new Error(`TF.js backend '${name}' failed to initialise`);
  await tf.ready();
}

/** Describes the active backend for the rows' notes. */
async function backendNote(name: TfjsBackend): Promise<string> {
  if (name === 'cpu') return 'TF.js cpu backend';
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `TF.js wasm backend${simd ? ' (SIMD' : ' (no SIMD'}${threads ? ', threads available)' : ', 1 thread)'}`;
}

/** (T, B, F) time-major → (B, T, F) batch-major, as Keras layers take sequences. */
function batchMajor(x: ArrayLike<number>, T: number, B: number, F: number): Float32Array {
  const out = new Float32Array(T * B * F);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      for (let f = 0; f < F; f++) out[(b * T + t) * F + f] = x[(t * B + b) * F + f];
    }
  }
  return out;
}

/** A recurrent Keras layer with zero initialisers (weights are loaded afterwards). */
function recurrentLayer(
  cell: 'lstm' | 'gru' | 'rnn',
  H: number,
  nonlinearity: 'tanh' | 'relu' = 'tanh',
): tf.layers.Layer {
  const common = {
    units: H,
    returnSequences: true,
    kernelInitializer: 'zeros',
    recurrentInitializer: 'zeros',
    biasInitializer: 'zeros',
  } as const;
  if (cell === 'lstm') return tf.layers.lstm({ ...common, recurrentActivation: 'sigmoid', unitForgetBias: false });
  if (cell === 'gru') return tf.layers.gru({ ...common, recurrentActivation: 'sigmoid' }); // reset-before, the only form TF.js 4.22 has
  return tf.layers.simpleRNN({ ...common, activation: nonlinearity });
}

/** Loads float32 arrays into a built layer, with the shapes of its current weights. */
function loadWeights(layer: tf.layers.Layer, values: Float32Array[]): void {
  const current = layer.getWeights();
  if (current.length !== values.length)
    throw new Error(`TF.js layer ${layer.name} has ${current.length} weights, received ${values.length}`);
  const tensors = values.map((v, i) => tf.tensor(v, current[i].shape));
  layer.setWeights(tensors);
  tf.dispose(tensors);
}

async function inference(c: InferenceCase, quick: boolean, note: string): Promise<PeerTiming> {
  const { T, B, I, H } = c;
  const layer = recurrentLayer('lstm', H);
  tf.tidy(() => {
    layer.apply(tf.zeros([B, T, I]));
  }); // builds the cell
  loadWeights(
    layer,
    kerasRecurrentWeights(
      { cell: 'lstm', inputSize: I, hiddenSize: H, numLayers: 1, bidirectional: false, bias: true },
      c.lstm,
    ),
  );
  const x = tf.tensor(batchMajor(c.x, T, B, I), [B, T, I]);
  const run = (): Float32Array => {
    const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
    const out = y.dataSync() as Float32Array;
    y.dispose();
    return out;
  };
  try {
    const first = await timed(run);
    const check = checkOutputs('tfjs', c.id, first.result, batchMajor(c.output, T, B, H)); // compared in Keras's (B, T, H) order
    return { ...(await medianMs(run, { quick, firstMs: first.ms })), note: `${note}; ${check}` };
  } finally {
    x.dispose();
    layer.dispose();
  }
}

async function training(c: TrainingCase, quick: boolean, note: string): Promise<PeerTiming> {
  const { T, B, I, H, V } = c;
  const rnn = recurrentLayer(c.cell, H, c.nonlinearity);
  const dense = tf.layers.dense({ units: V, kernelInitializer: 'zeros', biasInitializer: 'zeros' });
  tf.tidy(() => {
    dense.apply(rnn.apply(tf.zeros([B, T, I])));
  });
  const spec = {
    cell: c.cell,
    inputSize: I,
    hiddenSize: H,
    numLayers: 1,
    bidirectional: false,
    bias: true,
    nonlinearity: c.nonlinearity,
    resetAfter: c.resetAfter,
  };
  loadWeights(rnn, kerasRecurrentWeights(spec, c.recurrent));
  loadWeights(dense, kerasDenseWeights(c.dense, H, V));
  const x = tf.tensor(batchMajor(c.input, T, B, I), [B, T, I]);
  const labels = tf.tidy(() =>
    tf
      .oneHot(tf.tensor1d(batchMajor(c.target, T, B, 1), 'int32'), V)
      .reshape([B, T, V])
      .toFloat(),
  );
  const vars = [...rnn.trainableWeights, ...dense.trainableWeights].map((w) => w.read() as tf.Variable);
  // PyTorch's settings, as strand's optimizers: Adam eps 1e-8; Adagrad starts its accumulator at
  // (almost) zero — TF.js requires a positive initial value.
  const optimizer =
    c.optimizer === 'adam'
      ? tf.train.adam(LEARNING_RATE.adam, 0.9, 0.999, 1e-8)
      : tf.train.adagrad(LEARNING_RATE.adagrad, 1e-10);
  let keptLogits: tf.Tensor | null = null;
  let keepLogits = true; // the first (check) step keeps its logits for the comparison
  const step = (): number => {
    const { value, grads } = tf.variableGrads(() => {
      const logits = dense.apply(rnn.apply(x)) as tf.Tensor;
      if (keepLogits) keptLogits = tf.keep(logits);
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar; // mean over the B·T rows
    }, vars);
    optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]); // TF.js types say variables; it reads the gradients by name
    const loss = value.dataSync()[0];
    value.dispose();
    tf.dispose(Object.values(grads));
    return loss;
  };
  try {
    const first = await timed(step);
    keepLogits = false;
    const logits = (keptLogits as tf.Tensor | null)?.dataSync();
    (keptLogits as tf.Tensor | null)?.dispose();
    if (!logits) throw new Error('TF.js: the check step kept no logits');
    const check = `${checkOutputs('tfjs', c.id, logits, batchMajor(c.logits, T, B, V), 'logits')}, ${checkLoss('tfjs', c.id, first.result, c.loss)}`;
    return { ...(await medianMs(step, { quick, firstMs: first.ms })), note: `${note}; ${check}` };
  } finally {
    optimizer.dispose();
    x.dispose();
    labels.dispose();
    rnn.dispose();
    dense.dispose();
  }
}

/**
 * Times workload `c` on TF.js backend `name` after checking that it computes strand's function.
 * Throws if the check fails.
 */
export async function runTfjs(name: TfjsBackend, c: PeerCase, quick: boolean): Promise<PeerTiming> {
  await useBackend(name);
  let note = await backendNote(name);
  if (c.kind === 'training' && c.cell === 'gru')
    note += '; GRU reset-before (TF.js has no reset-after), checked against strand resetAfter: false';
  const before = tf.memory().numTensors;
  const result = c.kind === 'inference' ? await inference(c, quick, note) : await training(c, quick, note);
  const leaked = tf.memory().numTensors - before;
  if (leaked > 0)
    throw new Error(`TF.js ${name} ${c.id}: ${leaked} tensors leaked (the timings would include growing memory)`);
  return result;
}
