// Bad input at the public boundary, part 1: init() and createBackend(), the recurrent layers'
// constructors and methods, and the cells. Every case throws strand's own error (its class and
// message checked), and leaves every live object and both heaps bit for bit as before, on the
// wasm and the js backend (see bad-input-world.ts). Parts 2 and 3: bad-input-models.test.ts,
// bad-input-lm.test.ts.
import { createBackend, init } from '../../src/backend/index.ts';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell, type RecurrentState } from '../../src/index.ts';
import { type BadCall, bad, exact, runBadCalls } from './bad-input-world.ts';

const LAYER_OPTIONS = 'inputSize, hiddenSize, numLayers, bidirectional, bias, merge, init, seed, backend';
const INIT_OPTIONS = 'backend, flavor, module, bytes, url, wasm, threads';
const FORWARD_OPTIONS = 'seqLen, batch, h0, c0, lengths, mask';
const CELL_OPTIONS = 'bias, init, seed, backend';
const WEIGHT_INITS = "'uniform', 'glorot', 'orthogonal', 'identity' or 'zeros'";

/** init() and createBackend(): each rejects, and the default backend stays the one in use. */
const initCases: BadCall[] = [
  bad('init: options not an object', TypeError, exact('init: options must be an object, received "wasm"'), () =>
    init('wasm' as never),
  ),
  bad('init: null options', TypeError, exact('init: options must be an object, received null'), () =>
    init(null as never),
  ),
  bad('init: an array', TypeError, exact('init: options must be an object, received Array(0)'), () =>
    init([] as never),
  ),
  bad(
    "init: 'flavour'",
    TypeError,
    exact(`init: unknown option options.flavour (did you mean 'flavor'?); valid options: ${INIT_OPTIONS}`),
    () => init({ flavour: 'simd' } as never),
  ),
  bad("init: 'thread'", TypeError, /^init: unknown option options\.thread \(did you mean 'threads'\?\)/, () =>
    init({ thread: 2 } as never),
  ),
  bad("init: 'backed'", TypeError, /^init: unknown option options\.backed \(did you mean 'backend'\?\)/, () =>
    init({ backed: 'js' } as never),
  ),
  bad(
    "init: backend 'gpu'",
    TypeError,
    exact(`init: options.backend must be 'auto', 'wasm' or 'js', received "gpu"`),
    () => init({ backend: 'gpu' } as never),
  ),
  bad('init: backend 1', TypeError, exact(`init: options.backend must be 'auto', 'wasm' or 'js', received 1`), () =>
    init({ backend: 1 } as never),
  ),
  bad(
    "init: flavor 'threads'",
    TypeError,
    exact(`init: options.flavor must be 'auto', 'relaxed' or 'simd', received "threads"`),
    () => init({ flavor: 'threads' } as never),
  ),
  bad('init: threads 0', RangeError, exact('init: options.threads must be an integer ≥ 1 and ≤ 16, received 0'), () =>
    init({ threads: 0 }),
  ),
  bad('init: threads 17', RangeError, exact('init: options.threads must be an integer ≥ 1 and ≤ 16, received 17'), () =>
    init({ threads: 17 }),
  ),
  bad(
    'init: threads 1.5',
    RangeError,
    exact('init: options.threads must be an integer ≥ 1 and ≤ 16, received 1.5'),
    () => init({ threads: 1.5 }),
  ),
  bad(
    'init: threads NaN',
    RangeError,
    exact('init: options.threads must be an integer ≥ 1 and ≤ 16, received NaN'),
    () => init({ threads: Number.NaN }),
  ),
  bad(
    'init: threads "2"',
    TypeError,
    exact('init: options.threads must be an integer ≥ 1 and ≤ 16, received "2"'),
    () => init({ threads: '2' } as never),
  ),
  bad(
    'init: threads on js',
    TypeError,
    /^init: options\.threads needs the wasm backend, but options\.backend is 'js'$/,
    () => init({ threads: 2, backend: 'js' }),
  ),
  bad(
    'init: bytes as module',
    TypeError,
    exact('init: options.module must be a WebAssembly.Module, received Uint8Array(8) (bytes go in options.bytes)'),
    () => init({ module: new Uint8Array(8) as never }),
  ),
  bad(
    'init: a file name as bytes',
    TypeError,
    /^init: options\.bytes must be an ArrayBuffer .*received "x\.wasm"$/,
    () => init({ bytes: 'x.wasm' as never }),
  ),
  bad('init: empty bytes', TypeError, exact('init: options.bytes is empty (0 bytes)'), () =>
    init({ bytes: new ArrayBuffer(0) }),
  ),
  bad('init: url 42', TypeError, exact('init: options.url must be a URL or a non-empty string, received 42'), () =>
    init({ url: 42 as never }),
  ),
  bad('init: empty url', TypeError, exact('init: options.url must be a URL or a non-empty string, received ""'), () =>
    init({ url: '' }),
  ),
  bad('init: wasm {}', TypeError, /^init: options\.wasm must be a WebAssembly\.Module .*received an object$/, () =>
    init({ wasm: {} as never }),
  ),
  bad(
    'init: two modules',
    TypeError,
    exact(
      'init: give at most one of options.module, options.bytes and options.url, received options.bytes and options.url',
    ),
    () => init({ bytes: new Uint8Array(8), url: 'x.wasm' }),
  ),
  bad(
    'init: a flavor for js',
    TypeError,
    /^init: options\.flavor chooses a wasm build, but options\.backend is 'js'/,
    () => init({ backend: 'js', flavor: 'simd' }),
  ),
  bad("createBackend: 'flavour'", TypeError, /^init: unknown option options\.flavour \(did you mean 'flavor'\?\)/, () =>
    createBackend({ flavour: 'simd' } as never),
  ),
  bad('createBackend: threads with bytes', TypeError, /cannot be combined with options\.bytes$/, () =>
    createBackend({ threads: 2, bytes: new Uint8Array(8) }),
  ),
];

