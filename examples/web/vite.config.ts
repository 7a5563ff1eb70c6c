// The demo page's dev server (`npm run demo:web`): this folder is the root, strand's sources and
// the built .wasm are served from the repository, and the page is cross-origin isolated (COOP +
// COEP) so that the worker may use shared memory.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const repository = fileURLToPath(new URL('../..', import.meta.url));
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: here,
  clearScreen: false,
  server: {
    host: '127.0.0.1',
    port: 5173,
    headers: isolation,
    fs: { allow: [repository] },
  },
  preview: { host: '127.0.0.1', headers: isolation },
  worker: { format: 'es' },
});
