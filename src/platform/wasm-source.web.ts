// Browsers and bundlers: fetch the .wasm next to this module.

/** The compiled SIMD kernel module. */
export async function loadWasmSource(): Promise<WebAssembly.Module> {
  const url = new URL('../../build/strand-simd.wasm', import.meta.url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`strand: could not fetch ${url} (${response.status})`);
  if (typeof WebAssembly.compileStreaming === 'function' && response.headers.get('content-type') === 'application/wasm') {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}
