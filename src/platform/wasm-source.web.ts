// `#wasm-source` in the repository in a browser page (vitest browser mode, the Vite demo): the
// dev server serves build/ at the project root.
import { fetchPlatform } from './fetch.ts';
import type { WasmPlatform } from './platform.ts';

/** Fetches build/strand-*.wasm of this checkout from the dev server. */
export const platform: WasmPlatform = fetchPlatform(
  'browser',
  {
    simd: () => new URL('../../build/strand-simd.wasm', import.meta.url),
    relaxed: () => new URL('../../build/strand-relaxed.wasm', import.meta.url),
  },
  {
    simd: () => new URL('../../build/strand-threads.wasm', import.meta.url),
    relaxed: () => new URL('../../build/strand-threads-relaxed.wasm', import.meta.url),
  },
);
