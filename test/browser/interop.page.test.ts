/// <reference types="vite/client" />
// strand/interop in a real browser page: the pytorch-to-edge example's files (a character LSTM
// trained in PyTorch, saved with torch.save, safetensors and torch.onnx.export) fetched over HTTP,
// imported, and decoded greedily exactly as PyTorch decoded them.
import { expect, it } from 'vitest';
import { generate, init, Vocab, type VocabJSON } from '../../src/index.ts';
import { importOnnx, modelFromStateDict, readPyTorch, readSafetensors } from '../../src/interop/index.ts';
import onnxUrl from '../../examples/pytorch-to-edge/model/model.onnx?url';
import ptUrl from '../../examples/pytorch-to-edge/model/model.pt?url';
import safetensorsUrl from '../../examples/pytorch-to-edge/model/model.safetensors?url';
import reference from '../../examples/pytorch-to-edge/model/reference.json';
import vocabJSON from '../../examples/pytorch-to-edge/model/vocab.json';

const bytes = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());

it('imports a PyTorch model from each of its three files and decodes as PyTorch does', async () => {
  expect(navigator.userAgent).toMatch(/Chrome\//);
  await init();
  const vocab = Vocab.fromJSON(vocabJSON as VocabJSON);
  const prime = vocab.encode(reference.prompt);
  const models = [
    modelFromStateDict(readPyTorch(await bytes(ptUrl))),
    modelFromStateDict(readSafetensors(await bytes(safetensorsUrl)).tensors),
    importOnnx(await bytes(onnxUrl)),
  ];
  for (const model of models) {
    expect(vocab.decode(generate(model, { prime, length: 60, temperature: 0 }))).toBe(reference.greedy);
    model.dispose();
  }
});
