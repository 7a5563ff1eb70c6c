// Node (and Deno / Bun, which resolve the `node` condition): read the .wasm beside the package.
import { readFile } from 'node:fs/promises';

/** The bytes of strand's SIMD kernel module. */
export async function loadWasmSource(): Promise<BufferSource> {
  return readFile(new URL('../../build/strand-simd.wasm', import.meta.url));
}
