// Trainer.fit({ x, y }): each data path (ragged features / tokens, many-to-one / aligned) against
// Trainer.step fed by hand with the same time-major batches — same losses and weights bit for bit;
// seeded shuffling and bucketing; the Keras validation split; early stopping restoring exactly the
// best epoch's weights; and bad data refused with the sample named, weights untouched.
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { Dense, Embedding, GRU, LSTM, SequenceModel, Trainer, type Batch, type StateDict } from '../../src/index.ts';
import { epochBatches } from '../../src/train/supervised-data.ts';
import { Rng } from '../../src/util/rng.ts';
import { jsBackend } from '../helpers/backends.ts';

type Kind = 'features' | 'tokens';
type Head = 'last' | 'every';
type Output = 'softmax' | 'sigmoid' | 'linear';
const V = 7;
const I = 3;
const H = 5;

function makeModel(backend: Backend, kind: Kind, at: Head, output: Output, O: number): SequenceModel {
  const first = kind === 'tokens' ? [new Embedding(V, 4, { seed: 3, backend })] : [];
  const inSize = kind === 'tokens' ? 4 : I;
  return new SequenceModel({
    layers: [...first, new LSTM(inSize, H, { seed: 4, backend }), new Dense(H, O, { at, seed: 5, backend })],
    output,
  });
}

/** Seeded ragged samples: x[i] of length 1..6, y per sample or per step. */
function makeData(n: number, kind: Kind, at: Head, output: Output, O: number, seed = 11) {
  const rng = new Rng(seed);
  const x: (number[] | number[][])[] = [];
  const y: (number | number[] | (number | number[])[])[] = [];
  const label = () =>
    output === 'softmax'
      ? rng.int(O)
      : output === 'sigmoid'
        ? Array.from({ length: O }, () => rng.int(2))
        : Array.from({ length: O }, () => rng.uniform(-1, 1));
  for (let i = 0; i < n; i++) {
    const L = 1 + rng.int(6);
    x.push(
      Array.from({ length: L }, () =>
        kind === 'tokens' ? rng.int(V) : Array.from({ length: I }, () => rng.uniform(-1, 1)),
      ) as number[] | number[][],
    );
    y.push(at === 'last' ? label() : Array.from({ length: L }, label));
  }
  return { x, y };
}

/** Written by hand, independently of the library: samples `idx` as one time-major right-padded batch. */
function handBatch(
  data: ReturnType<typeof makeData>,
  idx: number[],
  kind: Kind,
  at: Head,
  output: Output,
  O: number,
): Batch {
  const B = idx.length;
  const lengths = idx.map((i) => data.x[i].length);
  const T = Math.max(...lengths);
  const per = kind === 'tokens' ? 1 : I;
  const input: number[] = new Array(T * B * per).fill(0);
  const O1 = output === 'softmax' ? 1 : O;
  const target: number[] = new Array((at === 'every' ? T * B : B) * O1).fill(
    output === 'softmax' && at === 'every' ? -1 : 0,
  );
  idx.forEach((i, b) => {
    const xs = data.x[i];
    for (let t = 0; t < xs.length; t++) {
      const step = xs[t];
      for (let f = 0; f < per; f++) input[(t * B + b) * per + f] = typeof step === 'number' ? step : step[f];
      if (at === 'every') {
        const lab = (data.y[i] as (number | number[])[])[t];
        for (let o = 0; o < O1; o++) target[(t * B + b) * O1 + o] = typeof lab === 'number' ? lab : lab[o];
      }
    }
    if (at === 'last') {
      const lab = data.y[i] as number | number[];
      for (let o = 0; o < O1; o++) target[b * O1 + o] = typeof lab === 'number' ? lab : lab[o];
    }
  });
  return {
    input: kind === 'tokens' ? Int32Array.from(input) : Float32Array.from(input),
    target,
    seqLen: T,
    batch: B,
    lengths,
  };
}

function expectSameWeights(a: StateDict, b: StateDict): void {
  expect(Object.keys(a)).toEqual(Object.keys(b));
  for (const k of Object.keys(a)) expect(Array.from(a[k]), k).toEqual(Array.from(b[k]));
}

const CASES: [Kind, Head, Output, number][] = [
  ['features', 'last', 'softmax', 3],
  ['tokens', 'last', 'sigmoid', 2],
  ['tokens', 'every', 'softmax', V],
  ['features', 'every', 'linear', 2],
];

