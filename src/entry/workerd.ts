// The package's `workerd` entry (Cloudflare Workers, workerd; wrangler picks this condition):
// the runtime compiles each imported .wasm file into a WebAssembly.Module, because it forbids
// compiling wasm from bytes at run time.
import { setWasmPlatform } from '../backend/index.ts';
import { modulePlatform } from '../platform/modules.ts';
import relaxed from './strand-relaxed.wasm';
import simd from './strand-simd.wasm';

setWasmPlatform(modulePlatform('workerd', { simd, relaxed }));

export * from '../index.ts';
