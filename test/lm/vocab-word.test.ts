// Word-level vocabularies for text classification: whitespace is never a token, the normalisation
// (lower-casing, punctuation mode) is kept in the JSON form, and older word-level JSON still loads.
import { describe, expect, it } from 'vitest';
import { tokenize, Vocab, type VocabJSON } from '../../src/data/vocab.ts';

const TEXT = "The cat sat.  The CAT, the hat!\nIt's 42 cats.";

/** The tokens of ids, for readable expectations. */
const tokensOf = (vocab: Vocab, text: string): string[] => Array.from(vocab.encode(text), (id) => vocab.token(id));

describe('tokenize at word level', () => {
  it("'split' (the default): words and single punctuation marks, no whitespace", () => {
    const split = ['The', 'cat', 'sat', '.', 'The', 'CAT', ',', 'the', 'hat', '!', "It's", '42', 'cats', '.'];
    expect(tokenize(TEXT, 'word')).toEqual(split);
    expect(tokenize(TEXT, 'word', { punctuation: 'split' })).toEqual(split);
  });

  it("'strip' drops punctuation marks; 'keep' cuts at whitespace only", () => {
    expect(tokenize(TEXT, 'word', { punctuation: 'strip' })).toEqual([
      'The',
      'cat',
      'sat',
      'The',
      'CAT',
      'the',
      'hat',
      "It's",
      '42',
      'cats',
    ]);
    expect(tokenize("a,b ' c", 'word', { punctuation: 'strip' })).toEqual(['a', 'b', 'c']);
    expect(tokenize(TEXT, 'word', { punctuation: 'keep' })).toEqual([
      'The',
      'cat',
      'sat.',
      'The',
      'CAT,',
      'the',
      'hat!',
      "It's",
      '42',
      'cats.',
    ]);
  });

  it('lowercase applies before cutting; char level is unchanged (whitespace kept)', () => {
    expect(tokenize('Hi, YOU', 'word', { lowercase: true })).toEqual(['hi', ',', 'you']);
    expect(tokenize('a B\n', 'char')).toEqual(['a', ' ', 'B', '\n']);
    expect(tokenize('a B\n', 'char', { lowercase: true })).toEqual(['a', ' ', 'b', '\n']);
    expect(tokenize(' \n\t ', 'word')).toEqual([]);
  });
});

describe('Vocab at word level', () => {
  it('counts words only; ids by frequency, ties in first-seen order', () => {
    const v = Vocab.fromText(TEXT, { level: 'word', lowercase: true, punctuation: 'strip' });
    // the ×3, cat ×2, then sat hat it's 42 cats once each in first-seen order
    expect(v.toJSON()).toEqual({
      level: 'word',
      tokens: ['<PAD>', '<UNK>', '<EOS>', 'the', 'cat', 'sat', 'hat', "it's", '42', 'cats'],
      lowercase: true,
      punctuation: 'strip',
    });
    expect(Array.from(v.encode('The dog, the CAT.'))).toEqual([3, 1, 3, 4]);
    expect(v.decode([3, 4, 0, 5, 2, 1])).toBe('the cat sat <UNK>');
  });

  it('fromTexts counts over every text; minFreq and maxSize apply to the totals', () => {
    const texts = ['good film', 'bad film!', 'Good, good.'];
    const v = Vocab.fromTexts(texts, { level: 'word', lowercase: true, punctuation: 'strip', minFreq: 2 });
    expect(v.toJSON().tokens).toEqual(['<PAD>', '<UNK>', '<EOS>', 'good', 'film']);
    const small = Vocab.fromTexts(texts, { level: 'word', maxSize: 5 });
    // good ×2, film ×2, bad, !, Good, ",", . once: keep the 2 most frequent
    expect(small.toJSON().tokens).toEqual(['<PAD>', '<UNK>', '<EOS>', 'good', 'film']);
    expect(() => Vocab.fromTexts(['a', 3 as never])).toThrow(
      /^Vocab\.fromTexts: texts\[1\] must be a string, received 3$/,
    );
    expect(() => Vocab.fromTexts('a' as never)).toThrow(/^Vocab\.fromTexts: texts must be an array of strings/);
    expect(() => Vocab.fromTexts(['a'], { punctuation: 'drop' as never, level: 'word' })).toThrow(
      /options\.punctuation must be 'keep', 'strip' or 'split'/,
    );
    expect(() => Vocab.fromText('a', { punctuation: 'strip' })).toThrow(/punctuation applies to level 'word' only/);
  });

  it('the normalisation survives toJSON → JSON text → fromJSON', () => {
    for (const punctuation of ['keep', 'strip', 'split'] as const) {
      for (const lowercase of [false, true]) {
        const v = Vocab.fromText(TEXT, { level: 'word', lowercase, punctuation });
        const again = Vocab.fromJSON(JSON.parse(JSON.stringify(v)));
        expect(again.toJSON()).toEqual(v.toJSON());
        expect([again.lowercase, again.punctuation]).toEqual([lowercase, punctuation]);
        const probe = 'THE Cat, sat!';
        expect(Array.from(again.encode(probe))).toEqual(Array.from(v.encode(probe)));
      }
    }
    const lower = Vocab.fromJSON(JSON.parse(JSON.stringify(Vocab.fromText('abc', { lowercase: true }))));
    expect(tokensOf(lower, 'ABC')).toEqual(['a', 'b', 'c']);
    expect(() => Vocab.fromJSON({ level: 'word', tokens: ['<PAD>', '<UNK>', '<EOS>'], lowercase: 1 as never })).toThrow(
      /json\.lowercase must be true or false/,
    );
    expect(() => Vocab.fromJSON({ level: 'char', tokens: ['<PAD>', '<UNK>', '<EOS>'], punctuation: 'keep' })).toThrow(
      /json\.punctuation applies to level 'word' only/,
    );
  });

  it('an older word-level JSON (whitespace runs as tokens, no punctuation field) encodes and decodes as before', () => {
    const old: VocabJSON = { level: 'word', tokens: ['<PAD>', '<UNK>', '<EOS>', ' ', 'the', 'cat', ',', '\n'] };
    const v = Vocab.fromJSON(old);
    expect(Array.from(v.encode('the cat,\nthe dog'))).toEqual([4, 3, 5, 6, 7, 4, 3, 1]);
    expect(v.decode([4, 3, 5, 6, 7, 4])).toBe('the cat,\nthe');
    expect(v.toJSON()).toEqual(old);
  });
});
