// Vanishing and exploding gradients, and what clipping does about them, on one long input.
// Four untrained recurrent layers read the same random sequence; the loss is the cross-entropy
// at the last step only, against the class the model finds least likely there (with an exploded
// state the softmax is otherwise so sure of its favourite that the gradient is exactly 0). For each, gradientFlow measures ‖∂L/∂h_k‖ at every step k, and we print
//   - the ratio ‖∂L/∂h_0‖ / ‖∂L/∂h_{T−1}‖: how much of the last step's gradient reaches the
//     first step (≪ 1 vanishing, ≫ 1 exploding);
//   - the global norm ‖∇θ L‖ of the parameter gradient, raw and after clipping at norm 5 as the
//     Trainer (`clip: { norm: 5 }`) would apply it.
// The cells:
//   - a tanh RNN with PyTorch's default initialisation: the gradient vanishes, by many orders of
//     magnitude over 60 steps;
//   - a ReLU RNN with identity initialisation (IRNN), its recurrent matrix multiplied by a gain
//     > 1 (1.2 here): the state and the gradient grow at every step — they explode;
//   - an LSTM (forget-gate bias 1) and a GRU (PyTorch's initialisation, update gate near 0.5):
//     in between — they keep more of the gradient than the tanh RNN without exploding.
// Clipping by global norm multiplies the whole gradient by one factor min(1, 5/‖g‖): it bounds
// the exploding ReLU RNN's update (‖∇θ L‖ from ~10⁷ to 5) but keeps the shape of every curve, so
// the ratio is the same and a vanished gradient stays vanished (factor 1: nothing to clip).
// `npx tsx examples/gradient-flow.ts [--length T] [--hidden H] [--gain G] [--clip N] [--seed N]`
import {
  Dense,
  GRU,
  LSTM,
  RNN,
  Rng,
  SequenceModel,
  gradientFlow,
  type Backend,
  type RecurrentLayer,
} from '../src/index.ts';
import { exampleBackend, isDirectRun, type ExampleOptions } from './util.ts';

/** The four cells compared. */
export type Cell = 'tanh RNN' | 'ReLU RNN (identity × gain)' | 'LSTM' | 'GRU';

/** Options of {@link run}. */
export interface GradientFlowExampleOptions extends ExampleOptions {
  /** Steps T of the input; default 60. */
  length?: number;
  /** Hidden units of every cell; default 32. */
  hidden?: number;
  /** The ReLU RNN's recurrent matrix is gain · identity; default 1.2 (> 1 explodes). */
  gain?: number;
  /** Global-norm clipping threshold; default 5. */
  clip?: number;
}

/** What one cell shows. */
export interface CellFlow {
  /** ‖∂L/∂h_k‖ for k = 0 … T−1, raw. */
  norms: number[];
  /** ‖∂L/∂h_0‖ / ‖∂L/∂h_{T−1}‖ (the same with and without clipping). */
  ratio: number;
  /** ‖∇θ L‖: global norm of the parameter gradient, raw. */
  gradNorm: number;
  /** The factor clipping multiplies every gradient by (1: nothing clipped). */
  clipFactor: number;
  /** ‖∇θ L‖ after clipping (≤ the threshold). */
  clippedGradNorm: number;
  /** ‖∂L/∂h_0‖ raw and after clipping. */
  first: { raw: number; clipped: number };
  /** ‖∂L/∂h_{T−1}‖ raw and after clipping. */
  last: { raw: number; clipped: number };
}

/** What {@link run} returns. */
export interface GradientFlowResult {
  /** Steps of the input. */
  length: number;
  /** The ReLU RNN's gain. */
  gain: number;
  /** The clipping threshold. */
  clip: number;
  /** Each cell's measurements. */
  cells: Record<Cell, CellFlow>;
}

const INPUTS = 8;
const CLASSES = 8;
const CELLS: Cell[] = ['tanh RNN', 'ReLU RNN (identity × gain)', 'LSTM', 'GRU'];

