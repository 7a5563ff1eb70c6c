// One-to-many: generate a sequence from a single vector. The vector is a digit's one-hot code,
// fed again at every step (a second model sees it at the first step only); the network must spell the digit's name one character per step and
// then say <eos> (3 → "three<eos>"). The LSTM's state is what tells it how far it has got. A
// softmax head at every step predicts the character; steps after <eos> are masked out of the loss.
// Exact match: all characters and the <eos> right. `npx tsx examples/one-to-many.ts`
import { Dense, LSTM, SequenceModel, Trainer, type Backend } from '../src/index.ts';
import {
  argmaxRow,
  commandLineOptions,
  exampleBackend,
  isDirectRun,
  percent,
  putOneHot,
  secondsSince,
  type ExampleOptions,
} from './util.ts';

/** The digits' names. */
export const NAMES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
/** Output symbols: id 0 is <eos>, then every letter used by {@link NAMES}. */
export const SYMBOLS = ['<eos>', ...[...new Set(NAMES.join(''))].sort()];
/** Steps generated: the longest name and its <eos>. */
export const STEPS = Math.max(...NAMES.map((n) => n.length)) + 1;
const EOS = 0;

/** What {@link run} measures. */
export interface OneToManyResult {
  /** Fraction of the 10 digits whose name is generated exactly (characters, then <eos>). */
  exactMatch: number;
  /** Fraction of the non-masked characters (name and <eos>) right, over the 10 digits. */
  characterAccuracy: number;
  /** Exact match of the same model trained on the digit at the first step only (zeros after). */
  exactMatchFirstStepOnly: number;
  /** What the model writes for each digit 0–9 (up to its first <eos>). */
  generated: string[];
  /** Training loss of the last update. */
  finalLoss: number;
  /** Updates done. */
  steps: number;
}

/**
 * The training batch: the 10 digits, time-major. Input (STEPS, 10, 10): each digit's one-hot at
 * every step (`repeat`) or at the first step only, zeros after; target the name's symbols then <eos>; mask 1 up to and including the <eos>.
 */
export function digitNames(repeat: boolean): { input: Float32Array; target: Int32Array; mask: Float32Array } {
  const B = NAMES.length;
  const input = new Float32Array(STEPS * B * 10);
  const target = new Int32Array(STEPS * B);
  const mask = new Float32Array(STEPS * B);
  NAMES.forEach((name, digit) => {
    for (let t = 0; t < STEPS; t++) {
      if (t === 0 || repeat) putOneHot(input, (t * B + digit) * 10, 10, digit);
      target[t * B + digit] = t < name.length ? SYMBOLS.indexOf(name[t]) : EOS;
      mask[t * B + digit] = t <= name.length ? 1 : 0;
    }
  });
  return { input, target, mask };
}

/** Trains one model on the 10 digits for `steps` updates, then generates every name. */
function trainAndGenerate(
  repeat: boolean,
  steps: number,
  seed: number,
  backend: Backend,
  log: (line: string) => void,
): Omit<OneToManyResult, 'exactMatchFirstStepOnly' | 'steps'> {
  const V = SYMBOLS.length;
  const model = new SequenceModel({
    layers: [new LSTM(10, 32, { seed, backend }), new Dense(32, V, { seed: seed + 1, backend })],
    output: 'softmax',
  });
  const trainer = new Trainer(model, { optimizer: { type: 'adam', lr: 1e-2 } });
  const batch = digitNames(repeat);
  let finalLoss = NaN;
  for (let step = 1; step <= steps; step++) {
    finalLoss = trainer.step({ ...batch, seqLen: STEPS }).loss;
    if (step % 50 === 0)
      log(`${repeat ? 'repeated input' : 'first step only'}: step ${step}  loss ${finalLoss.toFixed(4)}`);
  }
  // generation: the same input; read the most likely symbol at every step up to <eos>
  const B = NAMES.length;
  const logits = model.predict(batch.input, { seqLen: STEPS });
  const generated: string[] = [];
  let exact = 0;
  let counted = 0;
  let right = 0;
  for (let digit = 0; digit < B; digit++) {
    for (let t = 0; t < STEPS; t++) {
      if (batch.mask[t * B + digit] === 0) continue;
      counted++;
      if (argmaxRow(logits, t * B + digit, V) === batch.target[t * B + digit]) right++;
    }
    let text = '';
    let ended = false;
    for (let t = 0; t < STEPS && !ended; t++) {
      const symbol = argmaxRow(logits, t * B + digit, V);
      if (symbol === EOS) ended = true;
      else text += SYMBOLS[symbol];
    }
    generated.push(text);
    if (ended && text === NAMES[digit]) exact++;
  }
  trainer.dispose();
  model.dispose();
  return { exactMatch: exact / B, characterAccuracy: right / counted, generated, finalLoss };
}

/**
 * Trains the generator with the digit repeated at every step, and a second one that sees the digit
 * at the first step only (its state must carry it), with the same budget.
 */
export async function run(options: ExampleOptions = {}): Promise<OneToManyResult> {
  const { steps = 300, seed = 1, log = () => {} } = options;
  const backend = await exampleBackend(options);
  const start = performance.now();
  const repeated = trainAndGenerate(true, steps, seed, backend, log);
  const firstOnly = trainAndGenerate(false, steps, seed, backend, log);
  const result: OneToManyResult = { ...repeated, exactMatchFirstStepOnly: firstOnly.exactMatch, steps };
  log(
    `trained 2 × ${steps} updates in ${secondsSince(start)}; exact match over the 10 digits: ` +
      `${percent(result.exactMatch)} with the digit at every step (characters ${percent(result.characterAccuracy)}), ` +
      `${percent(result.exactMatchFirstStepOnly)} with the digit at the first step only`,
  );
  log(`  ${repeated.generated.map((text, digit) => `${digit} → ${text}`).join(', ')}`);
  return result;
}

if (isDirectRun(import.meta.url)) {
  const result = await run(commandLineOptions());
  console.log(result);
}
