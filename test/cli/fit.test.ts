// `strand fit` run in-process on small tables written here: a seasonal series whose forecaster must
// beat the naive baseline the command prints, a labelled CSV with quoted commas whose classifier
// must reach high validation accuracy, the CSV and JSON-lines readers on tricky input, and errors.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv, parseJsonLines } from '../../src/cli/tabular.ts';
import { init, SequenceModel } from '../../src/index.ts';
import { Rng } from '../../src/util/rng.ts';
import { strandInProcess } from '../helpers/cli.ts';

let dir = '';
const at = (name: string) => join(dir, name);

/** Runs `strand ...argv` in this process. */
const strand = strandInProcess;

/** A seasonal series (period 12) around 10 with a little noise. */
function seasonalCsv(): string {
  const rng = new Rng(5);
  const rows = ['time,temp,other'];
  for (let t = 0; t < 360; t++) {
    rows.push(`${t},${(10 + 5 * Math.sin((2 * Math.PI * t) / 12) + 0.2 * rng.normal()).toFixed(3)},${t % 7}`);
  }
  return `${rows.join('\n')}\n`;
}

/** Labelled sentences, each with a quoted comma; the class shows in one keyword among fillers. */
function reviewsCsv(): string {
  const rng = new Rng(9);
  const words = {
    good: ['great', 'lovely', 'superb'],
    bad: ['awful', 'broken', 'terrible'],
    meh: ['average', 'okay', 'fine'],
  };
  const filler = ['the', 'film', 'was', 'and', 'plot', 'music', 'really', 'quite', 'i', 'thought'];
  const pick = <T>(a: readonly T[]): T => a[rng.int(a.length)];
  const rows = ['id,text,label'];
  for (let i = 0; i < 240; i++) {
    const label = pick(Object.keys(words) as (keyof typeof words)[]);
    const text = [
      pick(filler),
      pick(filler),
      `${pick(words[label])},`,
      pick(filler),
      pick(filler),
      '"so" it goes.',
    ].join(' ');
    rows.push(`${i},"${text.replaceAll('"', '""')}",${label}`);
  }
  return `${rows.join('\r\n')}\r\n`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strand-fit-'));
  await init({ backend: 'wasm' });
  writeFileSync(at('series.csv'), seasonalCsv());
  writeFileSync(at('reviews.csv'), reviewsCsv());
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('strand fit --task forecast', () => {
  it('beats the seasonal-naive and last-value baselines it prints, and saves the scaler', async () => {
    const args = ['fit', '--task', 'forecast', '--data', at('series.csv'), '--column', 'temp', '--lookback', '24'];
    const r = await strand(...args, '--hidden', '16', '--epochs', '20', '--out', at('f.strand'), '--seed', '3');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/epoch 1: train loss [\d.]+, validation MSE [\d.e+-]+/);
    const m = r.out.match(/test MSE ([\d.e+-]+) \(model\) vs ([\d.e+-]+) \(last-value baseline\) on (\d+) windows/);
    expect(m).not.toBeNull();
    const [model, baseline, windows] = [Number(m![1]), Number(m![2]), Number(m![3])];
    // test part: round(360 · 0.1) = 36 steps, each the target of one window
    expect(windows).toBe(36);
    // consecutive values of 5·sin(2πt/12) differ by about 2.6 at most: the last value errs by ~3.4 on average
    expect(baseline).toBeGreaterThan(2);
    expect(model).toBeLessThan(baseline / 3);

    const saved = SequenceModel.load(new Uint8Array(readFileSync(at('f.strand'))));
    const scaler = saved.metadata.scaler as { kind: string; offset: number[]; scale: number[] };
    expect(scaler.kind).toBe('standard');
    // fitted on the training part only: the first 360 − 72 − 36 = 252 steps (the noise makes all 360 differ)
    const temps = seasonalCsv()
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[1]));
    const train = temps.slice(0, 252);
    const mean = train.reduce((a, b) => a + b, 0) / train.length;
    expect(scaler.offset[0]).toBeCloseTo(mean, 4);
    expect(saved.metadata.lookback).toBe(24);
    expect(r.out).toMatch(/saved '.*f\.strand': the best weights, of epoch \d+ \(stopped: epoch cap\)/);
    expect(saved.head.at).toBe('last');
    saved.dispose();
  }, 30_000);

  it('prints the seasonal-naive baseline with --season, which is exact on a noise-free periodic series', async () => {
    const rows = ['v'];
    for (let t = 0; t < 120; t++) rows.push(String([3, 1, 4, 1, 5, 9][t % 6]));
    writeFileSync(
      at('periodic.jsonl'),
      rows
        .slice(1)
        .map((v) => `{"v": ${v}, "note": "x"}`)
        .join('\n'),
    );
    const r = await strand(
      'fit',
      '--task',
      'forecast',
      '--data',
      at('periodic.jsonl'),
      '--column',
      'v',
      '--lookback',
      '6',
      '--season',
      '6',
      '--epochs',
      '1',
      '--hidden',
      '4',
      '--test-fraction',
      '0',
      '--out',
      at('p.strand'),
    );
    expect(r.err).toBe('');
    const m = r.out.match(/validation MSE ([\d.e+-]+) \(model\) vs ([\d.e+-]+) \(seasonal-naive baseline, season 6\)/);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBe(0);
  }, 20_000);
});

