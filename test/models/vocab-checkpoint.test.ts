/// <reference types="vite/client" />
// model.vocab: typed, saved in the checkpoint header's `vocab` field, checked on load (a damaged one
// is a FormatError naming the field), and taken from `metadata.vocab` in files written before it.
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, Embedding, FormatError, GRU, init, SequenceModel, Trainer, Vocab } from '../../src/index.ts';
import { pack, unpack } from '../../src/io/container.ts';
import { Rng } from '../../src/util/rng.ts';
import { fixtureBytes } from '../helpers/fixture.ts';
import oldFileUrl from '../fixtures/models/metadata-vocab.strand?url';

const TEXT = 'The lamp, the reef. The LAMP!';
let vocab: Vocab;

beforeAll(async () => {
  await init({ backend: 'js' });
  vocab = Vocab.fromText(TEXT, { level: 'word', lowercase: true, punctuation: 'strip' });
});

/** A tiny language model over `V` tokens. */
function tiny(V: number): SequenceModel {
  const layers = [new Embedding(V, 3, { seed: 1 }), new GRU(3, 2, { seed: 2 }), new Dense(2, V, { seed: 3 })];
  return new SequenceModel({ layers, output: 'softmax' });
}

/** The error `fn` throws (or undefined). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** A saved model whose header's vocab field is replaced by `raw`. */
function withVocab(raw: unknown): Uint8Array {
  const model = tiny(vocab.size);
  model.vocab = vocab;
  const { header, tensors } = unpack(model.save(), 'test');
  model.dispose();
  return pack(
    { ...header, vocab: raw },
    [...tensors].map(([name, data]) => ({ name, data })),
  );
}

