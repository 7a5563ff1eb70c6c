// `strand fit`: trains a forecaster or a text classifier on a CSV or JSON-lines table, with the
// progress display of `strand train`, best-weights restore, a time limit, and Ctrl-C that saves.
import { chronologicalSplit, Scaler, windows, type Samples } from '../data/timeseries.ts';
import { Vocab } from '../data/vocab.ts';
import { Dense } from '../nn/dense.ts';
import { Embedding } from '../nn/embedding.ts';
import type { ModelLayer } from '../nn/layers.ts';
import { SequenceModel } from '../nn/model.ts';
import { GRU, LSTM, RNN } from '../nn/recurrent.ts';
import { checkWritable, writeBytesAtomic } from '../platform/node-files.ts';
import { predictValues } from '../train/predict.ts';
import type { EpochEvent, SupervisedFitOptions } from '../train/trainer-options.ts';
import { Trainer, type FitResult } from '../train/trainer.ts';
import { manualSeed, Rng } from '../util/rng.ts';
import { CliError, type CommandSpec, type ParsedArgs } from './args.ts';
import { BACKEND_FLAG, duration, startBackend, thousands, type CliIO } from './io.ts';
import { ProgressReporter } from './progress.ts';
import { numericColumn, readTable, textColumn, type Table } from './tabular.ts';

/** The flags of `strand fit`. */
export const fitSpec: CommandSpec = {
  name: 'fit',
  summary: 'train a forecaster or a text classifier on a CSV / JSON-lines file',
  usage:
    'fit --task forecast --data FILE --column NAME [--features A,B] [options]\n' +
    '       strand fit --task classify --data FILE --text-column NAME --label-column NAME [options]',
  flags: {
    task: { type: 'string', choices: ['forecast', 'classify'], required: true, help: 'what to learn' },
    data: {
      type: 'string',
      placeholder: 'FILE',
      required: true,
      help: 'CSV with a header row, or JSON lines (.jsonl / .ndjson)',
    },
    out: { type: 'string', placeholder: 'MODEL', default: 'model.strand', help: 'model file to write' },
    column: { type: 'string', placeholder: 'NAME', help: 'forecast: the numeric column to predict' },
    features: { type: 'string', placeholder: 'A,B', help: 'forecast: more numeric input columns' },
    lookback: { type: 'int', min: 1, default: 48, help: 'forecast: steps each prediction reads' },
    horizon: { type: 'int', min: 1, default: 1, help: 'forecast: steps each prediction covers' },
    season: {
      type: 'int',
      min: 1,
      placeholder: 'N',
      help: 'forecast: compare with the seasonal-naive baseline of period N (default: the last value)',
    },
    'test-fraction': {
      type: 'number',
      min: 0,
      max: 0.5,
      default: 0.1,
      help: 'forecast: share of the series (its end) held out for the final test',
    },
    'text-column': { type: 'string', placeholder: 'NAME', help: 'classify: the column of texts' },
    'label-column': { type: 'string', placeholder: 'NAME', help: 'classify: the column of class labels' },
    level: { type: 'string', choices: ['word', 'char'], default: 'word', help: 'classify: tokens' },
    lowercase: { type: 'boolean', default: true, help: 'classify: lower-case texts (--no-lowercase keeps case)' },
    punctuation: {
      type: 'string',
      choices: ['strip', 'split', 'keep'],
      default: 'strip',
      help: 'classify, word level: drop punctuation, make it tokens, or keep it in words',
    },
    'max-length': { type: 'int', min: 1, default: 200, help: 'classify: tokens read per text (the first ones)' },
    embed: { type: 'int', min: 1, default: 32, help: 'classify: embedding size' },
    cell: { type: 'string', choices: ['lstm', 'gru', 'rnn'], default: 'lstm', help: 'recurrent cell' },
    hidden: { type: 'int', min: 1, default: 32, help: 'hidden units' },
    epochs: { type: 'int', min: 1, default: 30, help: 'passes over the training samples' },
    batch: { type: 'int', min: 1, default: 32, help: 'samples per update' },
    lr: { type: 'number', min: 0, exclusiveMin: true, default: 3e-3, help: 'Adam learning rate' },
    clip: { type: 'number', min: 0, default: 5, help: 'gradient clipping by global norm (0: off)' },
    'val-fraction': {
      type: 'number',
      min: 0,
      max: 0.5,
      exclusiveMin: true,
      default: 0.2,
      help: 'share held out for validation (forecast: before the test part; classify: shuffled)',
    },
    patience: {
      type: 'int',
      min: 0,
      default: 0,
      help: 'stop after N epochs without a better validation loss (0: never)',
    },
    'save-best': {
      type: 'boolean',
      default: true,
      help: 'save the weights of the epoch with the best validation loss (--no-save-best: the last)',
    },
    'time-limit': {
      type: 'number',
      min: 0,
      default: 0,
      placeholder: 'SECONDS',
      help: 'stop after this long (0: none)',
    },
    'max-bytes': { type: 'int', min: 1, default: 256 * 1024 * 1024, help: 'refuse larger --data files' },
    seed: { type: 'int', default: 1, help: 'seed of the initialisation, shuffling and split' },
    backend: BACKEND_FLAG,
  },
  notes: [
    'forecast: a chronological split (train, validation, then test), a standard scaler fitted on the',
    'training part only (saved in metadata.scaler), windows of --lookback steps, an RNN with a linear',
    'head at the last step. Validation and test errors are MSE in the units of --column.',
    'classify: a shuffled split, a vocabulary of the training texts (saved as the model vocab), label',
    'names in metadata.labels (class id = position), an RNN with a softmax head at the last step.',
    'Saved weights are those of the best validation epoch unless --no-save-best; Ctrl-C stops and saves.',
  ],
  examples: [
    'strand fit --task forecast --data weather.csv --column temp --features humidity --lookback 48 --season 24',
    'strand fit --task classify --data reviews.csv --text-column text --label-column label --out reviews.strand',
  ],
};

