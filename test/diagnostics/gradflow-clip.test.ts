// The gradient-flow lens with clipping: the global norm of the parameter gradient that
// gradientFlow reports is checked against the Trainer's own backward pass on the same batch
// (its reported gradNorm, and the sum of squares of the gradients it leaves in the model after
// clipping them), the clip factor against the Trainer's clipping, and the clipped curves against
// raw × factor. Models cover an embedding, stacked and bidirectional layers (concatenated and
// summed directions) and heads at every step and at the last step.
import { describe, expect, it } from 'vitest';
import { Dense, Embedding, GRU, LSTM, RNN, SequenceModel, Trainer, type Backend } from '../../src/index.ts';
import { gradientFlow } from '../../src/diagnostics/gradflow.ts';
import { jsBackend, randomArray, wasmBackend } from '../helpers/backends.ts';

const backends: Array<[string, () => Promise<Backend> | Backend]> = [
  ['wasm', wasmBackend],
  ['js', jsBackend],
];

/** One case: a model, its input, and the same last-step loss as a Trainer batch. */
interface Case {
  name: string;
  model: SequenceModel;
  input: ArrayLike<number>;
  T: number;
  B: number;
  /** gradientFlow's target (B class ids, or B·O values). */
  target: number[];
  /** The Trainer batch whose loss is L_T: targets (and a mask) that count the last step only. */
  batch: { target: number[]; mask?: number[] };
}

function cases(backend: Backend): Case[] {
  const T = 7;
  const B = 2;
  const out: Case[] = [];
  {
    // a language model: embedding, 2-layer LSTM, head at every step; only the last step counts
    const V = 9;
    const model = new SequenceModel({
      layers: [
        new Embedding(V, 4, { seed: 1, backend }),
        new LSTM({ inputSize: 4, hiddenSize: 5, numLayers: 2, seed: 2, backend }),
        new Dense(5, V, { seed: 3, backend }),
      ],
    });
    const input = Array.from({ length: T * B }, (_, i) => (i * 5 + 3) % V);
    const target = [4, 7];
    out.push({
      name: 'embedding + 2-layer LSTM, head at every step',
      model,
      input,
      T,
      B,
      target,
      batch: { target: [...new Array((T - 1) * B).fill(-1), ...target] },
    });
  }
  {
    // features, a bidirectional GRU with summed directions, a tanh RNN, head at the last step
    const model = new SequenceModel({
      layers: [
        new GRU({ inputSize: 3, hiddenSize: 4, bidirectional: true, merge: 'sum', seed: 4, backend }),
        new RNN({ inputSize: 4, hiddenSize: 6, seed: 5, backend }),
        new Dense(6, 5, { at: 'last', seed: 6, backend }),
      ],
    });
    const target = [1, 3];
    out.push({
      name: 'bidirectional GRU (sum) + RNN, head at the last step',
      model,
      input: randomArray(T * B * 3, 7),
      T,
      B,
      target,
      batch: { target },
    });
  }
  {
    // a bidirectional LSTM (concatenated) on top, head at the last step: it reads the reverse
    // direction's final state, which is the one after step 0
    const model = new SequenceModel({
      layers: [
        new LSTM({ inputSize: 3, hiddenSize: 4, bidirectional: true, seed: 8, backend }),
        new Dense(8, 4, { at: 'last', seed: 9, backend }),
      ],
    });
    const target = [0, 2];
    out.push({
      name: 'bidirectional LSTM (concat), head at the last step',
      model,
      input: randomArray(T * B * 3, 10),
      T,
      B,
      target,
      batch: { target },
    });
  }
  {
    // regression: a GRU with a linear head at every step, mean squared error at the last step
    const O = 3;
    const model = new SequenceModel({
      layers: [new GRU({ inputSize: 2, hiddenSize: 5, seed: 11, backend }), new Dense(5, O, { seed: 12, backend })],
      output: 'linear',
    });
    const target = Array.from(randomArray(B * O, 13));
    const full = [...new Array((T - 1) * B * O).fill(0), ...target];
    const mask = [...new Array((T - 1) * B).fill(0), ...new Array(B).fill(1)];
    out.push({
      name: 'GRU, linear head at every step (MSE)',
      model,
      input: randomArray(T * B * 2, 14),
      T,
      B,
      target,
      batch: { target: full, mask },
    });
  }
  return out;
}

/** √(Σ g²) over every gradient the model holds, read back from its parameter sets. */
function gradientNormReadBack(model: SequenceModel): number {
  let sum = 0;
  for (const set of model.parameterSets())
    for (const g of Object.values(set.gradDict())) for (const v of g) sum += v * v;
  return Math.sqrt(sum);
}

/** One Trainer step (SGD, lr 0: the weights do not move) on the case's batch, clipping at `norm`. */
function trainerStep(c: Case, norm: number): { gradNorm: number; loss: number; clippedNorm: number } {
  const trainer = new Trainer(c.model, { optimizer: { type: 'sgd', lr: 0 }, clip: { norm } });
  const result = trainer.step({ input: c.input, seqLen: c.T, batch: c.B, ...c.batch });
  const clippedNorm = gradientNormReadBack(c.model); // the Trainer leaves the clipped gradients in the model
  trainer.dispose();
  return { gradNorm: result.gradNorm, loss: result.loss, clippedNorm };
}

