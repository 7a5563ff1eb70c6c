// The threaded WebAssembly backend: one shared linear memory, one instance of the threaded build
// on the calling thread (the only one that allocates: the JavaScript heap lives here) and one in
// each worker. A threaded kernel call writes its name and arguments into a control block in the
// shared memory, wakes the workers (Atomics.notify), and runs its own share on the calling thread;
// inside the kernel the threads split the work (assembly/threads.ts) and meet at spin barriers, and
// the kernel's last barrier means every share is done when the call returns. Kernels that are not
// threaded run on the calling thread alone, exactly as in the single-threaded builds.
//
// Runtime-specific parts (how a worker is started) come in through a ThreadSpawner adapter:
// src/platform/threads.node.ts (worker_threads) and src/platform/threads.web.ts (Web Workers).
import type { AllKernels, Backend } from './backend.ts';
import { Heap } from './heap.ts';
import type { WasmExports } from './wasm.ts';

/** A started worker, as the backend needs it. */
export interface ThreadWorker {
  /** Sends one message (structured clone: a WebAssembly.Module and a shared Memory are allowed). */
  postMessage(message: unknown): void;
  /** Calls `listener` with each message the worker sends. */
  onMessage(listener: (message: unknown) => void): void;
  /** Calls `listener` if the worker fails. */
  onError(listener: (error: unknown) => void): void;
  /** Stops the worker. */
  terminate(): void;
  /** Lets the runtime exit while the worker idles (Node's unref); called once the pool is ready. */
  release?(): void;
}

/** Starts a worker running the given classic-script source (see {@link THREAD_WORKER_SOURCE}). */
export type ThreadSpawner = (source: string) => ThreadWorker;

/** The threaded builds' file names, by flavor (in build/ and dist/). */
export const THREADED_BUILD_FILES = { simd: 'strand-threads.wasm', relaxed: 'strand-threads-relaxed.wasm' } as const;

/** The kernels that split their work across threads (assembly/lstm.ts, gru.ts, rnn.ts, dense.ts, optim.ts). */
export const THREADED_KERNELS = [
  'lstm_forward',
  'lstm_backward',
  'gru_forward',
  'gru_backward',
  'rnn_forward',
  'rnn_backward',
  'dense_forward',
  'dense_backward',
  'sgd_step',
  'adagrad_step',
  'rmsprop_step',
  'adam_step',
] as const;

/** Control block: [0] sequence number, [1] kernel index (−1 = stop), [2] argument count, [3] threads; f64 arguments from byte 16. */
const CONTROL_WORDS = 4;
/** Most arguments of a threaded kernel. */
const MAX_ARGS = 32;
/** Most threads (the wasm side sizes its per-thread scratch for 16). */
export const MAX_THREADS = 16;

/**
 * The worker's whole program, as source text so that it needs no file of its own (a bundler or a
 * CDN never has to find it): it instantiates the threaded build on the shared memory, reports
 * ready, then waits on the control block and runs its share of each kernel call.
 */
export const THREAD_WORKER_SOURCE = `
'use strict';
const node = typeof process === 'object' && process !== null && !!(process.versions && process.versions.node) && typeof require === 'function';
// the module name is assembled so that browser bundles name no Node built-in module
const port = node ? require(['node', 'worker_threads'].join(':')).parentPort : self;
const listen = (fn) => node ? port.on('message', fn) : (self.onmessage = (event) => fn(event.data));
listen(async (message) => {
  try {
    const { module, memory, index, control, names } = message;
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const kernels = instance.exports;
    port.postMessage({ ready: index });
    let seen = 0;
    for (;;) {
      const words = new Int32Array(memory.buffer, control, ${CONTROL_WORDS});
      Atomics.wait(words, 0, seen);
      seen = Atomics.load(words, 0);
      const kernel = words[1];
      if (kernel < 0) break;
      const args = Array.from(new Float64Array(memory.buffer, control + 16, words[2]));
      kernels.set_thread(index, words[3], 1);
      kernels[names[kernel]](...args);
    }
  } catch (error) {
    port.postMessage({ error: String(error && error.stack || error) });
  }
});
`;

/** Options of {@link createThreadedBackend}. */
export interface ThreadedBackendOptions {
  /** Threads in all, the calling one included (2..16). */
  threads: number;
  /** Starts a worker (see src/platform/threads.*.ts). */
  spawn: ThreadSpawner;
  /** Name of the build, reported as the backend's flavor (e.g. `'threads'`, `'threads-relaxed'`). */
  flavor?: string;
  /** Initial and maximum pages (64 KiB) of the shared memory; the maximum is reserved up front. */
  initialPages?: number;
  maximumPages?: number;
}

/** A backend whose threaded kernels run on several threads; `dispose()` stops its workers. */
export interface ThreadedBackend extends Backend {
  /** Threads in all, the calling one included. */
  readonly threads: number;
  /** The calling thread's instance. */
  readonly exports: WasmExports;
  /**
   * Threaded kernel calls with fewer floating-point operations than this run on the calling
   * thread alone, because waking the workers (tens of µs) costs more than sharing such a call
   * saves: a one-step LSTM call (streaming, generation) stays on one thread, a sequence splits.
   * Default {@link DEFAULT_MIN_PARALLEL_FLOPS}; 0 splits every call. The results are the same
   * either way (the threaded kernels are bit-identical to one thread).
   */
  minParallelFlops: number;
  /** How many threaded kernel calls have run split over every thread so far. */
  readonly parallelCalls: number;
  /** Stops the workers; afterwards the threaded kernels run on the calling thread alone. */
  dispose(): void;
}

/** Default {@link ThreadedBackend.minParallelFlops}: about 80 µs of single-thread work. */
export const DEFAULT_MIN_PARALLEL_FLOPS = 4e6;

