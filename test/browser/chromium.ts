// Where Debian's headless Chromium is and how to start it, shared by vitest.config.ts (the
// 'chromium' project) and the demo-page test (playwright driving the same browser). No browser is
// ever downloaded: it comes from `apt-get install -y chromium`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Flags for headless Chromium in a container (no sandbox as root, no GPU, no background networking: this machine has no network). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's chromium: $CHROMIUM when set (only it), else `which chromium`, else /usr/bin/chromium; null when absent. */
export function findChromium(): string | null {
  if (process.env.CHROMIUM) return existsSync(process.env.CHROMIUM) ? process.env.CHROMIUM : null;
  const candidates: string[] = [];
  try {
    candidates.push(
      execFileSync('which', ['chromium'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
    );
  } catch {
    // not on PATH
  }
  candidates.push('/usr/bin/chromium');
  return candidates.find((p) => p !== '' && existsSync(p)) ?? null;
}

/** The error to throw when Chromium is missing: loud, with the command that installs it. */
export function missingChromium(): Error {
  return new Error(
    (process.env.CHROMIUM
      ? `strand tests: headless Chromium was not found at CHROMIUM=${process.env.CHROMIUM}.\n`
      : 'strand tests: headless Chromium was not found (looked at `which chromium` and /usr/bin/chromium).\n') +
      "The browser tests are part of `npm test` and are never skipped. Install Debian's browser with:\n\n" +
      '    apt-get install -y chromium\n\n' +
      '(or run only the Node tests: npx vitest run --project node)',
  );
}

/** Cross-origin isolation (COOP + COEP), so that SharedArrayBuffer (threaded wasm) exists in the page. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};
