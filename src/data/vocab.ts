import { bool, describe } from '../util/check.ts';
import {
  bool as boolean,
  checkOptions,
  checkValue,
  custom,
  int,
  oneOf,
  type Schema,
  type Spec,
} from '../util/options.ts';

/** Special tokens every {@link Vocab} has, with fixed ids. */
export const PAD = '<PAD>';
/** Out-of-vocabulary token. */
export const UNK = '<UNK>';
/** End of sequence. */
export const EOS = '<EOS>';
const SPECIALS = [PAD, UNK, EOS];

/** How a word-level vocabulary treats punctuation marks (see {@link VocabOptions.punctuation}). */
export type Punctuation = 'keep' | 'strip' | 'split';

/** The fields of a {@link VocabJSON}: `level` and `tokens` required, the normalisation optional. */
const VOCAB_JSON: Schema = {
  level: oneOf('char', 'word'),
  tokens: custom('an array of strings', Array.isArray),
  lowercase: boolean(),
  punctuation: oneOf('keep', 'strip', 'split'),
};

/** How text is cut into tokens: the level and, for words, the normalisation. */
export interface TokenizeOptions {
  /** Lower-case the text before cutting it; default false. */
  lowercase?: boolean;
  /**
   * Word level only. `'split'` (default, as before this option existed): every punctuation mark is a
   * token of its own (`"Hi, you!"` → `Hi` `,` `you` `!`). `'strip'`: punctuation marks are dropped and
   * separate words (→ `Hi` `you`). `'keep'`: tokens are the runs between whitespace, punctuation
   * attached (→ `Hi,` `you!`). Words are runs of letters, digits and apostrophes (`It's`, `42`).
   */
  punctuation?: Punctuation;
}

/** Options of {@link Vocab.fromText} and {@link Vocab.fromTexts}. */
export interface VocabOptions extends TokenizeOptions {
  /** `'char'` (default: every code point, whitespace included) or `'word'` (whitespace is never a token). */
  level?: 'char' | 'word';
  /** Tokens seen fewer times become `<UNK>`; default 1. */
  minFreq?: number;
  /** Keep at most this many tokens (the most frequent; specials included); default Infinity (all). */
  maxSize?: number;
}

/** What {@link VocabOptions} accepts, option by option. */
const VOCAB_OPTIONS = {
  level: oneOf('char', 'word'),
  lowercase: boolean(),
  punctuation: oneOf('keep', 'strip', 'split'),
  minFreq: int({ min: 1 }),
  maxSize: int({ min: SPECIALS.length }),
} satisfies Record<keyof VocabOptions, Spec>;

/** JSON form of a {@link Vocab}. */
export interface VocabJSON {
  /** How the text was cut: into characters (`'char'`) or words and punctuation marks (`'word'`). */
  level: 'char' | 'word';
  /**
   * Every token, indexed by id: `<PAD>`, `<UNK>`, `<EOS>` (ids 0, 1, 2), then the corpus tokens by
   * descending frequency.
   */
  tokens: string[];
  /** Whether text is lower-cased before encoding; written only when true. */
  lowercase?: boolean;
  /**
   * Word level: the punctuation mode, always written. A word-level JSON without it is the older form,
   * whose tokens include whitespace runs: it loads and encodes as it was trained (whitespace kept).
   */
  punctuation?: Punctuation;
}

/**
 * A vocabulary: token ↔ id, with `<PAD>` = 0, `<UNK>` = 1, `<EOS>` = 2, then the corpus tokens
 * by descending frequency (ties in first-seen order, so it is deterministic). It keeps its
 * normalisation (lower-casing, punctuation mode), so {@link encode} cuts new text as the corpus was cut.
 */
export class Vocab {
  /** Character or word level. */
  readonly level: 'char' | 'word';
  /** Whether text is lower-cased before encoding. */
  readonly lowercase: boolean;
  /** Word level: the punctuation mode (`'split'` at char level, where it does not apply). */
  readonly punctuation: Punctuation;
  private readonly tokens: string[];
  private readonly ids: Map<string, number>;
  /** An older word-level vocabulary whose tokens include whitespace runs (see {@link VocabJSON.punctuation}). */
  private readonly keepsWhitespace: boolean;

