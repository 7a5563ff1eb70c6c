// EncoderDecoder with source lengths: a right-padded source batch gives each sequence exactly (bit
// for bit, js and wasm) the logits and loss of that sequence alone and its gradients up to float
// summation order; padded symbols change nothing; the masked gradients match finite differences.
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { EncoderDecoder } from '../../src/index.ts';
import { jsBackend, wasmBackend } from '../helpers/backends.ts';

const V = 6; // ids 0 (bos), 1 (eos), 2..5 symbols on both sides
// three sources of lengths 4, 2, 3 (right-padded with symbols that must be ignored) and targets of lengths 2, 3, 1
const SOURCES = [
  [2, 3, 4, 5],
  [5, 4],
  [3, 3, 2],
];
const TARGETS = [[4, 1], [2, 5, 1], [3]];
const Ts = 4;
const Tt = 3;
const B = 3;

/** Time-major (T·B) ids of ragged rows, padded with `pad`. */
function timeMajor(rows: number[][], T: number, pad: (t: number, b: number) => number): number[] {
  const out: number[] = [];
  for (let t = 0; t < T; t++)
    for (let b = 0; b < rows.length; b++) out.push(t < rows[b].length ? rows[b][t] : pad(t, b));
  return out;
}

/** Loss (Σ over valid rows) and, with `grads`, parameter gradients of one prepared batch. */
function run(
  model: EncoderDecoder,
  batch: { input: number[]; target: number[]; batch: number; lengths?: number[] },
  grads = true,
): { loss: number; logits: Float32Array; grads: Array<Record<string, Float32Array>> } {
  const heap = model.backend.heap;
  const rows = batch.target.length;
  const targetPtr = heap.allocF32(rows);
  new Int32Array(heap.all().buffer, targetPtr, rows).set(batch.target);
  const dlogits = heap.allocF32(rows * V);
  model.zeroGrad();
  const prepared = model.prepare(batch, 'test');
  const logitsPtr = prepared.forward();
  const logits = heap.read(logitsPtr, rows * V);
  const loss = model.backend.kernels.softmax_xent(rows, V, logitsPtr, V, targetPtr, 0, 1, grads ? dlogits : 0, V);
  if (grads) prepared.backward(dlogits);
  heap.release(targetPtr);
  heap.release(dlogits);
  return { loss, logits, grads: grads ? model.parameterSets().map((s) => s.gradDict()) : [] };
}

const backends: Array<[string, () => Promise<Backend>]> = [
  ['js', async () => jsBackend()],
  ['wasm', wasmBackend],
];

describe('EncoderDecoder source lengths', () => {
  for (const [name, make] of backends) {
    for (const cell of ['lstm', 'gru'] as const) {
      it(`${name} ${cell}: a padded batch equals each sequence alone`, async () => {
        const backend = await make();
        const model = new EncoderDecoder({
          sourceVocab: V,
          targetVocab: V,
          embed: 3,
          hidden: 5,
          numLayers: 2,
          bos: 0,
          eos: 1,
          seed: 7,
          cell,
          backend,
        });
        const input = timeMajor(SOURCES, Ts, (t, b) => 2 + ((t + b) % 4));
        const lengths = SOURCES.map((s) => s.length);
        const full = run(model, { input, target: timeMajor(TARGETS, Tt, () => -1), batch: B, lengths }, false);
        let differs = false;
        for (let b = 0; b < B; b++) {
          const alone = run(model, { input: SOURCES[b], target: TARGETS[b], batch: 1 });
          // forward: the logits of every valid target step of sequence b
          for (let t = 0; t < TARGETS[b].length; t++) {
            const row = full.logits.subarray((t * B + b) * V, (t * B + b + 1) * V);
            expect(Array.from(row), `logits t ${t} b ${b}`).toEqual(
              Array.from(alone.logits.subarray(t * V, (t + 1) * V)),
            );
          }
          // loss and gradients: the batch with only sequence b's targets kept
          const only = timeMajor(
            TARGETS.map((tg, i) => (i === b ? tg : [])),
            Tt,
            () => -1,
          );
          const padded = run(model, { input, target: only, batch: B, lengths });
          expect(padded.loss).toBe(alone.loss);
          // gradients: equal up to float summation order (the weight-gradient kernels group the
          // T·B rows differently for B = 3 and B = 1), within 1e-5 of each tensor's largest entry
          padded.grads.forEach((set, s) => {
            for (const [k, g] of Object.entries(set)) {
              const want = alone.grads[s][k];
              const scale = Math.max(...want.map(Math.abs), 1e-6);
              g.forEach((v, i) => expect(Math.abs(v - want[i]), `${k}[${i}]`).toBeLessThanOrEqual(1e-5 * scale));
            }
          });
          // bit for bit: other symbols in the padded source steps change nothing at all
          const repadded = run(model, { input: timeMajor(SOURCES, Ts, () => 0), target: only, batch: B, lengths });
          expect(repadded.loss).toBe(padded.loss);
          expect(repadded.grads).toEqual(padded.grads);
          // without lengths the padded symbols reach the encoder: the short sequences differ
          const unmasked = run(model, { input, target: only, batch: B });
          if (unmasked.loss !== alone.loss) differs = true;
        }
        expect(differs).toBe(true);
        model.dispose();
      });
    }
  }

  it('gradients with source lengths match finite differences', async () => {
    for (const cell of ['lstm', 'gru', 'rnn'] as const) {
      const model = new EncoderDecoder({
        sourceVocab: V,
        targetVocab: V,
        embed: 3,
        hidden: 4,
        numLayers: 2,
        bos: 0,
        eos: 1,
        seed: 5,
        cell,
        backend: jsBackend(),
      });
      const batch = {
        input: timeMajor(SOURCES, Ts, () => 5),
        target: timeMajor(TARGETS, Tt, () => -1),
        batch: B,
        lengths: SOURCES.map((s) => s.length),
      };
      const grads = run(model, batch).grads;
      model.parameterSets().forEach((set, s) => {
        for (const [pname, values] of Object.entries(set.stateDict())) {
          for (const i of [0, Math.floor(values.length / 2), values.length - 1]) {
            const orig = values[i];
            const at = (v: number) => {
              values[i] = v;
              set.loadStateDict({ [pname]: values }, false);
              return run(model, batch, false).loss;
            };
            const fd = (at(orig + 1e-2) - at(orig - 1e-2)) / 2e-2;
            at(orig);
            const g = grads[s][pname][i];
            expect(Math.abs(g - fd), `${cell} ${pname}[${i}]: ${g} vs ${fd}`).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
          }
        }
      });
      model.dispose();
    }
  });

  it('greedy decoding with lengths equals decoding each source alone', async () => {
    const model = new EncoderDecoder({
      sourceVocab: V,
      targetVocab: V,
      hidden: 6,
      bos: 0,
      eos: 1,
      seed: 9,
      backend: jsBackend(),
    });
    const input = timeMajor(SOURCES, Ts, () => 4);
    const together = model.greedy(input, { batch: B, maxLength: 5, lengths: SOURCES.map((s) => s.length) });
    for (let b = 0; b < B; b++) expect(together[b]).toEqual(model.greedy(SOURCES[b], { maxLength: 5 })[0]);
    expect(() => model.greedy(input, { batch: B, maxLength: 5, lengths: [4, 5, 1] })).toThrow(/lengths.*index 1/);
    model.dispose();
  });
});
