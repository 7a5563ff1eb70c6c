// `strand inspect`: what a model file holds — its format, the architecture (stored, or inferred
// from a PyTorch state dict), every tensor with its shape, and the metadata.
import { inferArchitecture } from '../interop/infer-architecture.ts';
import { numel, type TensorDict } from '../interop/tensor.ts';
import type { SequenceModel } from '../nn/model.ts';
import { parameterShapes } from '../nn/layers.ts';
import { statSync } from 'node:fs';
import type { CommandSpec, ParsedArgs } from './args.ts';
import { describeModel } from './convert.ts';
import { FORMATS, formatOf, hasStrandArchitecture, readModel, readTensors } from './formats.ts';
import { BACKEND_FLAG, startBackend, thousands, type CliIO } from './io.ts';

/** The flags of `strand inspect`. */
export const inspectSpec: CommandSpec = {
  name: 'inspect',
  summary: 'show the architecture, tensors and metadata of a model file of any format',
  usage: 'inspect FILE [--from FORMAT]',
  flags: {
    from: { type: 'string', choices: Object.keys(FORMATS), help: "the file's format (default: from its extension)" },
    backend: BACKEND_FLAG,
  },
  positionals: { name: 'FILE', help: 'a strand, safetensors, PyTorch, ONNX or TF.js model file', min: 1, max: 1 },
  examples: ['strand inspect model.pt', 'strand inspect model.onnx'],
};

/** Runs `strand inspect`; returns the exit code. */
export async function inspect(args: ParsedArgs, io: CliIO): Promise<number> {
  const [path] = args.positionals;
  const format = formatOf(path, args.flags.from, '--from');
  const lines = [`${path}: ${format}, ${thousands(statSync(path).size)} bytes`];
  const read = readTensors(path, format);
  if (read !== null && !(format === 'safetensors' && hasStrandArchitecture(read.metadata))) {
    lines.push(...tensorLines(read.tensors));
    try {
      const config = inferArchitecture(read.tensors);
      lines.push(`inferred architecture: ${config.layers.map((l) => l.type).join(' → ')} (${config.output})`);
      lines.push(`  ${JSON.stringify(config)}`);
    } catch (error) {
      lines.push(`no architecture inferred: ${(error as Error).message}`);
    }
    for (const [k, v] of Object.entries(read.metadata)) lines.push(`metadata ${k}: ${v}`);
  } else {
    const backend = await startBackend(args.flags.backend);
    const model = readModel(path, format, backend, {});
    try {
      lines.push(...modelLines(model));
    } finally {
      model.dispose();
    }
  }
  io.out(`${lines.join('\n')}\n`);
  return 0;
}

/** One line per tensor: name, shape, values. */
function tensorLines(tensors: TensorDict): string[] {
  const entries = Object.entries(tensors);
  const width = Math.max(0, ...entries.map(([n]) => n.length));
  const total = entries.reduce((n, [, t]) => n + numel(t.shape), 0);
  return [
    `${entries.length} tensors, ${thousands(total)} values:`,
    ...entries.map(([n, t]) => `  ${n.padEnd(width)}  [${t.shape.join(', ')}]`),
  ];
}

/** The model's layers, its tensors in strand's names, and its metadata keys. */
function modelLines(model: SequenceModel): string[] {
  const dict = model.stateDict();
  const tensors: TensorDict = {};
  model.layers.forEach((layer, i) => {
    for (const [name, shape] of parameterShapes(layer.config()))
      if (dict[`${i}.${name}`] !== undefined) tensors[`${i}.${name}`] = { shape, data: dict[`${i}.${name}`] };
  });
  return [
    `architecture: ${describeModel(model)}`,
    `${thousands(model.parameterCount())} parameters`,
    ...tensorLines(tensors),
    ...Object.keys(model.metadata).map((k) => `metadata ${k}: ${summarise(model.metadata[k])}`),
  ];
}

/** A metadata value in at most 80 characters. */
function summarise(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
