// `npm run bench:lm`: learning quality against wall time. A 2-layer LSTM (hidden 128, embedding 64,
// forget bias 1), sequence 50, batch 50, Adam 2e-3, global-norm clip 5, on
// a plain-text corpus given with --data FILE (95 / 5 split; the figures in docs/performance.md are on
// tinyshakespeare, 1.1 MB): validation loss in nats per character against
// wall time and per epoch, for strand and — for the same time — TensorFlow.js (cpu backend), side
// by side. Flags: --minutes N (default 15, per system), --system strand|tfjs|both (default both),
// --dropout P (strand, between the LSTM layers), --threads N (strand; default 2, one where there
// are no workers), --data FILE (required).
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { Dense, Dropout, Embedding, LSTM, SequenceModel, Trainer, Vocab, init } from '../src/index.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const minutes = Number(args.get('minutes') ?? 15);
const system = args.get('system') ?? 'both';
const dropout = Number(args.get('dropout') ?? 0);
const threads = Number(args.get('threads') ?? 2);
let strandBuild = '';
const dataPath = args.get('data');
if (dataPath === undefined) {
  console.error('bench:lm: pass --data FILE, a plain-text corpus (e.g. tinyshakespeare)');
  process.exit(1);
}

let text: string;
try {
  text = readFileSync(dataPath, 'utf8');
} catch {
  console.error(`bench:lm: cannot read ${dataPath} (pass --data FILE)`);
  process.exit(1);
}
const vocab = Vocab.fromText(text, { level: 'char' });
const ids = vocab.encode(text);
const split = Math.floor(ids.length * 0.95);
const train = ids.subarray(0, split);
const valid = ids.subarray(split);
const V = vocab.size;
const SEQ = 50,
  BATCH = 50,
  HIDDEN = 128,
  EMBED = 64;

interface Point {
  seconds: number;
  epoch: number;
  validLoss: number;
}

async function runStrand(): Promise<Point[]> {
  const backend = await init({ backend: 'wasm', threads });
  strandBuild = `${backend.flavor} SIMD, ${backend.threads ?? 1} thread${(backend.threads ?? 1) > 1 ? 's' : ''}`;
  console.log(`strand: wasm ${strandBuild}`);
  const layers = [
    new Embedding(V, EMBED, { seed: 1 }),
    new LSTM(EMBED, HIDDEN, { seed: 2, init: { forgetBias: 1 } }),
    ...(dropout > 0 ? [new Dropout(dropout, { seed: 3 })] : []),
    new LSTM(HIDDEN, HIDDEN, { seed: 4, init: { forgetBias: 1 } }),
    ...(dropout > 0 ? [new Dropout(dropout, { seed: 5 })] : []),
    new Dense(HIDDEN, V, { seed: 6 }),
  ];
  const model = new SequenceModel({ layers });
  const trainer = new Trainer(model, {
    optimizer: { type: 'adam', lr: 2e-3 },
    clip: { norm: 5 },
    tbptt: { k1: SEQ },
    batchSize: BATCH,
  });
  const points: Point[] = [];
  const start = Date.now();
  const budget = minutes * 60;
  let nextEval = 30;
  let epoch = 1;
  const evaluate = () => {
    const seconds = (Date.now() - start) / 1000;
    const validLoss = trainer.evaluate(valid).loss;
    points.push({ seconds, epoch, validLoss });
    console.log(
      `strand  ${seconds.toFixed(0).padStart(5)} s  epoch ${epoch}  validation ${validLoss.toFixed(4)} nats/char`,
    );
  };
  while ((Date.now() - start) / 1000 < budget) {
    await trainer.fit(train, {
      epochs: 1,
      timeLimit: budget - (Date.now() - start) / 1000,
      onStep: () => {
        if ((Date.now() - start) / 1000 >= nextEval) {
          evaluate();
          nextEval += 60;
        }
      },
    });
    evaluate();
    epoch++;
  }
  trainer.dispose();
  model.dispose();
  return points;
}