/** Runs `strand fit`; returns the exit code. */
export async function fit(args: ParsedArgs, io: CliIO): Promise<number> {
  const f = args.flags;
  checkWritable(f.out as string, '--out');
  const table = readTable(f.data as string, f['max-bytes'] as number);
  const need = (flag: string): string => {
    const v = f[flag] as string | undefined;
    if (v === undefined) throw new CliError(`strand fit: --task ${f.task} needs --${flag}`);
    return v;
  };
  const job = f.task === 'forecast' ? forecastJob(table, f, need) : classifyJob(table, f, need);
  const backend = await startBackend(f.backend);
  manualSeed(f.seed as number);
  const model = job.build();
  const trainer = new Trainer(model, {
    optimizer: { type: 'adam', lr: f.lr as number },
    clip: (f.clip as number) > 0 ? { norm: f.clip as number } : undefined,
  });
  io.out(
    `strand fit: ${job.described}\n  ${thousands(model.parameterCount())} parameters, backend ${backend.name}/${backend.flavor}, ` +
      `${thousands(job.train.x.length)} train / ${thousands(job.validation.x.length)} validation samples, up to ${f.epochs} epochs\n`,
  );
  const result = await train(trainer, job, f, io);
  const lines = job.report(model, trainer);
  model.metadata = {
    ...job.metadata,
    training: { ...settings(f), stopped: result.stopped, bestEpoch: result.bestEpoch },
  };
  writeBytesAtomic(f.out as string, model.save(), '--out');
  const why = { done: 'epoch cap', time: 'time limit', aborted: 'interrupted', patience: 'no improvement' }[
    result.stopped as string
  ];
  const kept =
    result.bestEpoch && f['save-best'] ? `the best weights, of epoch ${result.bestEpoch}` : 'the last weights';
  io.out(`${lines}saved '${f.out}': ${kept} (stopped: ${why ?? result.stopped})\n`);
  trainer.dispose();
  model.dispose();
  return result.stopped === 'aborted' ? 130 : 0;
}

/** What a task prepares: samples, the model, per-epoch and final reports, metadata. */
interface Job {
  described: string;
  train: Samples | { x: number[][]; y: number[] };
  validation: Samples | { x: number[][]; y: number[] };
  metrics: SupervisedFitOptions['metrics'];
  build(): SequenceModel;
  epoch(e: EpochEvent): string;
  report(model: SequenceModel, trainer: Trainer): string;
  metadata: Record<string, unknown>;
}

type Flags = ParsedArgs['flags'];

