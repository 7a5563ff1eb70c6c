// The `strand` command line: dispatches to a command, turns every expected failure into a clear
// one-line message and an exit code (2: usage, 1: failure, 130: interrupted), never a stack trace.
import { CliError, closest, helpText, parseArgs, type CommandSpec, type ParsedArgs } from './args.ts';
import { bench, benchSpec } from './bench.ts';
import { convert, convertSpec } from './convert.ts';
import { gradflow, gradflowSpec } from './gradflow.ts';
import { inspect, inspectSpec } from './inspect.ts';
import type { CliIO } from './io.ts';
import { sample, sampleSpec } from './sample.ts';
import { score, scoreSpec } from './score.ts';
import { fit, fitSpec } from './fit.ts';
import { train, trainSpec } from './train.ts';

/** One command: its flags and what it does. */
interface Command {
  spec: CommandSpec;
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  train: { spec: trainSpec, run: train },
  fit: { spec: fitSpec, run: fit },
  sample: { spec: sampleSpec, run: sample },
  score: { spec: scoreSpec, run: score },
  gradflow: { spec: gradflowSpec, run: gradflow },
  convert: { spec: convertSpec, run: convert },
  inspect: { spec: inspectSpec, run: inspect },
  bench: { spec: benchSpec, run: bench },
};

/** The text of `strand --help`. */
export function generalHelp(): string {
  return [
    'strand: recurrent neural networks (RNN, LSTM, GRU) with WebAssembly SIMD kernels',
    '',
    'usage: strand <command> [flags]',
    '',
    'commands:',
    ...Object.values(COMMANDS).map((c) => `  ${c.spec.name.padEnd(10)} ${c.spec.summary}`),
    '',
    'strand <command> --help shows the flags of a command.',
    '',
    'first steps:',
    '  strand train --time-limit 90 --out lighthouse.strand      # learn the built-in corpus',
    '  strand sample --model lighthouse.strand --prime "MARLOW:"   # write like it',
    '  strand score --model lighthouse.strand "I will keep the lamp." "lamp the keep will I."',
    '  strand gradflow                                             # see vanishing gradients',
    '  strand convert model.pt model.strand --vocab vocab.json     # bring a PyTorch model in',
    '  strand fit --task forecast --data series.csv --column temp  # forecast a CSV column',
  ].join('\n');
}

/**
 * Runs the command line `argv` (the words after `strand`).
 * @returns the exit code
 */
export async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(`${generalHelp()}\n`);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0];
    if (topic !== undefined && COMMANDS[topic]) io.out(`${helpText(COMMANDS[topic].spec)}\n`);
    else io.out(`${generalHelp()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    const near = closest(name, Object.keys(COMMANDS));
    io.err(
      `strand: unknown command '${name}'${near ? ` (did you mean ${near}?)` : ''}; commands: ${Object.keys(COMMANDS).join(', ')} (see strand --help)\n`,
    );
    return 2;
  }
  try {
    const args = parseArgs(command.spec, rest);
    if (args.help) {
      io.out(`${helpText(command.spec)}\n`);
      return 0;
    }
    return await command.run(args, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const prefix = message.startsWith('strand') ? '' : `strand ${name}: `;
    io.err(`${prefix}${message}\n`);
    if (process.env.STRAND_DEBUG && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
    if (error instanceof CliError) return error.exitCode;
    return 1;
  }
}
