// The fixed benchmark workloads W1–W5 (defined in docs/performance.md), for one strand backend. Each workload
// builds its model once and returns the function that tinybench times, plus how to turn a
// median time into the workload's unit.
import {
  Dense,
  GRU,
  LSTM,
  LSTMCell,
  RNN,
  SequenceModel,
  Trainer,
  type Backend,
  type RecurrentLayer,
} from '../src/index.ts';

/** A workload ready to time. */
export interface PreparedWorkload {
  /** One repetition (one sequence, one batch or one training step). */
  run: () => void;
  /** Converts a median time in ms into the reported value. */
  value: (ms: number) => number;
  /** Unit of `value`. */
  unit: string;
  /** Floating-point operations of one repetition (for GFLOP/s), or 0. */
  flops: number;
  /** Frees the workload's memory. */
  dispose: () => void;
  /** Training workloads: the heap's peak over the runs so far against what training must hold. */
  memory?: () => MemoryReport;
}

/** Peak heap use of a training workload against the memory its algorithm cannot do without. */
export interface MemoryReport {
  /** Most bytes live at once since the workload was prepared (its own blocks only). */
  peakBytes: number;
  /** Parameters + gradients + optimizer state + the activations BPTT keeps from forward to backward. */
  requiredBytes: number;
  /** The parts of `requiredBytes`, in words. */
  breakdown: string;
}

/** A workload definition. */
export interface Workload {
  id: string;
  title: string;
  /** Whether larger values are better (throughput) or smaller (latency). */
  higherIsBetter: boolean;
  prepare: (backend: Backend) => PreparedWorkload;
}

