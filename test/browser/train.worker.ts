// A Web Worker that trains a small character model with strand off the main thread. It is the
// worker of worker.page.test.ts, which starts it with
//   new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module' })
// Protocol: the page posts { ticks: SharedArrayBuffer } (an Int32Array counter the page's main
// thread increments while it is free); the worker answers with { type: 'loss', step, loss } per
// update and finally { type: 'done', ... } (or { type: 'error', message }).
import * as strand from '../../src/index.ts';
import { twentySteps } from '../runtimes/twenty-steps.ts';

/** The page's message. */
interface Start {
  ticks: SharedArrayBuffer;
}

/** Rounds of training at most, while waiting to see the page's counter move. */
const MAX_ROUNDS = 50;
/** Updates per round. */
const STEPS_PER_ROUND = 10;

async function run({ ticks }: Start): Promise<void> {
  const counter = new Int32Array(ticks);
  const backend = await strand.init();
  strand.manualSeed(3);
  const text = strand.builtinCorpus(4000);
  const vocab = strand.Vocab.fromText(text, { level: 'char' });
  const model = new strand.SequenceModel({
    layers: [
      new strand.Embedding(vocab.size, 16),
      new strand.LSTM({ inputSize: 16, hiddenSize: 32 }),
      new strand.Dense(32, vocab.size),
    ],
    output: 'softmax',
  });
  const trainer = new strand.Trainer(model, {
    optimizer: { type: 'adam', lr: 0.01 },
    clip: { norm: 5 },
    tbptt: { k1: 16 },
    batchSize: 8,
  });
  const ids = vocab.encode(text);
  const ticksAtStart = Atomics.load(counter, 0);
  let ticksDuringTraining = 0;
  let steps = 0;
  // train at least two rounds, and on until the page's counter has moved during training
  for (let round = 0; round < MAX_ROUNDS && (round < 2 || ticksDuringTraining === 0); round++) {
    await trainer.fit(ids, {
      epochs: 100,
      maxSteps: STEPS_PER_ROUND,
      onStep: (e) => postMessage({ type: 'loss', step: ++steps, loss: e.loss }),
    });
    ticksDuringTraining = Atomics.load(counter, 0) - ticksAtStart;
  }
  trainer.dispose();
  model.dispose();
  const fixture = await twentySteps(strand);
  postMessage({
    type: 'done',
    steps,
    ticksDuringTraining,
    backend: `${backend.name}/${backend.flavor}`,
    isolated: self.crossOriginIsolated,
    inWorker: typeof (self as { document?: unknown }).document === 'undefined',
    digest: fixture.digest,
  });
}

self.onmessage = (event: MessageEvent<Start>) => {
  run(event.data).catch((error: unknown) =>
    postMessage({ type: 'error', message: String((error as Error)?.stack ?? error) }),
  );
};
