// Test helper: the threaded backend, loaded as `init({ threads })` loads it — worker_threads in
// Node, Web Workers in the cross-origin isolated Chromium page. It refuses to fall back to one
// thread, so that a threads test can never pass by comparing one thread with itself.
import { createBackend } from '../../src/backend/index.ts';
import type { ThreadedBackend } from '../../src/backend/threads.ts';

/** A fresh backend with `threads` threads on the threaded build of `flavor`, splitting every threaded call. */
export async function threadedBackend(threads: number, flavor: 'simd' | 'relaxed' = 'simd'): Promise<ThreadedBackend> {
  const backend = await createBackend({ backend: 'wasm', flavor, threads });
  if (backend.threads !== threads)
    throw new Error(
      `test helpers: asked for ${threads} threads, got ${backend.threads ?? 1} (no workers or no shared memory here?)`,
    );
  // every call split over the threads, however small the test's shapes
  (backend as ThreadedBackend).minParallelFlops = 0;
  return backend as ThreadedBackend;
}
