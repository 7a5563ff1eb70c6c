// Training in a Web Worker, off the page's main thread: the loss falls, the main thread keeps
// running its own tasks meanwhile (a counter it increments, which the worker reads through shared
// memory while it trains), and the worker's weights after the twenty-step fixture are
// bit-identical to Node's.
import { afterAll, expect, inject, it } from 'vitest';

interface Done {
  type: 'done';
  steps: number;
  ticksDuringTraining: number;
  backend: string;
  isolated: boolean;
  inWorker: boolean;
  digest: string;
}

const workers: Worker[] = [];
afterAll(() => {
  for (const w of workers) w.terminate();
});

it('the page is cross-origin isolated (COOP + COEP), so shared memory is available', () => {
  expect(crossOriginIsolated).toBe(true);
  expect(typeof SharedArrayBuffer).toBe('function');
});

it('trains in a Web Worker while the main thread stays responsive', async () => {
  const ticks = new SharedArrayBuffer(4);
  const counter = new Int32Array(ticks);
  let running = true;
  const tick = (): void => {
    if (!running) return;
    Atomics.add(counter, 0, 1);
    setTimeout(tick, 0);
  };
  tick();

  const worker = new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module' });
  workers.push(worker);
  const losses: number[] = [];
  const done = await new Promise<Done>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent) => {
      const m = event.data;
      if (m.type === 'loss') losses.push(m.loss);
      else if (m.type === 'done') resolve(m as Done);
      else reject(new Error(`worker: ${m.message}`));
    };
    worker.onerror = (event) => reject(new Error(`worker failed to load or threw: ${event.message}`));
    worker.postMessage({ ticks });
  });
  running = false;

  expect(done.inWorker).toBe(true);
  expect(done.isolated).toBe(true);
  expect(done.backend).toMatch(/^wasm\//);
  expect(losses).toHaveLength(done.steps);
  expect(done.steps).toBeGreaterThanOrEqual(20);
  for (const l of losses) expect(Number.isFinite(l)).toBe(true);
  const mean = (a: number[]): number => a.reduce((s, x) => s + x, 0) / a.length;
  expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)));
  // the page's main thread ran while the worker was between its first and last update
  expect(done.ticksDuringTraining).toBeGreaterThan(0);
  // and the worker's twenty-step weights match Node's bit for bit
  expect(done.digest).toBe(inject('nodeTwentySteps').digest);
});
