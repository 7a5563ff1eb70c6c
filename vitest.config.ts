// Two projects, one run: 'node' (every test file under Node) and 'chromium' (the kernel, layer,
// model, training, language-model and checkpoint tests, the Web Worker test and the
// Node-vs-Chromium bit-identity test, in a headless Chromium page). Chromium is Debian's
// (`apt-get install -y chromium`); no browser is downloaded, and a missing one fails the run.
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_ARGS, ISOLATION_HEADERS, findChromium, missingChromium } from './test/browser/chromium.ts';

/** Test files that run only in the page (Worker, SharedArrayBuffer, the browser globalSetup's values). */
const PAGE_ONLY = 'test/browser/**/*.page.test.ts';

/**
 * Test files the page runs too: every folder whose files need nothing of Node. Not in the page:
 * test/examples (examples/util.ts imports node:url), test/cli (child processes and files),
 * test/reference and test/parity-tfjs (TF.js in Node), test/bench (peers in Node), test/browser's
 * demo test (it drives its own Chromium from Node).
 */
const IN_THE_PAGE = [
  'test/kernels/*.test.ts',
  'test/layers/*.test.ts',
  'test/models/*.test.ts',
  'test/train/*.test.ts',
  'test/lm/*.test.ts',
  'test/diagnostics/*.test.ts',
  'test/util/*.test.ts',
  'test/safety/*.test.ts',
  'test/io/*.test.ts',
  // the interop tests that read no fixture file (the page test reads them over HTTP)
  'test/interop/gates.test.ts',
  'test/interop/onnx-roundtrip.test.ts',
  PAGE_ONLY,
];

/** Whether this run selects only the node project (`--project node`), which needs no browser. */
function nodeOnly(argv: string[]): boolean {
  const projects: string[] = [];
  argv.forEach((a, i) => {
    if (a === '--project') projects.push(argv[i + 1] ?? '');
    else if (a.startsWith('--project=')) projects.push(a.slice('--project='.length));
  });
  return projects.length > 0 && projects.every((p) => p === 'node');
}

const chromium = findChromium();
if (chromium === null && !nodeOnly(process.argv)) throw missingChromium();

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: [PAGE_ONLY],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        extends: true,
        server: { headers: ISOLATION_HEADERS },
        test: {
          name: 'chromium',
          include: IN_THE_PAGE,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // trains the twenty-step fixture in Node and provides its digest to the page
          globalSetup: ['test/browser/node-digest.global.ts'],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            instances: [{ browser: 'chromium' }],
            provider: playwright({
              launchOptions: { executablePath: chromium ?? undefined, args: CHROMIUM_ARGS },
            }),
          },
        },
      },
    ],
  },
});
