// Fuzzing importOnnx with one fixture (lstm_2bi: an embedding, two bidirectional LSTM layers with
// torch's shape arithmetic, a MatMul + Add head): every truncation, seeded byte flips, 11-byte
// varints and absurd lengths written over it. Every outcome must be an InteropError or a correct
// model: one whose output equals onnxruntime's on the same damaged file (an independent reader),
// or, where onnxruntime cannot run the file, equals the undamaged model's output bit for bit (the
// damage hit something strand does not read).
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/index.ts';
import { InteropError, importOnnx } from '../../src/interop/index.ts';
import { Rng } from '../../src/util/rng.ts';
import { expectClose } from '../helpers/close.ts';
import { varint } from './onnx-import-proto.ts';

const DIR = 'test/fixtures/interop/onnx/';
const ORIGINAL = new Uint8Array(readFileSync(`${DIR}lstm_2bi.onnx`));
const REF = JSON.parse(readFileSync(`${DIR}reference.json`, 'utf8')).lstm_2bi as {
  input: number[];
  T: number;
  B: number;
  output: number[];
};

type Outcome = 'refused' | 'unchanged' | 'as onnxruntime';

let baseline: Float32Array;

beforeAll(async () => {
  await init({ backend: 'wasm' });
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'fatal';
  const model = importOnnx(ORIGINAL);
  baseline = model.predict(REF.input, { seqLen: REF.T, batch: REF.B });
  model.dispose();
  expectClose(baseline, REF.output, 'the undamaged fixture');
});

/** onnxruntime's output on `bytes` with the fixture's input, or undefined when it cannot run the file. */
async function onnxruntime(bytes: Uint8Array): Promise<Float32Array | undefined> {
  let session: ort.InferenceSession | undefined;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const ids = new ort.Tensor('int64', BigInt64Array.from(REF.input, BigInt), [REF.T, REF.B]);
    const result = await session.run({ [session.inputNames[0]]: ids });
    return Float32Array.from(result[session.outputNames[0]].data as Float32Array);
  } catch {
    return undefined;
  } finally {
    await session?.release();
  }
}

/** What importOnnx made of `bytes`, checked: any other error, or a model with other outputs, fails. */
async function outcome(bytes: Uint8Array, what: string): Promise<Outcome> {
  let output: Float32Array;
  try {
    const model = importOnnx(bytes);
    output = model.predict(REF.input, { seqLen: REF.T, batch: REF.B });
    model.dispose();
  } catch (error) {
    if (!(error instanceof InteropError)) throw new Error(`${what}: ${(error as Error).stack}`);
    return 'refused';
  }
  const theirs = await onnxruntime(bytes);
  if (theirs !== undefined && theirs.length === output.length) {
    expectClose(output, theirs, `${what}: against onnxruntime`, 1e-4, 1e-5);
    return 'as onnxruntime';
  }
  expect(output, `${what}: onnxruntime cannot run it, so strand's model must be the undamaged one`).toEqual(baseline);
  return 'unchanged';
}

function tally(outcomes: Outcome[]): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { refused: 0, unchanged: 0, 'as onnxruntime': 0 };
  for (const o of outcomes) counts[o]++;
  return counts;
}

describe('importOnnx fuzz (lstm_2bi)', () => {
  it('the undamaged file agrees with onnxruntime', async () => {
    expect(await outcome(ORIGINAL, 'undamaged')).toBe('as onnxruntime');
  });

  it('every truncation is refused', async () => {
    const outcomes: Outcome[] = [];
    for (let n = 0; n < ORIGINAL.length; n++) outcomes.push(await outcome(ORIGINAL.subarray(0, n), `first ${n} bytes`));
    console.log(`truncations: ${outcomes.length}`, tally(outcomes));
    expect(outcomes.length).toBe(ORIGINAL.length);
    expect(tally(outcomes).refused).toBe(ORIGINAL.length);
  });

  it('2500 seeded byte flips', async () => {
    const rng = new Rng(20240611);
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 2500; i++) {
      const damaged = ORIGINAL.slice();
      const at = rng.int(damaged.length);
      damaged[at] ^= 1 + rng.int(255);
      outcomes.push(await outcome(damaged, `flip ${i} at byte ${at}`));
    }
    const counts = tally(outcomes);
    console.log('byte flips: 2500', counts);
    // most flips land in weights (accepted, as onnxruntime) or structure (refused)
    expect(counts.refused).toBeGreaterThan(100);
    expect(counts['as onnxruntime']).toBeGreaterThan(100);
  });

  it('11-byte varints and absurd lengths written over the file', async () => {
    const rng = new Rng(7);
    const eleven = new Array(10).fill(0xff).concat([0x01]);
    const absurd = [2 ** 31, 2 ** 53, -1, 2 ** 62].map((n) => varint(n));
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 600; i++) {
      const patch = i % 2 === 0 ? eleven : absurd[rng.int(absurd.length)];
      const at = rng.int(ORIGINAL.length - patch.length);
      const damaged = ORIGINAL.slice();
      damaged.set(patch, at);
      outcomes.push(await outcome(damaged, `patch ${i} at byte ${at}`));
    }
    console.log('varint patches: 600', tally(outcomes));
    expect(tally(outcomes).refused).toBeGreaterThan(300);
  });
});
