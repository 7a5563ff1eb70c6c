// Node (and Deno / Bun through their node:worker_threads): starts a kernel thread from source
// text. Once the pool is ready its workers are released (unref'd), so an idle pool never keeps
// the process alive.
import { Worker } from 'node:worker_threads';
import type { ThreadSpawner, ThreadWorker } from '../backend/threads.ts';

/** Starts a worker_threads Worker evaluating `source` (CommonJS, so `require` is available). */
export const spawnNodeThread: ThreadSpawner = (source: string): ThreadWorker => {
  const worker = new Worker(source, { eval: true });
  return {
    postMessage: (message) => worker.postMessage(message),
    onMessage: (listener) => void worker.on('message', listener),
    onError: (listener) => void worker.on('error', listener),
    release: () => void worker.unref(),
    terminate: () => void worker.terminate(),
  };
};
