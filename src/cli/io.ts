// Where the command line writes, and the helpers its commands share: choosing the backend,
// loading a model file with its vocabulary, and number formatting.
import { init, type Backend, type BackendName } from '../backend/index.ts';
import { Vocab, type VocabJSON } from '../data/vocab.ts';
import { SequenceModel } from '../nn/model.ts';
import { readBytes } from '../platform/node-files.ts';
import { CliError } from './args.ts';

/** The terminal a command writes to. */
export interface CliIO {
  /** Writes to standard output (no newline added). */
  out(text: string): void;
  /** Writes to standard error (no newline added). */
  err(text: string): void;
  /** Whether standard output is an interactive terminal (live progress bars) or a pipe / file. */
  isTTY: boolean;
  /** Terminal width in characters (80 when unknown). */
  columns: number;
}

/** The process's own standard output and error. */
export function processIO(): CliIO {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    isTTY: process.stdout.isTTY === true,
    columns: process.stdout.columns || 80,
  };
}

/** Shared `--backend` flag. */
export const BACKEND_FLAG = {
  type: 'string',
  choices: ['auto', 'wasm', 'js'],
  default: 'auto',
  help: 'kernels: WebAssembly SIMD (wasm), pure TypeScript (js), or the best available (auto)',
} as const;

/** Initialises the backend named by `--backend`. */
export async function startBackend(choice: unknown): Promise<Backend> {
  try {
    return await init({ backend: choice as BackendName | 'auto' });
  } catch (error) {
    throw new CliError(`cannot start the ${String(choice)} backend: ${(error as Error).message}`, 1);
  }
}

/** A model file with its vocabulary ({@link SequenceModel.vocab}). */
export interface LoadedModel {
  model: SequenceModel;
  vocab: Vocab | null;
}

/**
 * Loads `--model FILE`: any file written by `SequenceModel.save`, `Trainer.save` or
 * `strand train`. Every failure names the file.
 * @param needVocab throw unless the file has a vocabulary that fits the model
 */
export function loadModelFile(path: string, backend: Backend, needVocab: boolean): LoadedModel {
  const bytes = readBytes(path, '--model');
  let model: SequenceModel;
  try {
    model = SequenceModel.load(bytes, { backend });
  } catch (error) {
    throw new CliError(`cannot load --model '${path}': ${(error as Error).message}`, 1);
  }
  // the loader checked the header's vocab field; an older file's metadata.vocab it could not take is explained here
  let vocab = model.vocab;
  const older = model.metadata.vocab as VocabJSON | undefined;
  if (vocab === null && older !== undefined) {
    try {
      vocab = Vocab.fromJSON(older);
    } catch (error) {
      model.dispose();
      throw new CliError(`--model '${path}' has a damaged vocabulary: ${(error as Error).message}`, 1);
    }
  }
  if (needVocab) {
    const problem =
      vocab === null
        ? 'has no vocabulary (models trained with `strand train` have one; in code, set model.vocab = vocab before saving)'
        : model.embedding === null || model.head.at !== 'every' || model.output !== 'softmax'
          ? 'is not a next-token language model (Embedding input, Dense head at every step, softmax output)'
          : vocab.size !== model.inputSize || vocab.size !== model.outputSize
            ? `has a vocabulary of ${vocab.size} tokens, but the model reads ${model.inputSize} and predicts ${model.outputSize}`
            : null;
    if (problem !== null) {
      model.dispose();
      throw new CliError(`--model '${path}' ${problem}`, 1);
    }
  }
  return { model, vocab };
}

/** Encodes text with a vocabulary; warns on standard error about tokens it does not know. */
export function encodeWarning(vocab: Vocab, text: string, what: string, io: CliIO): Int32Array {
  const ids = vocab.encode(text);
  let unknown = 0;
  for (const id of ids) if (id === vocab.unkId) unknown++;
  if (unknown > 0)
    io.err(
      `note: ${unknown} ${vocab.level === 'char' ? 'character' : 'word'}${unknown === 1 ? '' : 's'} of ${what} ${unknown === 1 ? 'is' : 'are'} not in the model's vocabulary (read as <UNK>)\n`,
    );
  return ids;
}

/** 1234567 → '1,234,567'. */
export function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Seconds as '4.2 s', '42 s', '3m05s', '1h02m'. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 9.95) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A rate as '950', '12.3k', '1.20M'. */
export function rate(x: number): string {
  if (!Number.isFinite(x)) return '?';
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}
