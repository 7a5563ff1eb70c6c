// Language-model utilities: Vocab (char / word level, specials, <UNK>, minFreq, maxSize, JSON),
// sampleLogits (greedy limit, top-k, top-p, frequencies against softmax), generate / stream
// (seeded, stopAt, agreement with a stateless greedy decode) and Trainer.evaluate (perplexity of
// a uniform model, windowed evaluation against one whole-sequence pass).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import {
  Dense,
  EOS,
  Embedding,
  LSTM,
  PAD,
  Rng,
  SequenceModel,
  Trainer,
  UNK,
  Vocab,
  generate,
  sampleLogits,
  stream,
} from '../../src/index.ts';
import { randomArray, wasmBackend } from '../helpers/backends.ts';
import { expectNear } from './util.ts';

describe('Vocab', () => {
  it('character level: specials first, then by descending frequency (ties in first-seen order); exact round trip', () => {
    const text = 'abracadabra! ünï 😀 a\n';
    const vocab = Vocab.fromText(text);
    expect(vocab.level).toBe('char');
    expect([vocab.padId, vocab.unkId, vocab.eosId]).toEqual([0, 1, 2]);
    expect([vocab.token(0), vocab.token(1), vocab.token(2)]).toEqual([PAD, UNK, EOS]);
    expect([vocab.id(PAD), vocab.id(UNK), vocab.id(EOS)]).toEqual([0, 1, 2]);
    // 'a' ×6, ' ' ×3, then 'b' and 'r' ×2 each (b seen first), then the singles in order of appearance
    expect(vocab.id('a')).toBe(3);
    expect(vocab.id(' ')).toBe(4);
    expect(vocab.id('b')).toBe(5);
    expect(vocab.id('r')).toBe(6);
    expect(vocab.id('c')).toBe(7);
    const distinct = new Set(Array.from(text)).size;
    expect(vocab.size).toBe(3 + distinct);
    // code points, not UTF-16 units: the emoji is one token
    expect(vocab.encode('😀')).toHaveLength(1);
    expect(vocab.decode(vocab.encode(text))).toBe(text);
    for (let id = 0; id < vocab.size; id++) expect(vocab.id(vocab.token(id))).toBe(id);
  });

  it('unknown tokens encode to <UNK> (id 1) and decode as "<UNK>"', () => {
    const vocab = Vocab.fromText('hello');
    const ids = vocab.encode('help!');
    expect(Array.from(ids)).toEqual([vocab.id('h'), vocab.id('e'), vocab.id('l'), 1, 1]);
    expect(vocab.decode(ids)).toBe('hel<UNK><UNK>');
  });

  it('word level: words and single punctuation marks are tokens, whitespace is not; decode joins by spaces', () => {
    const text = "The cat sat on the mat.  The cat, the hat!\nIt's 42 cats.";
    const vocab = Vocab.fromText(text, { level: 'word' });
    expect(vocab.level).toBe('word');
    const ids = vocab.encode(text);
    expect(vocab.decode(ids)).toBe("The cat sat on the mat . The cat , the hat ! It's 42 cats .");
    expect(vocab.token(ids[0])).toBe('The');
    expect(vocab.token(ids[1])).toBe('cat');
    expect(ids.length).toBe(17);
    for (const t of ['cat', 'the', '.', ',', '!', "It's", '42']) expect(vocab.id(t), t).toBeGreaterThan(2);
    for (const t of [' ', '  ', '\n']) expect(vocab.id(t), JSON.stringify(t)).toBe(1);
    // The, cat, the and . are seen twice each: The is first seen
    expect(vocab.id('The')).toBe(3);
    expect(Array.from(vocab.encode('the dog'))).toEqual([vocab.id('the'), 1]);
  });

  it('minFreq drops rare tokens to <UNK>; maxSize keeps the most frequent (specials included)', () => {
    const text = 'aaaa bbb cc d';
    const rare = Vocab.fromText(text, { minFreq: 3 });
    expect(rare.size).toBe(3 + 3); // a, ' ' (3), b
    expect(Array.from(rare.encode('abcd'))).toEqual([rare.id('a'), rare.id('b'), 1, 1]);
    const small = Vocab.fromText(text, { maxSize: 5 });
    expect(small.size).toBe(5);
    expect(small.id('a')).toBe(3);
    expect([small.id(' '), small.id('b')]).toContain(4);
    expect(small.id('d')).toBe(1);
    expect(Vocab.fromText(text, { maxSize: 3 }).size).toBe(3);
    expect(() => Vocab.fromText(text, { maxSize: 2 })).toThrow(/maxSize/);
    expect(() => Vocab.fromText(text, { minFreq: 0 })).toThrow(/minFreq/);
    expect(() => Vocab.fromText(text, { level: 'byte' as never })).toThrow(/level/);
    expect(() => Vocab.fromText(42 as never)).toThrow(/text must be a string/);
  });

  it('decode drops <PAD> and <EOS> unless keepSpecials; bad ids are clear errors', () => {
    const vocab = Vocab.fromText('xy');
    const ids = [0, vocab.id('x'), 2, vocab.id('y'), 1, 0];
    expect(vocab.decode(ids)).toBe('xy<UNK>');
    expect(vocab.decode(ids, true)).toBe('<PAD>x<EOS>y<UNK><PAD>');
    expect(() => vocab.token(vocab.size)).toThrow(/id must be an integer in \[0, 5\)/);
    expect(() => vocab.decode([1.5])).toThrow(/1\.5/);
    expect(() => vocab.encode(null as never)).toThrow(/text must be a string/);
  });

  it('toJSON / fromJSON round-trips through JSON text; malformed JSON is rejected', () => {
    for (const level of ['char', 'word'] as const) {
      const text = 'one two, two three three three.';
      const vocab = Vocab.fromText(text, { level });
      const again = Vocab.fromJSON(JSON.parse(JSON.stringify(vocab)));
      expect(again.level).toBe(level);
      expect(again.size).toBe(vocab.size);
      expect(Array.from(again.encode(`${text} four`))).toEqual(Array.from(vocab.encode(`${text} four`)));
      for (let id = 0; id < vocab.size; id++) expect(again.token(id)).toBe(vocab.token(id));
    }
    expect(() => Vocab.fromJSON({ level: 'char', tokens: ['a', 'b'] })).toThrow(/<PAD>, <UNK>, <EOS>/);
    expect(() => Vocab.fromJSON({ level: 'line' as never, tokens: [PAD, UNK, EOS] })).toThrow(/level/);
    expect(() => Vocab.fromJSON(null as never)).toThrow(TypeError);
  });
});

