// EncoderDecoder: gradients against finite differences, learning a toy translation (reversal
// with variable lengths), and beam search against exhaustive search on a small case.
import { beforeAll, describe, expect, it } from 'vitest';
import { EncoderDecoder, Trainer, init } from '../../src/index.ts';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

const BOS = 0,
  EOS = 1; // target ids; digits are 2..7 on both sides

function reversalBatch(seed: number, B: number): { input: Int32Array; target: Int32Array; Ts: number; Tt: number } {
  let s = seed;
  const rand = (n: number) => {
    s = (s * 1103515245 + 12345) >>> 0;
    return (s >>> 8) % n;
  };
  const lens = Array.from({ length: B }, () => 2 + rand(4));
  const Ts = Math.max(...lens);
  const Tt = Ts + 1;
  const input = new Int32Array(Ts * B).fill(EOS); // source padding: EOS (the encoder reads it; fine for a toy)
  const target = new Int32Array(Tt * B).fill(-1);
  for (let b = 0; b < B; b++) {
    const digits = Array.from({ length: lens[b] }, () => 2 + rand(6));
    // left-pad the source so that the real digits end at the last step the encoder sees
    digits.forEach((d, i) => (input[(Ts - lens[b] + i) * B + b] = d));
    [...digits].reverse().forEach((d, i) => (target[i * B + b] = d));
    target[lens[b] * B + b] = EOS;
  }
  return { input, target, Ts, Tt };
}

describe('EncoderDecoder', () => {
  it('learns to reverse digit strings of varying length (exact match ≥ 90 %)', () => {
    const model = new EncoderDecoder({
      sourceVocab: 8,
      targetVocab: 8,
      embed: 16,
      hidden: 64,
      bos: BOS,
      eos: EOS,
      seed: 3,
    });
    const trainer = new Trainer(model, { optimizer: { type: 'adam', lr: 1e-2 }, clip: { norm: 5 } });
    let loss = Infinity;
    for (let i = 0; i < 600; i++) {
      const b = reversalBatch(i + 1, 32);
      loss = trainer.step({ input: b.input, target: b.target, batch: 32 }).loss;
    }
    expect(loss).toBeLessThan(0.2);
    const test = reversalBatch(99991, 100);
    const decoded = model.greedy(test.input, { batch: 100, maxLength: test.Tt + 2 });
    let exact = 0;
    for (let b = 0; b < 100; b++) {
      const want: number[] = [];
      for (let t = 0; t < test.Tt; t++) {
        const v = test.target[t * 100 + b];
        if (v >= 0) want.push(v);
      }
      if (Array.from(decoded[b]).join() === want.join()) exact++;
    }
    expect(exact).toBeGreaterThanOrEqual(90);
    // beam search agrees with greedy on a confident model, and returns sorted scores
    const beams = model.beamSearch(
      test.input.filter((_, i) => i % 100 === 0),
      { beamWidth: 3, maxLength: 8 },
    );
    expect(beams.length).toBeGreaterThan(0);
    for (let i = 1; i < beams.length; i++) expect(beams[i].logProb).toBeLessThanOrEqual(beams[i - 1].logProb);
    trainer.dispose();
    model.dispose();
  });

  it('beam search with a full beam finds the most likely sequence found by exhaustive search', () => {
    const V = 4; // BOS 0, EOS 1, two symbols
    const model = new EncoderDecoder({
      sourceVocab: 3,
      targetVocab: V,
      embed: 4,
      hidden: 6,
      bos: 0,
      eos: 1,
      seed: 11,
      cell: 'gru',
    });
    const source = [2, 1, 2];
    const maxLength = 3;
    // teacher-forced log-probability of one complete target, through the training forward path
    const logProbOf = (ids: number[]): number => {
      const logits = model.backend.heap.read(
        model.prepare({ input: source, target: ids, batch: 1 }, 'test').forward(),
        ids.length * V,
      );
      let total = 0;
      ids.forEach((id, t) => {
        const row = logits.subarray(t * V, (t + 1) * V);
        const max = Math.max(...row);
        total += row[id] - max - Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
      });
      return total;
    };
    const all: number[][] = [];
    const grow = (prefix: number[]) => {
      if (prefix.length > 0 && (prefix[prefix.length - 1] === 1 || prefix.length === maxLength)) {
        all.push(prefix);
        return;
      }
      for (let v = 0; v < V; v++) grow([...prefix, v]);
    };
    grow([]);
    const wide = model.beamSearch(source, { beamWidth: all.length, maxLength });
    // with a beam as wide as the search space, beam search is exhaustive: it returns every sequence
    expect(wide.length).toBe(all.length);
    const exhaustive = all.map((ids) => ({ ids, logProb: logProbOf(ids) })).sort((a, b) => b.logProb - a.logProb);
    expect(Array.from(wide[0].ids)).toEqual(exhaustive[0].ids);
    for (const d of wide) {
      expect(d.logProb).toBeCloseTo(exhaustive.find((e) => e.ids.join() === Array.from(d.ids).join())!.logProb, 4);
    }
    // a narrow beam returns sequences no likelier than the best
    const narrow = model.beamSearch(source, { beamWidth: 2, maxLength });
    expect(narrow[0].logProb).toBeLessThanOrEqual(exhaustive[0].logProb + 1e-6);
    // the probabilities of all complete sequences sum to 1 (they partition the event space)
    const total = wide.reduce((s, d) => s + Math.exp(d.logProb), 0);
    expect(total).toBeCloseTo(1, 4);
    model.dispose();
  });

  it('gradients through decoder, initial state and encoder match finite differences', () => {
    for (const cell of ['lstm', 'gru'] as const) {
      const model = new EncoderDecoder({
        sourceVocab: 5,
        targetVocab: 5,
        embed: 3,
        hidden: 4,
        numLayers: 2,
        bos: 0,
        eos: 1,
        seed: 5,
        cell,
      });
      const heap = model.backend.heap;
      const k = model.backend.kernels;
      const source = [2, 3, 4, 2, 3, 2]; // Ts 3, B 2
      const target = [3, 4, 2, 2, 1, 1]; // Tt 3, B 2
      const rows = 6;
      const targetPtr = heap.allocF32(rows);
      new Int32Array(heap.all().buffer, targetPtr, rows).set(target);
      const dlogits = heap.allocF32(rows * 5);
      const loss = (withGrad: boolean): number => {
        const prepared = model.prepare({ input: source, target, batch: 2 }, 'test');
        const logits = prepared.forward();
        const value = k.softmax_xent(rows, 5, logits, 5, targetPtr, 0, 1, withGrad ? dlogits : 0, 5);
        if (withGrad) prepared.backward(dlogits);
        return value;
      };
      model.zeroGrad();
      loss(true);
      for (const set of model.parameterSets()) {
        const grads = set.gradDict();
        for (const [name, values] of Object.entries(set.stateDict())) {
          // three spread-out entries of every tensor: f32 central differences, step 1e-2
          for (const i of [0, Math.floor(values.length / 2), values.length - 1]) {
            const orig = values[i];
            const at = (v: number) => {
              values[i] = v;
              set.loadStateDict({ [name]: values }, false);
              return loss(false);
            };
            const fd = (at(orig + 1e-2) - at(orig - 1e-2)) / 2e-2;
            at(orig);
            expect(Math.abs(grads[name][i] - fd), `${cell} ${name}[${i}]: ${grads[name][i]} vs ${fd}`).toBeLessThan(
              2e-3 + 2e-2 * Math.abs(fd),
            );
          }
        }
      }
      heap.release(targetPtr);
      heap.release(dlogits);
      model.dispose();
    }
  });
});
