// Precompiled modules (workerd / Cloudflare Workers): the runtime hands strand each build as a
// `WebAssembly.Module` through an import, because it forbids compiling wasm from bytes.
import type { WasmFlavor } from '../backend/wasm.ts';
import type { WasmPlatform } from './platform.ts';

/** A platform whose builds arrive already compiled. */
export function modulePlatform(name: string, modules: Record<WasmFlavor, WebAssembly.Module>): WasmPlatform {
  return {
    name,
    load: async (build) => modules[build.flavor],
    loadUrl: async () => {
      throw new TypeError(
        `init: options.url cannot be used on ${name}: it forbids compiling WebAssembly from bytes; import the .wasm file as a module and pass init({ module })`,
      );
    },
  };
}