describe('sampleLogits', () => {
  const defaults = { temperature: 1, topK: 0, topP: 1 };
  const softmax = (logits: number[], temperature = 1): number[] => {
    const max = Math.max(...logits);
    const e = logits.map((l) => Math.exp((l - max) / temperature));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  /** Draw counts over `n` samples. */
  const draw = (logits: number[], o: typeof defaults, n: number, seed: number): number[] => {
    const rng = new Rng(seed);
    const scratch = new Float64Array(logits.length);
    const counts = new Array(logits.length).fill(0);
    for (let i = 0; i < n; i++) counts[sampleLogits(logits, o, rng, scratch)]++;
    return counts;
  };
  /** Pearson's χ² of counts against probabilities (cells with p = 0 must be empty). */
  const chiSquare = (counts: number[], probs: number[]): number => {
    const n = counts.reduce((a, b) => a + b, 0);
    let chi = 0;
    counts.forEach((c, i) => {
      if (probs[i] === 0) {
        expect(c, `token ${i} has probability 0 but was drawn`).toBe(0);
        return;
      }
      chi += (c - n * probs[i]) ** 2 / (n * probs[i]);
    });
    return chi;
  };
  const logits = [1, 0.5, -0.3, 2, 0, -1, 1.7];
  const argmax = 3;

  it('temperature 0 and top-k 1 are greedy; a temperature near 0 gives the arg-max too', () => {
    expect(draw(logits, { ...defaults, temperature: 0 }, 200, 1)[argmax]).toBe(200);
    expect(draw(logits, { ...defaults, topK: 1 }, 200, 2)[argmax]).toBe(200);
    expect(draw(logits, { ...defaults, temperature: 1e-3 }, 500, 3)[argmax]).toBe(500);
  });

  // χ² critical values at p = 0.001: 6 degrees of freedom 22.46, 3 → 16.27, 1 → 10.83
  for (const temperature of [1, 0.5, 2]) {
    it(`temperature ${temperature}: frequencies over 30 000 draws match softmax(logits / T) (χ² < 22.46, 6 d.o.f.)`, () => {
      const counts = draw(logits, { ...defaults, temperature }, 30_000, 11);
      expect(chiSquare(counts, softmax(logits, temperature))).toBeLessThan(22.46);
    });
  }

  it('top-k 4 never emits a token outside the 4 most likely; within them, frequencies are the renormalised softmax', () => {
    const v = Array.from(randomArray(20, 8, -2, 2));
    const top = v
      .map((l, i) => [l, i])
      .sort((a, b) => b[0] - a[0])
      .slice(0, 4)
      .map(([, i]) => i);
    const counts = draw(v, { ...defaults, topK: 4 }, 20_000, 5);
    const p = softmax(v);
    const kept = top.reduce((s, i) => s + p[i], 0);
    const want = p.map((pi, i) => (top.includes(i) ? pi / kept : 0));
    expect(chiSquare(counts, want)).toBeLessThan(16.27);
  });

  it('top-p keeps the smallest set of most likely tokens whose probability reaches p', () => {
    const probs = [0.05, 0.45, 0.1, 0.25, 0.15];
    const l = probs.map(Math.log);
    // nucleus 0.65: {0.45, 0.25} (0.70 ≥ 0.65)
    let counts = draw(l, { ...defaults, topP: 0.65 }, 20_000, 21);
    expect(chiSquare(counts, [0, 0.45 / 0.7, 0, 0.25 / 0.7, 0])).toBeLessThan(10.83);
    // nucleus 0.8: {0.45, 0.25, 0.15}
    counts = draw(l, { ...defaults, topP: 0.8 }, 20_000, 22);
    expect(chiSquare(counts, [0, 0.45 / 0.85, 0, 0.25 / 0.85, 0.15 / 0.85])).toBeLessThan(13.82);
    // nucleus 0.3: the most likely token alone
    expect(draw(l, { ...defaults, topP: 0.3 }, 500, 23)).toEqual([0, 500, 0, 0, 0]);
    // with top-k 2 and top-p 0.99 together, only the top two remain
    counts = draw(l, { ...defaults, topK: 2, topP: 0.99 }, 5000, 24);
    expect(counts[0] + counts[2] + counts[4]).toBe(0);
  });

  it('equal seeds give equal draws', () => {
    expect(draw(logits, defaults, 300, 77)).toEqual(draw(logits, defaults, 300, 77));
    const seq = (seed: number) => {
      const rng = new Rng(seed);
      const scratch = new Float64Array(logits.length);
      return Array.from({ length: 50 }, () => sampleLogits(logits, defaults, rng, scratch));
    };
    expect(seq(5)).toEqual(seq(5));
    expect(seq(5)).not.toEqual(seq(6));
  });
});

describe('generate and evaluate', () => {
  let backend: Backend;
  let model: SequenceModel;
  const V = 6;
  beforeAll(async () => {
    backend = await wasmBackend();
    model = new SequenceModel({
      layers: [
        new Embedding(V, 4, { seed: 1, backend }),
        new LSTM(4, 8, { seed: 2, backend }),
        new Dense(8, V, { seed: 3, backend }),
      ],
    });
    // make the distribution peaky enough that greedy and sampled paths are interesting
    const sd = model.stateDict();
    model.loadStateDict({ '2.weight': sd['2.weight'].map((w) => w * 6) }, false);
  });

  it('seeded generation is reproducible; stream() yields the same tokens as generate()', async () => {
    const a = generate(model, { prime: [2, 3], length: 40, seed: 9 });
    expect(a).toHaveLength(40);
    expect(Array.from(a).every((id) => Number.isInteger(id) && id >= 0 && id < V)).toBe(true);
    expect(generate(model, { prime: [2, 3], length: 40, seed: 9 })).toEqual(a);
    expect(generate(model, { prime: [2, 3], length: 40, seed: 10 })).not.toEqual(a);
    const streamed: number[] = [];
    for await (const id of stream(model, { prime: [2, 3], length: 40, seed: 9 })) streamed.push(id);
    expect(streamed).toEqual(Array.from(a));
  });

  it('stops right after emitting stopAt', () => {
    const full = Array.from(generate(model, { prime: [1], length: 60, seed: 4 }));
    const stopAt = full.find((id, i) => i > 0 && full.indexOf(id) === i)!;
    expect(stopAt).toBeDefined();
    const first = full.indexOf(stopAt);
    const stopped = Array.from(generate(model, { prime: [1], length: 60, seed: 4, stopAt }));
    expect(stopped).toEqual(full.slice(0, first + 1));
  });

  it('greedy generation with carried state equals a stateless greedy decode that re-runs the whole prefix', () => {
    const prime = [2, 5, 1];
    const greedy = Array.from(generate(model, { prime, length: 15, temperature: 0 }));
    const seq = [...prime];
    for (let i = 0; i < 15; i++) {
      const logits = model.predict(Int32Array.from(seq), { seqLen: seq.length, batch: 1 });
      const last = logits.subarray((seq.length - 1) * V);
      let arg = 0;
      for (let v = 1; v < V; v++) if (last[v] > last[arg]) arg = v;
      seq.push(arg);
    }
    expect(greedy).toEqual(seq.slice(prime.length));
    // temperature 0 ignores the seed
    expect(Array.from(generate(model, { prime, length: 15, temperature: 0, seed: 123 }))).toEqual(greedy);
  });

  it('bad sampling options are clear errors', () => {
    expect(() => generate(model, { length: 5, temperature: -1 })).toThrow(/temperature/);
    expect(() => generate(model, { length: 5, topK: 1.5 })).toThrow(/topK/);
    expect(() => generate(model, { length: 5, topP: 0 })).toThrow(/topP/);
    expect(() => generate(model, { length: 5, topP: 1.5 })).toThrow(/topP/);
    expect(() => generate(model, { length: 0 })).toThrow(/length/);
    expect(() => generate(model, { length: 5, prime: [V] })).toThrow(/prime/);
  });

  it('evaluate in windows of k1 with carried state equals one pass over the whole sequence', () => {
    const tokens = Int32Array.from(randomArray(23, 3, 0, V), Math.floor);
    const n = tokens.length - 1;
    const logits = model.predict(tokens.subarray(0, n), { seqLen: n, batch: 1 });
    let loss = 0;
    let correct = 0;
    for (let t = 0; t < n; t++) {
      const row = Array.from(logits.subarray(t * V, (t + 1) * V));
      const max = Math.max(...row);
      loss += max + Math.log(row.reduce((s, l) => s + Math.exp(l - max), 0)) - row[tokens[t + 1]];
      if (row.indexOf(max) === tokens[t + 1]) correct++;
    }
    for (const k1 of [1, 4, 7, 50]) {
      const trainer = new Trainer(model, { tbptt: { k1 } });
      const m = trainer.evaluate(tokens);
      expectNear(m.loss, loss / n, `loss with k1 = ${k1}`, 1e-5);
      expectNear(m.perplexity, Math.exp(loss / n), `perplexity with k1 = ${k1}`, 1e-5);
      expect(m.accuracy).toBeCloseTo(correct / n, 10);
      trainer.dispose();
    }
  });

  it('a head that outputs equal logits (zero weights and bias) has perplexity = vocabulary size', () => {
    const uniform = new SequenceModel({
      layers: [
        new Embedding(11, 4, { seed: 1, backend }),
        new LSTM(4, 5, { seed: 2, backend }),
        new Dense(5, 11, { seed: 3, backend }),
      ],
    });
    uniform.loadStateDict({ '2.weight': new Float32Array(55), '2.bias': new Float32Array(11) }, false);
    const trainer = new Trainer(uniform, { tbptt: { k1: 8 } });
    const m = trainer.evaluate(Int32Array.from(randomArray(40, 9, 0, 11), Math.floor));
    expectNear(m.loss, Math.log(11), 'loss = log V', 1e-6);
    expectNear(m.perplexity, 11, 'perplexity = V', 1e-5);
    trainer.dispose();
    uniform.dispose();
  });
});
