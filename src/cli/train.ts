// `strand train`: a character- or word-level language model on a text file (or the built-in
// corpus), with a live progress bar, samples as it learns, checkpoints, and Ctrl-C that saves.
import { existsSync } from 'node:fs';
import { builtinCorpus } from '../data/corpus.ts';
import { generate } from '../lm/generate.ts';
import { Vocab } from '../data/vocab.ts';
import { Dense } from '../nn/dense.ts';
import { Dropout } from '../nn/dropout.ts';
import { Embedding } from '../nn/embedding.ts';
import { SequenceModel } from '../nn/model.ts';
import { GRU, LSTM, RNN } from '../nn/recurrent.ts';
import { manualSeed } from '../util/rng.ts';
import { Trainer, type Metrics } from '../train/trainer.ts';
import { checkWritable, readBytes, readText, writeBytesAtomic } from '../platform/node-files.ts';
import { CliError, type CommandSpec, type ParsedArgs } from './args.ts';
import { BACKEND_FLAG, duration, rate, startBackend, thousands, type CliIO } from './io.ts';
import { ProgressReporter } from './progress.ts';
import { resetSomeStreams } from '../train/state-reset.ts';
import type { ModelLayer } from '../nn/layers.ts';

/** The flags of `strand train`. */
export const trainSpec: CommandSpec = {
  name: 'train',
  summary: 'train a language model on a text file and save it',
  usage: 'train [--text FILE] [--out MODEL] [options]',
  flags: {
    text: { type: 'string', placeholder: 'FILE', help: 'UTF-8 text to learn (default: the built-in corpus)' },
    out: {
      type: 'string',
      placeholder: 'MODEL',
      default: 'model.strand',
      help: 'model file, rewritten at every checkpoint',
    },
    resume: {
      type: 'boolean',
      help: 'continue training the model in --out (architecture, optimizer and vocabulary come from the file)',
    },
    level: { type: 'string', choices: ['char', 'word'], default: 'char', help: 'tokens: characters or words' },
    cell: { type: 'string', choices: ['lstm', 'gru', 'rnn'], default: 'lstm', help: 'recurrent cell' },
    hidden: { type: 'int', min: 1, default: 128, help: 'hidden units per layer' },
    layers: { type: 'int', min: 1, default: 1, help: 'stacked recurrent layers' },
    embed: { type: 'int', min: 1, default: 32, help: 'embedding size' },
    seq: { type: 'int', min: 1, default: 50, help: 'steps of truncated backpropagation through time' },
    batch: { type: 'int', min: 1, default: 32, help: 'parallel streams per update' },
    lr: { type: 'number', min: 0, exclusiveMin: true, default: 3e-3, help: 'Adam learning rate' },
    clip: { type: 'number', min: 0, default: 5, help: 'gradient clipping by global norm (0: off)' },
    epochs: {
      type: 'int',
      min: 1,
      help: 'passes over the training text (default 10, or no cap when --time-limit is given)',
    },
    'time-limit': {
      type: 'number',
      min: 0,
      default: 0,
      placeholder: 'SECONDS',
      help: 'stop after this many seconds (0: no limit); without --epochs, train until then',
    },
    'state-reset': {
      type: 'int',
      min: 0,
      default: 8,
      placeholder: 'N',
      help: "zero each stream's carried state once every N windows, as generation starts from zero (0: never)",
    },
    'save-best': {
      type: 'boolean',
      default: true,
      help: 'save the weights of the epoch with the best validation loss (--no-save-best: the last)',
    },
    'val-fraction': {
      type: 'number',
      min: 0,
      max: 0.5,
      default: 0.05,
      help: 'share of the text (its end) held out for validation',
    },
    dropout: {
      type: 'number',
      min: 0,
      max: 1,
      exclusiveMax: true,
      default: 0,
      help: 'dropout after each recurrent layer',
    },
    seed: { type: 'int', default: 1, help: 'seed of the initialisation and dropout' },
    'sample-every': {
      type: 'int',
      min: 0,
      default: 200,
      placeholder: 'STEPS',
      help: 'print a sample every this many steps (0: never)',
    },
    'sample-length': { type: 'int', min: 1, default: 200, help: 'tokens per sample' },
    'sample-prime': {
      type: 'string',
      placeholder: 'TEXT',
      help: "samples start from this text (default: the text's first line, or a speaker of the built-in play)",
    },
    temperature: { type: 'number', min: 0, default: 0.8, help: 'sampling temperature of the samples' },
    'checkpoint-every': {
      type: 'number',
      min: 0,
      default: 60,
      placeholder: 'SECONDS',
      help: 'also save every this many seconds (0: only per epoch and at the end)',
    },
    backend: BACKEND_FLAG,
  },
  notes: [
    'The model is saved after every epoch, every --checkpoint-every seconds, at the end, and on Ctrl-C',
    '(a second Ctrl-C quits without saving). The file holds the model, its vocabulary and the',
    "optimizer's state: `strand sample` and `strand score` read it, `--resume` continues from it.",
    'At the end the saved weights are those with the best validation loss (an epoch, or the last',
    'weights); --no-save-best keeps the last. Training stops at the epoch cap or the time limit,',
    'whichever comes first; with --time-limit and no --epochs there is no epoch cap.',
  ],
  examples: [
    'strand train --time-limit 90                       # the built-in corpus, 90 seconds',
    'strand train --text poems.txt --cell gru --hidden 256 --layers 2 --dropout 0.2 --out poems.strand',
    'strand train --text poems.txt --out poems.strand --resume --epochs 5',
  ],
};

