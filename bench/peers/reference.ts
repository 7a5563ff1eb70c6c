/**
 * What every peer must reproduce: for each workload of bench/workloads.ts, the same input data
 * (same seeds), strand's parameters (as PyTorch-layout state dicts) and strand's result on that
 * input — the LSTM output for W1 / W2, the logits and loss of the first training step for W3–W5 — computed
 * with strand's WebAssembly backend. Units, value conversions and FLOP counts are taken from the
 * strand workload itself, so peer rows are directly comparable with strand's.
 */
import {
  Dense,
  GRU,
  LSTM,
  RNN,
  SequenceModel,
  Trainer,
  type Backend,
  type RecurrentLayer,
  type StateDict,
} from '../../src/index.ts';
import { WORKLOADS, noise, trainingData } from '../workloads.ts';

/** Unit, value conversion and FLOPs of one repetition, as strand's workload reports them. */
export interface Reporting {
  id: string;
  unit: string;
  value: (ms: number) => number;
  flops: number;
  higherIsBetter: boolean;
}

/** An LSTM inference workload (W1, W2) and strand's answer. */
export interface InferenceCase extends Reporting {
  kind: 'inference';
  T: number;
  B: number;
  I: number;
  H: number;
  /** Input (T, B, I). */
  x: Float32Array;
  /** LSTM parameters by PyTorch name. */
  lstm: StateDict;
  /** strand's output (T, B, H). */
  output: Float32Array;
}

/** Settings of a recurrent + dense + softmax cross-entropy training step. */
export interface TrainingSpec {
  cell: 'lstm' | 'gru' | 'rnn';
  T: number;
  B: number;
  I: number;
  H: number;
  V: number;
  optimizer: 'adam' | 'adagrad';
  /** GRU form (strand's default is true). */
  resetAfter?: boolean;
  /** RNN non-linearity (default tanh). */
  nonlinearity?: 'tanh' | 'relu';
  /** Input features (T, B, I). */
  input: Float32Array;
  /** Class per row (T·B). */
  target: Int32Array;
}

/** A training workload (W3–W5) and strand's answer. */
export interface TrainingCase extends Reporting, TrainingSpec {
  kind: 'training';
  /** Recurrent parameters before the step, by PyTorch name. */
  recurrent: StateDict;
  /** Dense head parameters before the step (`weight` (V, H), `bias` (V)). */
  dense: StateDict;
  /** strand's mean cross-entropy of the first step (before the update). */
  loss: number;
  /** strand's logits of the first step (before the update), (T, B, V). */
  logits: Float32Array;
}

/** Learning rates of strand's training workloads. */
export const LEARNING_RATE = { adam: 1e-3, adagrad: 0.1 } as const;

/**
 * Builds strand's model for `spec` exactly as bench/workloads.ts does (recurrent seed 1, dense
 * seed 2), takes its parameters and logits, runs one `Trainer.step` and returns the loss of that step.
 */
export function strandTrainingReference(
  backend: Backend,
  spec: TrainingSpec,
): { recurrent: StateDict; dense: StateDict; loss: number; logits: Float32Array } {
  const { cell, I, H, V } = spec;
  const recurrent: RecurrentLayer =
    cell === 'lstm'
      ? new LSTM({ inputSize: I, hiddenSize: H, seed: 1, backend })
      : cell === 'gru'
        ? new GRU({ inputSize: I, hiddenSize: H, seed: 1, backend, resetAfter: spec.resetAfter ?? true })
        : new RNN({ inputSize: I, hiddenSize: H, seed: 1, backend, nonlinearity: spec.nonlinearity ?? 'tanh' });
  const head = new Dense(H, V, { seed: 2, backend });
  const model = new SequenceModel({ layers: [recurrent, head], output: 'softmax' });
  const trainer = new Trainer(model, {
    optimizer:
      spec.optimizer === 'adam'
        ? { type: 'adam', lr: LEARNING_RATE.adam }
        : { type: 'adagrad', lr: LEARNING_RATE.adagrad },
  });
  try {
    const before = {
      recurrent: recurrent.stateDict(),
      dense: head.stateDict(),
      logits: model.predict(spec.input, { seqLen: spec.T, batch: spec.B }),
    };
    const { loss } = trainer.step({ input: spec.input, target: spec.target, seqLen: spec.T, batch: spec.B });
    return { ...before, loss };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

/** Reporting fields of strand's own workload `id` (its unit, value conversion and FLOPs). */
function reporting(backend: Backend, id: string): Reporting {
  const w = WORKLOADS.find((x) => x.id === id);
  if (!w) throw new Error(`bench/workloads.ts has no workload ${id}`);
  const prepared = w.prepare(backend);
  prepared.dispose();
  return { id, unit: prepared.unit, value: prepared.value, flops: prepared.flops, higherIsBetter: w.higherIsBetter };
}

function inferenceCase(backend: Backend, id: string, T: number, B: number, I: number, H: number): InferenceCase {
  const lstm = new LSTM({ inputSize: I, hiddenSize: H, seed: 1, backend });
  try {
    const x = noise(T * B * I, 2);
    const { output } = lstm.forward(x, { seqLen: T, batch: B });
    return { kind: 'inference', ...reporting(backend, id), T, B, I, H, x, lstm: lstm.stateDict(), output };
  } finally {
    lstm.dispose();
  }
}

function trainingCase(
  backend: Backend,
  id: string,
  spec: Omit<TrainingSpec, 'input' | 'target'>,
  oneHot: boolean,
): TrainingCase {
  const full: TrainingSpec = { ...spec, ...trainingData(spec.T, spec.B, spec.I, spec.V, oneHot) };
  return { kind: 'training', ...reporting(backend, id), ...full, ...strandTrainingReference(backend, full) };
}

/** A workload as the peers see it. */
export type PeerCase = InferenceCase | TrainingCase;

/**
 * The cases of W1–W5 with strand's answers. W4 is computed with strand's GRU in its
 * `resetAfter: false` form, the only one TF.js 4.22 and brain.js implement; the FLOPs and the
 * shapes are those of strand's W4 (whose default GRU is reset-after).
 */
export function peerCases(backend: Backend, only: string[] | null): PeerCase[] {
  const want = (id: string) => !only || only.includes(id);
  const cases: PeerCase[] = [];
  if (want('W1')) cases.push(inferenceCase(backend, 'W1', 100, 1, 64, 256));
  if (want('W2')) cases.push(inferenceCase(backend, 'W2', 50, 32, 128, 256));
  if (want('W3'))
    cases.push(
      trainingCase(backend, 'W3', { cell: 'lstm', T: 50, B: 32, I: 128, H: 256, V: 65, optimizer: 'adam' }, false),
    );
  if (want('W4'))
    cases.push(
      trainingCase(
        backend,
        'W4',
        { cell: 'gru', T: 50, B: 32, I: 128, H: 256, V: 65, optimizer: 'adam', resetAfter: false },
        false,
      ),
    );
  if (want('W5'))
    cases.push(
      trainingCase(backend, 'W5', { cell: 'rnn', T: 25, B: 1, I: 65, H: 100, V: 65, optimizer: 'adagrad' }, true),
    );
  return cases;
}
