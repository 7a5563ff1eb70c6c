// Trainer.fit({ x, y }) / evaluate({ x, y }) on an EncoderDecoder: x ragged source ids, y ragged
// target ids. A shuffled fit equals step() fed hand-built batches bit for bit; bad samples are
// refused naming the sample (weights untouched); evaluate's per-token metrics match a sample-by-
// sample computation; a tiny reversal task is learned.
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { EncoderDecoder, Trainer } from '../../src/index.ts';
import type { Batch } from '../../src/nn/trainable.ts';
import { epochBatches } from '../../src/train/supervised-data.ts';
import { Rng } from '../../src/util/rng.ts';
import { jsBackend, wasmBackend } from '../helpers/backends.ts';

const BOS = 0;
const EOS = 1; // target ids; digits are 2..11 on both sides

function model(backend: Backend, seed = 3, hidden = 8): EncoderDecoder {
  return new EncoderDecoder({ sourceVocab: 12, targetVocab: 12, embed: 8, hidden, bos: BOS, eos: EOS, seed, backend });
}

/** n reversal samples: x a string of `lo`..`hi` digits, y its reverse then EOS. */
function reversal(n: number, seed: number, lo = 1, hi = 5): { x: number[][]; y: number[][] } {
  const rng = new Rng(seed);
  const x: number[][] = [];
  const y: number[][] = [];
  for (let i = 0; i < n; i++) {
    const digits = Array.from({ length: lo + rng.int(hi - lo + 1) }, () => 2 + rng.int(10));
    x.push(digits);
    y.push([...digits].reverse().concat(EOS));
  }
  return { x, y };
}

/** Written by hand: samples `idx` as time-major batches, source right-padded (lengths), target −1-padded. */
function handBatch(data: { x: number[][]; y: number[][] }, idx: number[]): Batch {
  const B = idx.length;
  const Ts = Math.max(...idx.map((i) => data.x[i].length));
  const Tt = Math.max(...idx.map((i) => data.y[i].length));
  const input = new Array<number>(Ts * B).fill(0);
  const target = new Array<number>(Tt * B).fill(-1);
  idx.forEach((i, b) => {
    data.x[i].forEach((v, t) => (input[t * B + b] = v));
    data.y[i].forEach((v, t) => (target[t * B + b] = v));
  });
  return { input, target, batch: B, seqLen: Ts, lengths: idx.map((i) => data.x[i].length) };
}

const weights = (m: EncoderDecoder) => m.parameterSets().map((s) => s.stateDict());

