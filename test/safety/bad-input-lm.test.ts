// Bad input at the public boundary, part 3: generate, stream, sampleLogits, logProbability,
// perplexity, compare, beamSearch, Vocab, gradientFlow and gradcheck. Each case throws strand's
// own error and leaves every live object (the model's weights and carried state, the sampler's
// generator) and both heaps bit for bit as before, on both backends (see bad-input-world.ts).
import {
  type Rng,
  Vocab,
  beamSearch,
  compare,
  generate,
  gradcheck,
  gradientFlow,
  logProbability,
  perplexity,
  sampleLogits,
  stream,
} from '../../src/index.ts';
import { type BadCall, bad, exact, runBadCalls } from './bad-input-world.ts';

const GENERATE_OPTIONS = 'temperature, topK, topP, prime, length, stopAt, seed';
const SCORE_OPTIONS = 'prime, window';
const LM_BEAM_OPTIONS = 'maxLength, beamWidth, stopAt, prime';
const GRADCHECK_OPTIONS = 'samples, epsilon, tolerance, floor, loss, reduction, seed';
const GRADCHECK_BATCH = 'input, target, seqLen, batch, mask, stateful';

const generateCases: BadCall[] = [
  bad(
    'generate: temprature',
    TypeError,
    exact(
      `generate: unknown option options.temprature (did you mean 'temperature'?); valid options: ${GENERATE_OPTIONS}`,
    ),
    ({ lm }) => generate(lm, { temprature: 0, length: 3 } as never),
  ),
  bad(
    'generate: length 0',
    RangeError,
    exact('generate: options.length must be an integer ≥ 1, received 0'),
    ({ lm }) => generate(lm, { length: 0 }),
  ),
  bad(
    'generate: no length',
    TypeError,
    exact('generate: options.length must be an integer ≥ 1, received undefined'),
    ({ lm }) => generate(lm, {} as never),
  ),
  bad(
    'generate: length 2.5',
    RangeError,
    exact('generate: options.length must be an integer ≥ 1, received 2.5'),
    ({ lm }) => generate(lm, { length: 2.5 }),
  ),
  bad(
    'generate: temperature -1',
    RangeError,
    exact('generate: options.temperature must be a finite number ≥ 0, received -1'),
    ({ lm }) => generate(lm, { length: 3, temperature: -1 }),
  ),
  bad(
    'generate: temperature NaN',
    RangeError,
    exact('generate: options.temperature must be a finite number ≥ 0, received NaN'),
    ({ lm }) => generate(lm, { length: 3, temperature: Number.NaN }),
  ),
  bad(
    'generate: temperature Infinity',
    RangeError,
    exact('generate: options.temperature must be a finite number ≥ 0, received Infinity'),
    ({ lm }) => generate(lm, { length: 3, temperature: Number.POSITIVE_INFINITY }),
  ),
  bad(
    'generate: temperature "1"',
    TypeError,
    exact('generate: options.temperature must be a finite number ≥ 0, received "1"'),
    ({ lm }) => generate(lm, { length: 3, temperature: '1' as never }),
  ),
  bad('generate: topK -1', RangeError, exact('generate: options.topK must be an integer ≥ 0, received -1'), ({ lm }) =>
    generate(lm, { length: 3, topK: -1 }),
  ),
  bad(
    'generate: topK 1.5',
    RangeError,
    exact('generate: options.topK must be an integer ≥ 0, received 1.5'),
    ({ lm }) => generate(lm, { length: 3, topK: 1.5 }),
  ),
  bad(
    'generate: topP 0',
    RangeError,
    exact('generate: options.topP must be a finite number > 0 and ≤ 1, received 0'),
    ({ lm }) => generate(lm, { length: 3, topP: 0 }),
  ),
  bad(
    'generate: topP 1.5',
    RangeError,
    exact('generate: options.topP must be a finite number > 0 and ≤ 1, received 1.5'),
    ({ lm }) => generate(lm, { length: 3, topP: 1.5 }),
  ),
  bad('generate: topk', TypeError, /^generate: unknown option options\.topk \(did you mean 'topK'\?\)/, ({ lm }) =>
    generate(lm, { length: 3, topk: 3 } as never),
  ),
  bad(
    'generate: top_p',
    TypeError,
    /^generate: unknown option options\.top_p\b.*; valid options: temperature, topK, topP/,
    ({ lm }) => generate(lm, { length: 3, top_p: 0.9 } as never),
  ),
  bad(
    'generate: maxLength',
    TypeError,
    exact(`generate: unknown option options.maxLength; valid options: ${GENERATE_OPTIONS}`),
    ({ lm }) => generate(lm, { length: 3, maxLength: 3 } as never),
  ),
  bad('generate: seed 1.5', RangeError, exact('generate: options.seed must be an integer, received 1.5'), ({ lm }) =>
    generate(lm, { length: 3, seed: 1.5 }),
  ),
  bad(
    'generate: stopAt -1',
    RangeError,
    exact('generate: options.stopAt must be an integer ≥ 0, received -1'),
    ({ lm }) => generate(lm, { length: 3, stopAt: -1 }),
  ),
  bad(
    "generate: prime 'hello'",
    TypeError,
    exact('generate: options.prime must be an array of token ids, received "hello"'),
    ({ lm }) => generate(lm, { length: 3, prime: 'hello' as never }),
  ),
  bad('generate: prime []', RangeError, exact('generate: options.prime must hold at least one token id'), ({ lm }) =>
    generate(lm, { length: 3, prime: [] }),
  ),
  bad(
    'generate: prime [99]',
    RangeError,
    exact('generate: prime must hold integer token ids in [0, 7), received 99 at index 0'),
    ({ lm }) => generate(lm, { length: 3, prime: [99] }),
  ),
  bad('generate: null options', TypeError, exact('generate: options must be an object, received null'), ({ lm }) =>
    generate(lm, null as never),
  ),
  bad(
    'generate: a feature model',
    TypeError,
    exact('generate: needs a next-token model (Embedding input, Dense at every step)'),
    ({ regressor }) => generate(regressor, { length: 3 }),
  ),
  bad(
    'stream: temprature',
    TypeError,
    /^stream: unknown option options\.temprature \(did you mean 'temperature'\?\)/,
    ({ lm }) => stream(lm, { temprature: 1, length: 2 } as never).next(),
  ),
  bad('stream: length 0', RangeError, exact('stream: options.length must be an integer ≥ 1, received 0'), ({ lm }) =>
    stream(lm, { length: 0 }).next(),
  ),
  bad(
    'stream: topP NaN',
    RangeError,
    exact('stream: options.topP must be a finite number > 0 and ≤ 1, received NaN'),
    ({ lm }) => stream(lm, { length: 2, topP: Number.NaN }).next(),
  ),
  bad(
    'stream: prime [7]',
    RangeError,
    exact('stream: prime must hold integer token ids in [0, 7), received 7 at index 0'),
    ({ lm }) => stream(lm, { length: 2, prime: [7] }).next(),
  ),
  bad(
    'sampleLogits: temprature',
    TypeError,
    exact(
      "sampleLogits: unknown option options.temprature (did you mean 'temperature'?); valid options: temperature, topK, topP",
    ),
    ({ data, rng, scratch }) => sampleLogits(data.logits, { temprature: 1 } as never, rng, scratch),
  ),
  bad(
    'sampleLogits: temperature -1',
    RangeError,
    exact('sampleLogits: options.temperature must be a finite number ≥ 0, received -1'),
    ({ data, rng, scratch }) => sampleLogits(data.logits, { temperature: -1 }, rng, scratch),
  ),
  bad(
    'sampleLogits: topP 2',
    RangeError,
    exact('sampleLogits: options.topP must be a finite number > 0 and ≤ 1, received 2'),
    ({ data, rng, scratch }) => sampleLogits(data.logits, { topP: 2 }, rng, scratch),
  ),
  bad(
    'sampleLogits: null options',
    TypeError,
    exact('sampleLogits: options must be an object, received null'),
    ({ data, rng, scratch }) => sampleLogits(data.logits, null as never, rng, scratch),
  ),
  bad(
    'sampleLogits: no logits',
    TypeError,
    exact('sampleLogits: logits must be an array of at least one number, received Array(0)'),
    ({ rng, scratch }) => sampleLogits([], {}, rng, scratch),
  ),
  bad(
    'sampleLogits: a NaN logit',
    RangeError,
    exact('sampleLogits: logits must be finite, received NaN at index 1'),
    ({ rng, scratch }) => sampleLogits([1, Number.NaN], {}, rng, scratch),
  ),
  bad(
    'sampleLogits: rng {}',
    TypeError,
    exact('sampleLogits: rng must be an Rng, received an object'),
    ({ data, scratch }) => sampleLogits(data.logits, {}, {} as Rng, scratch),
  ),
  bad(
    'sampleLogits: scratch too small',
    TypeError,
    exact(
      'sampleLogits: scratch must be a Float64Array of at least 7 values (one per logit), received Float64Array(1)',
    ),
    ({ data, rng }) => sampleLogits(data.logits, {}, rng, new Float64Array(1)),
  ),
  bad(
    'sampleLogits: scratch a Float32Array',
    TypeError,
    /^sampleLogits: scratch must be a Float64Array .*received Float32Array\(7\)$/,
    ({ data, rng }) => sampleLogits(data.logits, {}, rng, new Float32Array(7) as never),
  ),
];

