// Seeded property-based fuzzing of the trainer and encoder-decoder loaders: mutated copies of
// trainer checkpoints (a token language model and a feature model saved mid-fit, an encoder-decoder
// after two updates) and of an encoder-decoder checkpoint, each with its CRC recomputed so that
// only semantic validation can catch the damage. Every load must end in strand's own error or in
// a trainer that steps (and resumes its fit) or a model that decodes and trains; none may crash,
// hang, leak heap blocks, allocate out of proportion to the file, or show an engine's message.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { EncoderDecoder, type Trainable, Trainer } from '../../src/index.ts';
import { wasmBackend } from '../helpers/backends.ts';
import { emptyTally, type FuzzTally, fuzzAsync, summary } from '../io/fuzz-run.ts';
import { encoderDecoderOriginal, type FuzzOriginal, trainerOriginals } from '../io/fuzz-trainer-originals.ts';
import { guardHeap } from '../io/load-probe.ts';
import { encoderDecoderLoader, probeBuild, trainerLoader } from '../io/trainer-probe.ts';

let backend: Backend;
let trainers: FuzzOriginal[];

beforeAll(async () => {
  backend = await wasmBackend();
  trainers = await trainerOriginals(backend);
  guardHeap(backend);
});

/** Mutated files per trainer checkpoint (three of them). */
const PER_TRAINER = 2000;

/** Mutated encoder-decoder checkpoints. */
const ENCODER_DECODERS = 3000;

/** The assertions every fuzz run shares: no fault, mostly refused, some accepted, memory bounded. */
function expectSound(tally: FuzzTally, loads: number, grown: number): void {
  expect(tally.faults).toEqual([]);
  expect(tally.loads).toBe(loads);
  expect(tally.outcomes.get('rejected') ?? 0).toBeGreaterThan(loads / 2);
  expect(tally.outcomes.get('accepted') ?? 0).toBeGreaterThan(loads / 100);
  // wasm memory never shrinks: over every load it grew by at most a few files' worth
  expect(grown).toBeLessThanOrEqual(8 * tally.largest + 1024 * 1024);
}

describe('fuzzing Trainer.load with CRC-correct mutations', () => {
  it(`${3 * PER_TRAINER} mutated trainer checkpoints: strand's own error or a trainer that steps and resumes`, async () => {
    const where = 'Trainer.load';
    const tally = emptyTally();
    const t0 = performance.now();
    // the originals themselves load, step and resume (and the heap reaches its working size)
    for (const { name, bytes, resume } of trainers)
      expect(await probeBuild(backend, bytes, where, trainerLoader(backend, resume, true)), name).toEqual({
        outcome: 'accepted',
        message: '',
      });
    const memoryAtStart = backend.heap.stats().memoryBytes;
    for (const [index, { name, bytes, resume }] of trainers.entries()) {
      const load = trainerLoader(backend, resume);
      await fuzzAsync(tally, name, bytes, 0x7a11 + index, PER_TRAINER, (b) => probeBuild(backend, b, where, load));
    }
    const seconds = (performance.now() - t0) / 1000;
    const grown = backend.heap.stats().memoryBytes - memoryAtStart;
    console.log(`trainer checkpoint fuzz in ${seconds.toFixed(1)} s, memory grew ${grown} bytes\n${summary(tally)}`);
    expectSound(tally, 3 * PER_TRAINER, grown);
  });
});

describe('fuzzing EncoderDecoder.load with CRC-correct mutations', () => {
  it(`${ENCODER_DECODERS} mutated encoder-decoder checkpoints: strand's own error or a model that decodes and trains`, async () => {
    const where = 'EncoderDecoder.load';
    const { name, bytes } = encoderDecoderOriginal(backend);
    const load = encoderDecoderLoader(backend);
    const tally = emptyTally();
    const t0 = performance.now();
    expect(await probeBuild(backend, bytes, where, load)).toEqual({ outcome: 'accepted', message: '' });
    const memoryAtStart = backend.heap.stats().memoryBytes;
    await fuzzAsync(tally, name, bytes, 0xed0c, ENCODER_DECODERS, (b) => probeBuild(backend, b, where, load));
    const seconds = (performance.now() - t0) / 1000;
    const grown = backend.heap.stats().memoryBytes - memoryAtStart;
    console.log(
      `encoder-decoder checkpoint fuzz in ${seconds.toFixed(1)} s, memory grew ${grown} bytes\n${summary(tally)}`,
    );
    expectSound(tally, ENCODER_DECODERS, grown);
  });
});

/** Loads `bytes` with the `fail`-th heap allocation failing; returns the heap counts before and after and the error. */
function loadFailingAt(bytes: Uint8Array, fail: number, load: (b: Uint8Array) => { dispose(): void }) {
  const heap = backend.heap;
  const alloc = heap.alloc;
  let calls = 0;
  heap.alloc = (n: number): number => {
    if (calls++ === fail) throw new RangeError('injected: the memory cannot grow');
    return alloc.call(heap, n);
  };
  const before = heap.stats();
  let error: unknown = null;
  try {
    load(bytes).dispose();
  } catch (e) {
    error = e;
  } finally {
    heap.alloc = alloc;
  }
  const after = heap.stats();
  return { calls, error, leaked: [after.blocks - before.blocks, after.bytesInUse - before.bytesInUse] };
}

describe('a load whose heap allocation fails frees all it built', () => {
  it('at every allocation of every trainer and encoder-decoder checkpoint', () => {
    const loaders: Array<[string, Uint8Array, (b: Uint8Array) => { dispose(): void }]> = [
      ...trainers.map(({ name, bytes }): [string, Uint8Array, (b: Uint8Array) => { dispose(): void }] => [
        name,
        bytes,
        (b) => {
          const t = Trainer.load<Trainable>(b, { backend });
          return {
            dispose: () => {
              t.dispose();
              (t.model as unknown as { dispose(): void }).dispose();
            },
          };
        },
      ]),
      ['an encoder-decoder', encoderDecoderOriginal(backend).bytes, (b) => EncoderDecoder.load(b, { backend })],
    ];
    let failures = 0;
    for (const [name, bytes, load] of loaders) {
      const { calls, error } = loadFailingAt(bytes, -1, load);
      expect(error, name).toBeNull();
      expect(calls, name).toBeGreaterThan(3);
      for (let k = 0; k < calls; k++) {
        const r = loadFailingAt(bytes, k, load);
        expect(r.error, `${name}, allocation ${k}`).toBeInstanceOf(Error);
        expect(r.leaked, `${name}: blocks and bytes left when allocation ${k} of ${calls} failed`).toEqual([0, 0]);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(20);
  });
});
