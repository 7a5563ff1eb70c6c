// `strand gradflow --clip N` in process: raw and clipped curves drawn together (the clipped
// value of every row is the raw one times the reported factor), the flag's errors, and a trained
// model file; plus the chart's paired rows.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flowChart } from '../../src/cli/chart.ts';
import { Dense, Embedding, LSTM, SequenceModel } from '../../src/index.ts';
import { wasmBackend } from '../helpers/backends.ts';
import { strandInProcess } from '../helpers/cli.ts';

/** Runs `strand ...argv` in this process; returns the exit code and what it wrote. */
async function strand(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, out, err } = await strandInProcess(...argv);
  return { code, stdout: out, stderr: err };
}

/** Pairs of (raw, clipped) values of the rows of a drawn curve. */
function rowPairs(stdout: string): Array<[number, number]> {
  const lines = stdout.split('\n');
  const pairs: Array<[number, number]> = [];
  lines.forEach((line, i) => {
    if (!line.startsWith('  T−1−k =')) return;
    const next = lines[i + 1] ?? '';
    expect(next, `a clipped row under '${line}'`).toMatch(/^\s+clipped │/);
    pairs.push([Number(line.split('│')[2]), Number(next.split('│')[2])]);
  });
  return pairs;
}

const dir = mkdtempSync(join(tmpdir(), 'strand-gradflow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('strand gradflow --clip', () => {
  it('draws the raw and the clipped curve of an exploding ReLU RNN; the clipped rows are raw × the factor', async () => {
    const r = await strand([
      'gradflow',
      '--cell',
      'relu',
      '--gain',
      '1.3',
      '--length',
      '24',
      '--hidden',
      '8',
      '--rows',
      '4',
      '--clip',
      '5',
      '--backend',
      'wasm',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('clipped: the parameter gradient scaled to global norm ≤ 5');
    const note = /global gradient norm (\S+), clipped at 5: ×(\S+) → (\S+)/.exec(r.stdout);
    expect(note, r.stdout).not.toBeNull();
    const [gradNorm, factor, after] = note!.slice(1).map(Number);
    expect(gradNorm).toBeGreaterThan(5);
    expect(factor).toBeLessThan(1);
    expect(after).toBeCloseTo(5, 2);
    expect(gradNorm * factor).toBeCloseTo(5, 1);
    const pairs = rowPairs(r.stdout);
    expect(pairs).toHaveLength(4);
    // three significant digits are printed: agreement to 1 %
    for (const [raw, clipped] of pairs)
      expect(Math.abs(clipped / raw / factor - 1), `${clipped} / ${raw} vs ×${factor}`).toBeLessThan(0.01);
  });

  it('with a threshold above the gradient norm, the clipped curve is the raw one (factor 1)', async () => {
    const r = await strand([
      'gradflow',
      '--cell',
      'lstm',
      '--length',
      '12',
      '--hidden',
      '6',
      '--rows',
      '3',
      '--clip',
      '1000',
      '--backend',
      'wasm',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/clipped at 1000: ×1 → /);
    for (const [raw, clipped] of rowPairs(r.stdout)) expect(clipped).toBe(raw);
  });

  it('draws no clipped rows without --clip', async () => {
    const r = await strand([
      'gradflow',
      '--cell',
      'rnn',
      '--length',
      '8',
      '--hidden',
      '4',
      '--rows',
      '3',
      '--backend',
      'wasm',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('clipped');
  });

  it('clips the curves of a model file', async () => {
    const backend = await wasmBackend();
    const model = new SequenceModel({
      layers: [
        new Embedding(6, 3, { seed: 1, backend }),
        new LSTM({ inputSize: 3, hiddenSize: 5, seed: 2, backend }),
        new Dense(5, 6, { seed: 3, backend }),
      ],
    });
    const file = join(dir, 'tiny.strand');
    writeFileSync(file, model.save());
    model.dispose();
    const r = await strand([
      'gradflow',
      '--model',
      file,
      '--length',
      '10',
      '--rows',
      '3',
      '--clip',
      '0.01',
      '--backend',
      'wasm',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('layer LSTM 0');
    const note = /clipped at 0\.01: ×(\S+) → (\S+)/.exec(r.stdout);
    expect(note, r.stdout).not.toBeNull();
    expect(Number(note![1])).toBeLessThan(1);
    expect(Number(note![2])).toBeCloseTo(0.01, 4);
    expect(rowPairs(r.stdout)).toHaveLength(3);
  });

  it('rejects a bad --clip with a message naming the flag and a usage exit code', async () => {
    for (const [value, message] of [
      ['0', "strand gradflow: --clip must be a number > 0, received '0'"],
      ['-5', "strand gradflow: --clip must be a number > 0, received '-5'"],
      ['five', "strand gradflow: --clip must be a number > 0, received 'five'"],
    ]) {
      const r = await strand(['gradflow', '--clip', value]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(message);
      expect(r.stdout).toBe('');
    }
    const missing = await strand(['gradflow', '--clip']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--clip needs a value (a number > 0)');
    const help = await strand(['gradflow', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(
      /--clip N\s+also draw each curve after clipping the parameter gradient to global norm N/,
    );
  });
});

describe('flowChart with clipped curves', () => {
  it('draws each clipped row under its raw row, on the scale shared with the raw values', () => {
    const lines = flowChart(
      [{ label: 'big', norms: [1e-1, 1, 10, 100], clipped: [1e-3, 1e-2, 1e-1, 1], note: '×0.01' }],
      { rows: 4, width: 20 },
    );
    expect(lines[0]).toContain('empty bar = 1e-3, full bar = 1e2');
    expect(lines[2]).toBe('big: vanishing — ‖∂L_T/∂h_0‖ / ‖∂L_T/∂h_{T−1}‖ = 1.0e-3; ×0.01');
    const bars = lines.slice(3).map((l) => (l.match(/█/g) ?? []).length);
    // distance 0 … 3: raw 100, 10, 1, 0.1 → 20, 16, 12, 8 cells; clipped 1, 0.1, 0.01, 0.001 → 12, 8, 4, 0
    expect(bars).toEqual([20, 12, 16, 8, 12, 4, 8, 0]);
    expect(lines.slice(3).filter((l) => /^\s+clipped │/.test(l))).toHaveLength(4);
  });
});
