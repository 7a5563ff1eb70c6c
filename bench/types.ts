// Shared types of the benchmark suite.

/** One measured result: a workload (or kernel shape) on one backend. */
export type Row = {
  /** Workload id, e.g. `K1 256x256x256`. */
  id: string;
  /** Which implementation ran it: `wasm`, `js`, or a peer library's name. */
  backend: string;
  /** The measured value, in `unit`. */
  value: number;
  /** Unit of `value`, e.g. `GFLOP/s` or `ms`. */
  unit: string;
  /** Arithmetic throughput, when the workload has a known operation count. */
  gflops?: number;
};
