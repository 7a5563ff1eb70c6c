// What `#wasm-source` means inside the dist build: no built-in loader. Each published entry
// (src/entry/) registers its runtime's loader before anything can call init(), so this is reached
// only if the core is imported some other way.
import { fetchWasm, resolveUrl } from './fetch.ts';
import type { WasmPlatform } from './platform.ts';

/** A platform that cannot find strand's own builds but can still load `init({ url })`. */
export const platform: WasmPlatform = {
  name: 'none',
  load: async (build) => {
    throw new Error(
      `strand: no loader for ${build.file} in this runtime; import 'strand' (or 'strand/inline') through the package entry, or pass init({ module | bytes | url })`,
    );
  },
  loadUrl: (url) => fetchWasm(resolveUrl(url)),
};
