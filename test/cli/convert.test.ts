// `strand convert` and `strand inspect`, run in-process on the files of the pytorch-to-edge example
// (a character model trained in PyTorch and saved with safetensors, torch.save and
// torch.onnx.export): into strand's format with a vocabulary, then sampled as PyTorch decodes it;
// out to safetensors under PyTorch's own names; through ONNX and back; and clear refusals.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, SequenceModel } from '../../src/index.ts';
import { readPyTorch, readSafetensors } from '../../src/interop/index.ts';
import { strandInProcess } from '../helpers/cli.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/pytorch-to-edge/model/', import.meta.url));
const HOSTILE = fileURLToPath(new URL('../fixtures/interop/pytorch/hostile_os_system.pt', import.meta.url));
const reference = JSON.parse(readFileSync(join(EXAMPLE, 'reference.json'), 'utf8')) as {
  prompt: string;
  greedy: string;
  logProbs: number[][];
};

let dir = '';
const at = (name: string) => join(dir, name);
const example = (name: string) => join(EXAMPLE, name);

/** Runs `strand ...argv` in this process. */
const strand = strandInProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strand-convert-'));
  await init({ backend: 'wasm' });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('strand convert', () => {
  it('brings a torch.save file in with its vocabulary; strand sample then decodes as PyTorch did', async () => {
    const r = await strand('convert', example('model.pt'), at('lm.strand'), '--vocab', example('vocab.json'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /\(pytorch\) → .*lm\.strand \(strand\): embedding 65×16 → lstm 16→32 → dense 32→65 \(softmax/,
    );
    const model = SequenceModel.load(new Uint8Array(readFileSync(at('lm.strand'))));
    expect(model.vocab?.size).toBe(65);
    model.dispose();
    const s = await strand(
      'sample',
      '--model',
      at('lm.strand'),
      '--prime',
      reference.prompt,
      '--length',
      '60',
      '--temperature',
      '0',
    );
    expect(s.code).toBe(0);
    expect(s.out.trimEnd()).toBe(`${reference.prompt}${reference.greedy}`.trimEnd());
  });

  it("writes safetensors under the user's PyTorch names, equal to the tensors torch saved", async () => {
    await strand('convert', example('model.pt'), at('lm.strand'));
    const r = await strand('convert', at('lm.strand'), at('out.safetensors'), '--rename', '0=embedding,1=lstm,2=fc');
    expect(r.code).toBe(0);
    const written = readSafetensors(new Uint8Array(readFileSync(at('out.safetensors')))).tensors;
    const saved = readPyTorch(new Uint8Array(readFileSync(example('model.pt'))));
    expect(Object.keys(written)).toEqual(Object.keys(saved));
    for (const [name, t] of Object.entries(saved)) {
      expect(written[name].shape).toEqual(t.shape);
      expect(written[name].data).toEqual(t.data);
    }
    // and strand reads its own export back whole (architecture from the file's metadata)
    expect((await strand('convert', at('out.safetensors'), at('back.strand'))).code).toBe(0);
    const [a, b] = ['lm.strand', 'back.strand'].map((f) => SequenceModel.load(new Uint8Array(readFileSync(at(f)))));
    expect(b.config()).toEqual(a.config());
    expect(b.stateDict()).toEqual(a.stateDict());
    a.dispose();
    b.dispose();
  });

  it('reads an ONNX export, sets the output kind, and writes ONNX that reads back the same', async () => {
    const r = await strand('convert', example('model.onnx'), at('from-onnx.strand'), '--output', 'softmax');
    expect(r.code).toBe(0);
    expect(r.out).toContain('(softmax, every step)');
    expect((await strand('convert', at('from-onnx.strand'), at('again.onnx'))).code).toBe(0);
    const i = await strand('inspect', at('again.onnx'));
    expect(i.code).toBe(0);
    expect(i.out).toContain('architecture: embedding 65×16 → lstm 16→32 → dense 32→65 (softmax, every step)');
    expect(i.out).toMatch(/1\.weight_hh_l0\s+\[128, 32\]/);
  });

  it('inspects a state dict: its tensors and the architecture inferred from them', async () => {
    const r = await strand('inspect', example('model.safetensors'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/7 tensors, 9,585 values/);
    expect(r.out).toMatch(/lstm\.weight_ih_l0\s+\[128, 16\]/);
    expect(r.out).toContain('inferred architecture: embedding → lstm → dense (softmax)');
    expect(r.out).toContain('metadata format: pt');
  });

  it('refuses what it cannot do, naming the file and the reason, without writing anything', async () => {
    const unknown = await strand('convert', example('model.pt'), at('model.xyz'));
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/cannot tell the format of '.*model\.xyz'.*--to/);
    const pt = await strand('convert', example('model.pt'), at('out.pt'));
    expect(pt.code).toBe(2);
    expect(pt.err).toMatch(/strand writes strand, safetensors, onnx files, not pytorch/);
    copyFileSync(HOSTILE, at('hostile.pt'));
    const hostile = await strand('convert', at('hostile.pt'), at('hostile.strand'));
    expect(hostile.code).toBe(1);
    expect(hostile.err).toMatch(/cannot read pytorch model .*hostile\.pt.*os\.system/);
    const vocab = await strand(
      'convert',
      example('model.pt'),
      at('v.strand'),
      '--vocab',
      example('vocab.json'),
      '--map',
      'x=1',
    );
    expect(vocab.code).toBe(1);
    expect(vocab.err).toMatch(/x/);
    const mismatch = await strand('convert', at('hostile.pt'), at('never.strand'), '--vocab', at('missing.json'));
    expect(mismatch.code).not.toBe(0);
    expect(() => readFileSync(at('never.strand'))).toThrow();
    expect(() => readFileSync(at('hostile.strand'))).toThrow();
  });
});