async function runTfjs(): Promise<Point[]> {
  const tf = await import('@tensorflow/tfjs');
  tf.enableProdMode();
  await tf.setBackend('cpu');
  const model = tf.sequential();
  model.add(tf.layers.embedding({ inputDim: V, outputDim: EMBED, inputLength: SEQ }));
  model.add(
    tf.layers.lstm({ units: HIDDEN, returnSequences: true, recurrentActivation: 'sigmoid', unitForgetBias: true }),
  );
  model.add(
    tf.layers.lstm({ units: HIDDEN, returnSequences: true, recurrentActivation: 'sigmoid', unitForgetBias: true }),
  );
  model.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: V }) }));
  const optimizer = tf.train.adam(2e-3);
  const perStream = Math.floor((train.length - 1) / BATCH);
  const points: Point[] = [];
  const start = Date.now();
  const budget = minutes * 60;
  let nextEval = 30;
  const lossFn = (labels: import('@tensorflow/tfjs').Tensor, logits: import('@tensorflow/tfjs').Tensor) =>
    tf.losses.softmaxCrossEntropy(tf.oneHot(labels.toInt().reshape([-1]), V), logits.reshape([-1, V]));
  const validLoss = (): number =>
    tf.tidy(() => {
      const windows = Math.floor((valid.length - 1) / SEQ);
      const x = new Int32Array(windows * SEQ);
      const y = new Int32Array(windows * SEQ);
      for (let w = 0; w < windows; w++)
        for (let t = 0; t < SEQ; t++) {
          x[w * SEQ + t] = valid[w * SEQ + t];
          y[w * SEQ + t] = valid[w * SEQ + t + 1];
        }
      const logits = model.predict(tf.tensor2d(x, [windows, SEQ], 'int32')) as import('@tensorflow/tfjs').Tensor;
      return lossFn(tf.tensor2d(y, [windows, SEQ], 'int32'), logits).dataSync()[0];
    });
  let epoch = 1;
  const record = () => {
    const seconds = (Date.now() - start) / 1000;
    const v = validLoss();
    points.push({ seconds, epoch, validLoss: v });
    console.log(`tfjs    ${seconds.toFixed(0).padStart(5)} s  epoch ${epoch}  validation ${v.toFixed(4)} nats/char`);
  };
  outer: for (; ; epoch++) {
    for (let pos = 0; pos + SEQ <= perStream; pos += SEQ) {
      if ((Date.now() - start) / 1000 >= budget) break outer;
      const x = new Int32Array(BATCH * SEQ);
      const y = new Int32Array(BATCH * SEQ);
      for (let b = 0; b < BATCH; b++)
        for (let t = 0; t < SEQ; t++) {
          x[b * SEQ + t] = train[b * perStream + pos + t];
          y[b * SEQ + t] = train[b * perStream + pos + t + 1];
        }
      tf.tidy(() => {
        const xs = tf.tensor2d(x, [BATCH, SEQ], 'int32');
        const ys = tf.tensor2d(y, [BATCH, SEQ], 'int32');
        const { grads } = tf.variableGrads(
          () => lossFn(ys, model.apply(xs) as import('@tensorflow/tfjs').Tensor) as import('@tensorflow/tfjs').Scalar,
        );
        // global-norm clipping at 5, as for strand
        const norm = Math.sqrt(Object.values(grads).reduce((a, g) => a + g.square().sum().dataSync()[0], 0));
        const scale = norm > 5 ? 5 / norm : 1;
        optimizer.applyGradients(Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.mul(scale)])));
      });
      if ((Date.now() - start) / 1000 >= nextEval) {
        record();
        nextEval += 60;
      }
    }
    record();
  }
  record();
  return points;
}

const results: Record<string, Point[]> = {};
if (system === 'strand' || system === 'both') results.strand = await runStrand();
if (system === 'tfjs' || system === 'both') results.tfjs = await runTfjs();
const best = (p: Point[]) => p.reduce((a, b) => (b.validLoss < a.validLoss ? b : a), p[0]);
const lines = [`| system | best validation loss (nats/char) | at | epochs |`, `|---|---|---|---|`];
for (const [name, points] of Object.entries(results)) {
  const b = best(points);
  lines.push(
    `| ${name} | ${b.validLoss.toFixed(4)} | ${b.seconds.toFixed(0)} s | ${points[points.length - 1].epoch} |`,
  );
}
const summary = `# bench:lm (${minutes} min per system${dropout ? `, dropout ${dropout}` : ''}${strandBuild ? `; strand: ${strandBuild}` : ''})\n\n${lines.join('\n')}\n`;
console.log(`\n${summary}`);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/lm.json', import.meta.url),
  JSON.stringify({ minutes, dropout, strandBuild, results }, null, 2),
);
writeFileSync(new URL('./results/lm.md', import.meta.url), summary);
