// Loading wasm over `fetch` (browsers, web workers, bundlers, Deno, Bun): streaming compilation
// when the server says `application/wasm`, else compilation from the downloaded bytes.
import type { BuildUrls, ThreadedBuildUrls, WasmPlatform } from './platform.ts';
import { spawnWebThread } from './threads.web.ts';

/**
 * Resolves a user-given location: absolute URLs as they are, relative ones against the page's
 * base URL (`document.baseURI`, or the worker's `location`).
 */
export function resolveUrl(url: string | URL, what = 'init: options.url'): URL {
  if (url instanceof URL) return url;
  const g = globalThis as { document?: { baseURI?: string }; location?: { href?: string } };
  const base = g.document?.baseURI ?? g.location?.href;
  try {
    return new URL(url, base);
  } catch {
    throw new TypeError(
      `${what} must be an absolute URL here (no page to resolve it against), received ${JSON.stringify(url)}`,
    );
  }
}

/** Fetches and compiles a wasm module; a failed request names the URL and the HTTP status. */
export async function fetchWasm(url: URL): Promise<WebAssembly.Module> {
  if (typeof fetch !== 'function') throw new Error(`strand: cannot load ${url}: this runtime has no fetch()`);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`strand: could not fetch ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) {
    throw new Error(
      `strand: could not fetch ${url} (HTTP ${response.status}); serve strand's .wasm files beside its JavaScript, pass init({ url }), or import 'strand/inline'`,
    );
  }
  const type = response.headers.get('content-type') ?? '';
  if (typeof WebAssembly.compileStreaming === 'function' && type.split(';')[0].trim() === 'application/wasm') {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/**
 * A platform that fetches each build from its URL (browsers, web workers, bundlers).
 * @param threaded the URL of each threaded build (Web Workers, started from a Blob URL)
 */
export function fetchPlatform(name: string, urls: BuildUrls, threaded?: ThreadedBuildUrls): WasmPlatform {
  return {
    name,
    threads:
      threaded && typeof Worker === 'function'
        ? { load: (flavor) => fetchWasm(threaded[flavor]()), spawn: spawnWebThread }
        : undefined,
    load: (build) => fetchWasm(urls[build.flavor]()),
    loadUrl: (url) => fetchWasm(resolveUrl(url)),
  };
}
