// Runs one checkpoint load as a hostile file would meet it, and says what happened: accepted (and
// the model then predicts and trains), rejected with strand's own error, or one of the faults the
// loader must never show: a foreign (engine) message, an untyped error, leaked heap blocks, an
// allocation out of proportion to the file, a slow load, or an accepted file that breaks the next
// step. Page-safe (no Node imports).
import type { Backend } from '../../src/backend/backend.ts';
import { SequenceModel } from '../../src/nn/model.ts';
import type { Trainable } from '../../src/nn/trainable.ts';
import { Trainer } from '../../src/train/trainer.ts';

/** What one load did. */
export type Outcome = 'accepted' | 'rejected' | 'foreign' | 'untyped' | 'leak' | 'memory' | 'slow' | 'broken';

/** The faults: every outcome but accepted and rejected. */
export const FAULTS: readonly Outcome[] = ['foreign', 'untyped', 'leak', 'memory', 'slow', 'broken'];

/** One load's outcome, with the error message (or the fault's explanation). */
export interface Probe {
  outcome: Outcome;
  message: string;
}

/** Engine messages that must never reach a user through a loader. */
const FOREIGN =
  /Cannot read propert|Cannot convert|is not a function|is not iterable|is not an object|Invalid typed array|Invalid array length|Array buffer allocation|Maximum call stack|Unable to grow|out of memory|Unexpected token|Unexpected end|Unterminated|in JSON at position|Bad control character|is not valid JSON|is not defined|undefined is not|null is not|Offset is outside|out of bounds/;

/** Bytes a load may allocate on the heap: a small multiple of the file, plus a constant. */
export function heapBudget(fileBytes: number): number {
  return 4 * fileBytes + 256 * 1024;
}

/** Sentinel thrown by the allocation guard. */
class OverBudget extends Error {}

const guarded = new WeakMap<Backend, { budget: number; start: number }>();

/**
 * Makes every heap allocation on `backend` fail once the bytes in use would exceed the budget set
 * for the current load (no budget: unlimited), so that a loader that allocates out of proportion
 * to its file is caught at once instead of growing the memory by gigabytes.
 */
export function guardHeap(backend: Backend): void {
  if (guarded.has(backend)) return;
  const state = { budget: Infinity, start: 0 };
  guarded.set(backend, state);
  const heap = backend.heap;
  const alloc = heap.alloc.bind(heap);
  heap.alloc = (bytes: number): number => {
    if (heap.stats().bytesInUse - state.start + bytes > state.budget)
      throw new OverBudget(`allocation of ${bytes} bytes over the load's budget of ${state.budget}`);
    return alloc(bytes);
  };
}

/** Runs `body` with the load budget of a file of `fileBytes` on a guarded backend. */
export function withBudget<T>(backend: Backend, fileBytes: number, body: () => T): T {
  const state = guarded.get(backend);
  if (state === undefined) return body();
  state.budget = heapBudget(fileBytes);
  state.start = backend.heap.stats().bytesInUse;
  try {
    return body();
  } finally {
    state.budget = Infinity;
  }
}

/** Whether an error is strand's own: a FormatError, RangeError or TypeError whose message starts with `where:`. */
export function isStrandError(error: unknown, where: string): boolean {
  if (!(error instanceof Error)) return false;
  return (
    ['FormatError', 'RangeError', 'TypeError'].includes(error.name) &&
    error.message.startsWith(`${where}: `) &&
    !FOREIGN.test(error.message)
  );
}

/** The largest magnitude of any weight of a model. */
export function largestWeight(model: Trainable): number {
  let m = 0;
  for (const set of model.parameterSets())
    for (const t of Object.values(set.stateDict())) for (const v of t) m = Math.max(m, Math.abs(v));
  return m;
}

/**
 * A batch for any sequence model: T = 3 steps, B = 2 streams, targets fitting its output (class
 * ids when `classes`, by default for a softmax head; else values).
 */
export function batchFor(
  model: SequenceModel,
  classes = model.output === 'softmax',
): { input: ArrayLike<number>; target: ArrayLike<number> } {
  const T = 3;
  const B = 2;
  const input = model.embedding
    ? Int32Array.from({ length: T * B }, (_, i) => i % model.inputSize)
    : Float32Array.from({ length: T * B * model.inputSize }, (_, i) => Math.sin(i));
  const rows = model.outputRows(T, B);
  const O = model.outputSize;
  const target = classes
    ? Int32Array.from({ length: rows }, (_, i) => i % O)
    : Float32Array.from({ length: rows * O }, (_, i) => (i % 2 === 0 ? 1 : 0));
  return { input, target };
}