/** Seeded uniform [-1, 1) values. */
export function noise(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** The input and targets of strand's training workloads. */
export function trainingData(
  T: number,
  B: number,
  I: number,
  V: number,
  oneHot: boolean,
): { input: Float32Array; target: Int32Array } {
  const target = Int32Array.from(noise(T * B, 3), (u) => Math.floor((u + 1) * 0.5 * V) % V);
  let input: Float32Array;
  if (oneHot) {
    input = new Float32Array(T * B * I);
    for (let r = 0; r < T * B; r++) input[r * I + ((r * 7) % I)] = 1;
  } else {
    input = noise(T * B * I, 4);
  }
  return { input, target };
}

/** FLOPs of one LSTM / GRU / RNN forward over T·B rows (the GEMMs; gate math is lower order). */
export function recurrentForwardFlops(gatesPerUnit: number, T: number, B: number, I: number, H: number): number {
  return 2 * T * B * (I + H) * gatesPerUnit * H;
}

/**
 * FLOPs of the GEMMs one training step of a recurrent layer runs: the forward, then the backward's
 * weight gradients dW_ih and dW_hh (the forward's FLOPs again) and the dh carry through W_hh (its
 * recurrent half once more). No input gradient: the features come from data, so strand (like
 * PyTorch and TensorFlow.js) does not compute one.
 */
export function recurrentTrainingFlops(gatesPerUnit: number, T: number, B: number, I: number, H: number): number {
  return 2 * recurrentForwardFlops(gatesPerUnit, T, B, I, H) + 2 * T * B * H * gatesPerUnit * H;
}

function inference(
  id: string,
  title: string,
  T: number,
  B: number,
  I: number,
  H: number,
  perSequence: boolean,
): Workload {
  return {
    id,
    title,
    higherIsBetter: !perSequence,
    prepare: (backend) => {
      const lstm = new LSTM({ inputSize: I, hiddenSize: H, seed: 1, backend });
      const x = noise(T * B * I, 2);
      return {
        run: () => void lstm.forward(x, { seqLen: T, batch: B }),
        value: perSequence ? (ms) => ms : (ms) => (T * B) / (ms / 1000),
        unit: perSequence ? 'ms/sequence' : 'steps·batch/s',
        flops: recurrentForwardFlops(4, T, B, I, H),
        dispose: () => lstm.dispose(),
      };
    },
  };
}

function trainingStep(
  id: string,
  title: string,
  cell: 'lstm' | 'gru' | 'rnn',
  T: number,
  B: number,
  I: number,
  H: number,
  V: number,
  optimizer: 'adam' | 'adagrad',
  oneHot: boolean,
): Workload {
  return {
    id,
    title,
    higherIsBetter: cell === 'rnn',
    prepare: (backend) => {
      const baseBytes = backend.heap.stats().bytesInUse;
      backend.heap.resetPeak();
      const recurrent: RecurrentLayer =
        cell === 'lstm'
          ? new LSTM({ inputSize: I, hiddenSize: H, seed: 1, backend })
          : cell === 'gru'
            ? new GRU({ inputSize: I, hiddenSize: H, seed: 1, backend })
            : new RNN({ inputSize: I, hiddenSize: H, seed: 1, backend });
      const model = new SequenceModel({
        layers: [recurrent, new Dense(H, V, { seed: 2, backend })],
        output: 'softmax',
      });
      const trainer = new Trainer(model, {
        optimizer: optimizer === 'adam' ? { type: 'adam', lr: 1e-3 } : { type: 'adagrad', lr: 0.1 },
      });
      const { input, target } = trainingData(T, B, I, V, oneHot);
      const G = cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
      const headFlops = 2 * T * B * H * V;
      return {
        run: () => void trainer.step({ input, target, seqLen: T, batch: B }),
        value: cell === 'rnn' ? (ms) => 1000 / ms : (ms) => ms,
        unit: cell === 'rnn' ? 'steps/s' : 'ms/step',
        // the recurrent layer's GEMMs, and the head's three (forward, dx, dW)
        flops: recurrentTrainingFlops(G, T, B, I, H) + 3 * headFlops,
        memory: () => {
          const params = Object.values(model.stateDict()).reduce((n, p) => n + p.length, 0);
          const optimizerState = (optimizer === 'adam' ? 2 : 1) * params;
          // kept from forward to backward: the input, the recurrent layer's saved activations
          // (activated gates, state sequences, outputs) and the head's probabilities
          const inputs = oneHot ? T * B : T * B * I;
          const recurrentSaved =
            cell === 'lstm'
              ? T * B * 4 * H + 2 * (T + 1) * B * H + T * B * H
              : cell === 'gru'
                ? T * B * 3 * H + T * B * H + (T + 1) * B * H + T * B * H
                : (T + 1) * B * H + T * B * H;
          const head = T * B * V;
          const floats = 2 * params + optimizerState + inputs + recurrentSaved + head;
          return {
            peakBytes: backend.heap.stats().peakBytes - baseBytes,
            requiredBytes: 4 * floats,
            breakdown: `parameters and gradients ${2 * params}, optimizer state ${optimizerState}, input ${inputs}, recurrent activations ${recurrentSaved}, head probabilities ${head} floats`,
          };
        },
        dispose: () => {
          trainer.dispose();
          model.dispose();
        },
      };
    },
  };
}

/**
 * S1, beside W1–W5: streaming inference, one LSTMCell step at a time with the
 * state carried (what generation, beam search and an edge function answering token by token run):
 * µs per step over 100 steps. Each call is one step, so per-call costs (packing the weights,
 * crossing into wasm, copying the state) count here, not only the arithmetic.
 */
function streamingStep(id: string, title: string, I: number, H: number): Workload {
  const steps = 100;
  return {
    id,
    title,
    higherIsBetter: false,
    prepare: (backend) => {
      const cell = new LSTMCell(I, H, { seed: 1, backend });
      const x = noise(I, 5);
      return {
        run: () => {
          let state = cell.zeroState();
          for (let s = 0; s < steps; s++) state = cell.step(x, state);
        },
        value: (ms) => (ms * 1000) / steps,
        unit: 'µs/step',
        flops: recurrentForwardFlops(4, steps, 1, I, H),
        dispose: () => cell.dispose(),
      };
    },
  };
}

/** W1–W5 (docs/performance.md), and the streaming step S1. */
export const WORKLOADS: Workload[] = [
  inference('W1', 'LSTM inference, B 1, T 100, I 64, H 256', 100, 1, 64, 256, true),
  inference('W2', 'LSTM inference, B 32, T 50, I 128, H 256', 50, 32, 128, 256, false),
  trainingStep(
    'W3',
    'LSTM training step, B 32, T 50, I 128, H 256, dense 65, softmax CE, Adam',
    'lstm',
    50,
    32,
    128,
    256,
    65,
    'adam',
    false,
  ),
  trainingStep(
    'W4',
    'GRU training step, B 32, T 50, I 128, H 256, dense 65, softmax CE, Adam',
    'gru',
    50,
    32,
    128,
    256,
    65,
    'adam',
    false,
  ),
  trainingStep(
    'W5',
    'vanilla RNN training step, B 1, T 25, one-hot V 65, H 100, Adagrad',
    'rnn',
    25,
    1,
    65,
    100,
    65,
    'adagrad',
    true,
  ),
  streamingStep('S1', 'LSTM streaming, one LSTMCell step at a time, B 1, I 64, H 256', 64, 256),
];