/** Fits with progress, the time limit, best weights and Ctrl-C. */
async function train(trainer: Trainer, job: Job, f: Flags, io: CliIO): Promise<FitResult> {
  const reporter = new ProgressReporter(io);
  const controller = new AbortController();
  const onSignal = (): void => {
    controller.abort();
    reporter.print('interrupted: saving after this step');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const epochs = f.epochs as number;
  const timeLimit = f['time-limit'] as number;
  const patience = f.patience as number;
  let smoothed = NaN;
  try {
    const result = await trainer.fit(job.train, {
      epochs,
      batchSize: f.batch as number,
      seed: f.seed as number,
      validationData: job.validation,
      metrics: job.metrics,
      earlyStopping:
        patience > 0 || f['save-best']
          ? { patience: patience > 0 ? patience : Number.MAX_SAFE_INTEGER, restoreBest: f['save-best'] as boolean }
          : undefined,
      timeLimit: timeLimit > 0 ? timeLimit : undefined,
      signal: controller.signal,
      onStep: (e) => {
        smoothed = Number.isNaN(smoothed) ? e.loss : 0.9 * smoothed + 0.1 * e.loss;
        reporter.update({ ...e, epochs, loss: smoothed, timeLimit });
      },
      onEpoch: (e) =>
        reporter.print(`epoch ${e.epoch}: train loss ${e.loss.toFixed(4)}, ${job.epoch(e)} (${duration(e.elapsed)})`),
    });
    reporter.finish();
    return result;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const num = (x: number): string => (Math.abs(x) >= 1000 || Math.abs(x) < 0.01 ? x.toExponential(3) : x.toPrecision(4));

/** A recurrent layer of `--cell`. */
function cell(f: Flags, inputSize: number): ModelLayer {
  const hiddenSize = f.hidden as number;
  if (f.cell === 'gru') return new GRU({ inputSize, hiddenSize });
  if (f.cell === 'rnn') return new RNN({ inputSize, hiddenSize });
  return new LSTM({ inputSize, hiddenSize, init: { forgetBias: 1 } });
}

/** Chronological split, scaler on the training part, windows, a many-to-one linear model. */
function forecastJob(table: Table, f: Flags, need: (flag: string) => string): Job {
  const target = need('column');
  const extra = f.features === undefined ? [] : (f.features as string).split(',').map((s) => s.trim());
  const names = [target, ...extra.filter((n) => n !== target)];
  const columns = names.map((n, i) => numericColumn(table, n, i === 0 ? '--column' : '--features'));
  const series = columns[0].map((_, t) => columns.map((c) => c[t])); // (T, F), the target first
  const lookback = f.lookback as number;
  const horizon = f.horizon as number;
  const season = f.season as number | undefined;
  if (season !== undefined && season > lookback)
    throw new CliError(
      `strand fit: --season ${season} must be ≤ --lookback ${lookback} (the baseline reads the window)`,
    );
  const testFraction = f['test-fraction'] as number;
  let parts: { train: number[][]; validation: number[][]; test: number[][] };
  try {
    parts = chronologicalSplit(series, {
      validation: f['val-fraction'] as number,
      test: testFraction,
      context: lookback,
    });
  } catch (error) {
    throw new CliError(`strand fit: ${table.file}: ${(error as Error).message}`, 1);
  }
  const scaler = new Scaler('standard').fit(parts.train);
  const cut = (rows: number[][], what: string): { raw: Samples; scaled: Samples } => {
    if (rows.length < lookback + horizon)
      throw new CliError(
        `strand fit: the ${what} part has ${rows.length} rows, fewer than --lookback + --horizon = ${lookback + horizon}`,
        1,
      );
    return {
      raw: windows(rows, { lookback, horizon }),
      scaled: windows(scaler.transform(rows), { lookback, horizon }),
    };
  };
  const train = cut(parts.train, 'training');
  const validation = cut(parts.validation, 'validation');
  const final = testFraction > 0 ? cut(parts.test, 'test') : validation;
  const scale = scaler.toJSON().scale[0];
  const F = names.length;
  return {
    described: `forecast '${target}'${extra.length ? ` from ${names.join(', ')}` : ''} of ${table.file} (${series.length} rows), ${String(f.cell).toUpperCase()} ${f.hidden}, lookback ${lookback}, horizon ${horizon}`,
    train: train.scaled,
    validation: validation.scaled,
    metrics: ['mse'],
    build: () =>
      new SequenceModel({
        layers: [cell(f, F), new Dense(f.hidden as number, horizon, { at: 'last' })],
        output: 'linear',
      }),
    epoch: (e) => `validation MSE ${num((e.validation?.mse ?? NaN) * scale * scale)}`,
    report: (model) => {
      // predictions (N, horizon), scaled → the units of the column
      const predicted = predictValues(model, final.scaled.x).map((p) => scaler.inverseTransform(p, 0));
      const baseline = final.raw.x.map((w) =>
        Array.from({ length: horizon }, (_, h) =>
          season === undefined ? w[lookback - 1][0] : w[lookback - 1 + h + 1 - season * Math.ceil((h + 1) / season)][0],
        ),
      );
      const mse = (guess: ArrayLike<number>[]): number => {
        let sum = 0;
        final.raw.y.forEach((y, i) => y.forEach((v, h) => (sum += (guess[i][h] - v) ** 2)));
        return sum / (final.raw.y.length * horizon);
      };
      const which = season === undefined ? 'last-value baseline' : `seasonal-naive baseline, season ${season}`;
      const part = testFraction > 0 ? 'test' : 'validation';
      return `${part} MSE ${num(mse(predicted))} (model) vs ${num(mse(baseline))} (${which}) on ${final.raw.y.length} windows\n`;
    },
    metadata: { task: 'forecast', column: target, features: names, lookback, horizon, scaler: scaler.toJSON() },
  };
}

/** Shuffled split, a vocabulary of the training texts, Embedding → cell → softmax at the last step. */
function classifyJob(table: Table, f: Flags, need: (flag: string) => string): Job {
  const texts = textColumn(table, need('text-column'), '--text-column');
  const labelsOf = textColumn(table, need('label-column'), '--label-column');
  const labels = [...new Set(labelsOf)].sort();
  if (labels.length < 2)
    throw new CliError(
      `strand fit: ${table.file}: --label-column has ${labels.length} distinct label; a classifier needs 2 or more`,
      1,
    );
  const order = Array.from(texts, (_, i) => i);
  const rng = new Rng(f.seed as number);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nVal = Math.round(order.length * (f['val-fraction'] as number));
  if (nVal < 1 || nVal >= order.length)
    throw new CliError(
      `strand fit: ${table.file} has ${order.length} rows; --val-fraction leaves ${nVal} to validate`,
      1,
    );
  const trainRows = order.slice(0, order.length - nVal);
  const valRows = order.slice(order.length - nVal);
  const level = f.level as 'word' | 'char';
  const vocab = Vocab.fromTexts(
    trainRows.map((i) => texts[i]),
    {
      level,
      lowercase: f.lowercase as boolean,
      ...(level === 'word' ? { punctuation: f.punctuation as 'strip' } : {}),
    },
  );
  const maxLength = f['max-length'] as number;
  // token ids, cut to --max-length; a text with no tokens reads as one <UNK>
  const encode = (i: number): number[] => {
    const ids = Array.from(vocab.encode(texts[i]).subarray(0, maxLength));
    return ids.length > 0 ? ids : [vocab.unkId];
  };
  const samples = (rows: number[]) => ({ x: rows.map(encode), y: rows.map((i) => labels.indexOf(labelsOf[i])) });
  const train = samples(trainRows);
  const validation = samples(valRows);
  return {
    described: `classify ${labels.length} labels of ${table.file} (${texts.length} rows, ${vocab.size} ${level === 'word' ? 'words' : 'characters'}), ${String(f.cell).toUpperCase()} ${f.hidden}, embedding ${f.embed}`,
    train,
    validation,
    metrics: ['accuracy', 'f1'],
    build: () => {
      const model = new SequenceModel({
        layers: [
          new Embedding(vocab.size, f.embed as number),
          cell(f, f.embed as number),
          new Dense(f.hidden as number, labels.length, { at: 'last' }),
        ],
        output: 'softmax',
      });
      model.vocab = vocab;
      return model;
    },
    epoch: (e) =>
      `validation loss ${e.validation!.loss.toFixed(4)}, accuracy ${(e.validation!.accuracy! * 100).toFixed(1)}%`,
    report: (_model, trainer) => {
      const scores = trainer.evaluate(validation, { metrics: ['accuracy', 'f1'] });
      const f1 = scores.f1!;
      const width = Math.max(...labels.map((l) => l.length));
      return (
        `validation accuracy ${(scores.accuracy! * 100).toFixed(1)}% on ${validation.x.length} rows, macro F1 ${f1.macroF1.toFixed(3)}\n` +
        labels.map((l, c) => `  ${l.padEnd(width)}  F1 ${f1.f1[c].toFixed(3)}  (${f1.support[c]} rows)\n`).join('')
      );
    },
    metadata: { task: 'classify', labels, textColumn: f['text-column'], labelColumn: f['label-column'] },
  };
}

/** The flags saved in metadata.training. */
function settings(f: Flags): Record<string, unknown> {
  const keys = ['task', 'data', 'cell', 'hidden', 'epochs', 'batch', 'lr', 'clip', 'val-fraction', 'seed'];
  return Object.fromEntries(keys.map((k) => [k, f[k]]));
}
