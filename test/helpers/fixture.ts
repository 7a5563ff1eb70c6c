// A committed binary fixture's bytes, in Node and in the Chromium page alike: the test imports the
// file with Vite's `?url` suffix and passes the URL here; the page fetches it from the test server,
// Node reads it from the repository (the URL is the file's path from the repository root).

/** The bytes of a fixture imported as `import url from '…/file?url'`. */
export async function fixtureBytes(url: string): Promise<Uint8Array> {
  if (typeof window !== 'undefined') return new Uint8Array(await (await fetch(url)).arrayBuffer());
  const { readFileSync } = await import('node:fs');
  return new Uint8Array(readFileSync(new URL(`../..${url}`, import.meta.url)));
}
