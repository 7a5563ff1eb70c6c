// Runs the whole vitest suite — both projects, 'node' and 'chromium' (vitest.config.ts) — and prints
// the plain closing line CI reads: "N passed, N failed", counting the tests of both projects.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const results = new URL('./.results.json', import.meta.url);
rmSync(results, { force: true });
const run = spawnSync(
  'npx',
  [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${results.pathname}`,
    ...process.argv.slice(2),
  ],
  {
    stdio: 'inherit',
  },
);
let summary;
try {
  summary = JSON.parse(readFileSync(results, 'utf8'));
} catch {
  console.log('0 passed, 1 failed');
  console.error('strand: vitest wrote no results (did it crash?)');
  process.exit(run.status || 1);
}
// a failed test counts once; a test file that failed without a failed test (it did not load, or a
// hook threw) counts as one more failure. (numFailedTestSuites would count describe blocks too.)
const brokenFiles = (summary.testResults ?? []).filter(
  (file) => file.status === 'failed' && !file.assertionResults.some((t) => t.status === 'failed'),
).length;
// vitest exiting non-zero with every test passed (an unhandled error) is a failure too
const failed = Math.max(summary.numFailedTests + brokenFiles, run.status !== 0 ? 1 : 0);
console.log(`${summary.numPassedTests} passed, ${failed} failed`);
process.exit(failed > 0 || summary.numTotalTests === 0 || run.status !== 0 ? 1 : 0);
