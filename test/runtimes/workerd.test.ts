// workerd (the npm `workerd` package, the runtime of Cloudflare Workers) on 127.0.0.1: a Worker
// bundled from the installed package's `workerd` entry, with strand's .wasm builds and a model
// trained and saved here as modules of the Worker, answers HTTP requests with a generated
// continuation and its score, and with the twenty-step digest, which must equal Node's.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as strand from '../../src/index.ts';
import { WASM_BUILDS } from '../../src/backend/wasm.ts';
import { bin, packAndInstall, removeInstalled, type Installed } from './package-fixture.ts';
import { tinyModel } from './tiny-model.ts';
import { twentySteps, type TwentyStepsResult } from './twenty-steps.ts';

/** The pytorch-to-edge example's model files, relative to this file. */
const PYTORCH_MODEL = '../../examples/pytorch-to-edge/model';

let installed: Installed;
let workerd: ChildProcess | null = null;
let log = '';
let origin = '';
let model: Uint8Array;
let reference: TwentyStepsResult;

/** A port that was free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The workerd configuration: one Worker (ES module, .wasm modules, the model as a data module), one socket. */
function config(port: number): string {
  const modules = [
    '(name = "worker", esModule = embed "worker.js")',
    ...WASM_BUILDS.map((b) => `(name = "${b.file}", wasm = embed "${b.file}")`),
    '(name = "model.strand", data = embed "model.strand")',
    '(name = "model.safetensors", data = embed "model.safetensors")',
    '(name = "vocab.json.bin", data = embed "vocab.json.bin")',
  ];
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .strandWorker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const strandWorker :Workerd.Worker = (
  modules = [
    ${modules.join(',\n    ')},
  ],
  compatibilityDate = "2025-06-01",
);
`;
}

/** Waits until the Worker answers (or workerd exits, or 60 s pass). */
async function ready(): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (workerd?.exitCode !== null) throw new Error(`workerd exited (${workerd?.exitCode}):\n${log}`);
    try {
      await fetch(`${origin}/ping`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`workerd did not answer within 60 s:\n${log}`);
}

/** GET a path of the Worker as JSON, with the Worker's error text if it failed. */
async function get<T>(path: string): Promise<T> {
  const response = await fetch(`${origin}${path}`);
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}\n${text}\n${log}`);
  return JSON.parse(text) as T;
}

beforeAll(async () => {
  installed = await packAndInstall('workerd');
  const dir = installed.app;
  model = await tinyModel();
  writeFileSync(join(dir, 'model.strand'), model);
  // a character model trained in PyTorch (the pytorch-to-edge example's files)
  copyFileSync(new URL(`${PYTORCH_MODEL}/model.safetensors`, import.meta.url), join(dir, 'model.safetensors'));
  copyFileSync(new URL(`${PYTORCH_MODEL}/vocab.json`, import.meta.url), join(dir, 'vocab.json.bin'));
  copyFileSync(new URL('./worker.mjs', import.meta.url), join(dir, 'worker-source.mjs'));
  // as wrangler does: resolve 'strand' with the workerd condition, keep .wasm (and data) imports as modules
  await build({
    entryPoints: [join(dir, 'worker-source.mjs')],
    outfile: join(dir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['*.wasm', '*.strand', '*.safetensors', '*.bin'],
    logLevel: 'silent',
  });
  for (const b of WASM_BUILDS) copyFileSync(join(dir, 'node_modules', 'strand', 'dist', b.file), join(dir, b.file));
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  writeFileSync(join(dir, 'config.capnp'), config(port));
  workerd = spawn(bin('workerd'), ['serve', 'config.capnp'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  workerd.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  workerd.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  await ready();
  reference = await twentySteps({ ...strand, init: (options) => strand.init({ ...options, flavor: 'simd' }) });
});

afterAll(async () => {
  if (workerd !== null && workerd.exitCode === null) {
    const exited = new Promise((r) => workerd!.once('exit', r));
    workerd.kill('SIGTERM');
    const timer = setTimeout(() => workerd?.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  removeInstalled(installed);
});

interface Generated {
  backend: string;
  text: string;
  logProb: number;
  perplexity: number;
}

describe('workerd', () => {
  it('a Worker loads the trained model and answers with a continuation and its score, as Node computes them', async () => {
    const query = 'prime=the%20&length=40&seed=5&temperature=0.7';
    const worker = await get<Generated>(`/generate?${query}&flavor=simd`);
    // the same in Node, from the sources
    await strand.init({ flavor: 'simd' });
    const local = strand.SequenceModel.load(model);
    const vocab = strand.Vocab.fromJSON(local.metadata.vocab as strand.VocabJSON);
    const prime = vocab.encode('the ');
    const ids = strand.generate(local, { prime, length: 40, seed: 5, temperature: 0.7 });
    const score = strand.logProbability(local, ids, { prime });
    local.dispose();
    expect(worker.backend).toBe('wasm/simd');
    expect(worker.text).toHaveLength(40);
    expect(worker.text).toBe(vocab.decode(ids));
    expect(worker.text).toMatch(/\b(the|lamp|sea|calm|keep|bell)\b/); // it learned its phrases
    expect(worker.logProb).toBe(score.logProb);
    expect(worker.perplexity).toBeGreaterThan(1);
  });

  it('init() with no arguments picks the relaxed-SIMD build there, and generation works on it', async () => {
    const worker = await get<Generated>('/generate?prime=keep%20&length=30&seed=9&temperature=0.5');
    expect(worker.backend).toBe('wasm/relaxed');
    expect(worker.text).toHaveLength(30);
    expect(Number.isFinite(worker.logProb)).toBe(true);
    expect(worker.logProb).toBeLessThan(0);
  });

  it("the twenty-step digest equals Node's (plain SIMD), and the relaxed build trains alike", async () => {
    const worker = await get<{ simd: TwentyStepsResult; auto: TwentyStepsResult }>('/digest');
    expect(worker.simd.losses).toEqual(reference.losses);
    expect(worker.simd.digest).toBe(reference.digest);
    for (let i = 0; i < 20; i++)
      expect(Math.abs(worker.auto.losses[i] - reference.losses[i])).toBeLessThan(1e-4 * reference.losses[i]);
  });

  it('strand/interop serves a PyTorch model there as Server-Sent Events, decoding as PyTorch does', async () => {
    const reference = JSON.parse(readFileSync(new URL(`${PYTORCH_MODEL}/reference.json`, import.meta.url), 'utf8'));
    const response = await fetch(`${origin}/pytorch?prompt=${encodeURIComponent(reference.prompt)}&length=60`);
    const text = await response.text();
    if (!response.ok) throw new Error(`GET /pytorch: HTTP ${response.status}\n${text}\n${log}`);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = text.split('\n\n').filter((e) => e !== '');
    expect(events.at(-1)).toBe('event: done\ndata: {}');
    const streamed = events
      .filter((e) => e.startsWith('data: '))
      .map((e) => JSON.parse(e.slice(6)))
      .join('');
    expect(streamed).toBe(reference.greedy);
  });

  it('options workerd cannot honour fail with errors that say what to do instead', async () => {
    const errors = await get<{ url: string; bytes: string; flavor: string }>('/errors');
    expect(errors.url).toMatch(/options\.url cannot be used on workerd.*init\(\{ module \}\)/);
    expect(errors.bytes).toMatch(/options\.bytes .*pass a compiled module as options\.module/);
    expect(errors.flavor).toMatch(/options\.flavor must be 'auto', 'relaxed' or 'simd', received "fast"/);
  });
});
