/**
 * Timing and checking helpers of the peer benchmarks: tinybench medians (as bench/index.ts), with
 * fewer repetitions for tasks that take seconds, and the equality checks that run before any
 * timing.
 */
import { Bench } from 'tinybench';

/** A median time and how many timed runs it is the median of. */
export interface Median {
  ms: number;
  runs: number;
}

/**
 * Median time (ms) of `fn` with tinybench. `firstMs` is how long the (already run) check of the
 * same work took. Fast tasks get a long warm-up (TF.js runs thousands of small JavaScript
 * functions per call, which V8 optimises over the first second or two; timing them cold
 * overstates their cost several-fold). Tasks of 300 ms to 5 s are repeated for about 8 s in all
 * (3 to 10 runs; a median of 2 moved TF.js wasm's W3 by ±6 % from one full run to the next), the
 * check counting as warm-up; slower ones, and every task of 300 ms or more in a quick run, once.
 */
export async function medianMs(
  fn: () => unknown,
  options: { quick: boolean; firstMs: number; async?: boolean },
): Promise<Median> {
  const { quick, firstMs } = options;
  let bench: Bench;
  if (firstMs >= 5000 || (quick && firstMs >= 300)) {
    bench = new Bench({ time: 0, iterations: 1, warmup: false });
  } else if (firstMs >= 300) {
    bench = new Bench({ time: 0, iterations: secondsLongRuns(firstMs), warmupTime: 0, warmupIterations: 1 });
  } else {
    bench = quick
      ? new Bench({ time: 300, iterations: 5, warmupTime: 500, warmupIterations: 5 })
      : new Bench({ time: 1500, iterations: 10, warmupTime: 1500, warmupIterations: 10 });
  }
  bench.add('task', fn, { async: options.async ?? false });
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed')
    throw new Error(`benchmark task ${result.state}: ${'error' in result ? String(result.error) : ''}`);
  return { ms: result.latency.p50, runs: result.latency.samplesCount };
}

/** Timed runs for a task of `firstMs` (300 ms to 5 s): about 8 s in all, at least 3 and at most 10. */
export const secondsLongRuns = (firstMs: number): number => Math.min(10, Math.max(3, Math.ceil(8000 / firstMs)));

/** One measured result of a peer: the median, its number of runs, and how it was run and checked. */
export interface PeerTiming extends Median {
  note: string;
}

/** Runs `fn` once and returns its result and the time it took in ms. */
export async function timed<T>(fn: () => T | Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await fn();
  return { result, ms: performance.now() - start };
}

/** Largest |a[i] − b[i]| (Infinity on a length mismatch or a non-finite value). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= worst)) worst = Number.isFinite(d) ? d : Infinity;
  }
  return worst;
}

/**
 * Tolerances of the checks: outputs and logits (|Δ|; LSTM outputs lie in [−1, 1], the logits here
 * within a few units) and the first-step loss (relative). Agreement measured on this machine is
 * 1e-7–1e-6 for both. The loss alone is a weak check — with freshly initialised weights it stays
 * near ln V whatever the weights are (swapping a GRU's r and z gates moves it by only 1e-4
 * relative) — so training workloads compare the first step's logits as well.
 */
export const TOLERANCE = { output: 1e-4, loss: 1e-5 } as const;

/**
 * Throws unless `system`'s outputs (or logits: `what`) equal strand's within {@link TOLERANCE}.output.
 * @returns a short description of the check for the row's note
 */
export function checkOutputs(
  system: string,
  id: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what = 'output',
): string {
  const d = maxAbsDiff(actual, expected);
  if (!(d <= TOLERANCE.output)) {
    throw new Error(
      `${id} ${system}: ${what} not equal to strand's (max |Δ| ${d.toExponential(2)} > ${TOLERANCE.output}); not the same function, refusing to time it`,
    );
  }
  return `${what} = strand's (max |Δ| ${d.toExponential(1)})`;
}

/**
 * Throws unless `system`'s first-step loss equals strand's within {@link TOLERANCE}.loss (relative).
 * @returns a short description of the check for the row's note
 */
export function checkLoss(system: string, id: string, actual: number, expected: number): string {
  const rel = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-12);
  if (!(rel <= TOLERANCE.loss)) {
    throw new Error(
      `${id} ${system}: first-step loss ${actual} differs from strand's ${expected} (relative ${rel.toExponential(2)} > ${TOLERANCE.loss}); not the same function, refusing to time it`,
    );
  }
  return `step-1 loss = strand's (rel. Δ ${rel.toExponential(1)})`;
}