/**
 * Checks an accepted model: `predict` runs and, unless some weight is huge (a legitimate file may
 * hold weights that overflow), gives finite outputs; one training step gives a finite loss and
 * finite weights, or refuses with NonFiniteError and leaves the weights as they were.
 * @returns null when all holds, else what broke
 */
export function checkAccepted(model: SequenceModel): string | null {
  const huge = largestWeight(model) > 1e4;
  const { input, target } = batchFor(model);
  const out = model.predict(input, { seqLen: 3, batch: 2 });
  if (!huge && !out.every(Number.isFinite)) return 'predict gave non-finite outputs with ordinary weights';
  const trainer = new Trainer(model, { optimizer: { type: 'sgd', lr: 0.01 } });
  try {
    const before = model.stateDict();
    try {
      const { loss } = trainer.step({ input, target, seqLen: 3, batch: 2 });
      if (!huge && !Number.isFinite(loss)) return `step gave loss ${loss} with ordinary weights`;
      const after = model.stateDict();
      if (!huge && !Object.values(after).every((t) => t.every(Number.isFinite))) return 'step left non-finite weights';
    } catch (error) {
      if ((error as Error).name !== 'NonFiniteError') return `step threw ${(error as Error).message}`;
      const after = model.stateDict();
      for (const k of Object.keys(before))
        if (!before[k].every((v, i) => Object.is(v, after[k][i]))) return 'a refused step changed the weights';
    }
  } finally {
    trainer.dispose();
  }
  return null;
}

/**
 * Loads `bytes` with `load` on `backend` and classifies what happened. An accepted model is checked
 * with {@link checkAccepted} and disposed; afterwards the heap must hold exactly the blocks it held before.
 * @param slowMs a load slower than this is a fault
 */
export function probeLoad(
  backend: Backend,
  bytes: Uint8Array,
  where: string,
  load: (bytes: Uint8Array) => SequenceModel,
  slowMs = 1000,
): Probe {
  const heap = backend.heap;
  const before = heap.stats();
  const t0 = performance.now();
  let model: SequenceModel | null = null;
  let probe: Probe;
  try {
    model = withBudget(backend, bytes.length, () => load(bytes));
    probe = { outcome: 'accepted', message: '' };
  } catch (error) {
    probe = refusal(error, where);
  }
  const ms = performance.now() - t0;
  if (model !== null) {
    try {
      const broken = checkAccepted(model);
      if (broken !== null) probe = { outcome: 'broken', message: broken };
    } catch (error) {
      probe = { outcome: 'broken', message: `after loading: ${(error as Error).message}` };
    }
    model.dispose();
  }
  return settle(probe, before, heap.stats(), ms, slowMs);
}

/** How a load that threw `error` is classified: strand's refusal, or a fault (foreign, untyped, memory). */
export function refusal(error: unknown, where: string): Probe {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (error instanceof OverBudget) return { outcome: 'memory', message };
  if (isStrandError(error, where)) return { outcome: 'rejected', message };
  if (error instanceof Error && error.message.startsWith(`${where}: `) && !FOREIGN.test(error.message))
    return { outcome: 'untyped', message };
  return { outcome: 'foreign', message };
}

/** Heap counts, as the heap's `stats()` gives them. */
type HeapCounts = { blocks: number; bytesInUse: number };

/**
 * A load's final outcome, once what it built is freed: a leak when the heap does not hold exactly
 * the blocks and bytes it held before, a slow load when it took over `slowMs`, else `probe`.
 */
export function settle(probe: Probe, before: HeapCounts, after: HeapCounts, ms: number, slowMs: number): Probe {
  if (probe.outcome !== 'memory' && (after.blocks !== before.blocks || after.bytesInUse !== before.bytesInUse))
    return {
      outcome: 'leak',
      message: `${after.blocks - before.blocks} blocks, ${after.bytesInUse - before.bytesInUse} bytes left on the heap (${probe.message})`,
    };
  if ((probe.outcome === 'rejected' || probe.outcome === 'accepted') && ms > slowMs)
    return { outcome: 'slow', message: `${ms.toFixed(0)} ms (${probe.message})` };
  return probe;
}

/** Loads through {@link SequenceModel.load} on `backend`. */
export function modelLoader(backend: Backend): (bytes: Uint8Array) => SequenceModel {
  return (bytes) => SequenceModel.load(bytes, { backend });
}