describe('SequenceModel.vocab', () => {
  it('round-trips through save / load (header field vocab) and through a trainer checkpoint', () => {
    // the, lamp ×2, reef ×1: ids 3 4 5
    expect(vocab.toJSON().tokens).toEqual(['<PAD>', '<UNK>', '<EOS>', 'the', 'lamp', 'reef']);
    const model = tiny(vocab.size);
    expect(model.vocab).toBeNull();
    model.vocab = vocab;
    const bytes = model.save();
    expect(unpack(bytes, 'test').header.vocab).toEqual({
      level: 'word',
      tokens: ['<PAD>', '<UNK>', '<EOS>', 'the', 'lamp', 'reef'],
      lowercase: true,
      punctuation: 'strip',
    });
    const again = SequenceModel.load(bytes);
    expect(again.vocab?.toJSON()).toEqual(vocab.toJSON());
    expect(Array.from(again.vocab!.encode('THE reef, the sea'))).toEqual([3, 5, 3, 1]);
    expect(again.metadata).toEqual({});
    const trainer = new Trainer(again, { optimizer: { type: 'sgd', lr: 0.1 } });
    const resumed = Trainer.load(trainer.save());
    expect(resumed.model.vocab?.toJSON()).toEqual(vocab.toJSON());
    for (const m of [model, again, resumed.model]) m.dispose();
    trainer.dispose();
    resumed.dispose();
    // a model without a vocabulary writes no vocab field and loads with null
    const bare = tiny(4);
    const plain = SequenceModel.load(bare.save());
    expect(unpack(bare.save(), 'test').header).not.toHaveProperty('vocab');
    expect(plain.vocab).toBeNull();
    bare.dispose();
    plain.dispose();
  });

  it('a file written before the field existed loads its metadata.vocab into model.vocab', async () => {
    const old = await fixtureBytes(oldFileUrl);
    expect(unpack(old, 'test').header).not.toHaveProperty('vocab');
    const model = SequenceModel.load(old);
    // 'the lamp, the reef' by frequency: e ×4, ' ' ×3, t h ×2, then l a m p , r f in first-seen order
    const tokens = ['<PAD>', '<UNK>', '<EOS>', 'e', ' ', 't', 'h', 'l', 'a', 'm', 'p', ',', 'r', 'f'];
    expect(model.vocab?.toJSON()).toEqual({ level: 'char', tokens });
    expect(model.metadata.note).toBe('written before model.vocab existed');
    expect(Array.from(model.vocab!.encode('the'))).toEqual([5, 6, 3]);
    model.dispose();
  });

  it('an older metadata.vocab that is not a vocabulary (free-form metadata) is left alone', () => {
    const model = tiny(4);
    model.metadata = { vocab: ['a', 'b'], note: 'free-form' };
    const again = SequenceModel.load(model.save());
    expect(again.vocab).toBeNull();
    expect(again.metadata).toEqual({ vocab: ['a', 'b'], note: 'free-form' });
    model.dispose();
    again.dispose();
  });

  it('a damaged vocab field is a FormatError naming the field', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      ['chars', 'vocab', /json|object/],
      [
        { level: 'word', tokens: ['X', '<UNK>', '<EOS>', 'a', 'b', 'c'], punctuation: 'split' },
        'vocab.tokens[0]',
        /<PAD>/,
      ],
      [{ level: 'line', tokens: vocab.toJSON().tokens }, 'vocab.level', /'char' or 'word'/],
      [{ level: 'word', tokens: ['<PAD>', '<UNK>', '<EOS>', 'a', 'a', 'b'] }, 'vocab.tokens[4]', /already/],
      [{ ...vocab.toJSON(), lowercase: 'yes' }, 'vocab.lowercase', /true or false/],
      [{ ...vocab.toJSON(), size: 6 }, 'vocab.size', /unknown|valid options/],
      [{ level: 'char', tokens: ['<PAD>', '<UNK>', '<EOS>', 'a'] }, 'vocab.tokens', /6 tokens/],
    ];
    for (const [raw, field, expected] of cases) {
      const error = thrown(() => SequenceModel.load(withVocab(raw)));
      expect(error, field).toBeInstanceOf(FormatError);
      expect((error as FormatError).field, JSON.stringify(raw)).toBe(field);
      expect((error as FormatError).expected, field).toMatch(expected);
      expect((error as Error).message, field).toContain(`header field ${field}`);
    }
  });

  it('the setter takes a Vocab of the embedding size or null, and a refused value changes nothing', () => {
    const model = tiny(vocab.size);
    model.vocab = vocab;
    expect(thrown(() => (model.vocab = vocab.toJSON() as never))).toBeInstanceOf(TypeError);
    const small = Vocab.fromText('ab');
    expect((thrown(() => (model.vocab = small)) as Error).message).toBe(
      "SequenceModel.vocab must have 6 tokens (the embedding's vocabulary size), received a Vocab of 5",
    );
    expect(model.vocab).toBe(vocab);
    model.vocab = null;
    expect(model.vocab).toBeNull();
    model.dispose();
  });

  it('fuzz: a mutated vocab field loads with a valid vocabulary or fails naming a vocab field', () => {
    const rng = new Rng(24);
    const base = vocab.toJSON();
    const junk = [null, 0, -1, 1.5, '', ' ', '<PAD>', 'the', [], {}, true, 'word', 'char', 'keep', undefined];
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];
    let loaded = 0;
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const json: Record<string, unknown> = JSON.parse(JSON.stringify(base));
      const tokens = json.tokens as unknown[];
      const r = rng.next();
      if (r < 0.4) tokens[Math.floor(rng.next() * (tokens.length + 1))] = pick(junk);
      else if (r < 0.55) json[pick(['level', 'lowercase', 'punctuation', 'tokens'])] = pick(junk);
      else if (r < 0.7) json[pick(['size', 'Level', 'extra'])] = pick(junk);
      else if (r < 0.85) tokens.splice(Math.floor(rng.next() * tokens.length), 1);
      else [tokens[3], tokens[5]] = [tokens[5], tokens[3]];
      let model: SequenceModel | undefined;
      try {
        model = SequenceModel.load(withVocab(json));
      } catch (error) {
        expect(error, `iteration ${i}: ${JSON.stringify(json)}`).toBeInstanceOf(FormatError);
        expect((error as FormatError).field, `iteration ${i}`).toMatch(/^vocab\b/);
        refused++;
        continue;
      }
      expect(model.vocab?.size, `iteration ${i}`).toBe(base.tokens.length);
      model.dispose();
      loaded++;
    }
    expect(loaded + refused).toBe(300);
    expect(refused).toBeGreaterThan(100);
    expect(loaded).toBeGreaterThan(10);
    console.log(`vocab field fuzz: ${loaded} loaded, ${refused} refused`);
  });
});