describe('gradientFlow: the global parameter-gradient norm and global-norm clipping', () => {
  for (const [name, make] of backends) {
    it(`reports the same gradient norm and clipping as the Trainer on the same batch (${name})`, async () => {
      const backend = await make();
      for (const c of cases(backend)) {
        const raw = gradientFlow(c.model, c.input, { seqLen: c.T, batch: c.B, target: c.target });
        const unclipped = trainerStep(c, 1e9);
        expect(raw.loss, `${c.name}: loss`).toBeCloseTo(unclipped.loss, 5);
        expect(
          Math.abs(raw.gradNorm - unclipped.gradNorm) / unclipped.gradNorm,
          `${c.name}: ${raw.gradNorm} vs Trainer ${unclipped.gradNorm}`,
        ).toBeLessThan(1e-5);
        // without clipping the gradients read back have that norm too
        expect(unclipped.clippedNorm / unclipped.gradNorm, c.name).toBeCloseTo(1, 5);
        expect(raw.clip, c.name).toBeUndefined();
        expect(
          raw.layers.every((l) => l.clipped === undefined),
          c.name,
        ).toBe(true);

        // a threshold below the norm: clipping scales everything by maxNorm / ‖g‖
        const maxNorm = raw.gradNorm / 7;
        const flow = gradientFlow(c.model, c.input, {
          seqLen: c.T,
          batch: c.B,
          target: c.target,
          clip: { norm: maxNorm },
        });
        const clipped = trainerStep(c, maxNorm);
        const clip = flow.clip!;
        expect(clip.maxNorm).toBe(maxNorm);
        expect(clip.factor, c.name).toBeCloseTo(1 / 7, 6);
        expect(
          Math.abs(clip.factor - clipped.clippedNorm / clipped.gradNorm),
          `${c.name}: factor vs the Trainer's clipped gradients`,
        ).toBeLessThan(1e-5);
        expect(clip.gradNorm, c.name).toBeCloseTo(flow.gradNorm * clip.factor, 10);
        expect(clip.gradNorm, c.name).toBeLessThanOrEqual(maxNorm);
        expect(Math.abs(clip.gradNorm - clipped.clippedNorm) / clipped.clippedNorm, c.name).toBeLessThan(1e-5);
        // the clipped curves are the raw curves scaled by the factor, which equal the unclipped run's
        for (const [i, layer] of flow.layers.entries()) {
          expect(layer.norms, `${c.name}: ${layer.label}`).toEqual(raw.layers[i].norms);
          expect(layer.clipped, `${c.name}: ${layer.label}`).toEqual(layer.norms.map((n) => n * clip.factor));
        }

        // a threshold above the norm: factor 1, nothing changes
        const loose = gradientFlow(c.model, c.input, {
          seqLen: c.T,
          batch: c.B,
          target: c.target,
          clip: { norm: raw.gradNorm * 2 },
        });
        expect(loose.clip!.factor).toBe(1);
        expect(loose.clip!.gradNorm).toBe(loose.gradNorm);
        expect(loose.layers[0].clipped).toEqual(loose.layers[0].norms);
        c.model.dispose();
      }
    });
  }

  it('rejects bad clip options with clear errors', async () => {
    const backend = await wasmBackend();
    const model = new SequenceModel({
      layers: [new RNN({ inputSize: 2, hiddenSize: 3, seed: 1, backend }), new Dense(3, 2, { seed: 2, backend })],
    });
    const x = randomArray(8, 1);
    const bad =
      (clip: unknown): (() => unknown) =>
      () =>
        gradientFlow(model, x, { seqLen: 4, clip: clip as { norm: number } });
    expect(bad(5)).toThrow(/gradientFlow: options\.clip must be an object, received 5/);
    expect(bad(null)).toThrow(/gradientFlow: options\.clip must be an object, received null/);
    expect(bad({})).toThrow(/gradientFlow: options\.clip\.norm must be a finite number > 0, received undefined/);
    expect(bad({ norm: 0 })).toThrow(/clip.norm must be a finite number > 0, received 0/);
    expect(bad({ norm: -1 })).toThrow(/clip.norm must be a finite number > 0, received -1/);
    expect(bad({ norm: Number.NaN })).toThrow(/clip.norm must be a finite number > 0/);
    expect(bad({ norm: Number.POSITIVE_INFINITY })).toThrow(/clip.norm must be a finite number > 0/);
    expect(bad({ norm: '5' })).toThrow(/clip.norm must be a finite number > 0/);
    expect(bad({ value: 1 })).toThrow(/gradientFlow: options\.clip takes only \{ norm \}.*received the key 'value'/);
    expect(bad({ norm: 5, value: 1 })).toThrow(/clipping by value has no single factor/);
    expect(gradientFlow(model, x, { seqLen: 4, clip: { norm: 5 } }).clip?.maxNorm).toBe(5);
    model.dispose();
  });
});