describe('fit({ x, y }) equals step() on hand-built batches', () => {
  it.each(CASES)('%s, head at %s, %s: losses and weights bit for bit (in order)', async (kind, at, output, O) => {
    const data = makeData(10, kind, at, output, O);
    const a = makeModel(jsBackend(), kind, at, output, O);
    const b = makeModel(jsBackend(), kind, at, output, O);
    const opt = { optimizer: { type: 'adam', lr: 0.01 } } as const;
    const result = await new Trainer(a, opt).fit(data, { epochs: 2, batchSize: 4, shuffle: false });
    const tb = new Trainer(b, opt);
    const losses: number[] = [];
    for (let e = 0; e < 2; e++) {
      let sum = 0;
      for (const idx of [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [8, 9],
      ])
        sum += tb.step(handBatch(data, idx, kind, at, output, O)).loss;
      losses.push(sum / 3);
    }
    expect(result.epochLosses).toEqual(losses);
    expect(result.steps).toBe(6);
    expectSameWeights(a.stateDict(), b.stateDict());
  });

  it('shuffled: the seeded order of epochBatches, bit for bit; same seed same weights, other seed other weights', async () => {
    const [kind, at, output, O] = CASES[0];
    const data = makeData(9, kind, at, output, O);
    const run = async (seed: number) => {
      const m = makeModel(jsBackend(), kind, at, output, O);
      await new Trainer(m).fit(data, { epochs: 3, batchSize: 2, seed });
      return m.stateDict();
    };
    const hand = makeModel(jsBackend(), kind, at, output, O);
    const th = new Trainer(hand);
    const rng = new Rng(42);
    const lengths = Int32Array.from(data.x, (s) => s.length);
    for (let e = 0; e < 3; e++)
      for (const idx of epochBatches(lengths, 2, rng, false)) th.step(handBatch(data, [...idx], kind, at, output, O));
    const first = await run(42);
    expectSameWeights(first, hand.stateDict());
    expectSameWeights(first, await run(42));
    const other = await run(43);
    expect(Array.from(other['0.weight_ih_l0'])).not.toEqual(Array.from(first['0.weight_ih_l0']));
  });
});

describe('epoch order', () => {
  const lengths = Int32Array.from({ length: 50 }, (_, i) => 1 + ((i * 7) % 13));
  const flat = (bs: Int32Array[]) => bs.flatMap((b) => [...b]);
  it('covers every sample once; reproducible by seed, different across seeds and epochs', () => {
    const a = epochBatches(lengths, 8, new Rng(1), false);
    expect(flat(a).sort((p, q) => p - q)).toEqual([...Array(50).keys()]);
    expect(a.map((b) => b.length)).toEqual([8, 8, 8, 8, 8, 8, 2]);
    expect(flat(epochBatches(lengths, 8, new Rng(1), false))).toEqual(flat(a));
    expect(flat(epochBatches(lengths, 8, new Rng(2), false))).not.toEqual(flat(a));
    const r = new Rng(1);
    expect(flat(epochBatches(lengths, 8, r, false))).not.toEqual(flat(epochBatches(lengths, 8, r, false)));
    expect(flat(epochBatches(lengths, 8, null, false))).toEqual([...Array(50).keys()]);
  });
  it('bucketing: batches of similar lengths (sorted within a chunk), seeded', () => {
    const b = epochBatches(lengths, 2, new Rng(5), true); // chunks of 32 samples
    expect(flat(b).sort((p, q) => p - q)).toEqual([...Array(50).keys()]);
    const spread = (bs: Int32Array[]) =>
      bs.reduce((s, x) => s + Math.max(...x.map((i) => lengths[i])) - Math.min(...x.map((i) => lengths[i])), 0);
    expect(spread(b)).toBeLessThan(spread(epochBatches(lengths, 2, new Rng(5), false)) / 2);
    expect(flat(epochBatches(lengths, 2, new Rng(5), true))).toEqual(flat(b));
    expect(flat(epochBatches(lengths, 2, new Rng(6), true))).not.toEqual(flat(b));
  });
});