const scoreCases: BadCall[] = [
  bad(
    'logProbability: windw',
    TypeError,
    exact(`logProbability: unknown option options.windw (did you mean 'window'?); valid options: ${SCORE_OPTIONS}`),
    ({ lm, data }) => logProbability(lm, data.ids, { windw: 4 } as never),
  ),
  bad(
    'logProbability: window 0',
    RangeError,
    exact('logProbability: options.window must be an integer ≥ 1, received 0'),
    ({ lm, data }) => logProbability(lm, data.ids, { window: 0 }),
  ),
  bad(
    'logProbability: window 1.5',
    RangeError,
    exact('logProbability: options.window must be an integer ≥ 1, received 1.5'),
    ({ lm, data }) => logProbability(lm, data.ids, { window: 1.5 }),
  ),
  bad(
    'logProbability: window "4"',
    TypeError,
    exact('logProbability: options.window must be an integer ≥ 1, received "4"'),
    ({ lm, data }) => logProbability(lm, data.ids, { window: '4' as never }),
  ),
  bad(
    'logProbability: window Infinity',
    RangeError,
    exact('logProbability: options.window must be an integer ≥ 1, received Infinity'),
    ({ lm, data }) => logProbability(lm, data.ids, { window: Number.POSITIVE_INFINITY }),
  ),
  bad(
    "logProbability: prime 'a'",
    TypeError,
    exact('logProbability: options.prime must be an array of token ids, received "a"'),
    ({ lm, data }) => logProbability(lm, data.ids, { prime: 'a' as never }),
  ),
  bad(
    'logProbability: prime []',
    RangeError,
    exact('logProbability: prime must hold at least one token id (default [2], <EOS>)'),
    ({ lm, data }) => logProbability(lm, data.ids, { prime: [] }),
  ),
  bad(
    'logProbability: prime [99]',
    RangeError,
    exact('logProbability: prime must hold integer token ids in [0, 7), received 99 at index 0'),
    ({ lm, data }) => logProbability(lm, data.ids, { prime: [99] }),
  ),
  bad(
    'logProbability: stateful',
    TypeError,
    exact(`logProbability: unknown option options.stateful; valid options: ${SCORE_OPTIONS}`),
    ({ lm, data }) => logProbability(lm, data.ids, { stateful: true } as never),
  ),
  bad(
    'logProbability: null options',
    TypeError,
    exact('logProbability: options must be an object, received null'),
    ({ lm, data }) => logProbability(lm, data.ids, null as never),
  ),
  bad(
    'logProbability: no ids',
    RangeError,
    exact('logProbability: ids must hold at least one token id to score'),
    ({ lm }) => logProbability(lm, []),
  ),
  bad(
    'logProbability: an id out of range',
    RangeError,
    exact('logProbability: ids must hold integer token ids in [0, 7), received -1 at index 1'),
    ({ lm }) => logProbability(lm, [3, -1]),
  ),
  bad('logProbability: a feature model', TypeError, /^logProbability: needs a next-token model/, ({ regressor }) =>
    logProbability(regressor, [1]),
  ),
  bad(
    'perplexity: window 0',
    RangeError,
    exact('perplexity: options.window must be an integer ≥ 1, received 0'),
    ({ lm, data }) => perplexity(lm, data.ids, { window: 0 }),
  ),
  bad(
    'perplexity: temperature',
    TypeError,
    exact(`perplexity: unknown option options.temperature; valid options: ${SCORE_OPTIONS}`),
    ({ lm, data }) => perplexity(lm, data.ids, { temperature: 1 } as never),
  ),
  bad(
    'compare: window -1',
    RangeError,
    exact('compare: options.window must be an integer ≥ 1, received -1'),
    ({ lm }) => compare(lm, [3, 4], [4, 3], { window: -1 }),
  ),
  bad('compare: primer', TypeError, /^compare: unknown option options\.primer \(did you mean 'prime'\?\)/, ({ lm }) =>
    compare(lm, [3, 4], [4, 3], { primer: [2] } as never),
  ),
  bad(
    'compare: b holds an id out of range',
    RangeError,
    exact('compare: b must hold integer token ids in [0, 7), received 8 at index 0'),
    ({ lm }) => compare(lm, [3, 4], [8, 3]),
  ),
  bad(
    'beamSearch: maxLength 0',
    RangeError,
    exact('beamSearch: options.maxLength must be an integer ≥ 1, received 0'),
    ({ lm }) => beamSearch(lm, { maxLength: 0 }),
  ),
  bad(
    'beamSearch: no maxLength',
    TypeError,
    exact('beamSearch: options.maxLength must be an integer ≥ 1, received undefined'),
    ({ lm }) => beamSearch(lm, {} as never),
  ),
  bad(
    'beamSearch: beamWidth 0',
    RangeError,
    exact('beamSearch: options.beamWidth must be an integer ≥ 1, received 0'),
    ({ lm }) => beamSearch(lm, { maxLength: 3, beamWidth: 0 }),
  ),
  bad(
    'beamSearch: window',
    TypeError,
    exact(`beamSearch: unknown option options.window; valid options: ${LM_BEAM_OPTIONS}`),
    ({ lm }) => beamSearch(lm, { maxLength: 3, window: 4 } as never),
  ),
  bad(
    'beamSearch: temperature',
    TypeError,
    exact(`beamSearch: unknown option options.temperature; valid options: ${LM_BEAM_OPTIONS}`),
    ({ lm }) => beamSearch(lm, { maxLength: 3, temperature: 0 } as never),
  ),
  bad(
    'beamSearch: prime [99]',
    RangeError,
    exact('beamSearch: prime must hold integer token ids in [0, 7), received 99 at index 0'),
    ({ lm }) => beamSearch(lm, { maxLength: 3, prime: [99] }),
  ),
  bad(
    'beamSearch: stopAt 1.5',
    RangeError,
    exact('beamSearch: options.stopAt must be an integer ≥ 0, received 1.5'),
    ({ lm }) => beamSearch(lm, { maxLength: 3, stopAt: 1.5 }),
  ),
  bad('beamSearch: null options', TypeError, exact('beamSearch: options must be an object, received null'), ({ lm }) =>
    beamSearch(lm, null as never),
  ),
];

