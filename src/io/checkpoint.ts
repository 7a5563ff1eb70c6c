import type { Backend } from '../backend/backend.ts';
import { Dense } from '../nn/dense.ts';
import { Dropout } from '../nn/dropout.ts';
import { Embedding, OneHot } from '../nn/embedding.ts';
import { SequenceModel, type ModelLayer, type OutputKind } from '../nn/model.ts';
import { GRU, LSTM, RNN, type RecurrentConfig } from '../nn/recurrent.ts';
import { pack, unpack, type NamedTensor } from './container.ts';

/** Serialisable description of a {@link SequenceModel}'s architecture. */
export interface ModelConfig {
  output: OutputKind;
  layers: Array<
    ReturnType<Embedding['config']> | RecurrentConfig | ReturnType<Dropout['config']> | ReturnType<Dense['config']>
  >;
}

/** The architecture of a model. */
export function modelConfig(model: SequenceModel): ModelConfig {
  return { output: model.output, layers: model.layers.map((l) => l.config()) };
}

/** Builds a fresh (randomly initialised) model from a {@link ModelConfig}. */
export function modelFromConfig(config: ModelConfig, backend: Backend | undefined, where: string): SequenceModel {
  if (config === null || typeof config !== 'object' || !Array.isArray(config.layers))
    throw new Error(`${where}: the checkpoint has no model configuration`);
  const layers: ModelLayer[] = config.layers.map((c, i) => {
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
        return new RNN({ ...strip(c), nonlinearity: c.nonlinearity, backend, seed: 0 });
      case 'lstm':
        return new LSTM({ ...strip(c), backend, seed: 0 });
      case 'gru':
        return new GRU({ ...strip(c), resetAfter: c.resetAfter, backend, seed: 0 });
      default:
        throw new Error(`${where}: unknown layer type ${JSON.stringify((c as { type: unknown }).type)} at index ${i}`);
    }
  });
  return new SequenceModel({ layers, output: config.output });
}

function strip(c: RecurrentConfig): {
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

/** Model tensors named as by {@link SequenceModel.stateDict}. */
export function modelTensors(model: SequenceModel): NamedTensor[] {
  return Object.entries(model.stateDict()).map(([name, data]) => ({ name: `model.${name}`, data }));
}

/** Loads the `model.*` tensors of a checkpoint into a model built from its config. */
export function loadModelTensors(model: SequenceModel, tensors: Map<string, Float32Array>, where: string): void {
  const dict: Record<string, Float32Array> = {};
  for (const [name, data] of tensors) if (name.startsWith('model.')) dict[name.slice(6)] = data;
  try {
    model.loadStateDict(dict);
  } catch (error) {
    throw new Error(`${where}: the checkpoint's tensors do not fit its model: ${(error as Error).message}`);
  }
}

/** Dropout generator positions of a model, in layer order. */
export function dropoutStates(model: SequenceModel): Array<[number, number | null]> {
  return model.layers.filter((l): l is Dropout => l instanceof Dropout).map((d) => d.rng.snapshot());
}

/** Restores dropout generator positions saved by {@link dropoutStates}. */
export function restoreDropoutStates(model: SequenceModel, states: unknown): void {
  if (!Array.isArray(states)) return;
  model.layers
    .filter((l): l is Dropout => l instanceof Dropout)
    .forEach((d, i) => {
      if (states[i]) d.rng.restore(states[i] as [number, number | null]);
    });
}

/** Saves a model (architecture, weights, dropout positions and JSON metadata). */
export function saveModel(model: SequenceModel, metadata: Record<string, unknown> = {}): Uint8Array {
  return pack(
    { kind: 'model', model: modelConfig(model), dropout: dropoutStates(model), metadata },
    modelTensors(model),
  );
}

/** Loads a model saved by {@link saveModel} (or the model inside a trainer checkpoint). */
export function loadModel(
  bytes: Uint8Array,
  backend?: Backend,
): { model: SequenceModel; metadata: Record<string, unknown> } {
  const where = 'SequenceModel.load';
  const { header, tensors } = unpack(bytes, where);
  const model = modelFromConfig(header.model as ModelConfig, backend, where);
  try {
    loadModelTensors(model, tensors, where);
  } catch (error) {
    model.dispose();
    throw error;
  }
  restoreDropoutStates(model, header.dropout);
  return { model, metadata: (header.metadata as Record<string, unknown>) ?? {} };
}
