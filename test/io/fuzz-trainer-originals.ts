// The trainer and encoder-decoder checkpoints the loader fuzz tests start from: a token language
// model's trainer saved mid-fit (data position, carried state, schedule, TBPTT), a feature model's
// trainer saved mid-fit on shuffled batches, an encoder-decoder's trainer after two updates, and an
// encoder-decoder on its own. Each keeps the data its fit ran on, so that a loaded trainer can
// resume it. Page-safe.
import type { Backend } from '../../src/backend/backend.ts';
import type { Batch, FitOptions, Trainable } from '../../src/index.ts';
import { Trainer } from '../../src/index.ts';
import {
  featureBatches,
  featureModel,
  seq2seqBatches,
  seq2seqModel,
  tokenModel,
  tokenStream,
} from '../safety/training-fixtures.ts';

/** The data and fit options a saved fit resumes with. */
export interface ResumeWith {
  data: ArrayLike<number> | readonly Batch[];
  options: FitOptions;
}

/** One checkpoint the fuzz starts from. */
export interface FuzzOriginal {
  name: string;
  bytes: Uint8Array;
  /** For a trainer saved by a fit: how to resume it. */
  resume?: ResumeWith;
}

/** Saves a trainer after `steps` updates of a fit on `resume.data`, then frees it and its model. */
async function savedMidFit(trainer: Trainer<Trainable>, resume: ResumeWith, steps: number): Promise<Uint8Array> {
  await trainer.fit(resume.data, { ...resume.options, maxSteps: steps });
  const bytes = trainer.save();
  trainer.dispose();
  (trainer.model as unknown as { dispose(): void }).dispose();
  return bytes;
}

/** The trainer checkpoints the fuzz starts from. */
export async function trainerOriginals(backend: Backend): Promise<FuzzOriginal[]> {
  const tokens: ResumeWith = { data: tokenStream(41), options: { epochs: 2 } };
  const lm = new Trainer(tokenModel(backend), {
    optimizer: { type: 'adam', lr: 0.02 },
    clip: { norm: 1 },
    tbptt: { k1: 3, k2: 5 },
    batchSize: 2,
    schedule: { type: 'cosine', total: 30, warmup: 3 },
  });
  const batches: ResumeWith = { data: featureBatches(5), options: { epochs: 2, shuffle: true } };
  const features = new Trainer(featureModel(backend), { optimizer: { type: 'rmsprop', lr: 0.01, momentum: 0.5 } });
  const seq2seq = new Trainer<Trainable>(seq2seqModel(backend), {
    optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 },
  });
  for (const batch of seq2seqBatches(2)) seq2seq.step(batch);
  const seq2seqBytes = seq2seq.save();
  seq2seq.dispose();
  (seq2seq.model as unknown as { dispose(): void }).dispose();
  return [
    {
      name: "a token language model's trainer mid-fit (adam, clipping, cosine schedule, TBPTT, carried state)",
      bytes: await savedMidFit(lm, tokens, 4),
      resume: tokens,
    },
    {
      name: "a feature model's trainer mid-fit on shuffled batches (rmsprop with momentum)",
      bytes: await savedMidFit(features, { ...batches, options: { ...batches.options, seed: 5 } }, 3),
      resume: batches,
    },
    { name: "an encoder-decoder's trainer after two updates (sgd with momentum)", bytes: seq2seqBytes },
  ];
}

/** The encoder-decoder model checkpoint the fuzz starts from. */
export function encoderDecoderOriginal(backend: Backend): FuzzOriginal {
  const model = seq2seqModel(backend, 4);
  const bytes = model.save();
  model.dispose();
  return { name: 'an encoder-decoder (2-layer LSTM)', bytes };
}
