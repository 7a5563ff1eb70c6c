// Test helper: the wasm files in build/ (made by `npm run build:wasm`), compiled once per test file.
// Page-safe: read from disk under Node, fetched from the dev server in a headless Chromium page.

/**
 * The plain-SIMD reference build: the kernels of build/strand-simd.wasm, compiled the same way from
 * the same sources (the same function bodies), plus the scalar `_ref` twins, `exp_lanes` and the
 * bench-only `ceiling_4x8` / `peak_12` (assembly/reference.ts). Tests and benchmarks only: the
 * package never ships it.
 */
export const REFERENCE_BUILD = 'strand-reference.wasm';

/** {@link REFERENCE_BUILD} compiled with relaxed SIMD: the kernels of build/strand-relaxed.wasm plus the same extras. */
export const REFERENCE_RELAXED_BUILD = 'strand-reference-relaxed.wasm';

/** The exports only the reference builds have: which names, by pattern. */
export const REFERENCE_ONLY_EXPORT = /_ref$|^exp_lanes$|^ceiling_4x8$|^peak_12$/;

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/**
 * The wasm file `file` of build/, compiled (once per test file). A relaxed-SIMD file compiles
 * only where relaxed SIMD is on (see enableRelaxedSimd in relaxed.ts).
 */
export function builtModule(file: string): Promise<WebAssembly.Module> {
  let module = compiled.get(file);
  if (!module) {
    module = (async () => {
      const url = new URL(`../../build/${file}`, import.meta.url);
      if (url.protocol === 'file:') {
        const fs = 'node:fs/promises'; // a variable, so that bundlers leave it out of the page
        const { readFile } = (await import(/* @vite-ignore */ fs)) as typeof import('node:fs/promises');
        return WebAssembly.compile(await readFile(url));
      }
      const response = await fetch(url);
      if (!response.ok)
        throw new Error(`test helpers: could not fetch ${url} (${response.status}); run \`npm run build:wasm\``);
      return WebAssembly.compile(await response.arrayBuffer());
    })();
    compiled.set(file, module);
  }
  return module;
}