  private constructor(level: 'char' | 'word', tokens: string[], options: TokenizeOptions, keepsWhitespace = false) {
    this.level = level;
    this.lowercase = options.lowercase ?? false;
    this.punctuation = options.punctuation ?? 'split';
    this.keepsWhitespace = keepsWhitespace;
    this.tokens = tokens;
    this.ids = new Map(tokens.map((t, i) => [t, i]));
  }

  /** Builds a vocabulary from a text. */
  static fromText(text: string, options: VocabOptions = {}): Vocab {
    if (typeof text !== 'string')
      throw new TypeError(`Vocab.fromText: text must be a string, received ${describe(text)}`);
    return Vocab.build([text], options, 'Vocab.fromText');
  }

  /** Builds a vocabulary from a corpus of texts (sentences, documents), counting tokens over all of them. */
  static fromTexts(texts: readonly string[], options: VocabOptions = {}): Vocab {
    const where = 'Vocab.fromTexts';
    if (!Array.isArray(texts))
      throw new TypeError(`${where}: texts must be an array of strings, received ${describe(texts)}`);
    texts.forEach((t, i) => {
      if (typeof t !== 'string') throw new TypeError(`${where}: texts[${i}] must be a string, received ${describe(t)}`);
    });
    return Vocab.build(texts, options, where);
  }

  private static build(texts: readonly string[], options: VocabOptions, where: string): Vocab {
    // maxSize: Infinity spells out the default (no limit)
    const unlimited = options?.maxSize === Infinity;
    checkOptions(unlimited ? { ...options, maxSize: undefined } : options, VOCAB_OPTIONS, where);
    const level = options.level ?? 'char';
    if (level === 'char' && options.punctuation !== undefined)
      throw new RangeError(`${where}: options.punctuation applies to level 'word' only, received level 'char'`);
    const minFreq = options.minFreq ?? 1;
    const maxSize = options.maxSize ?? Infinity;
    const counts = new Map<string, number>();
    for (const text of texts) for (const t of tokenize(text, level, options)) counts.set(t, (counts.get(t) ?? 0) + 1);
    const order = [...counts.entries()].filter(([t, c]) => c >= minFreq && !SPECIALS.includes(t));
    order.sort((a, b) => b[1] - a[1]); // stable: ties keep first-seen order
    const tokens = [...SPECIALS, ...order.map(([t]) => t)].slice(0, maxSize);
    return new Vocab(level, tokens, options);
  }

  /**
   * Rebuilds a vocabulary from {@link toJSON}'s output. Everything is checked, each failure naming
   * the field: an object with `level` and `tokens` and optionally `lowercase` and `punctuation`;
   * level `'char'` or `'word'`; tokens an array of distinct non-empty strings starting with `<PAD>`,
   * `<UNK>`, `<EOS>`. A word-level JSON without `punctuation` is the older form (whitespace tokens kept).
   */
  static fromJSON(json: VocabJSON): Vocab {
    const where = 'Vocab.fromJSON';
    checkOptions(json, VOCAB_JSON, where, 'json');
    for (const key of ['level', 'tokens'] as const) checkValue(json[key], VOCAB_JSON[key], where, `json.${key}`);
    if (json.level === 'char' && json.punctuation !== undefined)
      throw new RangeError(`${where}: json.punctuation applies to level 'word' only, received level 'char'`);
    const tokens: unknown[] = json.tokens;
    const seen = new Map<string, number>();
    for (let i = 0; i < Math.max(tokens.length, SPECIALS.length); i++) {
      const t = tokens[i];
      const what = `${where}: json.tokens[${i}] must be`;
      if (i < SPECIALS.length && t !== SPECIALS[i])
        throw new RangeError(
          `${what} ${JSON.stringify(SPECIALS[i])} (tokens start with <PAD>, <UNK>, <EOS>), received ${describe(t)}`,
        );
      if (typeof t !== 'string') throw new TypeError(`${what} a non-empty string, received ${describe(t)}`);
      if (t === '') throw new RangeError(`${what} a non-empty string, received ""`);
      if (seen.has(t))
        throw new RangeError(`${what} a token not already in json.tokens[${seen.get(t)}], received ${describe(t)}`);
      seen.set(t, i);
    }
    const older = json.level === 'word' && json.punctuation === undefined;
    return new Vocab(json.level, [...json.tokens], json, older);
  }

