/**
 * The layers a {@link SequenceModel} stacks, as data: their serialisable configurations, building
 * a fresh layer from one, and the dropout generator positions a checkpoint carries.
 */
import type { Backend } from '../backend/backend.ts';
import { Dense, type DenseConfig } from './dense.ts';
import { Dropout, type DropoutConfig } from './dropout.ts';
import { Embedding, OneHot, type EmbeddingConfig } from './embedding.ts';
import { GRU, LSTM, RNN, type RecurrentConfig, type RecurrentLayer } from './recurrent.ts';

/** Anything a {@link SequenceModel} can stack. */
export type ModelLayer = Embedding | RecurrentLayer | Dropout | Dense;

/** The serialisable configuration of one {@link ModelLayer}. */
export type LayerConfig = EmbeddingConfig | RecurrentConfig | DropoutConfig | DenseConfig;

/** Builds fresh (randomly initialised) layers from their configurations. */
export function layersFromConfig(
  configs: readonly LayerConfig[],
  backend: Backend | undefined,
  where: string,
): ModelLayer[] {
  return configs.map((c, i) => {
    switch (c.type) {
      case 'embedding':
        return new Embedding(c.numEmbeddings, c.embeddingDim, { backend, seed: 0 });
      case 'onehot':
        return new OneHot(c.numEmbeddings, { backend });
      case 'dense':
        return new Dense(c.inFeatures, c.outFeatures, { bias: c.bias, at: c.at, backend, seed: 0 });
      case 'dropout':
        return new Dropout(c.p, { seed: 0 });
      case 'rnn':
        return new RNN({ ...recurrentSizes(c), nonlinearity: c.nonlinearity, backend, seed: 0 });
      case 'lstm':
        return new LSTM({ ...recurrentSizes(c), backend, seed: 0 });
      case 'gru':
        return new GRU({ ...recurrentSizes(c), resetAfter: c.resetAfter, backend, seed: 0 });
      default:
        throw new Error(`${where}: unknown layer type ${JSON.stringify((c as { type: unknown }).type)} at index ${i}`);
    }
  });
}

/** The options every recurrent layer kind shares, taken from its configuration. */
function recurrentSizes(c: RecurrentConfig): {
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  bias: boolean;
  merge?: 'concat' | 'sum';
} {
  return {
    inputSize: c.inputSize,
    hiddenSize: c.hiddenSize,
    numLayers: c.numLayers,
    bidirectional: c.bidirectional,
    bias: c.bias,
    merge: c.merge,
  };
}

/** Dropout generator positions of a layer stack, in layer order. */
export function dropoutStates(layers: readonly ModelLayer[]): Array<[number, number | null]> {
  return layers.filter((l): l is Dropout => l instanceof Dropout).map((d) => d.rng.snapshot());
}

/** Restores dropout generator positions saved by {@link dropoutStates}. */
export function restoreDropoutStates(layers: readonly ModelLayer[], states: unknown): void {
  if (!Array.isArray(states)) return;
  layers
    .filter((l): l is Dropout => l instanceof Dropout)
    .forEach((d, i) => {
      if (states[i]) d.rng.restore(states[i] as [number, number | null]);
    });
}
