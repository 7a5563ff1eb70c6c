/**
 * brain.js 1.6.1 peer: its recurrent GRU and RNN in the closest configuration it allows.
 *
 * brain.js's recurrent nets are character models: each step reads a token id, looks its row up in
 * an input matrix (an embedding, `inputRange + 1` rows of `inputSize`), runs the hidden layers and a
 * dense output layer with softmax, and is trained on the next token (cross-entropy); a sequence of
 * n tokens is n + 1 steps (a start token 0 first, an end token 0 as the last target). It has no
 * batching: `trainPattern` runs one sequence forward, backward and an RMSprop update.
 *
 * So each workload is expressed as: strand's shapes (T, I, H, V) with the input rows given by the
 * embedding (dense noise vectors for W4, one-hot rows for W5), and next-token targets. strand
 * computes the same function (same weights, same embedded inputs and targets) and the first step's
 * logits and loss must agree before anything is timed.
 *
 * What brain.js cannot express:
 * - its LSTM (dist/recurrent/lstm.js) has no cell state — the forget gate multiplies the previous
 *   hidden state (`multiplyElement(forgetGate, previousResult)`) — so it is not an LSTM in
 *   strand's (or PyTorch's) sense and W1–W3 cannot be compared;
 * - its GRU is the reset-before form (strand `resetAfter: false`);
 * - its RNN cell is relu, not tanh (strand `nonlinearity: 'relu'` for the check);
 * - its optimizer is RMSprop (decay 0.999, clip 5, weight decay 1e-6), not Adam / Adagrad.
 */
import { createRequire } from 'node:module';
import type { Backend } from '../../src/index.ts';
import { noise } from '../workloads.ts';
import { brainGruLayer, brainRnnLayer } from './convert.ts';
import { checkLoss, checkOutputs, medianMs, timed, type PeerTiming } from './measure.ts';
import { strandTrainingReference, type PeerCase } from './reference.ts';

/** The parts of a brain.js 1.6.1 recurrent matrix used here. */
interface BrainMatrix {
  rows: number;
  columns: number;
  weights: Float32Array;
}

/** The parts of a brain.js 1.6.1 recurrent net used here. */
interface BrainRecurrentNet {
  initialize(): void;
  model: {
    input: BrainMatrix;
    hiddenLayers: Array<Record<string, BrainMatrix>>;
    outputConnector: BrainMatrix;
    output: BrainMatrix;
    /** One per step; the product of a step's last state is its logits. */
    equations: Array<{ states: Array<{ product: BrainMatrix }> }>;
  };
  trainPattern(input: number[], logErrorRate: boolean): number;
}

type BrainNetClass = new (options: Record<string, unknown>) => BrainRecurrentNet;

const brain = createRequire(import.meta.url)('brain.js') as { recurrent: { GRU: BrainNetClass; RNN: BrainNetClass } };

/** Why brain.js has no row for a workload. */
export const BRAIN_SKIPS: Record<string, string> = {
  W1: "brain.js 1.6.1's LSTM has no cell state (forget gate × previous hidden state): not the same function",
  W2: "brain.js 1.6.1's LSTM has no cell state (forget gate × previous hidden state): not the same function",
  W3: "brain.js 1.6.1's LSTM has no cell state (forget gate × previous hidden state): not the same function",
};

/** RMSprop learning rate: brain.js's default 0.01 diverges on a repeated sequence, 1e-4 trains. */
const BRAIN_LEARNING_RATE = 1e-4;

function setMatrix(m: BrainMatrix, values: Float32Array, what: string): void {
  if (m.weights.length !== values.length)
    throw new Error(`brain.js ${what}: ${m.rows}×${m.columns} matrix, received ${values.length} values`);
  m.weights.set(values);
}

/**
 * Times workload `c` (W4 or W5) on brain.js, after checking its first step's logits and loss
 * against strand's on the same embedded inputs and targets. Throws if the check fails or the workload has no
 * brain.js form (see {@link BRAIN_SKIPS}).
 */
export async function runBrain(backend: Backend, c: PeerCase, quick: boolean): Promise<PeerTiming> {
  if (c.kind !== 'training' || c.cell === 'lstm')
    throw new Error(`brain.js: ${BRAIN_SKIPS[c.id] ?? `cannot express ${c.id}`}`);
  const { T, I, H, V, B } = c;
  // tokens 1..V−1 in the middle (brain.js adds 1 to each input value), 0 = start / end
  const values = Array.from(noise(T - 1, 7), (u) => Math.floor((u + 1) * 0.5 * (V - 1)) % (V - 1));
  const source = [0, ...values.map((v) => v + 1)];
  const target = Int32Array.from([...values.map((v) => v + 1), 0]);
  // the embedding: dense noise rows (W4) or one-hot rows (W5, the one-hot input of min-char-rnn)
  const embedding = c.cell === 'rnn' ? new Float32Array(V * I) : noise(V * I, 5);
  if (c.cell === 'rnn') for (let k = 0; k < V; k++) embedding[k * I + k] = 1;
  const input = new Float32Array(T * I);
  source.forEach((s, t) => input.set(embedding.subarray(s * I, (s + 1) * I), t * I));
  const ref = strandTrainingReference(backend, {
    cell: c.cell,
    T,
    B: 1,
    I,
    H,
    V,
    optimizer: c.optimizer,
    resetAfter: false,
    nonlinearity: 'relu',
    input,
    target,
  });

  const options = {
    inputSize: I,
    inputRange: V - 1,
    hiddenLayers: [H],
    outputSize: V - 1,
    learningRate: BRAIN_LEARNING_RATE,
  };
  const net = c.cell === 'gru' ? new brain.recurrent.GRU(options) : new brain.recurrent.RNN(options);
  net.initialize();
  const layer = c.cell === 'gru' ? brainGruLayer(ref.recurrent, I, H) : brainRnnLayer(ref.recurrent);
  for (const [name, values] of Object.entries(layer)) setMatrix(net.model.hiddenLayers[0][name], values, name);
  setMatrix(net.model.input, embedding, 'input');
  setMatrix(net.model.outputConnector, ref.dense.weight, 'outputConnector');
  setMatrix(net.model.output, ref.dense.bias, 'output');

  // trainPattern returns 2^(Σ −log2 p / (n − 1)) / 100 for n tokens (n + 1 steps): undo it
  const step = () => net.trainPattern(values, true);
  const first = await timed(step);
  const meanLoss = (Math.log2(first.result * 100) * (values.length - 1) * Math.LN2) / T;
  // the logits of each step stay in its equation's last product (backpropagation writes only deltas)
  const logits = new Float32Array(T * V);
  for (let t = 0; t < T; t++) logits.set(net.model.equations[t].states.at(-1)!.product.weights, t * V);
  const check = `${checkOutputs('brain.js', c.id, logits, ref.logits, 'logits')}, ${checkLoss('brain.js', c.id, meanLoss, ref.loss)}`;
  const median = await medianMs(step, { quick, firstMs: first.ms });
  const form = c.cell === 'gru' ? 'GRU reset-before' : 'RNN relu';
  const batching = B > 1 ? `; no batching: one sequence per trainPattern (own update), time × ${B}` : '';
  return {
    ms: median.ms * B,
    runs: median.runs,
    note: `brain.js ${form}, embedded inputs, next-token targets, RMSprop${batching}; ${check}`,
  };
}
