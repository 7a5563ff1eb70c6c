// strand's main job, end to end: train a character language model on the built-in corpus and
// sample from it as it learns. `npm run demo` (≤ 2 minutes on 2 cores). Options:
//   --seconds N   training time budget (default 90)   --hidden N (default 128)
//   --cell lstm|gru|rnn (default lstm)                 --backend wasm|js (default wasm)
import {
  Dense,
  Embedding,
  GRU,
  LSTM,
  RNN,
  SequenceModel,
  Trainer,
  Vocab,
  builtinCorpus,
  generate,
  init,
} from '../src/index.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const seconds = Number(args.get('seconds') ?? 90);
const hidden = Number(args.get('hidden') ?? 128);
const cell = args.get('cell') ?? 'lstm';

const backend = await init({ backend: (args.get('backend') as 'wasm' | 'js') ?? 'wasm' });
const text = builtinCorpus();
const vocab = Vocab.fromText(text, { level: 'char' });
const ids = vocab.encode(text);
const split = Math.floor(ids.length * 0.95);
const recurrent = (i: number, h: number) =>
  cell === 'gru'
    ? new GRU(i, h, { seed: 2 })
    : cell === 'rnn'
      ? new RNN(i, h, { seed: 2 })
      : new LSTM(i, h, { seed: 2 });
const model = new SequenceModel({
  layers: [
    new Embedding(vocab.size, 32, { seed: 1 }),
    recurrent(32, hidden),
    new Dense(hidden, vocab.size, { seed: 3 }),
  ],
  output: 'softmax',
});
const trainer = new Trainer(model, {
  optimizer: { type: 'adam', lr: 3e-3 },
  clip: { norm: 5 },
  tbptt: { k1: 50 },
  batchSize: 32,
});
console.log(
  `strand demo: ${cell.toUpperCase()} ${hidden} on the built-in corpus (${text.length} characters, ${vocab.size} symbols), ` +
    `${model.parameterCount()} parameters, backend ${backend.name}/${backend.flavor}, ${seconds} s budget`,
);

const sample = (): string =>
  vocab.decode(generate(model, { prime: vocab.encode('MARLOW:\n'), length: 160, temperature: 0.7, seed: 7 }));
const tty = process.stdout.isTTY;
let nextSample = 0;
const start = Date.now();
await trainer.fit(ids.subarray(0, split), {
  epochs: 1000,
  timeLimit: seconds,
  onStep: (e) => {
    const elapsed = (Date.now() - start) / 1000;
    const width = 24;
    const done = Math.min(1, elapsed / seconds);
    const bar = '█'.repeat(Math.round(done * width)).padEnd(width, '·');
    const line = `${bar} step ${e.step}  epoch ${e.epoch}  loss ${e.loss.toFixed(3)}  ${Math.round(e.tokensPerSecond)} tok/s  ETA ${Math.max(0, seconds - elapsed).toFixed(0)} s`;
    if (tty) process.stdout.write(`\r${line}`);
    if (elapsed >= nextSample) {
      if (tty) process.stdout.write('\n');
      else console.log(line);
      console.log(`--- sample at step ${e.step} (loss ${e.loss.toFixed(3)}) ---\n${sample()}\n`);
      nextSample = elapsed + seconds / 4;
    }
  },
});
if (tty) process.stdout.write('\n');
const val = trainer.evaluate(ids.subarray(split));
console.log(
  `validation: ${val.loss.toFixed(3)} nats/char, perplexity ${val.perplexity.toFixed(2)}, accuracy ${(100 * val.accuracy).toFixed(1)} %`,
);
console.log(`--- final sample ---\n${sample()}`);
trainer.dispose();
model.dispose();
