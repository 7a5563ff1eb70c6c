// A model's vocabulary travels with it through strand's own exports: safetensors (the
// `strand.vocab` metadata entry) and ONNX (metadata_props), and a damaged one is refused.
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, Embedding, init, LSTM, SequenceModel, Vocab } from '../../src/index.ts';
import { exportOnnx, importOnnx, InteropError, loadSafetensors, saveSafetensors } from '../../src/interop/index.ts';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

/** A token model with a vocabulary of its embedding's size (11 tokens). */
function withVocab(): SequenceModel {
  const model = new SequenceModel({
    layers: [new Embedding(11, 4, { seed: 1 }), new LSTM(4, 5, { seed: 2 }), new Dense(5, 11, { seed: 3 })],
  });
  model.vocab = Vocab.fromText('the lamp', { level: 'char' }); // 3 specials and 8 characters
  return model;
}

describe('the vocabulary through strand/interop', () => {
  it('survives saveSafetensors → loadSafetensors and exportOnnx → importOnnx', () => {
    const model = withVocab();
    expect(model.vocab?.size).toBe(11);
    for (const back of [loadSafetensors(saveSafetensors(model)), importOnnx(exportOnnx(model))]) {
      expect(back.vocab?.toJSON()).toEqual(model.vocab?.toJSON());
      back.dispose();
    }
    model.dispose();
  });

  it('is absent when the model has none', () => {
    const model = withVocab();
    model.vocab = null;
    const back = importOnnx(exportOnnx(model));
    expect(back.vocab).toBeNull();
    back.dispose();
    model.dispose();
  });

  it('is refused, naming the entry, when damaged', () => {
    const model = withVocab();
    const bytes = exportOnnx(model);
    model.dispose();
    // the same length, so the protobuf stays valid: '"level":"char"' → '"level":"chaX"'
    const text = new TextDecoder('latin1').decode(bytes);
    const at = text.indexOf('"level":"char"');
    expect(at).toBeGreaterThan(0);
    const damaged = bytes.slice();
    damaged[at + '"level":"cha'.length] = 'X'.charCodeAt(0);
    expect(() => importOnnx(damaged)).toThrow(InteropError);
    expect(() => importOnnx(damaged)).toThrow(/vocab/);
  });
});
