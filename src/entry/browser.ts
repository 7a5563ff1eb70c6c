// The package's `browser` / `default` entry (browser pages, web workers, bundlers such as Vite):
// strand's builds are fetched from beside this file. The URLs are literal `new URL('./x.wasm',
// import.meta.url)` so that bundlers see them, copy the files and rewrite the URLs.
import { setWasmPlatform } from '../backend/index.ts';
import { fetchPlatform } from '../platform/fetch.ts';

setWasmPlatform(
  fetchPlatform(
    'browser',
    {
      simd: () => new URL('./strand-simd.wasm', import.meta.url),
      relaxed: () => new URL('./strand-relaxed.wasm', import.meta.url),
    },
    {
      simd: () => new URL('./strand-threads.wasm', import.meta.url),
      relaxed: () => new URL('./strand-threads-relaxed.wasm', import.meta.url),
    },
  ),
);

export * from '../index.ts';