describe('strand fit --task classify', () => {
  it('reaches high validation accuracy on a CSV with quoted commas; the saved vocab encodes a sentence', async () => {
    const r = await strand(
      'fit',
      '--task',
      'classify',
      '--data',
      at('reviews.csv'),
      '--text-column',
      'text',
      '--label-column',
      'label',
      '--hidden',
      '16',
      '--embed',
      '16',
      '--epochs',
      '12',
      '--lr',
      '0.01',
      '--out',
      at('c.strand'),
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/epoch 1: train loss [\d.]+, validation loss [\d.]+, accuracy [\d.]+%/);
    const acc = r.out.match(/validation accuracy ([\d.]+)% on 48 rows/);
    expect(acc).not.toBeNull();
    expect(Number(acc![1])).toBeGreaterThanOrEqual(90);
    for (const label of ['bad', 'good', 'meh']) expect(r.out).toMatch(new RegExp(`\\n  ${label}\\s+F1 [01]\\.\\d{3}`));

    const saved = SequenceModel.load(new Uint8Array(readFileSync(at('c.strand'))));
    expect(saved.metadata.labels).toEqual(['bad', 'good', 'meh']);
    const vocab = saved.vocab!;
    const ids = Array.from(vocab.encode('The plot was GREAT, truly.'));
    // lower-cased, punctuation stripped: 'truly' never occurs in the data, so it is <UNK>
    expect(ids.length).toBe(5);
    expect(ids.slice(0, 4).every((id) => id > 2)).toBe(true);
    expect(ids[4]).toBe(vocab.unkId);
    expect(vocab.encode('great')[0]).toBe(ids[3]);
    saved.dispose();
  }, 30_000);
});

describe('tables', () => {
  it('parses RFC 4180 quoting: "" escapes, quoted commas and newlines, CRLF, empty fields, blank lines', () => {
    const text = 'a,b,c\r\n1,"x, y","say ""hi"""\r\n\r\n"multi\nline",," "\n"","2",3';
    const t = parseCsv(text, 'f.csv');
    expect(t.columns).toEqual(['a', 'b', 'c']);
    expect(t.rows).toEqual([
      ['1', 'x, y', 'say "hi"'],
      ['multi\nline', '', ' '],
      ['', '2', '3'],
    ]);
    // the header is line 1, the blank line 3 is skipped, the quoted newline puts the last row on line 6
    expect(t.lines).toEqual([2, 4, 6]);
  });

  it('reads JSON lines, keys in first-seen order, a missing key as undefined', () => {
    const t = parseJsonLines('{"a": 1, "b": "x"}\n\n{"b": "y", "c": true}\n', 'f.jsonl');
    expect(t.columns).toEqual(['a', 'b', 'c']);
    expect(t.rows).toEqual([
      [1, 'x', undefined],
      [undefined, 'y', true],
    ]);
    expect(t.lines).toEqual([1, 3]);
  });

  it('refuses broken CSV and JSON lines, naming the file and line', () => {
    expect(() => parseCsv('a,b\n1,"2\n', 'f.csv')).toThrow(/f\.csv: line 2: a quoted field is never closed/);
    expect(() => parseCsv('a,b\n1,"2"x\n', 'f.csv')).toThrow(/f\.csv: line 2: unexpected "x" after a closing quote/);
    expect(() => parseCsv('a,b\n1,2\n3\n', 'f.csv')).toThrow(/f\.csv: line 3: 1 fields, but the header has 2/);
    expect(() => parseCsv('a,a\n1,2\n', 'f.csv')).toThrow(/names column 'a' twice/);
    expect(() => parseJsonLines('{"a": 1}\n[1]\n', 'f.jsonl')).toThrow(/f\.jsonl: line 2: expected a JSON object/);
    expect(() => parseJsonLines('{"a": 1}\n{"a": \n', 'f.jsonl')).toThrow(/f\.jsonl: line 2: not valid JSON/);
  });

  it('never crashes on random bytes of CSV syntax: a table or a clear error naming the file', () => {
    const rng = new Rng(17);
    const alphabet = ['a', '1', ',', '"', '\n', '\r', ' ', '""'];
    let parsed = 0;
    let refused = 0;
    for (let k = 0; k < 500; k++) {
      const text = Array.from({ length: rng.int(30) }, () => alphabet[rng.int(alphabet.length)]).join('');
      try {
        const t = parseCsv(text, 'z.csv');
        for (const row of t.rows) expect(row.length).toBe(t.columns.length);
        parsed++;
      } catch (error) {
        expect((error as Error).message).toMatch(/^z\.csv: /);
        refused++;
      }
    }
    expect(parsed + refused).toBe(500);
    expect(parsed).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });
});

describe('strand fit errors', () => {
  const base = ['fit', '--task', 'forecast', '--column', 'temp'];
  it('names the columns for an unknown column', async () => {
    const r = await strand(...base.slice(0, 3), '--data', at('series.csv'), '--column', 'tmp');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/series\.csv: --column 'tmp' is not a column; the columns are time, temp, other/);
    const f = await strand(...base, '--data', at('series.csv'), '--features', 'other,hum');
    expect(f.code).toBe(1);
    expect(f.err).toMatch(/series\.csv: --features 'hum' is not a column; the columns are time, temp, other/);
  });

  it('names the line, the column and the value of a non-numeric cell', async () => {
    writeFileSync(at('bad.csv'), 'time,temp\n0,1.5\n1,"2,5"\n2,3\n');
    const r = await strand(...base, '--data', at('bad.csv'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.csv: line 3, column 'temp': expected a number, received "2,5"/);
  });

  it('refuses an empty file, a missing task flag and a file over --max-bytes', async () => {
    writeFileSync(at('empty.csv'), '');
    let r = await strand(...base, '--data', at('empty.csv'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/empty\.csv: the file is empty/);
    r = await strand('fit', '--task', 'classify', '--data', at('reviews.csv'), '--text-column', 'text');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--task classify needs --label-column/);
    r = await strand(...base, '--data', at('series.csv'), '--max-bytes', '100');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/series\.csv' has \d+ bytes, more than --max-bytes 100/);
  });
});
