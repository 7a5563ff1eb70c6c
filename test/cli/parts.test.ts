// The command line's pure parts, in process: flag parsing, the gradient-flow chart and the
// progress line.
import { describe, expect, it } from 'vitest';
import { CliError, helpText, parseArgs, type CommandSpec } from '../../src/cli/args.ts';
import { chartDistances, flowChart, logRange, verdict } from '../../src/cli/chart.ts';
import { bar, doneFraction, etaSeconds, liveLine } from '../../src/cli/progress.ts';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'a test command',
  usage: 'demo [flags] WORD',
  flags: {
    hidden: { type: 'int', min: 1, default: 8, help: 'units' },
    lr: { type: 'number', min: 0, exclusiveMin: true, help: 'rate' },
    shift: { type: 'number', help: 'any number' },
    cell: { type: 'string', choices: ['lstm', 'gru'], default: 'lstm', help: 'cell' },
    model: { type: 'string', help: 'file', required: true },
    resume: { type: 'boolean', help: 'switch' },
  },
  positionals: { name: 'WORD', help: 'a word', min: 0, max: 1 },
};

const fails = (argv: string[]): string => {
  try {
    parseArgs(spec, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return (error as CliError).message;
  }
  throw new Error(`parseArgs accepted ${argv.join(' ')}`);
};

describe('parseArgs', () => {
  it('reads flags in both forms, switches, negative numbers and defaults', () => {
    const a = parseArgs(spec, ['--model', 'm.bin', '--lr=0.5', '--shift', '-2.5', '--resume', 'word']);
    expect(a.flags).toEqual({ model: 'm.bin', lr: 0.5, shift: -2.5, resume: true, hidden: 8, cell: 'lstm' });
    expect(a.positionals).toEqual(['word']);
    expect(parseArgs(spec, ['--model', 'x', '--no-resume']).flags.resume).toBe(false);
    expect(parseArgs(spec, ['--model', 'x', '--', '--hidden']).positionals).toEqual(['--hidden']);
    expect(parseArgs(spec, ['--help']).help).toBe(true); // no "required" error with --help
  });

  it('names the flag and the expected value in every error', () => {
    expect(fails(['--model', 'x', '--hiden', '3'])).toBe(
      "strand demo: unknown flag '--hiden' (did you mean --hidden?) (see strand demo --help)",
    );
    expect(fails(['--model', 'x', '--hidden', '0'])).toBe("strand demo: --hidden must be an integer ≥ 1, received '0'");
    expect(fails(['--model', 'x', '--hidden', '2.5'])).toMatch(/--hidden must be an integer/);
    expect(fails(['--model', 'x', '--lr', '0'])).toBe("strand demo: --lr must be a number > 0, received '0'");
    expect(fails(['--model', 'x', '--cell', 'tree'])).toBe(
      "strand demo: --cell must be one of lstm, gru, received 'tree'",
    );
    expect(fails(['--model', 'x', '--hidden'])).toBe('strand demo: --hidden needs a value (an integer ≥ 1)');
    expect(fails(['--model', 'x', '--hidden', '--lr', '1'])).toMatch(/--hidden needs a value/);
    expect(fails(['--hidden', '3'])).toBe('strand demo: --model is required (file)');
    expect(fails(['--model', 'x', '--model', 'y'])).toMatch(/--model is given twice/);
    expect(fails(['--model', 'x', 'a', 'b'])).toMatch(/at most 1 WORD argument allowed, received 2/);
    expect(fails(['--model', 'x', '-q'])).toMatch(/unknown flag '-q'/);
  });

  it('writes help listing every flag with its default', () => {
    const text = helpText(spec);
    for (const flag of ['--hidden N', '--lr N', '--cell lstm|gru', '--model TEXT', '--resume', '-h, --help'])
      expect(text).toContain(flag);
    expect(text).toContain('[default: 8]');
    expect(text).toContain('[required]');
  });
});

describe('gradient-flow chart', () => {
  it('picks distances from 0 to T−1', () => {
    expect(chartDistances(5, 12)).toEqual([0, 1, 2, 3, 4]);
    const d = chartDistances(50, 11);
    expect(d).toHaveLength(11);
    expect(d[0]).toBe(0);
    expect(d[10]).toBe(49);
    for (let i = 1; i < d.length; i++) expect(d[i]).toBeGreaterThan(d[i - 1]);
  });

  it('draws log-scale bars on a scale shared by all curves', () => {
    const series = [
      { label: 'fading', norms: [1e-3, 1e-2, 1e-1, 1] },
      { label: 'steady', norms: [0.5, 0.5, 0.5, 0.5] },
    ];
    expect(logRange(series)).toEqual([-3, 0]);
    const lines = flowChart(series, { rows: 4, width: 30 });
    const bars = lines.filter((l) => l.startsWith('  T−1−k =')).map((l) => (l.match(/█/g) ?? []).length);
    // distance 0..3 of 'fading' = values 1, 0.1, 0.01, 0.001: 30, 20, 10, 0 cells
    expect(bars.slice(0, 4)).toEqual([30, 20, 10, 0]);
    // 0.5 = 10^−0.301: (3 − 0.301) / 3 · 30 = 26.99 cells: 26 full and a half cell
    expect(bars.slice(4)).toEqual([26, 26, 26, 26]);
    expect(lines.filter((l) => l.includes('│██████████████████████████▌')).length).toBe(4);
    expect(lines.join('\n')).toContain('fading: vanishing');
    expect(lines.join('\n')).toContain('steady: flowing');
    expect(verdict([1e4, 1]).word).toBe('exploding');
    expect(verdict([0.05, 1]).word).toBe('decaying');
  });
});

describe('progress', () => {
  it('estimates the fraction done and the time left, under a time limit too', () => {
    const s = { step: 10, epoch: 2, epochs: 4, progress: 0.5, loss: 1.5, tokensPerSecond: 1234, elapsed: 30 };
    expect(doneFraction(s)).toBeCloseTo(0.375, 12);
    expect(etaSeconds(s)).toBeCloseTo(50, 12); // 30 s for 3/8 → 50 s for the other 5/8
    expect(doneFraction({ ...s, timeLimit: 40 })).toBeCloseTo(0.75, 12);
    expect(etaSeconds({ ...s, timeLimit: 40 })).toBeCloseTo(10, 12);
    expect(etaSeconds({ ...s, epoch: 1, progress: 0 })).toBeNull();
  });

  it('draws a bar with eighth cells and a line that fits the terminal', () => {
    expect(bar(0.5, 4)).toBe('██  ');
    expect(bar(1 / 16, 2)).toBe('▏ ');
    expect(bar(2, 3)).toBe('███');
    const line = liveLine(
      { step: 120, epoch: 2, epochs: 10, progress: 0.2, loss: 2.1344, tokensPerSecond: 9800, elapsed: 12 },
      100,
    );
    expect(line).toMatch(/^│[█▏▎▍▌▋▊▉ ]+│ {2}12% step 120 · epoch 2\/10 · loss 2\.134 · 9800 tok\/s · ETA 1m28s$/);
    expect(
      liveLine({ step: 1, epoch: 1, epochs: 1, progress: 0.1, loss: 1, tokensPerSecond: 1, elapsed: 1 }, 40).length,
    ).toBeLessThanOrEqual(39);
  });
});
