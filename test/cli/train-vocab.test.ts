// `strand train`, `sample` and `score` in-process with model.vocab: word-level models (whitespace is
// not a token, samples are spaced), a file written before model.vocab existed, best-weights saving
// and the time limit.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etaSeconds, liveLine, statusText } from '../../src/cli/progress.ts';
import { init, SequenceModel } from '../../src/index.ts';
import { strandInProcess } from '../helpers/cli.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/models/metadata-vocab.strand', import.meta.url));
let dir = '';
const at = (name: string) => join(dir, name);

/** Runs `strand ...argv` in this process. */
const strand = strandInProcess;

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

describe('strand train --save-best and --time-limit', () => {
  // training text cycles a b c; the held-out end (the last 10%) cycles a c b, so the validation
  // loss rises as the model learns the training order: epoch 1 is the best
  const drift = `${'abc'.repeat(180)}${'acb'.repeat(20)}`;
  /** The drift run for `epochs` epochs. */
  const drifting = (epochs: number): string[] => [
    '--text',
    at('drift.txt'),
    '--epochs',
    String(epochs),
    '--val-fraction',
    '0.1',
    '--lr',
    '0.05',
    '--checkpoint-every',
    '0',
    ...SMALL,
  ];

  it('saves the epoch with the best validation loss, and says which; --no-save-best keeps the last', async () => {
    writeFileSync(at('drift.txt'), drift);
    const best = await strand('train', ...drifting(3), '--out', at('best.strand'));
    expect(best.code).toBe(0);
    const losses = [...best.out.matchAll(/epoch (\d): train loss \d+\.\d+, validation (\d+\.\d+)/g)].map((m) =>
      Number(m[2]),
    );
    expect(losses).toHaveLength(3);
    expect(losses[0]).toBeLessThan(Math.min(losses[1], losses[2])); // the corpus does what it is built for
    expect(best.out).toContain(
      `saved '${at('best.strand')}': the best weights, of epoch 1 (validation loss ${losses[0].toFixed(3)}; the last had ${losses[2].toFixed(3)})`,
    );
    const last = await strand('train', ...drifting(3), '--out', at('last.strand'), '--no-save-best');
    expect(last.out).toContain(`saved '${at('last.strand')}': the last weights (--no-save-best)`);
    const one = await strand('train', ...drifting(1), '--out', at('one.strand'));
    const [b, l, o] = ['best', 'last', 'one'].map((n) => SequenceModel.load(readFileSync(at(`${n}.strand`))));
    // the saved best weights are epoch 1's: those of a one-epoch run with the same seed
    expect(b.stateDict()).toEqual(o.stateDict());
    expect(l.stateDict()).not.toEqual(o.stateDict());
    expect(b.metadata.training).toMatchObject({ epoch: 1, kept: 'best' });
    expect((b.metadata.training as { validationLoss: number }).validationLoss).toBeCloseTo(losses[0], 3);
    expect(l.metadata.training).toMatchObject({ epoch: 3, kept: 'last' });
    for (const m of [b, l, o]) m.dispose();
    expect(one.out).toContain('the last weights, the best (validation loss');
  });

  it('--time-limit without --epochs trains past the old cap of 10 epochs until the time is up', async () => {
    const r = await strand(
      'train',
      '--text',
      at('drift.txt'),
      '--time-limit',
      '1.5',
      '--out',
      at('t.strand'),
      ...SMALL,
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/, no epoch cap, time limit 1\.5 s;/);
    expect(r.out).toMatch(/epoch 11: train loss/);
    expect(r.out).toMatch(/done: \d+ steps in .* \(time limit\)/);
    const capped = await strand(
      'train',
      '--text',
      at('drift.txt'),
      '--time-limit',
      '50',
      '--epochs',
      '2',
      '--out',
      at('c.strand'),
      ...SMALL,
    );
    expect(capped.out).toMatch(/, up to 2 epochs, time limit 50 s \(whichever comes first\);/);
    expect(capped.out).toMatch(/done: \d+ steps in .* \(2 epochs\)/);
    expect(capped.out).not.toMatch(/epoch 3:/);
  });

  it('progress without an epoch cap: the epoch alone, the time limit for the fraction and ETA', () => {
    const s = {
      step: 50,
      epoch: 12,
      epochs: Infinity,
      progress: 0.5,
      loss: 1,
      tokensPerSecond: 1,
      elapsed: 30,
      timeLimit: 120,
    };
    expect(statusText(s)).toMatch(/^step 50 {2}epoch 12 {2}loss 1\.000 .* ETA 1m30s$/);
    expect(etaSeconds(s)).toBe(90);
    expect(liveLine(s, 120)).toMatch(/ 25% step 50 · epoch 12 · loss/);
  });
});
