// init() and createBackend(): feature detection over the one list of wasm builds, the ways to
// hand over a module (module, bytes, url, and the older `wasm`), the loader registry the package
// entries use, and a clear error naming the option for every bad argument.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBackend, init, setWasmPlatform, wasmPlatformName, type InitOptions } from '../../src/backend/index.ts';
import { WASM_BUILDS, WASM_FLAVORS, supportedWasmBuilds, type WasmBuild } from '../../src/backend/wasm.ts';
import { Dense, Embedding, LSTM, SequenceModel } from '../../src/index.ts';
import { decodeBase64 } from '../../src/platform/inline.ts';
import { platform as devPlatform } from '../../src/platform/wasm-source.node.ts';
import { platform as noPlatform } from '../../src/platform/wasm-source.none.ts';
import type { WasmPlatform } from '../../src/platform/platform.ts';

const SIMD_FILE = new URL('../../build/strand-simd.wasm', import.meta.url);
const simdBytes = (): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(SIMD_FILE));
/** A tiny module using relaxed SIMD (the feature probe), checked here independently of src/. */
const RELAXED = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15,
  253, 128, 2, 11,
]);
const relaxedHere = WebAssembly.validate(RELAXED);

afterEach(() => setWasmPlatform(devPlatform));

/** A loader that serves build/ from disk and records which builds it was asked for. */
function recordingPlatform(fail: (build: WasmBuild) => boolean = () => false): WasmPlatform & { asked: string[] } {
  const asked: string[] = [];
  return {
    name: 'recording',
    asked,
    load: async (build) => {
      asked.push(build.flavor);
      if (fail(build)) throw new Error(`no ${build.file} here`);
      return new Uint8Array(readFileSync(new URL(`../../build/${build.file}`, import.meta.url)));
    },
    loadUrl: devPlatform.loadUrl,
  };
}

describe('the wasm builds', () => {
  it('are listed once, most preferred first, each built in build/', () => {
    expect(WASM_FLAVORS).toEqual(['relaxed', 'simd']);
    for (const b of WASM_BUILDS)
      expect(readFileSync(new URL(`../../build/${b.file}`, import.meta.url)).subarray(0, 4)).toEqual(
        Buffer.from([0, 97, 115, 109]),
      );
    expect(supportedWasmBuilds().map((b) => b.flavor)).toEqual(relaxedHere ? ['relaxed', 'simd'] : ['simd']);
  });
});

describe('init() feature detection', () => {
  it('with no arguments runs the best build this engine supports', async () => {
    const backend = await init();
    expect(backend.name).toBe('wasm');
    expect(backend.flavor).toBe(relaxedHere ? 'relaxed' : 'simd');
    expect(wasmPlatformName()).toBe('node');
  });

  it("flavor: 'simd' forces the plain build; backend: 'js' the pure-TypeScript one", async () => {
    expect((await init({ flavor: 'simd' })).flavor).toBe('simd');
    const js = await init({ backend: 'js' });
    expect([js.name, js.flavor]).toEqual(['js', 'typescript']);
  });

  it.runIf(!relaxedHere)(
    "flavor: 'relaxed' where relaxed SIMD is off fails, naming the option and the missing feature",
    async () => {
      await expect(init({ flavor: 'relaxed' })).rejects.toThrow(
        /options\.flavor 'relaxed' needs WebAssembly relaxed SIMD, which this engine does not support \(supported: 'simd'\)/,
      );
    },
  );

  it('asks the registered loader once per build: the module is compiled once, instantiated per backend', async () => {
    const loader = recordingPlatform();
    setWasmPlatform(loader);
    expect(wasmPlatformName()).toBe('recording');
    const a = await createBackend({ flavor: 'simd' });
    const b = await createBackend({ flavor: 'simd' });
    expect([a.flavor, b.flavor]).toEqual(['simd', 'simd']);
    expect(b.heap).not.toBe(a.heap);
    expect(loader.asked).toEqual(['simd']);
  });

  it('falls back to the next build when the preferred one fails to load', async () => {
    const spy = vi.spyOn(WASM_BUILDS[0], 'supported').mockReturnValue(true); // as if relaxed SIMD were on
    try {
      const loader = recordingPlatform((b) => b.flavor === 'relaxed');
      setWasmPlatform(loader);
      expect((await createBackend()).flavor).toBe('simd');
      expect(loader.asked).toEqual(['relaxed', 'simd']);
      // forced, there is no fallback
      await expect(createBackend({ flavor: 'relaxed' })).rejects.toThrow(/relaxed: no strand-relaxed\.wasm here/);
    } finally {
      spy.mockRestore();
    }
  });

  it('names the loader and every build it tried when none loads', async () => {
    setWasmPlatform(recordingPlatform(() => true));
    await expect(init()).rejects.toThrow(
      /init: could not load strand's wasm \(recording loader\) — .*simd: no strand-simd\.wasm here/,
    );
    await expect(init({ flavor: 'simd' })).rejects.toThrow(/simd: no strand-simd\.wasm here/);
  });

  it("the dist build's stand-in loader (no entry registered) says how to load strand", async () => {
    setWasmPlatform(noPlatform);
    await expect(init()).rejects.toThrow(
      /no loader for strand-.*\.wasm in this runtime; import 'strand' .*init\(\{ module \| bytes \| url \}\)/,
    );
    expect((await init({ bytes: simdBytes() })).name).toBe('wasm'); // a module given by hand still works
  });
});

