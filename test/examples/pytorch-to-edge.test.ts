// Worked example: a character model trained in PyTorch, imported from safetensors, torch.save and
// torch.onnx.export (examples/pytorch-to-edge/import.ts, on the files the example's script wrote).
import { describe, expect, it } from 'vitest';
import { run } from '../../examples/pytorch-to-edge/import.ts';
import { wasmBackend } from '../helpers/backends.ts';

describe('example: from PyTorch to a streaming server', () => {
  it('imports all three files to within 1e-4 nats of PyTorch, decodes as PyTorch does, and streams text', async () => {
    const r = await run(await wasmBackend());
    for (const error of Object.values(r.maxError)) expect(error).toBeLessThan(1e-4);
    // greedy decoding: 60 characters, each an argmax PyTorch chose too
    expect(r.pytorchGreedy.length).toBeGreaterThan(20);
    expect(r.greedy).toBe(r.pytorchGreedy);
    // the Server-Sent Events carried 80 sampled characters
    expect(r.streamed.length).toBeGreaterThan(40);
    expect(r.streamed).not.toBe(r.greedy.slice(0, r.streamed.length));
  });
});
