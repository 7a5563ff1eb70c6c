import type { Backend, BackendName } from './backend.ts';
import { createJsBackend } from './js/index.ts';
import { createWasmBackend, wasmSimdSupported } from './wasm.ts';
import { loadWasmSource } from '#wasm-source';

export type { Backend, BackendName } from './backend.ts';

/** Options of {@link init} and {@link createBackend}. */
export interface InitOptions {
  /**
   * `'wasm'` (WebAssembly SIMD), `'js'` (pure TypeScript) or `'auto'` (default): wasm where the
   * engine supports WebAssembly SIMD, else js.
   */
  backend?: BackendName | 'auto';
  /** The kernel module, compiled or as bytes, for runtimes that cannot load it by themselves. */
  wasm?: WebAssembly.Module | BufferSource;
}

let current: Backend | null = null;

/** Creates a new, independent backend (its own memory and heap). */
export async function createBackend(options: InitOptions = {}): Promise<Backend> {
  const choice = options.backend ?? 'auto';
  if (choice !== 'auto' && choice !== 'wasm' && choice !== 'js') {
    throw new TypeError(`init: options.backend must be 'auto', 'wasm' or 'js', received ${JSON.stringify(choice)}`);
  }
  if (choice === 'js') return createJsBackend();
  const simd = wasmSimdSupported();
  if (!simd) {
    if (choice === 'wasm') throw new Error("init: backend 'wasm' needs WebAssembly SIMD, which this engine does not support");
    return createJsBackend();
  }
  return createWasmBackend(options.wasm ?? (await loadWasmSource()));
}

/**
 * Initialises strand: picks and loads the backend that new models use by default.
 * Call once (again to switch backends; existing models keep the backend they were made on).
 * @returns the backend now in use
 */
export async function init(options: InitOptions = {}): Promise<Backend> {
  current = await createBackend(options);
  return current;
}

/** The backend chosen by {@link init}; throws a clear error before `init()` has finished. */
export function getBackend(): Backend {
  if (current === null) throw new Error('strand: call `await init()` before creating models');
  return current;
}
