// The package's `strand/inline` entry: the builds travel inside the JavaScript as base64, for
// environments that can neither serve nor read files (not workerd: it cannot compile bytes).
// The dist build replaces the `strand-wasm-base64:` imports with the files' contents.
import { setWasmPlatform } from '../backend/index.ts';
import { inlinePlatform } from '../platform/inline.ts';
import relaxed from 'strand-wasm-base64:strand-relaxed.wasm';
import simd from 'strand-wasm-base64:strand-simd.wasm';

setWasmPlatform(inlinePlatform({ simd, relaxed }));

export * from '../index.ts';