  /** What {@link decode} puts between tokens: `' '` at word level, `''` at char level (and for older word-level vocabularies). */
  get separator(): string {
    return this.level === 'word' && !this.keepsWhitespace ? ' ' : '';
  }

  /** Number of tokens, specials included. */
  get size(): number {
    return this.tokens.length;
  }

  /** Id of `<PAD>`. */
  get padId(): number {
    return 0;
  }

  /** Id of `<UNK>`. */
  get unkId(): number {
    return 1;
  }

  /** Id of `<EOS>`. */
  get eosId(): number {
    return 2;
  }

  /** The id of one token (`<UNK>`'s id when unknown). */
  id(token: string): number {
    return this.ids.get(token) ?? 1;
  }

  /** The token of one id. */
  token(id: number): string {
    const t = this.tokens[id];
    if (t === undefined || !Number.isInteger(id))
      throw new RangeError(`Vocab.token: id must be an integer in [0, ${this.size}), received ${describe(id)}`);
    return t;
  }

  /** Text → ids, normalised and cut as the corpus was; unknown tokens become `<UNK>`. */
  encode(text: string): Int32Array {
    if (typeof text !== 'string')
      throw new TypeError(`Vocab.encode: text must be a string, received ${describe(text)}`);
    const parts = this.keepsWhitespace
      ? cutWords(this.lowercase ? text.toLowerCase() : text, /[\p{L}\p{N}']+|\s+|[^\p{L}\p{N}\s]/gu)
      : tokenize(text, this.level, this);
    const out = new Int32Array(parts.length);
    for (let i = 0; i < parts.length; i++) out[i] = this.ids.get(parts[i]) ?? 1;
    return out;
  }

  /**
   * Ids → text: characters joined as they are, words joined by single spaces (an older word-level
   * vocabulary, whose whitespace is tokens, joins as it is). `<PAD>` and `<EOS>` are dropped unless
   * `keepSpecials`.
   */
  decode(ids: ArrayLike<number>, keepSpecials = false): string {
    if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number')
      throw new TypeError(`Vocab.decode: ids must be an array of token ids, received ${describe(ids)}`);
    bool(keepSpecials, 'Vocab.decode: keepSpecials');
    const parts: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!keepSpecials && (id === 0 || id === 2)) continue;
      parts.push(this.token(id));
    }
    return parts.join(this.separator);
  }

  /** A JSON-serialisable form (with the normalisation, so {@link fromJSON} encodes alike). */
  toJSON(): VocabJSON {
    const json: VocabJSON = { level: this.level, tokens: [...this.tokens] };
    if (this.lowercase) json.lowercase = true;
    if (this.level === 'word' && !this.keepsWhitespace) json.punctuation = this.punctuation;
    return json;
  }
}

/**
 * Splits text into tokens: characters (by code point, whitespace included), or — at word level —
 * words and punctuation as `options.punctuation` says (default `'split'`), never whitespace.
 */
export function tokenize(text: string, level: 'char' | 'word', options: TokenizeOptions = {}): string[] {
  const s = options.lowercase ? text.toLowerCase() : text;
  if (level === 'char') return Array.from(s);
  if (options.punctuation === 'keep') return cutWords(s, /\S+/gu);
  const parts = cutWords(s, /[\p{L}\p{N}']+|[^\p{L}\p{N}\s]/gu);
  // strip: the split tokens without the punctuation marks (a token of apostrophes only is one)
  return options.punctuation === 'strip' ? parts.filter((t) => /[\p{L}\p{N}]/u.test(t)) : parts;
}

function cutWords(text: string, pattern: RegExp): string[] {
  return text.match(pattern) ?? [];
}
