import type { Backend, BackendName } from './backend.ts';
import { createJsBackend } from './js/index.ts';
import {
  WASM_BUILDS,
  WASM_FLAVORS,
  createWasmBackend,
  supportedWasmBuilds,
  wasmBuild,
  type WasmBuild,
  type WasmFlavor,
} from './wasm.ts';
import type { WasmPlatform, WasmSource } from '../platform/platform.ts';
import { MAX_THREADS, createThreadedBackend, threadsSupported } from './threads.ts';
// The loader used until an entry registers its own: in the repository it reads or fetches
// build/*.wasm (package.json "imports"); in the dist build it is a stub that every entry replaces.
import { platform as defaultPlatform } from '#wasm-source';
import { describe } from '../util/check.ts';
import { checkOptions, custom, int, oneOf, type CustomSpec, type Spec } from '../util/options.ts';

export type { Backend, BackendName } from './backend.ts';
export type { WasmFlavor } from './wasm.ts';

/** Options of {@link init} and {@link createBackend}. */
export interface InitOptions {
  /**
   * `'wasm'` (WebAssembly SIMD), `'js'` (pure TypeScript) or `'auto'` (default): wasm where the
   * engine supports WebAssembly SIMD, else js.
   */
  backend?: BackendName | 'auto';
  /**
   * Which wasm build: `'relaxed'` (relaxed SIMD), `'simd'` (plain SIMD, the portable build whose numbers
   * are the same in every runtime) or `'auto'` (default: the first the engine supports, in that
   * order). With `module`, `bytes` or `url` it says which build that is (default `'simd'`).
   */
  flavor?: WasmFlavor | 'auto';
  /** The kernel module, already compiled (`WebAssembly.compile` or a runtime's .wasm import). */
  module?: WebAssembly.Module;
  /** The kernel module's bytes. */
  bytes?: BufferSource;
  /** Where to fetch (or, in Node, read) the kernel module from; relative URLs resolve against the page. */
  url?: string | URL;
  /** The kernel module, compiled or as bytes: the older name of `module` / `bytes`. */
  wasm?: WebAssembly.Module | BufferSource;
  /**
   * Threads for the threaded kernels, the calling one included: 1 (default) or up to 16. The
   * threaded kernels are the LSTM, GRU and vanilla RNN forward and backward, the dense layer's
   * forward and backward, and the SGD, Adagrad, RMSprop and Adam (AdamW) updates; the embedding
   * and the losses run on the calling thread, and so does any call too small to share (under the
   * threaded backend's `minParallelFlops`, by default 4·10⁶ floating-point operations). Needs
   * shared memory (in a page: cross-origin isolation, COOP + COEP) and workers (Node, Deno, Bun,
   * browsers); elsewhere strand quietly runs on one thread. The results are bit-identical to one
   * thread of the same flavor. See `backend.threads`.
   */
  threads?: number;
}

/** What {@link InitOptions} accepts, option by option (the module options' types are checked below, with their own hints). */
const INIT_OPTIONS = {
  backend: oneOf('auto', 'wasm', 'js'),
  flavor: oneOf('auto', ...WASM_FLAVORS),
  module: custom('a WebAssembly.Module'),
  bytes: custom("an ArrayBuffer or a typed array of the .wasm file's bytes"),
  url: custom('a URL or a non-empty string'),
  wasm: custom("a WebAssembly.Module or the .wasm file's bytes"),
  threads: int({ min: 1, max: MAX_THREADS }),
} satisfies Record<keyof InitOptions, Spec>;

/**
 * The `backend` option of layers and models: a {@link Backend} from {@link init} or
 * {@link createBackend} (anything with a heap and kernels).
 */
export const BACKEND_OPTION: CustomSpec = custom(
  'a Backend from init() or createBackend()',
  (value) =>
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Backend).kernels === 'object' &&
    (value as Backend).kernels !== null &&
    typeof (value as Backend).heap?.alloc === 'function',
);

/** The loader in use (see {@link setWasmPlatform}). */
let platform: WasmPlatform = defaultPlatform;
/** Each build, compiled once per platform (a rejected load is dropped so that a retry can work). */
let compiled = new Map<WasmFlavor, Promise<WasmSource>>();
let current: Backend | null = null;

/**
 * Registers how this runtime loads strand's own wasm builds. Called once by each package entry
 * (src/entry/) when it is imported; not part of the public API.
 */
export function setWasmPlatform(next: WasmPlatform): void {
  platform = next;
  compiled = new Map();
}

/** The loader in use, e.g. `'node'`, `'browser'`, `'workerd'` or `'inline'`. */
export function wasmPlatformName(): string {
  return platform.name;
}

/** Whether `value` is an ArrayBuffer (or SharedArrayBuffer) or a view over one. */
function isBufferSource(value: unknown): value is BufferSource {
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return true;
  return typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer;
}

/** The module the user supplied (by any of the four options), checked; `null` when none. */
interface Supplied {
  /** Which option gave it, for messages. */
  option: 'module' | 'bytes' | 'url' | 'wasm';
  get(): Promise<WasmSource>;
}

