// `strand train`, `sample` and `score` in-process with model.vocab: word-level models (whitespace is
// not a token, samples are spaced), a file written before model.vocab existed, best-weights saving
// and the time limit.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.ts';
import { run } from '../../src/cli/run.ts';
import { init, SequenceModel } from '../../src/index.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/models/metadata-vocab.strand', import.meta.url));
let dir = '';
const at = (name: string) => join(dir, name);

/** Runs `strand ...argv` in this process; returns the exit code and what it wrote. */
async function strand(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    isTTY: false,
    columns: 100,
  };
  const code = await run(argv, io);
  return { code, out, err };
}

/** A small word corpus: 40 lines of a few repeated sentences. */
const WORDS = Array.from(
  { length: 40 },
  (_, i) => ['The lamp is lit.', 'The reef is dark!', 'Wren, the keeper.'][i % 3],
).join('\n');
const SMALL = ['--hidden', '8', '--embed', '4', '--batch', '2', '--seq', '6', '--sample-every', '0', '--backend', 'js'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strand-train-vocab-'));
  writeFileSync(at('words.txt'), WORDS);
  await init({ backend: 'js' });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('strand with model.vocab', () => {
  it('samples from a file written before model.vocab existed (metadata.vocab)', async () => {
    copyFileSync(FIXTURE, at('old.strand'));
    const r = await strand(
      'sample',
      '--model',
      at('old.strand'),
      '--prime',
      'the',
      '--length',
      '6',
      '--temperature',
      '0',
      '--backend',
      'js',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // the prime, then 6 characters of the fixture's alphabet
    expect(r.out).toMatch(/^the[ ethlamp,rf]{6}\n$/);
  });

  it('trains a word-level model: no whitespace tokens, saved as model.vocab, sampled with spaces', async () => {
    const r = await strand(
      'train',
      '--text',
      at('words.txt'),
      '--level',
      'word',
      '--epochs',
      '2',
      '--out',
      at('w.strand'),
      ...SMALL,
    );
    expect(r.code).toBe(0);
    // distinct words and marks → 12 (The lamp is lit . reef dark ! Wren , the keeper), plus 3 specials
    expect(r.out).toMatch(/\(200 words, 15 symbols;/);
    const model = SequenceModel.load(readFileSync(at('w.strand')));
    expect(model.vocab?.level).toBe('word');
    expect(model.vocab?.punctuation).toBe('split');
    expect(model.vocab?.encode('\n \n')).toHaveLength(0);
    expect(model.metadata).not.toHaveProperty('vocab');
    model.dispose();
    const s = await strand(
      'sample',
      '--model',
      at('w.strand'),
      '--prime',
      'The lamp',
      '--length',
      '8',
      '--seed',
      '1',
      '--backend',
      'js',
    );
    expect(s.code).toBe(0);
    // 8 tokens after the prime, each after one space
    expect(s.out).toMatch(/^The lamp( [^ \n]+){8}\n$/);
  });
});
