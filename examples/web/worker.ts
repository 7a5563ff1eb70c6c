// The demo's training worker: builds a character language model with strand, trains it with
// Trainer.fit and reports progress, samples and the gradient flow to the page. Everything heavy
// happens here, so the page stays smooth while the model learns.
import {
  Dense,
  Embedding,
  GRU,
  LSTM,
  RNN,
  SequenceModel,
  Trainer,
  resetSomeStreams,
  Vocab,
  builtinCorpus,
  generate,
  gradientFlow,
  init,
  manualSeed,
  type Backend,
  type ModelLayer,
} from '../../src/index.ts';
import type { CellName, FromWorker, ToWorker } from './protocol.ts';

/** Characters of the built-in corpus the demo trains on. */
const CORPUS_CHARS = 60_000;
/** Steps of truncated backpropagation, and streams per update. */
const SEQ = 32;
const BATCH = 16;
/** How often the page hears about progress, a new sample and the gradient flow (ms). */
const PROGRESS_EVERY = 100;
const SAMPLE_EVERY = 2000;
const GRADFLOW_EVERY = 4000;
/** Time steps the gradient-flow lens looks back over. */
const FLOW_STEPS = 40;
/** Characters per sample. */
const SAMPLE_LENGTH = 280;

const post = (message: FromWorker): void => postMessage(message);

let backend: Backend | null = null;
let temperature = 0.8;
/** The run in progress (or the last one, kept for sampling after it stopped). */
let run: Run | null = null;

/** One training run: its model, trainer and the bits needed to sample from it. */
interface Run {
  model: SequenceModel;
  trainer: Trainer;
  vocab: Vocab;
  prime: string;
  flowInput: Int32Array;
  controller: AbortController;
  finished: Promise<void>;
  running: boolean;
  sampleSoon: boolean;
}

function recurrent(cell: CellName, inputSize: number, hiddenSize: number): ModelLayer {
  if (cell === 'gru') return new GRU({ inputSize, hiddenSize });
  if (cell === 'rnn') return new RNN({ inputSize, hiddenSize });
  return new LSTM({ inputSize, hiddenSize, init: { forgetBias: 1 } });
}

/** A copy of the model, so that sampling and the lens never touch the training state. */
function withCopy<T>(r: Run, use: (copy: SequenceModel) => T): T {
  const copy = SequenceModel.load(r.model.save(), { backend: r.model.backend });
  try {
    return use(copy);
  } finally {
    copy.dispose();
  }
}

function sample(r: Run, step: number): void {
  const prime = r.vocab.encode(r.prime);
  const ids = withCopy(r, (copy) => generate(copy, { prime, length: SAMPLE_LENGTH, temperature, seed: step + 1 }));
  post({ type: 'sample', step, temperature, prime: r.prime, text: r.vocab.decode(ids) });
}

function flow(r: Run, step: number): void {
  const result = withCopy(r, (copy) => gradientFlow(copy, r.flowInput, { seqLen: FLOW_STEPS, batch: 1 }));
  const layer = result.layers[0];
  post({ type: 'gradflow', step, label: layer.label, norms: layer.norms, gradNorm: result.gradNorm });
}

