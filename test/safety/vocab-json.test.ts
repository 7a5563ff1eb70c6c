// Vocab.fromJSON refuses every malformed vocabulary (a file's metadata, a user's JSON) with the
// exact field named: unknown fields (checked as options are), a bad level, tokens that are not
// distinct non-empty strings starting with the three specials. A good one round-trips.
import { describe, expect, it } from 'vitest';
import { EOS, PAD, UNK, Vocab, type VocabJSON } from '../../src/index.ts';

const S = [PAD, UNK, EOS];

/** [what, json, error class, message]. */
const BAD: Array<[string, unknown, typeof TypeError | typeof RangeError, RegExp]> = [
  ['null', null, TypeError, /^Vocab\.fromJSON: json must be an object, received null$/],
  ['a string', 'char', TypeError, /json must be an object, received "char"$/],
  ['an array', [PAD, UNK, EOS], TypeError, /json must be an object, received Array\(3\)$/],
  [
    'an unknown field, misspelt',
    { level: 'char', tokens: S, token: [] },
    TypeError,
    /^Vocab\.fromJSON: unknown option json\.token \(did you mean 'tokens'\?\); valid options: level, tokens, lowercase, punctuation$/,
  ],
  [
    'an unknown field',
    { level: 'char', tokens: S, size: 3 },
    TypeError,
    /unknown option json\.size; valid options: level, tokens, lowercase, punctuation$/,
  ],
  ['no level', { tokens: S }, TypeError, /^Vocab\.fromJSON: json\.level must be 'char' or 'word', received undefined$/],
  ['a bad level', { level: 'line', tokens: S }, TypeError, /json\.level must be 'char' or 'word', received "line"$/],
  ['a level of another type', { level: 1, tokens: S }, TypeError, /json\.level must be .*, received 1$/],
  [
    'no tokens',
    { level: 'char' },
    TypeError,
    /^Vocab\.fromJSON: json\.tokens must be an array of strings, received undefined$/,
  ],
  [
    'tokens as a string',
    { level: 'char', tokens: 'abc' },
    TypeError,
    /json\.tokens must be an array .*, received "abc"$/,
  ],
  [
    'tokens as an object',
    { level: 'char', tokens: { 0: PAD } },
    TypeError,
    /json\.tokens must be an array .*, received an object$/,
  ],
  [
    'a number token',
    { level: 'char', tokens: [...S, 'a', 7] },
    TypeError,
    /json\.tokens\[4\] must be a non-empty string, received 7$/,
  ],
  [
    'a null token',
    { level: 'word', tokens: [...S, null] },
    TypeError,
    /json\.tokens\[3\] must be a non-empty string, received null$/,
  ],
  ['an array token', { level: 'word', tokens: [...S, ['a']] }, TypeError, /json\.tokens\[3\] .*, received Array\(1\)$/],
  [
    'an empty token',
    { level: 'char', tokens: [...S, 'a', ''] },
    RangeError,
    /json\.tokens\[4\] must be a non-empty string, received ""$/,
  ],
  [
    'a repeated token',
    { level: 'char', tokens: [...S, 'a', 'b', 'a'] },
    RangeError,
    /^Vocab\.fromJSON: json\.tokens\[5\] must be a token not already in json\.tokens\[3\], received "a"$/,
  ],
  [
    'a repeated special',
    { level: 'char', tokens: [...S, 'a', UNK] },
    RangeError,
    /json\.tokens\[4\] must be a token not already in json\.tokens\[1\], received "<UNK>"$/,
  ],
  [
    'no specials',
    { level: 'char', tokens: ['a', 'b'] },
    RangeError,
    /^Vocab\.fromJSON: json\.tokens\[0\] must be "<PAD>" \(tokens start with <PAD>, <UNK>, <EOS>\), received "a"$/,
  ],
  [
    'specials out of order',
    { level: 'char', tokens: [PAD, EOS, UNK] },
    RangeError,
    /json\.tokens\[1\] must be "<UNK>" \(tokens start with .*\), received "<EOS>"$/,
  ],
  [
    'too few tokens',
    { level: 'char', tokens: [PAD, UNK] },
    RangeError,
    /json\.tokens\[2\] must be "<EOS>" \(tokens start with .*\), received undefined$/,
  ],
  [
    'no tokens at all',
    { level: 'char', tokens: [] },
    RangeError,
    /json\.tokens\[0\] must be "<PAD>" .*, received undefined$/,
  ],
];

describe('Vocab.fromJSON refuses malformed vocabularies, naming the field', () => {
  it.each(BAD)('%s', (_, json, type, message) => {
    let thrown: unknown;
    try {
      Vocab.fromJSON(json as VocabJSON);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(type);
    expect((thrown as Error).message).toMatch(message);
  });

  it('accepts what toJSON gives, through JSON text, and the result works', () => {
    for (const level of ['char', 'word'] as const) {
      const vocab = Vocab.fromText('the bell in the fog, the lamp on the reef', { level });
      const again = Vocab.fromJSON(JSON.parse(JSON.stringify(vocab.toJSON())));
      expect(again.toJSON()).toEqual(vocab.toJSON());
      expect(again.encode('the fog')).toEqual(vocab.encode('the fog'));
    }
  });

  it('does not keep the caller’s array (later changes to it do not reach the vocabulary)', () => {
    const tokens = [...S, 'a'];
    const vocab = Vocab.fromJSON({ level: 'char', tokens });
    tokens[3] = 'b';
    expect(vocab.token(3)).toBe('a');
  });
});
