import { bool, describe } from '../util/check.ts';
import { checkOptions, checkValue, custom, int, oneOf, type Schema, type Spec } from '../util/options.ts';

/** Special tokens every {@link Vocab} has, with fixed ids. */
export const PAD = '<PAD>';
/** Out-of-vocabulary token. */
export const UNK = '<UNK>';
/** End of sequence. */
export const EOS = '<EOS>';
const SPECIALS = [PAD, UNK, EOS];

/** The fields of a {@link VocabJSON}, all required. */
const VOCAB_JSON: Schema = { level: oneOf('char', 'word'), tokens: custom('an array of strings', Array.isArray) };

/** Options of {@link Vocab.fromText}. */
export interface VocabOptions {
  /** `'char'` (default) or `'word'` (words and punctuation marks, whitespace kept as tokens). */
  level?: 'char' | 'word';
  /** Tokens seen fewer times become `<UNK>`; default 1. */
  minFreq?: number;
  /** Keep at most this many tokens (the most frequent; specials included); default Infinity (all). */
  maxSize?: number;
}

/** What {@link VocabOptions} accepts, option by option. */
const VOCAB_OPTIONS = {
  level: oneOf('char', 'word'),
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
}

/**
 * A vocabulary: token ↔ id, with `<PAD>` = 0, `<UNK>` = 1, `<EOS>` = 2, then the corpus tokens
 * by descending frequency (ties in first-seen order, so it is deterministic).
 */
export class Vocab {
  /** Character or word level. */
  readonly level: 'char' | 'word';
  private readonly tokens: string[];
  private readonly ids: Map<string, number>;

  private constructor(level: 'char' | 'word', tokens: string[]) {
    this.level = level;
    this.tokens = tokens;
    this.ids = new Map(tokens.map((t, i) => [t, i]));
  }

  /** Builds a vocabulary from a text. */
  static fromText(text: string, options: VocabOptions = {}): Vocab {
    if (typeof text !== 'string')
      throw new TypeError(`Vocab.fromText: text must be a string, received ${describe(text)}`);
    // maxSize: Infinity spells out the default (no limit)
    const unlimited = options?.maxSize === Infinity;
    checkOptions(unlimited ? { ...options, maxSize: undefined } : options, VOCAB_OPTIONS, 'Vocab.fromText');
    const level = options.level ?? 'char';
    const minFreq = options.minFreq ?? 1;
    const maxSize = options.maxSize ?? Infinity;
    const counts = new Map<string, number>();
    for (const t of tokenize(text, level)) counts.set(t, (counts.get(t) ?? 0) + 1);
    const order = [...counts.entries()].filter(([t, c]) => c >= minFreq && !SPECIALS.includes(t));
    order.sort((a, b) => b[1] - a[1]); // stable: ties keep first-seen order
    const tokens = [...SPECIALS, ...order.map(([t]) => t)].slice(0, maxSize);
    return new Vocab(level, tokens);
  }

  /**
   * Rebuilds a vocabulary from {@link toJSON}'s output. Everything is checked, each failure naming
   * the field: an object with exactly `level` and `tokens`; level `'char'` or `'word'`; tokens an
   * array of distinct non-empty strings starting with `<PAD>`, `<UNK>`, `<EOS>`.
   */
  static fromJSON(json: VocabJSON): Vocab {
    const where = 'Vocab.fromJSON';
    checkOptions(json, VOCAB_JSON, where, 'json');
    for (const key of ['level', 'tokens'] as const) checkValue(json[key], VOCAB_JSON[key], where, `json.${key}`);
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
    return new Vocab(json.level, [...json.tokens]);
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

  /** Text → ids; unknown tokens become `<UNK>`. */
  encode(text: string): Int32Array {
    if (typeof text !== 'string')
      throw new TypeError(`Vocab.encode: text must be a string, received ${describe(text)}`);
    const parts = tokenize(text, this.level);
    const out = new Int32Array(parts.length);
    for (let i = 0; i < parts.length; i++) out[i] = this.ids.get(parts[i]) ?? 1;
    return out;
  }

  /** Ids → text. `<PAD>` and `<EOS>` are dropped unless `keepSpecials`. */
  decode(ids: ArrayLike<number>, keepSpecials = false): string {
    if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number')
      throw new TypeError(`Vocab.decode: ids must be an array of token ids, received ${describe(ids)}`);
    bool(keepSpecials, 'Vocab.decode: keepSpecials');
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!keepSpecials && (id === 0 || id === 2)) continue;
      s += this.token(id);
    }
    return s;
  }

  /** A JSON-serialisable form. */
  toJSON(): VocabJSON {
    return { level: this.level, tokens: [...this.tokens] };
  }
}

/** Splits text into tokens: characters (by code point), or words / single punctuation / whitespace runs. */
export function tokenize(text: string, level: 'char' | 'word'): string[] {
  if (level === 'char') return Array.from(text);
  return text.match(/[\p{L}\p{N}']+|\s+|[^\p{L}\p{N}\s]/gu) ?? [];
}
