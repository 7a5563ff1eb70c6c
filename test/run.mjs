// Runs the whole vitest suite and prints the plain closing line CI reads: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const results = new URL('./.results.json', import.meta.url);
rmSync(results, { force: true });
const run = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results.pathname}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
let summary;
try {
  summary = JSON.parse(readFileSync(results, 'utf8'));
} catch {
  console.log('0 passed, 1 failed');
  console.error('strand: vitest wrote no results (did it crash?)');
  process.exit(run.status || 1);
}
const failed = summary.numFailedTests + (summary.numFailedTestSuites ?? 0);
console.log(`${summary.numPassedTests} passed, ${failed} failed`);
process.exit(failed > 0 || summary.numTotalTests === 0 || run.status !== 0 ? 1 : 0);
