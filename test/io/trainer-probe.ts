// Runs one trainer or encoder-decoder checkpoint load as a hostile file would meet it (see
// load-probe.ts for the outcomes). An accepted trainer must run one step with a finite loss (or
// refuse it with NonFiniteError) and, when the file holds a fit position, resume that fit; an
// accepted encoder-decoder must decode and train. Everything built is freed, and the heap must
// then hold exactly the blocks it held before. Page-safe (no Node imports).
import type { Backend } from '../../src/backend/backend.ts';
import type { SequenceModel } from '../../src/nn/model.ts';
import { EncoderDecoder } from '../../src/nn/seq2seq.ts';
import type { Batch, Trainable } from '../../src/nn/trainable.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { splitContainer } from './checkpoint-mutator.ts';
import type { ResumeWith } from './fuzz-trainer-originals.ts';
import { batchFor, isStrandError, largestWeight, type Probe, refusal, settle, withBudget } from './load-probe.ts';

/** Something a loader built, with how to check and free it. */
interface Loaded {
  /** What is wrong with it (null: nothing). */
  check(): Promise<string | null>;
  /** Frees all of it. */
  dispose(): void;
}

/**
 * Loads `bytes` with `load` on `backend` (within the heap budget of the file, see
 * load-probe.ts), checks and frees what was built, and classifies what happened.
 * @param slowMs a load slower than this is a fault
 */
export async function probeBuild(
  backend: Backend,
  bytes: Uint8Array,
  where: string,
  load: (bytes: Uint8Array) => Loaded,
  slowMs = 1000,
): Promise<Probe> {
  const before = backend.heap.stats();
  const t0 = performance.now();
  let loaded: Loaded | null = null;
  let probe: Probe;
  try {
    loaded = withBudget(backend, bytes.length, () => load(bytes));
    probe = { outcome: 'accepted', message: '' };
  } catch (error) {
    probe = refusal(error, where);
  }
  const ms = performance.now() - t0;
  if (loaded !== null) {
    try {
      const broken = await loaded.check();
      if (broken !== null) probe = { outcome: 'broken', message: broken };
    } catch (error) {
      probe = { outcome: 'broken', message: `after loading: ${(error as Error).message}` };
    }
    loaded.dispose();
  }
  return settle(probe, before, backend.heap.stats(), ms, slowMs);
}

/** The trainer section of a checkpoint's header (the file was accepted, so it parses). */
function trainerHeader(bytes: Uint8Array): { options: { loss?: string }; fit?: unknown } {
  return (JSON.parse(splitContainer(bytes).json) as { trainer: { options: { loss?: string }; fit?: unknown } }).trainer;
}

/** A batch for an encoder-decoder: 3 source steps, 2 target steps, B = 2, ids within its vocabularies. */
function seq2seqBatch(model: EncoderDecoder): Batch {
  const { sourceVocab, targetVocab } = model.config();
  return {
    input: Int32Array.from({ length: 6 }, (_, i) => i % sourceVocab),
    target: Int32Array.from({ length: 4 }, (_, i) => (i + 1) % targetVocab),
    seqLen: 3,
    batch: 2,
  };
}

/** A batch fitting a trainer's model and loss. */
function trainerBatch(model: Trainable, loss: string | undefined): Batch {
  if (model instanceof EncoderDecoder) return seq2seqBatch(model);
  const m = model as SequenceModel;
  const classes = loss === undefined ? m.output === 'softmax' : loss === 'cross-entropy';
  return { ...batchFor(m, classes), seqLen: 3, batch: 2 };
}

/** Whether an error is the refusal of an update whose loss or gradients are not finite. */
function nonFinite(error: unknown): boolean {
  return error instanceof Error && error.name === 'NonFiniteError';
}

/**
 * Checks an accepted trainer: one step gives a finite loss (unless some weight is huge) or refuses
 * with NonFiniteError; a file with a fit position resumes its fit (`resume`) for two updates with
 * finite epoch losses, or refuses with strand's own error — unless `mustResume`, for the unmutated
 * originals, which must resume and update.
 * @returns null when all holds, else what broke
 */
export async function checkTrainer(
  trainer: Trainer<Trainable>,
  bytes: Uint8Array,
  resume: ResumeWith | undefined,
  mustResume: boolean,
): Promise<string | null> {
  const saved = trainerHeader(bytes);
  const huge = largestWeight(trainer.model) > 1e4;
  try {
    const { loss } = trainer.step(trainerBatch(trainer.model, saved.options.loss));
    if (!huge && !Number.isFinite(loss)) return `step gave loss ${loss} with ordinary weights`;
  } catch (error) {
    if (!nonFinite(error)) return `step threw ${(error as Error).message}`;
  }
  if (resume === undefined || saved.fit === undefined) return null;
  try {
    const r = await trainer.fit(resume.data, { ...resume.options, resume: true, maxSteps: 2 });
    if (mustResume && r.steps === 0) return 'the resumed fit ran no update';
    if (!huge && !r.epochLosses.every(Number.isFinite)) return `the resumed fit gave losses ${r.epochLosses}`;
  } catch (error) {
    if (nonFinite(error)) return null;
    if (mustResume || !isStrandError(error, 'Trainer.fit'))
      return `the resumed fit threw ${(error as Error).name}: ${(error as Error).message}`;
  }
  return null;
}

/** Loads through {@link Trainer.load} on `backend`; the trainer is checked with {@link checkTrainer}. */
export function trainerLoader(
  backend: Backend,
  resume: ResumeWith | undefined,
  mustResume = false,
): (bytes: Uint8Array) => Loaded {
  return (bytes) => {
    const trainer = Trainer.load<Trainable>(bytes, { backend });
    return {
      check: () => checkTrainer(trainer, bytes, resume, mustResume),
      dispose: () => {
        trainer.dispose();
        (trainer.model as SequenceModel | EncoderDecoder).dispose();
      },
    };
  };
}

/**
 * Checks an accepted encoder-decoder: greedy decoding gives target ids, and a training step gives a
 * finite loss (unless some weight is huge) or refuses with NonFiniteError.
 * @returns null when all holds, else what broke
 */
export function checkEncoderDecoder(model: EncoderDecoder): string | null {
  const { sourceVocab, targetVocab } = model.config();
  const source = Int32Array.from({ length: 4 }, (_, i) => (i + 1) % sourceVocab);
  const decoded = model.greedy(source, { batch: 2, maxLength: 3 });
  if (!decoded.every((ids) => ids.every((id) => id >= 0 && id < targetVocab))) return 'greedy gave ids out of range';
  const trainer = new Trainer<Trainable>(model, { optimizer: { type: 'sgd', lr: 0.01 } });
  try {
    const { loss } = trainer.step(seq2seqBatch(model));
    if (largestWeight(model) <= 1e4 && !Number.isFinite(loss)) return `step gave loss ${loss} with ordinary weights`;
  } catch (error) {
    if (!nonFinite(error)) return `step threw ${(error as Error).message}`;
  } finally {
    trainer.dispose();
  }
  return null;
}

/** Loads through {@link EncoderDecoder.load} on `backend`; the model is checked with {@link checkEncoderDecoder}. */
export function encoderDecoderLoader(backend: Backend): (bytes: Uint8Array) => Loaded {
  return (bytes) => {
    const model = EncoderDecoder.load(bytes, { backend });
    return { check: async () => checkEncoderDecoder(model), dispose: () => model.dispose() };
  };
}
