// The demo page (`npm run demo:web`) in headless Chromium: start its Vite dev server on a free
// port, open the page, press Train, wait until the displayed loss is below its first value and a
// sample has appeared, check the gradient-flow chart was drawn, and save a screenshot to
// test/.artifacts/demo.png. Runs in the 'node' project: Node drives the browser with Playwright
// (Debian's chromium; nothing is downloaded).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM_ARGS, findChromium, missingChromium } from './chromium.ts';

const artifacts = fileURLToPath(new URL('../.artifacts/', import.meta.url));
const config = fileURLToPath(new URL('../../examples/web/vite.config.ts', import.meta.url));

/** A TCP port nobody listens on right now (127.0.0.1). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

let server: ViteDevServer | undefined;
let browser: Browser | undefined;
let url = '';

beforeAll(async () => {
  const executablePath = findChromium();
  if (executablePath === null) throw missingChromium();
  const port = await freePort();
  server = await createServer({ configFile: config, logLevel: 'warn', server: { port, strictPort: true } });
  await server.listen();
  url = `http://127.0.0.1:${port}/`;
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it('trains from the page: the loss falls, a sample appears, the gradient flow is drawn', async () => {
  const page = await browser!.newPage({ viewport: { width: 1200, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const response = await page.goto(url);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['cross-origin-embedder-policy']).toBe('require-corp');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  // a small model keeps the test quick; everything else is the page's default
  await page.selectOption('#hidden', '64');
  await page.click('#train');
  const numberIn = (selector: string): Promise<number> =>
    page
      .locator(selector)
      .textContent()
      .then((t) => Number((t ?? '').replace(/,/g, '')));
  await page.waitForFunction(() => Number.isFinite(Number(document.querySelector('#loss')?.textContent)), null, {
    timeout: 30_000,
  });
  const first = await numberIn('#loss');
  expect(first).toBeGreaterThan(0);
  await page.waitForFunction((f) => Number(document.querySelector('#loss')?.textContent) < f, first, {
    timeout: 40_000,
  });
  expect(await numberIn('#loss')).toBeLessThan(first);

  await page.waitForFunction(() => (document.querySelector('#sample')?.textContent ?? '').length > 20, null, {
    timeout: 20_000,
  });
  const sample = (await page.locator('#sample').textContent()) ?? '';
  expect(sample.startsWith('MARLOW:\n')).toBe(true);
  expect(await numberIn('#speed')).toBeGreaterThan(0);
  // the page is cross-origin isolated, so the worker trains with two kernel threads
  expect(await page.locator('#status').textContent()).toMatch(/wasm\/\w+, 2 threads/);
  await page.waitForFunction(
    () => Number((document.querySelector('#flow-chart') as HTMLElement | null)?.dataset.profiles) >= 1,
    null,
    { timeout: 20_000 },
  );
  expect(Number(await page.locator('#loss-chart').getAttribute('data-points'))).toBeGreaterThan(1);

  // the temperature slider reaches the worker: the next sample says so
  await page.locator('#temperature').fill('0.3');
  await page.waitForFunction(
    () => (document.querySelector('#sample-info')?.textContent ?? '').includes('temperature 0.30'),
    null,
    { timeout: 20_000 },
  );

  await page.click('#stop');
  await page.waitForFunction(() => !(document.querySelector('#train') as HTMLButtonElement).disabled, null, {
    timeout: 20_000,
  });
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(`${artifacts}.gitignore`, '*\n');
  await page.screenshot({ path: `${artifacts}demo.png`, fullPage: true });
  expect(errors).toEqual([]);
  await page.close();
});
