// Browsers and web workers: starts a kernel thread from source text through a Blob URL, so no
// worker file has to be served or found by a bundler. Needs a cross-origin isolated page (COOP
// same-origin + COEP require-corp) for shared memory.
import type { ThreadSpawner, ThreadWorker } from '../backend/threads.ts';

/** Starts a classic Web Worker running `source`. */
export const spawnWebThread: ThreadSpawner = (source: string): ThreadWorker => {
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const worker = new Worker(url);
  URL.revokeObjectURL(url);
  return {
    postMessage: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.addEventListener('message', (event) => listener(event.data)),
    onError: (listener) => worker.addEventListener('error', (event) => listener(event)),
    terminate: () => worker.terminate(),
  };
};
