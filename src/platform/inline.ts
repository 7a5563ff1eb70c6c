// Builds embedded in the JavaScript as base64, for environments that cannot serve or read files.
import type { WasmFlavor } from '../backend/wasm.ts';
import { fetchWasm, resolveUrl } from './fetch.ts';
import type { WasmPlatform } from './platform.ts';

/** Decodes base64 (standard alphabet, with padding) with the `atob` every runtime has. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A platform whose builds are base64 strings inside the bundle (decoded only when chosen). */
export function inlinePlatform(base64: Record<WasmFlavor, string>): WasmPlatform {
  return {
    name: 'inline',
    load: async (build) => decodeBase64(base64[build.flavor]),
    loadUrl: (url) => fetchWasm(resolveUrl(url)),
  };
}