describe('validation and early stopping', () => {
  const [kind, at, output, O] = CASES[0];
  it('validationSplit holds out the LAST fraction before shuffling (as validationData would)', async () => {
    const data = makeData(10, kind, at, output, O);
    const seen: number[][] = [[], []];
    const a = makeModel(jsBackend(), kind, at, output, O);
    const b = makeModel(jsBackend(), kind, at, output, O);
    // Keras: ⌊10·(1 − 0.3)⌋ = 7 train, 3 validate
    await new Trainer(a).fit(data, {
      epochs: 2,
      seed: 1,
      batchSize: 3,
      validationSplit: 0.3,
      onEpoch: (e) => seen[0].push(e.validation!.loss),
    });
    const train = { x: data.x.slice(0, 7), y: data.y.slice(0, 7) };
    const validationData = { x: data.x.slice(7), y: data.y.slice(7) };
    await new Trainer(b).fit(train, {
      epochs: 2,
      seed: 1,
      batchSize: 3,
      validationData,
      onEpoch: (e) => seen[1].push(e.validation!.loss),
    });
    expectSameWeights(a.stateDict(), b.stateDict());
    expect(seen[0]).toEqual(seen[1]);
    expect(seen[0]).toHaveLength(2);
  });

  it('restoreBest loads exactly the best epoch’s weights (captured in onEpoch)', async () => {
    // random labels: the validation loss falls, then rises as the model memorises the training set
    const data = makeData(24, kind, at, output, O, 5);
    const validationData = makeData(24, kind, at, output, O, 6);
    const m = makeModel(jsBackend(), kind, at, output, O);
    const states: StateDict[] = [];
    const losses: number[] = [];
    const result = await new Trainer(m, { optimizer: { type: 'adam', lr: 0.05 } }).fit(data, {
      epochs: 30,
      batchSize: 8,
      seed: 3,
      validationData,
      earlyStopping: { patience: 3, restoreBest: true },
      onEpoch: (e) => {
        states.push(m.stateDict());
        losses.push(e.validation!.loss);
      },
    });
    const best = losses.indexOf(Math.min(...losses)) + 1;
    expect(result.stopped).toBe('patience');
    expect(result.bestEpoch).toBe(best);
    expect(losses.length).toBe(best + 3);
    expectSameWeights(m.stateDict(), states[best - 1]);
    expect(Array.from(m.stateDict()['1.weight'])).not.toEqual(Array.from(states.at(-1)!['1.weight']));
  });

  it('monitors a metric that rises (val_accuracy), and patience alone stops without restoring', async () => {
    const data = makeData(24, kind, at, output, O, 5);
    const m = makeModel(jsBackend(), kind, at, output, O);
    const acc: number[] = [];
    const result = await new Trainer(m, { optimizer: { type: 'adam', lr: 0.05 } }).fit(data, {
      epochs: 40,
      seed: 2,
      validationSplit: 0.5,
      metrics: ['accuracy'],
      earlyStopping: { patience: 2, monitor: 'val_accuracy' },
      onEpoch: (e) => acc.push(e.validation!.accuracy!),
    });
    const best = acc.indexOf(Math.max(...acc)) + 1;
    expect(result.bestEpoch).toBe(best);
    expect(acc.length).toBe(result.stopped === 'patience' ? best + 2 : 40);
  });
});