const vocabCases: BadCall[] = [
  bad(
    "Vocab.fromText: level 'byte'",
    TypeError,
    exact(`Vocab.fromText: options.level must be 'char' or 'word', received "byte"`),
    () => Vocab.fromText('abc', { level: 'byte' as never }),
  ),
  bad(
    'Vocab.fromText: level 3',
    TypeError,
    exact(`Vocab.fromText: options.level must be 'char' or 'word', received 3`),
    () => Vocab.fromText('abc', { level: 3 as never }),
  ),
  bad(
    'Vocab.fromText: minFreq 0',
    RangeError,
    exact('Vocab.fromText: options.minFreq must be an integer ≥ 1, received 0'),
    () => Vocab.fromText('abc', { minFreq: 0 }),
  ),
  bad(
    'Vocab.fromText: minFreq 1.5',
    RangeError,
    exact('Vocab.fromText: options.minFreq must be an integer ≥ 1, received 1.5'),
    () => Vocab.fromText('abc', { minFreq: 1.5 }),
  ),
  bad(
    'Vocab.fromText: maxSize 2',
    RangeError,
    exact('Vocab.fromText: options.maxSize must be an integer ≥ 3, received 2'),
    () => Vocab.fromText('abc', { maxSize: 2 }),
  ),
  bad(
    'Vocab.fromText: maxSize NaN',
    RangeError,
    exact('Vocab.fromText: options.maxSize must be an integer ≥ 3, received NaN'),
    () => Vocab.fromText('abc', { maxSize: Number.NaN }),
  ),
  bad(
    'Vocab.fromText: lowerCase',
    TypeError,
    /^Vocab\.fromText: unknown option options\.lowerCase \(did you mean 'lowercase'\?\)/,
    () => Vocab.fromText('abc', { lowerCase: true } as never),
  ),
  bad(
    'Vocab.fromText: minfreq',
    TypeError,
    /^Vocab\.fromText: unknown option options\.minfreq \(did you mean 'minFreq'\?\)/,
    () => Vocab.fromText('abc', { minfreq: 2 } as never),
  ),
  bad(
    'Vocab.fromText: null options',
    TypeError,
    exact('Vocab.fromText: options must be an object, received null'),
    () => Vocab.fromText('abc', null as never),
  ),
  bad('Vocab.fromText(42)', TypeError, exact('Vocab.fromText: text must be a string, received 42'), () =>
    Vocab.fromText(42 as never),
  ),
  bad('Vocab.token(99)', RangeError, /^Vocab\.token: id must be an integer in \[0, \d+\), received 99$/, ({ vocab }) =>
    vocab.token(99),
  ),
  bad('Vocab.encode(5)', TypeError, exact('Vocab.encode: text must be a string, received 5'), ({ vocab }) =>
    vocab.encode(5 as never),
  ),
  bad('Vocab.decode(5)', TypeError, exact('Vocab.decode: ids must be an array of token ids, received 5'), ({ vocab }) =>
    vocab.decode(5 as never),
  ),
  bad(
    "Vocab.decode: keepSpecials 'no'",
    TypeError,
    exact('Vocab.decode: keepSpecials must be true or false, received "no"'),
    ({ vocab }) => vocab.decode([3, 4], 'no' as never),
  ),
];

