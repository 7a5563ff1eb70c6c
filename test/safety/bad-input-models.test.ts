// Bad input at the public boundary, part 2: Embedding, OneHot, Dense, Dropout, SequenceModel
// (constructor, predict, the carried state's methods) and EncoderDecoder (constructor, greedy,
// beamSearch). Each case throws strand's own error and leaves every live object and both heaps
// bit for bit as before, on both backends (see bad-input-world.ts).
import { Dense, Dropout, Embedding, EncoderDecoder, OneHot, SequenceModel } from '../../src/index.ts';
import { type BadCall, bad, exact, runBadCalls } from './bad-input-world.ts';

const DENSE_OPTIONS = 'bias, at, seed, backend';
const PREDICT_OPTIONS = 'seqLen, batch, stateful, lengths';
const ENCODER_DECODER_OPTIONS = 'sourceVocab, targetVocab, embed, hidden, cell, numLayers, bos, eos, seed, backend';
const BEAM_OPTIONS = 'maxLength, beamWidth, stopAt';

/** A valid EncoderDecoder configuration, to spoil one option at a time. */
const SEQ2SEQ = { sourceVocab: 6, targetVocab: 5, hidden: 4, bos: 0, eos: 1 };

const layerCases: BadCall[] = [
  bad(
    'Embedding(0, 4)',
    RangeError,
    exact('Embedding: numEmbeddings must be a positive integer, received 0'),
    ({ backend }) => new Embedding(0, 4, { backend }),
  ),
  bad(
    'Embedding(7, 2.5)',
    RangeError,
    exact('Embedding: embeddingDim must be a positive integer, received 2.5'),
    ({ backend }) => new Embedding(7, 2.5, { backend }),
  ),
  bad(
    'Embedding: seed 1.5',
    RangeError,
    exact('Embedding: options.seed must be an integer, received 1.5'),
    ({ backend }) => new Embedding(7, 4, { seed: 1.5, backend }),
  ),
  bad(
    "Embedding: PyTorch's paddingIdx",
    TypeError,
    exact('Embedding: unknown option options.paddingIdx; valid options: seed, backend'),
    ({ backend }) => new Embedding(7, 4, { paddingIdx: 0, backend } as never),
  ),
  bad(
    'Embedding: sed',
    TypeError,
    exact("Embedding: unknown option options.sed (did you mean 'seed'?); valid options: seed, backend"),
    ({ backend }) => new Embedding(7, 4, { sed: 1, backend } as never),
  ),
  bad(
    'Embedding: backend {}',
    TypeError,
    exact('Embedding: options.backend must be a Backend from init() or createBackend(), received an object'),
    () => new Embedding(7, 4, { backend: {} as never }),
  ),
  bad(
    'Embedding: null options',
    TypeError,
    exact('Embedding: options must be an object, received null'),
    () => new Embedding(7, 4, null as never),
  ),
  bad(
    'OneHot(0)',
    RangeError,
    exact('OneHot: size must be a positive integer, received 0'),
    ({ backend }) => new OneHot(0, { backend }),
  ),
  bad(
    'OneHot: seed',
    TypeError,
    exact('OneHot: unknown option options.seed; valid options: backend'),
    ({ backend }) => new OneHot(5, { seed: 1, backend } as never),
  ),
  bad(
    "OneHot: options 'x'",
    TypeError,
    exact('OneHot: options must be an object, received "x"'),
    () => new OneHot(5, 'x' as never),
  ),
  bad(
    'Dense(4, 0)',
    RangeError,
    exact('Dense: outFeatures must be a positive integer, received 0'),
    ({ backend }) => new Dense(4, 0, { backend }),
  ),
  bad(
    'Dense(-1, 7)',
    RangeError,
    exact('Dense: inFeatures must be a positive integer, received -1'),
    ({ backend }) => new Dense(-1, 7, { backend }),
  ),
  bad(
    "Dense: bias 'no'",
    TypeError,
    exact('Dense: options.bias must be true or false, received "no"'),
    ({ backend }) => new Dense(4, 7, { bias: 'no' as never, backend }),
  ),
  bad(
    'Dense: bias null',
    TypeError,
    exact('Dense: options.bias must be true or false, received null'),
    ({ backend }) => new Dense(4, 7, { bias: null as never, backend }),
  ),
  bad(
    "Dense: at 'first'",
    TypeError,
    exact(`Dense: options.at must be 'every' or 'last', received "first"`),
    ({ backend }) => new Dense(4, 7, { at: 'first' as never, backend }),
  ),
  bad(
    'Dense: activation',
    TypeError,
    exact(`Dense: unknown option options.activation; valid options: ${DENSE_OPTIONS}`),
    ({ backend }) => new Dense(4, 7, { activation: 'relu', backend } as never),
  ),
  bad(
    'Dense: biass',
    TypeError,
    exact(`Dense: unknown option options.biass (did you mean 'bias'?); valid options: ${DENSE_OPTIONS}`),
    ({ backend }) => new Dense(4, 7, { biass: true, backend } as never),
  ),
  bad(
    'Dense: seed -0.5',
    RangeError,
    exact('Dense: options.seed must be an integer, received -0.5'),
    ({ backend }) => new Dense(4, 7, { seed: -0.5, backend }),
  ),
  bad(
    'Dense: backend 3',
    TypeError,
    exact('Dense: options.backend must be a Backend from init() or createBackend(), received 3'),
    () => new Dense(4, 7, { backend: 3 as never }),
  ),
  bad(
    'Dropout(1)',
    RangeError,
    exact('Dropout: p must be a finite number ≥ 0 and < 1, received 1'),
    () => new Dropout(1),
  ),
  bad(
    'Dropout(-0.1)',
    RangeError,
    exact('Dropout: p must be a finite number ≥ 0 and < 1, received -0.1'),
    () => new Dropout(-0.1),
  ),
  bad(
    'Dropout(NaN)',
    RangeError,
    exact('Dropout: p must be a finite number ≥ 0 and < 1, received NaN'),
    () => new Dropout(Number.NaN),
  ),
  bad(
    'Dropout("0.5")',
    TypeError,
    exact('Dropout: p must be a finite number ≥ 0 and < 1, received "0.5"'),
    () => new Dropout('0.5' as never),
  ),
  bad(
    'Dropout(1 − 1e-10): 1 in float32',
    RangeError,
    exact('Dropout: p must be < 1 also as float32, received 0.9999999999'),
    () => new Dropout(0.9999999999),
  ),
  bad(
    'Dropout: seed "x"',
    TypeError,
    exact('Dropout: options.seed must be an integer, received "x"'),
    () => new Dropout(0.5, { seed: 'x' as never }),
  ),
  bad(
    'Dropout: rate',
    TypeError,
    exact('Dropout: unknown option options.rate; valid options: seed'),
    () => new Dropout(0.5, { rate: 0.1 } as never),
  ),
  bad(
    'Dropout: null options',
    TypeError,
    exact('Dropout: options must be an object, received null'),
    () => new Dropout(0.5, null as never),
  ),
];