describe('bad data: an error naming the sample, thrown before any weight changes', () => {
  const base = () => ({
    x: [
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [[0, 0, 0]],
      [
        [1, 1, 1],
        [2, 2, 2],
        [3, 3, 3],
      ],
    ] as number[][][],
    y: [0, 2, 1] as unknown[],
  });
  const cases: [string, (d: ReturnType<typeof base>) => void, RegExp][] = [
    ['too few labels', (d) => d.y.pop(), /x has 3 samples but y has 2/],
    ['wrong width', (d) => d.x[2][1].push(9), /x\[2\]\[1\] has 4 features, expected 3/],
    ['NaN feature', (d) => (d.x[1][0][2] = Number.NaN), /x\[1\]\[0\]\[2\] is NaN, expected a finite number/],
    ['Infinity feature', (d) => (d.x[0][1][0] = Infinity), /x\[0\]\[1\]\[0\] is Infinity/],
    ['empty sequence', (d) => (d.x[1] = []), /x\[1\] is empty/],
    ['class out of range', (d) => (d.y[2] = 3), /y\[2\] is 3, expected a class id in \[0, 3\)/],
    ['fractional class', (d) => (d.y[0] = 0.5), /y\[0\] is 0.5, expected a class id/],
    ['not a sequence', (d) => ((d.x as unknown[])[2] = 7), /x\[2\] is 7, expected an array of steps/],
  ];
  it.each(cases)('%s', async (_, corrupt, message) => {
    const m = makeModel(jsBackend(), 'features', 'last', 'softmax', 3);
    const before = m.stateDict();
    const trainer = new Trainer(m);
    const d = base();
    await new Trainer(m).fit(base() as never, { epochs: 1 }).then(() => m.loadStateDict(before));
    corrupt(d);
    await expect(trainer.fit(d as never)).rejects.toThrow(message);
    await expect(trainer.fit(base() as never, { validationData: d as never })).rejects.toThrow(/validationData\./);
    expectSameWeights(m.stateDict(), before);
    expect(trainer.optimizer.stepCount).toBe(0);
  });

  it('tokens and aligned labels: out-of-range ids and a y[i] of the wrong length', async () => {
    const m = makeModel(jsBackend(), 'tokens', 'every', 'softmax', V);
    const t = new Trainer(m);
    await expect(
      t.fit({
        x: [
          [1, 2],
          [3, 7],
        ],
        y: [
          [1, 2],
          [3, 4],
        ],
      }),
    ).rejects.toThrow(/x\[1\]\[1\] is 7, expected a token id in \[0, 7\)/);
    await expect(
      t.fit({
        x: [
          [1, 2],
          [3, 4, 5],
        ],
        y: [
          [1, 2],
          [3, 4],
        ],
      }),
    ).rejects.toThrow(/y\[1\] has 2 labels, expected one per step of x\[1\] \(3\)/);
    const lin = new Trainer(makeModel(jsBackend(), 'features', 'every', 'linear', 2));
    await expect(lin.fit({ x: [[[1, 2, 3]]], y: [[[1, Number.NaN]]] })).rejects.toThrow(/y\[0\]\[0\]\[1\] is NaN/);
    await expect(lin.fit({ x: [[[1, 2, 3]]], y: [[[1]]] })).rejects.toThrow(/y\[0\]\[0\] has 1 values, expected 2/);
    const bce = new Trainer(makeModel(jsBackend(), 'tokens', 'last', 'sigmoid', 2));
    await expect(bce.fit({ x: [[1]], y: [[1, 2]] })).rejects.toThrow(
      /y\[0\]\[1\] is 2, expected a finite value in \[0, 1\]/,
    );
  });

  it('bad options: unknown, conflicting, a split too small, a monitor without data', async () => {
    const t = new Trainer(makeModel(jsBackend(), 'features', 'last', 'softmax', 3));
    const d = makeData(4, 'features', 'last', 'softmax', 3);
    await expect(t.fit(d, { lr: 1 } as never)).rejects.toThrow(/lr/);
    await expect(t.fit(d, { validationSplit: 0.9 })).rejects.toThrow(/0.9 of 4 samples leaves 0 to train and 4/);
    await expect(t.fit(d, { earlyStopping: { patience: 1, monitor: 'val_loss' } })).rejects.toThrow(
      /needs validationData/,
    );
    await expect(t.fit(d, { validationSplit: 0.5, earlyStopping: { patience: 1, monitor: 'val_f1' } })).rejects.toThrow(
      /needs 'f1' in options.metrics/,
    );
    await expect(t.fit(d, { metrics: ['accuracy', 'r2' as never] })).rejects.toThrow(/metrics/);
    const lin = new Trainer(makeModel(jsBackend(), 'features', 'last', 'linear', 1));
    await expect(lin.fit({ x: [[1, 2, 3]] as never, y: [1] }, { metrics: ['accuracy'] })).rejects.toThrow(
      /needs a classifier/,
    );
  });

  it('fuzz: corrupted data train or fail naming the argument and sample (seeded, 300 cases)', async () => {
    const rng = new Rng(99);
    const m = makeModel(jsBackend(), 'features', 'every', 'softmax', 3);
    const t = new Trainer(m);
    const bad = [Number.NaN, Infinity, -1, 3, 1.5, '2', null, undefined, [], [1, 2]];
    let trained = 0;
    let refused = 0;
    for (let k = 0; k < 300; k++) {
      const d = makeData(4, 'features', 'every', 'softmax', 3, 100 + k) as { x: unknown[][]; y: unknown[][] };
      const i = rng.int(4);
      const what = rng.int(4);
      const v = bad[rng.int(bad.length)];
      if (what === 0) (d.x[i][rng.int(d.x[i].length)] as unknown[])[rng.int(3)] = v;
      else if (what === 1) d.y[i][rng.int(d.y[i].length)] = v;
      else if (what === 2) d.x[i] = d.x[i].slice(0, rng.int(d.x[i].length + 1));
      else d.y[i] = d.y[i].slice(0, rng.int(d.y[i].length + 1));
      const before = m.stateDict();
      try {
        const r = await t.fit(d as never, { batchSize: 2 });
        expect(r.epochLosses.every(Number.isFinite)).toBe(true);
        trained++;
      } catch (error) {
        refused++;
        expect((error as Error).message).toMatch(new RegExp(`^Trainer\\.fit: (x|y)\\[${i}\\]`));
        expectSameWeights(m.stateDict(), before);
      }
    }
    expect(trained + refused).toBe(300);
    expect(refused).toBeGreaterThan(200);
  });
});