/** Floating-point operations per element counted for an optimizer update (Adam's is about 16). */
const OPTIMIZER_FLOPS_PER_ELEMENT = 10;

/**
 * FLOPs of a threaded kernel call, from its leading arguments: recurrent (T, B, I, H):
 * 2·T·B·(I+H)·G forward (G = 4H LSTM, 3H GRU, H RNN); dense (M, I, O): 2·M·I·O forward; backward
 * twice the forward; an optimizer update over n elements: 10·n (so that updates of about 400 k
 * parameters and more split, smaller ones stay on the calling thread).
 */
function callFlops(kernel: (typeof THREADED_KERNELS)[number], args: number[]): number {
  if (kernel.endsWith('_step')) return OPTIMIZER_FLOPS_PER_ELEMENT * args[0];
  if (kernel.startsWith('dense')) return (kernel.endsWith('backward') ? 4 : 2) * args[0] * args[1] * args[2];
  const [T, B, I, H] = args;
  const gates = kernel.startsWith('lstm') ? 4 * H : kernel.startsWith('gru') ? 3 * H : H;
  return (kernel.endsWith('backward') ? 4 : 2) * T * B * (I + H) * gates;
}

/** Whether this engine can share memory between threads (SharedArrayBuffer, Atomics, and, in a page, cross-origin isolation). */
export function threadsSupported(): boolean {
  try {
    if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return false;
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
    if (isolated === false) return false;
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

/** Whether the calling thread may block in Atomics.wait (a browser's main thread may not). */
function callerMayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates a threaded backend from a compiled threaded build (`build/strand-threads*.wasm`).
 * Resolves once every worker has instantiated the module (instances write the module's static
 * data when they start, so none may start while kernels run).
 */
export async function createThreadedBackend(
  module: WebAssembly.Module,
  options: ThreadedBackendOptions,
): Promise<ThreadedBackend> {
  const threads = options.threads;
  if (!Number.isInteger(threads) || threads < 2 || threads > MAX_THREADS) {
    throw new RangeError(
      `createThreadedBackend: options.threads must be an integer from 2 to ${MAX_THREADS}, received ${String(threads)}`,
    );
  }
  if (typeof options.spawn !== 'function')
    throw new TypeError('createThreadedBackend: options.spawn must be a function that starts a worker');
  const memory = new WebAssembly.Memory({
    initial: options.initialPages ?? 32,
    maximum: options.maximumPages ?? 32768,
    shared: true,
  });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as unknown as WasmExports & {
    set_thread(index: number, count: number, canWait: number): void;
  };
  const canWait = callerMayBlock() ? 1 : 0;
  const heap = new Heap(memory, exports.heap_base());
  const control = heap.alloc(16 + 8 * MAX_ARGS);
  const workers: ThreadWorker[] = [];
  try {
    await Promise.all(
      Array.from(
        { length: threads - 1 },
        (_, w) =>
          new Promise<void>((resolve, reject) => {
            const worker = options.spawn(THREAD_WORKER_SOURCE);
            workers.push(worker);
            worker.onError(reject);
            worker.onMessage((message) => {
              const m = message as { ready?: number; error?: string };
              if (m.error !== undefined) reject(new Error(`strand: a kernel thread failed: ${m.error}`));
              else if (m.ready === w + 1) resolve();
            });
            worker.postMessage({ module, memory, index: w + 1, control, names: THREADED_KERNELS });
          }),
      ),
    );
  } catch (error) {
    for (const worker of workers) worker.terminate();
    throw error;
  }
  for (const worker of workers) worker.release?.();

  let running = true;
  let parallelCalls = 0;
  let minParallelFlops = DEFAULT_MIN_PARALLEL_FLOPS;
  /** Runs a threaded kernel on every thread (or, when small, on this one); returns when all shares are done. */
  const parallel = (kernel: number, args: number[]): void => {
    const name = THREADED_KERNELS[kernel];
    const fn = exports[name] as (...a: number[]) => void;
    if (!running || callFlops(name, args) < minParallelFlops) {
      fn(...args);
      return;
    }
    parallelCalls++;
    const words = new Int32Array(memory.buffer, control, CONTROL_WORDS);
    new Float64Array(memory.buffer, control + 16, args.length).set(args);
    words[1] = kernel;
    words[2] = args.length;
    words[3] = threads;
    Atomics.add(words, 0, 1);
    Atomics.notify(words, 0);
    exports.set_thread(0, threads, canWait);
    try {
      fn(...args);
    } finally {
      exports.set_thread(0, 1, canWait);
    }
  };
  const kernels = { ...exports } as unknown as AllKernels;
  THREADED_KERNELS.forEach((name, index) => {
    (kernels as unknown as Record<string, unknown>)[name] = (...args: number[]) => parallel(index, args);
  });
  return {
    name: 'wasm',
    flavor: options.flavor ?? 'threads',
    heap,
    kernels,
    exports,
    threads,
    get minParallelFlops(): number {
      return minParallelFlops;
    },
    set minParallelFlops(value: number) {
      if (typeof value !== 'number' || !(value >= 0)) {
        throw new RangeError(`minParallelFlops must be a number ≥ 0, received ${String(value)}`);
      }
      minParallelFlops = value;
    },
    get parallelCalls(): number {
      return parallelCalls;
    },
    dispose(): void {
      if (!running) return;
      running = false;
      const words = new Int32Array(memory.buffer, control, CONTROL_WORDS);
      words[1] = -1;
      Atomics.add(words, 0, 1);
      Atomics.notify(words, 0);
      for (const worker of workers) worker.terminate();
    },
  };
}