const modelCases: BadCall[] = [
  bad(
    'SequenceModel(null)',
    TypeError,
    exact('SequenceModel: options must be an object, received null'),
    () => new SequenceModel(null as never),
  ),
  bad(
    'SequenceModel: no layers',
    TypeError,
    exact('SequenceModel: options.layers must be an array of layers, received undefined'),
    () => new SequenceModel({} as never),
  ),
  bad(
    "SequenceModel: layers 'lstm'",
    TypeError,
    exact('SequenceModel: options.layers must be an array of layers, received "lstm"'),
    () => new SequenceModel({ layers: 'lstm' as never }),
  ),
  bad(
    "SequenceModel: output 'softmax2'",
    TypeError,
    exact(`SequenceModel: options.output must be 'softmax', 'sigmoid' or 'linear', received "softmax2"`),
    ({ rnn, dense }) => new SequenceModel({ layers: [rnn, dense], output: 'softmax2' as never }),
  ),
  bad(
    'SequenceModel: outputs',
    TypeError,
    exact("SequenceModel: unknown option options.outputs (did you mean 'output'?); valid options: layers, output"),
    ({ rnn, dense }) => new SequenceModel({ layers: [rnn, dense], outputs: 'linear' } as never),
  ),
  bad(
    'SequenceModel: loss',
    TypeError,
    exact('SequenceModel: unknown option options.loss; valid options: layers, output'),
    ({ rnn, dense }) => new SequenceModel({ layers: [rnn, dense], loss: 'mse' } as never),
  ),
  bad(
    'SequenceModel: no recurrent layer',
    TypeError,
    exact('SequenceModel: layers need at least one recurrent layer (RNN, LSTM or GRU)'),
    ({ dense }) => new SequenceModel({ layers: [dense] }),
  ),
  bad(
    'SequenceModel: layers out of order',
    TypeError,
    /^SequenceModel: layers must be \[Embedding\?, Dropout\?, \(RNN\|LSTM\|GRU, Dropout\?\)\+, Dense\] in that order$/,
    ({ rnn, dense, embedding }) => new SequenceModel({ layers: [rnn, dense, embedding] }),
  ),
  bad(
    'SequenceModel: sizes that do not chain',
    RangeError,
    exact('SequenceModel: layer 0 (GRU) expects inputSize 3, but the layer below gives 4'),
    ({ embedding, gru, dense }) => new SequenceModel({ layers: [embedding, gru, dense] }),
  ),
  bad(
    'SequenceModel.predict: stateful "no"',
    TypeError,
    exact('SequenceModel.predict: options.stateful must be true or false, received "no"'),
    ({ lm, data }) => lm.predict(data.ids, { batch: 2, stateful: 'no' as never }),
  ),
  bad(
    'SequenceModel.predict: stateful 1',
    TypeError,
    exact('SequenceModel.predict: options.stateful must be true or false, received 1'),
    ({ lm, data }) => lm.predict(data.ids, { batch: 2, stateful: 1 as never }),
  ),
  bad(
    'SequenceModel.predict: statefull',
    TypeError,
    exact(
      `SequenceModel.predict: unknown option options.statefull (did you mean 'stateful'?); valid options: ${PREDICT_OPTIONS}`,
    ),
    ({ lm, data }) => lm.predict(data.ids, { batch: 2, statefull: true } as never),
  ),
  bad(
    'SequenceModel.predict: seqLen 0',
    RangeError,
    exact('SequenceModel.predict: options.seqLen must be an integer ≥ 1, received 0'),
    ({ lm, data }) => lm.predict(data.ids, { seqLen: 0 }),
  ),
  bad(
    'SequenceModel.predict: batch -1',
    RangeError,
    exact('SequenceModel.predict: options.batch must be an integer ≥ 1, received -1'),
    ({ regressor, data }) => regressor.predict(data.features, { batch: -1 }),
  ),
  bad(
    'SequenceModel.predict: mask',
    TypeError,
    exact(`SequenceModel.predict: unknown option options.mask; valid options: ${PREDICT_OPTIONS}`),
    ({ lm, data }) => lm.predict(data.ids, { batch: 2, mask: [1, 1, 1, 1] } as never),
  ),
  bad(
    'SequenceModel.predict: h0',
    TypeError,
    exact(`SequenceModel.predict: unknown option options.h0; valid options: ${PREDICT_OPTIONS}`),
    ({ regressor, data }) => regressor.predict(data.features, { h0: new Float32Array(4) } as never),
  ),
  bad(
    'SequenceModel.predict: train',
    TypeError,
    exact(`SequenceModel.predict: unknown option options.train; valid options: ${PREDICT_OPTIONS}`),
    ({ lm, data }) => lm.predict(data.ids, { train: true } as never),
  ),
  bad(
    'SequenceModel.predict: null options',
    TypeError,
    exact('SequenceModel.predict: options must be an object, received null'),
    ({ lm, data }) => lm.predict(data.ids, null as never),
  ),
  bad(
    'SequenceModel.predict: a token id out of range',
    RangeError,
    exact('SequenceModel.predict: input must hold integer token ids in [0, 7), received 9 at index 2'),
    ({ lm }) => lm.predict([3, 4, 9, 5], { batch: 2 }),
  ),
  bad(
    'SequenceModel.predict: a string',
    TypeError,
    exact('SequenceModel.predict: input must be an Int32Array of token ids, received "abc"'),
    ({ lm }) => lm.predict('abc' as never),
  ),
  bad(
    'SequenceModel.predict: features that are not whole steps',
    RangeError,
    /^SequenceModel\.predict: input has 11 values; expected seqLen·batch·inputSize = \?·1·3$/,
    ({ regressor, data }) => regressor.predict(data.features.subarray(1), { batch: 1 }),
  ),
  bad(
    'SequenceModel.resetState(0)',
    RangeError,
    exact('SequenceModel.resetState: batch must be a positive integer, received 0'),
    ({ lm }) => lm.resetState(0),
  ),
  bad(
    'SequenceModel.reorderState([9])',
    RangeError,
    exact('SequenceModel.reorderState: rows must hold stream indices in [0, 2), received 9 at index 0'),
    ({ lm }) => lm.reorderState([9]),
  ),
  bad(
    'SequenceModel.reorderState([])',
    TypeError,
    exact('SequenceModel.reorderState: rows must be a non-empty array of stream indices, received Array(0)'),
    ({ lm }) => lm.reorderState([]),
  ),
];

