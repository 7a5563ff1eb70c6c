// The package's `node` entry (Node; Deno and Bun resolve the `node` condition too): strand's
// builds are read from disk, beside this file in dist/.
import { setWasmPlatform } from '../backend/index.ts';
import { nodePlatform } from '../platform/node.ts';

setWasmPlatform(
  nodePlatform(
    {
      simd: () => new URL('./strand-simd.wasm', import.meta.url),
      relaxed: () => new URL('./strand-relaxed.wasm', import.meta.url),
    },
    "; if you bundled strand, copy its dist/*.wasm files beside the bundle, pass init({ bytes }), or import 'strand/inline'",
    {
      simd: () => new URL('./strand-threads.wasm', import.meta.url),
      relaxed: () => new URL('./strand-threads-relaxed.wasm', import.meta.url),
    },
  ),
);

export * from '../index.ts';
