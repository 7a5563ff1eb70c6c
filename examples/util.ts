// Small helpers shared by the worked examples: options, backend choice, data and metrics.
import { pathToFileURL } from 'node:url';
import { createBackend, type Backend } from '../src/index.ts';

/** Options every example's `run()` accepts. */
export interface ExampleOptions {
  /** Training updates (each example has its own default). */
  steps?: number;
  /** Seed of the weights and of the generated data; equal seeds give equal runs. */
  seed?: number;
  /** Where progress lines go; default: nowhere. */
  log?: (line: string) => void;
  /** Backend to train on; default a fresh one chosen like `init()` (WebAssembly SIMD when available). */
  backend?: Backend;
}

/** The backend an example runs on: the given one, else a new one of its own. */
export async function exampleBackend(options: ExampleOptions): Promise<Backend> {
  return options.backend ?? (await createBackend());
}

/** Whether the module at `moduleUrl` (pass `import.meta.url`) was started directly with node / tsx. */
export function isDirectRun(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && moduleUrl === pathToFileURL(script).href;
}

/** Reads `--steps N` and `--seed N` from the command line of a directly started example. */
export function commandLineOptions(): ExampleOptions {
  const options: ExampleOptions = { log: (line) => console.log(line) };
  for (let i = 2; i < process.argv.length; i += 2) {
    const key = process.argv[i].replace(/^--/, '');
    const value = Number(process.argv[i + 1]);
    if ((key === 'steps' || key === 'seed') && Number.isInteger(value)) options[key] = value;
    else
      throw new Error(`unknown option ${process.argv[i]} ${process.argv[i + 1] ?? ''} (expected --steps N, --seed N)`);
  }
  return options;
}

/** Writes a one-hot vector of `size` for class `k` into `into` at `offset`. */
export function putOneHot(into: Float32Array, offset: number, size: number, k: number): void {
  into.fill(0, offset, offset + size);
  into[offset + k] = 1;
}

/** The index of the largest of the `width` values of row `row` of `values`. */
export function argmaxRow(values: ArrayLike<number>, row: number, width: number): number {
  let best = 0;
  const base = row * width;
  for (let k = 1; k < width; k++) if (values[base + k] > values[base + best]) best = k;
  return best;
}

/** Formats a fraction as a percentage with one decimal. */
export function percent(fraction: number): string {
  return `${(100 * fraction).toFixed(1)} %`;
}

/** Milliseconds since `start` (from `performance.now()`), as seconds with two decimals. */
export function secondsSince(start: number): string {
  return `${((performance.now() - start) / 1000).toFixed(2)} s`;
}
