// Many-to-many, unaligned: translate a digit string into words, character by character
// ("305" → "three zero five<eos>"): 1–3 digits in, 3–17 characters out, and the output's length
// depends on which digits came in, not only on how many.
//
// strand's EncoderDecoder class (src/nn/seq2seq.ts; see the README) packages this whole model;
// this example builds it from public pieces instead, to show the mechanics:
//   - an encoder LSTM reads the digits (one-hot); its final h and c become
//   - the initial state of a decoder LSTM, which reads the previous output character (teacher
//     forcing: the true one while training, its own guess while decoding greedily);
//   - a linear softmax head over the decoder's outputs, written here in plain TypeScript, as are
//     the masked cross-entropy and a small Adam (EncoderDecoder and Trainer run these as wasm
//     kernels).
// Gradients flow back with the layers' public backward(): head → decoder outputs → decoder's
// initial state → encoder's final state. The test strings (150 of length 2–3) are never trained
// on. `npx tsx examples/seq2seq.ts`
import { LSTM, Rng, type Backend } from '../src/index.ts';
import {
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
/** Output symbols: id 0 is <eos>, then the space and every letter of {@link NAMES}. */
export const SYMBOLS = ['<eos>', ...[...new Set(NAMES.join(' '))].sort()];
const EOS = 0;
const V = SYMBOLS.length;
/** Decoder input symbols: the output symbols and <bos> (id V), the first decoder input. */
const BOS = V;
/** Longest input. */
export const MAX_DIGITS = 3;
/** Longest output, with its <eos>. */
export const MAX_OUTPUT = MAX_DIGITS * 6;

/** What {@link run} measures, on held-out digit strings. */
export interface Seq2SeqResult {
  /** Fraction of held-out strings translated exactly (every character, then <eos>). */
  exactMatch: number;
  /** Fraction of held-out target characters (and <eos>) predicted right under teacher forcing. */
  characterAccuracy: number;
  /** Held-out strings tested. */
  tested: number;
  /** A few held-out translations, `input → output`. */
  samples: string[];
  /** Training loss of the last update. */
  finalLoss: number;
  /** Updates done. */
  steps: number;
}

/** The translation of a digit string: its digits' names, space-separated. */
export function translate(digits: string): string {
  return [...digits].map((d) => NAMES[Number(d)]).join(' ');
}

/** A small Adam (PyTorch's definition) over named Float32Arrays. */
class Adam {
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();
  private t = 0;
  constructor(
    private readonly lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {}

  /** Starts an update (advances the bias-correction step). */
  begin(): void {
    this.t++;
  }

  /** Updates `param` in place from `grad`. */
  update(name: string, param: Float32Array, grad: Float32Array): void {
    if (!this.m.has(name)) {
      this.m.set(name, new Float32Array(param.length));
      this.v.set(name, new Float32Array(param.length));
    }
    const m = this.m.get(name)!;
    const v = this.v.get(name)!;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    for (let i = 0; i < param.length; i++) {
      m[i] = this.beta1 * m[i] + (1 - this.beta1) * grad[i];
      v[i] = this.beta2 * v[i] + (1 - this.beta2) * grad[i] * grad[i];
      param[i] -= (this.lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + this.eps);
    }
  }
}

/** Encoder, decoder and head: the parts an EncoderDecoder class would own. */
class Translator {
  readonly encoder: LSTM;
  readonly decoder: LSTM;
  /** Head weight (V, H) and bias (V). */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  readonly hidden: number;

  constructor(hidden: number, seed: number, backend: Backend) {
    this.hidden = hidden;
    this.encoder = new LSTM(10, hidden, { seed, backend, init: { forgetBias: 1 } });
    this.decoder = new LSTM(V + 1, hidden, { seed: seed + 1, backend, init: { forgetBias: 1 } });
    const rng = new Rng(seed + 2);
    const k = 1 / Math.sqrt(hidden);
    this.weight = Float32Array.from({ length: V * hidden }, () => rng.uniform(-k, k));
    this.bias = Float32Array.from({ length: V }, () => rng.uniform(-k, k));
  }

  /** Encodes B digit strings of one length: the encoder's final (h, c), each (1, B, H). */
  encode(inputs: string[]): { h: Float32Array; c: Float32Array } {
    const B = inputs.length;
    const T = inputs[0].length;
    const x = new Float32Array(T * B * 10);
    inputs.forEach((s, b) => [...s].forEach((d, t) => putOneHot(x, (t * B + b) * 10, 10, Number(d))));
    const out = this.encoder.forward(x, { seqLen: T, batch: B });
    return { h: out.h, c: out.c! };
  }

  /** Head logits (rows, V) of decoder outputs (rows, H). */
  logits(out: Float32Array, rows: number): Float32Array {
    const H = this.hidden;
    const W = this.weight;
    const z = new Float32Array(rows * V);
    for (let r = 0; r < rows; r++) {
      const o = r * H;
      for (let v = 0; v < V; v++) {
        const w = v * H;
        let s = this.bias[v];
        for (let j = 0; j < H; j++) s += out[o + j] * W[w + j];
        z[r * V + v] = s;
      }
    }
    return z;
  }

  /** Greedy decoding: one decoder step at a time, feeding back the most likely symbol. */
  greedy(inputs: string[]): string[] {
    const B = inputs.length;
    let { h, c } = this.encode(inputs);
    const previous = new Int32Array(B).fill(BOS);
    const texts = inputs.map(() => '');
    const done = inputs.map(() => false);
    for (let t = 0; t < MAX_OUTPUT && done.includes(false); t++) {
      const x = new Float32Array(B * (V + 1));
      for (let b = 0; b < B; b++) putOneHot(x, b * (V + 1), V + 1, previous[b]);
      const step = this.decoder.forward(x, { seqLen: 1, batch: B, h0: h, c0: c });
      h = step.h;
      c = step.c!;
      const z = this.logits(step.output, B);
      for (let b = 0; b < B; b++) {
        let best = 0;
        for (let v = 1; v < V; v++) if (z[b * V + v] > z[b * V + best]) best = v;
        previous[b] = best;
        if (done[b]) continue;
        if (best === EOS) done[b] = true;
        else texts[b] += SYMBOLS[best];
      }
    }
    return texts;
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
  }
}

/**
 * A teacher-forced batch for B strings: decoder input (T, B, V+1) = <bos> then the target
 * shifted right; targets (T, B); mask 1 up to and including <eos>.
 */
function decoderBatch(inputs: string[]): { x: Float32Array; target: Int32Array; mask: Float32Array; T: number } {
  const B = inputs.length;
  const targets = inputs.map((s) => [...translate(s)].map((ch) => SYMBOLS.indexOf(ch)).concat(EOS));
  const T = Math.max(...targets.map((t) => t.length));
  const x = new Float32Array(T * B * (V + 1));
  const target = new Int32Array(T * B);
  const mask = new Float32Array(T * B);
  targets.forEach((symbols, b) => {
    for (let t = 0; t < T; t++) {
      putOneHot(x, (t * B + b) * (V + 1), V + 1, t === 0 ? BOS : (symbols[t - 1] ?? EOS));
      target[t * B + b] = symbols[t] ?? EOS;
      mask[t * B + b] = t < symbols.length ? 1 : 0;
    }
  });
  return { x, target, mask, T };
}

/**
 * One teacher-forced update on B strings of one length: forward, masked mean cross-entropy,
 * backward through head, decoder and encoder, clipping to global norm 5, Adam.
 * @returns the loss and how many target characters the head got right
 */
function trainStep(
  model: Translator,
  adam: Adam | null,
  inputs: string[],
): { loss: number; right: number; counted: number } {
  const B = inputs.length;
  const H = model.hidden;
  const { h, c } = model.encode(inputs);
  const { x, target, mask, T } = decoderBatch(inputs);
  const dec = model.decoder.forward(x, { seqLen: T, batch: B, h0: h, c0: c });
  const rows = T * B;
  const z = model.logits(dec.output, rows);
  // masked softmax cross-entropy, mean over the counted characters; dz = (softmax − onehot) / n
  let counted = 0;
  for (let r = 0; r < rows; r++) counted += mask[r];
  let loss = 0;
  let right = 0;
  const dz = new Float32Array(rows * V);
  for (let r = 0; r < rows; r++) {
    if (mask[r] === 0) continue;
    let max = -Infinity;
    let best = 0;
    for (let v = 0; v < V; v++) {
      if (z[r * V + v] > max) {
        max = z[r * V + v];
        best = v;
      }
    }
    if (best === target[r]) right++;
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(z[r * V + v] - max);
    loss += Math.log(sum) + max - z[r * V + target[r]];
    for (let v = 0; v < V; v++)
      dz[r * V + v] = (Math.exp(z[r * V + v] - max) / sum - (v === target[r] ? 1 : 0)) / counted;
  }
  loss /= counted;
  if (adam === null) return { loss, right, counted };

  // head backward: dW = dzᵀ·out, db = Σ dz, d out = dz·W
  const dW = new Float32Array(V * H);
  const db = new Float32Array(V);
  const dOut = new Float32Array(rows * H);
  const out = dec.output;
  const W = model.weight;
  for (let r = 0; r < rows; r++) {
    if (mask[r] === 0) continue;
    const o = r * H;
    for (let v = 0; v < V; v++) {
      const g = dz[r * V + v];
      const w = v * H;
      db[v] += g;
      for (let j = 0; j < H; j++) {
        dW[w + j] += g * out[o + j];
        dOut[o + j] += g * W[w + j];
      }
    }
  }
  model.decoder.zeroGrad();
  model.encoder.zeroGrad();
  const dDec = model.decoder.backward({ output: dOut });
  model.encoder.backward({ h: dDec.h0, c: dDec.c0 });

  const grads: Array<[string, Float32Array, Float32Array]> = [
    ['head.weight', model.weight, dW],
    ['head.bias', model.bias, db],
  ];
  const layers = [
    ['encoder', model.encoder],
    ['decoder', model.decoder],
  ] as const;
  const params = layers.map(([, layer]) => layer.stateDict());
  layers.forEach(([name, layer], i) => {
    for (const [key, grad] of Object.entries(layer.gradDict())) grads.push([`${name}.${key}`, params[i][key], grad]);
  });
  let sumSq = 0;
  for (const [, , g] of grads) for (let i = 0; i < g.length; i++) sumSq += g[i] * g[i];
  const norm = Math.sqrt(sumSq);
  const scale = norm > 5 ? 5 / norm : 1;
  adam.begin();
  for (const [name, param, grad] of grads) {
    if (scale !== 1) for (let i = 0; i < grad.length; i++) grad[i] *= scale;
    adam.update(name, param, grad);
  }
  layers.forEach(([, layer], i) => layer.loadStateDict(params[i]));
  return { loss, right, counted };
}

/** Every digit string of 1 to MAX_DIGITS digits. */
function allStrings(): string[] {
  const out: string[] = [];
  for (let n = 1; n <= MAX_DIGITS; n++) for (let k = 0; k < 10 ** n; k++) out.push(String(k).padStart(n, '0'));
  return out;
}

/** Trains for `steps` updates of 32 strings, then translates 150 held-out strings greedily. */
export async function run(options: ExampleOptions = {}): Promise<Seq2SeqResult> {
  const { steps = 1200, seed = 1, log = () => {} } = options;
  const backend = await exampleBackend(options);
  const rng = new Rng(seed + 3);
  // hold out 150 strings of 2–3 digits (seeded shuffle); train on all the others
  const strings = allStrings();
  for (let i = strings.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [strings[i], strings[j]] = [strings[j], strings[i]];
  }
  const heldOut = strings.filter((s) => s.length >= 2).slice(0, 150);
  const held = new Set(heldOut);
  const byLength = Array.from({ length: MAX_DIGITS + 1 }, (_, n) =>
    strings.filter((s) => s.length === n && !held.has(s)),
  );

  const model = new Translator(32, seed, backend);
  const adam = new Adam(1e-2);
  const start = performance.now();
  let finalLoss = NaN;
  for (let step = 1; step <= steps; step++) {
    // one input length per batch (the encoder then needs no padding); lengths drawn 1 : 2 : 3 ≈ 1 : 3 : 6
    const u = rng.next();
    const pool = byLength[u < 0.1 ? 1 : u < 0.4 ? 2 : 3];
    const inputs = Array.from({ length: 32 }, () => pool[rng.int(pool.length)]);
    finalLoss = trainStep(model, adam, inputs).loss;
    if (step % 250 === 0) log(`step ${step}  loss ${finalLoss.toFixed(4)}`);
  }

  let exact = 0;
  let right = 0;
  let counted = 0;
  const samples: string[] = [];
  for (const n of [2, 3]) {
    const inputs = heldOut.filter((s) => s.length === n);
    const outputs = model.greedy(inputs);
    inputs.forEach((s, i) => {
      if (outputs[i] === translate(s)) exact++;
      if (samples.length < 3 * (n - 1)) samples.push(`${s} → ${outputs[i]}`);
    });
    const forced = trainStep(model, null, inputs);
    right += forced.right;
    counted += forced.counted;
  }
  const result: Seq2SeqResult = {
    exactMatch: exact / heldOut.length,
    characterAccuracy: right / counted,
    tested: heldOut.length,
    samples,
    finalLoss,
    steps,
  };
  log(
    `trained ${steps} updates in ${secondsSince(start)}; on ${heldOut.length} held-out strings: exact match ${percent(result.exactMatch)} ` +
      `(greedy decoding), characters ${percent(result.characterAccuracy)} (teacher forcing)`,
  );
  for (const s of samples) log(`  ${s}`);
  model.dispose();
  return result;
}

if (isDirectRun(import.meta.url)) {
  const result = await run(commandLineOptions());
  console.log(result);
}