/** The layer constructors; every case passes the world's backend, so an allocation would show. */
const layerCases: BadCall[] = [
  bad(
    'LSTM: null options',
    TypeError,
    exact('LSTM: options must be an object, received null'),
    () => new LSTM(null as never),
  ),
  bad(
    'LSTM: a string',
    TypeError,
    exact('LSTM: options must be an object, received "4"'),
    () => new LSTM('4' as never),
  ),
  bad(
    'LSTM: no inputSize',
    TypeError,
    exact('LSTM: options.inputSize must be an integer ≥ 1, received undefined'),
    ({ backend }) => new LSTM({ hiddenSize: 4, backend } as never),
  ),
  bad(
    'LSTM: no hiddenSize',
    TypeError,
    exact('LSTM: options.hiddenSize must be an integer ≥ 1, received undefined'),
    ({ backend }) => new LSTM({ inputSize: 3, backend } as never),
  ),
  bad(
    'LSTM: inputSize 0',
    RangeError,
    exact('LSTM: options.inputSize must be an integer ≥ 1, received 0'),
    ({ backend }) => new LSTM({ inputSize: 0, hiddenSize: 4, backend }),
  ),
  bad(
    'LSTM: inputSize 2.5',
    RangeError,
    exact('LSTM: options.inputSize must be an integer ≥ 1, received 2.5'),
    ({ backend }) => new LSTM({ inputSize: 2.5, hiddenSize: 4, backend }),
  ),
  bad(
    'LSTM: inputSize "3"',
    TypeError,
    exact('LSTM: options.inputSize must be an integer ≥ 1, received "3"'),
    ({ backend }) => new LSTM({ inputSize: '3' as never, hiddenSize: 4, backend }),
  ),
  bad(
    'LSTM: inputSize NaN',
    RangeError,
    exact('LSTM: options.inputSize must be an integer ≥ 1, received NaN'),
    ({ backend }) => new LSTM({ inputSize: Number.NaN, hiddenSize: 4, backend }),
  ),
  bad(
    'GRU: hiddenSize Infinity',
    RangeError,
    exact('GRU: options.hiddenSize must be an integer ≥ 1, received Infinity'),
    ({ backend }) => new GRU({ inputSize: 3, hiddenSize: Number.POSITIVE_INFINITY, backend }),
  ),
  bad(
    'RNN: hiddenSize -1',
    RangeError,
    exact('RNN: options.hiddenSize must be an integer ≥ 1, received -1'),
    ({ backend }) => new RNN({ inputSize: 3, hiddenSize: -1, backend }),
  ),
  bad(
    'LSTM: numLayers 0',
    RangeError,
    exact('LSTM: options.numLayers must be an integer ≥ 1, received 0'),
    ({ backend }) => new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 0, backend }),
  ),
  bad(
    'GRU: numLayers 1.5',
    RangeError,
    exact('GRU: options.numLayers must be an integer ≥ 1, received 1.5'),
    ({ backend }) => new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 1.5, backend }),
  ),
  bad(
    "LSTM: bidirectional 'yes'",
    TypeError,
    exact('LSTM: options.bidirectional must be true or false, received "yes"'),
    ({ backend }) => new LSTM({ inputSize: 3, hiddenSize: 4, bidirectional: 'yes' as never, backend }),
  ),
  bad(
    'GRU: bidirectional 1',
    TypeError,
    exact('GRU: options.bidirectional must be true or false, received 1'),
    ({ backend }) => new GRU({ inputSize: 3, hiddenSize: 4, bidirectional: 1 as never, backend }),
  ),
  bad(
    "LSTM: bias 'no'",
    TypeError,
    exact('LSTM: options.bias must be true or false, received "no"'),
    ({ backend }) => new LSTM({ inputSize: 3, hiddenSize: 4, bias: 'no' as never, backend }),
  ),
  bad(
    'RNN: bias 0',
    TypeError,
    exact('RNN: options.bias must be true or false, received 0'),
    ({ backend }) => new RNN({ inputSize: 3, hiddenSize: 4, bias: 0 as never, backend }),
  ),
  bad(
    'GRU: bias null',
    TypeError,
    exact('GRU: options.bias must be true or false, received null'),
    ({ backend }) => new GRU({ inputSize: 3, hiddenSize: 4, bias: null as never, backend }),
  ),
  bad(
    "LSTM: merge 'avg'",
    TypeError,
    exact(`LSTM: options.merge must be 'concat' or 'sum', received "avg"`),
    ({ backend }) => new LSTM({ inputSize: 3, hiddenSize: 4, bidirectional: true, merge: 'avg' as never, backend }),
  ),
  bad(
    'LSTM: seed 1.5',
    RangeError,
    exact('LSTM: options.seed must be an integer, received 1.5'),
    ({ backend }) => new LSTM({ inputSize: 3, hiddenSize: 4, seed: 1.5, backend }),
  ),
  bad(
    'GRU: seed "1"',
    TypeError,
    exact('GRU: options.seed must be an integer, received "1"'),
    ({ backend }) => new GRU({ inputSize: 3, hiddenSize: 4, seed: '1' as never, backend }),
  ),
  bad(
    'RNN: seed NaN',
    RangeError,
    exact('RNN: options.seed must be an integer, received NaN'),
    ({ backend }) => new RNN({ inputSize: 3, hiddenSize: 4, seed: Number.NaN, backend }),
  ),
  bad(
    'LSTM: backend {}',
    TypeError,
    exact('LSTM: options.backend must be a Backend from init() or createBackend(), received an object'),
    () => new LSTM({ inputSize: 3, hiddenSize: 4, backend: {} as never }),
  ),
  bad(
    "GRU: backend 'wasm'",
    TypeError,
    exact('GRU: options.backend must be a Backend from init() or createBackend(), received "wasm"'),
    () => new GRU({ inputSize: 3, hiddenSize: 4, backend: 'wasm' as never }),
  ),
  bad(
    "LSTM: 'hidden'",
    TypeError,
    exact(`LSTM: unknown option options.hidden; valid options: ${LAYER_OPTIONS}`),
    ({ backend }) => new LSTM({ inputSize: 3, hiddenSize: 4, hidden: 3, backend } as never),
  ),
  bad(
    "LSTM: 'hiddensize'",
    TypeError,
    /^LSTM: unknown option options\.hiddensize \(did you mean 'hiddenSize'\?\)/,
    ({ backend }) => new LSTM({ inputSize: 3, hiddensize: 4, backend } as never),
  ),
  bad(
    "GRU: 'input_size'",
    TypeError,
    /^GRU: unknown option options\.input_size \(did you mean 'inputSize'\?\)/,
    ({ backend }) => new GRU({ input_size: 3, hiddenSize: 4, backend } as never),
  ),
  bad(
    "LSTM: 'num_layers'",
    TypeError,
    /^LSTM: unknown option options\.num_layers \(did you mean 'numLayers'\?\)/,
    ({ backend }) => new LSTM({ inputSize: 3, hiddenSize: 4, num_layers: 2, backend } as never),
  ),
  bad(
    "LSTM: PyTorch's 'dropout'",
    TypeError,
    exact(`LSTM: unknown option options.dropout; valid options: ${LAYER_OPTIONS}`),
    ({ backend }) => new LSTM({ inputSize: 3, hiddenSize: 4, dropout: 0.5, backend } as never),
  ),
  bad(
    "GRU: PyTorch's 'batchFirst'",
    TypeError,
    exact(`GRU: unknown option options.batchFirst; valid options: ${LAYER_OPTIONS}, resetAfter`),
    ({ backend }) => new GRU({ inputSize: 3, hiddenSize: 4, batchFirst: true, backend } as never),
  ),
  bad(
    'LSTM: resetAfter',
    TypeError,
    exact(`LSTM: unknown option options.resetAfter; valid options: ${LAYER_OPTIONS}`),
    ({ backend }) => new LSTM({ inputSize: 3, hiddenSize: 4, resetAfter: true, backend } as never),
  ),
  bad(
    'LSTM: nonlinearity',
    TypeError,
    exact(`LSTM: unknown option options.nonlinearity; valid options: ${LAYER_OPTIONS}`),
    ({ backend }) => new LSTM({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu', backend } as never),
  ),
  bad(
    'GRU: nonlinearity',
    TypeError,
    exact(`GRU: unknown option options.nonlinearity; valid options: ${LAYER_OPTIONS}, resetAfter`),
    ({ backend }) => new GRU({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu', backend } as never),
  ),
  bad(
    'RNN: resetAfter',
    TypeError,
    exact(`RNN: unknown option options.resetAfter; valid options: ${LAYER_OPTIONS}, nonlinearity`),
    ({ backend }) => new RNN({ inputSize: 3, hiddenSize: 4, resetAfter: false, backend } as never),
  ),
  bad(
    "RNN: nonlinearity 'sigmoid'",
    TypeError,
    exact(`RNN: options.nonlinearity must be 'tanh' or 'relu', received "sigmoid"`),
    ({ backend }) => new RNN({ inputSize: 3, hiddenSize: 4, nonlinearity: 'sigmoid' as never, backend }),
  ),
  bad(
    "GRU: resetAfter 'yes'",
    TypeError,
    exact('GRU: options.resetAfter must be true or false, received "yes"'),
    ({ backend }) => new GRU({ inputSize: 3, hiddenSize: 4, resetAfter: 'yes' as never, backend }),
  ),
  bad(
    "LSTM: init 'glorot'",
    TypeError,
    exact('LSTM: options.init must be an object, received "glorot"'),
    ({ backend }) => new LSTM({ inputSize: 3, hiddenSize: 4, init: 'glorot' as never, backend }),
  ),
  bad(
    "LSTM: init.weightHh 'eye'",
    TypeError,
    exact(`LSTM: options.init.weightHh must be ${WEIGHT_INITS}, received "eye"`),
    ({ backend }) => new LSTM({ inputSize: 3, hiddenSize: 4, init: { weightHh: 'eye' as never }, backend }),
  ),
  bad(
    "GRU: init 'weightHH'",
    TypeError,
    exact(
      "GRU: unknown option options.init.weightHH (did you mean 'weightHh'?); valid options: weightIh, weightHh, bias, forgetBias",
    ),
    ({ backend }) => new GRU({ inputSize: 3, hiddenSize: 4, init: { weightHH: 'orthogonal' } as never, backend }),
  ),
  bad(
    "LSTM: init.weightIh 'orthogonal'",
    TypeError,
    exact("LSTM: options.init.weightIh cannot be 'orthogonal' (only recurrent weights are square)"),
    ({ backend }) => new LSTM({ inputSize: 3, hiddenSize: 4, init: { weightIh: 'orthogonal' }, backend }),
  ),
  bad(
    "RNN: init.weightIh 'identity'",
    TypeError,
    exact("RNN: options.init.weightIh cannot be 'identity' (only recurrent weights are square)"),
    ({ backend }) => new RNN({ inputSize: 3, hiddenSize: 4, init: { weightIh: 'identity' }, backend }),
  ),
  bad(
    "LSTM: init.bias 'ones'",
    TypeError,
    exact(`LSTM: options.init.bias must be 'uniform' or 'zeros', received "ones"`),
    ({ backend }) => new LSTM({ inputSize: 3, hiddenSize: 4, init: { bias: 'ones' as never }, backend }),
  ),
  bad(
    'LSTM: init.forgetBias 1e39 (Infinity in float32)',
    RangeError,
    exact('LSTM: options.init.forgetBias must be a finite number, finite as float32, received 1e+39'),
    ({ backend }) => new LSTM({ inputSize: 3, hiddenSize: 4, init: { forgetBias: 1e39 }, backend }),
  ),
  bad(
    'LSTM: init.forgetBias NaN',
    RangeError,
    exact('LSTM: options.init.forgetBias must be a finite number, received NaN'),
    ({ backend }) => new LSTM({ inputSize: 3, hiddenSize: 4, init: { forgetBias: Number.NaN }, backend }),
  ),
  bad(
    'LSTM: init.forgetBias "1"',
    TypeError,
    exact('LSTM: options.init.forgetBias must be a finite number, received "1"'),
    ({ backend }) => new LSTM({ inputSize: 3, hiddenSize: 4, init: { forgetBias: '1' as never }, backend }),
  ),
  bad(
    'GRU: init.forgetBias',
    TypeError,
    exact('GRU: options.init.forgetBias applies to LSTM only'),
    ({ backend }) => new GRU({ inputSize: 3, hiddenSize: 4, init: { forgetBias: 1 }, backend }),
  ),
  bad(
    'LSTM(0, 4)',
    RangeError,
    exact('LSTM: inputSize must be a positive integer, received 0'),
    ({ backend }) => new LSTM(0, 4, { backend }),
  ),
  bad(
    'GRU(3, 4.5)',
    RangeError,
    exact('GRU: hiddenSize must be a positive integer, received 4.5'),
    ({ backend }) => new GRU(3, 4.5, { backend }),
  ),
  bad(
    'LSTM(3, 4, { inputSize })',
    TypeError,
    exact(
      'LSTM: unknown option options.inputSize; valid options: numLayers, bidirectional, bias, merge, init, seed, backend',
    ),
    ({ backend }) => new LSTM(3, 4, { inputSize: 3, backend } as never),
  ),
  bad(
    'LSTM(3, 4, null)',
    TypeError,
    exact('LSTM: options must be an object, received null'),
    () => new LSTM(3, 4, null as never),
  ),
  bad(
    'RNN(3, 4, { bais })',
    TypeError,
    /^RNN: unknown option options\.bais \(did you mean 'bias'\?\)/,
    ({ backend }) => new RNN(3, 4, { bais: true, backend } as never),
  ),
  bad(
    "GRU(3, 4, { bias: 'false' })",
    TypeError,
    exact('GRU: options.bias must be true or false, received "false"'),
    ({ backend }) => new GRU(3, 4, { bias: 'false' as never, backend }),
  ),
];

/** The layers' forward and backward, with options and gradients objects. */
const layerMethodCases: BadCall[] = [
  bad(
    'LSTM.forward: initialState',
    TypeError,
    exact(`LSTM.forward: unknown option options.initialState; valid options: ${FORWARD_OPTIONS}`),
    ({ lstm, data }) => lstm.forward(data.x, { initialState: new Float32Array(16) } as never),
  ),
  bad(
    "GRU.forward: PyTorch's hx",
    TypeError,
    exact(`GRU.forward: unknown option options.hx (did you mean 'h0'?); valid options: ${FORWARD_OPTIONS}`),
    ({ gru, data }) => gru.forward(data.x, { hx: new Float32Array(16) } as never),
  ),
  bad(
    'LSTM.forward: h_0',
    TypeError,
    /^LSTM\.forward: unknown option options\.h_0 \(did you mean 'h0'\?\)/,
    ({ lstm, data }) => lstm.forward(data.x, { h_0: new Float32Array(16) } as never),
  ),
  bad(
    'RNN.forward: seqlen',
    TypeError,
    /^RNN\.forward: unknown option options\.seqlen \(did you mean 'seqLen'\?\)/,
    ({ rnn, data }) => rnn.forward(data.x, { seqlen: 2 } as never),
  ),
  bad(
    'LSTM.forward: batchSize',
    TypeError,
    exact(`LSTM.forward: unknown option options.batchSize; valid options: ${FORWARD_OPTIONS}`),
    ({ lstm, data }) => lstm.forward(data.x, { batchSize: 2 } as never),
  ),
  bad(
    'GRU.forward: stateful',
    TypeError,
    exact(`GRU.forward: unknown option options.stateful; valid options: ${FORWARD_OPTIONS}`),
    ({ gru, data }) => gru.forward(data.x, { stateful: true } as never),
  ),
  bad(
    'LSTM.forward: seqLen 0',
    RangeError,
    exact('LSTM.forward: options.seqLen must be an integer ≥ 1, received 0'),
    ({ lstm, data }) => lstm.forward(data.x, { seqLen: 0 }),
  ),
  bad(
    'LSTM.forward: seqLen "2"',
    TypeError,
    exact('LSTM.forward: options.seqLen must be an integer ≥ 1, received "2"'),
    ({ lstm, data }) => lstm.forward(data.x, { seqLen: '2' as never }),
  ),
  bad(
    'GRU.forward: batch 1.5',
    RangeError,
    exact('GRU.forward: options.batch must be an integer ≥ 1, received 1.5'),
    ({ gru, data }) => gru.forward(data.x, { batch: 1.5 }),
  ),
  bad(
    'RNN.forward: batch NaN',
    RangeError,
    exact('RNN.forward: options.batch must be an integer ≥ 1, received NaN'),
    ({ rnn, data }) => rnn.forward(data.x, { batch: Number.NaN }),
  ),
  bad(
    'LSTM.forward: null options',
    TypeError,
    exact('LSTM.forward: options must be an object, received null'),
    ({ lstm, data }) => lstm.forward(data.x, null as never),
  ),
  bad(
    'GRU.forward: options 2',
    TypeError,
    exact('GRU.forward: options must be an object, received 2'),
    ({ gru, data }) => gru.forward(data.x, 2 as never),
  ),
  bad(
    'LSTM.forward: x of the wrong length',
    RangeError,
    exact('LSTM.forward: x must have seqLen·batch·inputSize = 2·2·3 = 12 values, received 11'),
    ({ lstm, data }) => lstm.forward(data.x.subarray(1), { seqLen: 2, batch: 2 }),
  ),
  bad(
    'LSTM.forward: x a string',
    TypeError,
    /^LSTM\.forward: x must be a Float32Array of \(seqLen, batch, inputSize\) values, received "abc"$/,
    ({ lstm }) => lstm.forward('abc' as never),
  ),
  bad(
    'LSTM.forward: h0 of the wrong length',
    RangeError,
    exact('LSTM.forward: h0 must have numLayers·directions·batch·hiddenSize = 2·1·2·4 = 16 values, received 3'),
    ({ lstm, data }) => lstm.forward(data.x, { seqLen: 2, batch: 2, h0: new Float32Array(3) }),
  ),
  bad('GRU.forward: c0', TypeError, exact('GRU.forward: c0 applies to LSTM only'), ({ gru, data }) =>
    gru.forward(data.x, { seqLen: 2, batch: 2, c0: new Float32Array(16) }),
  ),
  bad(
    'LSTM.backward: null grads',
    TypeError,
    exact('LSTM.backward: grads must be an object, received null'),
    ({ lstm }) => lstm.backward(null as never),
  ),
  bad(
    'LSTM.backward: dOutput',
    TypeError,
    exact("LSTM.backward: unknown option grads.dOutput (did you mean 'output'?); valid options: output, h, c"),
    ({ lstm }) => lstm.backward({ dOutput: new Float32Array(16) } as never),
  ),
  bad(
    'GRU.backward: hT',
    TypeError,
    exact("GRU.backward: unknown option grads.hT (did you mean 'h'?); valid options: output, h, c"),
    ({ gru }) => gru.backward({ hT: new Float32Array(16) } as never),
  ),
  bad(
    'LSTM.backward: output a string',
    TypeError,
    /^LSTM\.backward: output gradient must be a Float32Array of seqLen·batch·outputSize = 2·2·4 = 16 values, received "x"$/,
    ({ lstm }) => lstm.backward({ output: 'x' as never }),
  ),
  bad(
    'LSTM.backward: output of the wrong length',
    RangeError,
    exact('LSTM.backward: output gradient must have seqLen·batch·outputSize = 2·2·4 = 16 values, received 3'),
    ({ lstm }) => lstm.backward({ output: new Float32Array(3) }),
  ),
  bad('GRU.backward: c', TypeError, exact('GRU.backward: a c gradient applies to LSTM only'), ({ gru }) =>
    gru.backward({ c: new Float32Array(16) }),
  ),
  bad(
    'RNN.backward before forward',
    Error,
    exact('RNN.backward: call forward() first (backward uses its saved activations)'),
    ({ rnn }) => rnn.backward({ output: new Float32Array(16) }),
  ),
  bad(
    'LSTM.loadStateDict: an unknown parameter',
    Error,
    /^LSTM\.loadStateDict: unexpected parameter 'weight_ih_l9'/,
    ({ lstm }) => lstm.loadStateDict({ ...lstm.stateDict(), weight_ih_l9: new Float32Array(48) }),
  ),
];

/** The cells: constructors, backward's gradients, and the state a step takes. */
const cellCases: BadCall[] = [
  bad(
    'LSTMCell(0, 4)',
    RangeError,
    exact('LSTMCell: inputSize must be a positive integer, received 0'),
    ({ backend }) => new LSTMCell(0, 4, { backend }),
  ),
  bad(
    'GRUCell(3, "4")',
    RangeError,
    exact('GRUCell: hiddenSize must be a positive integer, received "4"'),
    ({ backend }) => new GRUCell(3, '4' as never, { backend }),
  ),
  bad(
    'LSTMCell: null options',
    TypeError,
    exact('LSTMCell: options must be an object, received null'),
    () => new LSTMCell(3, 4, null as never),
  ),
  bad(
    'LSTMCell: numLayers',
    TypeError,
    exact(`LSTMCell: unknown option options.numLayers; valid options: ${CELL_OPTIONS}`),
    ({ backend }) => new LSTMCell(3, 4, { numLayers: 2, backend } as never),
  ),
  bad(
    'GRUCell: bidirectional',
    TypeError,
    exact(`GRUCell: unknown option options.bidirectional; valid options: ${CELL_OPTIONS}, resetAfter`),
    ({ backend }) => new GRUCell(3, 4, { bidirectional: true, backend } as never),
  ),
  bad(
    'RNNCell: resetAfter',
    TypeError,
    exact(`RNNCell: unknown option options.resetAfter; valid options: ${CELL_OPTIONS}, nonlinearity`),
    ({ backend }) => new RNNCell(3, 4, { resetAfter: true, backend } as never),
  ),
  bad(
    "RNNCell: nonlinearity 'gelu'",
    TypeError,
    exact(`RNNCell: options.nonlinearity must be 'tanh' or 'relu', received "gelu"`),
    ({ backend }) => new RNNCell(3, 4, { nonlinearity: 'gelu' as never, backend }),
  ),
  bad(
    "GRUCell: resetAfter 'false'",
    TypeError,
    exact('GRUCell: options.resetAfter must be true or false, received "false"'),
    ({ backend }) => new GRUCell(3, 4, { resetAfter: 'false' as never, backend }),
  ),
  bad(
    "LSTMCell: bias 'no'",
    TypeError,
    exact('LSTMCell: options.bias must be true or false, received "no"'),
    ({ backend }) => new LSTMCell(3, 4, { bias: 'no' as never, backend }),
  ),
  bad(
    'LSTMCell: seed 0.5',
    RangeError,
    exact('LSTMCell: options.seed must be an integer, received 0.5'),
    ({ backend }) => new LSTMCell(3, 4, { seed: 0.5, backend }),
  ),
  bad(
    'LSTMCell: init.forgetBias Infinity',
    RangeError,
    exact('LSTMCell: options.init.forgetBias must be a finite number, received Infinity'),
    ({ backend }) => new LSTMCell(3, 4, { init: { forgetBias: Number.POSITIVE_INFINITY }, backend }),
  ),
  bad(
    'GRUCell: init.forgetBias',
    TypeError,
    exact('GRUCell: options.init.forgetBias applies to LSTM only'),
    ({ backend }) => new GRUCell(3, 4, { init: { forgetBias: 1 }, backend }),
  ),
  bad(
    'LSTMCell: backend null',
    TypeError,
    exact('LSTMCell: options.backend must be a Backend from init() or createBackend(), received null'),
    () => new LSTMCell(3, 4, { backend: null as never }),
  ),
  bad(
    'LSTMCell.backward: null grads',
    TypeError,
    exact('LSTMCell.backward: grads must be an object, received null'),
    ({ lstmCell }) => lstmCell.backward(null as never),
  ),
  bad(
    'LSTMCell.backward: output',
    TypeError,
    exact('LSTMCell.backward: unknown option grads.output; valid options: h, c'),
    ({ lstmCell }) => lstmCell.backward({ output: new Float32Array(4) } as never),
  ),
  bad(
    'GRUCell.backward: dh',
    TypeError,
    exact("GRUCell.backward: unknown option grads.dh (did you mean 'h'?); valid options: h, c"),
    ({ gruCell }) => gruCell.backward({ dh: new Float32Array(4) } as never),
  ),
  bad(
    "LSTMCell.backward: 'h'",
    TypeError,
    exact('LSTMCell.backward: grads must be an object, received "h"'),
    ({ lstmCell }) => lstmCell.backward('h' as never),
  ),
  bad('GRUCell.backward: c', TypeError, exact('GRUCell.backward: a c gradient applies to LSTM only'), ({ gruCell }) =>
    gruCell.backward({ c: new Float32Array(4) }),
  ),
  bad(
    'LSTMCell.backward: h of the wrong length',
    RangeError,
    exact(
      'LSTMCell.backward: h gradient must have numLayers·directions·batch·hiddenSize = 1·1·1·4 = 4 values, received 5',
    ),
    ({ lstmCell }) => lstmCell.backward({ h: new Float32Array(5) }),
  ),
  bad(
    'LSTMCell.step: a plain object as the state',
    TypeError,
    /^LSTMCell\.step: state must be a RecurrentState \(from zeroState\(\)\)/,
    ({ lstmCell }) => lstmCell.step(new Float32Array(3), {} as RecurrentState),
  ),
  bad(
    "LSTMCell.step: a GRU cell's state",
    RangeError,
    /^LSTMCell\.step: state must have hiddenSize 4 and a cell state c/,
    ({ lstmCell, gruCell }) => lstmCell.step(new Float32Array(3), gruCell.zeroState()),
  ),
  bad(
    'GRUCell.zeroState(0)',
    RangeError,
    exact('RecurrentState: batch must be a positive integer, received 0'),
    ({ gruCell }) => gruCell.zeroState(0),
  ),
];

runBadCalls('init() and createBackend()', initCases);
runBadCalls('recurrent layer constructors', layerCases);
runBadCalls('recurrent layer forward and backward', layerMethodCases);
runBadCalls('cells', cellCases);