describe('events and stops', () => {
  it('onEpoch: epoch, elapsed seconds, samples per second (× elapsed = samples trained so far)', async () => {
    const data = makeData(10, 'features', 'last', 'softmax', 3);
    const events: { epoch: number; elapsed: number; samplesPerSecond: number; loss: number }[] = [];
    const r = await new Trainer(makeModel(jsBackend(), 'features', 'last', 'softmax', 3)).fit(data, {
      epochs: 3,
      batchSize: 3,
      validationSplit: 0.2,
      onEpoch: (e) => events.push(e),
    });
    expect(events.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(events.map((e) => e.loss)).toEqual(r.epochLosses);
    events.forEach((e, i) => {
      expect(e.elapsed).toBeGreaterThan(0);
      expect(e.samplesPerSecond * e.elapsed).toBeCloseTo(8 * (i + 1), 6);
    });
  });

  it('signal, maxSteps and timeLimit stop between updates', async () => {
    const data = makeData(10, 'tokens', 'every', 'softmax', V);
    const t = new Trainer(makeModel(jsBackend(), 'tokens', 'every', 'softmax', V));
    const ctl = new AbortController();
    const aborted = await t.fit(data, { epochs: 4, batchSize: 2, signal: ctl.signal, onStep: () => ctl.abort() });
    expect(aborted).toMatchObject({ stopped: 'aborted', steps: 1, epochLosses: [] });
    expect(await t.fit(data, { epochs: 4, batchSize: 2, maxSteps: 7 })).toMatchObject({ stopped: 'steps', steps: 7 });
    expect(await t.fit(data, { epochs: 4, timeLimit: 0 })).toMatchObject({ stopped: 'time', steps: 1 });
    expect(await t.fit(data, { signal: ctl.signal })).toMatchObject({ stopped: 'aborted', steps: 0 });
  });
});

describe('other models', () => {
  it('learns: the sign of a ragged series’ sum, to > 90 % validation accuracy (15 points above the start)', async () => {
    const backend = jsBackend();
    const m = new SequenceModel({
      layers: [new LSTM(1, 8, { seed: 1, backend }), new Dense(8, 2, { at: 'last', seed: 2, backend })],
      output: 'softmax',
    });
    const rng = new Rng(8);
    const x = Array.from({ length: 300 }, () => Array.from({ length: 2 + rng.int(8) }, () => rng.uniform(-1, 1)));
    const y = x.map((s) => (s.reduce((a, b) => a + b, 0) > 0 ? 1 : 0));
    const t = new Trainer(m, { optimizer: { type: 'adam', lr: 0.02 } });
    const before = t.evaluate({ x: x.slice(240), y: y.slice(240) }, { metrics: ['accuracy'] }).accuracy!;
    const acc: number[] = [];
    await t.fit(
      { x, y },
      {
        epochs: 15,
        seed: 1,
        bucket: true,
        validationSplit: 0.2,
        metrics: ['accuracy'],
        onEpoch: (e) => acc.push(e.validation!.accuracy!),
      },
    );
    expect(Math.max(...acc)).toBeGreaterThan(Math.max(0.9, before + 0.15));
  });

  it('a GRU classifier on ragged 1-feature series given as plain numbers per step', async () => {
    const backend = jsBackend();
    const m = new SequenceModel({
      layers: [new GRU(1, 4, { seed: 1, backend }), new Dense(4, 2, { at: 'last', seed: 2, backend })],
      output: 'softmax',
    });
    const x = [[0.1, 0.2, 0.3], [-0.5], [0.4, -0.1]];
    const r = await new Trainer(m).fit({ x, y: [1, 0, 1] }, { epochs: 2 });
    expect(r.epochLosses).toHaveLength(2);
    expect(r.epochLosses.every(Number.isFinite)).toBe(true);
  });
});
