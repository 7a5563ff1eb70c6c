// restoreBest on a token-stream fit: whatever stops the run, the weights at the end are exactly
// those of the epoch with the lowest validation loss, captured independently in onEpoch.
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, Embedding, init, LSTM, SequenceModel, Trainer, Vocab } from '../../src/index.ts';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

// training text and a validation text with other transitions: the model over-fits the first, so
// the validation loss falls, then rises
const TRAIN = 'abcd '.repeat(60);
const VALID = 'adcb bdac '.repeat(12);

function setup(): { model: SequenceModel; trainer: Trainer; train: Int32Array; valid: Int32Array } {
  const vocab = Vocab.fromText(TRAIN + VALID);
  const model = new SequenceModel({
    layers: [
      new Embedding(vocab.size, 6, { seed: 1 }),
      new LSTM(6, 12, { seed: 2 }),
      new Dense(12, vocab.size, { seed: 3 }),
    ],
  });
  const trainer = new Trainer(model, { optimizer: { type: 'adam', lr: 0.03 }, batchSize: 4, tbptt: { k1: 10 } });
  return { model, trainer, train: vocab.encode(TRAIN), valid: vocab.encode(VALID) };
}

describe('Trainer.fit(tokens, { restoreBest })', () => {
  it('ends with the weights of the best validation epoch, not the last', async () => {
    const { model, trainer, train, valid } = setup();
    const seen: Array<{ loss: number; weights: Record<string, Float32Array> }> = [];
    const result = await trainer.fit(train, {
      epochs: 12,
      validation: valid,
      restoreBest: true,
      onEpoch: (e) => seen.push({ loss: e.validation!.loss, weights: model.stateDict() }),
    });
    expect(seen).toHaveLength(12);
    const losses = seen.map((s) => s.loss);
    const best = losses.indexOf(Math.min(...losses));
    expect(best).toBeLessThan(11); // the run over-fits: the last epoch is not the best
    expect(result.bestEpoch).toBe(best + 1);
    const now = model.stateDict();
    for (const [name, values] of Object.entries(seen[best].weights)) expect(now[name]).toEqual(values);
    expect(now['1.weight_hh_l0']).not.toEqual(seen[11].weights['1.weight_hh_l0']);
    expect(trainer.evaluate(valid).loss).toBe(losses[best]);
    model.dispose();
  });

  it('without restoreBest keeps the last weights; restoreBest needs validation', async () => {
    const { model, trainer, train, valid } = setup();
    let last: Record<string, Float32Array> = {};
    const result = await trainer.fit(train, {
      epochs: 3,
      validation: valid,
      onEpoch: () => (last = model.stateDict()),
    });
    expect(result.bestEpoch).toBeUndefined();
    expect(model.stateDict()).toEqual(last);
    await expect(trainer.fit(train, { epochs: 1, restoreBest: true })).rejects.toThrow(
      /options\.restoreBest needs options\.validation/,
    );
    model.dispose();
  });
});