describe('fit({ x, y }) on an EncoderDecoder', () => {
  for (const [name, make] of [
    ['js', async () => jsBackend()],
    ['wasm', wasmBackend],
  ] as const) {
    it(`${name}: a shuffled 2-epoch fit equals step() on the same batches, bit for bit`, async () => {
      const backend = await make();
      const data = reversal(23, 7);
      const a = model(backend);
      const b = model(backend);
      const losses: number[] = [];
      const result = await new Trainer(a).fit(data, {
        epochs: 2,
        batchSize: 5,
        seed: 42,
        onStep: (s) => losses.push(s.loss),
      });
      expect(result.steps).toBe(10);
      const hand = new Trainer(b);
      const rng = new Rng(42);
      const lengths = Int32Array.from(data.x, (s) => s.length);
      const handLosses: number[] = [];
      for (let e = 0; e < 2; e++)
        for (const idx of epochBatches(lengths, 5, rng, false))
          handLosses.push(hand.step(handBatch(data, [...idx])).loss);
      expect(losses).toEqual(handLosses);
      expect(weights(a)).toEqual(weights(b));
      // and the order matters: an unshuffled fit ends elsewhere
      const c = model(backend);
      await new Trainer(c).fit(data, { epochs: 2, batchSize: 5, shuffle: false });
      expect(weights(c)).not.toEqual(weights(a));
      for (const m of [a, b, c]) m.dispose();
    });
  }

  it('bad samples are refused naming the sample, before any update', async () => {
    const m = model(jsBackend());
    const trainer = new Trainer(m);
    const before = weights(m);
    const ok = reversal(6, 3);
    const cases: Array<[{ x: unknown[]; y: unknown[] }, RegExp]> = [
      [
        { x: ok.x.map((s, i) => (i === 4 ? [2, 12, 3] : s)), y: ok.y },
        /x\[4\]\[1\] is 12, expected a token id in \[0, 12\)/,
      ],
      [{ x: ok.x, y: ok.y.map((s, i) => (i === 2 ? [] : s)) }, /y\[2\].*expected a non-empty array of target ids/],
      [
        { x: ok.x, y: ok.y.map((s, i) => (i === 5 ? [3, -1] : s)) },
        /y\[5\]\[1\] is -1, expected a target id in \[0, 12\)/,
      ],
      [{ x: ok.x, y: ok.y.map((s, i) => (i === 1 ? 4 : s)) }, /y\[1\] is 4, expected a non-empty array/],
      [{ x: ok.x.map((s, i) => (i === 0 ? [] : s)), y: ok.y }, /x\[0\] is empty/],
    ];
    for (const [data, message] of cases) {
      await expect(trainer.fit(data as { x: number[][]; y: number[][] })).rejects.toThrow(message);
      expect(() => trainer.evaluate(data as { x: number[][]; y: number[][] })).toThrow(message);
    }
    await expect(
      trainer.fit(ok, { validationData: { x: ok.x, y: ok.y.map((s, i) => (i === 3 ? [99] : s)) } }),
    ).rejects.toThrow(/validationData\.y\[3\]\[0\] is 99/);
    expect(weights(m)).toEqual(before);
    expect(trainer.optimizer.stepCount).toBe(0);
    m.dispose();
  });

  it('fuzz: 300 corrupted datasets give a result or an error naming the sample', () => {
    const m = model(jsBackend());
    const trainer = new Trainer(m);
    const rng = new Rng(99);
    const junk = [5, 12, -1, 2.5, Number.NaN, '3', null, [], [[2]], undefined, 1e9];
    let refused = 0;
    let scored = 0;
    for (let k = 0; k < 300; k++) {
      const data = reversal(5, k) as { x: unknown[][]; y: unknown[][] };
      const side = rng.int(2) === 0 ? data.x : data.y;
      const i = rng.int(5);
      if (rng.int(4) === 0) side[i] = junk[rng.int(junk.length)] as unknown[];
      else side[i][rng.int(side[i].length)] = junk[rng.int(junk.length)];
      try {
        const scores = trainer.evaluate(data as { x: number[][]; y: number[][] });
        expect(Number.isFinite(scores.loss)).toBe(true);
        scored++;
      } catch (error) {
        expect((error as Error).message).toMatch(/^Trainer\.evaluate: [xy]\[[0-4]\]/);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(200);
    expect(scored).toBeGreaterThan(10); // 5 is a valid id on both sides
    console.log(`seq2seq fuzz: ${refused} refused, ${scored} scored`);
    m.dispose();
  });

  it('evaluate: loss, accuracy and perplexity per target token, as computed sample by sample', () => {
    const m = model(jsBackend(), 5);
    const data = reversal(9, 13);
    const scores = new Trainer(m).evaluate(data, { metrics: ['accuracy', 'perplexity'], batchSize: 4 });
    let nll = 0;
    let correct = 0;
    let tokens = 0;
    const V = 12;
    data.x.forEach((x, i) => {
      const y = data.y[i];
      const logits = m.backend.heap.read(m.prepare({ input: x, target: y, batch: 1 }, 'test').forward(), y.length * V);
      y.forEach((c, t) => {
        const row = Array.from(logits.subarray(t * V, (t + 1) * V));
        const max = Math.max(...row);
        nll += Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0)) + max - row[c];
        if (row.indexOf(max) === c) correct++;
        tokens++;
      });
    });
    expect(scores.loss).toBeCloseTo(nll / tokens, 5);
    expect(scores.accuracy).toBe(correct / tokens);
    expect(scores.perplexity).toBeCloseTo(Math.exp(nll / tokens), 4);
    m.dispose();
  });

  it('learns to reverse 3–6-digit strings (> 90 % token accuracy), with validation and restoreBest', async () => {
    const backend = await wasmBackend();
    const m = model(backend, 11, 64);
    const train = reversal(2000, 1, 3, 6);
    const valid = reversal(200, 2, 3, 6);
    const trainer = new Trainer(m, { optimizer: { type: 'adam', lr: 1e-2 }, clip: { norm: 5 } });
    const accuracies: number[] = [];
    const began = performance.now();
    const result = await trainer.fit(train, {
      epochs: 12,
      batchSize: 32,
      seed: 1,
      validationData: valid,
      metrics: ['accuracy'],
      earlyStopping: { monitor: 'val_accuracy', patience: 3, restoreBest: true },
      onEpoch: (e) => accuracies.push(e.validation!.accuracy!),
    });
    const seconds = (performance.now() - began) / 1000;
    const best = Math.max(...accuracies);
    expect(result.bestEpoch).toBe(accuracies.indexOf(best) + 1);
    const after = trainer.evaluate(valid, { metrics: ['accuracy'] });
    expect(after.accuracy).toBe(best); // the restored weights are the best epoch's
    expect(after.accuracy).toBeGreaterThan(0.9);
    console.log(
      `seq2seq reversal: val accuracy ${accuracies.map((a) => a.toFixed(3)).join(' ')} in ${seconds.toFixed(1)} s`,
    );
    m.dispose();
  }, 60_000);
});
