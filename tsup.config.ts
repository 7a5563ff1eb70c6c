// The dist build (`npm run build:dist`): one ESM bundle per runtime entry (src/entry/) over a
// shared core chunk, all flat in dist/ beside the .wasm builds they load with
// `new URL('./strand-*.wasm', import.meta.url)`, plus one bundled dist/index.d.ts for every entry.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';
import { WASM_BUILDS } from './src/backend/wasm.ts';
import { THREADED_BUILD_FILES } from './src/backend/threads.ts';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

const build = (file: string): URL => new URL(`./build/${file}`, import.meta.url);

/** Every wasm build, checked before bundling: the entries refer to all of them. */
function wasmFiles(): string[] {
  const missing = WASM_BUILDS.filter((b) => !existsSync(build(b.file)));
  if (missing.length > 0)
    throw new Error(`build:dist: build/${missing[0].file} is missing; run \`npm run build:wasm\` first`);
  return WASM_BUILDS.map((b) => b.file);
}

/**
 * `#wasm-source` is the repository's own loader (package.json "imports"); the published entries
 * register theirs, so in dist it becomes the stub that only says none was registered.
 */
const noDevLoader: Plugin = {
  name: 'strand-no-dev-loader',
  setup(b) {
    b.onResolve({ filter: /^#wasm-source$/ }, () => ({
      path: new URL('./src/platform/wasm-source.none.ts', import.meta.url).pathname,
    }));
  },
};

/** `import x from './strand-simd.wasm'` (the workerd entry) stays an import of the file beside dist/workerd.js. */
const wasmImportsStay: Plugin = {
  name: 'strand-wasm-external',
  setup(b) {
    b.onResolve({ filter: /\.wasm$/ }, (args) =>
      args.path.startsWith('strand-wasm-base64:') ? undefined : { path: args.path, external: true },
    );
  },
};

/** `import x from 'strand-wasm-base64:strand-simd.wasm'` (the inline entry) becomes the file as a base64 string. */
const inlineWasm: Plugin = {
  name: 'strand-wasm-base64',
  setup(b) {
    b.onResolve({ filter: /^strand-wasm-base64:/ }, (args) => ({
      path: args.path.slice('strand-wasm-base64:'.length),
      namespace: 'strand-wasm-base64',
    }));
    b.onLoad({ filter: /.*/, namespace: 'strand-wasm-base64' }, (args) => {
      if (!wasmFiles().includes(args.path)) return { errors: [{ text: `unknown wasm build '${args.path}'` }] };
      return {
        contents: `export default ${JSON.stringify(readFileSync(build(args.path)).toString('base64'))};`,
        loader: 'js',
      };
    });
  },
};

export default defineConfig({
  entry: {
    node: 'src/entry/node.ts',
    browser: 'src/entry/browser.ts',
    workerd: 'src/entry/workerd.ts',
    inline: 'src/entry/inline.ts',
    cli: 'src/entry/cli.ts',
    interop: 'src/entry/interop.ts',
    timeseries: 'src/entry/timeseries.ts',
  },
  outDir: 'dist',
  format: ['esm'],
  platform: 'neutral',
  target: 'es2022',
  splitting: true,
  treeshake: false,
  sourcemap: false,
  clean: true,
  external: [/^node:/],
  removeNodeProtocol: false,
  // @internal members (heap-level methods the layers, models and trainer share) stay out of the API
  dts: {
    entry: { index: 'src/index.ts', interop: 'src/interop/index.ts', timeseries: 'src/entry/timeseries.ts' },
    compilerOptions: { stripInternal: true },
  },
  esbuildPlugins: [noDevLoader, wasmImportsStay, inlineWasm],
  esbuildOptions(options) {
    options.chunkNames = 'core-[hash]';
  },
  onSuccess: async () => {
    for (const file of [...wasmFiles(), ...Object.values(THREADED_BUILD_FILES)])
      copyFileSync(build(file), new URL(`./dist/${file}`, import.meta.url));
  },
});
