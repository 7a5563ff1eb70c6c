// Module kinds that exist only in the dist build (see tsup.config.ts).

/** A .wasm file imported on workerd: the runtime hands it over compiled. */
declare module '*.wasm' {
  /** The compiled module. */
  const module: WebAssembly.Module;
  export default module;
}

/** A build's bytes as base64, inlined into the `strand/inline` entry by the dist build. */
declare module 'strand-wasm-base64:*' {
  /** The file's contents, base64-encoded. */
  const base64: string;
  export default base64;
}
