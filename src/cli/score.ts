// `strand score`: the log-probability and perplexity of sentences under a trained model, and
// which of two the model finds more likely.
import { logProbability, type SequenceScore } from '../lm/score.ts';
import { CliError, type CommandSpec, type ParsedArgs } from './args.ts';
import { BACKEND_FLAG, encodeWarning, loadModelFile, startBackend, type CliIO } from './io.ts';

/** The flags of `strand score`. */
export const scoreSpec: CommandSpec = {
  name: 'score',
  summary: 'log-probability and perplexity of sentences under a trained model',
  usage: 'score --model MODEL [--prime TEXT] "a sentence" ["another sentence" ...]',
  flags: {
    model: { type: 'string', placeholder: 'MODEL', required: true, help: 'a model file written by strand train' },
    prime: {
      type: 'string',
      placeholder: 'TEXT',
      help: 'score the sentences as continuations of this text (default: the start-of-text token)',
    },
    backend: BACKEND_FLAG,
  },
  positionals: {
    name: 'SENTENCE',
    help: 'text to score (quote it); give two or more to compare them',
    min: 1,
    max: Infinity,
  },
  notes: [
    'log p is the sum over tokens of log p(token | everything before it), in nats (natural log) and',
    'bits; perplexity is e^(−log p / tokens). Higher log p (closer to 0) means more likely.',
  ],
  examples: ['strand score --model model.strand "the lamp is dark." "dark the is lamp."'],
};

/** Runs `strand score`; returns the exit code. */
export async function score(args: ParsedArgs, io: CliIO): Promise<number> {
  const f = args.flags;
  args.positionals.forEach((s, i) => {
    if (s.length === 0) throw new CliError(`strand score: sentence ${i + 1} is empty`);
  });
  const backend = await startBackend(f.backend);
  const { model, vocab } = loadModelFile(f.model as string, backend, true);
  try {
    const primeText = (f.prime as string | undefined) ?? '';
    const prime = primeText.length > 0 ? encodeWarning(vocab!, primeText, '--prime', io) : undefined;
    const scores: SequenceScore[] = [];
    args.positionals.forEach((sentence, i) => {
      const ids = encodeWarning(vocab!, sentence, `sentence ${i + 1}`, io);
      if (ids.length === 0) throw new CliError(`strand score: sentence ${i + 1} holds no tokens`);
      const s = logProbability(model, ids, { prime: prime && prime.length > 0 ? prime : undefined });
      scores.push(s);
      const label = args.positionals.length > 1 ? `#${i + 1} ` : '';
      io.out(
        `${label}log p = ${s.logProb.toFixed(4)} nats (${s.bits.toFixed(2)} bits)  tokens ${s.tokens}  ` +
          `nats/token ${s.nll.toFixed(4)}  perplexity ${s.perplexity.toFixed(3)}  ${JSON.stringify(sentence)}\n`,
      );
    });
    if (scores.length > 1) {
      const order = scores.map((_s, i) => i).sort((a, b) => scores[b].logProb - scores[a].logProb);
      const [best, next] = order;
      const gap = scores[best].logProb - scores[next].logProb;
      io.out(
        gap === 0
          ? `#${best + 1} and #${next + 1} are equally likely\n`
          : `most likely: #${best + 1}, by ${gap.toFixed(4)} nats over #${next + 1} (odds ${formatOdds(gap)} : 1)\n`,
      );
    }
    return 0;
  } finally {
    model.dispose();
  }
}

function formatOdds(nats: number): string {
  const odds = Math.exp(nats);
  return odds < 1e6 ? odds.toPrecision(3) : odds.toExponential(2);
}
