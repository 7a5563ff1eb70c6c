// Seeded property-based fuzzing of the checkpoint loader: thousands of mutated checkpoints of
// several architectures (LSTM, GRU, RNN; token and feature input; one-hot tables; dropout;
// bidirectional; a trainer's checkpoint), each with its CRC recomputed so that only semantic
// validation can catch the damage. Every load must end in strand's own error or in a model that
// predicts and trains; none may crash, hang, leak heap blocks, allocate out of proportion to the
// file, or show an engine's message.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { wasmBackend } from '../helpers/backends.ts';
import { originals } from '../io/fuzz-originals.ts';
import { emptyTally, fuzz, summary } from '../io/fuzz-run.ts';
import { guardHeap, modelLoader, probeLoad } from '../io/load-probe.ts';

let backend: Backend;

beforeAll(async () => {
  backend = await wasmBackend();
  guardHeap(backend);
});

/** Mutated files per original (five originals). */
const PER_ORIGINAL = 2000;

describe('fuzzing SequenceModel.load with CRC-correct mutations', () => {
  it(`${5 * PER_ORIGINAL} mutated checkpoints: strand's own error or a working model, nothing else`, () => {
    const where = 'SequenceModel.load';
    const load = modelLoader(backend);
    const tally = emptyTally();
    const t0 = performance.now();
    const files = originals(backend);
    // the originals themselves load and work (and the heap reaches its working size)
    for (const [name, original] of files)
      expect(probeLoad(backend, original, where, load).outcome, name).toBe('accepted');
    const memoryAtStart = backend.heap.stats().memoryBytes;
    files.forEach(([name, original], index) => {
      fuzz(tally, backend, name, original, 0x5a17 + index, PER_ORIGINAL, where, load);
    });
    const seconds = (performance.now() - t0) / 1000;
    const grown = backend.heap.stats().memoryBytes - memoryAtStart;
    console.log(`checkpoint fuzz in ${seconds.toFixed(1)} s, memory grew ${grown} bytes\n${summary(tally)}`);
    expect(tally.faults).toEqual([]);
    expect(tally.loads).toBe(5 * PER_ORIGINAL);
    expect(tally.outcomes.get('rejected') ?? 0).toBeGreaterThan(PER_ORIGINAL);
    expect(tally.outcomes.get('accepted') ?? 0).toBeGreaterThan(50);
    // wasm memory never shrinks: over every load it grew by at most a few files' worth
    expect(grown).toBeLessThanOrEqual(8 * tally.largest + 1024 * 1024);
  });
});
