// The `strand` command line in subprocesses, as a user runs it: train on a small corpus for two
// seconds, sample, score, gradflow, Ctrl-C during training, and clear errors for bad flags and
// unreadable files.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SequenceModel, Vocab, init } from '../../src/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `strand ...args` with tsx; `onStdout` sees the output as it arrives (with the child). */
function strand(args: string[], onStdout?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, STRAND_DEBUG: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

let dir = '';
let corpus = '';
let model = '';
const PHRASES = ['the lamp is dark', 'the sea is calm', 'keep the bell', 'watch the tide', 'mend the glass'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strand-cli-'));
  corpus = join(dir, 'corpus.txt');
  model = join(dir, 'model.strand');
  let text = '';
  let state = 7;
  while (text.length < 12_000) {
    state = (state * 1103515245 + 12345) % 2147483648;
    text += `${PHRASES[(state >> 8) % PHRASES.length]}.${state % 5 === 0 ? '\n' : ' '}`;
  }
  writeFileSync(corpus, text);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('strand CLI', () => {
  it('trains for a few seconds with progress and samples, and saves a model with its vocabulary', async () => {
    const run = await strand([
      'train',
      '--text',
      corpus,
      '--out',
      model,
      '--hidden',
      '24',
      '--embed',
      '8',
      '--seq',
      '16',
      '--batch',
      '8',
      '--epochs',
      '1000',
      '--time-limit',
      '2.5',
      '--sample-every',
      '60',
      '--sample-length',
      '30',
      '--backend',
      'wasm',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /strand train: LSTM 1×24, embedding 8 on '.*corpus\.txt' \(12,\d{3} characters, \d+ symbols/,
    );
    expect(run.stdout).toMatch(/step \d+ {2}epoch \d+\/1000 {2}loss \d+\.\d{3}/); // a plain progress line (not a terminal)
    expect(run.stdout).toMatch(/--- sample at step 60 \(loss \d+\.\d+\) ---/);
    expect(run.stdout).toMatch(/epoch 1: train loss \d+\.\d+, validation \d+\.\d+/);
    expect(run.stdout).toMatch(/done: \d+ steps in .* \(time limit\)/);
    expect(run.stdout).toContain(`saved '${model}'`);
    // it learned: the validation loss is well under ln(V), the loss of a uniform guess
    const val = Number(/validation loss (\d+\.\d+) nats\/char/.exec(run.stdout)?.[1]);
    await init({ backend: 'wasm' });
    const loaded = SequenceModel.load(readFileSync(model));
    expect(loaded.vocab).toBeInstanceOf(Vocab);
    expect(loaded.metadata).not.toHaveProperty('vocab'); // saved as model.vocab, not in the metadata
    const vocab = loaded.vocab!;
    expect(vocab.size).toBe(loaded.outputSize);
    expect(vocab.decode(vocab.encode('the lamp is dark.'))).toBe('the lamp is dark.');
    expect(val).toBeLessThan(0.6 * Math.log(vocab.size));
    expect((loaded.metadata.training as { cell: string }).cell).toBe('lstm');
    loaded.dispose();
  });

  it('samples text from the model, reproducibly with a seed', async () => {
    const args = [
      'sample',
      '--model',
      model,
      '--prime',
      'the ',
      '--length',
      '40',
      '--seed',
      '3',
      '--temperature',
      '0.5',
    ];
    const [a, b] = await Promise.all([strand(args), strand(args)]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.startsWith('the ')).toBe(true);
    expect(a.stdout.trimEnd().length).toBeGreaterThan(20);
    expect(/[a-z]/.test(a.stdout.slice(4))).toBe(true);
    expect(b.stdout).toBe(a.stdout);
    const beam = await strand(['sample', '--model', model, '--prime', 'the s', '--length', '12', '--beam', '3']);
    expect(beam.code, beam.stderr).toBe(0);
    expect(beam.stdout.startsWith('the s')).toBe(true);
    expect(beam.stderr).toMatch(/beam search, width 3: log p = -?\d+\.\d+ nats/);
  });

  it('scores sentences: log-probability, perplexity, and which is likelier', async () => {
    const run = await strand(['score', '--model', model, 'the lamp is dark.', 'dark lamp the is.']);
    expect(run.code, run.stderr).toBe(0);
    const numbers = [...run.stdout.matchAll(/log p = (-\d+\.\d+) nats .* perplexity (\d+\.\d+)/g)];
    expect(numbers).toHaveLength(2);
    for (const [, logp, ppl] of numbers) {
      expect(Number(logp)).toBeLessThan(0);
      // perplexity = e^(−log p / 17 tokens)
      expect(Number(ppl)).toBeCloseTo(Math.exp(-Number(logp) / 17), 2);
    }
    expect(Number(numbers[0][1])).toBeGreaterThan(Number(numbers[1][1]));
    expect(run.stdout).toMatch(/most likely: #1, by \d+\.\d+ nats over #2/);
  });

  it('draws the gradient flow of the four cells', async () => {
    const [run, flow] = await Promise.all([
      strand(['gradflow', '--length', '16', '--hidden', '8', '--rows', '4']),
      strand(['gradflow', '--model', model, '--text', 'the sea is calm.', '--rows', '3']),
    ]);
    expect(run.code, run.stderr).toBe(0);
    for (const label of ['tanh RNN', 'ReLU RNN (identity init', 'LSTM (forget bias 1)', 'GRU'])
      expect(run.stdout).toContain(label);
    expect(run.stdout).toMatch(/T−1−k = 15 │█*/);
    expect(flow.code, flow.stderr).toBe(0);
    expect(flow.stdout).toContain('layer LSTM 0');
  });

  it('saves and exits on Ctrl-C during training', async () => {
    const out = join(dir, 'interrupted.strand');
    let sent = false;
    const run = await strand(
      [
        'train',
        '--text',
        corpus,
        '--out',
        out,
        '--hidden',
        '16',
        '--embed',
        '8',
        '--seq',
        '16',
        '--batch',
        '8',
        '--epochs',
        '100000',
        '--sample-every',
        '0',
        '--backend',
        'wasm',
      ],
      (text, child) => {
        if (!sent && text.includes('epoch 1:')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    );
    expect(sent).toBe(true);
    expect(run.code).toBe(130);
    expect(run.stdout).toContain('interrupted: saving');
    expect(run.stdout).toMatch(/done: \d+ steps .* \(interrupted\)/);
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out).subarray(0, 4).toString()).toBe('STRD');
  });

  it('rejects a bad flag with a message naming it and exit code 2', async () => {
    const [run, bad] = await Promise.all([
      strand(['train', '--text', corpus, '--hiden', '64']),
      strand(['sample', '--model', model, '--temperature', 'hot']),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown flag '--hiden'");
    expect(run.stderr).toContain('did you mean --hidden?');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("strand sample: --temperature must be a number ≥ 0, received 'hot'\n");
  });

  it('reports unreadable files clearly, without a stack trace', async () => {
    const missing = join(dir, 'no-such-file.txt');
    const [run, notModel] = await Promise.all([
      strand(['train', '--text', missing, '--out', join(dir, 'x.strand')]),
      strand(['score', '--model', corpus, 'hello']),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`strand train: cannot read --text '${missing}': no such file or directory\n`);
    expect(notModel.code).toBe(1);
    expect(notModel.stderr).toMatch(/^strand score: cannot load --model '.*corpus\.txt': .*not a strand checkpoint/);
    expect(notModel.stderr).not.toMatch(/\n\s+at /);
  });

  it('prints help for each command', async () => {
    const [run, general, unknown] = await Promise.all([
      strand(['train', '--help']),
      strand(['--help']),
      strand(['trian']),
    ]);
    expect(run.code).toBe(0);
    for (const flag of [
      '--text',
      '--cell',
      '--hidden',
      '--layers',
      '--embed',
      '--seq',
      '--batch',
      '--lr',
      '--clip',
      '--epochs',
      '--time-limit',
      '--val-fraction',
      '--seed',
      '--dropout',
      '--out',
      '--sample-every',
    ]) {
      expect(run.stdout).toContain(flag);
    }
    expect(general.code).toBe(0);
    for (const command of ['train', 'sample', 'score', 'gradflow', 'bench'])
      expect(general.stdout).toContain(`  ${command}`);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'trian' (did you mean train?)");
  });
});