async function start(message: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  if (run) {
    run.controller.abort();
    await run.finished;
    run.trainer.dispose();
    run.model.dispose();
    run = null;
  }
  // two kernel threads when the page is cross-origin isolated (shared memory); strand itself falls
  // back to one thread where workers or shared memory are missing
  backend ??= await init({ threads: self.crossOriginIsolated ? 2 : 1 });
  temperature = message.temperature;
  const text = message.text ?? builtinCorpus(CORPUS_CHARS);
  const vocab = Vocab.fromText(text, { level: 'char' });
  const ids = vocab.encode(text);
  if (ids.length < BATCH * (SEQ + 1) + FLOW_STEPS) {
    throw new RangeError(
      `the text is too short: it has ${ids.length} characters and training needs at least ${BATCH * (SEQ + 1) + FLOW_STEPS}`,
    );
  }
  manualSeed(1);
  const embed = 32;
  const model = new SequenceModel({
    layers: [
      new Embedding(vocab.size, embed),
      recurrent(message.cell, embed, message.hidden),
      new Dense(message.hidden, vocab.size),
    ],
    output: 'softmax',
  });
  const trainer = new Trainer(model, {
    optimizer: { type: 'adam', lr: 5e-3 },
    clip: { norm: 5 },
    tbptt: { k1: SEQ },
    batchSize: BATCH,
  });
  const firstLine = text.slice(0, text.indexOf('\n') + 1);
  const prime =
    message.text === null ? 'MARLOW:\n' : firstLine.length > 0 && firstLine.length <= 40 ? firstLine : text.slice(0, 1);
  const at = Math.floor(ids.length / 2);
  const controller = new AbortController();
  const r: Run = {
    model,
    trainer,
    vocab,
    prime,
    controller,
    running: true,
    sampleSoon: false,
    flowInput: ids.slice(at, at + FLOW_STEPS),
    finished: Promise.resolve(),
  };
  run = r;
  post({
    type: 'ready',
    backend: `${backend.name}/${backend.flavor}, ${backend.threads ?? 1} thread${(backend.threads ?? 1) > 1 ? 's' : ''}`,
    isolated: self.crossOriginIsolated,
    parameters: model.parameterCount(),
    vocabSize: vocab.size,
    tokens: ids.length,
    source: message.text === null ? 'the built-in corpus' : 'your text',
    model: `${message.cell.toUpperCase()} ${message.hidden}`,
  });

  let pending: number[] = [];
  let lastProgress = 0;
  let lastSample = -Infinity;
  let lastFlow = -Infinity;
  let last = { step: 0, epoch: 1, tokensPerSecond: 0, elapsed: 0 };
  r.finished = (async () => {
    let reason = 'error';
    try {
      flow(r, 0);
      const result = await trainer.fit(ids, {
        epochs: 1000,
        signal: controller.signal,
        onStep: (e) => {
          // a rotating share of streams restarts from zero, as generation does (see strand train --state-reset)
          resetSomeStreams(r.model, e.step, 8);
          last = { step: e.step, epoch: e.epoch, tokensPerSecond: e.tokensPerSecond, elapsed: e.elapsed };
          pending.push(e.loss);
          const now = e.elapsed * 1000;
          if (now - lastProgress >= PROGRESS_EVERY) {
            post({ type: 'progress', losses: pending, ...last });
            pending = [];
            lastProgress = now;
          }
          if (r.sampleSoon || now - lastSample >= SAMPLE_EVERY) {
            r.sampleSoon = false;
            sample(r, e.step);
            lastSample = now;
          }
          if (now - lastFlow >= GRADFLOW_EVERY) {
            flow(r, e.step);
            lastFlow = now;
          }
        },
      });
      reason = result.stopped === 'aborted' ? 'stopped' : result.stopped;
      if (pending.length > 0) post({ type: 'progress', losses: pending, ...last });
      sample(r, last.step);
      flow(r, last.step);
    } catch (error) {
      post({ type: 'error', message: (error as Error).message ?? String(error) });
    } finally {
      r.running = false;
      post({ type: 'done', reason, steps: last.step });
    }
  })();
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'start') {
    start(message).catch((error: unknown) => {
      post({ type: 'error', message: (error as Error).message ?? String(error) });
      post({ type: 'done', reason: 'error', steps: 0 });
    });
  } else if (message.type === 'stop') {
    run?.controller.abort();
  } else if (message.type === 'temperature') {
    temperature = message.value;
    if (run === null) return;
    if (run.running) run.sampleSoon = true;
    else sample(run, run.trainer.optimizer.stepCount);
  }
};
