// Test helper: the threaded backend, in Node (worker_threads) and in a cross-origin isolated
// Chromium page (Web Workers). Page-safe: Node-only modules are imported through variables.
import { createThreadedBackend, type ThreadedBackend, type ThreadSpawner } from '../../src/backend/threads.ts';
import { spawnWebThread } from '../../src/platform/threads.web.ts';

/** The compiled threaded build (`plain` SIMD or `relaxed`), read from disk or fetched. */
async function threadedModule(flavor: 'simd' | 'relaxed'): Promise<WebAssembly.Module> {
  const url = new URL(`../../build/${flavor === 'relaxed' ? 'strand-threads-relaxed' : 'strand-threads'}.wasm`, import.meta.url);
  if (url.protocol === 'file:') {
    const fs = 'node:fs/promises';
    const { readFile } = (await import(/* @vite-ignore */ fs)) as typeof import('node:fs/promises');
    return WebAssembly.compile(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`test helpers: could not fetch ${url} (${response.status}); run \`npm run build:wasm\``);
  return WebAssembly.compile(await response.arrayBuffer());
}

/** The worker starter of this runtime. */
async function spawner(): Promise<ThreadSpawner> {
  if (typeof process !== 'undefined' && process.versions?.node) {
    const adapter = '../../src/platform/threads.node.ts';
    return ((await import(/* @vite-ignore */ adapter)) as typeof import('../../src/platform/threads.node.ts')).spawnNodeThread;
  }
  return spawnWebThread;
}

/** A fresh threaded backend with `threads` threads on the plain-SIMD threaded build. */
export async function threadedBackend(threads: number, flavor: 'simd' | 'relaxed' = 'simd'): Promise<ThreadedBackend> {
  return createThreadedBackend(await threadedModule(flavor), { threads, spawn: await spawner(), flavor: `threads-${flavor}` });
}