function makeLayer(cell: Cell, hidden: number, gain: number, seed: number, backend: Backend): RecurrentLayer {
  const base = { inputSize: INPUTS, hiddenSize: hidden, seed, backend };
  switch (cell) {
    case 'tanh RNN':
      return new RNN(base);
    case 'ReLU RNN (identity × gain)': {
      const layer = new RNN({
        ...base,
        nonlinearity: 'relu',
        init: { weightHh: 'identity', weightIh: 'glorot', bias: 'zeros' },
      });
      layer.loadStateDict({ weight_hh_l0: layer.stateDict().weight_hh_l0.map((w) => w * gain) }, false);
      return layer;
    }
    case 'LSTM':
      return new LSTM({ ...base, init: { forgetBias: 1 } });
    case 'GRU':
      return new GRU(base);
  }
}

/** Measures the four cells on the same input; logs a table when given `log`. */
export async function run(options: GradientFlowExampleOptions = {}): Promise<GradientFlowResult> {
  const { length = 60, hidden = 32, gain = 1.2, clip = 5, seed = 1, log = () => {} } = options;
  const backend = await exampleBackend(options);
  const rng = new Rng(seed);
  const input = Float32Array.from({ length: length * INPUTS }, () => rng.normal()); // (T, 1, 8)
  const cells = {} as Record<Cell, CellFlow>;
  for (const cell of CELLS) {
    const model = new SequenceModel({
      layers: [makeLayer(cell, hidden, gain, seed, backend), new Dense(hidden, CLASSES, { seed: seed + 1, backend })],
    });
    try {
      const logits = model.predict(input, { seqLen: length, batch: 1 }).subarray((length - 1) * CLASSES);
      const target = logits.indexOf(Math.min(...logits));
      const flow = gradientFlow(model, input, { seqLen: length, batch: 1, target: [target], clip: { norm: clip } });
      const { norms, clipped = [] } = flow.layers[0];
      const T = norms.length;
      cells[cell] = {
        norms,
        ratio: norms[0] / norms[T - 1],
        gradNorm: flow.gradNorm,
        clipFactor: flow.clip!.factor,
        clippedGradNorm: flow.clip!.gradNorm,
        first: { raw: norms[0], clipped: clipped[0] },
        last: { raw: norms[T - 1], clipped: clipped[T - 1] },
      };
    } finally {
      model.dispose();
    }
  }
  const e = (v: number): string => v.toExponential(1);
  log(
    `the same random input of ${length} steps (${INPUTS} features), hidden ${hidden}, loss at the last step; ReLU RNN gain ${gain}; clip at global norm ${clip}`,
  );
  log(
    `${'cell'.padEnd(28)}${'‖∂L/∂h_0‖ / ‖∂L/∂h_T−1‖'.padEnd(26)}${`‖∇θ L‖ raw → clip ${clip}`.padEnd(30)}‖∂L/∂h_0‖ raw → clip ${clip}`,
  );
  for (const cell of CELLS) {
    const c = cells[cell];
    const word =
      c.ratio <= 1e-3
        ? 'vanishing'
        : c.ratio >= 1e3
          ? 'exploding'
          : c.ratio < 0.1
            ? 'decaying'
            : c.ratio > 10
              ? 'growing'
              : 'flowing';
    const label =
      cell === 'ReLU RNN (identity × gain)'
        ? `ReLU RNN (identity × ${gain})`
        : cell === 'LSTM'
          ? 'LSTM (forget bias 1)'
          : cell;
    log(
      `${label.padEnd(28)}${`${e(c.ratio)}  ${word}`.padEnd(26)}${`${e(c.gradNorm)} → ${e(c.clippedGradNorm)} (×${e(c.clipFactor)})`.padEnd(30)}${e(c.first.raw)} → ${e(c.first.clipped)}`,
    );
  }
  return { length, gain, clip, cells };
}

/** Reads `--length`, `--hidden`, `--gain`, `--clip` and `--seed` from the command line. */
function commandLine(): GradientFlowExampleOptions {
  const options: GradientFlowExampleOptions = { log: (line) => console.log(line) };
  for (let i = 2; i < process.argv.length; i += 2) {
    const key = process.argv[i].replace(/^--/, '');
    const value = Number(process.argv[i + 1]);
    if (!['length', 'hidden', 'gain', 'clip', 'seed'].includes(key) || !Number.isFinite(value) || value <= 0) {
      throw new Error(
        `unknown option ${process.argv[i]} ${process.argv[i + 1] ?? ''} (expected --length T, --hidden H, --gain G, --clip N, --seed N, each a positive number)`,
      );
    }
    (options as Record<string, unknown>)[key] = value;
  }
  return options;
}

if (isDirectRun(import.meta.url)) {
  await run(commandLine());
}
