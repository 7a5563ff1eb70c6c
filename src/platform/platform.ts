// The seam between strand's core and the runtime it runs in: how the kernel module's bytes or
// compiled module are obtained. The core knows only this interface; each runtime's entry
// (src/entry/) registers an implementation, and nothing here touches a runtime-specific API.
import type { ThreadSpawner } from '../backend/threads.ts';
import type { WasmBuild, WasmFlavor } from '../backend/wasm.ts';

/** A kernel module, compiled or as bytes. */
export type WasmSource = WebAssembly.Module | BufferSource;

/** Loads strand's wasm in one kind of runtime. */
export interface WasmPlatform {
  /** Which loader this is, e.g. `'node'`, `'browser'`, `'workerd'`, `'inline'` (for messages). */
  readonly name: string;
  /** Loads one of strand's own builds (for `init()` without a module). */
  load(build: WasmBuild): Promise<WasmSource>;
  /** Loads a module from a location the user gave as `init({ url })`. */
  loadUrl(url: string | URL): Promise<WasmSource>;
  /**
   * Kernel threads, where this runtime can start workers (`init({ threads })`): how to load the
   * threaded build of a flavor, and how to start a worker. Absent: strand runs on one thread.
   */
  readonly threads?: ThreadPlatform;
}

/** How a runtime provides kernel threads (see src/backend/threads.ts). */
export interface ThreadPlatform {
  /** Loads the threaded build of `flavor` (`strand-threads.wasm` or `strand-threads-relaxed.wasm`). */
  load(flavor: WasmFlavor): Promise<WasmSource>;
  /** Starts a worker from source text. */
  spawn: ThreadSpawner;
}

/** The location of each threaded build. */
export type ThreadedBuildUrls = Record<WasmFlavor, () => URL>;

/** The location of each build, as a function so that a bad base URL fails at `init()`, not at import. */
export type BuildUrls = Record<WasmBuild['flavor'], () => URL>;
