// `strand gradflow`: the vanishing (and exploding) gradients of the course, drawn in the
// terminal — ‖∂L_T/∂h_k‖ against the distance from the last step, for a trained model or for
// a tanh RNN, a ReLU RNN with identity initialisation, an LSTM and a GRU side by side; with
// `--clip N`, each curve also after global-norm clipping at N, as training would apply it.
import type { Backend } from '../backend/backend.ts';
import { builtinCorpus } from '../data/corpus.ts';
import { gradientFlow, type GradientFlow } from '../diagnostics/gradflow.ts';
import { Dense } from '../nn/dense.ts';
import { SequenceModel } from '../nn/model.ts';
import { GRU, LSTM, RNN, type RecurrentLayer } from '../nn/recurrent.ts';
import { Rng } from '../util/rng.ts';
import { CliError, type CommandSpec, type ParsedArgs } from './args.ts';
import { flowChart, type FlowSeries } from './chart.ts';
import { BACKEND_FLAG, encodeWarning, loadModelFile, startBackend, type CliIO } from './io.ts';

/** The flags of `strand gradflow`. */
export const gradflowSpec: CommandSpec = {
  name: 'gradflow',
  summary: 'draw how the gradient of the last step’s loss reaches earlier steps (vanishing / exploding gradients)',
  usage:
    'gradflow [--model MODEL [--text TEXT] | --cell all|rnn|relu|lstm|gru [--hidden H] [--gain G]] [--length T] [--clip N]',
  flags: {
    model: { type: 'string', placeholder: 'MODEL', help: 'a trained model (default: compare untrained cells)' },
    text: {
      type: 'string',
      placeholder: 'TEXT',
      help: 'with --model: the input text (default: a stretch of the built-in corpus, or random tokens)',
    },
    cell: {
      type: 'string',
      choices: ['all', 'rnn', 'relu', 'lstm', 'gru'],
      default: 'all',
      help: 'without --model: which cells (relu = ReLU RNN with identity init)',
    },
    length: { type: 'int', min: 2, default: 50, placeholder: 'T', help: 'sequence length' },
    hidden: { type: 'int', min: 1, default: 32, help: 'without --model: hidden units' },
    rows: { type: 'int', min: 2, default: 11, help: 'distances shown per curve' },
    width: { type: 'int', min: 10, default: 40, help: 'length of the longest bar' },
    gain: {
      type: 'number',
      min: 0,
      exclusiveMin: true,
      default: 1,
      help: 'without --model: multiply every recurrent weight matrix by this (try 1.3 to see gradients explode)',
    },
    clip: {
      type: 'number',
      min: 0,
      exclusiveMin: true,
      placeholder: 'N',
      help: 'also draw each curve after clipping the parameter gradient to global norm N (as `strand train --clip N`)',
    },
    seed: { type: 'int', default: 1, help: 'seed of the weights and the input' },
    backend: BACKEND_FLAG,
  },
  notes: [
    'The loss is the cross-entropy at the last step T−1 only. ‖∂L_T/∂h_k‖ shrinking by orders of',
    'magnitude as k moves away from T−1 is the vanishing gradient: what happened that long ago',
    'cannot be learned. Gating (LSTM, GRU) or an identity-initialised ReLU RNN keeps it alive longer.',
    'With --clip N the whole parameter gradient ‖g‖ is scaled by min(1, N/‖g‖) as in training: every',
    'curve keeps its shape (clipping cannot bring back a vanished gradient) but an exploding one is bounded.',
  ],
  examples: [
    'strand gradflow --length 60',
    'strand gradflow --cell relu --gain 1.2 --clip 5',
    'strand gradflow --model model.strand --text "MARLOW: I will keep the lamp tonight."',
  ],
};