const seq2seqCases: BadCall[] = [
  bad(
    'EncoderDecoder(null)',
    TypeError,
    exact('EncoderDecoder: options must be an object, received null'),
    () => new EncoderDecoder(null as never),
  ),
  bad(
    'EncoderDecoder: no sourceVocab',
    TypeError,
    exact('EncoderDecoder: options.sourceVocab must be an integer ≥ 1, received undefined'),
    ({ backend }) => new EncoderDecoder({ ...SEQ2SEQ, sourceVocab: undefined, backend } as never),
  ),
  bad(
    'EncoderDecoder: no bos',
    TypeError,
    exact('EncoderDecoder: options.bos must be an integer ≥ 0, received undefined'),
    ({ backend }) => new EncoderDecoder({ ...SEQ2SEQ, bos: undefined, backend } as never),
  ),
  bad(
    'EncoderDecoder: targetVocab 0',
    RangeError,
    exact('EncoderDecoder: options.targetVocab must be an integer ≥ 1, received 0'),
    ({ backend }) => new EncoderDecoder({ ...SEQ2SEQ, targetVocab: 0, backend }),
  ),
  bad(
    'EncoderDecoder: hidden "4"',
    TypeError,
    exact('EncoderDecoder: options.hidden must be an integer ≥ 1, received "4"'),
    ({ backend }) => new EncoderDecoder({ ...SEQ2SEQ, hidden: '4' as never, backend }),
  ),
  bad(
    'EncoderDecoder: embed 0',
    RangeError,
    exact('EncoderDecoder: options.embed must be an integer ≥ 1, received 0'),
    ({ backend }) => new EncoderDecoder({ ...SEQ2SEQ, embed: 0, backend }),
  ),
  bad(
    "EncoderDecoder: cell 'transformer'",
    TypeError,
    exact(`EncoderDecoder: options.cell must be 'lstm', 'gru' or 'rnn', received "transformer"`),
    ({ backend }) => new EncoderDecoder({ ...SEQ2SEQ, cell: 'transformer' as never, backend }),
  ),
  bad(
    'EncoderDecoder: numLayers 0',
    RangeError,
    exact('EncoderDecoder: options.numLayers must be an integer ≥ 1, received 0'),
    ({ backend }) => new EncoderDecoder({ ...SEQ2SEQ, numLayers: 0, backend }),
  ),
  bad(
    'EncoderDecoder: bos -1',
    RangeError,
    exact('EncoderDecoder: options.bos must be an integer ≥ 0, received -1'),
    ({ backend }) => new EncoderDecoder({ ...SEQ2SEQ, bos: -1, backend }),
  ),
  bad(
    'EncoderDecoder: bos = targetVocab',
    RangeError,
    exact('EncoderDecoder: options.bos must be a target id in [0, 5), received 5'),
    ({ backend }) => new EncoderDecoder({ ...SEQ2SEQ, bos: 5, backend }),
  ),
  bad(
    'EncoderDecoder: eos 1.5',
    RangeError,
    exact('EncoderDecoder: options.eos must be an integer ≥ 0, received 1.5'),
    ({ backend }) => new EncoderDecoder({ ...SEQ2SEQ, eos: 1.5, backend }),
  ),
  bad(
    'EncoderDecoder: seed "x"',
    TypeError,
    exact('EncoderDecoder: options.seed must be an integer, received "x"'),
    ({ backend }) => new EncoderDecoder({ ...SEQ2SEQ, seed: 'x' as never, backend }),
  ),
  bad(
    'EncoderDecoder: backend {}',
    TypeError,
    exact('EncoderDecoder: options.backend must be a Backend from init() or createBackend(), received an object'),
    () => new EncoderDecoder({ ...SEQ2SEQ, backend: {} as never }),
  ),
  bad(
    'EncoderDecoder: attention',
    TypeError,
    exact(`EncoderDecoder: unknown option options.attention; valid options: ${ENCODER_DECODER_OPTIONS}`),
    ({ backend }) => new EncoderDecoder({ ...SEQ2SEQ, attention: true, backend } as never),
  ),
  bad(
    'EncoderDecoder: sourceVocb',
    TypeError,
    /^EncoderDecoder: unknown option options\.sourceVocb \(did you mean 'sourceVocab'\?\)/,
    ({ backend }) => new EncoderDecoder({ ...SEQ2SEQ, sourceVocb: 6, backend } as never),
  ),
  bad(
    'EncoderDecoder.greedy: maxLength 0',
    RangeError,
    exact('EncoderDecoder.greedy: options.maxLength must be an integer ≥ 1, received 0'),
    ({ encdec, data }) => encdec.greedy(data.source, { maxLength: 0 }),
  ),
  bad(
    'EncoderDecoder.greedy: no maxLength',
    TypeError,
    exact('EncoderDecoder.greedy: options.maxLength must be an integer ≥ 1, received undefined'),
    ({ encdec, data }) => encdec.greedy(data.source, {} as never),
  ),
  bad(
    'EncoderDecoder.greedy: beamWidth',
    TypeError,
    exact('EncoderDecoder.greedy: unknown option options.beamWidth; valid options: batch, lengths, maxLength'),
    ({ encdec, data }) => encdec.greedy(data.source, { maxLength: 3, beamWidth: 2 } as never),
  ),
  bad(
    'EncoderDecoder.greedy: max_length',
    TypeError,
    /^EncoderDecoder\.greedy: unknown option options\.max_length \(did you mean 'maxLength'\?\)/,
    ({ encdec, data }) => encdec.greedy(data.source, { max_length: 3 } as never),
  ),
  bad(
    'EncoderDecoder.greedy: batch 0',
    RangeError,
    exact('EncoderDecoder.greedy: options.batch must be an integer ≥ 1, received 0'),
    ({ encdec, data }) => encdec.greedy(data.source, { maxLength: 3, batch: 0 }),
  ),
  bad(
    'EncoderDecoder.greedy: no options',
    TypeError,
    exact('EncoderDecoder.greedy: options must be an object, received undefined'),
    ({ encdec, data }) => encdec.greedy(data.source, undefined as never),
  ),
  bad(
    'EncoderDecoder.greedy: a source id out of range',
    RangeError,
    exact('EncoderDecoder.greedy: source must hold integer token ids in [0, 6), received 9 at index 0'),
    ({ encdec }) => encdec.greedy([9], { maxLength: 3 }),
  ),
  bad(
    'EncoderDecoder.beamSearch: beamWidth 0',
    RangeError,
    exact('EncoderDecoder.beamSearch: options.beamWidth must be an integer ≥ 1, received 0'),
    ({ encdec, data }) => encdec.beamSearch(data.source, { maxLength: 3, beamWidth: 0 }),
  ),
  bad(
    'EncoderDecoder.beamSearch: prime',
    TypeError,
    exact(`EncoderDecoder.beamSearch: unknown option options.prime; valid options: ${BEAM_OPTIONS}`),
    ({ encdec, data }) => encdec.beamSearch(data.source, { maxLength: 3, prime: [1] } as never),
  ),
  bad(
    'EncoderDecoder.beamSearch: stopAt -1',
    RangeError,
    exact('EncoderDecoder.beamSearch: options.stopAt must be an integer ≥ 0, received -1'),
    ({ encdec, data }) => encdec.beamSearch(data.source, { maxLength: 3, stopAt: -1 }),
  ),
  bad(
    "EncoderDecoder.beamSearch: stopAt 'eos'",
    TypeError,
    exact('EncoderDecoder.beamSearch: options.stopAt must be an integer ≥ 0, received "eos"'),
    ({ encdec, data }) => encdec.beamSearch(data.source, { maxLength: 3, stopAt: 'eos' as never }),
  ),
  bad(
    'EncoderDecoder.beamSearch: beamwidth',
    TypeError,
    /^EncoderDecoder\.beamSearch: unknown option options\.beamwidth \(did you mean 'beamWidth'\?\)/,
    ({ encdec, data }) => encdec.beamSearch(data.source, { maxLength: 3, beamwidth: 2 } as never),
  ),
  bad(
    'EncoderDecoder.beamSearch: no options',
    TypeError,
    exact('EncoderDecoder.beamSearch: options must be an object, received undefined'),
    ({ encdec, data }) => encdec.beamSearch(data.source, undefined as never),
  ),
  bad(
    'EncoderDecoder.beamSearch: maxLength Infinity',
    RangeError,
    exact('EncoderDecoder.beamSearch: options.maxLength must be an integer ≥ 1, received Infinity'),
    ({ encdec, data }) => encdec.beamSearch(data.source, { maxLength: Number.POSITIVE_INFINITY }),
  ),
];

runBadCalls('embedding, one-hot, dense and dropout layers', layerCases);
runBadCalls('SequenceModel', modelCases);
runBadCalls('EncoderDecoder', seq2seqCases);
