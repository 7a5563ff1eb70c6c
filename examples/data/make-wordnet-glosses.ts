// Builds examples/data/wordnet-glosses.tsv from WordNet 3.0's noun database: one line per synset,
// `label<TAB>definition`, where the label is the synset's lexicographer file (noun.animal → animal)
// and the definition is its gloss without the quoted example sentences and without the synset's own
// words. Six clearly distinct categories, SAMPLES_PER_CLASS definitions each, sampled with a fixed seed.
//
//   npx tsx examples/data/make-wordnet-glosses.ts [path to data.noun]
//
// Reads /usr/share/wordnet/data.noun by default (Debian / Ubuntu package wordnet-base). The output is
// committed; the tests read it and never run this script. Licence: see WORDNET-LICENSE.txt.
import { readFileSync, writeFileSync } from 'node:fs';
import { Rng } from '../../src/util/rng.ts';
import { isDirectRun } from '../util.ts';

/** Lexicographer file number (see WordNet's lexnames(5)) → label written to the TSV. */
export const CATEGORIES: ReadonlyMap<number, string> = new Map([
  [5, 'animal'],
  [6, 'artifact'],
  [8, 'body'],
  [13, 'food'],
  [18, 'person'],
  [20, 'plant'],
]);
/** Definitions kept per category (every category has more synsets than this). */
export const SAMPLES_PER_CLASS = 500;
/** Seed of the per-category sample. */
const SEED = 2006;

/** One noun synset: its lexicographer file number, its words and its gloss. */
interface Synset {
  lexFile: number;
  words: string[];
  gloss: string;
}

/**
 * Parses one line of data.noun (see wndb(5)): `offset lex_filenum ss_type w_cnt word lex_id … | gloss`.
 * Returns null for the licence header, whose lines start with spaces.
 */
function parseLine(line: string): Synset | null {
  if (!/^\d{8} /.test(line)) return null;
  const bar = line.indexOf(' | ');
  const fields = line.slice(0, bar).split(' ');
  const wordCount = Number.parseInt(fields[3], 16); // w_cnt is two hexadecimal digits
  const words: string[] = [];
  for (let w = 0; w < wordCount; w++) words.push(fields[4 + 2 * w].replace(/\(\w+\)$/, '').replace(/_/g, ' '));
  return { lexFile: Number(fields[1]), words, gloss: bar < 0 ? '' : line.slice(bar + 3).trim() };
}

/** The definition part of a gloss: the `;`-separated parts that are not quoted examples, joined. */
export function definitionOf(gloss: string): string {
  return gloss
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '' && !part.startsWith('"'))
    .join('; ');
}

/** Escapes a string for use inside a regular expression. */
const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `text` without any of `words` (whole words, case-insensitive, longest first), whitespace tidied:
 * a definition must not name what it defines.
 */
export function withoutWords(text: string, words: readonly string[]): string {
  let out = text;
  for (const word of [...words].sort((a, b) => b.length - a.length)) {
    out = out.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(word)}(?![\\p{L}\\p{N}])`, 'giu'), ' ');
  }
  return out
    .replace(/\(\s*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/\s+([,;:.)])/g, '$1')
    .replace(/\(\s+/g, '(')
    .trim();
}

/** The dataset lines (`label\ttext`), category by category in CATEGORIES order, each sampled with a fixed seed. */
export function buildGlossDataset(dataNoun: string): string[] {
  const byLabel = new Map<string, string[]>([...CATEGORIES.values()].map((label) => [label, []]));
  const seen = new Set<string>();
  for (const line of dataNoun.split('\n')) {
    const synset = parseLine(line);
    const label = synset && CATEGORIES.get(synset.lexFile);
    if (!synset || !label) continue;
    const text = withoutWords(definitionOf(synset.gloss), synset.words).replace(/\t/g, ' ');
    // at least three words, and no definition twice (a duplicate could land in train and test)
    if (text.split(' ').length < 3 || seen.has(text.toLowerCase())) continue;
    seen.add(text.toLowerCase());
    byLabel.get(label)!.push(text);
  }
  const rng = new Rng(SEED);
  const lines: string[] = [];
  for (const [label, texts] of byLabel) {
    if (texts.length < SAMPLES_PER_CLASS)
      throw new Error(`category ${label}: ${texts.length} definitions, fewer than ${SAMPLES_PER_CLASS}`);
    // partial Fisher–Yates: the first SAMPLES_PER_CLASS places get a uniform sample
    for (let i = 0; i < SAMPLES_PER_CLASS; i++) {
      const j = i + rng.int(texts.length - i);
      [texts[i], texts[j]] = [texts[j], texts[i]];
    }
    for (const text of texts.slice(0, SAMPLES_PER_CLASS)) lines.push(`${label}\t${text}`);
  }
  return lines;
}

if (isDirectRun(import.meta.url)) {
  const source = process.argv[2] ?? '/usr/share/wordnet/data.noun';
  const lines = buildGlossDataset(readFileSync(source, 'utf8'));
  const target = new URL('./wordnet-glosses.tsv', import.meta.url);
  writeFileSync(target, `${lines.join('\n')}\n`);
  console.log(`wrote ${lines.length} definitions to ${target.pathname}`);
}
