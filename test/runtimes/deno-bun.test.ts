// Deno and Bun (the npm packages `deno` and `bun`) run the same ESM smoke test as Node against the
// packed package installed into an empty folder: init() with no arguments, a forward pass, and
// the twenty-step fixture. On the plain SIMD build every number must equal Node's bit for bit —
// wasm arithmetic is IEEE-exact (no fused multiply-add in plain SIMD), and the little math the
// fixture does in JavaScript comes out the same in V8 and JavaScriptCore. init()'s own choice is the relaxed-SIMD build in both (on by default there); its
// `relaxed_madd` may fuse (V8: Deno) or not (JavaScriptCore: Bun), so it is held to a tolerance.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as strand from '../../src/index.ts';
import {
  bin,
  exec,
  packAndInstall,
  removeInstalled,
  smokeReport,
  type Installed,
  type SmokeReport,
} from './package-fixture.ts';
import { twentySteps, type TwentyStepsResult } from './twenty-steps.ts';

let installed: Installed;
let node: SmokeReport;
let reference: TwentyStepsResult;

beforeAll(async () => {
  installed = await packAndInstall('deno-bun');
  const run = await exec(process.execPath, ['smoke.mjs'], { cwd: installed.app });
  node = smokeReport(run);
  reference = await twentySteps({ ...strand, init: (options) => strand.init({ ...options, flavor: 'simd' }) });
});

afterAll(() => removeInstalled(installed));

/** Max relative difference of two equally long arrays. */
function maxRel(a: number[], b: number[]): number {
  expect(a).toHaveLength(b.length);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]) / Math.max(Math.abs(b[i]), 1e-3)));
}

/** The checks every runtime passes against Node's report. */
function sameAsNode(report: SmokeReport, runtime: RegExp): void {
  expect(report.runtime).toMatch(runtime);
  expect(report.backend).toBe('wasm/relaxed');
  // the plain-SIMD (portable) build: bit-identical to Node
  expect(report.forwardSimd).toEqual(node.forwardSimd);
  expect(report.simd.losses).toEqual(node.simd.losses);
  expect(report.simd.digest).toBe(node.simd.digest);
  expect(report.simd.digest).toBe(reference.digest);
  // init()'s own choice: the relaxed build, equal up to fused multiply-adds
  expect(maxRel(report.forwardAuto, node.forwardSimd)).toBeLessThan(1e-5);
  expect(maxRel(report.auto.losses, node.simd.losses)).toBeLessThan(1e-4);
  expect(report.auto.losses[19]).toBeLessThan(report.auto.losses[0]);
}

describe('Deno and Bun', () => {
  it("Node's own report is the sources' numbers (the reference below)", () => {
    expect(node.simd.digest).toBe(reference.digest);
    expect(node.simd.losses).toEqual(reference.losses);
  });

  it("Deno: the installed package imports, initialises, and trains to Node's digest", async () => {
    const run = await exec(bin('deno'), ['run', '--allow-read', '--no-prompt', 'smoke.mjs'], {
      cwd: installed.app,
      timeout: 90_000,
      env: { DENO_DIR: join(installed.root, 'deno-cache'), DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' },
    });
    expect(run.code, run.stderr).toBe(0);
    sameAsNode(smokeReport(run), /^Deno \d/);
  });

  it('Deno without --allow-read: init() names the missing permission, not a bundling problem', async () => {
    const run = await exec(bin('deno'), ['run', '--no-prompt', 'smoke.mjs'], {
      cwd: installed.app,
      timeout: 90_000,
      env: { DENO_DIR: join(installed.root, 'deno-cache'), DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' },
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('strand-simd.wasm: Deno was not given read access');
    expect(run.stderr).toContain('run deno with --allow-read (or use strand/inline)');
    expect(run.stderr).not.toContain('if you bundled strand');
  });

  it("Bun: the installed package imports, initialises, and trains to Node's digest", async () => {
    const run = await exec(bin('bun'), ['smoke.mjs'], {
      cwd: installed.app,
      timeout: 90_000,
      env: { BUN_INSTALL_CACHE_DIR: join(installed.root, 'bun-cache') },
    });
    expect(run.code, run.stderr).toBe(0);
    sameAsNode(smokeReport(run), /^Bun \d/);
  });
});
