// `strand sample`: text from a trained model, streamed token by token as it is chosen.
import { stream } from '../lm/generate.ts';
import { beamSearch } from '../lm/score.ts';
import type { CommandSpec, ParsedArgs } from './args.ts';
import { BACKEND_FLAG, encodeWarning, loadModelFile, startBackend, type CliIO } from './io.ts';

/** The flags of `strand sample`. */
export const sampleSpec: CommandSpec = {
  name: 'sample',
  summary: 'generate text from a trained model',
  usage:
    'sample --model MODEL [--prime TEXT] [--length N] [--temperature T] [--top-k K] [--top-p P] [--beam N] [--seed S]',
  flags: {
    model: { type: 'string', placeholder: 'MODEL', required: true, help: 'a model file written by strand train' },
    prime: { type: 'string', placeholder: 'TEXT', help: 'start from this text (default: the start-of-text token)' },
    length: { type: 'int', min: 1, default: 300, help: 'tokens to generate' },
    temperature: { type: 'number', min: 0, default: 0.8, help: '< 1 sharper, > 1 more random, 0 greedy' },
    'top-k': { type: 'int', min: 0, default: 0, help: 'sample only among the k most likely tokens (0: all)' },
    'top-p': {
      type: 'number',
      min: 0,
      exclusiveMin: true,
      max: 1,
      default: 1,
      help: 'sample only among the most likely tokens whose probabilities sum to p',
    },
    beam: {
      type: 'int',
      min: 0,
      default: 0,
      placeholder: 'N',
      help: 'beam search with N hypotheses instead of sampling (0: off)',
    },
    seed: { type: 'int', help: 'seed of the sampler: equal seeds, equal text (default: random)' },
    backend: BACKEND_FLAG,
  },
  examples: [
    'strand sample --model model.strand --prime "MARLOW:" --length 400 --temperature 0.7 --seed 3',
    'strand sample --model model.strand --prime "The " --length 40 --beam 5',
  ],
};

/** Runs `strand sample`; returns the exit code. */
export async function sample(args: ParsedArgs, io: CliIO): Promise<number> {
  const f = args.flags;
  const backend = await startBackend(f.backend);
  const { model, vocab } = loadModelFile(f.model as string, backend, true);
  try {
    const primeText = (f.prime as string | undefined) ?? '';
    const prime = primeText.length > 0 ? encodeWarning(vocab!, primeText, '--prime', io) : undefined;
    if (prime !== undefined && prime.length === 0)
      io.err('note: --prime holds no tokens; starting from the start-of-text token\n');
    const primeIds = prime !== undefined && prime.length > 0 ? prime : undefined;
    const length = f.length as number;
    io.out(primeText);
    if ((f.beam as number) > 0) {
      const [best] = beamSearch(model, {
        prime: primeIds,
        maxLength: length,
        beamWidth: f.beam as number,
        stopAt: vocab!.eosId,
      });
      io.out(`${primeIds === undefined || best.ids.length === 0 ? '' : vocab!.separator}${vocab!.decode(best.ids)}\n`);
      io.err(
        `(beam search, width ${f.beam}: log p = ${best.logProb.toFixed(3)} nats over ${best.ids.length} tokens)\n`,
      );
      return 0;
    }
    let separator = primeIds === undefined ? '' : vocab!.separator;
    const seed = (f.seed as number | undefined) ?? Math.floor(Math.random() * 2 ** 31);
    for await (const id of stream(model, {
      prime: primeIds,
      length,
      temperature: f.temperature as number,
      topK: f['top-k'] as number,
      topP: f['top-p'] as number,
      seed,
      stopAt: vocab!.eosId,
    })) {
      const token = vocab!.decode([id]);
      if (token.length > 0) io.out(separator + token);
      separator = vocab!.separator;
    }
    io.out('\n');
    return 0;
  } finally {
    model.dispose();
  }
}
