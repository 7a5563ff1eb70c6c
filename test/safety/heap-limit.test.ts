// A layer too large for the runtime's memory is refused in strand's own words (not the engine's
// "WebAssembly.Memory.grow(): Unable to grow"), leaves the heap as it was (no half-built
// parameter slab), and the backend keeps working.
import { describe, expect, it } from 'vitest';
import { LSTM } from '../../src/index.ts';
import { wasmBackend } from '../helpers/backends.ts';

describe('an allocation the runtime cannot grow to', () => {
  it('throws RangeError from Heap.alloc and leaves the heap as it was', async () => {
    const backend = await wasmBackend();
    const before = { ...backend.heap.stats(), bytes: backend.heap.all().buffer.byteLength };
    // 4·30000·(30000 + 30000) weights and as many gradients: far beyond a 32-bit memory's 4 GiB
    expect(() => new LSTM({ inputSize: 30_000, hiddenSize: 30_000, backend, seed: 1 })).toThrow(RangeError);
    expect(() => new LSTM({ inputSize: 30_000, hiddenSize: 30_000, backend, seed: 1 })).toThrow(
      /^Heap\.alloc: the runtime cannot grow this backend's memory from \d+ MiB to \d+ MiB \(.+\); free models you no longer need, or make this one smaller$/,
    );
    const after = { ...backend.heap.stats(), bytes: backend.heap.all().buffer.byteLength };
    expect(after.bytesInUse).toBe(before.bytesInUse);
    expect(after.blocks).toBe(before.blocks);
    expect(after.bytes).toBe(before.bytes);
    // and a layer that fits still works on the same backend
    const small = new LSTM({ inputSize: 3, hiddenSize: 4, backend, seed: 1 });
    expect(small.forward(new Float32Array(2 * 3).fill(0.5), { seqLen: 2 }).output.every(Number.isFinite)).toBe(true);
    small.dispose();
  });
});
