// The `strand` command run in this process (faster than a subprocess), its output captured.
import type { CliIO } from '../../src/cli/io.ts';
import { run } from '../../src/cli/run.ts';

/** What one in-process `strand` run returned and wrote. */
export interface CliRun {
  /** The exit code. */
  code: number;
  /** Standard output. */
  out: string;
  /** Standard error. */
  err: string;
}

/** Runs `strand ...argv` in this process; returns the exit code and what it wrote. */
export async function strandInProcess(...argv: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: CliIO = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    isTTY: false,
    columns: 100,
  };
  const code = await run(argv, io);
  return { code, out, err };
}
