// Loading wasm from disk in Node (and Deno and Bun, which resolve the `node` export condition):
// Node's fetch cannot read `file:` URLs, so files are read with node:fs.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fetchWasm } from './fetch.ts';
import type { BuildUrls, ThreadedBuildUrls, WasmPlatform } from './platform.ts';
import { spawnNodeThread } from './threads.node.ts';

/**
 * Whether `error` is Deno refusing a file read for want of a permission: `Deno.errors.NotCapable`
 * (Deno 2) or `Deno.errors.PermissionDenied` (Deno 1). Told apart by name, as Node has no `Deno`
 * global and its own errors never carry these names.
 */
export function isDenoPermissionError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'NotCapable' || name === 'PermissionDenied';
}

/**
 * The message of a failed read of a wasm file: it names the file and how to get past the failure
 * (Deno's missing read permission, or `hint`, e.g. how to build or where to put the file).
 */
export function readFailureMessage(file: string, error: unknown, hint: string): string {
  if (isDenoPermissionError(error)) {
    return `strand: cannot read ${file}: Deno was not given read access; run deno with --allow-read (or use strand/inline)`;
  }
  const code = (error as { code?: string } | null)?.code;
  return `strand: cannot read ${file}${code ? ` (${code})` : ''}${hint}`;
}

/** Reads a wasm file; a failure names the file and how to get past it. */
async function readWasm(url: URL, hint: string): Promise<Uint8Array<ArrayBuffer>> {
  try {
    const bytes = await readFile(url);
    return new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
  } catch (error) {
    throw new Error(readFailureMessage(fileURLToPath(url), error, hint));
  }
}

/** `init({ url })` in Node: a path or `file:` URL is read from disk, anything else fetched. */
function toUrl(url: string | URL): URL {
  if (url instanceof URL) return url;
  if (isAbsolute(url) || !/^[a-z][a-z0-9+.-]+:/i.test(url)) return pathToFileURL(resolve(url));
  return new URL(url);
}

/**
 * A platform that reads each build from disk.
 * @param urls the `file:` URL of each build
 * @param hint appended to a failed read, e.g. how to build the file
 * @param threaded the `file:` URL of each threaded build (worker_threads start the workers)
 */
export function nodePlatform(urls: BuildUrls, hint: string, threaded?: ThreadedBuildUrls): WasmPlatform {
  return {
    name: 'node',
    threads: threaded && { load: (flavor) => readWasm(threaded[flavor](), hint), spawn: spawnNodeThread },
    load: (build) => readWasm(urls[build.flavor](), hint),
    loadUrl: (given) => {
      const url = toUrl(given);
      return url.protocol === 'file:' ? readWasm(url, '') : fetchWasm(url);
    },
  };
}
