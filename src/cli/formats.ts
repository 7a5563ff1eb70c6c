// The model formats `strand convert` and `strand inspect` read and write, told apart by the file's
// extension (or --from / --to), and the one place that turns a file of any of them into a model.
import { dirname, join } from 'node:path';
import type { Backend } from '../backend/backend.ts';
import { importOnnx } from '../interop/onnx-import.ts';
import { readPyTorch } from '../interop/pytorch.ts';
import { loadSafetensors, readSafetensors, saveSafetensors } from '../interop/safetensors.ts';
import { exportOnnx } from '../interop/onnx-export.ts';
import { modelFromStateDict } from '../interop/infer-architecture.ts';
import type { TensorDict } from '../interop/tensor.ts';
import { importTfjs } from '../interop/tfjs.ts';
import type { ModelConfig } from '../nn/model.ts';
import { SequenceModel } from '../nn/model.ts';
import { readBytes, readText } from '../platform/node-files.ts';
import { CliError } from './args.ts';

/** A model file format. */
export type ModelFormat = 'strand' | 'safetensors' | 'pytorch' | 'onnx' | 'tfjs';

/** Every format, and the extensions that name it. */
export const FORMATS: Readonly<Record<ModelFormat, readonly string[]>> = {
  strand: ['.strand'],
  safetensors: ['.safetensors'],
  pytorch: ['.pt', '.pth'],
  onnx: ['.onnx'],
  tfjs: ['.json'],
};

/** The formats strand can write. */
export const WRITABLE: readonly ModelFormat[] = ['strand', 'safetensors', 'onnx'];

/** The format a file is in: `given` (a --from / --to value) or the one its extension names. */
export function formatOf(path: string, given: unknown, flag: string): ModelFormat {
  if (typeof given === 'string') return given as ModelFormat;
  const lower = path.toLowerCase();
  for (const [format, extensions] of Object.entries(FORMATS))
    if (extensions.some((e) => lower.endsWith(e))) return format as ModelFormat;
  const known = Object.values(FORMATS).flat().join(', ');
  throw new CliError(`cannot tell the format of '${path}' from its extension (${known}); name it with ${flag}`);
}

/** How a file without an architecture (a PyTorch state dict) becomes a model. */
export interface StateDictMapping {
  /** The architecture, when it should not be inferred from the tensors. */
  architecture?: ModelConfig;
  /** File name prefixes → strand layer indices. */
  rename?: Record<string, string>;
  /** The output kind of an inferred architecture. */
  output?: 'softmax' | 'sigmoid' | 'linear';
  /** The activation of an inferred vanilla RNN. */
  nonlinearity?: 'tanh' | 'relu';
  /** Where an inferred head applies. */
  at?: 'every' | 'last';
}

/** The tensors of a state-dict file (safetensors or PyTorch), or null for a format that holds a model. */
export function readTensors(
  path: string,
  format: ModelFormat,
): { tensors: TensorDict; metadata: Record<string, string> } | null {
  if (format === 'safetensors') return readSafetensors(readBytes(path));
  if (format === 'pytorch') return { tensors: readPyTorch(readBytes(path)), metadata: {} };
  return null;
}

/** Whether a safetensors file's metadata carries a strand architecture (written by strand). */
export function hasStrandArchitecture(metadata: Record<string, string>): boolean {
  return Object.keys(metadata).some((k) => k.startsWith('strand.'));
}

/** Reads a model file of any format; state dicts are mapped onto an architecture given or inferred. */
export function readModel(
  path: string,
  format: ModelFormat,
  backend: Backend,
  mapping: StateDictMapping,
): SequenceModel {
  switch (format) {
    case 'strand':
      return SequenceModel.load(readBytes(path), { backend });
    case 'onnx':
      return importOnnx(readBytes(path), { backend });
    case 'tfjs':
      return readTfjs(path, backend);
    case 'safetensors': {
      const bytes = readBytes(path);
      const read = readSafetensors(bytes);
      // a file strand wrote carries its architecture; a PyTorch one is mapped like a .pt
      if (hasStrandArchitecture(read.metadata)) return loadSafetensors(bytes, { backend });
      return modelFromStateDict(read.tensors, { backend, ...mapping });
    }
    default:
      return modelFromStateDict(readPyTorch(readBytes(path)), { backend, ...mapping });
  }
}

/** A TF.js Layers model: model.json and the weight shards its manifest names, read from beside it. */
function readTfjs(path: string, backend: Backend): SequenceModel {
  const text = readText(path);
  let json: { weightsManifest?: Array<{ paths?: unknown }> };
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`'${path}' is not JSON: ${(error as Error).message}`, 1);
  }
  const shards: Uint8Array[] = [];
  for (const group of Array.isArray(json.weightsManifest) ? json.weightsManifest : [])
    for (const p of Array.isArray(group.paths) ? group.paths : [])
      if (typeof p === 'string') shards.push(readBytes(join(dirname(path), p), 'a weight shard'));
  return importTfjs(json, shards, { backend });
}

/** The bytes of a model in a writable format. */
export function writeModel(
  model: SequenceModel,
  format: ModelFormat,
  options: { rename?: Record<string, string>; lengths?: boolean },
): Uint8Array {
  switch (format) {
    case 'strand':
      return model.save();
    case 'safetensors':
      return saveSafetensors(model, { rename: options.rename });
    case 'onnx':
      return exportOnnx(model, { lengths: options.lengths });
    default:
      throw new CliError(
        `strand does not write ${format} files; write safetensors (PyTorch: safetensors.torch.load_file, then model.load_state_dict) or onnx`,
      );
  }
}

/** `a=b,c=d` → { a: 'b', c: 'd' }; a path ending in .json → the object the file holds. */
export function parseRenameMap(text: string, flag: string): Record<string, string> {
  if (text.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readText(text, flag));
    } catch (error) {
      throw new CliError(`${flag} '${text}' is not JSON: ${(error as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Object.values(parsed).some((v) => typeof v !== 'string'))
      throw new CliError(`${flag} '${text}' must hold an object of strings, e.g. {"0": "embedding"}`);
    return parsed as Record<string, string>;
  }
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1)
      throw new CliError(
        `${flag} must be pairs FROM=TO separated by commas (e.g. 0=embedding,1=rnn,2=fc), received '${pair}'`,
      );
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}
