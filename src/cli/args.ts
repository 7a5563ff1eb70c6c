import { closest } from '../util/closest.ts';

export { closest };
// Command-line flags: a small, strict parser. Every mistake becomes a CliError whose message
// names the flag and what it expects; `--help` text is generated from the same specification.

/** A mistake on the command line, or a file / model problem: printed without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  /** @param exitCode 2 for usage mistakes (the default), 1 for failures while running */
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** What one flag accepts. */
export interface FlagSpec {
  /** `'string'`, `'int'`, `'number'` or `'boolean'` (a switch: `--flag`, `--no-flag`). */
  type: 'string' | 'int' | 'number' | 'boolean';
  /** One line of help. */
  help: string;
  /** The value when the flag is absent. */
  default?: string | number | boolean;
  /** Allowed values of a string flag. */
  choices?: readonly string[];
  /** Smallest allowed value of a number flag. */
  min?: number;
  /** Largest allowed value of a number flag. */
  max?: number;
  /** Whether `min` itself is excluded. */
  exclusiveMin?: boolean;
  /** Whether `max` itself is excluded. */
  exclusiveMax?: boolean;
  /** The value's name in the help, e.g. `FILE`. */
  placeholder?: string;
  /** The flag must be given. */
  required?: boolean;
}

/** A command's flags, positional arguments and help. */
export interface CommandSpec {
  /** The command's name (`train`). */
  name: string;
  /** One line: what it does. */
  summary: string;
  /** Usage line(s) after `strand `. */
  usage: string;
  /** Flags by name (without the dashes). */
  flags: Record<string, FlagSpec>;
  /** Positional arguments: how many are allowed, and their help. */
  positionals?: { name: string; help: string; min: number; max: number };
  /** Pass unknown flags through as positionals (for commands that wrap another program). */
  passThrough?: boolean;
  /** Example invocations. */
  examples?: string[];
  /** Paragraphs after the flags. */
  notes?: string[];
}

/** Parsed flags (absent flags hold their default, or undefined) and positional arguments. */
export interface ParsedArgs {
  flags: Record<string, string | number | boolean | undefined>;
  positionals: string[];
  /** `--help` / `-h` was given. */
  help: boolean;
}

/**
 * Parses `argv` (the words after the command) against `spec`: `--flag value`, `--flag=value`,
 * `--switch`, `--no-switch`, `--` (the rest are positionals), `-h` / `--help`.
 */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const where = `strand ${spec.name}`;
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (word === '-h' || word === '--help') {
      help = true;
      continue;
    }
    if (!word.startsWith('-') || word === '-' || /^-\d/.test(word)) {
      positionals.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const raw = word.startsWith('--') ? word.slice(2, eq > 0 ? eq : undefined) : word.slice(1, eq > 0 ? eq : undefined);
    let name = raw;
    let negated = false;
    if (!(name in spec.flags) && name.startsWith('no-') && spec.flags[name.slice(3)]?.type === 'boolean') {
      name = name.slice(3);
      negated = true;
    }
    const flag = spec.flags[name];
    if (flag === undefined || !word.startsWith('--')) {
      if (spec.passThrough) {
        positionals.push(word);
        continue;
      }
      throw new CliError(
        `${where}: unknown flag '${word.split('=')[0]}'${suggest(raw, Object.keys(spec.flags))} (see strand ${spec.name} --help)`,
      );
    }
    if (name in flags) throw new CliError(`${where}: flag --${name} is given twice`);
    if (flag.type === 'boolean') {
      if (eq > 0) {
        const v = word.slice(eq + 1);
        if (v !== 'true' && v !== 'false')
          throw new CliError(`${where}: --${name} is a switch (use --${name} or --no-${name}), received '${v}'`);
        flags[name] = (v === 'true') !== negated;
      } else {
        flags[name] = !negated;
      }
      continue;
    }
    let value: string;
    if (eq > 0) value = word.slice(eq + 1);
    else {
      const next = argv[i + 1];
      const numeric = flag.type !== 'string' && next !== undefined && /^-[\d.]/.test(next);
      if (
        next === undefined ||
        (next.startsWith('--') && !numeric) ||
        (next.startsWith('-') && next.length > 1 && !numeric && flag.type !== 'string')
      ) {
        throw new CliError(`${where}: --${name} needs a value (${describeFlag(flag)})`);
      }
      value = next;
      i++;
    }
    flags[name] = convert(where, name, flag, value);
  }
  if (!help) {
    for (const [name, flag] of Object.entries(spec.flags)) {
      if (flags[name] === undefined && flag.required)
        throw new CliError(`${where}: --${name} is required (${flag.help})`);
    }
    const p = spec.positionals;
    const max = p?.max ?? 0;
    if (!spec.passThrough && positionals.length > max) {
      throw new CliError(
        max === 0
          ? `${where}: unexpected argument '${positionals[0]}' (flags start with --; see strand ${spec.name} --help)`
          : `${where}: at most ${max} ${p!.name} argument${max === 1 ? '' : 's'} allowed, received ${positionals.length}`,
      );
    }
    if (p && positionals.length < p.min)
      throw new CliError(`${where}: missing ${p.name} (${p.help}); see strand ${spec.name} --help`);
  }
  for (const [name, flag] of Object.entries(spec.flags))
    if (flags[name] === undefined && flag.default !== undefined) flags[name] = flag.default;
  return { flags, positionals, help };
}

