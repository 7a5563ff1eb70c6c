// A character language model trained in PyTorch (train_char_lm.py, run by hand), brought into
// strand three ways — its safetensors file, its torch.save file and its torch.onnx.export file —
// checked against the log-probabilities PyTorch computed, then sampled and served as a stream.
// `npx tsx examples/pytorch-to-edge/import.ts` (it reads the files committed in ./model).
import { readFileSync } from 'node:fs';
import { init, type SequenceModel, Vocab, generate, type Backend, type VocabJSON } from '../../src/index.ts';
import { importOnnx, modelFromStateDict, readPyTorch, readSafetensors } from '../../src/interop/index.ts';
import { createHandler } from './serve.ts';

/** What {@link run} measured. */
export interface ImportResult {
  /** Largest |strand − PyTorch| over the prompt's next-character log-probabilities, per file. */
  maxError: { safetensors: number; pytorch: number; onnx: number };
  /** The prompt and what the safetensors import wrote after it (greedy decoding). */
  prompt: string;
  greedy: string;
  /** What PyTorch's greedy decoding wrote after the prompt (saved by the training script). */
  pytorchGreedy: string;
  /** A sampled continuation, read back from the server's Server-Sent Events. */
  streamed: string;
}

const file = (name: string) => new Uint8Array(readFileSync(new URL(`./model/${name}`, import.meta.url)));

/** The model's next-token log-probabilities at every step of `ids` (T, V), from its logits. */
function logProbs(model: SequenceModel, ids: Int32Array): Float32Array {
  const logits = model.predict(ids, { batch: 1 });
  const V = model.outputSize;
  const out = new Float32Array(logits.length);
  for (let t = 0; t < ids.length; t++) {
    const row = logits.subarray(t * V, (t + 1) * V);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    for (let v = 0; v < V; v++) out[t * V + v] = row[v] - lse;
  }
  return out;
}

/** Imports the three files, compares them with PyTorch, samples, and serves one stream. */
export async function run(backend?: Backend): Promise<ImportResult> {
  const b = backend ?? (await init());
  const vocabJSON = JSON.parse(new TextDecoder().decode(file('vocab.json'))) as VocabJSON;
  const reference = JSON.parse(new TextDecoder().decode(file('reference.json'))) as {
    prompt: string;
    greedy: string;
    logProbs: number[][];
  };
  const vocab = Vocab.fromJSON(vocabJSON);
  // safetensors and .pt hold only the state dict: strand infers Embedding → LSTM → Linear from it
  const models = {
    safetensors: modelFromStateDict(readSafetensors(file('model.safetensors')).tensors, { backend: b }),
    pytorch: modelFromStateDict(readPyTorch(file('model.pt')), { backend: b }),
    onnx: importOnnx(file('model.onnx'), { backend: b }),
  };
  try {
    const ids = vocab.encode(reference.prompt);
    const expected = reference.logProbs.flat();
    const maxError = { safetensors: 0, pytorch: 0, onnx: 0 };
    for (const [name, model] of Object.entries(models)) {
      const got = logProbs(model, ids);
      maxError[name as keyof typeof maxError] = Math.max(...got.map((x, i) => Math.abs(x - expected[i])));
    }
    const model = models.safetensors;
    const greedy = vocab.decode(generate(model, { prime: ids, length: 60, temperature: 0 }));
    const handler = createHandler(model, vocabJSON);
    const response = await handler.fetch(
      new Request(`http://localhost/generate?prompt=${encodeURIComponent(reference.prompt)}&length=80&seed=3`),
    );
    let streamed = '';
    for (const event of (await response.text()).split('\n\n'))
      if (event.startsWith('data: ')) streamed += JSON.parse(event.slice(6));
    return { maxError, prompt: reference.prompt, greedy, pytorchGreedy: reference.greedy, streamed };
  } finally {
    for (const m of Object.values(models)) m.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run();
  console.log('largest |strand − PyTorch| log-probability:', r.maxError);
  console.log(`greedy:   ${r.prompt}${r.greedy}`);
  console.log(`PyTorch:  ${r.prompt}${r.pytorchGreedy}`);
  console.log(`streamed: ${r.prompt}${r.streamed}`);
}
