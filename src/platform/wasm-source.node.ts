// `#wasm-source` in the repository under Node (vitest, tsx, the dev CLI): the builds in build/.
import { nodePlatform } from './node.ts';
import type { WasmPlatform } from './platform.ts';

/** Reads build/strand-*.wasm of this checkout. */
export const platform: WasmPlatform = nodePlatform(
  {
    simd: () => new URL('../../build/strand-simd.wasm', import.meta.url),
    relaxed: () => new URL('../../build/strand-relaxed.wasm', import.meta.url),
  },
  '; run `npm run build:wasm` first',
  {
    simd: () => new URL('../../build/strand-threads.wasm', import.meta.url),
    relaxed: () => new URL('../../build/strand-threads-relaxed.wasm', import.meta.url),
  },
);
