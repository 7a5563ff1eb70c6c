// `strand bench`: runs the benchmark suite (bench/index.ts in a clone of the repository).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CliError, type CommandSpec, type ParsedArgs } from './args.ts';
import type { CliIO } from './io.ts';

/** The flags of `strand bench` (everything else is passed to the suite). */
export const benchSpec: CommandSpec = {
  name: 'bench',
  summary: 'run the benchmark suite (W1–W5, K1) on both backends',
  usage: 'bench [--quick] [--only W1,W3,K1]',
  flags: {},
  passThrough: true,
  notes: ['Flags are passed to bench/index.ts: --quick for a short run, --only to pick workloads.'],
};

/** Runs `strand bench`; resolves with the suite's exit code. */
export async function bench(args: ParsedArgs, _io: CliIO): Promise<number> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const script = fileURLToPath(new URL('../../bench/index.ts', import.meta.url));
  if (!existsSync(script))
    throw new CliError(
      'strand bench: the benchmark suite (bench/index.ts) is not part of this installation; run it from a clone of the repository',
      1,
    );
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', script, ...args.positionals], { cwd: root, stdio: 'inherit' });
    child.on('error', (error) => reject(new CliError(`strand bench: cannot start npx tsx: ${error.message}`, 1)));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