describe('init() with a module given by hand', () => {
  it('module (compiled), bytes, url (file URL, path) and the older wasm option all run the kernels', async () => {
    const compiled = await WebAssembly.compile(simdBytes());
    const given: InitOptions[] = [
      { module: compiled },
      { bytes: simdBytes() },
      { bytes: simdBytes().buffer },
      { url: SIMD_FILE },
      { url: SIMD_FILE.href },
      { url: SIMD_FILE.pathname },
      { wasm: compiled },
      { wasm: simdBytes() },
    ];
    const outputs: number[][] = [];
    for (const options of given) {
      const backend = await init(options);
      expect(backend.name).toBe('wasm');
      expect(backend.flavor).toBe('simd');
      const model = new SequenceModel({
        layers: [new Embedding(5, 3, { seed: 1 }), new LSTM(3, 4, { seed: 2 }), new Dense(4, 5, { seed: 3 })],
      });
      expect(model.backend).toBe(backend);
      outputs.push(Array.from(model.predict([1, 2, 3, 4])));
      model.dispose();
    }
    for (const out of outputs) expect(out).toEqual(outputs[0]);
    expect(outputs[0]).toHaveLength(4 * 5);
  });

  it('flavor labels the given module', async () => {
    const backend = await init({ bytes: simdBytes(), flavor: 'simd' });
    expect(backend.flavor).toBe('simd');
  });

  it("a missing file and a module that is not strand's fail naming the option", async () => {
    await expect(init({ url: pathToFileURL('/nonexistent/strand.wasm') })).rejects.toThrow(
      /init: cannot load options\.url: strand: cannot read \/nonexistent\/strand\.wasm \(ENOENT\)/,
    );
    await expect(init({ bytes: new Uint8Array([1, 2, 3, 4]) })).rejects.toThrow(
      /init: options\.bytes is not a usable kernel module/,
    );
    const empty = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
    await expect(init({ bytes: empty })).rejects.toThrow(
      /options\.bytes is not a usable kernel module: .*not strand's kernel module/,
    );
  });
});

describe("init() rejects bad options with the option's name", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['options not an object', 'wasm', /init: options must be an object, received "wasm"/],
    ['null options', null, /init: options must be an object, received null/],
    [
      'a misspelt option',
      { flavour: 'simd' },
      /init: unknown option options\.flavour \(did you mean 'flavor'\?\); valid options: backend, flavor, module, bytes, url, wasm, threads$/,
    ],
    ['a bad backend', { backend: 'gpu' }, /init: options\.backend must be 'auto', 'wasm' or 'js', received "gpu"/],
    [
      'a bad flavor',
      { flavor: 'threads' },
      /init: options\.flavor must be 'auto', 'relaxed' or 'simd', received "threads"/,
    ],
    ['a flavor that is not a string', { flavor: 3 }, /options\.flavor must be .*received 3/],
    [
      'bytes given as module',
      { module: new Uint8Array(8) },
      /init: options\.module must be a WebAssembly\.Module, received Uint8Array\(\d+\) \(bytes go in options\.bytes\)/,
    ],
    [
      'a module given as bytes',
      { bytes: 'strand.wasm' },
      /init: options\.bytes must be an ArrayBuffer or a typed array .*received "strand\.wasm"/,
    ],
    ['empty bytes', { bytes: new ArrayBuffer(0) }, /init: options\.bytes is empty/],
    ['a url that is not one', { url: 42 }, /init: options\.url must be a URL or a non-empty string, received 42/],
    ['an empty url', { url: '' }, /options\.url must be a URL or a non-empty string/],
    [
      'a bad wasm',
      { wasm: {} },
      /init: options\.wasm must be a WebAssembly\.Module or the \.wasm file's bytes, received an object/,
    ],
    [
      'two modules',
      { bytes: new Uint8Array(8), url: 'x.wasm' },
      /init: give at most one of options\.module, options\.bytes and options\.url, received options\.bytes and options\.url/,
    ],
    [
      'a module for the js backend',
      { backend: 'js', bytes: new Uint8Array(8) },
      /init: options\.bytes chooses a wasm build, but options\.backend is 'js'/,
    ],
    [
      'a flavor for the js backend',
      { backend: 'js', flavor: 'simd' },
      /init: options\.flavor chooses a wasm build, but options\.backend is 'js'/,
    ],
  ];
  it.each(cases)('%s', async (_name, options, message) => {
    await expect(init(options as InitOptions)).rejects.toThrow(message);
  });

  it('a failed init() leaves the previous backend in use', async () => {
    const before = await init({ flavor: 'simd' });
    await expect(init({ backend: 'gpu' } as never)).rejects.toThrow(TypeError);
    const { getBackend } = await import('../../src/backend/index.ts');
    expect(getBackend()).toBe(before);
  });
});

describe("the inline entry's decoder", () => {
  it('decodes base64 to the original bytes', () => {
    const bytes = simdBytes();
    expect(decodeBase64(Buffer.from(bytes).toString('base64'))).toEqual(bytes);
    expect(decodeBase64('')).toEqual(new Uint8Array(0));
  });
});