const diagnosticsCases: BadCall[] = [
  bad(
    'gradientFlow: clip 5',
    TypeError,
    exact('gradientFlow: options.clip must be an object, received 5'),
    ({ regressor, data }) => gradientFlow(regressor, data.features, { clip: 5 as never }),
  ),
  bad(
    'gradientFlow: clip {}',
    TypeError,
    exact('gradientFlow: options.clip.norm must be a finite number > 0, received undefined'),
    ({ regressor, data }) => gradientFlow(regressor, data.features, { clip: {} as never }),
  ),
  bad(
    'gradientFlow: clip.norm 0',
    RangeError,
    exact('gradientFlow: options.clip.norm must be a finite number > 0, received 0'),
    ({ regressor, data }) => gradientFlow(regressor, data.features, { clip: { norm: 0 } }),
  ),
  bad(
    'gradientFlow: clip.norm NaN',
    RangeError,
    exact('gradientFlow: options.clip.norm must be a finite number > 0, received NaN'),
    ({ regressor, data }) => gradientFlow(regressor, data.features, { clip: { norm: Number.NaN } }),
  ),
  bad(
    'gradientFlow: clip.value',
    TypeError,
    /^gradientFlow: options\.clip takes only \{ norm \}.*clipping by value has no single factor.*received the key 'value'$/,
    ({ regressor, data }) => gradientFlow(regressor, data.features, { clip: { value: 1 } as never }),
  ),
  bad(
    'gradientFlow: clip.nrom',
    TypeError,
    exact("gradientFlow: unknown option options.clip.nrom (did you mean 'norm'?); valid options: norm"),
    ({ regressor, data }) => gradientFlow(regressor, data.features, { clip: { nrom: 1 } as never }),
  ),
  bad(
    'gradientFlow: seqLen 0',
    RangeError,
    exact('gradientFlow: options.seqLen must be an integer ≥ 1, received 0'),
    ({ regressor, data }) => gradientFlow(regressor, data.features, { seqLen: 0 }),
  ),
  bad(
    "gradientFlow: batch 'x'",
    TypeError,
    exact('gradientFlow: options.batch must be an integer ≥ 1, received "x"'),
    ({ regressor, data }) => gradientFlow(regressor, data.features, { batch: 'x' as never }),
  ),
  bad(
    'gradientFlow: targets',
    TypeError,
    /^gradientFlow: unknown option options\.targets \(did you mean 'target'\?\)/,
    ({ regressor, data }) => gradientFlow(regressor, data.features, { targets: [0, 0] } as never),
  ),
  bad(
    'gradientFlow: lengths',
    TypeError,
    exact('gradientFlow: unknown option options.lengths; valid options: seqLen, batch, target, clip'),
    ({ regressor, data }) => gradientFlow(regressor, data.features, { lengths: [4] } as never),
  ),
  bad(
    'gradientFlow: null options',
    TypeError,
    exact('gradientFlow: options must be an object, received null'),
    ({ regressor, data }) => gradientFlow(regressor, data.features, null as never),
  ),
  bad(
    'gradientFlow: no model',
    TypeError,
    exact('gradientFlow: model must be a SequenceModel, received null'),
    ({ data }) => gradientFlow(null as never, data.features),
  ),
  bad(
    'gradientFlow: a NaN feature',
    RangeError,
    /^gradientFlow: input must be finite \(as float32\), received NaN at index 5$/,
    ({ regressor, data }) =>
      gradientFlow(
        regressor,
        data.features.map((v, i) => (i === 5 ? Number.NaN : v)),
      ),
  ),
  bad(
    'gradcheck: samples 0',
    RangeError,
    exact('gradcheck: options.samples must be an integer ≥ 1, received 0'),
    ({ lm, data }) => gradcheck(lm, data.batch, { samples: 0 }),
  ),
  bad(
    'gradcheck: epsilon 0',
    RangeError,
    exact('gradcheck: options.epsilon must be a finite number > 0, received 0'),
    ({ lm, data }) => gradcheck(lm, data.batch, { epsilon: 0 }),
  ),
  bad(
    'gradcheck: epsilon 1e39 (Infinity in float32)',
    RangeError,
    exact('gradcheck: options.epsilon must be a finite number > 0, finite as float32, received 1e+39'),
    ({ lm, data }) => gradcheck(lm, data.batch, { epsilon: 1e39 }),
  ),
  bad(
    'gradcheck: tolerance -1',
    RangeError,
    exact('gradcheck: options.tolerance must be a finite number > 0, received -1'),
    ({ lm, data }) => gradcheck(lm, data.batch, { tolerance: -1 }),
  ),
  bad(
    'gradcheck: floor NaN',
    RangeError,
    exact('gradcheck: options.floor must be a finite number > 0, received NaN'),
    ({ lm, data }) => gradcheck(lm, data.batch, { floor: Number.NaN }),
  ),
  bad(
    "gradcheck: loss 'hinge'",
    TypeError,
    exact(`gradcheck: options.loss must be 'cross-entropy', 'binary-cross-entropy' or 'mse', received "hinge"`),
    ({ lm, data }) => gradcheck(lm, data.batch, { loss: 'hinge' as never }),
  ),
  bad(
    "gradcheck: reduction 'avg'",
    TypeError,
    exact(`gradcheck: options.reduction must be 'mean' or 'sum', received "avg"`),
    ({ lm, data }) => gradcheck(lm, data.batch, { reduction: 'avg' as never }),
  ),
  bad(
    'gradcheck: seed 0.5',
    RangeError,
    exact('gradcheck: options.seed must be an integer, received 0.5'),
    ({ lm, data }) => gradcheck(lm, data.batch, { seed: 0.5 }),
  ),
  bad(
    'gradcheck: sample',
    TypeError,
    exact(`gradcheck: unknown option options.sample (did you mean 'samples'?); valid options: ${GRADCHECK_OPTIONS}`),
    ({ lm, data }) => gradcheck(lm, data.batch, { sample: 10 } as never),
  ),
  bad('gradcheck: null batch', TypeError, exact('gradcheck: batch must be an object, received null'), ({ lm }) =>
    gradcheck(lm, null as never),
  ),
  bad(
    'gradcheck: batch.lengths',
    TypeError,
    exact(`gradcheck: unknown option batch.lengths; valid options: ${GRADCHECK_BATCH}`),
    ({ lm, data }) => gradcheck(lm, { ...data.batch, lengths: [2, 2] }),
  ),
  bad(
    'gradcheck: batch.stateful true',
    TypeError,
    exact('gradcheck: batch.stateful must be false, received true'),
    ({ lm, data }) => gradcheck(lm, { ...data.batch, stateful: true }),
  ),
  bad(
    'gradcheck: batch.targets',
    TypeError,
    /^gradcheck: unknown option batch\.targets \(did you mean 'target'\?\)/,
    ({ lm, data }) => gradcheck(lm, { ...data.batch, targets: data.batch.target } as never),
  ),
  bad(
    'gradcheck: null options',
    TypeError,
    exact('gradcheck: options must be an object, received null'),
    ({ lm, data }) => gradcheck(lm, data.batch, null as never),
  ),
  bad(
    'gradcheck: a target out of range',
    RangeError,
    exact('gradcheck: batch.target must hold class ids in [0, 7) or −1 (ignore), received 7 at index 0'),
    ({ lm, data }) => gradcheck(lm, { ...data.batch, target: [7, 0, 0, 0] }),
  ),
];

runBadCalls('generate, stream and sampleLogits', generateCases);
runBadCalls('logProbability, perplexity, compare and beamSearch', scoreCases);
runBadCalls('Vocab', vocabCases);
runBadCalls('gradientFlow and gradcheck', diagnosticsCases);
