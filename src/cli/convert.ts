// `strand convert`: a model from one format to another — strand's checkpoint, safetensors,
// PyTorch .pt (read), ONNX, TF.js Layers model.json (read) — with the vocabulary attached.
import { Vocab } from '../data/vocab.ts';
import { SequenceModel, type ModelConfig } from '../nn/model.ts';
import { checkWritable, readText, writeBytesAtomic } from '../platform/node-files.ts';
import { CliError, type CommandSpec, type ParsedArgs } from './args.ts';
import {
  FORMATS,
  WRITABLE,
  formatOf,
  parseRenameMap,
  readModel,
  writeModel,
  type StateDictMapping,
} from './formats.ts';
import { BACKEND_FLAG, startBackend, thousands, type CliIO } from './io.ts';

const FORMAT_NAMES = Object.keys(FORMATS);

/** The flags of `strand convert`. */
export const convertSpec: CommandSpec = {
  name: 'convert',
  summary: 'convert a model between strand, safetensors, PyTorch, ONNX and TF.js files',
  usage: 'convert IN OUT [--from FORMAT] [--to FORMAT] [--map MAP] [--rename MAP] [--arch FILE] [--vocab FILE]',
  flags: {
    from: { type: 'string', choices: FORMAT_NAMES, help: "the input's format (default: from its extension)" },
    to: { type: 'string', choices: WRITABLE, help: "the output's format (default: from its extension)" },
    map: {
      type: 'string',
      placeholder: 'MAP',
      help: "state dict in: the file's module names → strand layer indices (lstm=1,fc=2, or a .json file)",
    },
    rename: {
      type: 'string',
      placeholder: 'MAP',
      help: 'safetensors out: strand layer indices → your PyTorch module names (0=embedding,1=rnn,2=fc)',
    },
    arch: {
      type: 'string',
      placeholder: 'FILE',
      help: 'state dict in: the architecture as JSON { output, layers } (default: inferred from the tensors)',
    },
    output: {
      type: 'string',
      choices: ['softmax', 'sigmoid', 'linear'],
      help: "how the head is read: a state dict's inferred architecture (default softmax), or a new kind for any model",
    },
    nonlinearity: {
      type: 'string',
      choices: ['tanh', 'relu'],
      help: "state dict in, inferred vanilla RNN: its activation (weights don't tell; default tanh)",
    },
    at: {
      type: 'string',
      choices: ['every', 'last'],
      help: 'state dict in, inferred architecture: head at every step or the last (default every)',
    },
    vocab: {
      type: 'string',
      placeholder: 'FILE',
      help: 'attach a vocabulary ({"level": "char", "tokens": [...]}) so strand sample / score can use the model',
    },
    lengths: { type: 'boolean', default: false, help: 'onnx out: add a sequence_lens input' },
    backend: BACKEND_FLAG,
  },
  positionals: { name: 'IN OUT', help: 'the model file to read, and the file to write', min: 2, max: 2 },
  notes: [
    'Formats: strand (.strand), safetensors (.safetensors), pytorch (.pt, .pth; read only), onnx (.onnx),',
    'tfjs (model.json with its weight shards beside it; read only). A PyTorch state dict holds no',
    'architecture: strand infers it from the tensor names and shapes (Embedding → RNN/LSTM/GRU → Linear),',
    'or takes it from --arch.',
  ],
  examples: [
    'strand convert model.pt model.strand --vocab vocab.json',
    'strand convert model.strand model.safetensors --rename 0=embedding,1=lstm,2=fc',
    'strand convert model.onnx model.strand && strand convert model.strand model.onnx --lengths',
  ],
};

