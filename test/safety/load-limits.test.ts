// Every loader takes the same options — backend, maxBytes, maxParameters — and refuses a file
// over either ceiling before it builds anything: SequenceModel.load (checkpoint-hostile tests it),
// EncoderDecoder.load and Trainer.load.
import { describe, expect, it } from 'vitest';
import { EncoderDecoder, Trainer } from '../../src/index.ts';
import { jsBackend, wasmBackend } from '../helpers/backends.ts';
import { seq2seqModel, tokenModel } from './training-fixtures.ts';

describe.each([
  ['wasm', wasmBackend],
  ['js', jsBackend],
])('load limits (%s)', (_, make) => {
  it('EncoderDecoder.load refuses a model above maxParameters or a file above maxBytes', async () => {
    const backend = await make();
    const model = seq2seqModel(backend);
    const bytes = model.save();
    const n = model.parameterCount();
    const before = backend.heap.stats();
    expect(() => EncoderDecoder.load(bytes, { backend, maxParameters: n - 1 })).toThrow(
      new RangeError(
        `EncoderDecoder.load: the checkpoint's model has ${n} parameter values, above maxParameters = ${n - 1} (pass a larger options.maxParameters to load it)`,
      ),
    );
    expect(() => EncoderDecoder.load(bytes, { backend, maxBytes: bytes.length - 1 })).toThrow(/above maxBytes/);
    expect(() => EncoderDecoder.load(bytes, { backend, maxParamters: n } as never)).toThrow(
      /unknown option options\.maxParamters \(did you mean 'maxParameters'\?\)/,
    );
    expect(backend.heap.stats()).toEqual(before);
    const loaded = EncoderDecoder.load(bytes, { backend, maxParameters: n, maxBytes: bytes.length });
    expect(loaded.parameterCount()).toBe(n);
    loaded.dispose();
    model.dispose();
  });

  it('Trainer.load refuses a model above maxParameters or a file above maxBytes', async () => {
    const backend = await make();
    const model = tokenModel(backend);
    const trainer = new Trainer(model, { optimizer: { type: 'adam', lr: 1e-3 } });
    const bytes = trainer.save();
    const n = model.parameterCount();
    const before = backend.heap.stats();
    expect(() => Trainer.load(bytes, { backend, maxParameters: n - 1 })).toThrow(
      new RangeError(
        `Trainer.load: the checkpoint's model has ${n} parameter values, above maxParameters = ${n - 1} (pass a larger options.maxParameters to load it)`,
      ),
    );
    expect(() => Trainer.load(bytes, { backend, maxBytes: bytes.length - 1 })).toThrow(/above maxBytes/);
    expect(backend.heap.stats()).toEqual(before);
    const loaded = Trainer.load(bytes, { backend, maxParameters: n, maxBytes: bytes.length });
    expect(loaded.model.parameterCount()).toBe(n);
    loaded.dispose();
    loaded.model.dispose();
    trainer.dispose();
    model.dispose();
  });
});
