// Node (and Deno / Bun through their node:worker_threads): starts a kernel thread from source
// text. The worker is unref'd, so an idle pool never keeps the process alive.
import { Worker } from 'node:worker_threads';
import type { ThreadSpawner, ThreadWorker } from '../backend/threads.ts';

/** Starts a worker_threads Worker evaluating `source` (CommonJS, so `require` is available). */
export const spawnNodeThread: ThreadSpawner = (source: string): ThreadWorker => {
  const worker = new Worker(source, { eval: true });
  worker.unref();
  return {
    postMessage: (message) => worker.postMessage(message),
    onMessage: (listener) => void worker.on('message', listener),
    onError: (listener) => void worker.on('error', listener),
    terminate: () => void worker.terminate(),
  };
};
