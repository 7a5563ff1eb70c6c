// Seeded property-based fuzzing of the trainer and encoder-decoder loaders: mutated copies of
// trainer checkpoints (a token language model and a feature model saved mid-fit, an encoder-decoder
// after two updates) and of an encoder-decoder checkpoint, each with its CRC recomputed so that
// only semantic validation can catch the damage. Every load must end in strand's own error or in
// a trainer that steps (and resumes its fit) or a model that decodes and trains; none may crash,
// hang, leak heap blocks, allocate out of proportion to the file, or show an engine's message.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
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