/** The `--help` text of a command. */
export function helpText(spec: CommandSpec): string {
  const lines = [`strand ${spec.name}: ${spec.summary}`, '', `usage: strand ${spec.usage}`];
  const rows: Array<[string, string]> = [];
  if (spec.positionals) rows.push([spec.positionals.name, spec.positionals.help]);
  for (const [name, flag] of Object.entries(spec.flags)) {
    const left = `--${name}${flag.type === 'boolean' ? '' : ` ${flag.placeholder ?? (flag.choices ? flag.choices.join('|') : flag.type === 'string' ? 'TEXT' : 'N')}`}`;
    const def =
      flag.default !== undefined && flag.default !== ''
        ? ` [default: ${flag.default}]`
        : flag.required
          ? ' [required]'
          : '';
    rows.push([left, `${flag.help}${def}`]);
  }
  rows.push(['-h, --help', 'this help']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  lines.push('', 'flags:', ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`));
  if (spec.notes) lines.push('', ...spec.notes);
  if (spec.examples) lines.push('', 'examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------ internals

function describeFlag(flag: FlagSpec): string {
  if (flag.choices) return `one of ${flag.choices.join(', ')}`;
  if (flag.type === 'string') return flag.placeholder ? `a ${flag.placeholder.toLowerCase()}` : 'a text';
  const kind = flag.type === 'int' ? 'an integer' : 'a number';
  const lo = flag.min !== undefined ? `${flag.exclusiveMin ? '>' : '≥'} ${flag.min}` : '';
  const hi = flag.max !== undefined ? `${flag.exclusiveMax ? '<' : '≤'} ${flag.max}` : '';
  return [kind, [lo, hi].filter(Boolean).join(' and ')].filter(Boolean).join(' ');
}

function convert(where: string, name: string, flag: FlagSpec, value: string): string | number {
  if (flag.type === 'string') {
    if (flag.choices && !flag.choices.includes(value))
      throw new CliError(`${where}: --${name} must be one of ${flag.choices.join(', ')}, received '${value}'`);
    return value;
  }
  const n =
    flag.type === 'int'
      ? /^[+-]?\d+$/.test(value.trim())
        ? Number(value)
        : NaN
      : value.trim() === ''
        ? NaN
        : Number(value);
  const bad = (): never => {
    throw new CliError(`${where}: --${name} must be ${describeFlag(flag)}, received '${value}'`);
  };
  if (!Number.isFinite(n)) bad();
  if (flag.min !== undefined && (flag.exclusiveMin ? n <= flag.min : n < flag.min)) bad();
  if (flag.max !== undefined && (flag.exclusiveMax ? n >= flag.max : n > flag.max)) bad();
  return n;
}

/** ` (did you mean --x?)` for a near miss, else ''. */
function suggest(word: string, names: string[]): string {
  const best = closest(word, names);
  return best ? ` (did you mean --${best}?)` : '';
}