/** Runs `strand train`; returns the exit code. */
export async function train(args: ParsedArgs, io: CliIO): Promise<number> {
  const f = args.flags;
  const out = f.out as string;
  checkWritable(out, '--out');
  const textPath = f.text as string | undefined;
  const text = textPath === undefined ? builtinCorpus() : readText(textPath, '--text');
  const source = textPath === undefined ? 'the built-in corpus' : `'${textPath}'`;
  if (text.length === 0) throw new CliError(`strand train: --text '${textPath}' is empty`, 1);
  const backend = await startBackend(f.backend);

  let trainer: Trainer;
  let vocab: Vocab;
  let described: string;
  if (f.resume) {
    if (!existsSync(out))
      throw new CliError(`strand train: --resume needs an existing --out file, and '${out}' does not exist`);
    try {
      trainer = Trainer.load(readBytes(out, '--out'), { backend });
    } catch (error) {
      throw new CliError(`strand train: cannot resume from --out '${out}': ${(error as Error).message}`, 1);
    }
    // files written before model.vocab existed carry a valid vocabulary in metadata.vocab: the loader took it
    if (trainer.model.vocab === null) {
      trainer.dispose();
      trainer.model.dispose();
      throw new CliError(`strand train: --out '${out}' has no vocabulary to resume with`, 1);
    }
    vocab = trainer.model.vocab;
    described = `resuming '${out}' at step ${trainer.optimizer.stepCount}`;
  } else {
    manualSeed(f.seed as number);
    vocab = Vocab.fromText(text, { level: f.level as 'char' | 'word' });
    const model = buildModel(vocab.size, f);
    model.vocab = vocab;
    trainer = new Trainer(model, {
      optimizer: { type: 'adam', lr: f.lr as number },
      clip: (f.clip as number) > 0 ? { norm: f.clip as number } : undefined,
      tbptt: { k1: f.seq as number },
      batchSize: f.batch as number,
    });
    const cell = (f.cell as string).toUpperCase();
    described = `${cell} ${f.layers}×${f.hidden}, embedding ${f.embed}${(f.dropout as number) > 0 ? `, dropout ${f.dropout}` : ''}`;
  }
  const model = trainer.model;
  const ids = vocab.encode(text);
  const valCount = Math.floor(ids.length * (f['val-fraction'] as number));
  const trainIds = ids.subarray(0, ids.length - valCount);
  const valIds = valCount >= 2 ? ids.subarray(ids.length - valCount) : undefined;
  const saved = (model.metadata.training ?? {}) as Record<string, unknown>;
  const batch = f.resume && typeof saved.batch === 'number' ? saved.batch : (f.batch as number);
  if (trainIds.length <= 2 * batch) {
    throw new CliError(
      `strand train: the training text has only ${trainIds.length} tokens; it needs more than 2·batch = ${2 * batch} (lower --batch or give a longer --text)`,
      1,
    );
  }

  const unit = vocab.level === 'char' ? 'characters' : 'words';
  io.out(
    `strand train: ${described} on ${source} (${thousands(ids.length)} ${unit}, ${vocab.size} symbols; ` +
      `${thousands(trainIds.length)} train / ${thousands(valCount)} validation)\n`,
  );
  const timeLimit = f['time-limit'] as number;
  // with a time limit and no --epochs, the time limit alone ends training
  const epochs = (f.epochs as number | undefined) ?? (timeLimit > 0 ? Infinity : 10);
  const cap = Number.isFinite(epochs) ? `up to ${epochs} epoch${epochs === 1 ? '' : 's'}` : 'no epoch cap';
  const limit =
    timeLimit > 0
      ? `, time limit ${duration(timeLimit)}${Number.isFinite(epochs) ? ' (whichever comes first)' : ''}`
      : '';
  io.out(
    `  ${thousands(model.parameterCount())} parameters, backend ${backend.name}/${backend.flavor}, ${cap}${limit}; ` +
      `saving to '${out}' (Ctrl-C saves and stops)\n`,
  );

  const settings = f.resume
    ? {}
    : {
        cell: f.cell,
        hidden: f.hidden,
        layers: f.layers,
        embed: f.embed,
        seq: f.seq,
        batch: f.batch,
        lr: f.lr,
        clip: f.clip,
        dropout: f.dropout,
        seed: f.seed,
        level: f.level,
      };
  // the vocabulary is saved as model.vocab; an older file's metadata.vocab is not carried forward
  const { vocab: _older, ...keptMetadata } = model.metadata;
  const metadata = (extra: Record<string, unknown>): Record<string, unknown> => ({
    ...keptMetadata,
    training: { ...saved, ...settings, text: textPath ?? 'builtin', steps: trainer.optimizer.stepCount, ...extra },
  });
  const save = (extra: Record<string, unknown> = {}): void => {
    model.metadata = metadata(extra);
    writeBytesAtomic(out, trainer.save(), '--out');
  };

  // samples come from a copy of the model, so the training streams keep their carried state
  const primeText =
    (f['sample-prime'] as string | undefined) ??
    (textPath === undefined && vocab.level === 'char' ? 'MARLOW:\n' : firstLine(text, vocab));
  const prime = primeText.length > 0 ? vocab.encode(primeText) : undefined;
  const sample = (): string => {
    const copy = SequenceModel.load(model.save(), { backend });
    try {
      const ids = generate(copy, {
        prime,
        length: f['sample-length'] as number,
        temperature: f.temperature as number,
        seed: 7,
      });
      return primeText + (primeText.length > 0 ? vocab.separator : '') + vocab.decode(ids);
    } finally {
      copy.dispose();
    }
  };

  const reporter = new ProgressReporter(io);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      controller.abort();
      reporter.print('interrupted: saving after this step (Ctrl-C again to quit without saving)');
    } else {
      io.err('\nstrand train: quit without saving\n');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const sampleEvery = f['sample-every'] as number;
  const checkpointEvery = f['checkpoint-every'] as number;
  let smoothed = NaN;
  let lastCheckpoint = 0;
  let lastEvent = { elapsed: 0, epoch: 1, tokensPerSecond: 0 };
  const firstStep = trainer.optimizer.stepCount;
  let validation: Metrics | undefined;
  let best: { epoch: number; loss: number; weights: ReturnType<SequenceModel['stateDict']> } | undefined;
  let stopped: string;
  try {
    const result = await trainer.fit(trainIds, {
      epochs: Number.isFinite(epochs) ? epochs : Number.MAX_SAFE_INTEGER,
      timeLimit: timeLimit > 0 ? timeLimit : undefined,
      signal: controller.signal,
      validation: valIds,
      onStep: (e) => {
        resetSomeStreams(model, e.step, f['state-reset'] as number);
        smoothed = Number.isNaN(smoothed) ? e.loss : 0.9 * smoothed + 0.1 * e.loss;
        lastEvent = { elapsed: e.elapsed, epoch: e.epoch, tokensPerSecond: e.tokensPerSecond };
        reporter.update({
          step: e.step,
          epoch: e.epoch,
          epochs,
          progress: e.progress,
          loss: smoothed,
          tokensPerSecond: e.tokensPerSecond,
          elapsed: e.elapsed,
          timeLimit,
        });
        if (sampleEvery > 0 && (e.step - firstStep) % sampleEvery === 0) {
          reporter.print(`--- sample at step ${e.step} (loss ${smoothed.toFixed(3)}) ---\n${sample()}\n---`);
        }
        if (checkpointEvery > 0 && e.elapsed - lastCheckpoint >= checkpointEvery) {
          lastCheckpoint = e.elapsed;
          save();
        }
      },
      onEpoch: (e) => {
        validation = e.validation;
        if (e.validation !== undefined && f['save-best'] && e.validation.loss < (best?.loss ?? Infinity))
          best = { epoch: e.epoch, loss: e.validation.loss, weights: model.stateDict() };
        const val = e.validation
          ? `, validation ${e.validation.loss.toFixed(3)} (perplexity ${e.validation.perplexity.toFixed(2)})`
          : '';
        save({ epoch: e.epoch, trainLoss: e.loss, validationLoss: e.validation?.loss });
        lastCheckpoint = lastEvent.elapsed;
        reporter.print(`epoch ${e.epoch}: train loss ${e.loss.toFixed(3)}${val}; saved '${out}'`);
      },
    });
    stopped = result.stopped;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  reporter.finish();
  const steps = trainer.optimizer.stepCount - firstStep;
  if (valIds !== undefined && (validation === undefined || stopped !== 'done')) validation = trainer.evaluate(valIds);
  const kept = keepBest(best, validation, lastEvent.epoch, f['save-best'] as boolean);
  if (kept.weights !== undefined) model.loadStateDict(kept.weights);
  save({ epoch: kept.epoch, validationLoss: kept.loss, kept: kept.which, stopped });
  const why =
    {
      done: `${epochs} epoch${epochs === 1 ? '' : 's'}`,
      time: 'time limit',
      aborted: 'interrupted',
      steps: 'step limit',
      patience: 'no improvement',
    }[stopped] ?? stopped;
  io.out(
    `done: ${steps} steps in ${duration(lastEvent.elapsed)} (${why}), ${rate(lastEvent.tokensPerSecond)} tok/s` +
      (validation
        ? `; validation loss ${validation.loss.toFixed(3)} nats/${vocab.level === 'char' ? 'char' : 'word'}, perplexity ${validation.perplexity.toFixed(2)}`
        : '') +
      '\n',
  );
  if (sampleEvery > 0) io.out(`--- final sample ---\n${sample()}\n---\n`);
  io.out(`saved '${out}': ${kept.message}\n`);
  trainer.dispose();
  model.dispose();
  return stopped === 'aborted' ? 130 : 0;
}

/** Which weights to save: the best epoch's when it beats the last weights' validation loss, else the last. */
function keepBest(
  best: { epoch: number; loss: number; weights: ReturnType<SequenceModel['stateDict']> } | undefined,
  last: Metrics | undefined,
  lastEpoch: number,
  saveBest: boolean,
): { epoch: number; loss?: number; which: string; weights?: ReturnType<SequenceModel['stateDict']>; message: string } {
  const loss = (x: number) => `validation loss ${x.toFixed(3)}`;
  if (!saveBest)
    return { epoch: lastEpoch, loss: last?.loss, which: 'last', message: 'the last weights (--no-save-best)' };
  if (last === undefined)
    return { epoch: lastEpoch, which: 'last', message: 'the last weights (no validation text to choose the best by)' };
  if (best === undefined || best.loss >= last.loss)
    return {
      epoch: lastEpoch,
      loss: last.loss,
      which: 'last',
      message: `the last weights, the best (${loss(last.loss)})`,
    };
  return {
    epoch: best.epoch,
    loss: best.loss,
    which: 'best',
    weights: best.weights,
    message: `the best weights, of epoch ${best.epoch} (${loss(best.loss)}; the last had ${last.loss.toFixed(3)})`,
  };
}

/** Embedding → (cell, dropout?) × layers → Dense, seeded by the global seed. */
function buildModel(V: number, f: ParsedArgs['flags']): SequenceModel {
  const hidden = f.hidden as number;
  const embed = f.embed as number;
  const dropout = f.dropout as number;
  const layers: ModelLayer[] = [new Embedding(V, embed)];
  for (let i = 0; i < (f.layers as number); i++) {
    const inputSize = i === 0 ? embed : hidden;
    layers.push(
      f.cell === 'gru'
        ? new GRU({ inputSize, hiddenSize: hidden })
        : f.cell === 'rnn'
          ? new RNN({ inputSize, hiddenSize: hidden })
          : new LSTM({ inputSize, hiddenSize: hidden, init: { forgetBias: 1 } }),
    );
    if (dropout > 0) layers.push(new Dropout(dropout));
  }
  layers.push(new Dense(hidden, V));
  return new SequenceModel({ layers, output: 'softmax' });
}

/** The text's first line (with its newline) when it is short and fully known, else its first token. */
function firstLine(text: string, vocab: Vocab): string {
  const nl = text.indexOf('\n');
  if (vocab.level === 'char' && nl > 0 && nl < 40) return text.slice(0, nl + 1);
  const first = vocab.level === 'char' ? Array.from(text)[0] : text.match(/\S+/)?.[0];
  return first ?? '';
}