/** Checks the options object; returns the supplied module, if any. */
function checkInitOptions(options: InitOptions): Supplied | null {
  checkOptions(options, INIT_OPTIONS, 'init');
  const backend = options.backend ?? 'auto';
  const flavor = options.flavor ?? 'auto';
  const threads = options.threads ?? 1;
  const given = (['module', 'bytes', 'url', 'wasm'] as const).filter((k) => options[k] !== undefined);
  if (threads > 1 && backend === 'js')
    throw new TypeError("init: options.threads needs the wasm backend, but options.backend is 'js'");
  if (threads > 1 && given.length > 0) {
    throw new TypeError(
      `init: options.threads loads strand's own threaded build; it cannot be combined with options.${given[0]}`,
    );
  }
  if (given.length > 1) {
    throw new TypeError(
      `init: give at most one of options.module, options.bytes and options.url, received ${given.map((k) => `options.${k}`).join(' and ')}`,
    );
  }
  if (backend === 'js' && (given.length > 0 || flavor !== 'auto')) {
    const what = given.length > 0 ? `options.${given[0]}` : 'options.flavor';
    throw new TypeError(
      `init: ${what} chooses a wasm build, but options.backend is 'js' (the pure-TypeScript backend has none)`,
    );
  }
  if (given.length === 0) return null;
  const option = given[0];
  const value = options[option];
  switch (option) {
    case 'module':
      if (!(value instanceof WebAssembly.Module))
        throw new TypeError(
          `init: options.module must be a WebAssembly.Module, received ${describe(value)} (bytes go in options.bytes)`,
        );
      return { option, get: async () => value };
    case 'bytes':
      if (!isBufferSource(value))
        throw new TypeError(
          `init: options.bytes must be an ArrayBuffer or a typed array of the .wasm file's bytes, received ${describe(value)}`,
        );
      if (value.byteLength === 0) throw new TypeError('init: options.bytes is empty (0 bytes)');
      return { option, get: async () => value };
    case 'url':
      if (!(value instanceof URL) && (typeof value !== 'string' || value === ''))
        throw new TypeError(`init: options.url must be a URL or a non-empty string, received ${describe(value)}`);
      return { option, get: () => platform.loadUrl(value as string | URL) };
    default:
      if (!(value instanceof WebAssembly.Module) && !isBufferSource(value))
        throw new TypeError(
          `init: options.wasm must be a WebAssembly.Module or the .wasm file's bytes, received ${describe(value)}`,
        );
      return { option, get: async () => value as WasmSource };
  }
}

/** One of strand's own builds through the registered loader, compiled once and then reused. */
function loadBuild(build: WasmBuild): Promise<WasmSource> {
  let entry = compiled.get(build.flavor);
  if (entry === undefined) {
    entry = platform
      .load(build)
      .then((source) => (source instanceof WebAssembly.Module ? source : WebAssembly.compile(source)));
    entry.catch(() => compiled.delete(build.flavor));
    compiled.set(build.flavor, entry);
  }
  return entry;
}

/** The wasm backend from a build the engine supports: the forced one, or the best that loads. */
async function ownBuild(forced: WasmBuild | null, supported: WasmBuild[]): Promise<Backend> {
  const candidates = forced ? [forced] : supported;
  const errors: string[] = [];
  for (const build of candidates) {
    try {
      return await createWasmBackend(await loadBuild(build), build.flavor);
    } catch (error) {
      errors.push(`${build.flavor}: ${(error as Error).message}`);
    }
  }
  throw new Error(`init: could not load strand's wasm (${platform.name} loader) — ${errors.join('; ')}`);
}

/**
 * The threaded build of `build`'s flavor on `threads` threads, or null where this runtime has no
 * workers or no shared memory (strand then runs on one thread).
 */
async function threadedBuild(build: WasmBuild, threads: number): Promise<Backend | null> {
  const tp = platform.threads;
  if (tp === undefined || !threadsSupported()) return null;
  const source = await tp.load(build.flavor);
  const module = source instanceof WebAssembly.Module ? source : await WebAssembly.compile(source);
  return createThreadedBackend(module, { threads, spawn: tp.spawn, flavor: build.flavor });
}

/** Creates a new, independent backend (its own memory and heap). */
export async function createBackend(options: InitOptions = {}): Promise<Backend> {
  const supplied = checkInitOptions(options);
  const choice = options.backend ?? 'auto';
  if (choice === 'js') return createJsBackend();
  const flavor = options.flavor ?? 'auto';
  const forced = flavor === 'auto' ? null : wasmBuild(flavor)!;
  const supported = supportedWasmBuilds();
  if (forced !== null && !forced.supported()) {
    throw new Error(
      `init: options.flavor '${forced.flavor}' needs ${forced.needs}, which this engine does not support (supported: ${supported.map((b) => `'${b.flavor}'`).join(', ') || 'none'})`,
    );
  }
  if (supported.length === 0) {
    if (choice === 'wasm')
      throw new Error("init: backend 'wasm' needs WebAssembly SIMD, which this engine does not support");
    return createJsBackend();
  }
  if (supplied === null) {
    const threads = options.threads ?? 1;
    if (threads > 1) {
      const threaded = await threadedBuild(forced ?? supported[0], threads);
      if (threaded !== null) return threaded;
    }
    return ownBuild(forced, supported);
  }
  const label = forced?.flavor ?? (WASM_BUILDS.find((b) => b.flavor === 'simd') ?? WASM_BUILDS[0]).flavor;
  let source: WasmSource;
  try {
    source = await supplied.get();
  } catch (error) {
    throw new Error(`init: cannot load options.${supplied.option}: ${(error as Error).message}`);
  }
  try {
    return await createWasmBackend(source, label);
  } catch (error) {
    const message = (error as Error).message;
    const hint =
      /disallowed|code generation/i.test(message) && !(source instanceof WebAssembly.Module)
        ? ' (this runtime cannot compile WebAssembly from bytes: pass a compiled module as options.module)'
        : '';
    throw new Error(`init: options.${supplied.option} is not a usable kernel module: ${message}${hint}`);
  }
}

/**
 * Initialises strand: picks and loads the backend that new models use by default.
 * Call once (again to switch backends; existing models keep the backend they were made on).
 * @returns the backend now in use; its `flavor` says which build runs (`'relaxed'`, `'simd'` or `'typescript'`)
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