/** Runs `strand gradflow`; returns the exit code. */
export async function gradflow(args: ParsedArgs, io: CliIO): Promise<number> {
  const f = args.flags;
  const backend = await startBackend(f.backend);
  const T = f.length as number;
  const rng = new Rng(f.seed as number);
  const series: FlowSeries[] = [];
  if (f.model !== undefined) {
    const { model, vocab } = loadModelFile(f.model as string, backend, false);
    try {
      let input: ArrayLike<number>;
      let T2 = T;
      if (model.embedding !== null) {
        const V = model.embedding.numEmbeddings;
        let ids: Int32Array;
        if (f.text !== undefined && vocab !== null) ids = encodeWarning(vocab, f.text as string, '--text', io);
        else if (f.text !== undefined)
          throw new CliError(`strand gradflow: --model '${f.model}' has no vocabulary to read --text with`, 1);
        else if (vocab !== null) {
          const corpus = builtinCorpus();
          const start = rng.int(Math.max(1, corpus.length - 4 * T));
          ids = vocab.encode(corpus.slice(start, start + 4 * T)).subarray(0, T);
        } else ids = Int32Array.from({ length: T }, () => rng.int(V));
        if (ids.length < 2) throw new CliError('strand gradflow: the input needs at least 2 tokens');
        T2 = ids.length;
        input = ids;
        if (vocab !== null) io.out(`input: ${JSON.stringify(vocab.decode(ids))}\n`);
      } else {
        if (f.text !== undefined)
          throw new CliError(`strand gradflow: --model '${f.model}' reads feature vectors, not --text`);
        input = Float32Array.from({ length: T * model.inputSize }, () => rng.normal());
      }
      const flow = gradientFlow(model, input, { seqLen: T2, batch: 1, ...clipOption(f.clip) });
      for (const l of flow.layers) series.push(flowSeries(`${f.model} layer ${l.label}`, flow, l.layer));
    } finally {
      model.dispose();
    }
  } else {
    const H = f.hidden as number;
    const I = 8;
    const O = 8;
    const features = Float32Array.from({ length: T * I }, () => rng.normal());
    const seed = f.seed as number;
    const cells: Array<[string, string, () => RecurrentLayer]> = [
      ['rnn', 'tanh RNN (uniform init)', () => new RNN({ inputSize: I, hiddenSize: H, seed, backend })],
      [
        'relu',
        'ReLU RNN (identity init, IRNN)',
        () =>
          new RNN({
            inputSize: I,
            hiddenSize: H,
            seed,
            backend,
            nonlinearity: 'relu',
            init: { weightHh: 'identity', weightIh: 'glorot', bias: 'zeros' },
          }),
      ],
      [
        'lstm',
        'LSTM (forget bias 1)',
        () => new LSTM({ inputSize: I, hiddenSize: H, seed, backend, init: { forgetBias: 1 } }),
      ],
      ['gru', 'GRU', () => new GRU({ inputSize: I, hiddenSize: H, seed, backend })],
    ];
    for (const [name, label, make] of cells) {
      if (f.cell !== 'all' && f.cell !== name) continue;
      const layer = make();
      const gain = f.gain as number;
      if (gain !== 1) {
        const weights = layer.stateDict();
        const scaled: Record<string, Float32Array> = {};
        for (const [name, w] of Object.entries(weights))
          if (name.startsWith('weight_hh')) scaled[name] = w.map((v) => v * gain);
        layer.loadStateDict(scaled, false);
      }
      series.push(flowSeries(label, flowOf(layer, features, T, O, seed, backend, f.clip as number | undefined), 0));
    }
    io.out(
      `untrained cells, hidden ${H}${(f.gain as number) !== 1 ? `, recurrent weights ×${f.gain}` : ''}, the same random input of ${T} steps; ` +
        `loss: cross-entropy at the last step${f.clip !== undefined ? `; clipped: the parameter gradient scaled to global norm ≤ ${f.clip}` : ''}\n`,
    );
  }
  io.out(`${flowChart(series, { rows: f.rows as number, width: f.width as number }).join('\n')}\n`);
  return 0;
}

function flowOf(
  layer: RecurrentLayer,
  features: Float32Array,
  T: number,
  O: number,
  seed: number,
  backend: Backend,
  clip: number | undefined,
): GradientFlow {
  const model = new SequenceModel({ layers: [layer, new Dense(layer.hiddenSize, O, { seed, backend })] });
  try {
    return gradientFlow(model, features, { seqLen: T, batch: 1, target: [0], ...clipOption(clip) });
  } finally {
    model.dispose();
  }
}

/** `{ clip: { norm } }` for `--clip N`, else nothing. */
function clipOption(clip: unknown): { clip?: { norm: number } } {
  return clip === undefined ? {} : { clip: { norm: clip as number } };
}

/**
 * The curve of layer `index` of a flow, labelled as given; with clipping it also carries the
 * clipped norms and a note with the global gradient norm before and after, and the factor.
 */
export function flowSeries(label: string, flow: GradientFlow, index: number): FlowSeries {
  const layer = flow.layers[index];
  const clip = flow.clip;
  if (clip === undefined || layer.clipped === undefined) return { label, norms: layer.norms };
  const note = `global gradient norm ${fmt(flow.gradNorm)}, clipped at ${clip.maxNorm}: ×${fmt(clip.factor)} → ${fmt(clip.gradNorm)}`;
  return { label, norms: layer.norms, clipped: layer.clipped, note };
}

/** Three significant digits; exponent form for very small or large values. */
function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-2 || a >= 1e4) ? v.toExponential(2) : String(Number(v.toPrecision(3)));
}