/** Runs `strand convert`; returns the exit code. */
export async function convert(args: ParsedArgs, io: CliIO): Promise<number> {
  const f = args.flags;
  const [input, output] = args.positionals;
  const from = formatOf(input, f.from, '--from');
  const to = formatOf(output, f.to, '--to');
  if (!WRITABLE.includes(to))
    throw new CliError(
      `strand convert: strand writes ${WRITABLE.join(', ')} files, not ${to} ('${output}'); name another with --to`,
    );
  checkWritable(output, 'OUT');
  const vocab = f.vocab === undefined ? undefined : readVocab(f.vocab as string);
  const mapping: StateDictMapping = {
    architecture: f.arch === undefined ? undefined : readArchitecture(f.arch as string),
    rename: f.map === undefined ? undefined : parseRenameMap(f.map as string, '--map'),
    output: f.output as StateDictMapping['output'],
    nonlinearity: f.nonlinearity as StateDictMapping['nonlinearity'],
    at: f.at as StateDictMapping['at'],
  };
  const rename = f.rename === undefined ? undefined : parseRenameMap(f.rename as string, '--rename');
  const backend = await startBackend(f.backend);
  let model: SequenceModel;
  try {
    model = readModel(input, from, backend, mapping);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read ${from} model '${input}': ${(error as Error).message}`, 1);
  }
  if (f.output !== undefined && model.output !== f.output) {
    // an ONNX graph that ends at the logits reads as 'linear': a language model wants 'softmax'
    const rebuilt = new SequenceModel({ layers: [...model.layers], output: f.output as SequenceModel['output'] });
    rebuilt.metadata = model.metadata;
    rebuilt.vocab = model.vocab;
    model = rebuilt;
  }
  try {
    if (vocab !== undefined) {
      if (vocab.size !== model.inputSize && model.embedding !== null)
        throw new CliError(`--vocab has ${vocab.size} tokens, but the model reads ${model.inputSize} token ids`, 1);
      model.vocab = vocab;
    }
    let bytes: Uint8Array;
    try {
      bytes = writeModel(model, to, { rename, lengths: f.lengths as boolean });
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`cannot write ${to} model '${output}': ${(error as Error).message}`, 1);
    }
    writeBytesAtomic(output, bytes, 'OUT');
    io.out(
      `${input} (${from}) → ${output} (${to}): ${describeModel(model)}, ${thousands(model.parameterCount())} parameters, ${thousands(bytes.length)} bytes\n`,
    );
  } finally {
    model.dispose();
  }
  return 0;
}

/** `embedding 51×16 → lstm 16→32 → dense 32→51 (softmax, every step)`. */
export function describeModel(model: SequenceModel): string {
  const parts = model.layers.map((l) => {
    const c = l.config();
    switch (c.type) {
      case 'embedding':
      case 'onehot':
        return `${c.type} ${c.numEmbeddings}×${c.embeddingDim}`;
      case 'dropout':
        return `dropout ${c.p}`;
      case 'dense':
        return `dense ${c.inFeatures}→${c.outFeatures}`;
      default: {
        const extra = [
          c.numLayers > 1 ? `${c.numLayers} layers` : '',
          c.bidirectional ? `bidirectional (${c.merge ?? 'concat'})` : '',
          c.type === 'gru' && c.resetAfter === false ? 'reset before' : '',
          c.type === 'rnn' && c.nonlinearity === 'relu' ? 'relu' : '',
          c.bias ? '' : 'no bias',
        ].filter((s) => s !== '');
        return `${c.type} ${c.inputSize}→${c.hiddenSize}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
      }
    }
  });
  return `${parts.join(' → ')} (${model.output}, ${model.head.at === 'last' ? 'last step' : 'every step'})`;
}

/** A vocabulary file, checked as strand checks one in a checkpoint. */
function readVocab(path: string): Vocab {
  try {
    return Vocab.fromJSON(JSON.parse(readText(path, '--vocab')));
  } catch (error) {
    throw new CliError(`--vocab '${path}' is not a vocabulary: ${(error as Error).message}`);
  }
}

/** An architecture file: JSON { output, layers }. */
function readArchitecture(path: string): ModelConfig {
  try {
    return JSON.parse(readText(path, '--arch')) as ModelConfig;
  } catch (error) {
    throw new CliError(`--arch '${path}' is not JSON: ${(error as Error).message}`);
  }
}
